"""AppTest of the Gradient page: tutorial B in the rendered figure, clicks move the point, bad input explained."""

from __future__ import annotations

import numpy as np
import pytest

from tests.app.support import chart, decode, metrics, open_page

PAGE = "views/gradient.py"


def arrow(spec: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    trace = next(t for t in spec["data"] if t.get("name") == name)
    x, y = decode(trace["x"]), decode(trace["y"])
    return np.array([x[0], y[0]]), np.array([x[1] - x[0], y[1] - y[0]])


def test_default_view_reproduces_tutorial_b():
    at = open_page(page=PAGE)
    spec = chart(at)
    start, vector = arrow(spec, "gradient")
    np.testing.assert_allclose(start, [-3.0, -2.0])
    np.testing.assert_allclose(vector, 0.1 * np.array([-9.0, -6.0]))
    assert spec["layout"]["xaxis"]["title"]["text"] == "x1" and spec["layout"]["yaxis"]["title"]["text"] == "x2"
    assert metrics(at)["∂f/∂x1"] == "-9.000" and metrics(at)["∂f/∂x2"] == "-6.000"


def test_a_click_moves_the_arrows():
    at = open_page(page=PAGE)
    at.session_state["x1"], at.session_state["x2"] = 1.0, 2.0  # what move_point() sets from a click on the contour
    at.run()
    start, vector = arrow(chart(at), "gradient")
    np.testing.assert_allclose(start, [1.0, 2.0])
    np.testing.assert_allclose(vector, 0.1 * np.array([2 * 1.0 - 3, 2 * 2.0 - 2]))


def test_preset_and_scale():
    at = open_page(page=PAGE)
    next(b for b in at.get("button_group") if b.key == "gradient_preset").set_value("saddle x1² − x2²").run()
    at.number_input(key="scale").set_value(0.5).run()
    start, vector = arrow(chart(at), "gradient")
    np.testing.assert_allclose(start, [1.0, 0.5])
    np.testing.assert_allclose(vector, 0.5 * np.array([2.0, -1.0]))
    next(b for b in at.get("button_group") if b.key == "gradient_preset").set_value("Rosenbrock").run()
    start, vector = arrow(chart(at), "gradient")  # the preset brings its own scale, 0.003
    np.testing.assert_allclose(start, [-1.0, 1.5])
    np.testing.assert_allclose(vector, 0.003 * np.array([-2 * 2 + 400 * (0.5), 200 * 0.5]))


def test_url_parameters_set_the_view():
    at = open_page({"f": "x1 x2", "x1": "2", "x2": "3"}, page=PAGE)
    start, vector = arrow(chart(at), "gradient")
    np.testing.assert_allclose(start, [2.0, 3.0])
    np.testing.assert_allclose(vector, 0.1 * np.array([3.0, 2.0]))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("f", "x1 + y", "Unknown name 'y'"), ("f", "(x1", "never closed"), ("x1", -1.0, "not defined at")],
    ids=["unknown-variable", "unparseable", "outside-domain"],
)
def test_bad_input_is_explained(key, value, message):
    at = open_page(page=PAGE)
    if key == "x1":
        at.text_input(key="f").set_value("log(x1) + x2").run()
        at.number_input(key="x1").set_value(value).run()
    else:
        at.text_input(key=key).set_value(value).run()
    assert not at.exception and any(message in e.value for e in at.error)


@pytest.mark.parametrize(("query", "message"),
                         [({"x1": "abc"}, "x1='abc' is not a number"), ({"scale": "-3"}, "outside")],
                         ids=["x1", "scale"])
def test_bad_url_parameters(query, message):
    at = open_page(query, page=PAGE)
    assert any(message in e.value for e in at.error)
    assert metrics(at)["f(x1, x2)"] == "13.000"
