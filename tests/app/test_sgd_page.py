"""AppTest of the SGD page: the default run is the tutorial's example C; uploads; URL parameters; bad input."""

from __future__ import annotations

import numpy as np
import pytest

from tests.app.support import chart, decode, metrics, open_page

PAGE = "views/sgd.py"
GOOD = b"x1,x2,label\n" + b"".join(f"{a:.3f},{b:.3f},{int(a - b >= 0)}\n".encode()
                                   for a, b in np.random.default_rng(3).uniform(-1, 1, size=(300, 2)))


def path(spec: dict) -> np.ndarray:
    trace = next(t for t in spec["data"] if t.get("name") == "full path")
    return np.column_stack([decode(trace["x"]), decode(trace["y"])])


def test_default_view_trains_the_tutorial_example():
    at = open_page(page=PAGE)
    spec = chart(at)
    walk = path(spec)
    beta0 = np.random.default_rng([0, 1]).uniform(-10, 10, size=2)
    np.testing.assert_allclose(walk[0], beta0, rtol=1e-6)  # float32 in the figure
    shown = metrics(at)
    np.testing.assert_allclose(walk[-1], [float(shown["final β1"]), float(shown["final β2"])], atol=5e-4)
    assert float(shown["accuracy"]) >= 0.97
    assert len(spec["frames"]) > 10 and any("Gradient check" in s.value for s in at.success)


def test_changing_controls_retrains():
    at = open_page(page=PAGE)
    at.radio(key="start").set_value("typed").run()
    at.number_input(key="b1").set_value(-12.0).run()
    at.number_input(key="b2").set_value(12.0).run()
    at.number_input(key="batch").set_value(2000).run()
    np.testing.assert_allclose(path(chart(at))[0], [-12.0, 12.0])
    assert not at.exception


def test_upload_good_then_bad_keeps_the_previous_data():
    at = open_page({"data": "upload"}, page=PAGE)
    assert any("Choose a CSV" in e.value for e in at.error)
    at.session_state["csv_candidate"] = GOOD  # what the file uploader hands the page
    at.run()
    assert not at.error and float(metrics(at)["accuracy"]) > 0.9
    at.session_state["csv_candidate"] = b"x1,x2,label\n1,2,7\n"
    at.run()
    assert any("the label 7 is not 0 or 1" in e.value for e in at.error)
    assert any("last file that was read correctly" in i.value for i in at.info)
    assert float(metrics(at)["accuracy"]) > 0.9


def test_url_parameters_set_the_run():
    at = open_page({"lr": "0.5", "steps": "200", "batch": "50", "seed": "7", "n": "1000", "data": "blobs"}, page=PAGE)
    assert at.select_slider(key="lr").value == 0.5 and at.number_input(key="steps").value == 200
    assert at.selectbox(key="data").value == "blobs"
    assert len(path(chart(at))) == 201


@pytest.mark.parametrize(
    ("query", "message"),
    [({"lr": "-1"}, "lr='-1' is outside"), ({"steps": "abc"}, "steps='abc' is not a whole number"),
     ({"n": "0"}, "n='0' is outside")],
    ids=["lr", "steps", "n"],
)
def test_bad_url_parameters(query, message):
    at = open_page(query, page=PAGE)
    assert any(message in e.value for e in at.error)
    assert float(metrics(at)["accuracy"]) >= 0.97  # the page goes on with that control's default


def test_too_high_learning_rate_is_named_in_words():
    at = open_page({"lr": "20", "noise": "0.1"}, page=PAGE)
    assert any("Learning rate too high" in e.value for e in at.error)
    assert "nan" not in " ".join(m.value for m in at.metric).lower()


def after(column, key: str) -> str:
    """The text of the alerts in the slot right after the widget ``key`` in a column (its messages)."""
    children = list(column.children.values())
    index = next(i for i, child in enumerate(children) if getattr(child, "key", None) == key)
    slot = children[index + 1]
    return " ".join(alert.value for alert in slot.children.values())


def test_worst_settings_are_capped_with_the_reason_beside_each_control():
    at = open_page({"n": "100000", "steps": "100000", "batch": "100000"}, page=PAGE)
    controls = at.columns[0]
    assert after(controls, "steps") == ("At most 6·10⁶ gradient evaluations per run: T reduced from 100,000 to 59 at "
                                        "batch 100,000 (a step counts B + 100).")
    assert "batches drawn reduced from 200 to 10 at batch 100,000" in after(controls, "batch")
    n_box = next(block for block in controls.children.values()
                 if any(getattr(c, "key", None) == "n" for c in getattr(block, "children", {}).values()))
    assert "the grid reduced from 61×61 to 8×8 at N = 100,000" in after(n_box, "n")
    # the controls and the link keep what the student typed; the page shows what ran
    assert at.number_input(key="steps").value == 100_000 and at.query_params["steps"] == "100000"
    assert len(path(chart(at))) <= 20 and "beta_{59}" in at.latex[0].value.replace(" ", "")
    assert float(metrics(at)["accuracy"]) >= 0.97


def test_default_view_is_not_capped():
    at = open_page(page=PAGE)
    assert not at.info


def test_an_optimizer_from_the_link_trains_and_shows_its_rule():
    at = open_page({"optimizer": "adam", "lr": "0.1"}, page=PAGE)
    assert at.selectbox(key="optimizer").value == "adam"
    assert at.query_params["optimizer"] == "adam"  # the URL round trip: Streamlit keeps the word it writes
    rule = at.latex[0].value
    assert r"\text{Adam: } \alpha = 0.1" in rule and r"(\rho_1, \rho_2) = \left(0.9, 0.999\right)" in rule
    assert r"\varepsilon = 10^{-8}" in rule and r"\beta_{500}" in rule
    adam = path(chart(at))
    shown = metrics(at)
    np.testing.assert_allclose(adam[-1], [float(shown["final β1"]), float(shown["final β2"])], atol=5e-4)
    assert float(shown["accuracy"]) >= 0.97
    at.selectbox(key="optimizer").set_value("gd").run()  # the tutorial's SGD again: the same start, another path
    assert not at.exception and r"\beta \leftarrow \beta - \alpha\, x_i" in at.latex[0].value
    plain = path(chart(at))
    np.testing.assert_array_equal(plain[0], adam[0])
    assert np.abs(plain[-1] - adam[-1]).max() > 0.1


def test_a_bad_optimizer_in_the_link_is_named_beside_the_control():
    at = open_page({"optimizer": "foo"}, page=PAGE)
    assert ("Link parameter optimizer='foo' is not one of gd, momentum, nesterov, adagrad, rmsprop, adam; using "
            "the default 'gd' instead.") in after(at.columns[0], "optimizer")
    assert at.selectbox(key="optimizer").value == "gd"
    assert r"\beta \leftarrow \beta - \alpha\, x_i" in at.latex[0].value  # the tutorial's SGD
    assert float(metrics(at)["accuracy"]) >= 0.97


def test_a_capped_optimizer_run_says_why_beside_the_steps():
    at = open_page({"optimizer": "momentum", "steps": "100000", "lr": "0.1"}, page=PAGE)
    assert after(at.columns[0], "steps") == ("At most 6·10⁶ gradient evaluations per run: T reduced from 100,000 to "
                                             "7,989 at batch 1 (a step with Momentum counts B + 750).")
