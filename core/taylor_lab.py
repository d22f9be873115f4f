"""Everything the Taylor page shows: f's Taylor polynomials of every order up to n around x0 (coefficients from
SymPy's exact derivatives, evaluated in NumPy), the remainder |f − Pₙ| against the distance |x − x0| with its slope
n + 1 and the rounding floor, the radius of convergence (the distance from x0 to f's nearest singular point in the
complex plane) and the polynomial following x0 as it slides along the curve.

Two entry points, so that moving x0 never differentiates again: :func:`taylor_series` (the symbolic part: the
derivatives and the singular points, which do not depend on x0) and :func:`study_taylor` (the numbers at x0).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from core.errors import ParameterError
from core.expressions import Expression, ExpressionError, NumpyFunction, parse, time_limit
from core.glyphs import subscript, superscript
from core.symbolic import MATRIX_SECONDS

__all__ = [
    "CURVE_POINTS",
    "FRAMES",
    "MAX_ORDER",
    "PRESETS",
    "Family",
    "Note",
    "Radius",
    "Singularities",
    "Singularity",
    "SlideFrame",
    "TaylorPreset",
    "TaylorSeries",
    "TaylorStudy",
    "coefficient_rows",
    "exact",
    "polynomial_latex",
    "preset_settings",
    "radius_sentences",
    "readouts",
    "remainder_sentence",
    "study_taylor",
    "subscript",
    "superscript",
    "taylor_series",
]

MAX_ORDER = 12  # the order slider's top
LOOKAHEAD = 2  # derivatives beyond n + 1, taken when time allows: the remainder's leading term when c_{n+1} = 0
CURVE_POINTS = 250  # samples of f and of every polynomial across the plot range (smooth at 1440 px wide)
FRAMES = 37  # positions of x0 in the sliding animation across the plot range (plus x0): the figure stays < 300 KB
REMAINDER_POINTS = 121  # distances |x − x0| of the remainder plot, log-spaced
REMAINDER_DECADES = 5  # from the farthest distance in the plot range down this many decades
# SymPy's share of a rerun is the existing bound on a whole set of derivatives, core.symbolic.MATRIX_SECONDS (0.7 s
# of CPU), split three ways:
DERIVATIVE_SECONDS = 0.45  # the chain f′, f″, … f⁽ⁿ⁺¹⁾ (cold SymPy: 13 steps of 1/(1+x²) take ≈ 0.3 s)
CHECK_SECONDS = 0.1  # removability checks of the nearest singular points, at x0 first, then as x0 slides
SINGULAR_SECONDS = MATRIX_SECONDS - DERIVATIVE_SECONDS - CHECK_SECONDS  # where each part of f fails, solved
STEP_GROWTH = 1.5  # a step is not started when the last one's time × this would pass the deadline (steps grow)
LOOKAHEAD_SHARE = 0.75  # the LOOKAHEAD derivatives are only begun within this share of DERIVATIVE_SECONDS
EPS = float(np.finfo(float).eps)
ZERO_DERIVATIVE = 1e-12  # relative: a derivative this much below the largest before it is an exact zero's rounding
FLOOR_MARGIN = 100  # the remainder is truncation, not rounding, where it stands this far above the rounding floor
FIT_REACH = 0.1  # the slope is fitted where |x − x0| ≤ this × |c_m / c_{m+1}| (the leading term dominates by 10×)
FIT_MIN_POINTS = 4
FAMILY_MEMBERS = 3  # members of a periodic family of singular points looked at on each side of the nearest one
ENUMERATED_MEMBERS = 40  # n = −40 … 40 for a family SymPy gives in a non-linear form (e.g. the roots of cos(x²))
MAX_CHECKS = 24  # removability checks per study (each a handful of SymPy evaluations, ~5 ms)
CHECK_RADII = (1e-3, 1e-6)  # a pole candidate s is probed at s + r·u, u ∈ {1, i, −1, −i}
POLE_GROWTH = 10.0  # |f| growing by more than this from the outer to the inner probe: a genuine singular point
SAME_DISTANCE = 1e-9  # relative: singular points at the same distance from x0 (a conjugate pair) are named together
ESTIMATE_AGREES = 3.0  # the coefficients' estimate within this factor of R agrees with it
REAL = 1e-12  # |Im s| below this: a singular point on the real line (drawn on the figure)

_Z = sp.Symbol("z")  # the complex variable the singular points are sought in (a fixed name, never from user text)
_X = sp.Symbol("x")  # how the parts of f are named in the sentences


@dataclass(frozen=True)
class TaylorPreset:
    """A one-click example: the formula, a point and a plot range that show its polynomials well."""

    label: str
    formula: str
    x0: float
    x_range: tuple[float, float]


PRESETS = (
    TaylorPreset("eˣ", "e^x", 0.0, (-3.0, 3.0)),
    TaylorPreset("sin x", "sin(x)", 0.0, (-7.0, 7.0)),
    TaylorPreset("ln x", "ln(x)", 1.0, (-0.5, 3.0)),
    TaylorPreset("1/(1−x)", "1/(1-x)", 0.0, (-2.0, 2.0)),
    TaylorPreset("√x", "sqrt(x)", 1.0, (-0.5, 4.0)),
    TaylorPreset("Tutorial: (x+2)(x−6)", "(x+2)(x-6)", 5.0, (-8.0, 12.0)),
    TaylorPreset("1/(1+x²)", "1/(1+x^2)", 0.0, (-3.0, 3.0)),
)


# ------------------------------------------------------------------------------------------ singular points
@dataclass(frozen=True)
class Singularity:
    """A point of the complex plane where a part of f may fail to be analytic.

    ``kind`` is "pole" (a zero of a denominator, or of cos under tan: checked for removability, as sin(x)/x at 0 is
    removable) or "branch" (where a logarithm, a root, atan, asin or acos has its branch point). ``source``: the part
    of f it comes from, in LaTeX.
    """

    point: complex
    kind: str
    source: str


@dataclass(frozen=True)
class Family:
    """Singular points base + step·k for every integer k (the poles of tan x: π/2 + kπ), of one ``kind``."""

    base: complex
    step: complex
    kind: str
    source: str

    def near(self, x0: float, *, each_side: int = FAMILY_MEMBERS) -> list[Singularity]:
        """The members nearest x0: the closest k and ``each_side`` more on either side, as :class:`Singularity`."""
        centre = round(((x0 - self.base) * self.step.conjugate()).real / abs(self.step) ** 2)
        return [Singularity(self.base + self.step * k, self.kind, self.source)
                for k in range(centre - each_side, centre + each_side + 1)]


@dataclass(frozen=True)
class Singularities:
    """Where f may fail to be analytic in the complex plane: isolated ``points`` and periodic ``families``.

    ``unknown`` says why the set could not be determined (a part such as |x| with no analytic extension, an equation
    SymPy could not solve, or time ran out); ``polynomial`` is true when f is a polynomial.
    """

    points: tuple[Singularity, ...]
    families: tuple[Family, ...]
    unknown: str | None
    polynomial: bool

    def candidates(self, x0: float) -> list[Singularity]:
        """Every isolated point and the family members near x0, nearest first."""
        found = list(self.points) + [s for family in self.families for s in family.near(x0)]
        return sorted(found, key=lambda s: abs(s.point - x0))


class _Unknown(Exception):
    """A part of f whose singular points cannot be found (the message says which and why)."""


def _complex(value: sp.Expr) -> complex:
    number = complex(sp.N(value))
    if not (math.isfinite(number.real) and math.isfinite(number.imag)):
        raise _Unknown("a singular point is not a finite number")
    return number


def _linear(expr: sp.Expr, z: sp.Symbol) -> tuple[complex, complex] | None:
    """(a, b) when expr = a·z + b with a ≠ 0, else None."""
    if not expr.is_polynomial(z) or sp.degree(expr, z) != 1:
        return None
    poly = sp.Poly(expr, z)
    a, b = poly.all_coeffs()
    return _complex(a), _complex(b)


def _roots(expr: sp.Expr, z: sp.Symbol) -> list[complex] | None:
    """The zeros of a polynomial in z, numerically (NumPy's companion matrix); None when expr is not a polynomial."""
    if not expr.is_polynomial(z):
        return None
    coefficients = [_complex(c) for c in sp.Poly(expr, z).all_coeffs()]
    if len(coefficients) == 1:  # a constant: zero nowhere (or everywhere, which parse's checks have ruled out)
        return []
    return [complex(r) for r in np.roots(coefficients)]


def _solved(found: sp.Set, kind: str, source: str) -> tuple[list[Singularity], list[Family]]:
    """SymPy's solution set of an equation as points and families, or _Unknown when it has another form."""
    if found is sp.S.EmptySet:
        return [], []
    if isinstance(found, sp.FiniteSet):
        return [Singularity(_complex(p), kind, source) for p in found], []
    if isinstance(found, sp.Union):
        points, families = [], []
        for part in found.args:
            more_points, more_families = _solved(part, kind, source)
            points += more_points
            families += more_families
        return points, families
    if isinstance(found, sp.ImageSet) and found.base_sets == (sp.S.Integers,):
        (k,), image = found.lamda.variables, found.lamda.expr
        line = _linear(image, k)
        if line is not None:
            return [], [Family(line[1], line[0], kind, source)]
        return [Singularity(_complex(image.subs(k, n)), kind, source)
                for n in range(-ENUMERATED_MEMBERS, ENUMERATED_MEMBERS + 1)], []
    raise _Unknown(f"SymPy cannot solve where ${source}$ fails (it leaves a {type(found).__name__})")


# the zeros of cos, sin and cosh: first + k·period
_PERIODIC_ZEROS = {sp.cos: (math.pi / 2, math.pi), sp.sin: (0.0, math.pi), sp.cosh: (0.5j * math.pi, 1j * math.pi)}


def _zeros(expr: sp.Expr, z: sp.Symbol, kind: str, source: str) -> tuple[list[Singularity], list[Family]]:
    """Where expr(z) = 0: cos, sin or cosh of a·z + b by their known zeros, a polynomial numerically, anything else
    by SymPy's solveset over the complex numbers."""
    if type(expr) in _PERIODIC_ZEROS:
        line = _linear(expr.args[0], z)
        if line is not None:
            (a, b), (first, period) = line, _PERIODIC_ZEROS[type(expr)]
            return [], [Family((first - b) / a, period / a, kind, source)]
    roots = _roots(expr, z)
    if roots is not None:
        return [Singularity(r, kind, source) for r in roots], []
    return _solved(sp.solveset(expr, z, domain=sp.S.Complexes), kind, source)


# where a function of the argument a fails: (the expression in a that vanishes there, kind)
_FAILS_WHERE: dict[type, Callable[[sp.Expr], tuple[tuple[sp.Expr, str], ...]]] = {
    sp.log: lambda a: ((a, "branch"),),
    sp.tan: lambda a: ((sp.cos(a), "pole"),), sp.sec: lambda a: ((sp.cos(a), "pole"),),
    sp.cot: lambda a: ((sp.sin(a), "pole"),), sp.csc: lambda a: ((sp.sin(a), "pole"),),
    sp.tanh: lambda a: ((sp.cosh(a), "pole"),),
    sp.atan: lambda a: ((a - sp.I, "branch"), (a + sp.I, "branch")),
    sp.asin: lambda a: ((a - 1, "branch"), (a + 1, "branch")),
    sp.acos: lambda a: ((a - 1, "branch"), (a + 1, "branch")),
}
_ENTIRE = (sp.exp, sp.sin, sp.cos, sp.sinh, sp.cosh)


def _power_fails(base: sp.Expr, exponent: sp.Expr, z: sp.Symbol) -> tuple[tuple[sp.Expr, str], ...]:
    """Where base^exponent fails: a pole where the base vanishes under a negative whole exponent, a branch point under
    any other exponent that is not a whole number ≥ 0 or that depends on z; nothing for a positive constant base."""
    if not base.has(z):
        return ()
    if exponent.has(z):
        return ((base, "branch"),)
    if exponent.is_number and exponent == int(exponent):
        return ((base, "pole"),) if exponent < 0 else ()
    return ((base, "branch"),)


def _parts(expr: sp.Expr, z: sp.Symbol) -> tuple[list[Singularity], list[Family]]:
    """Every candidate singular point of expr(z): the union over its parts of where each part fails."""
    if not expr.has(z) or expr == z:
        return [], []
    if isinstance(expr, sp.Pow):
        fails = _power_fails(expr.base, expr.exp, z)
    elif isinstance(expr, (sp.Add, sp.Mul)) or isinstance(expr, _ENTIRE):
        fails = ()
    elif type(expr) in _FAILS_WHERE:
        fails = _FAILS_WHERE[type(expr)](expr.args[0])
    else:
        raise _Unknown(f"${sp.latex(expr.xreplace({z: _X}))}$ has no analytic extension to the complex plane that "
                       "agrees with it")
    points, families = [], []
    for vanishing, kind in fails:
        more_points, more_families = _zeros(vanishing, z, kind, sp.latex(expr.xreplace({z: _X})))
        points += more_points
        families += more_families
    for arg in expr.args:
        more_points, more_families = _parts(arg, z)
        points += more_points
        families += more_families
    return points, families


def _singularities(expression: Expression) -> tuple[Singularities, sp.Expr]:
    """f's candidate singular points in the complex plane, within SINGULAR_SECONDS, and f in the complex variable."""
    f = expression.sympy.xreplace({expression.symbols[0]: _Z})
    polynomial = bool(f.is_polynomial(_Z))
    try:
        with time_limit(SINGULAR_SECONDS, what="Finding where f fails in the complex plane"):
            points, families = ([], []) if polynomial else _parts(f, _Z)
    except _Unknown as why:
        return Singularities((), (), str(why), polynomial), f
    except ExpressionError:
        why = f"finding where f fails in the complex plane took longer than {SINGULAR_SECONDS:g} s of CPU"
        return Singularities((), (), why, polynomial), f
    except (ArithmeticError, ValueError, TypeError, NotImplementedError) as error:
        return Singularities((), (), f"SymPy could not find where f fails ({type(error).__name__})", polynomial), f
    unique = {(round(s.point.real, 12), round(s.point.imag, 12), s.kind): s for s in points}
    return Singularities(tuple(unique.values()), tuple(families), None, polynomial), f


# ------------------------------------------------------------------------------------------ derivatives
def _is_tidy(derivative: sp.Expr, x: sp.Symbol) -> bool:
    """Whether expanding pays: the derivative is a polynomial in its function parts with no bare x left (the
    derivatives of tan x are polynomials in tan x, which SymPy's plain chain rule nests ever deeper)."""
    parts = derivative.atoms(sp.Function)
    if not parts:
        return False
    bare = derivative.xreplace({part: sp.Dummy() for part in parts})
    return x not in bare.free_symbols and bare.is_polynomial()


def _differentiate(expression: Expression, wanted: int, needed: int) -> tuple[list[sp.Expr], str | None]:
    """f, f′, … up to the ``wanted``-th derivative, each from the last, within DERIVATIVE_SECONDS of CPU.

    Returns the derivatives taken and, when fewer than ``needed`` were, why the chain stopped. A step is not started
    when the last one's time × STEP_GROWTH would pass the deadline, so a lost time bound cannot run away either.
    """
    x = expression.symbols[0]
    found = [expression.sympy]
    deadline = time.thread_time() + DERIVATIVE_SECONDS
    last = 0.0
    try:
        with time_limit(DERIVATIVE_SECONDS, what="Differentiating f"):
            while len(found) <= wanted:
                start = time.thread_time()
                if start + last * STEP_GROWTH > deadline or sys.gettrace() is None:
                    raise ExpressionError("out of time", hint="")
                if len(found) > needed and deadline - start < (1 - LOOKAHEAD_SHARE) * DERIVATIVE_SECONDS:
                    break  # what the page needs is there; the look-ahead is not worth the rest of the time
                step = sp.diff(found[-1], x)
                found.append(sp.expand(step) if _is_tidy(step, x) else step)
                last = time.thread_time() - start
    except ExpressionError:
        if len(found) <= needed:
            return found, (f"SymPy could not take derivative number {len(found)} of f within "
                           f"{DERIVATIVE_SECONDS:g} s of CPU")
    return found, None


@dataclass(frozen=True)
class TaylorSeries:
    """The symbolic part of the Taylor page for f and the order n asked for (it does not depend on x0).

    Attributes
    ----------
    expression : f as parsed.
    requested : the order n asked for.
    derivatives : f, f′, f″, … as vectorised NumPy functions of x (at least n + 1 of them unless SymPy ran out of
        time; up to n + 1 + LOOKAHEAD).
    stopped : why the chain of derivatives stopped short of f⁽ⁿ⁺¹⁾ (None when it did not).
    singularities : f's candidate singular points in the complex plane.
    complex_f : f in the complex variable z (for the removability checks).
    """

    expression: Expression
    requested: int
    derivatives: tuple[NumpyFunction, ...]
    stopped: str | None
    singularities: Singularities
    complex_f: sp.Expr

    @property
    def highest(self) -> int:
        """The highest derivative available."""
        return len(self.derivatives) - 1


def taylor_series(text: str, *, order: int) -> TaylorSeries:
    """Differentiate f (``text`` in x) up to order n + 1 (+ LOOKAHEAD when time allows) and find its singular points.

    Parameters
    ----------
    text : f(x) as typed; read by :func:`core.expressions.parse` (``^``, implicit products).
    order : n, 0 … MAX_ORDER.

    Returns
    -------
    TaylorSeries
        f⁽ᵏ⁾ exact (SymPy), k = 0 … n + 1 (+ up to LOOKAHEAD more), each compiled to NumPy; when SymPy runs out of
        its time, fewer, with ``stopped`` saying so (the study then falls back to a lower order).

    Raises
    ------
    ExpressionError
        ``text`` is not a formula in x.
    ParameterError
        ``order`` is not a whole number in 0 … MAX_ORDER (parameter "order").
    """
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= MAX_ORDER:
        raise ParameterError("order", f"the order must be a whole number from 0 to {MAX_ORDER}; got {order!r}")
    expression = parse(text, ("x",))
    found, stopped = _differentiate(expression, order + 1 + LOOKAHEAD, order + 1)
    compiled, unevaluable = _compiled(found, expression.symbols)
    if unevaluable and len(compiled) <= order + 1:
        stopped = unevaluable
    singularities, complex_f = _singularities(expression)
    return TaylorSeries(
        expression=expression, requested=order, derivatives=compiled, stopped=stopped, singularities=singularities,
        complex_f=complex_f,
    )


def _compiled(derivatives: Sequence[sp.Expr], symbols: tuple[sp.Symbol, ...]) -> tuple[tuple[NumpyFunction, ...],
                                                                                       str | None]:
    """Each derivative as a NumPy function, up to the first that NumPy cannot evaluate (SymPy writes the derivative
    of |x| with DiracDelta(x, 1)), and why the chain stops there (None when it does not)."""
    compiled = []
    for k, derivative in enumerate(derivatives):
        function = NumpyFunction(derivative, symbols)
        try:
            function(np.zeros(1))
        except ExpressionError as error:
            why = str(error).rstrip(".")
            return tuple(compiled), f"Derivative number {k} of f cannot be evaluated as numbers ({why})"
        compiled.append(function)
    return tuple(compiled), None


# ------------------------------------------------------------------------------------------ the study
@dataclass(frozen=True)
class Radius:
    """The radius of convergence of f's Taylor series around one x0.

    Attributes
    ----------
    value : the distance to the nearest singular point; inf when f has none (entire); nan when it cannot be
        determined.
    nearest : the singular points at that distance (a conjugate pair: both), empty when none or unknown.
    how : one sentence saying how the radius was found (or why it could not be).
    estimate : the Cauchy–Hadamard check from the coefficients, 1/|c_k|^{1/k} at ``estimate_order`` (nan if none).
    estimate_order : the k used (the highest with c_k ≠ 0), 0 when none.
    removed : candidate points found removable (f is bounded there: sin(x)/x at 0), skipped.
    """

    value: float
    nearest: tuple[Singularity, ...]
    how: str
    estimate: float
    estimate_order: int
    removed: tuple[complex, ...]


@dataclass(frozen=True)
class Note:
    """Something the page says beside a control (``control``: its widget key)."""

    control: str
    message: str


@dataclass(frozen=True)
class SlideFrame:
    """x0 slid to ``x0``: f there, the order-n polynomial around it on the curve grid (CURVE_POINTS,), its radius."""

    x0: float
    fx0: float
    polynomial: np.ndarray
    radius: float


@dataclass(frozen=True)
class TaylorStudy:
    """Everything the Taylor page shows for f, x0, n and the plot range.

    Attributes
    ----------
    series : the symbolic part (:class:`TaylorSeries`).
    x0, x_range : the point and the plot range. fx0 : f(x0).
    order : the order shown, n or lower (SymPy out of time, or f not n times differentiable at x0: see ``notes``).
    derivatives : f⁽ᵏ⁾(x0), k = 0 … series.highest, shape (K + 1,) (nan where not finite).
    coefficients : c_k = f⁽ᵏ⁾(x0)/k!, k = 0 … order, shape (order + 1,).
    next_power, next_coefficient : the remainder's leading term c_m (x − x0)^m, m the first power above ``order``
        with c_m ≠ 0 among the derivatives available (0 and nan when none: Pₙ = f, or SymPy ran out).
    curve_x : the plot range sampled evenly, (CURVE_POINTS,); curve_y : f there (nan where undefined).
    polynomials : P_k on curve_x for k = 0 … order, shape (order + 1, CURVE_POINTS).
    distances : |x − x0| of the remainder plot, (REMAINDER_POINTS,), log-spaced.
    remainder : |f(x) − Pₙ(x)| at x = x0 + d (row 0) and x0 − d (row 1), shape (2, REMAINDER_POINTS), nan where f
        is undefined.
    floor : the rounding floor ε·(|f(x)| + Σ|c_k||x − x0|^k) of that difference, same shape.
    fitted_slope : the slope of log remainder against log distance where the truncation error stands FLOOR_MARGIN
        above the floor and the leading term dominates (nan when too few such distances); fit_range : (low, high)
        distances of that fit (nan, nan without one).
    radius : the radius of convergence around x0.
    frames : x0 sliding across the plot range, with the order-``order`` polynomial; active : the frame at x0 itself.
    notes : what was reduced or is worth saying, each beside its control.
    """

    series: TaylorSeries
    x0: float
    x_range: tuple[float, float]
    fx0: float
    order: int
    derivatives: np.ndarray
    coefficients: np.ndarray
    next_power: int
    next_coefficient: float
    curve_x: np.ndarray
    curve_y: np.ndarray
    polynomials: np.ndarray
    distances: np.ndarray
    remainder: np.ndarray
    floor: np.ndarray
    fitted_slope: float
    fit_range: tuple[float, float]
    radius: Radius
    frames: tuple[SlideFrame, ...]
    active: int
    notes: tuple[Note, ...]

    @property
    def expression(self) -> Expression:
        return self.series.expression


def _check(x0: float, x_range: tuple[float, float]) -> None:
    if not math.isfinite(x0):
        raise ParameterError("x0", f"x0 must be a finite number; got {x0!r}")
    low, high = x_range
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ParameterError("x_range", f"the plot range must be two finite numbers, low < high; got {x_range!r}")


def _derivatives_at(series: TaylorSeries, points: np.ndarray) -> np.ndarray:
    """f⁽ᵏ⁾ at each point, shape (highest + 1, len(points)), inf/nan where not finite."""
    return np.stack([d(points) for d in series.derivatives])


def _usable_order(series: TaylorSeries, derivatives: np.ndarray, x0: float) -> tuple[int, list[Note]]:
    """The order to show: n, or lower when SymPy ran out of time or a derivative is not finite at x0."""
    notes = []
    order = min(series.requested, series.highest)
    if series.stopped:
        notes.append(Note("order", f"{series.stopped}: showing order {order} instead of {series.requested}."
                          if order < series.requested else
                          f"{series.stopped}, so the remainder's leading term is not available."))
    bad = np.flatnonzero(~np.isfinite(derivatives[: order + 1]))
    if bad.size:
        k = int(bad[0])
        times = "differentiable" if k == 1 else f"{k} times differentiable"
        notes.append(Note("x0", f"f⁽{superscript(k)}⁾({x0:g}) is not finite: f is not {times} at x0 = {x0:g} "
                                f"(a singular point of f), so the polynomials stop at order {k - 1}. Move x0 away "
                                "from it."))
        order = k - 1
    return order, notes


def _coefficients(derivatives: np.ndarray) -> np.ndarray:
    """c_k = f⁽ᵏ⁾/k! along the first axis."""
    factorials = np.array([math.factorial(k) for k in range(len(derivatives))], dtype=float)
    return derivatives / factorials.reshape((-1,) + (1,) * (derivatives.ndim - 1))


def _partial_sums(coefficients: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """P_k(x) = Σ_{j ≤ k} c_j (x − x0)^j for every k, shape (len(coefficients), len(offsets))."""
    with np.errstate(over="ignore", invalid="ignore"):
        terms = coefficients[:, None] * offsets[None, :] ** np.arange(len(coefficients))[:, None]
        return np.cumsum(terms, axis=0)


def _is_zero(derivatives: np.ndarray, k: int) -> bool:
    """Whether f⁽ᵏ⁾(x0) is an exact zero up to rounding (sin at π gives 1.2e-16, not 0)."""
    scale = np.max(np.abs(derivatives[: k + 1][np.isfinite(derivatives[: k + 1])]), initial=0.0)
    return abs(derivatives[k]) <= ZERO_DERIVATIVE * scale


def _leading_term(derivatives: np.ndarray, order: int) -> tuple[int, float]:
    """The first power m > order with c_m ≠ 0, and c_m; (0, nan) when none is available (or not finite)."""
    coefficients = _coefficients(derivatives)
    for m in range(order + 1, len(derivatives)):
        if not math.isfinite(derivatives[m]):
            return 0, math.nan
        if not _is_zero(derivatives, m):
            return m, float(coefficients[m])
    return 0, math.nan


def _remainder(f: NumpyFunction, x0: float, coefficients: np.ndarray,
               distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|f(x) − Pₙ(x)| at x = x0 + d and x0 − d, shape (2, D), and its rounding floor ε·(|f(x)| + Σ|c_k||x − x0|^k).

    Pₙ is evaluated at the offset x − x0 of the x that f is evaluated at (x0 + d rounded to a double), so the
    difference is truncation plus the rounding of f and of Pₙ's sum, which the floor bounds."""
    x = x0 + np.stack([distances, -distances])
    offsets = x - x0
    values = f(x)
    polynomial = _partial_sums(coefficients, offsets.ravel())[-1].reshape(x.shape)
    magnitude = _partial_sums(np.abs(coefficients), np.abs(offsets).ravel())[-1].reshape(x.shape)
    with np.errstate(invalid="ignore", over="ignore"):
        remainder = np.where(np.isfinite(values), np.abs(values - polynomial), np.nan)
        floor = EPS * (np.abs(values) + magnitude)
    return remainder, floor


def _fit(distances: np.ndarray, remainder: np.ndarray, floor: np.ndarray,
         reach: float) -> tuple[float, tuple[float, float]]:
    """The slope of log remainder against log distance over d ≤ reach where the remainder is FLOOR_MARGIN above its
    floor on both sides, and the distances it used; nan when fewer than FIT_MIN_POINTS qualify."""
    with np.errstate(invalid="ignore"):
        usable = (distances <= reach) & np.all(np.isfinite(remainder) & (remainder > FLOOR_MARGIN * floor), axis=0)
    if usable.sum() < FIT_MIN_POINTS:
        return math.nan, (math.nan, math.nan)
    d = np.repeat(distances[usable][None, :], 2, axis=0)
    slope = np.polyfit(np.log(d.ravel()), np.log(remainder[:, usable].ravel()), 1)[0]
    return float(slope), (float(distances[usable][0]), float(distances[usable][-1]))


def _reach(derivatives: np.ndarray, power: int, radius: float) -> float:
    """How far the leading term c_m d^m dominates the next nonzero one c_j d^j by 1/FIT_REACH (10×):
    d ≤ (FIT_REACH·|c_m/c_j|)^(1/(j − m)); FIT_REACH·R when no later coefficient is available (inf if R is)."""
    coefficients = _coefficients(derivatives)
    for j in range(power + 1, len(derivatives) if power else 0):
        if not math.isfinite(coefficients[j]):
            break
        if not _is_zero(derivatives, j):
            return float((FIT_REACH * abs(coefficients[power] / coefficients[j])) ** (1.0 / (j - power)))
    return FIT_REACH * radius if math.isfinite(radius) else math.inf


# ------------------------------------------------------------------------------------------ the radius
def _blows_up(f: sp.Expr, point: complex) -> bool:
    """Whether |f| grows without bound toward ``point`` (a genuine singular point) rather than staying bounded
    (removable): f probed at point + r·u, r in CHECK_RADII, u in {1, i, −1, −i}."""
    centre = sp.Float(point.real) + sp.I * sp.Float(point.imag)
    outer, inner = (max(_size(f.evalf(15, subs={_Z: centre + sp.Float(r) * u})) for u in (1, sp.I, -1, -sp.I))
                    for r in CHECK_RADII)
    return not math.isfinite(inner) or inner > POLE_GROWTH * max(outer, 1.0)


@dataclass
class _Checks:
    """One study's removability verdicts (x0 sliding meets the same points again) and when its checks began."""

    verdicts: dict[complex, bool] = field(default_factory=dict)
    start: float = field(default_factory=time.thread_time)

    def left(self) -> float:
        """CPU seconds left of CHECK_SECONDS."""
        return CHECK_SECONDS - (time.thread_time() - self.start)


def _size(value: sp.Expr) -> float:
    """|value| for a finite complex number, inf for anything else (zoo, nan, a value SymPy left unevaluated)."""
    if not value.is_number or value.is_finite is False:
        return math.inf
    size = abs(complex(value))
    return size if math.isfinite(size) else math.inf


def _nearest(series: TaylorSeries, x0: float, checks: _Checks) -> tuple[float, tuple[Singularity, ...],
                                                                      tuple[complex, ...]]:
    """The distance from x0 to the nearest genuine singular point, those points, and the removable ones skipped.

    Raises ExpressionError when the checks run past MAX_CHECKS (their time is bounded by the caller)."""
    checked = checks.verdicts
    removed, found = [], []
    for candidate in series.singularities.candidates(x0):
        distance = abs(candidate.point - x0)
        if found and distance > abs(found[0].point - x0) * (1 + SAME_DISTANCE) + SAME_DISTANCE:
            break
        if candidate.kind == "pole":
            if candidate.point not in checked:
                if len(checked) >= MAX_CHECKS:
                    raise ExpressionError("Too many removable points", hint="")
                checked[candidate.point] = _blows_up(series.complex_f, candidate.point)
            if not checked[candidate.point]:
                removed.append(candidate.point)
                continue
        found.append(candidate)
    if not found:
        return math.inf, (), tuple(removed)
    return abs(found[0].point - x0), tuple(found), tuple(removed)


def _estimate(coefficients: np.ndarray, derivatives: np.ndarray) -> tuple[float, int]:
    """Cauchy–Hadamard from the coefficients available: 1/|c_k|^{1/k} at the highest k ≥ 1 with c_k ≠ 0."""
    for k in range(len(coefficients) - 1, 0, -1):
        if math.isfinite(coefficients[k]) and not _is_zero(derivatives, k):
            with np.errstate(over="ignore", divide="ignore"):
                return float(abs(coefficients[k]) ** (-1.0 / k)), k
    return math.nan, 0


def _radius(series: TaylorSeries, x0: float, derivatives: np.ndarray, checks: _Checks) -> Radius:
    estimate, k = _estimate(_coefficients(derivatives), derivatives)
    singular = series.singularities
    if singular.polynomial:
        return Radius(math.inf, (), "f is a polynomial: its Taylor series is f itself, so it converges everywhere "
                                    "(R = ∞).", estimate, k, ())
    if singular.unknown:
        return Radius(math.nan, (), f"The radius could not be determined: {singular.unknown}.", estimate, k, ())
    try:
        with time_limit(CHECK_SECONDS, what="Checking f's singular points"):
            value, nearest, removed = _nearest(series, x0, checks)
    except (ExpressionError, ArithmeticError, ValueError, TypeError):
        return Radius(math.nan, (), "The radius could not be determined: checking whether f's singular points are "
                                    f"removable did not finish within {CHECK_SECONDS:g} s of CPU.", estimate, k, ())
    if not nearest:
        how = ("f has no singular point in the complex plane (it is built from polynomials, eˣ, sin, cos, sinh and "
               "cosh, which have none" + (", and its other candidates are removable" if removed else "") +
               "): f is entire and R = ∞.")
        return Radius(math.inf, (), how, estimate, k, removed)
    return Radius(value, nearest, _found_how(nearest, x0, value), estimate, k, removed)


def _points_text(points: Sequence[complex]) -> str:
    """Singular points as a reader writes them: 0, 1.571, ±i, 1 ± 2i."""
    first = points[0]
    if abs(first.imag) <= REAL:
        return " and ".join(f"{p.real:.4g}".replace("-", "−") for p in points)
    imaginary = "i" if abs(abs(first.imag) - 1) <= REAL else f"{abs(first.imag):.4g}i"
    if len(points) == 2 and abs(points[1] - first.conjugate()) <= REAL * (1 + abs(first)):
        return f"±{imaginary}" if abs(first.real) <= REAL else f"{first.real:.4g} ± {imaginary}".replace("-", "−")
    return " and ".join(f"{p.real:.4g} {'+' if p.imag > 0 else '−'} {abs(p.imag):.4g}i" for p in points)


def _found_how(nearest: Sequence[Singularity], x0: float, value: float) -> str:
    points = _points_text([s.point for s in nearest])
    where = f"where ${nearest[0].source}$ has {'a pole' if nearest[0].kind == 'pole' else 'a branch point'}"
    method = ("Found by solving, with SymPy, where each part of f fails (zero denominators, logarithms and roots of "
              "zero, the poles of tan), removable points left out.")
    if value == 0:
        return (f"x0 = {x0:g} is itself a singular point of f ({where}): R = 0, no Taylor series of f converges "
                f"around it. {method}")
    return (f"The nearest singular point of f in the complex plane is {points} ({where}), so R = |x0 − s| = "
            f"{value:.4g}. {method}")


# ------------------------------------------------------------------------------------------ sliding x0
def _slide_points(x0: float, x_range: tuple[float, float]) -> np.ndarray:
    """FRAMES positions evenly across the plot range and x0 itself, ascending."""
    return np.union1d(np.linspace(*x_range, FRAMES), [x0])


def _frames(series: TaylorSeries, study_x0: float, order: int, x_range: tuple[float, float], curve_x: np.ndarray,
            checks: _Checks, radius: float) -> tuple[tuple[SlideFrame, ...], int]:
    """The order-``order`` polynomial around each slide position where f and its first ``order`` derivatives are
    finite (the others are skipped), with the radius there (nan when it cannot be found in the time left)."""
    points = _slide_points(study_x0, x_range)
    values = np.stack([d(points) for d in series.derivatives[: order + 1]])
    usable = np.flatnonzero(np.all(np.isfinite(values), axis=0))
    radii = _slide_radii(series, points[usable], study_x0, radius, checks)
    frames = tuple(SlideFrame(float(points[i]), float(values[0, i]),
                              _partial_sums(_coefficients(values[:, i]), curve_x - points[i])[-1], r)
                   for i, r in zip(usable, radii))
    return frames, next(i for i, frame in enumerate(frames) if frame.x0 == study_x0)


def _slide_radii(series: TaylorSeries, points: np.ndarray, study_x0: float, radius: float,
                 checks: _Checks) -> list[float]:
    """The radius at each slide position (``radius`` at x0 itself) within what CHECK_SECONDS leaves after x0's own
    checks; nan where the time ran out."""
    singular = series.singularities
    if singular.polynomial or singular.unknown or math.isnan(radius):  # not found at x0: not sought elsewhere
        return [math.inf if singular.polynomial else math.nan] * len(points)
    radii = [radius if p == study_x0 else math.nan for p in points]
    try:
        if checks.left() <= 0:
            return radii
        with time_limit(checks.left(), what="Checking f's singular points"):
            for i, point in enumerate(points):
                if point != study_x0:
                    radii[i] = _nearest(series, float(point), checks)[0]
    except (ExpressionError, ArithmeticError, ValueError, TypeError):
        pass  # the positions not reached keep nan: the figure draws no convergence interval there
    return radii


def study_taylor(series: TaylorSeries, *, x0: float, x_range: tuple[float, float]) -> TaylorStudy:
    """f's Taylor polynomials around x0, their remainder and radius, and x0 sliding across ``x_range``.

    Parameters
    ----------
    series : from :func:`taylor_series` (f and the order n).
    x0 : the point, inside f's domain.
    x_range : the plot range (low, high).

    Returns
    -------
    TaylorStudy
        P_k(x) = Σ_{j ≤ k} f⁽ʲ⁾(x0)/j! · (x − x0)^j for k = 0 … n on CURVE_POINTS points; the remainder
        |f(x) − Pₙ(x)| ≈ |c_m| |x − x0|^m (m = n + 1 unless c_{n+1} = 0) on both sides of x0 with its rounding floor;
        the radius R = min |x0 − s| over f's singular points s.

    Raises
    ------
    ParameterError
        x0 not finite or f not defined there (parameter "x0"), or a bad plot range ("x_range").
    """
    _check(x0, x_range)
    derivatives = _derivatives_at(series, np.array([float(x0)]))[:, 0]
    if not math.isfinite(derivatives[0]):
        raise ParameterError("x0", f"f is not defined at x0 = {x0:g} (f(x0) = {derivatives[0]}); pick x0 inside "
                                   "f's domain")
    order, notes = _usable_order(series, derivatives, x0)
    coefficients = _coefficients(derivatives[: order + 1])
    power, leading = _leading_term(derivatives, order)
    curve_x = np.linspace(*x_range, CURVE_POINTS)
    checks = _Checks()
    radius = _radius(series, x0, derivatives, checks)
    far = max(abs(x_range[1] - x0), abs(x0 - x_range[0]))
    distances = np.geomspace(far * 10.0**-REMAINDER_DECADES, far, REMAINDER_POINTS)
    remainder, floor = _remainder(series.expression.func, x0, coefficients, distances)
    slope, fit_range = _fit(distances, remainder, floor, _reach(derivatives, power, radius.value))
    frames, active = _frames(series, x0, order, x_range, curve_x, checks, radius.value)
    return TaylorStudy(
        series=series, x0=x0, x_range=x_range, fx0=float(derivatives[0]), order=order, derivatives=derivatives,
        coefficients=coefficients, next_power=power, next_coefficient=leading, curve_x=curve_x,
        curve_y=series.expression.func(curve_x), polynomials=_partial_sums(coefficients, curve_x - x0),
        distances=distances, remainder=remainder, floor=floor, fitted_slope=slope, fit_range=fit_range,
        radius=radius, frames=frames, active=active, notes=tuple(notes),
    )


# ------------------------------------------------------------------------------------------ words and LaTeX
def _number_latex(value: float) -> str:
    """Four significant digits; powers of ten as 10^{k}."""
    if not math.isfinite(value):
        return r"\text{undefined}"
    text = f"{value:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
    return text


def _shift_latex(x0: float) -> str:
    if x0 == 0:
        return "x"
    return rf"(x - {_number_latex(x0)})" if x0 > 0 else rf"(x + {_number_latex(-x0)})"


def polynomial_latex(study: TaylorStudy, *, per_line: int = 4) -> str:
    """Pₙ(x) with its numbers, c_k = f⁽ᵏ⁾(x0)/k! (zero coefficients left out), ``per_line`` terms a line."""
    shift = _shift_latex(study.x0)
    pieces = []
    for k, c in enumerate(study.coefficients):
        if _is_zero(study.derivatives, k):
            continue
        power = "" if k == 0 else (shift if k == 1 else rf"{shift}^{{{k}}}")
        size = "" if power and abs(c) == 1 else _number_latex(abs(c))
        sign = "-" if c < 0 else ("+" if pieces else "")
        pieces.append(f"{sign} {size}{power}".strip())
    lines = [" ".join(pieces[i: i + per_line]) for i in range(0, len(pieces), per_line)] or ["0"]
    n, at = study.order, _number_latex(study.x0)
    head = rf"P_{{{n}}}(x) &= \sum_{{k=0}}^{{{n}}} \frac{{f^{{(k)}}({at})}}{{k!}}\,{shift}^k"
    return r"\begin{aligned}" + head + r" \\ &= " + r" \\ &\quad ".join(lines) + r"\end{aligned}"


def coefficient_rows(study: TaylorStudy) -> list[dict[str, str]]:
    """One row per order k ≤ n: f⁽ᵏ⁾(x0), k! and c_k = f⁽ᵏ⁾(x0)/k!, with six significant digits."""
    return [{"k": str(k), "f⁽ᵏ⁾(x0)": f"{study.derivatives[k]:.6g}", "k!": f"{math.factorial(k):,}",
             "cₖ = f⁽ᵏ⁾(x0)/k!": f"{c:.6g}"} for k, c in enumerate(study.coefficients)]


def radius_sentences(study: TaylorStudy) -> tuple[str, ...]:
    """How the radius was found and the coefficients' check on it, as sentences (Markdown)."""
    r = study.radius
    sentences = [r.how]
    if r.estimate_order and not study.series.singularities.polynomial:
        k = r.estimate_order
        check = f"Check from the coefficients (Cauchy–Hadamard): 1/|c{subscript(k)}|^(1/{k}) = {r.estimate:.3g}"
        if math.isinf(r.value):
            check += " (it grows without bound with k when f is entire)."
        elif math.isnan(r.value):
            check += ": an estimate only, from a few coefficients."
        elif 1 / ESTIMATE_AGREES <= r.estimate / r.value <= ESTIMATE_AGREES:
            check += f", close to R = {r.value:.4g}."
        else:
            check += (f", far from R = {r.value:.4g}: the coefficients disagree with the singular point found "
                      "(it may be removable, as for cos √x at 0); trust neither alone.")
        sentences.append(check)
    return tuple(sentences)


def exact(study: TaylorStudy) -> bool:
    """Whether Pₙ is f itself: f is a polynomial whose derivatives above the order shown all vanish."""
    return study.series.singularities.polynomial and study.next_power == 0 and study.series.stopped is None


def remainder_sentence(study: TaylorStudy) -> str:
    """What the remainder plot shows: the expected and the fitted slope, and why the curve flattens."""
    floor = ("Where the curve flattens it has reached the rounding floor: f(x) and Pₙ(x) agree to the last bits of a "
             "double (ε ≈ 2.2·10⁻¹⁶ times their size), so their difference is rounding noise, not truncation.")
    if exact(study):
        return f"P{subscript(study.order)} is f itself (a polynomial of degree ≤ {study.order}): the remainder is " \
               "rounding only. " + floor
    n, m = study.order, study.next_power
    if not m:
        expected = "The next derivatives are not available, so the leading term of the remainder is unknown."
    elif m == n + 1:
        expected = (f"Near x0 the remainder is about |c{subscript(m)}|·|x − x0|{superscript(m)}, the first term left "
                    f"out: slope n + 1 = {m} on log–log axes.")
    else:
        expected = (f"c{subscript(n + 1)} = 0 here, so the first term left out is c{subscript(m)}(x − x0)"
                    f"{superscript(m)}: slope {m}, steeper than n + 1 = {n + 1}.")
    if math.isfinite(study.fitted_slope):
        low, high = study.fit_range
        fitted = f" Fitted slope {study.fitted_slope:.2f} over {low:.2g} ≤ |x − x0| ≤ {high:.2g}."
    else:
        fitted = " Too few distances stand clear of the rounding floor to fit a slope."
    return expected + fitted + " " + floor


def readouts(study: TaylorStudy) -> tuple[tuple[str, str], ...]:
    """(label, value) pairs for the page's metrics: f(x0) with three decimals and the radius R."""
    r = study.radius.value
    radius = "∞" if math.isinf(r) else ("not found" if math.isnan(r) else f"{r:.4g}")
    return ("f(x0)", f"{study.fx0:.3f}"), ("radius R", radius)


def preset_settings(label: str | None) -> dict[str, object]:
    """The page's control values for the preset called ``label`` (formula, x0, plot range), or {} for none."""
    chosen = next((p for p in PRESETS if p.label == label), None)
    if chosen is None:
        return {}
    return {"f": chosen.formula, "x0": chosen.x0, "x_range": chosen.x_range}
