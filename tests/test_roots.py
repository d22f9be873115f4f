"""core.roots against independent truths: scipy.optimize.newton's iterates (one maxiter at a time), bisection worked by
hand, the closed form of Newton's error at a double root, the reference root against SymPy's exact real roots and
mpmath's own digits, and each of Newton's failure modes named from its iterates."""

from __future__ import annotations

import math
import re

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import newton as scipy_newton

from core import symbolic
from core.errors import ParameterError
from core.expressions import parse
from core.roots import (
    BOUND,
    MAX_DIGITS,
    MAX_STEPS,
    REFINE_DIGITS,
    bisection,
    classify,
    correct_digits,
    newton,
    number_text,
    observed_rate,
    refine,
    subscript,
)

X = sp.Symbol("x", real=True)
SAME_RULE = 1e-14  # our x − f/f′ against SciPy's, relative: the same rule, f evaluated in another order (ulps)
ROOT_DIGITS = 1e-22  # the refined root against SymPy's exact root: refine stops once a step is below 1e-24
HAND = 0.0  # bisection of a dyadic bracket: every midpoint is exact in binary


def ours(text: str):
    """f and f′ as the app builds them: our parser, SymPy's derivative."""
    expression = parse(text, ("x",))
    return expression, symbolic.derivative(expression)


def run(text: str, x0: float, steps: int = 12):
    expression, derivative = ours(text)
    return newton(expression.func, derivative.func, x0, steps=steps)


# --------------------------------------------------------------------------------------- Newton against SciPy
SCIPY_CASES = {  # our text, SciPy's f and f′ written here, the start
    "newton's example": ("x^3 - 2x - 5", lambda x: x**3 - 2 * x - 5, lambda x: 3 * x**2 - 2, 2.0),
    "cos x = x": ("cos(x) - x", lambda x: math.cos(x) - x, lambda x: -math.sin(x) - 1, 1.0),
    "e^x = 2": ("e^x - 2", lambda x: math.exp(x) - 2, math.exp, 0.0),
    "atan converging": ("atan(x)", math.atan, lambda x: 1 / (1 + x * x), 1.2),
    "cycle": ("x^3 - 2x + 2", lambda x: x**3 - 2 * x + 2, lambda x: 3 * x**2 - 2, 0.0),
    "double root": ("x^2", lambda x: x * x, lambda x: 2 * x, 1.0),
}


@pytest.mark.parametrize("case", SCIPY_CASES.values(), ids=SCIPY_CASES.keys())
def test_iterates_are_scipys_one_step_at_a_time(case):
    text, f, df, x0 = case
    ran = run(text, x0, steps=10)
    for k in range(1, ran.steps + 1):  # tol below any step: SciPy stops only at maxiter (or a step of exactly 0)
        theirs = float(scipy_newton(f, x0, df, maxiter=k, tol=1e-300, rtol=0.0, disp=False))
        assert ran.points[k] == pytest.approx(theirs, rel=SAME_RULE, abs=SAME_RULE), k


def test_newtons_own_example_gives_the_reference_numbers():
    ran = run("x^3 - 2x - 5", 2.0)
    assert ran.points[1] == pytest.approx(2.1, rel=SAME_RULE)
    assert f"{ran.points[2]:.9f}" == "2.094568121"  # the reference's digits, rounded as it prints them
    assert f"{ran.points[3]:.10f}" == "2.0945514817"
    assert ran.points[4] == 2.0945514815423265  # the root to double precision (reference.md)
    assert ran.stop == "still" and ran.points[-1] == ran.points[4]  # then the step rounds to nothing


def test_a_root_at_the_start_takes_no_step():
    ran = run("x - 1", 1.0)
    assert ran.steps == 0 and ran.stop == "root"
    verdict = classify(ran)
    assert verdict.kind == "converged" and "exactly 0" in verdict.sentence


@pytest.mark.parametrize(("x0", "steps"), [(math.nan, 5), (math.inf, 5), (1.0, 0), (1.0, MAX_STEPS + 1)],
                         ids=["nan", "inf", "no steps", "too many"])
def test_bad_settings_name_their_control(x0, steps):
    expression, derivative = ours("x^2 - 2")
    with pytest.raises(ParameterError) as error:
        newton(expression.func, derivative.func, x0, steps=steps)
    assert error.value.parameter == ("x0" if not math.isfinite(x0) else "steps")


def test_a_start_outside_the_domain_is_refused_at_x0():
    expression, derivative = ours("ln(x)")
    with pytest.raises(ParameterError, match="not defined at x0 = -1") as error:
        newton(expression.func, derivative.func, -1.0, steps=5)
    assert error.value.parameter == "x0"


# ------------------------------------------------------------------------------------------ the failure modes
VERDICTS = {  # text, x0, steps, kind, rate, words the page must show (the names), step / period
    "quadratic": ("x^3 - 2x - 5", 2.0, 10, "converged", "quadratic", "Converged quadratically", None),
    "cycle 0 → 1 → 0": ("x^3 - 2x + 2", 0.0, 12, "cycle", None, "A cycle", 2),
    "atan diverges": ("atan(x)", 1.5, 12, "diverges", "growing", "Newton diverges", 7),
    "double root is linear": ("x^2", 1.0, 12, "not converged", "linear", "multiple root", None),
    "double root, run long enough": ("x^2", 1.0, 60, "converged", "linear", "linear convergence", None),
    "triple root": ("(x - 1)^3", 2.0, 20, "not converged", "linear", "m ≈ 3", None),
    "flat tangent": ("x^3 - 3x + 1", 1.0, 10, "zero derivative", None, "Zero derivative", 0),
    "cos at 0": ("cos(x)", 0.0, 10, "zero derivative", None, "tangent is flat", 0),
    "ln leaves its domain": ("ln(x)", 3.0, 10, "left the domain", None, "Left f's domain", 1),
    "e^x overflows": ("e^x - 1", -10.0, 10, "diverges", None, "overflows to infinity", 1),
    "too few steps": ("x^3 - 2x - 5", 2.0, 3, "not converged", "quadratic", "a few more steps", None),
    "no tangent at 0": ("sqrt(abs(x)) - 1", 0.0, 5, "no derivative", None, "No derivative", 0),
}


@pytest.mark.parametrize("case", VERDICTS.values(), ids=VERDICTS.keys())
def test_each_run_is_named(case):
    text, x0, steps, kind, rate, words, where = case
    verdict = classify(run(text, x0, steps))
    assert verdict.kind == kind and verdict.rate.kind == rate
    assert words in verdict.sentence or words in verdict.title
    if kind == "cycle":
        assert verdict.period == where
    elif where is not None:
        assert verdict.at == where


def test_the_cycle_repeats_exactly_and_says_so():
    ran = run("x^3 - 2x + 2", 0.0, 12)
    np.testing.assert_array_equal(ran.points, [0.0, 1.0] * 6 + [0.0])  # f(0) = 2, f′(0) = −2; f(1) = 1, f′(1) = 1
    assert "x₂ = x₀" in classify(ran).sentence and "0 → 1 → 0" in classify(ran).sentence


def test_divergence_stops_at_the_first_iterate_past_the_bound():
    ran = run("atan(x)", 1.5, 20)
    assert abs(ran.points[-1]) > BOUND and np.all(np.abs(ran.points[:-1]) <= BOUND)
    assert np.all(np.diff(np.abs(ran.points)) > 0)  # growing swings
    assert np.all(np.sign(ran.points[1:]) != np.sign(ran.points[:-1]))  # alternating
    assert "alternate in sign and grow" in classify(ran).sentence


def test_a_converged_run_that_steps_on_a_near_root_is_not_called_a_cycle():
    ran = run("x^3 - 2x - 5", 2.0, 10)  # it ends repeating one iterate: convergence, not a cycle of period 1
    assert classify(ran).kind == "converged"


def test_the_double_root_halves_x_exactly():
    ran = run("x^2", 1.0, 20)
    np.testing.assert_array_equal(ran.points, 0.5 ** np.arange(21))  # x − x²/(2x) = x/2, exact in binary
    rate = observed_rate(ran.points)
    assert rate.ratio == 0.5 and rate.multiplicity == 2


# ---------------------------------------------------------------------------------------------------- the rate
def test_the_observed_order_of_newtons_example_is_two():
    rate = observed_rate(run("x^3 - 2x - 5", 2.0).points)
    assert rate.kind == "quadratic" and rate.order == pytest.approx(2.0, abs=0.02)


def test_sin_at_its_root_converges_with_order_three():
    verdict = classify(run("sin(x)", 1.0))  # f″(0) = 0: the error is cubed
    assert verdict.rate.order == pytest.approx(3.0, abs=0.05) and "order ≈ 3" in verdict.title


# ---------------------------------------------------------------------------------------------------- bisection
def test_bisection_by_hand_on_newtons_example():
    expression, _ = ours("x^3 - 2x - 5")
    halving = bisection(expression.func, 2.0, 3.0, steps=5)
    # f(2.5) = 5.625 > 0, f(2.25) = 1.890625 > 0, f(2.125) ≈ 0.346 > 0, f(2.0625) ≈ −0.351 < 0, f(2.09375) ≈ −0.009 < 0
    np.testing.assert_allclose(halving.mids, [2.5, 2.25, 2.125, 2.0625, 2.09375, 2.109375], atol=HAND)
    np.testing.assert_allclose(halving.lows, [2.0, 2.0, 2.0, 2.0, 2.0625, 2.09375], atol=HAND)
    np.testing.assert_allclose(halving.highs, [3.0, 2.5, 2.25, 2.125, 2.125, 2.125], atol=HAND)


BRACKETS = {  # text, a, b
    "newton's example": ("x^3 - 2x - 5", -2.0, 3.0),
    "cos x = x": ("cos(x) - x", 0.0, 1.0),
    "a cubic's three roots": ("x^3 - 3x + 1", -3.0, 3.0),
    "1/x changes sign at its pole": ("1/x", -1.0, 2.0),
}


@pytest.mark.parametrize("case", BRACKETS.values(), ids=BRACKETS.keys())
def test_bisection_halves_the_bracket_and_keeps_the_sign_change(case):
    text, a, b = case
    expression, _ = ours(text)
    halving = bisection(expression.func, a, b, steps=40)
    k = np.arange(halving.steps + 1)
    np.testing.assert_allclose(halving.widths, (b - a) / 2.0**k, rtol=1e-15)
    ends = expression.func(halving.lows) * expression.func(halving.highs)
    assert np.all(ends <= 0)
    assert np.all((halving.lows <= halving.mids) & (halving.mids <= halving.highs))


def test_bisection_stops_when_no_double_is_left_inside():
    expression, _ = ours("x^3 - 2x - 5")
    halving = bisection(expression.func, 2.0, 3.0, steps=MAX_STEPS)
    assert halving.stop == "width" and halving.steps < 60  # 52 bits of mantissa in [2, 4)
    assert halving.widths[-1] == np.spacing(2.0)


def test_bisection_on_an_exact_root_closes_the_bracket():
    expression, _ = ours("x")
    halving = bisection(expression.func, -1.0, 1.0, steps=10)
    assert halving.stop == "root" and halving.lows[-1] == halving.highs[-1] == 0.0


BAD_BRACKETS = {  # text, a, b, control, words
    "same sign": ("x^2", -3.0, 3.0, "a", "f(a)·f(b) > 0"),
    "reversed": ("x^3", 2.0, -1.0, "b", "a < b"),
    "undefined end": ("ln(x)", -1.0, 3.0, "a", "not defined at a = -1"),
    "infinite end": ("1/x", 0.0, 2.0, "a", "not defined at a = 0"),
}


@pytest.mark.parametrize("case", BAD_BRACKETS.values(), ids=BAD_BRACKETS.keys())
def test_an_unusable_bracket_is_refused_naming_its_end(case):
    text, a, b, control, words = case
    expression, _ = ours(text)
    with pytest.raises(ParameterError, match=re.escape(words)) as error:
        bisection(expression.func, a, b, steps=5)
    assert error.value.parameter == control




# ------------------------------------------------------------------------------------ the root and its digits
EXACT_ROOTS = {  # text, start, SymPy's exact root (written here), multiplicity
    "newton's example": ("x^3 - 2x - 5", 2.1, sp.real_roots(X**3 - 2 * X - 5)[0], 1),
    "sqrt 2": ("x^2 - 2", 1.5, sp.sqrt(2), 1),
    "cos x = x (Dottie)": ("cos(x) - x", 0.7, None, 1),
    "double root at 1": ("(x - 1)^2 (x + 2)", 1.01, sp.Integer(1), 2),
    "triple root, multiplicity unknown": ("(x - 1)^3", 1.001, sp.Integer(1), 1),
}


@pytest.mark.parametrize("case", EXACT_ROOTS.values(), ids=EXACT_ROOTS.keys())
def test_the_refined_root_is_exact_to_24_digits(case):
    text, start, exact, multiplicity = case
    expression, derivative = ours(text)
    root = refine(expression.sympy, derivative.sympy, expression.symbols[0], start, multiplicity=multiplicity)
    with mpmath.workdps(40):
        truth = (mpmath.findroot(lambda t: mpmath.cos(t) - t, 0.7) if exact is None
                 else mpmath.mpf(sp.N(exact, 40)))
        assert abs(root - truth) <= ROOT_DIGITS * max(1, abs(truth))


def test_no_root_near_a_pole():
    expression, derivative = ours("1/x")
    assert refine(expression.sympy, derivative.sympy, expression.symbols[0], 1e-3) is None  # x ← 2x: away


def test_digits_double_on_newtons_example_as_the_error_formula_says():
    """e_{k+1} ≈ C·e_k² with C = f″(x*)/(2f′(x*)): in relative digits d_{k+1} ≈ 2d_k − log₁₀(|C|·x*)."""
    ran = run("x^3 - 2x - 5", 2.0)
    expression, derivative = ours("x^3 - 2x - 5")
    root = refine(expression.sympy, derivative.sympy, expression.symbols[0], ran.points[-1])
    digits = correct_digits(ran.points, root)
    exact = sp.real_roots(X**3 - 2 * X - 5)[0]
    c = float(sp.N((6 * exact) / (2 * (3 * exact**2 - 2)) * exact, 30))
    for k in range(3):  # steps 0 → 1 → 2 → 3: before the 16-digit ceiling
        assert digits[k + 1] == pytest.approx(2 * digits[k] - math.log10(abs(c)), abs=0.05)
        assert 1.8 <= digits[k + 1] / digits[k] <= 2.1
    assert digits[4] == MAX_DIGITS


def test_digits_of_the_double_root_grow_by_log10_2_a_step():
    ran = run("x^2", 1.0, 30)
    digits = correct_digits(ran.points, mpmath.mpf(0))
    np.testing.assert_allclose(digits, np.arange(31) * math.log10(2), atol=1e-12)  # |x_k − 0| = 2^−k exactly


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.floats(min_value=1e-12, max_value=1e3))
def test_digits_against_mpmath(root, offset):
    with mpmath.workdps(REFINE_DIGITS):
        x = root + offset
        error = abs(mpmath.mpf(x) - mpmath.mpf(root)) / max(1, abs(mpmath.mpf(root)))
        expected = MAX_DIGITS if error == 0 else min(MAX_DIGITS, max(0.0, float(-mpmath.log10(error))))
        assert correct_digits(np.array([x]), mpmath.mpf(root))[0] == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------------------------------- in words
@pytest.mark.parametrize(("value", "text"), [(2.383e13, "2.383·10¹³"), (1e10, "10¹⁰"), (-1575.3169508212036,
                                                                                    "-1575.32"),
                                             (1.5e-7, "1.5·10⁻⁷"), (0.0, "0")])
def test_numbers_in_sentences(value, text):
    assert number_text(value) == text


def test_subscripts():
    assert subscript(12) == "₁₂"
