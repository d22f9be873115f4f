"""core.taylor_lab: the Taylor page's computation against independent truths.

Coefficients against their closed forms (eˣ: e^{x0}/k!, sin, ln x around 1: (−1)^{k+1}/k, 1/(1−x): 1/(1−x0)^{k+1},
√x: the generalised binomial coefficients from SciPy) and against SymPy's own ``series`` (a different path from the
chain of derivatives); the remainder's slope n + 1 measured here by a least-squares fit; the radius of convergence
against the distance to the known singular points (ln x: x0, 1/(1−x): |1 − x0|, 1/(1+x²): √(1 + x0²), tan: π/2 − x0)
and ∞ for entire functions; bad input refused naming its control; SymPy out of time falls back to a lower order.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy.special import binom

import core.taylor_lab as lab
from core.errors import ParameterError
from core.expressions import ExpressionError
from core.taylor_lab import (
    CURVE_POINTS,
    MAX_ORDER,
    PRESETS,
    coefficient_rows,
    exact,
    polynomial_latex,
    preset_settings,
    radius_sentences,
    readouts,
    remainder_sentence,
    study_taylor,
    taylor_series,
)

COEFFICIENT = 1e-12  # relative: exact derivatives evaluated in doubles differ from the closed form by rounding only
CLOSE_TO_ZERO = 1e-14  # absolute, for coefficients whose closed form is 0 (sin's even ones at 0)
SLOPE = 0.15  # a log–log fit over the stretch where c_m d^m dominates the next term by 10× or more
RADIUS = 1e-9  # relative: a distance to a singular point found by NumPy's roots or SymPy's solveset
GRID = 1e-9  # relative: a polynomial on the curve grid against its closed form (sums of up to 13 terms)
RANGE = (-3.0, 3.0)


GENEROUS_SECONDS = 20.0  # CPU for SymPy in the tests of what is computed: on a loaded machine (the whole suite on two
# shared cores) a chain of 9 derivatives of e^(sin x) took past the page's 0.45 s, and a correct result must not hang
# on the machine's speed. The page's own bounds are tested where the fallback is the point (they set them to 0).


PAGE_SECONDS = {name: getattr(lab, name) for name in ("DERIVATIVE_SECONDS", "SINGULAR_SECONDS", "CHECK_SECONDS")}


@pytest.fixture(autouse=True)
def generous_time(monkeypatch):
    for name in PAGE_SECONDS:
        monkeypatch.setattr(lab, name, GENEROUS_SECONDS)


def study(text: str, x0: float, order: int, x_range=RANGE):
    return study_taylor(taylor_series(text, order=order), x0=x0, x_range=x_range)


def sqrt_coefficient(k: int, x0: float) -> float:
    """√x around x0: binom(1/2, k)·x0^{1/2 − k}."""
    return binom(0.5, k) * x0 ** (0.5 - k)


CLOSED_FORMS = {  # f, x0, the coefficient c_k as a closed form
    "exp-at-0": ("e^x", 0.0, lambda k: 1 / math.factorial(k)),
    "exp-at-1.5": ("e^x", 1.5, lambda k: math.exp(1.5) / math.factorial(k)),
    "exp-at-minus-2": ("exp(x)", -2.0, lambda k: math.exp(-2.0) / math.factorial(k)),
    "sin-at-0": ("sin(x)", 0.0, lambda k: math.sin(k * math.pi / 2) / math.factorial(k)),
    "sin-at-1": ("sin(x)", 1.0, lambda k: math.sin(1.0 + k * math.pi / 2) / math.factorial(k)),
    "ln-at-1": ("ln(x)", 1.0, lambda k: 0.0 if k == 0 else (-1) ** (k + 1) / k),
    "geometric-at-0": ("1/(1-x)", 0.0, lambda k: 1.0),
    "geometric-at-0.5": ("1/(1-x)", 0.5, lambda k: 2.0 ** (k + 1)),
    "sqrt-at-1": ("sqrt(x)", 1.0, lambda k: sqrt_coefficient(k, 1.0)),
    "sqrt-at-4": ("sqrt(x)", 4.0, lambda k: sqrt_coefficient(k, 4.0)),
    "tutorial-at-5": ("(x+2)(x-6)", 5.0, lambda k: (-7.0, 6.0, 1.0)[k] if k < 3 else 0.0),
}


@pytest.mark.parametrize("case", CLOSED_FORMS.values(), ids=CLOSED_FORMS.keys())
def test_coefficients_match_their_closed_forms_up_to_order_12(case):
    text, x0, coefficient = case
    result = study(text, x0, MAX_ORDER, x_range=(x0 - 0.5, x0 + 0.5))
    assert result.order == MAX_ORDER and not result.notes
    expected = np.array([coefficient(k) for k in range(MAX_ORDER + 1)])
    np.testing.assert_allclose(result.coefficients, expected, rtol=COEFFICIENT, atol=CLOSE_TO_ZERO)


SERIES_CASES = {  # f typed, the same f written in SymPy by hand, x0 as an exact rational, n
    "tan": ("tan(x)", lambda x: sp.tan(x), sp.Rational(3, 10), 9),
    "atan": ("atan(x)", lambda x: sp.atan(x), sp.Integer(1), 8),
    "exp-sin": ("e^(sin(x))", lambda x: sp.exp(sp.sin(x)), sp.Rational(1, 2), 8),
    "runge": ("1/(1+x^2)", lambda x: 1 / (1 + x**2), sp.Rational(1, 2), 10),
    "x^x": ("x^x", lambda x: x**x, sp.Integer(1), 7),
    "implicit-product": ("2x sin(x)", lambda x: 2 * x * sp.sin(x), sp.Rational(-1, 3), 8),
}


def sympy_series_coefficients(f, x0: sp.Expr, n: int) -> np.ndarray:
    """c_0 … c_n from SymPy's series of f at x0 (expanded in powers of t = x − x0)."""
    t = sp.Symbol("t")
    expansion = sp.series(f(x0 + t), t, 0, n + 1).removeO()
    return np.array([float(expansion.coeff(t, k)) for k in range(n + 1)])


@pytest.mark.parametrize("case", SERIES_CASES.values(), ids=SERIES_CASES.keys())
def test_coefficients_match_sympys_series(case):
    text, f, x0, n = case
    result = study(text, float(x0), n, x_range=(float(x0) - 1, float(x0) + 1))
    assert result.order == n
    np.testing.assert_allclose(result.coefficients, sympy_series_coefficients(f, x0, n), rtol=COEFFICIENT,
                               atol=CLOSE_TO_ZERO)


def test_the_polynomials_on_the_grid_are_the_partial_sums():
    result = study("e^x", 0.5, 6)
    x = np.linspace(*RANGE, CURVE_POINTS)
    assert result.polynomials.shape == (7, CURVE_POINTS)
    for k in range(7):
        expected = sum(math.exp(0.5) * (x - 0.5) ** j / math.factorial(j) for j in range(k + 1))
        np.testing.assert_allclose(result.polynomials[k], expected, rtol=GRID)
    np.testing.assert_allclose(result.curve_y, np.exp(x), rtol=GRID)


SLOPES = {  # f, x0, n, the power of the remainder's leading term (n + 1 unless c_{n+1} = 0)
    "exp-n3": ("e^x", 0.0, 3, 4),
    "ln-n5": ("ln(x)", 1.0, 5, 6),
    "geometric-n2": ("1/(1-x)", 0.0, 2, 3),
    "sqrt-n4": ("sqrt(x)", 1.0, 4, 5),
    "sin-n2": ("sin(x)", 0.0, 2, 3),
    "sin-n1-skips": ("sin(x)", 0.0, 1, 3),  # c₂ = 0 at 0: the remainder −x³/6 falls with slope 3, not 2
    "tan-n0": ("tan(x)", 0.5, 0, 1),
}


def measured_slope(result, leading: int) -> float:
    """Least squares of log remainder on log distance where the truncation error is 10⁴ above rounding
    (|f|·2.2e-16) and the leading term dominates (the distance well inside the radius and below 0.1)."""
    d, rem = result.distances, result.remainder
    scale = np.abs(result.fx0) + 1.0
    usable = (d < 0.05) & np.all(rem > 1e4 * np.finfo(float).eps * scale, axis=0)
    assert usable.sum() >= 5, "too few distances above the rounding floor for the test's own fit"
    return float(np.polyfit(np.log(np.tile(d[usable], 2)), np.log(rem[:, usable].ravel()), 1)[0])


@pytest.mark.parametrize("case", SLOPES.values(), ids=SLOPES.keys())
def test_the_remainder_falls_with_slope_n_plus_1(case):
    text, x0, n, leading = case
    result = study(text, x0, n)
    assert result.next_power == leading
    assert measured_slope(result, leading) == pytest.approx(leading, abs=SLOPE)
    assert result.fitted_slope == pytest.approx(leading, abs=SLOPE)  # the page's own fit says the same
    assert f"slope {'n + 1 = ' if leading == n + 1 else ''}{leading}" in remainder_sentence(result)


def test_the_leading_terms_coefficient_anchors_the_guide():
    result = study("ln(x)", 1.0, 8)
    assert result.next_power == 9 and result.next_coefficient == pytest.approx(1 / 9, rel=COEFFICIENT)


def test_near_x0_the_remainder_is_the_rounding_floor():
    """Close to x0 the truncation error is far below ε·|f|: what is left is rounding, within a few floors."""
    result = study("e^x", 0.0, 4)
    near = result.distances < 1e-4
    assert np.all(result.remainder[:, near] <= 4 * result.floor[:, near])


def test_a_polynomial_of_degree_n_is_its_own_taylor_polynomial():
    result = study("(x+2)(x-6)", 5.0, 3, x_range=(-8.0, 12.0))
    assert exact(result) and result.next_power == 0
    assert np.all(result.remainder <= 4 * result.floor)  # rounding only, everywhere
    assert math.isinf(result.radius.value) and "polynomial" in result.radius.how
    assert "rounding only" in remainder_sentence(result)


RADII = {  # f, x0, the radius of convergence (distance to the nearest singular point), the point(s) named
    "ln-at-1": ("ln(x)", 1.0, 1.0, "0"),
    "ln-at-0.5": ("ln(x)", 0.5, 0.5, "0"),
    "ln-at-3": ("ln(x)", 3.0, 3.0, "0"),
    "geometric-at-0": ("1/(1-x)", 0.0, 1.0, "1"),
    "geometric-at-minus-2": ("1/(1-x)", -2.0, 3.0, "1"),
    "geometric-at-2.5": ("1/(1-x)", 2.5, 1.5, "1"),
    "runge-at-0": ("1/(1+x^2)", 0.0, 1.0, "±i"),
    "runge-at-1": ("1/(1+x^2)", 1.0, math.sqrt(2.0), "±i"),
    "runge-at-minus-2": ("1/(1+x^2)", -2.0, math.sqrt(5.0), "±i"),
    "sqrt-at-2": ("sqrt(x)", 2.0, 2.0, "0"),
    "tan-at-0.3": ("tan(x)", 0.3, math.pi / 2 - 0.3, "1.571"),
    "tan-at-minus-1": ("tan(x)", -1.0, math.pi / 2 - 1.0, "−1.571"),
    "atan-at-1": ("atan(x)", 1.0, math.sqrt(2.0), "±i"),
    "tanh-at-0.5": ("tanh(x)", 0.5, abs(0.5 - 0.5j * math.pi), "±1.571i"),
    "essential-at-1": ("exp(-1/x^2)", 1.0, 1.0, "0"),  # smooth on the real line, not analytic at 0
}


@pytest.mark.parametrize("case", RADII.values(), ids=RADII.keys())
def test_the_radius_is_the_distance_to_the_nearest_singular_point(case):
    text, x0, radius, named = case
    result = study(text, x0, 4)
    assert result.radius.value == pytest.approx(radius, rel=RADIUS)
    assert f"is {named} (" in result.radius.how


ENTIRE = {"exp": "e^x", "sin": "sin(x)", "cos-times-exp": "cos(x) e^x", "2^x": "2^x", "cosh": "cosh(3x)",
          "polynomial": "(x+2)(x-6)", "removable": "sin(x)/x"}


@pytest.mark.parametrize("text", ENTIRE.values(), ids=ENTIRE.keys())
def test_entire_functions_have_an_infinite_radius(text):
    result = study(text, 1.0, 4)
    assert math.isinf(result.radius.value) and not result.radius.nearest


def test_a_removable_point_is_left_out():
    result = study("sin(x)/x", 1.0, 4)
    assert result.radius.removed == (0j,) and "removable" in result.radius.how


def test_the_coefficients_check_agrees_with_the_radius():
    """Cauchy–Hadamard: for 1/(1−x) at 0 every c_k is 1, so 1/|c_k|^{1/k} = 1 = R exactly."""
    result = study("1/(1-x)", 0.0, 6)
    assert result.radius.estimate == pytest.approx(1.0, rel=COEFFICIENT)
    assert "close to R = 1" in radius_sentences(result)[1]


def test_a_function_without_complex_extension_has_no_radius_claimed():
    result = study("abs(x)", 1.0, 2)
    assert math.isnan(result.radius.value) and "could not be determined" in result.radius.how
    assert readouts(result)[1] == ("radius R", "not found")


@pytest.mark.parametrize(("text", "x0"), [("ln(x)", -1.0), ("sqrt(x)", -1.0), ("1/(1-x)", 1.0)],
                         ids=["ln-at-minus-1", "sqrt-at-minus-1", "pole"])
def test_x0_outside_the_domain_is_refused_at_x0(text, x0):
    with pytest.raises(ParameterError) as error:
        study(text, x0, 3)
    assert error.value.parameter == "x0" and "not defined" in str(error.value)


def test_a_singular_x0_stops_the_polynomials_and_says_so_at_x0():
    result = study("sqrt(x)", 0.0, 4)  # √0 = 0, but f′(0) = ∞
    assert result.order == 0 and result.radius.value == 0.0
    assert [note.control for note in result.notes] == ["x0"] and "not differentiable" in result.notes[0].message


@pytest.mark.parametrize("order", [-1, MAX_ORDER + 1, 2.5, True], ids=["negative", "too-high", "fraction", "bool"])
def test_an_order_out_of_range_is_refused_at_the_order(order):
    with pytest.raises(ParameterError) as error:
        taylor_series("e^x", order=order)
    assert error.value.parameter == "order"


@pytest.mark.parametrize("x_range", [(1.0, 1.0), (2.0, -2.0), (math.nan, 1.0)], ids=["empty", "reversed", "nan"])
def test_a_bad_plot_range_is_refused_at_the_range(x_range):
    with pytest.raises(ParameterError) as error:
        study_taylor(taylor_series("e^x", order=2), x0=0.0, x_range=x_range)
    assert error.value.parameter == "x_range"


def test_a_formula_error_is_an_expression_error():
    with pytest.raises(ExpressionError, match="write sin"):
        taylor_series("sinx", order=3)


def test_sympy_out_of_time_falls_back_to_a_lower_order_with_a_message(monkeypatch):
    monkeypatch.setattr(lab, "DERIVATIVE_SECONDS", 0.0)  # no time at all: not even f′
    result = study("tan(x)", 0.3, 5)
    assert result.order == 0 and result.series.stopped
    assert [note.control for note in result.notes] == ["order"]
    assert "showing order 0 instead of 5" in result.notes[0].message


def test_a_runaway_chain_of_derivatives_stops_short_and_never_hangs(monkeypatch):
    """Nested compositions grow exponentially under the chain rule: SymPy gets its bound, the page a lower order."""
    for name, seconds in PAGE_SECONDS.items():  # the page's own bounds
        monkeypatch.setattr(lab, name, seconds)
    result = study("sin(cos(tan(x)))", 0.5, MAX_ORDER, x_range=(-1.0, 1.0))
    assert result.order < MAX_ORDER and "SymPy could not take derivative number" in result.notes[0].message


def test_the_derivative_of_abs_stops_where_numpy_cannot_evaluate_it():
    result = study("abs(x)", 1.0, 5)  # f‴ = 2·DiracDelta(x, 1)
    assert result.order == 2 and "cannot be evaluated as numbers" in result.notes[0].message


def test_the_slide_frames_follow_x0_along_the_curve():
    result = study("e^x", 0.5, 3)
    assert result.frames[result.active].x0 == 0.5
    np.testing.assert_allclose(result.frames[result.active].polynomial, result.polynomials[-1], rtol=GRID)
    x = result.curve_x
    for frame in result.frames[::9]:
        a = frame.x0
        expected = sum(math.exp(a) * (x - a) ** j / math.factorial(j) for j in range(4))
        np.testing.assert_allclose(frame.polynomial, expected, rtol=GRID)
        assert frame.fx0 == pytest.approx(math.exp(a), rel=COEFFICIENT) and math.isinf(frame.radius)
    assert [f.x0 for f in result.frames] == sorted(f.x0 for f in result.frames)


def test_the_slide_skips_where_f_is_undefined_and_carries_the_radius():
    result = study("1/(1-x)", 0.0, 3, x_range=(-2.0, 2.0))
    assert all(frame.x0 != 1.0 for frame in result.frames)
    for frame in result.frames:
        assert frame.radius == pytest.approx(abs(1.0 - frame.x0), rel=RADIUS)
    logarithm = study("ln(x)", 1.0, 3, x_range=(-0.5, 3.0))
    assert all(frame.x0 > 0 for frame in logarithm.frames)


def test_the_polynomial_in_latex_carries_the_coefficients():
    result = study("ln(x)", 1.0, 4)
    text = polynomial_latex(result)
    assert r"\frac{f^{(k)}(1)}{k!}" in text
    assert r"= (x - 1) - 0.5(x - 1)^{2} + 0.3333(x - 1)^{3} - 0.25(x - 1)^{4}" in text  # 1, −1/2, 1/3, −1/4
    assert polynomial_latex(study("e^x", -2.0, 1)).count("(x + 2)") == 2  # in the sum and in the term


def test_the_coefficient_table_lists_every_order():
    rows = coefficient_rows(study("e^x", 0.0, 4))
    assert [row["k"] for row in rows] == ["0", "1", "2", "3", "4"]
    assert rows[4]["k!"] == "24" and rows[4]["cₖ = f⁽ᵏ⁾(x0)/k!"] == f"{1 / 24:.6g}"


def test_the_presets_are_the_issues_functions_and_load_their_view():
    assert {p.formula for p in PRESETS} >= {"e^x", "sin(x)", "ln(x)", "1/(1-x)", "sqrt(x)", "(x+2)(x-6)"}
    for preset in PRESETS:
        settings = preset_settings(preset.label)
        assert settings == {"f": preset.formula, "x0": preset.x0, "x_range": preset.x_range}
        assert study(preset.formula, preset.x0, 3, x_range=preset.x_range).order == 3
    assert preset_settings(None) == {}
