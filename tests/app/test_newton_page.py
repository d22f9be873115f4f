"""AppTest of the Newton page: the default walk, every preset named, a typed f, the URL round trip, the Home scenario,
the correct-digits tab, the 2-D tab (presets, a click), and bad input explained beside its control."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from core.catalog import SCENARIOS
from core.newton_lab import PLANE_PRESETS, PRESETS
from tests.app.support import chart, decode, open_page, slot_after

PAGE = "views/newton.py"
PLANE_TAB = "2-D: Newton vs gradient descent"
SHOWN = 1e-12  # figure coordinates are the study's doubles, sent as float64
REFERENCE = [2.0, 2.1, 2.094568121104185, 2.094551481698199]  # Newton's example (shared/reference.md)


def reference_digits() -> list[str]:
    """The correct digits of the reference iterates against SymPy's exact root, one decimal, as the table shows."""
    with mpmath.workdps(40):
        root = mpmath.mpf(sp.N(sp.real_roots(sp.Symbol("x") ** 3 - 2 * sp.Symbol("x") - 5)[0], 40))
        return [f"{float(-mpmath.log10(abs(mpmath.mpf(x) - root) / root)):.1f}" for x in REFERENCE]


def trace(spec: dict, name: str) -> dict:
    return next(t for t in spec["data"] if t.get("name") == name)


def xs(spec: dict, name: str) -> np.ndarray:
    return decode(trace(spec, name)["x"])


def tables(at) -> tuple[list[dict], list[dict]]:
    newton, bisection = (frame.value.to_dict("records") for frame in at.dataframe)
    return newton, bisection


def test_default_view_walks_newtons_example():
    at = open_page(page=PAGE)
    spec = chart(at, "tangents_chart")
    np.testing.assert_allclose(xs(spec, "iterates")[:5], [*REFERENCE, 2.0945514815423265], rtol=SHOWN)
    np.testing.assert_allclose(xs(spec, "root x*"), [2.0945514815423265], rtol=SHOWN)
    assert spec["layout"]["updatemenus"][0]["buttons"][0]["label"] == "▶ Play" and len(spec["frames"]) == 11
    assert "Converged quadratically" in at.success[0].value and not at.error
    newton, bisection = tables(at)
    counts = [row["correct digits"].split(" (×") for row in newton[:5]]
    assert [count[0] for count in counts] == [*reference_digits(), "16 (all)"]
    assert all(1.8 <= float(count[1].rstrip(")")) <= 2.1 for count in counts[1:4])  # they double
    assert len(bisection) == 11
    assert any(r"f'(x) = 3 x^{2} - 2" in line.value for line in at.latex)
    assert any(caption.value.startswith("x* = 2.094551481542326591482387") for caption in at.caption)


NAMED = {  # preset: the box it is named in, words in it
    "Newton's x³ − 2x − 5": ("success", "Converged quadratically"),
    "cycle: x³ − 2x + 2": ("warning", "A cycle"),
    "diverges: atan x": ("warning", "Newton diverges"),
    "double root: x²": ("warning", "linear convergence"),
    "zero derivative: x³ − 3x + 1": ("warning", "Zero derivative"),
    "leaves the domain: ln x": ("warning", "Left f's domain"),
}


@pytest.mark.parametrize("preset", PRESETS, ids=[p.label for p in PRESETS])
def test_each_preset_loads_and_names_what_newton_does(preset):
    at = open_page(page=PAGE)
    at.button_group(key="preset").set_value(preset.label).run()
    assert not at.exception
    assert at.text_input(key="f").value == preset.formula
    assert (at.number_input(key="x0").value, at.number_input(key="steps").value) == (preset.x0, preset.steps)
    assert (at.number_input(key="a").value, at.number_input(key="b").value) == preset.bracket
    box, words = NAMED[preset.label]
    assert words in getattr(at, box)[0].value
    assert any(preset.story == caption.value for caption in at.caption)
    np.testing.assert_allclose(xs(chart(at, "tangents_chart"), "iterates")[0], preset.x0)


def test_a_typed_f_with_carets_and_implicit_products_unselects_the_preset():
    at = open_page(page=PAGE)
    at.button_group(key="preset").set_value("cycle: x³ − 2x + 2").run()
    at.text_input(key="f").set_value("2x^3 - 4x - 10").run()  # 2·(x³ − 2x − 5): the same tangents' zeros
    at.number_input(key="x0").set_value(2.0).run()
    assert not at.exception and at.button_group(key="preset").value is None
    np.testing.assert_allclose(xs(chart(at, "tangents_chart"), "iterates")[:3], [2.0, 2.1, 2.094568121104185],
                               rtol=SHOWN)
    assert "Converged quadratically" in at.success[0].value


def test_url_round_trip():
    query = {"f": "cos(x) - x", "x0": "1", "steps": "6", "a": "0", "b": "1"}
    at = open_page(query, page=PAGE)
    assert at.text_input(key="f").value == "cos(x) - x" and at.number_input(key="steps").value == 6
    assert (at.number_input(key="a").value, at.number_input(key="b").value) == (0.0, 1.0)
    newton, bisection = tables(at)
    assert len(bisection) == 7 and newton[-1]["xₖ"].startswith("0.739085133215")  # the Dottie number
    at.run()
    assert dict(at.query_params) == query  # the link the page keeps is the link it was opened with


def test_the_home_scenario_names_the_cycle():
    scenario = next(s for s in SCENARIOS if s.url_path == "newton")
    at = open_page(dict(scenario.params), page=PAGE)  # f, x0, steps: one value each
    assert "A cycle** of period 2" in at.warning[0].value and "0 → 1 → 0" in at.warning[0].value
    np.testing.assert_array_equal(xs(chart(at, "tangents_chart"), "iterates"), [0.0, 1.0] * 6 + [0.0])
    newton, bisection = tables(at)
    assert all(row["correct digits"] == "—" for row in newton)
    assert bisection[-1]["mₖ"].startswith("-1.76")  # bisection finds the real root Newton never reaches


def test_the_digits_tab_draws_both_methods():
    at = open_page({"newton_tab": "Correct digits"}, page=PAGE)
    spec = chart(at, "digits_chart")
    newton = decode(trace(spec, "Newton")["y"])
    assert np.all((newton[1:4] / newton[:3] >= 1.8) & (newton[1:4] / newton[:3] <= 2.1))  # the digits double
    assert len(decode(trace(spec, "bisection")["y"])) == 11


BAD = [  # query, the control whose slot explains, words of the explanation
    pytest.param({"f": "x^3 - "}, "f", "ends too early", id="formula"),
    pytest.param({"f": "ln(x)", "x0": "-1"}, "x0", "not defined at x0 = -1", id="outside the domain"),
    pytest.param({"f": "x^2", "x0": "1"}, "a", "same sign", id="no sign change to bracket"),
    pytest.param({"a": "3", "b": "-2"}, "b", "a < b", id="bracket reversed"),
    pytest.param({"x0": "abc"}, "x0", "Link parameter x0='abc' is not a number", id="link x0"),
    pytest.param({"steps": "500"}, "steps", "Link parameter steps='500' is outside 1 … 100", id="link steps"),
]


@pytest.mark.parametrize(("query", "control", "words"), BAD)
def test_bad_input_is_explained_beside_its_control(query, control, words):
    at = open_page(query, page=PAGE)
    assert words in slot_after(at, control)


def test_a_typed_formula_error_then_a_fix():
    at = open_page(page=PAGE)
    at.text_input(key="f").set_value("sin(x").run()
    assert not at.exception and "never closed" in slot_after(at, "f")
    at.text_input(key="f").set_value("sin(x)").run()
    assert not at.error and xs(chart(at, "tangents_chart"), "iterates")[0] == 2.0


# ---------------------------------------------------------------------------------------------------------- 2-D
def open_plane(**query):
    return open_page({"newton_tab": PLANE_TAB, **query}, page=PAGE)


def test_the_2d_tab_races_newton_and_gd_with_the_model():
    at = open_plane()
    spec = chart(at, "plane_chart")
    names = {t.get("name") for t in spec["data"]}
    assert {"GD", "Newton", "the model's minimum", "start"} <= names
    assert any(str(name).startswith("Newton's quadratic model") for name in names)
    np.testing.assert_allclose(decode(trace(spec, "Newton")["x"])[-1], 1.0, atol=1e-9)  # Rosenbrock's (1, 1)
    assert "**positive definite**" in at.success[0].value
    assert any(r"H^{-1}" in line.value for line in at.latex)  # Newton's step with its numbers
    assert any("f(x_1, x_2) = " in line.value for line in at.latex)


@pytest.mark.parametrize(("label", "words"), [("a saddle", "heads for **a saddle**"),
                                              ("Himmelblau: a maximum", "heads for **a maximum**")])
def test_a_2d_preset_where_h_is_not_positive_definite_says_so(label, words):
    at = open_plane()
    at.button_group(key="plane").set_value(label).run()
    preset = next(p for p in PLANE_PRESETS if p.label == label)
    assert at.text_input(key="g").value == preset.formula
    assert words in at.warning[0].value and "**H is not positive definite**" in at.warning[0].value
    assert any("not positive definite" in w.value for w in at.warning[1:])  # the race's own note on the step


def test_a_click_on_the_contour_moves_the_2d_start():
    at = open_plane()
    at.session_state["x1"], at.session_state["x2"] = 0.5, -0.5  # what start_from_click() sets from a click
    at.run()
    assert not at.exception
    np.testing.assert_allclose(xs(chart(at, "plane_chart"), "start"), [0.5])


def test_a_bad_2d_formula_is_explained_beside_it():
    at = open_plane(g="x1 + y")
    assert "Unknown name 'y'" in slot_after(at, "g")
