"""Everything the Newton page shows: Newton's iteration on a typed f(x) with its tangents, a table of iterates with
their correct digits against a root known to ~24 digits, bisection from a bracket beside it, the run named (converged
quadratically or linearly, a cycle, divergence, a zero derivative, f's domain left), and in two dimensions Newton's
path beside gradient descent's on one contour with the quadratic model of a Newton step.

The 1-D numerics are core.roots'; the 2-D race is the Optimizers page's (core.optimizers_lab.study_race with the
methods "gd" and "newton", whose Newton rule says when H is not positive definite).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import mpmath
import numpy as np

from core import differences, roots, symbolic
from core.errors import ParameterError
from core.expressions import Expression, ExpressionError, parse
from core.gradient_lab import Window
from core.optimizers import Run
from core.optimizers_lab import PRESETS as SURFACES
from core.optimizers_lab import RATES, RaceStudy, StepDetail, known_surface, study_race
from core.roots import MAX_DIGITS, MAX_STEPS, Bisection, NewtonRun, Verdict, number_text, subscript

__all__ = [
    "DEFAULT_BRACKET",
    "DEFAULT_PLANE_STEPS",
    "DEFAULT_STEPS",
    "MAX_PLANE_STEPS",
    "MAX_STEPS",
    "PLANE_PRESETS",
    "PRESETS",
    "RATES",
    "NewtonStudy",
    "PlanePreset",
    "Preset",
    "bisection_rows",
    "digits_text",
    "headline_latex",
    "model_alert",
    "model_sentence",
    "newton_rows",
    "plane_latex",
    "plane_notes",
    "plane_settings",
    "preset_settings",
    "alert_kind",
    "story",
    "first_step_latex",
    "study_newton",
    "study_plane",
]

DEFAULT_STEPS = 10
DEFAULT_BRACKET = (-2.0, 3.0)  # brackets a real root of every preset that has a sign change (not symmetric: 0, the
#                                first midpoint of a symmetric bracket, is itself the root of atan x)
CURVE_POINTS = 801
WINDOW_GROWTH = 4.0  # the view follows the iterates until it is this many times wider than what it must show
LEAST_WIDTH = 0.5  # … and is at least this times max(1, |x0|) wide, so that the curve around the iterates shows
PAD = 0.08  # of the view's width (height) on each side
POLE_SPREAD = 1e6  # a curve spanning more than this is clipped to its 2–98 % percentiles in y (a pole)
TABLE_DIGITS = 12  # iterates in the tables keep at least this many significant digits
DEFAULT_PLANE_STEPS = 50
MAX_PLANE_STEPS = 2000  # the 2-D race's steps box; core.budget.RACE may allow fewer for a large formula


@dataclass(frozen=True)
class Preset:
    """A one-click f(x) with a start, steps and a bisection bracket that tell one story."""

    label: str
    formula: str
    x0: float
    steps: int
    bracket: tuple[float, float]
    story: str


PRESETS = (
    Preset("Newton's x³ − 2x − 5", "x^3 - 2x - 5", 2.0, DEFAULT_STEPS, DEFAULT_BRACKET,
           "Newton's own example (1669): from 2 the iterates are 2.1, 2.094568121…, 2.0945514817…, "
           "2.0945514815423265, and the correct digits double each step; bisection gains a digit every 3.3 steps."),
    Preset("cycle: x³ − 2x + 2", "x^3 - 2x + 2", 0.0, 12, DEFAULT_BRACKET,
           "f(0) = 2, f′(0) = −2 send x0 = 0 to 1; f(1) = 1, f′(1) = 1 send it back to 0: a cycle. Bisection on "
           "[−2, 3] finds the real root −1.7693 that Newton never reaches from here."),
    Preset("diverges: atan x", "atan(x)", 1.5, DEFAULT_STEPS, DEFAULT_BRACKET,
           "From |x0| above ≈ 1.3917 each tangent of atan x overshoots the root 0 by more than the last: the "
           "iterates swing out ever farther."),
    Preset("double root: x²", "x^2", 1.0, 20, DEFAULT_BRACKET,
           "At the double root 0, f′ vanishes too: each step only halves x (linear convergence), and x² never changes "
           "sign, so bisection cannot even start."),
    Preset("zero derivative: x³ − 3x + 1", "x^3 - 3x + 1", 1.0, DEFAULT_STEPS, DEFAULT_BRACKET,
           "x0 = 1 is a local minimum of f: the tangent there is flat and never meets the x-axis."),
    Preset("leaves the domain: ln x", "ln(x)", 3.0, DEFAULT_STEPS, (0.5, 3.0),
           "The tangent of ln x at 3 meets the axis at 3 − 3 ln 3 ≈ −0.296, where ln x is not defined."),
)


@dataclass(frozen=True)
class PlanePreset:
    """A one-click f(x1, x2) for the 2-D comparison: a start and gradient descent's rate."""

    label: str
    formula: str
    start: tuple[float, float]
    lr: float
    story: str


def _surface(label: str):
    return next(s for s in SURFACES if s.label == label)


PLANE_PRESETS = tuple(
    PlanePreset(label, _surface(surface).formula, _surface(surface).start, _surface(surface).rates["gd"], story)
    for label, surface, story in (
        ("Rosenbrock", "Rosenbrock",
         "Newton's steps use the curvature: it reaches (1, 1) in six steps while gradient descent crawls along the "
         "curved valley."),
        ("a ravine (quadratic)", "ravine 0.1·x1² + 5·x2²",
         "On a quadratic the model is f itself: one Newton step lands on the minimum; gradient descent zig-zags."),
        ("a saddle", "saddle between two minima",
         "At the start H has a negative eigenvalue: Newton solves ∇f = 0 and heads for the saddle at (0, 0), "
         "gradient descent rolls off to a minimum."),
        ("Himmelblau: a maximum", "Himmelblau",
         "H is negative definite at the start: Newton climbs to the local maximum near (−0.27, −0.92) while gradient "
         "descent finds a minimum."),
    )
)


@dataclass(frozen=True)
class NewtonStudy:
    """The Newton page's 1-D content for one setting of its controls.

    Attributes
    ----------
    expression : f as parsed. derivative_latex : f′(x) in LaTeX ("" when SymPy could not give it in time).
    x0, steps, bracket : the settings (steps requested; the run may stop sooner).
    run : Newton's iterates (core.roots.NewtonRun); verdict : what the run did (core.roots.Verdict).
    root : x* to ~24+ digits (mpmath), or None; root_source : where x* came from, or why there is none.
    digits : (k + 1,) correct digits of each Newton iterate against ``root``, or None.
    bisection : its brackets and midpoints (core.roots.Bisection), or None when the bracket is unusable;
    bracket_problem : (control "a" or "b", why) then. bisection_root, bisection_digits : as for Newton (its own
    root when it closes in on another one), or None; bisection_note : what its bracket closed on, when not a root.
    window : the x-range drawn; y_range : the f-range drawn. curve_x, curve_y : (CURVE_POINTS,) f on the window
    (nan where undefined).
    notes : what else a student should know (a numerical f′, digits lost to rounding near a multiple root).
    """

    expression: Expression
    derivative_latex: str
    x0: float
    steps: int
    bracket: tuple[float, float]
    run: NewtonRun
    verdict: Verdict
    root: mpmath.mpf | None
    root_source: str
    digits: np.ndarray | None
    bisection: Bisection | None
    bracket_problem: tuple[str, str] | None
    bisection_root: mpmath.mpf | None
    bisection_digits: np.ndarray | None
    bisection_note: str | None
    window: tuple[float, float]
    y_range: tuple[float, float]
    curve_x: np.ndarray
    curve_y: np.ndarray
    notes: tuple[str, ...]


# ---------------------------------------------------------------------------------------------------- 1-D study
def _check(x0: float, steps: int) -> None:
    if not math.isfinite(x0):
        raise ParameterError("x0", f"x0 must be a finite number; got {x0!r}")
    if not (isinstance(steps, (int, np.integer)) and 1 <= steps <= MAX_STEPS):
        raise ParameterError("steps", f"steps must be a whole number from 1 to {MAX_STEPS}; got {steps!r}")


def _derivative(expression: Expression):
    """f′ exactly (SymPy), or by core.differences when SymPy cannot in time: (callable, SymPy f′ or None, LaTeX,
    note)."""
    try:
        exact = symbolic.derivative(expression)
    except ExpressionError as error:
        f = expression.func
        note = (f"The exact derivative is not available ({error}); Newton uses f′ by finite differences, and the "
                "correct digits are not counted.")
        return (lambda x: differences.derivative(f, x).value), None, "", note
    return exact.func, exact.sympy, exact.latex, None


def _refined(expression: Expression, derivative, start: float, multiplicity: int) -> tuple[mpmath.mpf | None, str]:
    """x* refined from ``start`` (core.roots.refine), or None and why not."""
    try:
        root = roots.refine(expression.sympy, derivative, expression.symbols[0], start, multiplicity=multiplicity)
    except ExpressionError as error:
        return None, f"{error}"
    return root, "" if root is not None else "continuing the iteration in 60-digit arithmetic did not settle on a root"


def _newton_root(expression: Expression, derivative, run: NewtonRun, verdict: Verdict):
    if verdict.kind not in ("converged", "not converged"):
        return None, f"No root to count correct digits against ({verdict.title})."
    if derivative is None:
        return None, "No reference root: the exact derivative is not available."
    root, why = _refined(expression, derivative, float(run.points[-1]), verdict.rate.multiplicity or 1)
    if root is None:
        return None, f"No reference root for the correct digits: {why}."
    return root, (f"x* = {mpmath.nstr(root, 25)}: Newton's last iterate x{subscript(run.steps)} carried on in "
                  f"{roots.REFINE_DIGITS}-digit arithmetic (SymPy) until a step fell below 10⁻²⁴. Correct digits "
                  "= −log₁₀(|xₖ − x*| / max(|x*|, 1)), at most 16 (all a double holds), counted against this x*.")


def _bisection(expression: Expression, a: float, b: float, steps: int):
    try:
        return roots.bisection(expression.func, a, b, steps=steps), None
    except ParameterError as error:
        return None, (error.parameter, str(error))


def _bisection_root(expression: Expression, derivative, run: Bisection, newton_root):
    """Bisection's root: Newton's when it lies in the final bracket, else its own last midpoint refined; None and a
    note when the bracket closes on a sign change that is not a root (a pole or a jump)."""
    low, high = float(run.lows[-1]), float(run.highs[-1])
    if newton_root is not None and low <= newton_root <= high:
        return newton_root, None
    if derivative is None:
        return None, None
    width = max(high - low, abs(high) * 1e-15)
    root, _ = _refined(expression, derivative, float(run.mids[-1]), 1)
    if root is not None and low - width <= root <= high + width:
        return root, None
    return None, (f"f changes sign in [{low:.12g}, {high:.12g}] but no root was found there: bisection closes in on a "
                  "sign change, which is a root only where f is continuous (here perhaps a pole or a jump).")


def _fit(must: np.ndarray, paths: list[np.ndarray], least: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A view (lows (d,), highs (d,)) around the points ``must`` (m, d) that follows each path (n, d) in order while
    it stays within WINDOW_GROWTH times the widest side of ``must`` (at least ``least`` (d,)), then padded by PAD."""
    low, high = must.min(axis=0), must.max(axis=0)
    limit = WINDOW_GROWTH * np.max(np.maximum(high - low, least))  # the same on every axis: a path's long excursion
    #                                                                 along the narrow axis stays in view
    for path in paths:
        for point in path[np.isfinite(path).all(axis=1)]:
            new_low, new_high = np.minimum(low, point), np.maximum(high, point)
            if np.any(new_high - new_low > limit):
                break
            low, high = new_low, new_high
    centre, width = (low + high) / 2, np.maximum(high - low, least)
    return centre - (0.5 + PAD) * width, centre + (0.5 + PAD) * width


def _y_range(y: np.ndarray, marks: np.ndarray) -> tuple[float, float]:
    finite = y[np.isfinite(y)]
    values = np.concatenate([finite, marks[np.isfinite(marks)], [0.0]])
    low, high = float(values.min()), float(values.max())
    if finite.size and np.ptp(finite) > POLE_SPREAD:
        low, high = (float(v) for v in np.percentile(values, [2, 98]))
        low, high = min(low, 0.0), max(high, 0.0)
    pad = PAD * (high - low) or 1.0
    return low - pad, high + pad


def _view(run: NewtonRun, root, bisection_root) -> tuple[tuple[float, float], np.ndarray]:
    must = [run.points[0]] + [float(r) for r in (root, bisection_root) if r is not None]
    least = LEAST_WIDTH * max(1.0, abs(run.points[0]))
    low, high = _fit(np.array(must)[:, None], [run.points[:, None]], np.array([least]))
    return (float(low[0]), float(high[0])), np.linspace(low[0], high[0], CURVE_POINTS)


def _notes(note: str | None, verdict: Verdict, digits: np.ndarray | None) -> tuple[str, ...]:
    notes = [note] if note else []
    if digits is not None and verdict.kind == "converged" and digits[-1] < MAX_DIGITS - 4:
        notes.append(f"Newton stopped with only {digits[-1]:.1f} correct digits: near a multiple root f is so flat "
                     "that its rounding errors in double precision hide the root (f evaluates to 0, or the steps "
                     "turn to noise, well before x* is reached).")
    return tuple(notes)


def study_newton(text: str, *, x0: float, steps: int, bracket: tuple[float, float] = DEFAULT_BRACKET) -> NewtonStudy:
    """Newton's iteration on f(x) = ``text`` from ``x0`` for ``steps`` steps, beside bisection on ``bracket``.

    Newton: x_{k+1} = x_k − f(x_k)/f′(x_k), f′ exact (SymPy; finite differences when SymPy cannot in time), run and
    named by core.roots. The correct digits −log₁₀(|x_k − x*| / max(|x*|, 1)) (at most 16) are counted against x*
    refined from the last iterate in 60-digit arithmetic. Bisection halves ``bracket`` = (a, b) ``steps`` times;
    an unusable bracket (a ≥ b, f undefined at an end, f(a)·f(b) > 0) is reported in ``bracket_problem``, not
    raised, so the Newton run still shows.

    Raises
    ------
    ExpressionError : ``text`` is not a formula in x.
    ParameterError : "x0" (not finite, or f not defined there), "steps" (outside 1 … MAX_STEPS).
    """
    _check(x0, steps)
    expression = parse(text, ("x",))
    slope, derivative, derivative_latex, note = _derivative(expression)
    run = roots.newton(expression.func, slope, x0, steps=steps)
    verdict = roots.classify(run)
    root, source = _newton_root(expression, derivative, run, verdict)
    digits = roots.correct_digits(run.points, root) if root is not None else None
    a, b = (float(v) for v in bracket)
    halving, problem = _bisection(expression, a, b, steps)
    bisection_root, bisection_note = (None, None) if halving is None else _bisection_root(
        expression, derivative, halving, root)
    window, curve_x = _view(run, root, bisection_root)
    curve_y = expression.func(curve_x)
    curve_y = np.where(np.isfinite(curve_y), curve_y, np.nan)
    shown = (run.points >= window[0]) & (run.points <= window[1])
    return NewtonStudy(
        expression=expression, derivative_latex=derivative_latex, x0=x0, steps=steps, bracket=(a, b), run=run,
        verdict=verdict, root=root, root_source=source, digits=digits, bisection=halving, bracket_problem=problem,
        bisection_root=bisection_root,
        bisection_digits=None if bisection_root is None else roots.correct_digits(halving.mids, bisection_root),
        bisection_note=bisection_note, window=window, y_range=_y_range(curve_y, run.values[shown]),
        curve_x=curve_x, curve_y=curve_y, notes=_notes(note, verdict, digits),
    )


# ------------------------------------------------------------------------------------------------ in words
def digits_text(x: float) -> str:
    """An iterate with at least TABLE_DIGITS significant digits and every digit its double holds (the shortest
    decimal that reads back as the same double): 2.1 → 2.10000000000, 2.0945514815423265 as it is."""
    if not math.isfinite(x):
        return "undefined" if math.isnan(x) else ("∞" if x > 0 else "−∞")
    if x == 0:
        return "0"
    if not 1e-4 <= abs(x) < 1e15:
        return np.format_float_scientific(x, unique=True, min_digits=TABLE_DIGITS - 1)
    before = max(0, int(math.floor(math.log10(abs(x)))) + 1)
    zeros = max(0, -int(math.floor(math.log10(abs(x)))) - 1)
    return np.format_float_positional(x, unique=True, min_digits=max(0, TABLE_DIGITS - before) + zeros)


def _value(v: float) -> str:
    """f at an iterate, three decimals in scientific notation, or in words where it is not a number."""
    return f"{v:.3e}" if math.isfinite(v) else digits_text(v)


def _count(digits: np.ndarray | None, j: int) -> str:
    if digits is None or not math.isfinite(digits[j]):
        return "—"
    return "16 (all)" if digits[j] >= MAX_DIGITS else f"{digits[j]:.1f}"


def _growth(digits: np.ndarray | None, j: int) -> str:
    """" (×1.97)": how many times the previous iterate's correct digits this one has (the doubling), while both are
    counted and the previous had room to grow; "" otherwise."""
    if digits is None or j == 0 or not 1 <= digits[j - 1] < MAX_DIGITS or not 0 <= digits[j] < MAX_DIGITS:
        return ""  # the first, one after fewer than one digit, or one at the cap (16 is all a double holds)
    return f" (×{digits[j] / digits[j - 1]:.2f})"


def newton_rows(study: NewtonStudy) -> list[dict[str, object]]:
    """Newton's table: k, x_k (≥ 12 significant digits), f(x_k), the step x_{k+1} − x_k, and the correct digits
    with their growth on the previous iterate's ("10.1 (×1.99)": they double)."""
    run, digits = study.run, study.digits
    moves = run.moves
    return [{"k": j, "xₖ": digits_text(x), "f(xₖ)": _value(run.values[j]),
             "step xₖ₊₁ − xₖ": f"{moves[j]:.3e}" if j < len(moves) else "",
             "correct digits": _count(digits, j) + _growth(digits, j)}
            for j, x in enumerate(run.points)]


def bisection_rows(study: NewtonStudy) -> list[dict[str, object]]:
    """Bisection's table: k, the midpoint m_k of the bracket [a_k, b_k] (≥ 12 significant digits), f(m_k), the
    bracket's width b_k − a_k and the midpoint's correct digits."""
    run, digits = study.bisection, study.bisection_digits
    if run is None:
        return []
    return [{"k": j, "mₖ": digits_text(m), "f(mₖ)": _value(v), "width bₖ − aₖ": f"{width:.3e}",
             "correct digits": _count(digits, j)}
            for j, (m, v, width) in enumerate(zip(run.mids, run.values, run.widths))]


def headline_latex(study: NewtonStudy) -> str:
    """f(x) and f′(x), and Newton's rule."""
    derivative = study.derivative_latex or r"\text{(by finite differences)}"
    return (rf"f(x) = {study.expression.latex} \qquad f'(x) = {derivative} \qquad "
            r"x_{k+1} = x_k - \frac{f(x_k)}{f'(x_k)}")


def first_step_latex(study: NewtonStudy) -> str | None:
    """Newton's first step with its numbers, or None when the run took no step."""
    run = study.run
    if run.steps == 0:
        return None
    return (rf"x_1 = x_0 - \frac{{f(x_0)}}{{f'(x_0)}} = {run.points[0]:.10g} - \frac{{{run.values[0]:.10g}}}"
            rf"{{{run.slopes[0]:.10g}}} = {run.points[1]:.15g}")


def alert_kind(verdict: Verdict) -> str:
    """How the page frames the verdict: "success" (converged at full speed), "info" (still converging) or "warning"
    (a failure mode, or slow linear convergence)."""
    return "warning" if verdict.failed else {"converged": "success", "not converged": "info"}[verdict.kind]


def story(text: str) -> str | None:
    """The story of the 1-D or 2-D preset whose formula is ``text`` exactly, else None."""
    return next((p.story for p in (*PRESETS, *PLANE_PRESETS) if p.formula == text.strip()), None)


def preset_settings(label: str | None) -> dict[str, object]:
    """The 1-D controls' values for the preset called ``label`` (f, x0, steps, a, b), or {} for none."""
    chosen = next((p for p in PRESETS if p.label == label), None)
    if chosen is None:
        return {}
    return {"f": chosen.formula, "x0": chosen.x0, "steps": chosen.steps, "a": chosen.bracket[0],
            "b": chosen.bracket[1]}


# ------------------------------------------------------------------------------------------------------- 2-D
def plane_settings(label: str | None) -> dict[str, object]:
    """The 2-D controls' values for the preset called ``label`` (g, x1, x2, lr), or {} for none."""
    chosen = next((p for p in PLANE_PRESETS if p.label == label), None)
    if chosen is None:
        return {}
    return {"g": chosen.formula, "x1": chosen.start[0], "x2": chosen.start[1], "lr": chosen.lr}


def study_plane(text: str, *, start: tuple[float, float], lr: float, steps: int) -> RaceStudy:
    """Newton's method (pure steps, lr = 1) and gradient descent at rate ``lr`` from ``start`` on f(x1, x2) =
    ``text``: the Optimizers page's race (core.optimizers_lab.study_race, steps capped by core.budget.RACE), drawn
    on a view fitted to the start, both paths and the known minima of a preset surface.

    Raises ExpressionError / ParameterError as study_race ("x1", "steps", "lr_gd", "f", …).
    """
    if not (isinstance(steps, (int, np.integer)) and 1 <= steps <= MAX_PLANE_STEPS):
        raise ParameterError("steps2", f"steps must be a whole number from 1 to {MAX_PLANE_STEPS:,}; got {steps!r}")
    surface = known_surface(text)
    x1, x2 = start
    provisional = Window(x1 - 1, x1 + 1, x2 - 1, x2 + 1) if math.isfinite(x1 + x2) else Window(-1, 1, -1, 1)
    race = study_race(text, start=start, window=provisional, runs=(Run("gd", lr), Run("newton", 1.0)), steps=steps,
                      minima=surface.minima if surface else (), minimum=surface.minimum if surface else None)
    must = np.array([start, *race.minima])
    least = np.full(2, LEAST_WIDTH * max(1.0, *np.abs(start)))
    low, high = _fit(must, [path.points for path in race.trajectories], least)
    window = Window(float(low[0]), float(high[0]), float(low[1]), float(high[1]))
    side = len(race.grid_x1)  # the race's own resolution for f's picture, now on the fitted view
    grid_x1, grid_x2 = np.linspace(low[0], high[0], side), np.linspace(low[1], high[1], side)
    grid_f = race.expression.func(*np.meshgrid(grid_x1, grid_x2))
    return dataclasses.replace(race, window=window, grid_x1=grid_x1, grid_x2=grid_x2, grid_f=grid_f)


def plane_latex(race: RaceStudy) -> str:
    """f(x1, x2) in LaTeX (Newton's step, with its numbers, is the page's step LaTeX below the figure)."""
    return rf"f(x_1, x_2) = {race.expression.latex}"


def plane_notes(race: RaceStudy) -> tuple[str, ...]:
    """What Newton's run in the 2-D race did that a student should know: the race's notes (H not positive definite,
    an uphill step) and where it stopped, if it did."""
    newton = race.trajectory("newton")
    stopped = (f"**Newton stopped at step {newton.diverged_at}**: {newton.reason}.",) if newton.reason else ()
    return newton.notes + stopped


def model_alert(detail: StepDetail) -> str:
    """How the page frames :func:`model_sentence`: "success" when H is positive definite, else "warning"."""
    return "success" if detail.eigenvalues[0] > 0 else "warning"


def model_sentence(detail: StepDetail) -> str:
    """What Newton's quadratic model q(d) = f + ∇f·d + ½dᵀHd is at x_{t−1}, from H's eigenvalues: a bowl (H positive
    definite: the step goes to its minimum), a saddle or a dome (not positive definite: the step heads for the
    model's saddle or maximum), or flat along an eigenvector (H singular: no Newton step)."""
    lam = detail.eigenvalues
    at = f"x{subscript(detail.t - 1)} = ({detail.before[0]:.4g}, {detail.before[1]:.4g})"
    values = ", ".join(number_text(float(v)) for v in lam)
    if lam[0] > 0:
        return (f"At {at}, H has eigenvalues ({values}), both positive: H is **positive definite**, the quadratic "
                "model is a bowl, and the Newton step jumps to the bottom of the bowl.")
    if lam[0] < 0 < lam[-1]:
        shape, target = "indefinite (one eigenvalue of each sign): the model is a saddle", "a saddle"
    elif lam[-1] < 0:
        shape, target = "negative definite: the model is a dome", "a maximum"
    else:
        return (f"At {at}, H has eigenvalues ({values}): H is **singular**, the model is flat along an eigenvector "
                "and has no single stationary point, so Newton's step is not defined.")
    return (f"At {at}, H has eigenvalues ({values}): **H is not positive definite** but {shape}. The Newton step goes "
            f"to the model's stationary point all the same (Newton solves ∇f = 0, whatever kind of point that is), so "
            f"here it heads for **{target}**, not a minimum.")
