"""Everything the Derivative page shows, computed in one call: f, the exact tangent, the four textbook stencils at a
chosen step, the secant → tangent animation, each method's error against the step size, and two methods that
subtract nothing: the complex step Im f(x0 + ih)/h and forward mode (dual numbers), both from core.autodiff.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core import autodiff, differences, symbolic
from core.errors import ParameterError
from core.expressions import Expression, ExpressionError, parse
from core.urlparams import log_steps

__all__ = [
    "ANIMATION_STEPS",
    "COMPLEX_STEP",
    "ComplexStepEstimate",
    "FORWARD_MODE",
    "ForwardModeEstimate",
    "METHODS",
    "STEP_CHOICES",
    "DerivativeStudy",
    "MethodEstimate",
    "PRESETS",
    "ParameterError",
    "Preset",
    "SecantFrame",
    "step_latex",
    "study_derivative",
]

METHODS = ("forward", "backward", "central", "five-point")
STEP_CHOICES = log_steps(low_exponent=-12, high_exponent=0)  # the page's h slider: 1e-12 … 1 in 1-2-5 steps
SWEEP_STEPS = np.logspace(-12, 0, 97)  # 8 points a decade for the error-vs-h plot
ANIMATION_STEPS = np.geomspace(1.0, 1e-3, 16)  # secant → tangent: at 1e-3 the two lines coincide on screen; a
# fifth of a decade a frame plays smoothly, and each labelled step of the slider costs the browser time on every redraw
CURVE_POINTS = 600
COMPLEX_STEP, FORWARD_MODE = "complex step", "forward mode"  # the comparison's two rows beyond the stencils
ORDERS = {"forward": 1, "backward": 1, "central": 2, "five-point": 4}
_OFFSETS = {
    "forward": (0.0, 1.0), "backward": (-1.0, 0.0), "central": (-1.0, 1.0), "five-point": (-2.0, -1.0, 1.0, 2.0),
}
_FORMULAS = {
    "forward": r"\frac{f(x_0 + h) - f(x_0)}{h}",
    "backward": r"\frac{f(x_0) - f(x_0 - h)}{h}",
    "central": r"\frac{f(x_0 + h) - f(x_0 - h)}{2h}",
    "five-point": r"\frac{f(x_0 - 2h) - 8 f(x_0 - h) + 8 f(x_0 + h) - f(x_0 + 2h)}{12h}",
}


@dataclass(frozen=True)
class Preset:
    """A one-click example: the tutorial's, or one rule of its table of common derivatives."""

    label: str
    formula: str
    x0: float
    rule: str  # the rule in LaTeX


PRESETS = (
    Preset("Tutorial: (x+2)(x−6)", "(x+2)(x-6)", 5.0, r"f'(x) = 2x - 4"),
    Preset("constant", "3", 1.0, r"\frac{d}{dx}\,c = 0"),
    Preset("xⁿ", "x^3", 1.5, r"\frac{d}{dx}\,x^n = n\,x^{n-1}"),
    Preset("ln x", "ln(x)", 2.0, r"\frac{d}{dx}\ln x = \frac{1}{x}"),
    Preset("eˣ", "e^x", 1.0, r"\frac{d}{dx}\,e^x = e^x"),
    Preset("aˣ", "2^x", 1.0, r"\frac{d}{dx}\,a^x = a^x \ln a"),
    Preset("sin x", "sin(x)", 1.0, r"\frac{d}{dx}\sin x = \cos x"),
    Preset("cos x", "cos(x)", 1.0, r"\frac{d}{dx}\cos x = -\sin x"),
    Preset("tan x", "tan(x)", 0.5, r"\frac{d}{dx}\tan x = \sec^2 x"),
)


@dataclass(frozen=True)
class MethodEstimate:
    """One stencil's estimate of f'(x0) at the chosen step, its errors, and its best step over the sweep."""

    method: str
    value: float
    abs_error: float
    rel_error: float
    best_step: float
    best_error: float
    problem: str | None


@dataclass(frozen=True)
class ComplexStepEstimate:
    """The complex step Im f(x0 + ih)/h at the chosen h and over the sweep's steps, or why it does not apply.

    Attributes
    ----------
    value, abs_error, rel_error : the estimate at the page's h and its errors against the exact f'(x0); nan when
        the method does not apply (``reason`` says why) or the exact value is unknown.
    errors : |Im f(x0 + ih)/h − f'(x0)| over ``SWEEP_STEPS``, shape (97,); nan where it does not apply.
    best_step, best_error : the step of the smallest error over the sweep (the largest such step: every step below
        where truncation has faded ties at rounding level) and that error.
    reason : None when f is complex-analytic; else the sentence of :func:`core.autodiff.analytic`.
    """

    value: float
    abs_error: float
    rel_error: float
    errors: np.ndarray
    best_step: float
    best_error: float
    reason: str | None

    @property
    def applicable(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class ForwardModeEstimate:
    """Forward mode: f(x0) and f'(x0) in one pass of dual numbers a + b·ε (ε² = 0), with no step at all.

    ``value`` is f'(x0) (the dual part), ``fx0`` the real part (f(x0) again), the errors against the exact f'(x0).
    """

    value: float
    fx0: float
    abs_error: float
    rel_error: float


@dataclass(frozen=True)
class SecantFrame:
    """The chosen method's secant at one step: the stencil points (k,) and the line's slope through them."""

    step: float
    points_x: np.ndarray
    points_y: np.ndarray
    slope: float
    anchor_x: float
    anchor_y: float


@dataclass(frozen=True)
class DerivativeStudy:
    """The Derivative page's whole content for one setting of its controls.

    Attributes
    ----------
    expression : the parsed f.
    derivative_latex : LaTeX of the exact f'(x) ("" when SymPy ran out of time).
    x0, h, method : the settings.
    fx0, exact : f(x0) and the exact f'(x0) (nan when unavailable).
    estimates : one :class:`MethodEstimate` per method in ``METHODS``.
    complex_step : :class:`ComplexStepEstimate` at h and over the sweep (or why it does not apply).
    forward_mode : :class:`ForwardModeEstimate`, f'(x0) from dual numbers.
    curve_x, curve_y : f sampled on the plot range, shape (CURVE_POINTS,), nan where undefined.
    sweep : the error-vs-h data, :class:`core.differences.StepSweep` over ``SWEEP_STEPS``.
    secant : the chosen method's secant at h; ``frames``: the same over ``ANIMATION_STEPS``.
    trend : "increasing", "decreasing" or "stationary" at x0 (from the exact slope).
    formula_latex : the chosen method's formula with the current numbers in it.
    notes : things worth saying (the exact derivative unavailable, a stencil leaving the domain).
    """

    expression: Expression
    derivative_latex: str
    x0: float
    h: float
    method: str
    fx0: float
    exact: float
    estimates: tuple[MethodEstimate, ...]
    complex_step: ComplexStepEstimate
    forward_mode: ForwardModeEstimate
    curve_x: np.ndarray
    curve_y: np.ndarray
    sweep: differences.StepSweep
    secant: SecantFrame
    frames: tuple[SecantFrame, ...]
    trend: str
    formula_latex: str
    notes: tuple[str, ...]

    def estimate(self, method: str) -> MethodEstimate:
        return next(e for e in self.estimates if e.method == method)


def _check_settings(x0: float, h: float, method: str, x_range: tuple[float, float]) -> None:
    if method not in METHODS:
        raise ParameterError("method", f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if not (math.isfinite(h) and 0 < h <= 1):
        raise ParameterError("h", f"h must be a step in (0, 1]; got {h!r}")
    low, high = x_range
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ParameterError("x_range", f"the plot range must be two finite numbers, low < high; got {x_range!r}")
    if not math.isfinite(x0):
        raise ParameterError("x0", f"x0 must be a finite number; got {x0!r}")


def _exact(expression: Expression, x0: float) -> tuple[float, str, str | None]:
    """f'(x0) and the LaTeX of f'(x), or nan with a note when SymPy cannot give it in time."""
    try:
        result = symbolic.derivative(expression)
    except ExpressionError as error:
        return math.nan, "", f"The exact derivative is not available: {error}"
    value = float(result.func(x0))
    note = (None if math.isfinite(value)
            else f"The exact derivative is not finite at x0 = {x0:g}: f is not differentiable there.")
    return value, result.latex, note


def _errors(value: float, exact: float) -> tuple[float, float]:
    """|value − exact| and the same relative to |exact| (absolute where exact = 0)."""
    abs_error = abs(value - exact)
    return abs_error, abs_error / abs(exact) if exact != 0 else abs_error


def _complex_step(expression: Expression, x0: float, h: float, exact: float) -> ComplexStepEstimate:
    """Im f(x0 + ih)/h at h and at every step of ``SWEEP_STEPS`` in one broadcast call (97 + 1 steps)."""
    steps = np.append(SWEEP_STEPS, h)
    result = autodiff.complex_step(expression, {"x": x0}, variable="x", step=steps)
    values = np.asarray(result.value, dtype=float).reshape(-1)
    if not result.applicable:
        nan = math.nan
        return ComplexStepEstimate(nan, nan, nan, np.full(len(SWEEP_STEPS), nan), nan, nan, result.reason)
    errors = np.abs(values[:-1] - exact)
    usable = np.isfinite(errors)
    if usable.any():
        smallest = np.min(errors[usable])
        best = int(np.flatnonzero(usable & (errors == smallest))[-1])  # steps fall: [-1] is the largest such h
        best_step, best_error = float(SWEEP_STEPS[best]), float(smallest)
    else:
        best_step = best_error = math.nan
    value = float(values[-1])
    return ComplexStepEstimate(value, *_errors(value, exact), errors, best_step, best_error, None)


def _forward_mode(expression: Expression, x0: float, exact: float) -> ForwardModeEstimate:
    """One pass of dual numbers x0 + 1·ε through f's syntax tree: f(x0) + f'(x0)·ε."""
    dual = autodiff.dual_derivative(expression, {"x": x0}, direction={"x": 1.0})
    value = float(np.asarray(dual.derivative, dtype=float).reshape(-1)[0])
    return ForwardModeEstimate(value, float(np.asarray(dual.value, dtype=float).reshape(-1)[0]), *_errors(value, exact))


def _method_estimate(f, x0: float, h: float, method: str, exact: float, sweep: differences.StepSweep) -> MethodEstimate:
    result = differences.derivative(f, x0, method=method, step=h)
    value = float(result.value)
    abs_error, rel_error = _errors(value, exact)
    row = sweep.errors[sweep.methods.index(method)] if sweep.errors is not None else np.full(len(sweep.steps), np.nan)
    usable = np.isfinite(row)
    best = int(np.argmin(np.where(usable, row, np.inf))) if usable.any() else 0
    problem = f"{method} at h = {h:.0e}: {result.note}" if result.note else None
    return MethodEstimate(method, value, abs_error, rel_error, float(sweep.steps[best]), float(row[best]), problem)


def _secant(f, x0: float, fx0: float, h: float, method: str) -> SecantFrame:
    """The stencil's points; the line's slope is the method's estimate, drawn through x0 for five-point."""
    xs = x0 + np.array(_OFFSETS[method]) * h
    ys = f(xs)
    slope = float(differences.derivative(f, x0, method=method, step=h).value)
    anchor_x, anchor_y = (x0, fx0) if method == "five-point" else (float(xs[0]), float(ys[0]))
    return SecantFrame(h, xs, ys, slope, anchor_x, anchor_y)


def _trend(exact: float) -> str:
    if not math.isfinite(exact):
        return "undefined"
    return "increasing" if exact > 0 else "decreasing" if exact < 0 else "stationary"


def _number_latex(v: float) -> str:
    """Ten significant digits: enough to see the digits that the subtraction in a stencil cancels."""
    return f"{v:.10g}" if math.isfinite(v) else r"\text{undefined}"


def step_latex(h: float) -> str:
    """A step such as 1e-06 as LaTeX: 10^{-6} (2e-05 as 2 \\cdot 10^{-5})."""
    mantissa, exponent = f"{h:.0e}".split("e")
    power = int(exponent)
    if power == 0:
        return mantissa
    return rf"10^{{{power}}}" if mantissa == "1" else rf"{mantissa} \cdot 10^{{{power}}}"


def _formula_latex(method: str, x0: float, h: float, secant: SecantFrame) -> str:
    values = {o: v for o, v in zip(_OFFSETS[method], secant.points_y)}
    fmt = _number_latex
    h_tex = step_latex(h)
    if method == "five-point":
        numbers = (rf"\frac{{{fmt(values[-2.0])} - 8 \cdot ({fmt(values[-1.0])}) "
                   rf"+ 8 \cdot ({fmt(values[1.0])}) - ({fmt(values[2.0])})}}{{12 \cdot {h_tex}}}")
    else:
        lo, hi = _OFFSETS[method]
        divisor = "2 \\cdot " + h_tex if method == "central" else h_tex
        numbers = rf"\frac{{{fmt(values[hi])} - ({fmt(values[lo])})}}{{{divisor}}}"
    return rf"f'({x0:g}) \approx {_FORMULAS[method]} = {numbers} = {fmt(secant.slope)}"


def study_derivative(
    text: str, *, x0: float, h: float, method: str, x_range: tuple[float, float] = (-8.0, 12.0)
) -> DerivativeStudy:
    """Everything the Derivative page shows for f (typed ``text`` in x), a point x0, a step h and a method; beside
    the four stencils, the complex step Im f(x0 + ih)/h (at h and over the sweep) and forward mode (dual numbers).

    Parameters
    ----------
    text : f(x) as typed; read by :func:`core.expressions.parse`.
    x0 : the point.
    h : the step of the chosen method and of the complex step, 0 < h ≤ 1.
    method : one of ``METHODS``: forward (f(x0+h) − f(x0))/h, backward (f(x0) − f(x0−h))/h,
        central (f(x0+h) − f(x0−h))/(2h), five-point (f(x0−2h) − 8f(x0−h) + 8f(x0+h) − f(x0+2h))/(12h).
    x_range : the plot range (low, high).

    Raises
    ------
    ExpressionError
        ``text`` is not a formula in x.
    ParameterError
        A setting is unusable; ``.parameter`` names it ("x0" when f is not defined at x0).
    """
    _check_settings(x0, h, method, x_range)
    expression = parse(text, ("x",))
    f = expression.func
    fx0 = float(f(x0))
    if not math.isfinite(fx0):
        raise ParameterError("x0", f"f is not defined at x0 = {x0:g} (f(x0) = {fx0}); pick a point inside its domain")
    exact, derivative_latex, exact_note = _exact(expression, x0)
    sweep = differences.step_sweep(
        f, x0, steps=SWEEP_STEPS, methods=METHODS, exact=exact if math.isfinite(exact) else None
    )
    estimates = tuple(_method_estimate(f, x0, h, m, exact, sweep) for m in METHODS)
    curve_x = np.linspace(*x_range, CURVE_POINTS)
    secant = _secant(f, x0, fx0, h, method)
    notes = tuple(n for n in (exact_note, *(e.problem for e in estimates)) if n)
    return DerivativeStudy(
        expression=expression, derivative_latex=derivative_latex, x0=x0, h=h, method=method, fx0=fx0, exact=exact,
        estimates=estimates, complex_step=_complex_step(expression, x0, h, exact),
        forward_mode=_forward_mode(expression, x0, exact), curve_x=curve_x, curve_y=f(curve_x), sweep=sweep,
        secant=secant,
        frames=tuple(_secant(f, x0, fx0, float(s), method) for s in ANIMATION_STEPS),
        trend=_trend(exact), formula_latex=_formula_latex(method, x0, h, secant), notes=notes,
    )
