"""The Derivative page's complex step and forward mode (issue 14): against closed forms, beside central differences,
and saying so where the complex step does not apply."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from core.derivative_lab import COMPLEX_STEP, FORWARD_MODE, SWEEP_STEPS, study_derivative
from core.plots.derivative import error_figure
from core.presentation import complex_step_sentence, study_table

X0 = 5.0  # the tutorial's point: (x+2)(x-6) has f'(5) = 6
ROUNDING = 8 * np.finfo(float).eps  # relative: Im f(x0 + ih)/h rounds once per complex operation (exp, sin, a product)
# and once in the division by h; no subtraction cancels, so a few ulps of f'(x0) is all the error there is
CLOSED_FORM = 1e-14  # relative: our complex step against Im f(x0 + ih)/h written out by hand (sin h/h, sinh h/h)
BLOWN_UP = 1e-9  # relative: central differences below h ~ 1e-8 lose at least this much (round-off ~ ε|f|/h)
TRUNCATION_FREE = 1e-8  # below this h the complex step's truncation h²|f'''|/6 is under ROUNDING for these f

CASES = {  # f, exact f'(5), Im f(5 + ih)/h written out by hand
    "exp": ("e^x", math.exp(X0), lambda h: math.exp(X0) * math.sin(h) / h),
    # sin(a + ib) = sin a cosh b + i cos a sinh b
    "sin": ("sin(x)", math.cos(X0), lambda h: math.cos(X0) * math.sinh(h) / h),
    "tutorial": ("(x+2)(x-6)", 6.0, lambda h: 6.0),  # (7 + ih)(−1 + ih) = −7 − h² + 6ih
}
STEPS = [1e-1, 1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12, 1e-16, 1e-20, 1e-50, 1e-100, 1e-200, 1e-300]


def central(f, x0: float, h: float) -> float:
    """The textbook central difference, written out independently of core.differences."""
    return float((f(x0 + h) - f(x0 - h)) / (2 * h))


@pytest.mark.parametrize("h", STEPS, ids=[f"h={h:.0e}" for h in STEPS])
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_complex_step_is_its_closed_form_at_every_step(case, h):
    text, exact, by_hand = case
    study = study_derivative(text, x0=X0, h=h, method="central")
    assert study.complex_step.applicable
    assert study.complex_step.value == pytest.approx(by_hand(h), rel=CLOSED_FORM)
    if h <= TRUNCATION_FREE:  # then it is f'(x0) to rounding, down to h = 1e-300
        assert study.complex_step.abs_error <= ROUNDING * abs(exact)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_central_differences_blow_up_where_the_complex_step_stays_at_rounding(case):
    text, exact, _ = case
    study = study_derivative(text, x0=X0, h=1e-6, method="central")
    f = study.expression.func
    tiny = [h for h in STEPS if h <= 1e-10]
    central_errors = np.array([abs(central(f, X0, h) - exact) for h in tiny])
    assert central_errors.max() >= BLOWN_UP * abs(exact)  # round-off ε|f|/h has taken over
    assert all(central_errors[np.array(tiny) <= 1e-17] == abs(exact))  # x0 ± h == x0: the quotient is 0
    complex_errors = study.complex_step.errors[SWEEP_STEPS <= TRUNCATION_FREE]
    assert complex_errors.max() <= ROUNDING * abs(exact)
    row = study.sweep.errors[study.sweep.methods.index("central")]
    assert row[SWEEP_STEPS <= 1e-10].max() > 1e3 * complex_errors.max()  # the page's own sweep shows the same


DUAL_CASES = {  # f, x0, f'(x0) in closed form
    "tutorial": ("(x+2)(x-6)", 5.0, 6.0),
    "exp": ("e^x", 5.0, math.exp(5.0)),
    "sin": ("sin(x)", 5.0, math.cos(5.0)),
    "ln": ("ln(x)", 2.0, 0.5),
    "power": ("2^x", 1.0, 2 * math.log(2)),
    "tan": ("tan(x)", 0.5, 1 / math.cos(0.5) ** 2),
    "chain": ("sqrt(x^2 + 1) atan(x)", 0.7, 0.7 / math.sqrt(1.49) * math.atan(0.7) + math.sqrt(1.49) / 1.49),
    "quotient": ("(x^3 - 1)/(x + 2)", -0.5, (3 * 0.25 * 1.5 - (-0.125 - 1)) / 1.5**2),
    "abs": ("abs(x) + x^2", 3.0, 7.0),  # abs is not complex-analytic, but dual numbers carry its slope
}


@pytest.mark.parametrize("case", DUAL_CASES.values(), ids=DUAL_CASES.keys())
def test_forward_mode_is_the_exact_derivative_to_rounding(case):
    text, x0, exact = case
    study = study_derivative(text, x0=x0, h=1e-6, method="central")
    assert study.forward_mode.value == pytest.approx(exact, rel=ROUNDING)
    assert study.forward_mode.fx0 == pytest.approx(study.fx0, rel=ROUNDING)  # the same pass gives f(x0)


@pytest.mark.parametrize("text", ["abs(x)", "x^2 + abs(x - 1)"], ids=["abs", "abs-inside"])
def test_complex_step_does_not_apply_to_abs_and_says_why(text):
    study = study_derivative(text, x0=2.0, h=1e-6, method="central")
    assert not study.complex_step.applicable and "abs" in study.complex_step.reason
    assert np.isnan(study.complex_step.value) and np.isnan(study.complex_step.errors).all()
    row = next(r for r in study_table(study) if r["method"] == COMPLEX_STEP)
    assert "does not apply" in row["estimate"].lower() and study.complex_step.reason in row["estimate"]
    assert "nan" not in str(study_table(study)).lower()
    assert "does not apply" in complex_step_sentence(study) and "abs" in complex_step_sentence(study)
    figure = error_figure(study)
    trace = next(t for t in figure.data if t.name.startswith(COMPLEX_STEP))
    assert "does not apply" in trace.name and np.isnan(np.asarray(trace.y, dtype=float)).all()
    assert any("does not apply" in a.text and "abs" in a.text for a in figure.layout.annotations)


def test_table_has_the_stencils_then_the_complex_step_and_forward_mode():
    study = study_derivative("(x + 2)(x - 6)", x0=5.0, h=1e-6, method="central")
    rows = study_table(study)
    assert [r["method"] for r in rows] == ["forward", "backward", "central ◀", "five-point", COMPLEX_STEP,
                                           FORWARD_MODE]
    assert rows[2]["estimate"].startswith("6.0000000") and rows[4]["estimate"] == "6.0000000000"
    assert rows[5]["estimate"] == "6.0000000000" and rows[5]["best h"] == "no step"


def test_error_plot_has_the_complex_step_flat_at_rounding():
    study = study_derivative("e^x", x0=X0, h=1e-6, method="central")
    figure = error_figure(study)
    trace = next(t for t in figure.data if t.name == COMPLEX_STEP)
    x, y = np.asarray(trace.x, dtype=float), np.asarray(trace.y, dtype=float)
    np.testing.assert_array_equal(x, SWEEP_STEPS)
    flat = y[x <= TRUNCATION_FREE]
    assert np.isfinite(flat).all() and flat.max() <= ROUNDING * math.exp(X0)  # zeros drawn at the floor, not gaps
    truncation = (x >= 1e-2) & (x <= 1e-1)  # above it, O(h²): e^5 (1 − sin h / h) ≈ e^5 h²/6
    np.testing.assert_allclose(y[truncation], math.exp(X0) * (1 - np.sin(x[truncation]) / x[truncation]), rtol=1e-6)
    central = next(t for t in figure.data if t.name == "central")
    assert np.asarray(central.y, dtype=float)[0] > 1e6 * flat.max()  # at h = 1e-12 central has blown up


X = sp.Symbol("x", real=True)
SYMPY_CASES = {"cube": ("x^3", 1.5, X**3), "cos": ("cos(x)", 1.0, sp.cos(X)), "tan": ("tan(x)", 0.5, sp.tan(X)),
               "nested": ("e^(sin(x)) / (1 + x^2)", 0.3, sp.exp(sp.sin(X)) / (1 + X**2))}


@pytest.mark.parametrize("case", SYMPY_CASES.values(), ids=SYMPY_CASES.keys())
def test_complex_step_and_forward_mode_against_sympy(case):
    text, x0, f = case
    exact = float(sp.diff(f, X).subs(X, x0))
    study = study_derivative(text, x0=x0, h=1e-12, method="central")
    assert study.complex_step.value == pytest.approx(exact, rel=ROUNDING)
    assert study.forward_mode.value == pytest.approx(exact, rel=ROUNDING)
