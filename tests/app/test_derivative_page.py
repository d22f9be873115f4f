"""AppTest of the Derivative page: the figure's numbers follow the controls, the URL sets the view, bad input is
explained next to its control."""

from __future__ import annotations

import numpy as np
import pytest

from tests.app.support import chart, decode, metrics
from tests.app.support import open_page as open_any_page

PAGE = "views/derivative.py"
SLOPE = 1e-9  # relative: a line's slope read back from two chart points


def open_page(query: dict[str, str] | None = None):
    return open_any_page(query, page=PAGE)


def trace(spec: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    found = next(t for t in spec["data"] if t.get("name") == name)
    return decode(found["x"]), decode(found["y"])


def slope_through(spec: dict, name: str) -> tuple[float, float]:
    """The slope of a drawn line and its value at x = 0."""
    x, y = trace(spec, name)
    slope = (y[1] - y[0]) / (x[1] - x[0])
    return slope, y[0] - slope * x[0]


def test_default_view_is_tutorial_example_a():
    at = open_page()
    spec = chart(at)
    slope, intercept = slope_through(spec, "tangent")
    assert slope == pytest.approx(6.0, rel=SLOPE) and intercept + slope * 5 == pytest.approx(-7.0, rel=SLOPE)
    x0, y0 = trace(spec, "x0")
    assert (x0[0], y0[0]) == (5.0, -7.0)
    assert metrics(at)["central estimate"] == "6.000" and metrics(at)["f(x0)"] == "-7.000"
    assert spec["layout"]["xaxis"]["title"]["text"] == "x"
    assert len(spec["frames"]) > 10


def test_changing_controls_changes_the_figure():
    at = open_page()
    at.text_input(key="f").set_value("x^3").run()
    at.number_input(key="x0").set_value(2.0).run()
    at.select_slider(key="h").set_value(0.5).run()
    at.segmented_control(key="method").set_value("forward").run()
    assert not at.exception
    spec = chart(at)
    assert slope_through(spec, "tangent")[0] == pytest.approx(12.0, rel=SLOPE)  # 3 x0²
    secant_slope = slope_through(spec, "secant")[0]
    assert secant_slope == pytest.approx((2.5**3 - 8) / 0.5, rel=SLOPE)  # forward difference, h = 0.5
    stencil_x, _ = trace(spec, "stencil points")
    np.testing.assert_allclose(stencil_x, [2.0, 2.5])


def test_url_parameters_set_the_view():
    at = open_page({"f": "sin(x)", "x0": "0", "h": "1e-2", "method": "backward"})
    assert at.text_input(key="f").value == "sin(x)"
    assert at.select_slider(key="h").value == 1e-2
    assert slope_through(chart(at), "tangent")[0] == pytest.approx(1.0, rel=SLOPE)
    assert slope_through(chart(at), "secant")[0] == pytest.approx(np.sin(0.01) / 0.01, rel=SLOPE)


def test_preset_loads_in_one_click():
    at = open_page()
    next(b for b in at.get("button_group") if b.key == "preset").set_value("ln x").run()
    assert at.text_input(key="f").value == "ln(x)" and at.number_input(key="x0").value == 2.0
    assert slope_through(chart(at), "tangent")[0] == pytest.approx(0.5, rel=SLOPE)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("f", "sinx", "write sin(x)"), ("f", "", "empty"), ("x0", -1.0, "not defined at x0 = -1")],
    ids=["bad-formula", "empty", "outside-domain"],
)
def test_bad_input_is_explained(key, value, message):
    at = open_page()
    if key == "x0":
        at.text_input(key="f").set_value("ln(x)").run()
        at.number_input(key="x0").set_value(value).run()
    else:
        at.text_input(key=key).set_value(value).run()
    assert not at.exception
    assert any(message in e.value for e in at.error)


@pytest.mark.parametrize(
    ("query", "message"),
    [({"x0": "abc"}, "x0='abc' is not a number"), ({"method": "sideways"}, "is not one of"), ({"h": "5"}, "outside")],
    ids=["x0", "method", "h"],
)
def test_bad_url_parameters_are_explained_and_defaults_used(query, message):
    at = open_page(query)
    assert any(message in e.value for e in at.error)
    assert metrics(at)["f(x0)"] == "-7.000"  # the rest of the page still works, with the default


def test_the_x0_slider_and_number_box_move_together():
    at = open_page()
    at.slider(key="x0_slider").set_value(2.5).run()
    assert at.number_input(key="x0").value == 2.5
    assert slope_through(chart(at), "tangent")[0] == pytest.approx(2 * 2.5 - 4, rel=SLOPE)
    at.number_input(key="x0").set_value(-3.0).run()
    assert at.slider(key="x0_slider").value == -3.0


ERROR_TAB = "Error against step h"


def table(at) -> dict[str, dict[str, str]]:
    """The comparison table of the error tab, by method."""
    frame = at.dataframe[0].value
    return {row["method"]: row for row in frame.to_dict("records")}


def test_error_tab_has_the_complex_step_and_forward_mode():
    at = open_page({"derivative_tab": ERROR_TAB})
    rows = table(at)
    assert list(rows) == ["forward", "backward", "central ◀", "five-point", "complex step", "forward mode"]
    assert rows["complex step"]["estimate"] == "6.0000000000" and rows["forward mode"]["estimate"] == "6.0000000000"
    assert rows["central ◀"]["estimate"].startswith("6.000")  # the tutorial's case A still shows
    spec = chart(at, "error_chart")
    x, y = trace(spec, "complex step")
    assert len(x) == len(y) > 50 and np.isfinite(y).all() and y.max() < 1e-13  # flat at rounding: (x+2)(x-6) exact
    assert any("subtracts nothing" in m.value for m in at.markdown)


def test_complex_step_says_it_does_not_apply_to_abs():
    at = open_page({"derivative_tab": ERROR_TAB, "f": "abs(x)", "x0": "2"})
    row = table(at)["complex step"]
    assert "does not apply" in row["estimate"] and "abs" in row["estimate"]
    assert table(at)["forward mode"]["estimate"] == "1.0000000000"
    assert any("does not apply" in m.value for m in at.markdown)
    names = [t.get("name") for t in chart(at, "error_chart")["data"]]
    assert "complex step (does not apply)" in names
