"""AppTest of the Taylor page: the default view's polynomials against eˣ's partial sums, every preset, a typed f with
^ and implicit products, the URL round trip, a click moving x0, the Home scenario, the remainder tab, and bad input
explained beside its control."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.catalog import SCENARIOS, scenario_query
from core.taylor_lab import PRESETS
from tests.app.support import chart, decode, metrics, open_page, slot_after

PAGE = "views/taylor.py"
SHOWN = 1e-9  # relative: figure values are the study's doubles, compared with closed forms computed here
REMAINDER_TAB = "Remainder against distance"


def curve(spec: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) of a drawn trace; the curves on the even grid carry x0 and dx instead of x."""
    found = next(t for t in spec["data"] if t.get("name") == name)
    y = decode(found["y"])
    x = decode(found["x"]) if "x" in found else found["x0"] + found["dx"] * np.arange(len(y))
    return x, y


def names(spec: dict) -> list[str]:
    return [t.get("name") for t in spec["data"]]


def partial_sum(x: np.ndarray, x0: float, order: int) -> np.ndarray:
    """eˣ's Taylor polynomial around x0: Σ e^{x0} (x − x0)^k / k!."""
    return sum(math.exp(x0) * (x - x0) ** k / math.factorial(k) for k in range(order + 1))


def test_default_view_is_exp_and_its_polynomials_up_to_order_4():
    at = open_page(page=PAGE)
    spec = chart(at, "taylor_chart")
    assert [n for n in names(spec) if n.startswith("Taylor")] == [f"Taylor order {k}" for k in range(5)]
    for k in range(5):
        x, y = curve(spec, f"Taylor order {k}")
        np.testing.assert_allclose(y, partial_sum(x, 0.0, k), rtol=SHOWN, atol=SHOWN)
    widths = {t["name"]: t["line"]["width"] for t in spec["data"] if t.get("name", "").startswith("Taylor")}
    assert widths["Taylor order 4"] > max(w for n, w in widths.items() if n != "Taylor order 4")  # order n bold
    assert metrics(at) == {"f(x0)": "1.000", "radius R": "∞"}
    assert spec["layout"]["xaxis"]["range"] == [-3.0, 3.0]
    assert spec["layout"]["updatemenus"][0]["buttons"][0]["label"] == "▶ slide x0" and len(spec["frames"]) > 30
    assert any(r"&= 1 + x + 0.5x^{2} + 0.1667x^{3} \\ &\quad + 0.04167x^{4}" in line.value for line in at.latex)
    assert any("entire" in line.value for line in at.markdown)


FUNCTIONS = {"e^x": math.exp, "sin(x)": math.sin, "ln(x)": math.log, "1/(1-x)": lambda x: 1 / (1 - x),
             "sqrt(x)": math.sqrt, "(x+2)(x-6)": lambda x: (x + 2) * (x - 6), "1/(1+x^2)": lambda x: 1 / (1 + x * x)}


@pytest.mark.parametrize("preset", PRESETS, ids=[p.label for p in PRESETS])
def test_each_preset_loads_its_formula_point_and_range(preset):
    at = open_page(page=PAGE)
    at.button_group(key="taylor_preset").set_value(preset.label).run()
    assert not at.exception and not at.error
    assert at.text_input(key="f").value == preset.formula and at.number_input(key="x0").value == preset.x0
    spec = chart(at, "taylor_chart")
    assert spec["layout"]["xaxis"]["range"] == list(preset.x_range)
    value = FUNCTIONS[preset.formula](preset.x0)
    assert tuple(v[0] for v in curve(spec, "x0")) == pytest.approx((preset.x0, value), rel=SHOWN)
    np.testing.assert_allclose(curve(spec, "Taylor order 0")[1], value, rtol=SHOWN)  # P₀ = f(x0)


def test_a_typed_formula_with_powers_and_implicit_products():
    """f = 2x^2 + 3x at x0 = 1: c = (5, 7, 2), so P₂ is f itself and P₁ = 5 + 7(x − 1)."""
    at = open_page(page=PAGE)
    at.text_input(key="f").set_value("2x^2 + 3x").run()
    at.number_input(key="x0").set_value(1.0).run()
    at.slider(key="order").set_value(2).run()
    assert not at.exception and not at.error
    spec = chart(at, "taylor_chart")
    x, y = curve(spec, "Taylor order 2")
    np.testing.assert_allclose(y, 2 * x**2 + 3 * x, rtol=SHOWN, atol=SHOWN)
    x, y = curve(spec, "Taylor order 1")
    np.testing.assert_allclose(y, 5 + 7 * (x - 1), rtol=SHOWN, atol=SHOWN)
    assert metrics(at)["f(x0)"] == "5.000" and metrics(at)["radius R"] == "∞"
    assert any(r"5 + 7(x - 1) + 2(x - 1)^{2}" in line.value for line in at.latex)


def test_url_round_trip():
    query = {"f": "sin(x)", "x0": "0.5", "order": "3", "x_range": ["-2", "2"]}
    at = open_page(query, page=PAGE)
    assert at.text_input(key="f").value == "sin(x)" and at.number_input(key="x0").value == 0.5
    assert at.slider(key="order").value == 3 and at.slider(key="x_range").value == (-2.0, 2.0)
    x, y = curve(chart(at, "taylor_chart"), "Taylor order 3")
    expected = sum(math.sin(0.5 + k * math.pi / 2) * (x - 0.5) ** k / math.factorial(k) for k in range(4))
    np.testing.assert_allclose(y, expected, rtol=SHOWN, atol=SHOWN)
    at.run()
    assert dict(at.query_params) == query  # the link the page keeps is the link it was opened with


def test_a_click_on_a_curve_moves_x0():
    at = open_page(page=PAGE)
    at.session_state["x0"] = 1.25  # what move_x0() sets from a click on the figure
    at.run()
    assert not at.exception
    spec = chart(at, "taylor_chart")
    x0, y0 = curve(spec, "x0")
    assert (x0[0], y0[0]) == pytest.approx((1.25, math.exp(1.25)), rel=SHOWN)
    x, y = curve(spec, "Taylor order 4")
    np.testing.assert_allclose(y, partial_sum(x, 1.25, 4), rtol=SHOWN, atol=SHOWN)
    assert at.number_input(key="x0").value == 1.25


def test_the_home_scenario_shows_the_radius_of_ln_around_1():
    scenario = next(s for s in SCENARIOS if s.url_path == "taylor")
    query: dict[str, list[str]] = {}
    for key, value in scenario.params:
        query.setdefault(key, []).append(value)
    at = open_page({k: v if len(v) > 1 else v[0] for k, v in query.items()}, page=PAGE)
    assert scenario_query(scenario).startswith("f=ln")
    assert metrics(at) == {"f(x0)": "0.000", "radius R": "1"}
    spec = chart(at, "taylor_chart")
    band_x, _ = curve(spec, "|x − x0| < R")
    assert (band_x.min(), band_x.max()) == (0.0, 2.0)  # the series converges on (0, 2)
    assert "singular at x = 0" in names(spec)
    x, y = curve(spec, "Taylor order 8")
    expected = sum((-1) ** (k + 1) * (x - 1) ** k / k for k in range(1, 9))  # ln x around 1
    np.testing.assert_allclose(y, expected, rtol=SHOWN, atol=SHOWN)
    assert any("R = |x0 − s| = 1" in line.value for line in at.markdown)


def test_the_remainder_tab_shows_slope_n_plus_1_and_the_radius():
    at = open_page({"f": "ln(x)", "x0": "1", "order": "8", "taylor_tab": REMAINDER_TAB}, page=PAGE)
    assert len(at.get("plotly_chart")) == 1  # only the open tab's figure is sent
    spec = chart(at, "remainder_chart")
    assert spec["layout"]["xaxis"]["type"] == spec["layout"]["yaxis"]["type"] == "log"
    assert "slope 9 = n + 1: |c₉|·|x − x0|⁹" in names(spec)
    assert [s["x0"] for s in spec["layout"]["shapes"] if s["type"] == "line"] == [1.0]  # R = 1 marked
    assert any("Fitted slope 9.0" in caption.value and "rounding floor" in caption.value for caption in at.caption)


BAD = [  # URL or typed input, the control whose slot explains it, what it says
    pytest.param({"f": "sinx"}, "f", "write sin(x)", id="formula error"),
    pytest.param({"f": "ln(x)", "x0": "-1"}, "x0", "f is not defined at x0 = -1", id="ln at -1"),
    pytest.param({"f": "sqrt(x)", "x0": "-1"}, "x0", "f is not defined at x0 = -1", id="sqrt at -1"),
    pytest.param({"f": "sqrt(x)", "x0": "0"}, "x0", "f is not differentiable at x0 = 0", id="singular x0"),
    pytest.param({"order": "13"}, "order", "Link parameter order='13' is outside 0 … 12", id="order 13"),
    pytest.param({"x0": "abc"}, "x0", "Link parameter x0='abc' is not a number", id="x0 not a number"),
    pytest.param({"f": "sin(cos(tan(x)))", "x0": "0.5", "order": "12", "x_range": ["-1", "1"]}, "order",
                 "SymPy could not take derivative number", id="sympy out of time"),
]


@pytest.mark.parametrize(("query", "control", "message"), BAD)
def test_bad_input_is_explained_beside_its_control(query, control, message):
    at = open_page(query, page=PAGE)
    assert not at.exception
    assert message in slot_after(at, control)


def test_classroom_mode_folds_the_presets_and_the_range():
    at = open_page({"classroom": "true"}, page=PAGE)
    assert [e.label for e in at.expander] == ["Presets", "Plot range"]
    assert chart(at, "taylor_chart")["layout"]["height"] > 600  # the projector's larger figure
