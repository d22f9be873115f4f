"""core.newton_lab: the Newton page's study against independent truths — SymPy's exact roots, the bisection error
bound, closed forms of Newton's and gradient descent's steps on a quadratic, SymPy's Hessian eigenvalues — and each
preset named as the issue names it."""

from __future__ import annotations

import math
import re

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from core import newton_lab
from core.errors import ParameterError
from core.expressions import ExpressionError
from core.newton_lab import (
    DEFAULT_BRACKET,
    MAX_PLANE_STEPS,
    PLANE_PRESETS,
    PRESETS,
    bisection_rows,
    digits_text,
    first_step_latex,
    headline_latex,
    model_sentence,
    newton_rows,
    plane_latex,
    plane_settings,
    preset_settings,
    study_newton,
    study_plane,
)
from core.optimizers_lab import step_detail
from core.roots import MAX_DIGITS

X, X1, X2 = sp.symbols("x x1 x2", real=True)
EXACT_ROOT = 1e-22  # x* against SymPy's exact root: the refinement stops once a step is below 1e-24
CLOSED_FORM = 1e-12  # gradient descent's iterates against (1 − lr·λ)^t x0: rounding over 50 multiplications
NEWTON_STEP = 1e-12  # one Newton step on a quadratic against its exact minimiser: a 2×2 solve in double precision
SAME_NEWTON = 1e-7  # Newton with f′ by finite differences against exact f′: the difference's own error, ~1e-10
EIGEN = 1e-9  # H's eigenvalues (NumPy on the evaluated exact H) against SymPy's, relative

BY_LABEL = {p.label: p for p in PRESETS}


def gap(root: mpmath.mpf, exact: sp.Expr) -> float:
    """|root − exact| in 60-digit arithmetic (mpmath's default 15 digits would round both to doubles first)."""
    with mpmath.workdps(60):
        return float(abs(root - mpmath.mpf(sp.N(exact, 60))))


def newton_study(preset, **changes):
    settings = {"x0": preset.x0, "steps": preset.steps, "bracket": preset.bracket, **changes}
    return study_newton(preset.formula, **settings)


# -------------------------------------------------------------------------------------------------- the presets
NAMED = {  # preset, the verdict's kind, words the page shows (the names for the failure modes)
    "Newton's x³ − 2x − 5": ("converged", "doubles"),
    "cycle: x³ − 2x + 2": ("cycle", "cycle"),
    "diverges: atan x": ("diverges", "diverges"),
    "double root: x²": ("not converged", "linear convergence"),
    "zero derivative: x³ − 3x + 1": ("zero derivative", "Zero derivative"),
    "leaves the domain: ln x": ("left the domain", "domain"),
}


def test_every_preset_is_named_here():
    assert set(NAMED) == set(BY_LABEL)


@pytest.mark.parametrize("label", NAMED, ids=NAMED)
def test_each_preset_tells_its_story(label):
    kind, words = NAMED[label]
    result = newton_study(BY_LABEL[label])
    assert result.verdict.kind == kind
    assert words in result.verdict.sentence
    assert result.verdict.failed == (kind != "converged")


def test_preset_settings_fill_every_1d_control():
    assert preset_settings("cycle: x³ − 2x + 2") == {"f": "x^3 - 2x + 2", "x0": 0.0, "steps": 12, "a": -2.0, "b": 3.0}
    assert preset_settings(None) == {}


# --------------------------------------------------------------------------------------- Newton's own example
def test_newtons_example_counts_digits_against_the_exact_root():
    result = newton_study(BY_LABEL["Newton's x³ − 2x − 5"])
    assert gap(result.root, sp.real_roots(X**3 - 2 * X - 5)[0]) <= EXACT_ROOT
    assert "x* = 2.094551481542326591482387" in result.root_source and "60-digit" in result.root_source
    rows = newton_rows(result)
    assert [row["xₖ"] for row in rows[:5]] == ["2.00000000000", "2.10000000000", "2.094568121104185",
                                               "2.094551481698199", "2.0945514815423265"]
    counts = [row["correct digits"].split(" (×") for row in rows[:5]]
    assert [count[0] for count in counts] == ["1.3", "2.6", "5.1", "10.1", "16 (all)"]
    assert all(1.8 <= float(count[1].rstrip(")")) <= 2.1 for count in counts[1:4])  # they double
    assert len(counts[0]) == len(counts[4]) == 1  # the first has nothing to double; 16 is the ceiling, not a doubling


def test_bisection_beside_it_gains_a_digit_every_three_steps():
    result = newton_study(BY_LABEL["Newton's x³ − 2x − 5"], steps=40)
    assert result.bisection_root == result.root  # the same root, in the final bracket
    widths = result.bisection.widths
    # |m_k − x*| <= (b_k − a_k)/2: at least −log10(w_k/2 / x*) digits (x* > 1: relative digits)
    bound = -np.log10(widths / 2 / float(result.root))
    assert np.all(result.bisection_digits >= np.minimum(bound, MAX_DIGITS) - 1e-9)
    slope = np.polyfit(np.arange(41), np.minimum(bound, MAX_DIGITS), 1)[0]
    assert slope == pytest.approx(math.log10(2), abs=1e-6)
    assert len(bisection_rows(result)) == result.bisection.steps + 1


def test_the_first_step_with_its_numbers():
    result = newton_study(BY_LABEL["Newton's x³ − 2x − 5"])
    assert first_step_latex(result) == r"x_1 = x_0 - \frac{f(x_0)}{f'(x_0)} = 2 - \frac{-1}{10} = 2.1"
    assert r"f'(x) = 3 x^{2} - 2" in headline_latex(result)


# ------------------------------------------------------------------------------------------------ the failures
def test_the_cycle_has_no_root_but_bisection_finds_the_real_one():
    result = newton_study(BY_LABEL["cycle: x³ − 2x + 2"])
    assert result.root is None and result.digits is None and "Cycle of period 2" in result.root_source
    exact = sp.real_roots(X**3 - 2 * X + 2)[0]  # −1.7693, the only real root
    assert gap(result.bisection_root, exact) <= EXACT_ROOT
    assert result.window[0] <= float(exact) <= result.window[1]  # the view shows the root Newton never reaches
    assert all(row["correct digits"] == "—" for row in newton_rows(result))


def test_the_double_root_digits_grow_by_log10_2_and_bisection_cannot_start():
    result = newton_study(BY_LABEL["double root: x²"])
    assert result.root == 0
    np.testing.assert_allclose(result.digits, np.arange(21) * math.log10(2), atol=1e-12)  # |x_k| = 2^−k
    assert result.bisection is None
    control, message = result.bracket_problem
    assert control == "a" and "same sign" in message and "double root" in message


def test_divergence_leaves_the_view_and_says_where():
    result = newton_study(BY_LABEL["diverges: atan x"])
    low, high = result.window
    assert low <= 1.5 <= high and low <= 0.0 <= high  # x0 and bisection's root, 0
    outside = [x for x in result.run.points if not low <= x <= high]
    assert outside and abs(outside[-1]) > 1e10  # the iterates beyond the view are not clipped away
    assert np.isfinite(result.curve_y).all()


def test_ln_leaves_its_domain_and_bisection_finds_1():
    result = newton_study(BY_LABEL["leaves the domain: ln x"])
    assert result.run.points[1] == pytest.approx(3 - 3 * math.log(3), rel=1e-15)
    assert newton_rows(result)[1]["f(xₖ)"] == "undefined"  # in words, not "nan"
    assert gap(result.bisection_root, sp.Integer(1)) <= EXACT_ROOT
    assert np.isnan(result.curve_y[result.curve_x <= 0]).all()  # undefined, not drawn


def test_a_sign_change_at_a_pole_is_not_a_root():
    result = study_newton("1/x", x0=1.0, steps=30, bracket=(-1.0, 2.0))
    assert result.bisection_root is None and "no root was found" in result.bisection_note


def test_a_typed_f_with_carets_and_implicit_products():
    result = study_newton("2x^2 - 3", x0=1.0, steps=10)
    assert gap(result.root, sp.sqrt(sp.Rational(3, 2))) <= EXACT_ROOT
    assert result.verdict.title == "Converged quadratically"


def test_without_the_exact_derivative_newton_uses_differences(monkeypatch):
    def too_slow(expression, **options):
        raise ExpressionError("Differentiating this formula took longer than 1 s and was stopped")

    exact = newton_study(BY_LABEL["Newton's x³ − 2x − 5"])
    monkeypatch.setattr(newton_lab.symbolic, "derivative", too_slow)
    result = newton_study(BY_LABEL["Newton's x³ − 2x − 5"])
    assert result.derivative_latex == "" and any("finite differences" in note for note in result.notes)
    assert result.root is None and result.digits is None
    steps = min(exact.run.steps, result.run.steps)
    np.testing.assert_allclose(result.run.points[:steps + 1], exact.run.points[:steps + 1], rtol=SAME_NEWTON)


BAD = {  # text, x0, steps, the error and the control or words
    "formula": ("x^3 - ", 2.0, 10, ExpressionError, "ends too early"),
    "outside the domain": ("ln(x)", -1.0, 10, ParameterError, "x0"),
    "no steps": ("x^2 - 2", 1.0, 0, ParameterError, "steps"),
    "too many steps": ("x^2 - 2", 1.0, 101, ParameterError, "steps"),
    "x0 not a number": ("x^2 - 2", math.nan, 10, ParameterError, "x0"),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_input_is_refused_with_a_reason(case):
    text, x0, steps, error, where = case
    with pytest.raises(error) as raised:
        study_newton(text, x0=x0, steps=steps)
    assert (raised.value.parameter == where) if error is ParameterError else re.search(where, str(raised.value))


# ------------------------------------------------------------------------------------------------- the table
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300).filter(lambda v: v != 0))
def test_iterates_keep_every_digit_of_their_double_and_at_least_12(value):
    text = digits_text(value)
    assert float(text) == value  # reads back as the same double
    mantissa = re.sub(r"e.*$", "", text).lstrip("-").replace(".", "").lstrip("0")
    assert len(mantissa) >= 12


def test_the_default_bracket_brackets_every_preset_with_a_sign_change():
    for preset in PRESETS:
        result = newton_study(preset)
        assert (result.bisection is None) == (preset.formula == "x^2"), preset.label
    assert DEFAULT_BRACKET == (-2.0, 3.0)


# ---------------------------------------------------------------------------------------------------------- 2-D
PLANES = {p.label: p for p in PLANE_PRESETS}
RAVINE = PLANES["a ravine (quadratic)"]


def test_on_a_quadratic_newton_lands_in_one_step_and_gd_follows_its_closed_form():
    race = study_plane(RAVINE.formula, start=RAVINE.start, lr=RAVINE.lr, steps=50)
    newton = race.trajectory("newton").points
    np.testing.assert_allclose(newton[1], [0.0, 0.0], atol=NEWTON_STEP)  # f = 0.1x1² + 5x2²: H⁻¹∇f = x
    t = np.arange(51)[:, None]
    lam = np.array([0.2, 10.0])  # H = diag(0.2, 10): each coordinate is multiplied by 1 − lr·λ a step
    np.testing.assert_allclose(race.trajectory("gd").points, (1 - RAVINE.lr * lam) ** t * np.array(RAVINE.start),
                               rtol=CLOSED_FORM, atol=CLOSED_FORM)
    assert "positive definite" in model_sentence(step_detail(race, "newton", 1))


SHAPES = {  # preset, H at the start by SymPy (written here), the words
    "Rosenbrock": ((1 - X1) ** 2 + 100 * (X2 - X1**2) ** 2, "**positive definite**"),
    "a saddle": (X1**4 - 2 * X1**2 + X2**2, "heads for **a saddle**"),
    "Himmelblau: a maximum": ((X1**2 + X2 - 11) ** 2 + (X1 + X2**2 - 7) ** 2, "heads for **a maximum**"),
}


@pytest.mark.parametrize("label", SHAPES, ids=SHAPES)
def test_the_model_at_the_first_newton_step_is_named_from_hs_eigenvalues(label):
    preset = PLANES[label]
    f, words = SHAPES[label]
    race = study_plane(preset.formula, start=preset.start, lr=preset.lr, steps=20)
    detail = step_detail(race, "newton", 1)
    at = dict(zip((X1, X2), preset.start))
    exact = sorted(float(v) for v in sp.hessian(f, (X1, X2)).subs(at).eigenvals(multiple=True))
    np.testing.assert_allclose(detail.eigenvalues, exact, rtol=EIGEN)
    sentence = model_sentence(detail)
    assert words in sentence
    assert ("not positive definite" in sentence) == (exact[0] < 0)


@pytest.mark.parametrize("label", PLANES, ids=PLANES)
def test_the_view_holds_the_start_and_where_newton_ends(label):
    preset = PLANES[label]
    race = study_plane(preset.formula, start=preset.start, lr=preset.lr, steps=50)
    w = race.window
    for x1, x2 in (preset.start, race.trajectory("newton").points[-1]):
        assert w.x1_low <= x1 <= w.x1_high and w.x2_low <= x2 <= w.x2_high
    assert race.grid_f.shape == (len(race.grid_x2), len(race.grid_x1))
    assert race.grid_x1[0] == w.x1_low and race.grid_x2[-1] == w.x2_high
    assert plane_latex(race).startswith("f(x_1, x_2) = ")


def test_2d_steps_out_of_range_name_their_control():
    with pytest.raises(ParameterError) as raised:
        study_plane(RAVINE.formula, start=RAVINE.start, lr=0.1, steps=MAX_PLANE_STEPS + 1)
    assert raised.value.parameter == "steps2"


def test_plane_settings_fill_every_2d_control():
    assert plane_settings("a saddle") == {"g": "x1^4 - 2x1^2 + x2^2", "x1": 0.3, "x2": 1.5, "lr": 0.05}
    assert plane_settings(None) == {}
