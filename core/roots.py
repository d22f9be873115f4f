"""Roots of f(x) in one variable: Newton's iteration, bisection, what a run did, and how many digits it got right.

Newton's method follows the tangent at x_k to its zero::

    x_{k+1} = x_k − f(x_k) / f′(x_k)

Near a simple root (f′(x*) ≠ 0) the error is squared every step, e_{k+1} ≈ f″(x*)/(2f′(x*))·e_k², so the number of
correct digits roughly doubles; at a root of multiplicity m it only shrinks by the factor 1 − 1/m (linearly). Away from
a root it can fail: a flat tangent (f′(x_k) = 0) has no zero, the iterates can cycle or grow without bound, or a
step can leave f's domain. :func:`newton` runs the iteration in double precision and stops at the first of these;
:func:`classify` names what happened from the iterates alone (observed step ratios, repeats, growth).

Bisection keeps a bracket [a_k, b_k] with f(a_k)·f(b_k) ≤ 0 and halves it every step: slow (one binary digit a
step, log₁₀2 ≈ 0.3 decimal digits) but certain for a continuous f.

"Correct digits" need the root x* to more digits than double precision: :func:`refine` continues Newton's iteration
in SymPy's arbitrary-precision arithmetic (REFINE_DIGITS significant digits, under a CPU time bound) from a double
iterate, and :func:`correct_digits` measures −log₁₀(|x_k − x*| / max(|x*|, 1)) in that precision (relative digits
for |x*| ≥ 1, decimal places below), capped at MAX_DIGITS.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from core.errors import ParameterError
from core.expressions import time_limit
from core.glyphs import subscript, superscript

__all__ = [
    "BOUND",
    "MAX_DIGITS",
    "MAX_STEPS",
    "REFINE_DIGITS",
    "REFINE_SECONDS",
    "Bisection",
    "NewtonRun",
    "Rate",
    "Verdict",
    "bisection",
    "classify",
    "correct_digits",
    "newton",
    "observed_rate",
    "number_text",
    "refine",
    "subscript",
]

MAX_STEPS = 100  # Newton or bisection steps per run: 100 of either cost a few milliseconds
BOUND = 1e10  # |x_k| beyond this: the iteration diverges (Newton on atan x from 1.5 passes it at step 7)
STILL = 4 * np.finfo(float).eps  # a step this small relative to |x_k|: x_{k+1} is x_k to rounding, stop
NOISE = 1e-13  # steps below this (relative to max(1, |x|)) are rounding noise: no rate is read from them
CONVERGED = 1e-13  # the predicted error of the last iterate below this (relative to max(1, |x|)): converged
CYCLE = 1e-9  # x_k within this (relative to max(1, |x|)) of an earlier x_{k−p}, p ≥ 2, and far from still: a cycle
MAX_PERIOD = 8
QUADRATIC = 1.6  # an observed order of convergence at least this: quadratic (Newton at a simple root: 2)
CUBIC = 2.5  # … and at least this: cubic (f″(x*) = 0 at the root, as for sin x at 0)
STEADY = 0.1  # two successive step ratios within 10 % of each other: a steady (linear) rate
MAX_DIGITS = 16  # double precision holds about 16 significant digits
REFINE_DIGITS = 60  # the reference root's working precision, far beyond double (cancellation near a multiple root
#                     costs digits: at a double root f is evaluated to ~60 digits, x* to ~30)
REFINE_TARGET = 1e-24  # a high-precision Newton step this small (relative to max(1, |x|)): x* is known to ~24 digits
REFINE_STEPS = 100  # high-precision steps at most (quadratic from a double iterate: a handful; linear: dozens)
REFINE_SECONDS = 0.25  # CPU bound on the refinement (SymPy evaluations); past it the page says so


# ------------------------------------------------------------------------------------------------------ Newton
@dataclass(frozen=True)
class NewtonRun:
    """Newton's iterates from x0.

    Attributes
    ----------
    points : (k + 1,) x_0 … x_k, every iterate (k = the steps taken).
    values : (k + 1,) f(x_j).
    slopes : (k + 1,) f′(x_j) (nan where f′ is not defined).
    stop : why the run ended: "steps" (all steps taken), "root" (f(x_k) = 0 exactly), "still" (the step rounded to
        nothing), "zero derivative", "no derivative" (f′(x_k) not finite), "overflow" (f(x_k)/f′(x_k) overflowed),
        "bound" (|x_k| > BOUND), "domain" (f(x_k) is nan: outside f's domain), "infinite" (f(x_k) = ±∞).
    """

    points: np.ndarray
    values: np.ndarray
    slopes: np.ndarray
    stop: str

    @property
    def steps(self) -> int:
        return len(self.points) - 1

    @property
    def moves(self) -> np.ndarray:
        """(k,) the steps x_{j+1} − x_j."""
        return np.diff(self.points)


def _scalar(func: Callable, x: float) -> float:
    return float(np.asarray(func(np.float64(x)), dtype=float))


def newton(f: Callable, df: Callable, x0: float, *, steps: int) -> NewtonRun:
    """Newton's iteration x_{k+1} = x_k − f(x_k)/f′(x_k) from ``x0`` for at most ``steps`` steps (1 … MAX_STEPS), in
    double precision, stopping at the first step that cannot be taken or leaves the numbers (see NewtonRun.stop).

    ``f`` and ``df`` map a float (a 0-d array) to f(x) and f′(x). Nothing is clipped: a run that diverges ends at
    its first iterate past BOUND.

    Raises ParameterError("x0") when f(x0) is not a finite number, ParameterError("steps") for steps out of range.
    """
    _check_start(f, x0, steps)
    points, values, slopes = [float(x0)], [_scalar(f, x0)], [_scalar(df, x0)]
    stop = "steps"
    with np.errstate(all="ignore"):  # an overflowing step is detected below and named
        for _ in range(steps):
            stop = _blocked(values[-1], slopes[-1])
            if stop:
                break
            x = float(np.float64(points[-1]) - np.float64(values[-1]) / np.float64(slopes[-1]))
            if not math.isfinite(x):
                stop = "overflow"
                break
            points.append(x)
            values.append(_scalar(f, x))
            slopes.append(_scalar(df, x))
            stop = _landed(x, points[-2], values[-1]) or "steps"
            if stop != "steps":
                break
    if stop == "steps" and values[-1] == 0:
        stop = "root"
    return NewtonRun(np.array(points), np.array(values), np.array(slopes), stop)


def _check_steps(steps: int) -> None:
    if not (isinstance(steps, (int, np.integer)) and 1 <= steps <= MAX_STEPS):
        raise ParameterError("steps", f"steps must be a whole number from 1 to {MAX_STEPS}; got {steps!r}")


def _check_start(f: Callable, x0: float, steps: int) -> None:
    """The one validator of :func:`newton`."""
    _check_steps(steps)
    if not math.isfinite(x0):
        raise ParameterError("x0", f"x0 must be a finite number; got {x0!r}")
    value = _scalar(f, x0)
    if not math.isfinite(value):
        raise ParameterError("x0", f"f is not defined at x0 = {x0:g} (f(x0) = {value}); start inside its domain")


def _blocked(value: float, slope: float) -> str:
    """Why no step can be taken from a point with f = ``value``, f′ = ``slope`` ("" when one can)."""
    if value == 0:
        return "root"
    if not math.isfinite(slope):
        return "no derivative"
    return "zero derivative" if slope == 0 else ""


def _landed(x: float, previous: float, value: float) -> str:
    """Why the run stops at the new iterate ``x`` ("" when it goes on)."""
    if abs(x) > BOUND:
        return "bound"
    if math.isnan(value):
        return "domain"
    if math.isinf(value):
        return "infinite"
    return "still" if abs(x - previous) <= STILL * abs(x) else ""


# ------------------------------------------------------------------------------------------------ the verdict
@dataclass(frozen=True)
class Rate:
    """How the steps shrink at the end of a run.

    Attributes
    ----------
    kind : "quadratic" (observed order ≥ QUADRATIC), "linear" (a steady ratio < 1), "growing" (the last steps grow)
        or None (too few clean steps to tell).
    order : the last observed order q = log(s_{k+1}/s_k) / log(s_k/s_{k−1}) of the step lengths s, or None.
    ratio : the last ratio s_{k+1}/s_k, or None.
    predicted : the predicted size of the next step, the error left in the last iterate (C·s² for quadratic,
        s·c/(1 − c) for linear, s otherwise), or None without steps.
    """

    kind: str | None
    order: float | None
    ratio: float | None
    predicted: float | None

    @property
    def multiplicity(self) -> int | None:
        """At a root of multiplicity m Newton's error shrinks by c = 1 − 1/m a step: m ≈ 1/(1 − c)."""
        if self.kind != "linear" or self.ratio is None or not 0 < self.ratio < 1:
            return None
        return max(2, round(1 / (1 - self.ratio)))


def observed_rate(points: np.ndarray) -> Rate:
    """The rate of convergence read from the step lengths s_j = |x_{j+1} − x_j| (j < k) of a run ``points`` (k + 1,),
    ignoring steps at rounding level (< NOISE·max(1, |x_k|)): the last order q over three clean successive steps, the
    last ratio over two, and the error left in the last iterate."""
    moves = np.abs(np.diff(points))
    if moves.size == 0 or not np.isfinite(moves).all():
        return Rate(None, None, None, None)
    last = float(moves[-1])
    tail = _trailing_clean(moves, NOISE * max(1.0, abs(float(points[-1]))))
    if tail.size < 2:
        return Rate(None, None, None, last)
    ratios = tail[1:] / tail[:-1]
    ratio = float(ratios[-1])
    order = float(math.log(ratios[-1]) / math.log(ratios[-2])) if tail.size >= 3 and ratios[-2:].max() < 1 else None
    ends_clean = tail[-1] == last  # else the run ended with a step at rounding level: nothing is left to predict
    if order is not None and order >= QUADRATIC:
        predicted = float(tail[-1] / tail[-2] ** order * tail[-1] ** order)  # s_{k+1} ≈ C·s_k^q, C = s_k/s_{k−1}^q
        return Rate("quadratic", order, ratio, predicted if ends_clean else last)
    if ratios.size >= 2 and ratio < 1 and abs(ratios[-1] - ratios[-2]) <= STEADY * ratios[-2]:
        predicted = float(tail[-1] * ratio / (1 - ratio))  # the geometric remainder s·(c + c² + …)
        return Rate("linear", order, ratio, predicted if ends_clean else last)
    if ratios.size >= 2 and ratios[-2:].min() > 1:
        return Rate("growing", order, ratio, last)
    return Rate(None, order, ratio, last)


def _trailing_clean(moves: np.ndarray, noise: float) -> np.ndarray:
    """The clean steps that end the run: the last stretch of steps above ``noise`` (a final step at rounding level,
    which ends a converged run, is dropped first); at most four."""
    end = len(moves)
    while end > 0 and moves[end - 1] <= noise:
        end -= 1
    start = end
    while start > 0 and moves[start - 1] > noise and end - start < 4:
        start -= 1
    return moves[start:end]


@dataclass(frozen=True)
class Verdict:
    """What a Newton run did, in words.

    Attributes
    ----------
    kind : "converged", "cycle", "diverges", "zero derivative", "no derivative", "left the domain" or
        "not converged".
    rate : the observed :class:`Rate`.
    at : the step where it happened (the cycle closed, |x| passed the bound, f′ vanished, …), or None.
    period : a cycle's length (x_at = x_{at − period}), else None.
    title : a short name for it ("Cycle of period 2", "Newton diverges", …).
    sentence : what happened and why, with the numbers (Markdown).
    """

    kind: str
    rate: Rate
    at: int | None
    period: int | None
    title: str
    sentence: str

    @property
    def failed(self) -> bool:
        return self.kind not in ("converged", "not converged") or self.rate.kind == "linear"


def _cycle(points: np.ndarray) -> tuple[int, int] | None:
    """(k, p): the first iterate x_k that repeats x_{k−p} (2 ≤ p ≤ MAX_PERIOD) to CYCLE while the iterates in
    between move by more than that, or None."""
    for k in range(2, len(points)):
        scale = CYCLE * max(1.0, abs(points[k]))
        for p in range(2, min(k, MAX_PERIOD) + 1):
            loop = points[k - p: k + 1]
            if abs(points[k] - points[k - p]) <= scale and np.max(np.abs(np.diff(loop))) > 1e3 * scale:
                return k, p
    return None


def _x(k: int) -> str:
    return f"x{subscript(k)}"


def _steps(k: int) -> str:
    return f"{k} step" if k == 1 else f"{k} steps"


def number_text(value: float) -> str:
    """A number for a sentence: six significant digits, large and tiny ones as 2.383·10¹³."""
    if value == 0 or not math.isfinite(value) or 1e-4 <= abs(value) < 1e6:
        return f"{value:.6g}"
    mantissa, exponent = f"{value:.3e}".split("e")
    mantissa, power = mantissa.rstrip("0").rstrip("."), f"10{superscript(int(exponent))}"
    return power if mantissa == "1" else f"{mantissa}·{power}"


def _runaway(run: NewtonRun) -> str:
    """How a diverging run left: past the bound, an overflowing step, or an infinite f."""
    k, x = run.steps, float(run.points[-1])
    if run.stop == "overflow":
        return (f"the step −f/f′ from {_x(k)} = {number_text(x)} overflowed: f′({_x(k)}) = "
                f"{number_text(run.slopes[-1])}, a nearly flat tangent whose zero lies beyond the largest number.")
    if run.stop == "infinite":
        return (f"the tangent at {_x(k - 1)} sent the iterate to {_x(k)} = {number_text(x)}, where f overflows to "
                "infinity.")
    shown = ", ".join(f"{_x(j)} = {number_text(v)}" for j, v in enumerate(run.points[:4]))
    swings = np.sign(run.moves[-3:])
    alternating = len(swings) == 3 and (swings[1:] != swings[:-1]).all()
    growing = " The swings alternate in sign and grow." if alternating else ""
    return (f"|{_x(k)}| = {number_text(abs(x))} passed {number_text(BOUND)} at step {k} ({shown}, …): each tangent "
            f"lands farther out than the last, so the iterates run away instead of closing in on a root.{growing}")


def _failure(run: NewtonRun, rate: Rate) -> Verdict | None:
    k, x = run.steps, run.points[-1]
    fx = run.values[-1]
    if run.stop == "zero derivative":
        return Verdict("zero derivative", rate, k, None, f"Zero derivative at {_x(k)}",
                       f"**Zero derivative**: f′({_x(k)}) = 0 at {_x(k)} = {x:.12g} (f there is {fx:.6g}). The tangent "
                       f"is flat and never meets the x-axis, so Newton's step −f/f′ does not exist and the method "
                       f"stops. Start somewhere else.")
    if run.stop == "no derivative":
        return Verdict("no derivative", rate, k, None, f"No tangent at {_x(k)}",
                       f"**No derivative**: f′ is not defined at {_x(k)} = {x:.12g}, so there is no tangent to follow.")
    if run.stop in ("bound", "overflow", "infinite"):
        return Verdict("diverges", rate, k, None, "Newton diverges", f"**Newton diverges**: {_runaway(run)}")
    if run.stop == "domain":
        return Verdict("left the domain", rate, k, None, f"Left f's domain at {_x(k)}",
                       f"**Left f's domain**: the tangent at {_x(k - 1)} = {run.points[-2]:.8g} meets the x-axis at "
                       f"{_x(k)} = {x:.8g}, where f is not a real number, so the iteration cannot go on.")
    return None


def classify(run: NewtonRun) -> Verdict:
    """Name what a Newton run did, from its iterates: a failure at its stop (zero derivative, divergence, leaving
    f's domain), a cycle (an iterate repeating one p ≥ 2 steps back), convergence (f hit 0 exactly, the steps
    rounded to nothing, or the observed rate predicts an error below CONVERGED in the last iterate) — quadratic or
    linear by the observed step ratios — or not converged within its steps."""
    rate = observed_rate(run.points)
    failure = _failure(run, rate)
    if failure is not None:
        return failure
    cycle = _cycle(run.points)
    if cycle is not None:
        k, p = cycle
        loop = " → ".join(f"{v:.6g}" for v in run.points[k - p: k + 1])
        return Verdict("cycle", rate, k, p, f"Cycle of period {p}",
                       f"**A cycle** of period {p}: {_x(k)} = {_x(k - p)}, so Newton repeats {loop} → … forever and "
                       "never reaches a root. The tangents at these points send each one to the next. Start "
                       "elsewhere, or use a bracketing method such as bisection.")
    x = float(run.points[-1])
    scale = max(1.0, abs(x))
    done = run.stop in ("root", "still") or (rate.predicted is not None and rate.predicted <= CONVERGED * scale)
    return _converging(run, rate, done)


def _converging(run: NewtonRun, rate: Rate, done: bool) -> Verdict:
    k, x = run.steps, float(run.points[-1])
    if rate.kind == "linear":
        how = f"in {_steps(k)}" if done else f"and has not converged in {_steps(k)}"
        return Verdict("converged" if done else "not converged", rate, None, None,
                       "Slow: linear convergence at a multiple root",
                       f"**Slow, linear convergence** {how}: each step shrinks the error only by the factor "
                       f"≈ {rate.ratio:.3f} instead of squaring it. That is the sign of a **multiple root** (f and f′ "
                       f"both vanish there): at a root of multiplicity m Newton's error shrinks by 1 − 1/m a step, "
                       f"so m ≈ {rate.multiplicity}. Newton's quadratic speed needs f′(x*) ≠ 0.")
    if not done:
        trend = {"quadratic": " The steps are shrinking quadratically: a few more steps will do.",
                 "growing": " The steps are growing: the iterates are moving away."}.get(rate.kind or "", "")
        return Verdict("not converged", rate, None, None, f"Not converged in {_steps(k)}",
                       f"**Not converged** within {_steps(k)}: the last step moved x by "
                       f"{number_text(abs(run.moves[-1]))}." + trend)
    exact = " (f is exactly 0 there)" if run.values[-1] == 0 else ""
    if rate.kind == "quadratic" and rate.order < CUBIC:
        return Verdict("converged", rate, None, None, "Converged quadratically",
                       f"**Converged quadratically** to {x:.15g}{exact} in {_steps(k)}: each step is about a constant "
                       f"times the previous one squared (observed order {rate.order:.2f}), so the number of correct "
                       "digits roughly **doubles** every step.")
    if rate.kind == "quadratic":
        return Verdict("converged", rate, None, None, f"Converged with order ≈ {rate.order:.0f}",
                       f"**Converged** to {x:.15g}{exact} in {_steps(k)}, faster than quadratically (observed order "
                       f"{rate.order:.2f}): f″ vanishes at this root, so the error is cubed rather than squared each "
                       "step and the correct digits roughly triple.")
    return Verdict("converged", rate, None, None, f"Converged in {_steps(k)}",
                   f"**Converged** to {x:.15g}{exact} in {_steps(k)} (too few clean steps to read the rate from).")


# --------------------------------------------------------------------------------------------------- bisection
@dataclass(frozen=True)
class Bisection:
    """Bisection's brackets and midpoints.

    Attributes
    ----------
    lows, highs : (k + 1,) the bracket [a_j, b_j] after j halvings (a_0 = a, b_0 = b), f(a_j)·f(b_j) ≤ 0.
    mids : (k + 1,) m_j = a_j + (b_j − a_j)/2, the estimate after j halvings; values : (k + 1,) f(m_j).
    stop : "steps", "root" (f(m_j) = 0: the bracket closes on m_j), "width" (no double lies strictly inside the
        bracket any more) or "undefined" (f(m_j) is not a number: f is not continuous on the bracket).
    """

    lows: np.ndarray
    highs: np.ndarray
    mids: np.ndarray
    values: np.ndarray
    stop: str

    @property
    def steps(self) -> int:
        return len(self.mids) - 1

    @property
    def widths(self) -> np.ndarray:
        return self.highs - self.lows


def _check_bracket(f: Callable, a: float, b: float, steps: int) -> tuple[float, float]:
    """The one validator of :func:`bisection`; returns f(a), f(b)."""
    _check_steps(steps)
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ParameterError("a", f"the bracket's ends must be finite numbers; got a = {a!r}, b = {b!r}")
    if not a < b:
        raise ParameterError("b", f"the bracket needs a < b; got a = {a:g}, b = {b:g}")
    fa, fb = _scalar(f, a), _scalar(f, b)
    for name, end, value in (("a", a, fa), ("b", b, fb)):
        if not math.isfinite(value):
            raise ParameterError(name, f"f is not defined at {name} = {end:g} (f({name}) = {value}); bisection needs "
                                       "f on the whole bracket")
    if np.sign(fa) * np.sign(fb) > 0:
        raise ParameterError("a", f"f(a) = {fa:.4g} and f(b) = {fb:.4g} have the same sign (f(a)·f(b) > 0), so the "
                                  f"bracket [{a:g}, {b:g}] holds no sign change for bisection to close in on (an even "
                                  "number of roots, or none; a double root such as x² at 0 never changes sign)")
    return fa, fb


def bisection(f: Callable, a: float, b: float, *, steps: int) -> Bisection:
    """Bisection on [a, b] for ``steps`` halvings (1 … MAX_STEPS): keep the half whose ends' values differ in sign.

    Raises ParameterError naming "a" or "b" when the bracket is not a < b, f is not defined at an end, or
    f(a)·f(b) > 0 (no sign change to bracket); "steps" when out of range.
    """
    low_value, _ = _check_bracket(f, a, b, steps)
    lows, highs, mids, values = [float(a)], [float(b)], [], []
    low, high, stop = float(a), float(b), "steps"
    for k in range(steps + 1):
        mid = low + (high - low) / 2
        value = _scalar(f, mid)
        mids.append(mid)
        values.append(value)
        if k == steps:
            break
        if not math.isfinite(value):
            stop = "undefined"
        elif value == 0:
            stop, low, high = "root", mid, mid
        elif not low < mid < high:
            stop = "width"
        elif np.sign(value) == np.sign(low_value):
            low, low_value = mid, value
        else:
            high = mid
        if stop != "steps":
            break
        lows.append(low)
        highs.append(high)
    if stop == "root":
        lows.append(low)
        highs.append(high)
        mids.append(low)
        values.append(0.0)
    return Bisection(np.array(lows), np.array(highs), np.array(mids), np.array(values), stop)


# ------------------------------------------------------------------------------------------ digits and the root
def _at(expression: sp.Expr, symbol: sp.Symbol, x: mpmath.mpf) -> mpmath.mpf | None:
    """f(x) evaluated by SymPy to REFINE_DIGITS digits, as an mpmath number; None where it is not a real number."""
    value = expression.xreplace({symbol: sp.Float(x, REFINE_DIGITS)}).evalf(REFINE_DIGITS)
    if value.is_zero:
        return mpmath.mpf(0)
    return mpmath.mpf(value) if isinstance(value, sp.Float) and value.is_finite else None


def refine(expression: sp.Expr, derivative: sp.Expr, symbol: sp.Symbol, start: float, *, multiplicity: int = 1,
           seconds: float = REFINE_SECONDS) -> mpmath.mpf | None:
    """A root of f to ~24 digits or more: Newton's iteration x ← x − m·f(x)/f′(x) in REFINE_DIGITS-digit arithmetic
    (SymPy's evalf of the exact ``expression`` and ``derivative`` in ``symbol``) from the double ``start``, m the
    ``multiplicity`` (m > 1 restores quadratic convergence at a root of that multiplicity; a steady linear rate on
    the way raises it, see _multiplicity), until a step is below REFINE_TARGET·max(1, |x|). Returns None when it
    does not get there in REFINE_STEPS steps (no root near ``start``, f not real there).

    Raises core.expressions.ExpressionError when it takes more than ``seconds`` of CPU.
    """
    with time_limit(seconds, what="Pinning down the root to 24 digits"), mpmath.workdps(REFINE_DIGITS):
        x, m, ratios, previous = mpmath.mpf(float(start)), multiplicity, [], None
        for _ in range(REFINE_STEPS):
            value = _at(expression, symbol, x)
            if value is not None and value == 0:
                return x
            slope = _at(derivative, symbol, x)
            if value is None or slope is None or slope == 0:
                return None
            step = m * value / slope
            x = x - step
            if abs(step) <= REFINE_TARGET * max(1, abs(x)):
                return x
            if previous is not None:
                ratios.append(float(abs(step) / previous))
                m, ratios = _multiplicity(m, ratios)
            previous = abs(step)
    return None


def _multiplicity(m: int, ratios: list[float]) -> tuple[int, list[float]]:
    """A new multiplicity for the refinement when its last two step ratios c agree (within STEADY) between 0.2 and
    0.95: x ← x − m·f/f′ at a root of multiplicity M shrinks the error by c = 1 − m/M a step, so M = m/(1 − c).
    Returns the multiplicity to use and the ratios to keep (none after a change)."""
    if len(ratios) >= 2 and 0.2 < ratios[-1] < 0.95 and abs(ratios[-1] - ratios[-2]) <= STEADY * ratios[-2]:
        better = max(1, round(m / (1 - ratios[-1])))
        if better != m:
            return better, []
    return m, ratios[-2:]


def correct_digits(points: np.ndarray, root: mpmath.mpf) -> np.ndarray:
    """(k + 1,) the correct digits of each double ``points[j]`` against ``root``: −log₁₀(|x_j − x*| / max(|x*|, 1)),
    the error taken in REFINE_DIGITS-digit arithmetic, between 0 and MAX_DIGITS (an iterate equal to x* to the
    digits of double precision counts MAX_DIGITS; nan for an iterate that is not finite)."""
    digits = []
    with mpmath.workdps(REFINE_DIGITS):
        scale = max(mpmath.mpf(1), abs(root))
        for x in points:
            if not math.isfinite(x):
                digits.append(math.nan)
                continue
            error = abs(mpmath.mpf(float(x)) - root) / scale
            digits.append(MAX_DIGITS if error == 0 else min(MAX_DIGITS, max(0.0, float(-mpmath.log10(error)))))
    return np.array(digits, dtype=float)
