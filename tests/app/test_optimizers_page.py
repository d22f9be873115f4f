"""AppTest of the Optimizers page: the default race, presets, a typed f, the URL round trip, a click, tuning, and bad
input explained beside its control."""

from __future__ import annotations

import numpy as np
import pytest

from core.optimizers_lab import PRESETS
from tests.app.support import chart, decode, open_page, slot_after

PAGE = "views/optimizers.py"
ROSENBROCK = PRESETS[0]
RAVINE = next(p for p in PRESETS if p.label.startswith("ravine"))
SHOWN = 1e-6  # figure coordinates are float64 from the race; a start typed as a decimal comes back to rounding


def trace(spec: dict, name: str) -> np.ndarray:
    """The (x, y) points of the trace called ``name``, shape (k, 2)."""
    found = next(t for t in spec["data"] if t.get("name") == name)
    return np.column_stack([decode(found["x"]), decode(found["y"])])


def names(spec: dict) -> set[str]:
    return {t.get("name") for t in spec["data"]}


def rows(at) -> dict[str, dict]:
    """The race table, method label → row."""
    table = at.dataframe[0].value
    return {row["method"]: row for row in table.to_dict("records")}


def test_default_view_races_four_methods_on_rosenbrock():
    at = open_page(page=PAGE)
    spec = chart(at, "race_chart")
    assert {"GD", "Momentum", "Adam", "Newton"} <= names(spec)
    np.testing.assert_allclose(trace(spec, "start")[0], [-1.5, 2.0])
    for label in ("GD", "Momentum", "Adam", "Newton"):
        np.testing.assert_allclose(trace(spec, label)[0], [-1.5, 2.0], atol=SHOWN)  # one start for all
    np.testing.assert_allclose(trace(spec, "minimum")[0], [1.0, 1.0])
    np.testing.assert_allclose(trace(spec, "Newton")[-1], [1.0, 1.0], atol=SHOWN)  # Newton ends at the minimum
    table = rows(at)
    assert list(table) == ["GD", "Momentum", "Adam", "Newton"]
    assert table["Newton"]["arrived at step"].isdigit() and table["GD"]["arrived at step"] == "—"
    assert all(row["steps"] == 500 and row["stopped"] == "" for row in table.values())
    assert len(spec["frames"]) > 10 and spec["layout"]["updatemenus"][0]["buttons"][0]["label"] == "▶"
    assert any(r"\mathrm{lr} = 0.05" in line.value for line in at.latex)  # Adam inspected, at its rate
    assert at.markdown[0].value.startswith("**Adam, step 10**")
    assert not any("reduced" in info.value for info in at.info)


@pytest.mark.parametrize("preset", PRESETS, ids=[p.label for p in PRESETS])
def test_each_preset_loads_its_formula_and_start(preset):
    at = open_page(page=PAGE)
    at.button_group(key="surface").set_value(preset.label).run()
    assert not at.exception and not at.error
    assert at.text_input(key="f").value == preset.formula
    assert (at.number_input(key="x1").value, at.number_input(key="x2").value) == preset.start
    spec = chart(at, "race_chart")
    np.testing.assert_allclose(trace(spec, "start")[0], preset.start)
    np.testing.assert_allclose(trace(spec, "minimum"), preset.minima)
    w = preset.window
    assert spec["layout"]["xaxis"]["range"] == [w.x1_low, w.x1_high]
    assert spec["layout"]["yaxis"]["range"] == [w.x2_low, w.x2_high]
    assert any(preset.story == caption.value for caption in at.caption)


@pytest.mark.parametrize("preset", [pytest.param(p, id=p.label) for p in PRESETS])
def test_each_preset_sets_its_rates(preset):
    at = open_page(page=PAGE)
    at.button_group(key="surface").set_value(preset.label).run()
    table = rows(at)
    for label, method in (("GD", "gd"), ("Momentum", "momentum"), ("Adam", "adam"), ("Newton", "newton")):
        assert at.select_slider(key=f"lr_{method}").value == preset.rates[method], label
        assert table[label]["lr"] == preset.rates[method], label  # what raced is what the slider shows


TYPED = [  # f typed with ^ and implicit multiplication; a strictly convex quadratic's minimiser, Newton's x1
    pytest.param("x1^2 + 3x2^2", (0.0, 0.0), "2/λmax = **0.3333**", id="x1^2 + 3x2^2"),  # λ = 2, 6
    pytest.param("(x1 - 1)^2 + 2(x2 + 0.5)^2", (1.0, -0.5), "2/λmax = **0.5**", id="shifted"),  # λ = 2, 4
    pytest.param("x1^2 + 2x1 x2 + 5x2^2", (0.0, 0.0), None, id="cross term"),  # H = [[2, 2], [2, 10]]
]


@pytest.mark.parametrize(("formula", "minimiser", "limit"), TYPED)
def test_a_typed_quadratic_runs_and_newton_lands_on_its_minimiser(formula, minimiser, limit):
    at = open_page(page=PAGE)
    at.button_group(key="surface").set_value(ROSENBROCK.label).run()
    at.text_input(key="f").set_value(formula).run()
    assert not at.exception and not at.error
    assert at.button_group(key="surface").value is None  # one's own formula unselects the preset
    newton = trace(chart(at, "race_chart"), "Newton")
    np.testing.assert_allclose(newton[1], minimiser, atol=SHOWN)  # a quadratic: the pure Newton step is exact
    sentence = " ".join(info.value for info in at.info)
    assert "**A quadratic**" in sentence
    if limit:
        assert limit in sentence
    assert "minimum" not in names(chart(at, "race_chart"))  # no known minimiser for a typed f


def test_url_round_trip():
    query = {"methods": ["GD", "Nesterov"], "lr_nesterov": "0.1", "inspect": "Nesterov", "t": "3"}
    at = open_page(query, page=PAGE)
    assert at.button_group(key="methods").value == ["GD", "Nesterov"]
    assert at.select_slider(key="lr_nesterov").value == 0.1 and at.select_slider(key="lr_gd").value == 1e-3
    assert at.button_group(key="inspect").value == "Nesterov" and at.number_input(key="t").value == 3
    assert at.markdown[0].value.startswith("**Nesterov, step 3**")
    latex = [line.value for line in at.latex]
    assert r"g_{3} = \nabla f(x_{2})" in latex[0] and r"\mathrm{lr} = 0.1" in latex[0]
    assert any(r"x_{3} = x_{2} - \mathrm{lr}\, (g_{3} + \mu\, b_{3})" in line for line in latex)
    spec = chart(at, "race_chart")
    assert {"GD", "Nesterov"} <= names(spec) and not {"Adam", "Momentum", "Newton"} & names(spec)
    np.testing.assert_allclose(trace(spec, "Nesterov's step 3")[1], trace(spec, "Nesterov at step 3")[0])
    at.run()
    assert dict(at.query_params) == query  # the link the page keeps is the link it was opened with
    assert list(rows(at)) == ["GD", "Nesterov"]


def test_a_click_on_the_contour_moves_the_start():
    at = open_page(page=PAGE)
    at.session_state["x1"], at.session_state["x2"] = 0.5, -0.5  # what start_from_click() sets from a click
    at.run()
    assert not at.exception
    spec = chart(at, "race_chart")
    np.testing.assert_allclose(trace(spec, "start")[0], [0.5, -0.5])
    for label in ("GD", "Momentum", "Adam", "Newton"):
        np.testing.assert_allclose(trace(spec, label)[0], [0.5, -0.5], atol=SHOWN)
    assert (at.number_input(key="x1").value, at.number_input(key="x2").value) == (0.5, -0.5)


def test_tuning_on_a_round_bowl_finds_the_exact_rates_and_uses_them():
    # f = x1² + x2² (λ = 2): GD's exact rate is 1/λ = 0.5 (one step to the minimum), Newton's is 1
    query = {"optimizers_tab": "Tune learning rates", "f": "x1^2 + x2^2", "x1": "1", "x2": "1",
             "methods": ["GD", "Newton"], "lr_newton": "0.1", "steps": "50"}
    at = open_page(query, page=PAGE)
    spec = chart(at, "tuning_chart")
    assert {"GD", "Newton"} <= names(spec)
    np.testing.assert_allclose(trace(spec, "GD's best rate")[0, 0], 0.5)
    np.testing.assert_allclose(trace(spec, "Newton's best rate")[0, 0], 1.0)
    assert at.select_slider(key="lr_gd").value == 1e-3 and at.select_slider(key="lr_newton").value == 0.1
    next(b for b in at.button if b.label == "Use the best rates").click().run()
    assert not at.exception
    assert at.select_slider(key="lr_gd").value == 0.5 and at.select_slider(key="lr_newton").value == 1.0
    table = rows(at)
    assert table["GD"]["lr"] == 0.5 and table["Newton"]["lr"] == 1.0
    assert table["GD"]["f"] == 0.0 and table["Newton"]["f"] == 0.0  # both now reach the minimum in one step


def test_tuning_the_ravine_draws_the_stability_limit():
    query = {"optimizers_tab": "Tune learning rates", "f": RAVINE.formula, "x1": "-4.5", "x2": "1.5",
             "methods": ["GD", "Momentum"], "steps": "100"}
    at = open_page(query, page=PAGE)
    spec = chart(at, "tuning_chart")
    lines = sorted(shape["x0"] for shape in spec["layout"]["shapes"])
    momentum_lr = (2 / (0.2**0.5 + 10**0.5)) ** 2  # Goh: (2/(√λmin + √λmax))², λ = 0.2, 10
    np.testing.assert_allclose(lines, [0.2, momentum_lr])  # 2/λmax = 0.2
    assert len(at.get("plotly_chart")) == 1  # only the open tab's figure is sent


LARGE = " + ".join(f"sin({k}x1 + x2)^2" for k in range(1, 16))  # ~600 formula operations a step
BAD = [  # URL, the control whose slot explains it, what it says; the page still races (with the default)
    pytest.param({"f": "x1 + y"}, "f", "Unknown name 'y'", False, id="formula error"),
    pytest.param({"f": "ln(x1) + x2^2", "x1": "-1"}, "x1", "not defined at the start", False, id="f undefined there"),
    pytest.param({"methods": ""}, "methods", "Choose at least one method", False, id="no methods"),
    pytest.param({"x1": "nan"}, "x1", "Link parameter x1='nan' is outside", True, id="x1 nan"),
    pytest.param({"steps": "100000"}, "steps", "Link parameter steps='100000' is outside 1 … 5000; using the "
                 "default 500", True, id="steps 100000"),
    pytest.param({"lr_gd": "100"}, "lr_gd", "Link parameter lr_gd='100' is outside", True, id="lr_gd 100"),
    pytest.param({"f": LARGE, "x1": "0.3", "x2": "0.2", "steps": "5000"}, "steps",
                 "formula operations per run: steps reduced from 5,000 to", True, id="steps capped"),
    pytest.param({"lr_gd": "10"}, "lr_gd", "GD stopped at step", True, id="GD diverges"),
]


@pytest.mark.parametrize(("query", "control", "message", "races"), BAD)
def test_bad_input_is_explained_beside_its_control(query, control, message, races):
    at = open_page(query, page=PAGE)
    assert message in slot_after(at, control)
    assert not at.exception
    assert len(at.get("plotly_chart")) == len(at.dataframe) == (1 if races else 0)  # raced, or stopped at the control


REFUSED_STARTS = [  # a refused value must not reach the number box through its own URL binding either
    pytest.param({"x1": "nan"}, id="x1 nan"),
    pytest.param({"x1": "1e7"}, id="x1 1e7"),
    pytest.param({"x2": "1e300"}, id="x2 1e300"),
    pytest.param({"x2": "-inf"}, id="x2 -inf"),
]


@pytest.mark.parametrize("query", REFUSED_STARTS)
def test_a_refused_start_in_the_link_races_from_the_default_start(query):
    at = open_page(query, page=PAGE)
    ((name, raw),) = query.items()
    assert f"Link parameter {name}={raw!r} is outside" in slot_after(at, name)
    assert not at.error or all("Link parameter" in e.value for e in at.error)  # no other problem follows
    np.testing.assert_allclose(trace(chart(at, "race_chart"), "start")[0], ROSENBROCK.start)  # as the message says
    assert (at.number_input(key="x1").value, at.number_input(key="x2").value) == ROSENBROCK.start


def test_a_typed_formula_error_keeps_the_controls():
    at = open_page(page=PAGE)
    at.text_input(key="f").set_value("(x1").run()
    assert not at.exception and "never closed" in slot_after(at, "f")
    at.text_input(key="f").set_value("x1^2 + x2^2").run()
    assert not at.error and "GD" in names(chart(at, "race_chart"))  # fixed: the race is back
