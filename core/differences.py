"""Finite differences: derivatives, partial derivatives, gradients, Jacobians and Hessians.

Pure NumPy and vectorised: the stencil points of all input points go to ``f`` in one stacked call. ``auto``
with its own steps makes one more call for the subset of points (or variables) whose first stencil says that
another step would do better, ``derivative`` a few more near domain edges; everything else calls ``f`` once.

Stencils (step h, order p: the error shrinks like h**p)::

    forward     (f(x + h) - f(x)) / h                                   p = 1
    backward    (f(x) - f(x - h)) / h                                   p = 1
    central     (f(x + h) - f(x - h)) / (2h)                            p = 2
    five-point  (f(x - 2h) - 8 f(x - h) + 8 f(x + h) - f(x + 2h)) / (12h)   p = 4
    auto        Richardson extrapolation of the central quotients at h, 2h, 3h   p = 6
                (3/2 d(h) - 3/5 d(2h) + 1/10 d(3h), d(kh) = (f(x + kh) - f(x - kh)) / (2kh)),
                with an error estimate and an adaptive step.

With the default steps every quotient divides by the distance between the points actually evaluated,
``(x + h) - (x - h)`` in floating point, so the representation error of ``x + h`` does not add to the
round-off. An explicit ``step`` is used exactly as given: the textbook formula, dividing by h (if x + h rounds
to x, the quotient is what the formula gives, with a note), so the error-vs-h plot shows round-off as a
student would.

Default steps balance truncation (~h**p) against round-off (~eps/h**d for the d-th derivative), in the
floating dtype of x (integers become float64): ``h = eps**(1/(p + d)) * s`` (``auto``: times AUTO_STEP_FACTOR).
``derivative`` and the textbook stencils use the scale ``s = min(|x|, 1)`` (``s = 1`` at ``x = 0``): relative
to |x| near zero, where the usual singularities sit (log, sqrt, 1/x, x**a: ``log`` at 1e-3 needs h << 1e-3),
absolute away from it, where a step proportional to |x| would be too large for periodic or exponential
functions (``sin`` at 100). The multivariate ``auto`` starts at ``s = max(|x_i|, 1)``: one step per variable
serves all components of f, variables near 0 are common there, and a relative step would drown in round-off.

No fixed scale suits every function (exp wants an absolute step near 0, log a relative one, a cubic a large
one), so ``auto`` reads its first Richardson tableau: the corrections D2 - D1 and D3 - D2 between the
extrapolations of orders 2, 4, 6 shrink geometrically for a smooth f, which predicts the truncation error T of
D3, and the spread of the f values bounds the round-off R (see ``_truncation``). The step minimising
T * r**6 + R / r is tried where it differs from the first by STEP_CHANGE or more (``derivative(...,
refine=True)``; the multivariate functions only shrink, by PARTIAL_STEP_CHANGE or more), and the estimate with the
smaller T + R is kept. Where stencil points leave f's domain, a default
step shrinks towards the edge and an explicit one goes one-sided from the points already evaluated. Either way
the result's ``note`` says so. Where f itself is not finite at x the value is nan, and the note says why.
``hessian`` makes a single call; its ``auto`` evaluates its stencil at both scales, ``min(|x_i|, 1)`` and
``max(|x_i|, 1)``, and keeps per point the one with the smaller error. The public functions run with NumPy's
floating-point warnings off (``_quiet``): stencils leave f's domain by design, and the notes report it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

__all__ = [
    "HESSIAN_METHODS",
    "METHODS",
    "Derivative",
    "StepSweep",
    "derivative",
    "gradient",
    "hessian",
    "jacobian",
    "partial",
    "step_sweep",
]

METHODS: tuple[str, ...] = ("auto", "forward", "backward", "central", "five-point")
HESSIAN_METHODS: tuple[str, ...] = ("auto", "central", "five-point")

# Rounds of step shrinking that "auto" tries when its stencil leaves f's domain before going one-sided.
EDGE_ROUNDS = 3
# Safety factor on the observed contraction of successive Richardson corrections: the next one is ~9/4 times the
# last ratio for geometric coefficients, up to ~3x more for log-like ones, and more again for poles near the real
# line (1/(1 + x**2) at |x| ~ 1.5-1.9, where the 5th derivative crosses zero).
CONTRACTION_SAFETY = 8.0
# auto's default step is AUTO_STEP_FACTOR * eps**(1/7) * s: for exp-like functions the 6th-order extrapolation's
# error is smallest near 1.1-1.4 eps**(1/7) (its truncation constant 36/7! is small); above 1.1 the truncation
# of functions with poles near the real line outgrows what the tableau can estimate.
AUTO_STEP_FACTOR = 1.1
# A Richardson correction counts as resolved (a measurement of truncation, not round-off noise) when it exceeds
# this multiple of the round-off bound.
RESOLVED = 2.0
# auto tries a second step where the predicted best one differs from the first by at least this factor.
STEP_CHANGE = 1.5
# ... and by at most this factor (beyond the scale max(|x|, 1)): the prediction extrapolates a Taylor model.
MAX_STEP_CHANGE = 16.0
# The multivariate auto shrinks a step in its second call of f only by this factor or more (predicted error
# ~2.3x smaller at 1.5x, ~14x at 3x): the truncation estimate is pessimistic (CONTRACTION_SAFETY) and the second
# call costs as much as the first for the pairs it takes. On tanh(Ax) + x**3/3 at 1000 points, 1.5 re-stepped a
# third of the points and left the worst error where it was (4e-14 before, 6e-14 after).
PARTIAL_STEP_CHANGE = 3.0

_NOTES = MappingProxyType(
    {
        1: "step shrunk near a domain edge (f is not finite within the default step)",
        2: "one-sided forward stencil (f is not finite on the backward side within the step)",
        3: "one-sided backward stencil (f is not finite on the forward side within the step)",
        4: "step below the floating-point spacing at x: x + h rounds to x, so the quotient sees no change there",
        5: "nan: f is not finite at x",
        6: "nan: x is not finite",
        7: "nan: f is not finite on either side of x within the step",
        8: "nan: the default step is below the floating-point spacing at x",
        9: "nan: the Hessian stencil leaves f's domain (no one-sided Hessian); move away from the edge",
        10: "nan: f is not finite at the one-sided stencil's points (central and auto can use the other side)",
    }
)
# Codes up to _COLLAPSED come with a value; the others with nan.
(_OK, _SHRUNK, _FORWARD, _BACKWARD, _COLLAPSED, _F_NOT_FINITE, _X_NOT_FINITE, _NO_SIDE, _TOO_SMALL, _HESSIAN_EDGE) = (
    range(10)
)
_SIDE_LOST = 10


@dataclass(frozen=True, eq=False)
class Derivative:
    """A numerical derivative and how it was obtained.

    Attributes
    ----------
    value : float or ndarray
        The estimate. ``derivative``: shape of ``x``. ``partial``: the point's batch shape ``(...)``, or
        ``(m, ...)`` for a vector ``f``. ``gradient``: ``(n, ...)``. ``jacobian``: ``(m, n, ...)`` (``(n, ...)``
        for a scalar ``f``). ``hessian``: ``(n, n, ...)``.
    step : float or ndarray
        The step h used: per point for ``derivative`` (shape of ``x``), per variable and point ``(n, ...)``
        otherwise (``(...)`` for ``partial``).
    error_estimate : float, ndarray or None
        Estimated absolute error of ``value`` (same shape): truncation (from the Richardson tableau) plus a
        bound on the round-off. ``method="auto"`` only; None for the textbook stencils. The round-off bound
        takes f's values to be correct to a few ulps of their own size: where f is computed as a difference of
        much larger terms, its round-off is larger (tanh(Ax) + x**3/3 where the two terms cancel: 3.8% of the
        Jacobian entries at 1000 points err above their estimates, by up to ~100x, all below 3e-14).
    evaluations : int or ndarray
        Points at which f was evaluated, per input point (shape of ``x`` for ``derivative``, the batch shape
        otherwise), counting f(x) itself.
    method : str
        The method asked for.
    note : str or None
        Where the stencil had to change (domain edge: shrunk step or one-sided stencil) and why a value is
        nan, with counts when there are many points; None when nothing happened.
    """

    value: float | np.ndarray
    step: float | np.ndarray
    error_estimate: float | np.ndarray | None
    evaluations: int | np.ndarray
    method: str
    note: str | None


@dataclass(frozen=True, eq=False)
class StepSweep:
    """Estimates of f'(x) by several methods over a range of explicit steps (for an error-vs-h plot).

    Attributes
    ----------
    x : float
        The point.
    steps : ndarray, shape (s,)
        The steps h.
    methods : tuple of str
        The methods, in the order of the rows below.
    estimates : ndarray, shape (len(methods), s)
        ``estimates[i, j]`` is method ``methods[i]`` with step ``steps[j]``.
    errors : ndarray, shape (len(methods), s), or None
        ``|estimates - exact|`` when ``exact`` was given.
    """

    x: float
    steps: np.ndarray
    methods: tuple[str, ...]
    estimates: np.ndarray
    errors: np.ndarray | None


@dataclass(frozen=True)
class _Scheme:
    """Central pairs (signs (1, -1)) or one side at k*h, k = 1..levels, combined by Richardson extrapolation;
    default first-derivative steps are step_factor * eps**(1/(order + 1)) * scale."""

    signs: tuple[int, ...]
    levels: int
    order: int
    step_factor: float = 1.0


_SCHEMES = MappingProxyType(
    {
        "auto": _Scheme((1, -1), 3, 6, AUTO_STEP_FACTOR),
        "forward": _Scheme((1,), 1, 1),
        "backward": _Scheme((-1,), 1, 1),
        "central": _Scheme((1, -1), 1, 2),
        "five-point": _Scheme((1, -1), 2, 4),
    }
)


@dataclass(frozen=True)
class _Stencil:
    """f at the ``nodes`` x + sign*k*h: ``values`` and ``nodes`` have shape (levels, signs, N); f0 and x (N,).
    The quotients divide by the distances between the nodes actually evaluated, for steps of our choosing, and
    by the nominal ``offsets`` sign*k*h for explicit steps (the textbook formula; None otherwise);
    ``collapsed`` (N,) marks explicit steps where x + kh == x."""

    f0: np.ndarray
    values: np.ndarray
    nodes: np.ndarray
    x: np.ndarray
    offsets: np.ndarray | None
    eps: float
    collapsed: np.ndarray | None


@dataclass
class _Points:
    """Per-item state while rounds fill it in: items are the points of ``derivative`` (m = 1) or the
    (variable, point) pairs of the partials (m components of f). ``data`` stacks along its first axis the m
    estimates, their truncation and round-off estimates and the step: shape (3m + 1, Q). ``code`` and
    ``evaluations`` are (Q,); the partials count stencil points only (f(x) is shared by the variables)."""

    data: np.ndarray
    code: np.ndarray
    evaluations: np.ndarray

    @property
    def m(self) -> int:
        return (len(self.data) - 1) // 3

    @property
    def value(self) -> np.ndarray:
        return self.data[: self.m]

    @property
    def trunc(self) -> np.ndarray:
        return self.data[self.m : 2 * self.m]

    @property
    def roundoff(self) -> np.ndarray:
        return self.data[2 * self.m : 3 * self.m]

    @property
    def step(self) -> np.ndarray:
        return self.data[-1]

    def put(self, where: np.ndarray, estimate, step, code) -> None:
        """Record (value, truncation, round-off) estimates (None: nan) and steps for the items ``where``."""
        if estimate is None:
            self.data[:-1, where], self.data[-1, where] = np.nan, step
        else:
            self.scatter(where, _stack(estimate, step))
        self.code[where] = code

    def scatter(self, where: np.ndarray, data: np.ndarray) -> None:
        """data[:, where] = data, row by row (much faster than 2-D fancy indexing)."""
        for row, new in zip(self.data, data, strict=True):
            row[where] = new


def _stack(estimate, step) -> np.ndarray:
    """(value, truncation, round-off), each (Q,) or (m, Q), and the steps (Q,) as one (3m + 1, Q) array."""
    m = len(estimate[0]) if np.ndim(estimate[0]) == 2 else 1
    data = np.empty((3 * m + 1, np.shape(step)[-1]), np.result_type(*estimate, step))
    for k, part in enumerate(estimate):
        data[k * m : (k + 1) * m] = part
    data[-1] = step
    return data


# ----------------------------------------------------------------------------------------------- validation


def _check_method(method: str, allowed: tuple[str, ...] = METHODS) -> _Scheme:
    if not isinstance(method, str) or method not in allowed:
        raise ValueError(f"method must be one of {', '.join(map(repr, allowed))}; got {method!r}")
    return _SCHEMES[method]


def _real_array(x, name: str) -> np.ndarray:
    """``x`` as a floating array (integers become float64); ValueError naming ``name`` otherwise."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be real numbers; got dtype {arr.dtype}")
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def _check_step(step, shape: tuple[int, ...], dtype) -> np.ndarray | None:
    """An explicit step broadcast to ``shape`` (None stays None); ValueError unless positive and finite."""
    if step is None:
        return None
    h = _real_array(step, "step").astype(dtype)
    if h.size == 0 or not np.all(np.isfinite(h) & (h > 0)):
        raise ValueError(f"step must be positive and finite; got {step!r}")
    try:
        return np.broadcast_to(h, shape)
    except ValueError:
        raise ValueError(f"step must be a scalar or broadcast to shape {shape}; got shape {h.shape}") from None


def _check_point(point) -> np.ndarray:
    p = _real_array(point, "point")
    if p.ndim == 0 or p.shape[0] == 0:
        raise ValueError(f"point must have shape (n,) or (n, ...) with n >= 1; got shape {p.shape}")
    return p


def _derivative_args(x, method: str, step):
    """Validator of ``derivative``: (scheme, x as a float array, explicit step broadcast to x or None)."""
    scheme = _check_method(method)
    xs = _real_array(x, "x")
    return scheme, xs, _check_step(step, xs.shape, xs.dtype)


def _point_args(point, method: str, step, allowed: tuple[str, ...] = METHODS):
    """Validator of the multivariate functions: (scheme, point (n, ...), explicit steps or None)."""
    scheme = _check_method(method, allowed)
    p = _check_point(point)
    return scheme, p, _check_step(step, p.shape, p.dtype)


def _sweep_args(x, steps, methods, exact):
    """Validator of ``step_sweep``: (x as a 0-d float array, steps (s,), method names)."""
    xs = _real_array(x, "x")
    if xs.ndim != 0 or not np.isfinite(xs):
        raise ValueError(f"x must be a finite real scalar; got {x!r}")
    h = _real_array(steps, "steps")
    if h.ndim != 1 or h.size == 0 or not np.all(np.isfinite(h) & (h > 0)):
        raise ValueError(f"steps must be a non-empty 1-D array of positive finite numbers; got {steps!r}")
    names = (methods,) if isinstance(methods, str) else tuple(methods)
    if not names:
        raise ValueError("methods must name at least one method; got an empty sequence")
    for name in names:
        _check_method(name)
    if exact is not None and not (np.ndim(exact) == 0 and np.isfinite(_real_array(exact, "exact"))):
        raise ValueError(f"exact must be a finite real scalar or None; got {exact!r}")
    return xs, h, names


# ------------------------------------------------------------------------------------------------ numerics


def _quiet(func: Callable) -> Callable:
    """Run ``func`` with NumPy's floating-point warnings off (f's included): stencils leave f's domain by design,
    and the resulting nan and inf are reported through the result's codes and note."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)

    return wrapper


def _scale(x: np.ndarray) -> np.ndarray:
    """s = min(|x|, 1), floored at sqrt(tiny) so steps stay normal numbers; 1 at x = 0 (and where x is nan)."""
    ax = np.abs(x)
    scale = np.clip(ax, np.sqrt(np.finfo(x.dtype).tiny), 1)
    scale[~(ax > 0)] = 1
    return scale


def _wide_scale(x: np.ndarray) -> np.ndarray:
    """s = max(|x|, 1); 1 where x is not finite."""
    scale = np.fmax(np.abs(x), 1)
    return scale if np.isfinite(scale).all() else np.where(np.isfinite(scale), scale, x.dtype.type(1))


def _step_factor(dtype, order: int, deriv: int) -> float:
    """eps**(1/(p + d)): balances truncation ~h**p against round-off ~eps/h**d."""
    return float(np.finfo(dtype).eps ** (1 / (order + deriv)))


@functools.lru_cache(maxsize=32)
def _default_factor(dtype, scheme: _Scheme) -> float:
    """Default first-derivative step per unit scale: step_factor * eps**(1/(p + 1))."""
    return scheme.step_factor * _step_factor(dtype, scheme.order, 1)


def _lagrange_at_zero(nodes: np.ndarray) -> np.ndarray:
    """Weights w with sum(w * P(nodes)) = P(0) for every polynomial P of degree < len(nodes)."""
    others = [np.delete(nodes, k) for k in range(len(nodes))]
    return np.array([np.prod(-o / (nodes[k] - o)) for k, o in enumerate(others)])


# Richardson weights for levels k = 1..L in powers h**power: e.g. (3, 2) -> (3/2, -3/5, 1/10).
_WEIGHTS = MappingProxyType(
    {(L, power): _lagrange_at_zero(np.arange(1, L + 1.0) ** power) for L in range(1, 7) for power in (1, 2)}
)


def _tableau_rows(levels: int, power: int) -> np.ndarray:
    """Rows combining the level quotients into D_L and the corrections D_L - D_(L-1), D_(L-1) - D_(L-2) (as
    many as there are levels below L), D_k the extrapolation from levels 1..k: shape (min(L, 3), L)."""
    padded = [np.pad(_WEIGHTS[k, power], (0, levels - k)) for k in range(levels, max(levels - 3, 0), -1)]
    return np.array(padded[:1] + [a - b for a, b in zip(padded, padded[1:], strict=False)])


_TABLEAU = MappingProxyType({key: _tableau_rows(*key) for key in _WEIGHTS})
# sum(|w_k| / k**deriv): how much the extrapolation amplifies the round-off of the first level's quotient.
_SPREAD = MappingProxyType(
    {(L, p, d): float(np.sum(np.abs(w) / np.arange(1, L + 1.0) ** d)) for (L, p), w in _WEIGHTS.items() for d in (1, 2)}
)


def _richardson(quotients, power: int, noise: np.ndarray, deriv: int, eps: float):
    """Best estimate from level quotients (L, ...), its truncation estimate and its round-off bound.

    Level quotients q_k = D + c1 (kh)**power + c2 (kh)**(2 power) + ... (k = 1..L) are combined by Lagrange
    extrapolation to h = 0. ``noise`` bounds |dq_1| / eps for relative errors eps in the f values; level k
    divides by (kh)**deriv instead of h**deriv, so the round-off of sum(w_k q_k) is at most
    eps * (noise * sum(|w_k| / k**deriv) + |estimate|).
    """
    quotients = np.asarray(quotients)
    table = _TABLEAU[len(quotients), power].astype(quotients.dtype, copy=False)
    rows = (table @ quotients.reshape(len(quotients), -1)).reshape(table.shape[:1] + quotients.shape[1:])
    sizes = np.abs(rows)
    roundoff = eps * (_SPREAD[len(quotients), power, deriv] * noise + sizes[0])
    return rows[0], _truncation(sizes, roundoff), roundoff


def _truncation(sizes: np.ndarray, roundoff: np.ndarray) -> np.ndarray:
    """Truncation error of D_L from the sizes |D_L|, |D_L - D_(L-1)|, |D_(L-1) - D_(L-2)| (rows of _TABLEAU).

    For a smooth f the corrections c1 = |D_(L-1) - D_(L-2)| and c2 = |D_L - D_(L-1)| shrink geometrically, and so
    does the error of D_L: about c2 * (c2 / c1), times CONTRACTION_SAFETY, capped at c2. A correction not above
    RESOLVED times the round-off bound is noise, not a measurement. With c2 unresolved the ratio is read off the
    value instead, rho = c1 / |D_L|: c2 is modelled as c1 * rho (at most the round-off bound) and the error as
    that times min(CONTRACTION_SAFETY * rho, 1); with c1 unresolved too the truncation is 0 (below what round-off
    lets us see: the round-off bound covers the error). Two levels give c2; one level gives no estimate (nan).
    """
    if len(sizes) < 3:
        return sizes[1] if len(sizes) == 2 else np.full(sizes[0].shape, np.nan, sizes.dtype)
    size, gap, first = sizes
    noise = RESOLVED * roundoff
    trunc = gap * np.fmin(CONTRACTION_SAFETY * (gap / first), 1.0)
    unresolved = gap <= noise
    if not unresolved.any():
        return trunc
    rho = first / size
    model = np.fmin(first * rho, roundoff) * np.fmin(CONTRACTION_SAFETY * rho, 1.0) * (first > noise)
    return np.where(unresolved, model, trunc)


def _step_ratio(trunc: np.ndarray, roundoff: np.ndarray, order: int, wide, upper) -> np.ndarray:
    """Factor r for the step that minimises the predicted error trunc * r**p + roundoff / r (p = order),
    r = (roundoff / (p * trunc))**(1/(p + 1)); where no truncation was resolved (trunc = 0: f is a straight
    line over the stencil) r = ``wide``, the ratio of the scale max(|x|, 1) to the scale of the current step.
    Clipped to [1/MAX_STEP_CHANGE, upper]."""
    ratio = (roundoff / (order * trunc)) ** (1 / (order + 1))
    return np.clip(np.where(trunc > 0, ratio, wide), 1 / MAX_STEP_CHANGE, upper)


def _magnitude(values: np.ndarray) -> np.ndarray:
    """max |f| over the two leading (level, side) axes."""
    return np.abs(values).max(axis=(0, 1))


def _pair_estimate(values, spans, eps: float, *, as_written: bool = False):
    """Central quotients (f(x + d+) - f(x + d-)) / (d+ - d-) per level, extrapolated in h**2.

    values: shape (L, 2, ...), side axis (+, -); spans d+ - d-: (L, ...). Returns (estimate, truncation,
    round-off). With ``as_written`` (an explicit step, spans 2kh), five-point is the textbook formula evaluated
    as printed, (f(x - 2h) - 8 f(x - h) + 8 f(x + h) - f(x + 2h)) / (12h): the same number up to round-off, but
    the round-off the student sees on the page."""
    quotients = (values[:, 0] - values[:, 1]) / spans
    noise = _magnitude(values) / (0.5 * spans[0])
    best, trunc, roundoff = _richardson(quotients, 2, noise, 1, eps)
    if as_written and len(values) == 2:
        best = (values[1, 1] - 8 * values[0, 1] + 8 * values[0, 0] - values[1, 0]) / (6 * spans[0])
    return best, trunc, roundoff


def _side_estimate(f0, values, disp, eps: float):
    """One-sided quotients (f(x + d_k) - f(x)) / d_k per level (values, disp: (L, ...)), extrapolated in h."""
    quotients = (values - f0) / disp
    noise = 2 * np.maximum(np.abs(f0), _magnitude(values[:, None])) / np.abs(disp[0])
    return _richardson(quotients, 1, noise, 1, eps)


# ------------------------------------------------------------------------------------------- f evaluation


def _call(f: Callable, x: np.ndarray, shapes: tuple[tuple[int, ...], ...]) -> np.ndarray:
    """f(x) as a float array of one of ``shapes`` (a scalar result is broadcast to the first).

    Stencil points may leave f's domain: nan/inf are expected and handled by the caller (warnings are off, see
    _quiet).
    """
    out = np.asarray(f(x))
    if out.dtype.kind not in "biuf":
        raise ValueError(f"f must return real numbers; got dtype {out.dtype}")
    out = out if out.dtype.kind == "f" else out.astype(x.dtype)
    if out.shape in shapes:
        return out
    if out.ndim == 0:
        return np.broadcast_to(out, shapes[0])
    expected = " or ".join(map(str, shapes))
    raise ValueError(f"f must return shape {expected} for input of shape {x.shape}; got {out.shape}")


def _eps(*arrays: np.ndarray) -> float:
    """Unit round-off of the least precise floating dtype involved."""
    return max(_dtype_eps(a.dtype) for a in arrays)


@functools.lru_cache(maxsize=8)
def _dtype_eps(dtype) -> float:
    return float(np.finfo(dtype).eps)


def _evaluate(f: Callable, x, h, multiples: np.ndarray, *, nominal: bool, f0=None) -> _Stencil:
    """f at x + m*h for ``multiples`` of shape (L, S) or (L, S, N), in one call; also f(x) unless given.

    ``nominal``: the quotients divide by m*h as given (explicit steps), not by the distances evaluated."""
    shape = multiples.shape[:2] + x.shape
    start = 0 if f0 is not None else 1
    stacked = np.empty((start + shape[0] * shape[1],) + x.shape, dtype=x.dtype)
    nodes = stacked[start:].reshape(shape)
    np.multiply(multiples if multiples.ndim == 3 else multiples[..., None], h, out=nodes)
    offsets = nodes.copy() if nominal else None
    nodes += x
    if start:
        stacked[0] = x
    values = _call(f, stacked, (stacked.shape,))
    if start:
        f0, values = values[0], values[1:]
    collapsed = np.any(nodes == x, axis=(0, 1)) if nominal else None
    return _Stencil(f0, values.reshape(shape), nodes, x, offsets, _eps(x, values), collapsed)


def _offsets(st: _Stencil) -> np.ndarray:
    """Distances of the nodes from x the one-sided quotients divide by: nominal, or as evaluated."""
    return st.nodes - st.x if st.offsets is None else st.offsets


def _spans(st: _Stencil) -> np.ndarray:
    """Distances between the + and - nodes per level, (L, N), that the central quotients divide by."""
    ends = st.nodes if st.offsets is None else st.offsets
    return ends[:, 0] - ends[:, 1]


@functools.lru_cache(maxsize=32)
def _multiples(scheme: _Scheme, levels: int | None = None) -> np.ndarray:
    """Offsets sign*k, shape (levels, signs) (read-only, shared)."""
    k = np.arange(1, (levels or scheme.levels) + 1)
    out = (k[:, None] * np.array(scheme.signs)[None, :]).astype(float)
    out.flags.writeable = False
    return out


def _estimate(st: _Stencil, scheme: _Scheme):
    """The scheme's estimate from a stencil: central pairs or its one side."""
    if len(scheme.signs) == 2:
        return _pair_estimate(st.values, _spans(st), st.eps, as_written=st.collapsed is not None)
    return _side_estimate(st.f0, st.values[:, 0], _offsets(st)[:, 0], st.eps)


def _finite_levels(st: _Stencil) -> np.ndarray:
    """Per side, how many levels k = 1, 2, ... in a row have finite f: shape (signs, N)."""
    return np.cumprod(np.isfinite(st.values), axis=0).sum(axis=0)


# ---------------------------------------------------------------------------------------------- derivative


@_quiet
def derivative(f: Callable, x, *, method: str = "auto", step=None, refine: bool = False) -> Derivative:
    """Derivative f'(x) of an elementwise function by finite differences.

    Parameters
    ----------
    f : callable
        Maps an array to an array of the same shape, elementwise (e.g. ``np.sin``). It is called with arrays of
        shape ``(S, N)`` holding all stencil points of all points at once.
    x : float or array_like, shape (...)
        The point(s).
    method : {"auto", "forward", "backward", "central", "five-point"}, keyword-only
        ``"auto"``: 6th-order Richardson extrapolation of central differences at h, 2h, 3h (7 evaluations
        per point), with an error estimate. The others are the textbook stencils (see the module docstring).
    step : float or array_like, optional, keyword-only
        Step h, used exactly as given in the textbook formula (broadcast to the shape of ``x``). Default:
        ``eps**(1/(p+1)) * s`` (``auto``: times AUTO_STEP_FACTOR) with ``s = min(|x|, 1)`` (``1`` at ``x = 0``),
        p the method's order, shrunk near a domain edge.
    refine : bool, keyword-only
        ``"auto"`` only: where the first tableau predicts a step at least STEP_CHANGE times larger or smaller to
        be better, try that step too (13 evaluations instead of 7) and keep the estimate with the smaller error
        estimate. Off by default, to stay within 8 evaluations a point; on, the worst errors on arrays of points
        match scipy.differentiate's (tests/benchmarks/bench_differences.py).

    Returns
    -------
    Derivative
        ``value`` and ``step`` of the shape of ``x``; ``error_estimate`` for ``"auto"``; ``evaluations`` per
        point; ``note`` where the stencil changed (domain edge) or a value is nan (f not finite at x).

    Raises
    ------
    ValueError
        Unknown ``method``, ``step`` not positive and finite or not broadcastable to ``x``, non-real ``x``, or
        ``f`` returning the wrong shape.
    """
    scheme, xs, explicit = _derivative_args(x, method, step)
    flat = xs.ravel()
    h = _default_factor(xs.dtype, scheme) * _scale(flat) if explicit is None else explicit.ravel()
    points = _first_round(f, flat, h, scheme, own_step=explicit is None, adapt=method == "auto" and refine)
    error = (points.trunc[0] + points.roundoff[0]).reshape(xs.shape)[()] if method == "auto" else None
    return Derivative(
        value=points.value[0].reshape(xs.shape)[()],
        step=points.step.reshape(xs.shape)[()],
        error_estimate=error,
        evaluations=points.evaluations.reshape(xs.shape)[()],
        method=method,
        note=_note(points.code),
    )


def _first_round(f: Callable, x, h, scheme: _Scheme, *, own_step: bool, adapt: bool) -> _Points:
    """Evaluate the stencil at all points, then hand the points that need it to the edge and second-step rounds.

    Near a domain edge a default step shrinks (``own_step``), an explicit one goes one-sided; ``adapt`` (auto)
    with its own step tries a second step where its first tableau predicts a better one."""
    st = _evaluate(f, x, h, _multiples(scheme), nominal=not own_step)
    estimate = _estimate(st, scheme)
    n_evals = np.full(x.shape, 1 + scheme.levels * len(scheme.signs))
    code = np.zeros(x.shape, np.int8) if st.collapsed is None else np.where(st.collapsed, _COLLAPSED, _OK)
    points = _Points(_stack(estimate, h), code.astype(np.int8), n_evals)
    finite = np.isfinite(estimate[0]) & np.isfinite(st.f0)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        code = _blocking_code(x[bad], _subset(st, bad))
        points.put(bad, None, h[bad], code)
        edge = bad[code == _OK]
        handler = _shrink_at_edge if own_step else _one_sided
        handler(f, x[edge], h[edge], _subset(st, edge), scheme, points, edge)
    if own_step and adapt:
        restencil = functools.partial(_restencil, f, x, st.f0, scheme, points)
        _second_step(points, x, scheme.order, restencil)
    return points


def _blocking_code(x: np.ndarray, st: _Stencil) -> np.ndarray:
    """Why a point gets nan outright: x or f(x) not finite, or a step below the spacing of floats at x
    (_OK for the others: the stencil leaves f's domain)."""
    code = np.where(np.any(_offsets(st) == 0, axis=(0, 1)), _TOO_SMALL, _OK)
    code = np.where(np.isfinite(st.f0), code, _F_NOT_FINITE)
    return np.where(np.isfinite(x), code, _X_NOT_FINITE).astype(np.int8)


def _subset(st: _Stencil, idx: np.ndarray) -> _Stencil:
    collapsed = None if st.collapsed is None else st.collapsed[idx]
    offsets = None if st.offsets is None else st.offsets[..., idx]
    return _Stencil(st.f0[idx], st.values[..., idx], st.nodes[..., idx], st.x[idx], offsets, st.eps, collapsed)


def _one_sided(f, x, h, st: _Stencil, scheme: _Scheme, points: _Points, idx: np.ndarray) -> None:
    """Estimate at the same step from the side where f is finite (the side with more finite levels): levels
    1..p on that side (order p). A one-sided method whose side is not finite switches to the other side.
    Where the new points are not all finite, the finite ones nearest x are used (lower order); with none, the
    value is nan."""
    if len(scheme.signs) == 2:
        finite = _finite_levels(st)
        side = np.where(finite[0] >= finite[1], 1, -1).astype(x.dtype)
    else:
        side = np.full(x.shape, -scheme.signs[0], dtype=x.dtype)
    multiples = np.arange(1, scheme.order + 1)[:, None, None] * side
    new = _evaluate(f, x, h, multiples, nominal=st.collapsed is not None, f0=st.f0)
    points.evaluations[idx] += scheme.order
    usable = _finite_levels(new)[0]
    for levels in np.unique(usable[usable > 0]):
        pick = usable == levels
        offsets = _offsets(new)[:levels, 0, pick]
        estimate = _side_estimate(new.f0[pick], new.values[:levels, 0, pick], offsets, new.eps)
        points.put(idx[pick], estimate, h[pick], np.where(side[pick] > 0, _FORWARD, _BACKWARD))
    points.put(idx[usable == 0], None, h[usable == 0], _NO_SIDE)


def _shrink_at_edge(f, x, h, st: _Stencil, scheme: _Scheme, points: _Points, idx: np.ndarray) -> None:
    """Default step near a domain edge: shrink it towards the edge, EDGE_ROUNDS times at most.

    The new step is the default one for the distance to the edge as far as the finite levels tell
    (_edge_step). Points still not finite afterwards go one-sided."""
    factor = _default_factor(x.dtype, scheme)
    for _ in range(EDGE_ROUNDS):
        h = _edge_step(x, h, _finite_levels(st).min(axis=0), factor)
        st = _evaluate(f, x, h, _multiples(scheme), nominal=False, f0=st.f0)
        points.evaluations[idx] += scheme.levels * len(scheme.signs)
        done = np.isfinite(st.values).all(axis=(0, 1))
        points.put(idx[done], _estimate(_subset(st, done), scheme), h[done], _SHRUNK)
        x, h, idx, st = x[~done], h[~done], idx[~done], _subset(st, ~done)
        if not idx.size:
            return
    _one_sided(f, x, h, st, scheme, points, idx)


def _second_step(points: _Points, x: np.ndarray, order: int, evaluate: Callable) -> None:
    """``auto`` with its own steps: where the first tableau predicts a step better by STEP_CHANGE or more
    (_step_ratio, up to MAX_STEP_CHANGE times the scale max(|x|, 1); only smaller for a step already shrunk at a
    domain edge), try it (_try_steps). ``evaluate(items, steps)`` returns the (value, truncation, round-off)
    estimates at the new steps and counts the evaluations."""
    todo = _candidates(points, order)
    if not todo.size:
        return
    x = x[todo]
    wide = _wide_scale(x) / _scale(x)
    upper = np.where(points.code[todo] == _SHRUNK, 1, MAX_STEP_CHANGE * wide)
    ratio = _step_ratio(points.trunc[0, todo], points.roundoff[0, todo], order, wide, upper)
    far = (ratio >= STEP_CHANGE) | (ratio <= 1 / STEP_CHANGE)
    todo, steps = todo[far], points.step[todo[far]] * ratio[far]
    if todo.size:
        _try_steps(points, todo, steps, points.code[todo], np.zeros(todo.size, bool), evaluate)


def _candidates(points: _Points, order: int, *, grow: bool = True, change: float = STEP_CHANGE) -> np.ndarray:
    """Items with code _OK or _SHRUNK whose predicted step ratio (roundoff / (order * trunc))**(1/(order + 1))
    (see _step_ratio; for a vector f the worse component's) is ``change`` or more below 1 (or, with ``grow``,
    above), before clipping: a cheap filter on all items, the exact ratio is computed for these only."""
    ratio = _worst(points.roundoff) / _worst(points.trunc)
    far, near = order * change ** (order + 1), order / change ** (order + 1)
    todo = np.flatnonzero((ratio <= near) | (ratio >= far) if grow else ratio <= near)
    return todo[points.code[todo] <= _SHRUNK]


def _try_steps(points: _Points, todo, steps, code, forced, evaluate: Callable) -> None:
    """Estimates at new ``steps`` for the items ``todo``, kept where finite and either ``forced`` or better.

    Better: a smaller error estimate (for a vector f, the worse component's) when the new estimate lies within
    the current one's error estimate; when it does not, one error model failed (truncation hidden by a
    derivative crossing zero), and the smaller step, whose truncation is smaller, is kept. ``code`` per item."""
    new = _stack(evaluate(todo, steps), steps)
    old, m = np.take(points.data, todo, axis=1), points.m
    error, current = _worst(new[m : 2 * m] + new[2 * m : 3 * m]), _worst(old[m : 2 * m] + old[2 * m : 3 * m])
    agree = _worst(np.abs(new[:m] - old[:m])) <= current
    keep = np.isfinite(error) & (forced | np.where(agree, error < current, steps < old[-1]))
    points.scatter(todo[keep], np.compress(keep, new, axis=1))
    points.code[todo[keep]] = code[keep]


def _worst(a: np.ndarray) -> np.ndarray:
    """Per item, the largest over the m components (first axis) of a vector f; nan if any is."""
    return a[0] if len(a) == 1 else a.max(axis=0)


def _restencil(f, x, f0, scheme: _Scheme, points: _Points, todo: np.ndarray, steps: np.ndarray):
    """``derivative``'s second step: the stencil at ``steps`` for the points ``todo`` (f(x) reused)."""
    st = _evaluate(f, x[todo], steps, _multiples(scheme), nominal=False, f0=f0[todo])
    points.evaluations[todo] += scheme.levels * len(scheme.signs)
    return _estimate(st, scheme)


def _note(codes: np.ndarray | None, unit: str = "points") -> str | None:
    """One clause per kind of event, with counts when there are several points (or entries); None: all OK."""
    if codes is None or not codes.any():
        return None
    counts = np.bincount(codes.ravel(), minlength=len(_NOTES) + 1)
    parts = []
    for code, text in _NOTES.items():
        count = int(counts[code])
        if count:
            parts.append(text if codes.size == 1 else f"{text} ({count} of {codes.size} {unit})")
    return "; ".join(parts) or None


@_quiet
def step_sweep(f: Callable, x: float, *, steps, methods=("forward", "central", "five-point"), exact=None) -> StepSweep:
    """Each method's estimate of f'(x) (and error, given the exact value) at each explicit step.

    For the error-vs-h plot: the error falls like h**p while truncation dominates and rises like eps*|f|/h
    once round-off does.

    Parameters
    ----------
    f : callable
        Elementwise, as for ``derivative``; called once per method with all steps stacked.
    x : float
        The point.
    steps : array_like, shape (s,)
        Positive finite steps.
    methods : sequence of str, keyword-only
        Names from ``METHODS``.
    exact : float, optional, keyword-only
        The true f'(x); then ``errors = |estimates - exact|``.

    Returns
    -------
    StepSweep
        ``estimates`` of shape ``(len(methods), s)``.
    """
    xs, h, names = _sweep_args(x, steps, methods, exact)
    points = np.full(h.shape, xs, dtype=np.result_type(xs, h))
    estimates = np.stack([derivative(f, points, method=name, step=h).value for name in names])
    errors = None if exact is None else np.abs(estimates - exact)
    return StepSweep(float(xs), h, names, estimates, errors)


# ------------------------------------------------------------------------------------ several variables


@_quiet
def partial(f: Callable, point, i: int, *, method: str = "auto", step=None) -> Derivative:
    """Partial derivative df/dx_i, every other variable held fixed.

    Parameters
    ----------
    f : callable
        Takes ``x`` of shape ``(n, ...)`` (``x[0]``, ``x[1]``, ... are the variables) and returns shape ``(...)``
        (scalar function) or ``(m, ...)`` (vector function), elementwise over the trailing axes. Called with all
        stencil points stacked (once, or twice for ``auto``, see ``gradient``).
    point : array_like, shape (n,) or (n, ...)
        The point, or many points along the trailing axes.
    i : int
        The variable, 0 <= i < n.
    method, step
        As for ``gradient``.

    Returns
    -------
    Derivative
        ``value`` of shape ``(...)`` (``(m, ...)`` for a vector ``f``); ``step`` of shape ``(...)``.
    """
    scheme, p, explicit = _point_args(point, method, step)
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < p.shape[0]:
        raise ValueError(f"i must be an integer in [0, {p.shape[0]}); got {i!r}")
    first = _first_partials(f, p, np.array([i]), scheme, explicit, method)
    value, error, h = first.value[:, 0], first.error[:, 0], first.step[0]
    value, error = (value[0], error[0]) if first.scalar else (value, error)
    return _multi_result(first, value[()], error[()], h[()], method)


@_quiet
def gradient(f: Callable, point, *, method: str = "auto", step=None) -> Derivative:
    """Gradient of a scalar function of n variables: grad f = (df/dx_0, ..., df/dx_(n-1)).

    Parameters
    ----------
    f : callable
        Takes ``x`` of shape ``(n, ...)`` (``x[0]``, ``x[1]``, ... are the variables), returns shape ``(...)``,
        elementwise over the trailing axes. The stencil points of all variables and points are stacked along
        axis 1 into one call; ``auto`` may make one more, of shape ``(n, S)``, for the pairs it re-examines.
    point : array_like, shape (n,) or (n, ...)
        The point, or many points along the trailing axes.
    method : {"auto", "forward", "backward", "central", "five-point"}, keyword-only
        Per variable, the stencils of ``derivative``. ``"auto"``: the 6th-order stencil at the step
        ``AUTO_STEP_FACTOR * eps**(1/7) * max(|x_i|, 1)`` (6 evaluations per variable, plus f(x)); then, in a
        second call, 6 more for each (variable, point) whose stencil left f's domain (a step shrunk towards
        the edge) or whose tableau predicts a step at least PARTIAL_STEP_CHANGE times smaller to be better (kept if
        its error estimate is smaller).
    step : float or array_like, optional, keyword-only
        Explicit steps, broadcast to the shape of ``point`` (e.g. one per variable, shape ``(n, 1, ...)``);
        default ``eps**(1/(p+1)) * min(|x_i|, 1)`` for the textbook stencils.

    Returns
    -------
    Derivative
        ``value`` of shape ``(n, ...)``, ``step`` of shape ``(n, ...)``. Where a variable's stencil leaves f's
        domain on one side, ``auto`` shrinks its default step towards the edge; an explicit step (or a shrunk
        one still leaving the domain) gives a one-sided estimate from the points on the other side (noted).
    """
    scheme, p, explicit = _point_args(point, method, step)
    first = _first_partials(f, p, np.arange(p.shape[0]), scheme, explicit, method)
    if not first.scalar:
        raise ValueError(f"f must return shape {p.shape[1:]} (a scalar function) for gradient; use jacobian")
    return _multi_result(first, first.value[0], first.error[0], first.step, method)


@_quiet
def jacobian(f: Callable, point, *, method: str = "auto", step=None) -> Derivative:
    """Jacobian J[j, i] = dF_j/dx_i of F: R^n -> R^m.

    Parameters
    ----------
    f : callable
        Takes ``x`` of shape ``(n, ...)`` and returns shape ``(m, ...)`` (or ``(...)`` for a scalar function,
        whose Jacobian is its gradient), elementwise over the trailing axes. Called with all stencil points
        stacked along axis 1, so a Jacobian at a thousand points is one vectorised evaluation (``auto``: plus
        at most one for the pairs it re-examines, see ``gradient``).
    point : array_like, shape (n,) or (n, ...)
    method, step
        As for ``gradient``.

    Returns
    -------
    Derivative
        ``value`` of shape ``(m, n, ...)`` (``(n, ...)`` for a scalar ``f``), ``step`` of shape ``(n, ...)``.
    """
    scheme, p, explicit = _point_args(point, method, step)
    first = _first_partials(f, p, np.arange(p.shape[0]), scheme, explicit, method)
    value, error = (first.value[0], first.error[0]) if first.scalar else (first.value, first.error)
    return _multi_result(first, value, error, first.step, method)


@_quiet
def hessian(f: Callable, point, *, method: str = "auto", step=None) -> Derivative:
    """Hessian H[i, j] = d2f/(dx_i dx_j) of a scalar function of n variables.

    Diagonal: second differences (f(x + kh e_i) - 2 f(x) + f(x - kh e_i)) / (kh)**2; off-diagonal: cross
    differences (f(++) - f(+-) - f(-+) + f(--)) / (4 k**2 h_i h_j) at x +- kh_i e_i +- kh_j e_j; both at levels
    k = 1..L and Richardson-extrapolated in h**2 (central: L = 1, order 2; five-point: L = 2, order 4; auto:
    L = 3, order 6, at the steps eps**(1/8) * min(|x_i|, 1) and eps**(1/8) * max(|x_i|, 1), keeping per point
    the one with the smaller worst-entry error).

    Parameters
    ----------
    f : callable
        Takes ``x`` of shape ``(n, ...)``, returns shape ``(...)``. Called exactly once.
    point : array_like, shape (n,) or (n, ...)
    method : {"auto", "central", "five-point"}, keyword-only
    step : float or array_like, optional, keyword-only
        Explicit steps broadcast to the shape of ``point``; default ``eps**(1/(p+2)) * min(|x_i|, 1)``.

    Returns
    -------
    Derivative
        ``value`` of shape ``(n, n, ...)``, symmetric; ``step`` of shape ``(n, ...)``. Entries whose stencil
        leaves f's domain are nan (noted).
    """
    scheme, p, explicit = _point_args(point, method, step, HESSIAN_METHODS)
    steps = _multi_steps(p, scheme, explicit, 2, (_scale, _wide_scale) if method == "auto" else (_scale,))
    nodes, disp, collapsed = _axis_nodes(p, steps, np.arange(p.shape[0]), scheme, nominal=explicit is not None)
    pairs = np.triu_indices(p.shape[0], 1)
    x = np.concatenate([p[:, None], _axis_block(p, nodes, np.arange(p.shape[0])), _corner_block(p, nodes, pairs)], 1)
    values = _call_multi(f, x)
    if values.ndim != p.ndim:
        raise ValueError(f"f must return shape {p.shape[1:]} (a scalar function) for hessian; got a vector")
    finite_x = np.isfinite(p).all(axis=0)
    second = _second_estimates(values, disp, steps, pairs, _eps(p, values), finite_x, (collapsed, explicit is not None))
    return _multi_result(second, second.value, second.error, second.step, method)


class _Multi(NamedTuple):
    """Estimates: value/error (m, nd, ...) or (n, n, ...), step (nd, ...), codes per entry (None: all OK),
    evaluations per point (the batch shape; an int at one point), the points' batch shape, and whether f is
    scalar. (Internal, so a NamedTuple: cheaper to build than a frozen dataclass at one point.)"""

    value: np.ndarray
    error: np.ndarray
    step: np.ndarray
    code: np.ndarray
    evaluations: np.ndarray
    batch: tuple[int, ...]
    scalar: bool


def _multi_result(multi: _Multi, value, error, step, method: str) -> Derivative:
    error = error if method == "auto" else None
    evaluations = multi.evaluations if isinstance(multi.evaluations, int) else multi.evaluations[()]
    return Derivative(value, step, error, evaluations, method, _note(multi.code, "entries"))


def _multi_steps(p: np.ndarray, scheme: _Scheme, explicit, deriv: int, scales) -> np.ndarray:
    """Steps of shape (len(scales), n, ...): the explicit ones (one scale), or the default factor times each
    function in ``scales`` (_scale, _wide_scale) of p. The factor is eps**(1/(p+d)), for first derivatives
    times the scheme's step_factor."""
    if explicit is not None:
        return explicit[None]
    factor = _default_factor(p.dtype, scheme) if deriv == 1 else _step_factor(p.dtype, scheme.order, deriv)
    return np.stack([factor * scale(p) for scale in scales])


def _axis_nodes(p: np.ndarray, steps: np.ndarray, idx: np.ndarray, scheme: _Scheme, nominal: bool):
    """Coordinates x_i + sign*k*h_i and the quotients' offsets (exact, or nominal k*h_i for explicit steps),
    shape (scales, len(idx), L, signs, ...); and where x_i + k*h_i == x_i, shape (scales, len(idx), ...)."""
    batch = (None,) * (p.ndim - 1)
    mult = _multiples(scheme).astype(p.dtype, copy=False)[(None, None, ...) + batch]
    base = p[idx][(None, slice(None), None, None) + (slice(None),) * (p.ndim - 1)]
    offsets = mult * steps[:, idx][:, :, None, None]
    nodes = base + offsets
    return nodes, offsets if nominal else nodes - base, np.any(nodes == base, axis=(2, 3))


def _axis_block(p: np.ndarray, nodes: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Points moved along one variable: shape (n, scales*len(idx)*L*signs, ...)."""
    block = np.repeat(p[:, None], int(np.prod(nodes.shape[:4])), axis=1)
    block = block.reshape(p.shape[:1] + nodes.shape[:4] + p.shape[1:])
    block[idx, :, np.arange(len(idx))] = np.moveaxis(nodes, 1, 0)
    return block.reshape((p.shape[0], -1) + p.shape[1:])


def _corner_block(p: np.ndarray, nodes: np.ndarray, pairs) -> np.ndarray:
    """Points moved along two variables i < j, quadrants (+,+), (+,-), (-,+), (-,-): (n, scales*pairs*L*4, ...)."""
    first, second = pairs
    shape = p.shape[:1] + (nodes.shape[0], len(first), nodes.shape[2], 4) + p.shape[1:]
    block = np.broadcast_to(p[(slice(None),) + (None,) * 4], shape).copy()
    for q, (si, sj) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        block[first, :, np.arange(len(first)), :, q] = np.moveaxis(nodes[:, :, :, si][:, first], 1, 0)
        block[second, :, np.arange(len(first)), :, q] = np.moveaxis(nodes[:, :, :, sj][:, second], 1, 0)
    return block.reshape((p.shape[0], -1) + p.shape[1:])


def _call_multi(f: Callable, x: np.ndarray) -> np.ndarray:
    """f(x) for stacked points x of shape (n, S, ...): shape (S, ...) or (m, S, ...)."""
    out = np.asarray(f(x))  # stencil points may leave f's domain; handled by the caller (warnings off: _quiet)
    if out.dtype.kind not in "biuf":
        raise ValueError(f"f must return real numbers; got dtype {out.dtype}")
    out = out if out.dtype.kind == "f" else out.astype(x.dtype)
    if out.ndim == 0:
        return np.broadcast_to(out, x.shape[1:])
    if out.shape[-(x.ndim - 1) :] != x.shape[1:] or out.ndim > x.ndim:
        raise ValueError(
            f"f must return shape {x.shape[1:]} or (m, *{x.shape[1:]}) for input of shape {x.shape}; got {out.shape}"
        )
    return out


def _first_partials(f, p, idx, scheme: _Scheme, explicit, method: str) -> _Multi:
    """First partial derivatives along the variables ``idx``: one stacked call of f, and for ``auto`` with its
    own steps one more for the (variable, point) pairs that need it (_adapt_partials)."""
    nominal = explicit is not None
    if nominal:
        steps = explicit[idx]
    else:
        moved = p if len(idx) == p.shape[0] else p[idx]  # all variables: idx is arange(n)
        steps = _default_factor(p.dtype, scheme) * (_wide_scale if method == "auto" else _scale)(moved)
    x, offsets, collapsed = _partial_nodes(p, idx, steps, _multiples(scheme).astype(p.dtype, copy=False), nominal)
    values = _call_multi(f, x)
    scalar = values.ndim == p.ndim
    values = values[None] if scalar else values
    stencil = values[:, 1:].reshape(values.shape[:1] + offsets.shape)
    stencil = stencil.transpose((1, 2, 0) + tuple(range(3, stencil.ndim)))  # (L, S, m, nd, ...)
    offsets = offsets[:, :, None]
    f0 = values[:, :1]
    estimate, code = _directional(f0, stencil, offsets, scheme, _eps(p, values), as_written=nominal)
    # nan and inf propagate through the sum (an overflow only sends the points to the careful path)
    clean = code is None and not collapsed.any() and np.isfinite(f0.sum() + p.sum())
    if not clean:
        code = _partial_codes(np.zeros(steps.shape, np.int8) if code is None else code, collapsed, nominal, f0, p)
        clean = not code.any()
    evaluations = scheme.levels * len(scheme.signs)
    if method != "auto" or nominal or not _wants_second(estimate, None if clean else code, scheme.order):
        return _multi_of_estimate(estimate, steps, None if clean else code, 1 + evaluations * len(idx), scalar)
    points = _pair_points(estimate, steps, np.zeros(steps.shape, np.int8) if clean else code, evaluations)
    _adapt_partials(f, p, idx, scheme, points, stencil)
    return _multi_of_pairs(points, steps.shape, scalar)


def _wants_second(estimate, code: np.ndarray | None, order: int) -> bool:
    """Whether any (variable, point) pair needs ``auto``'s second call: a stencil that left f's domain, or a
    tableau predicting a smaller step better by PARTIAL_STEP_CHANGE or more (the cheap filter of _candidates).
    ``code`` None: all pairs OK."""
    if code is not None and np.isin(code, (_FORWARD, _BACKWARD, _NO_SIDE)).any():
        return True
    _, trunc, roundoff = estimate
    near = order / PARTIAL_STEP_CHANGE ** (order + 1)
    if not np.any(roundoff <= near * trunc):  # needed for the worst components' too
        return False
    smaller = _worst(roundoff) <= near * _worst(trunc)
    return bool(smaller.any() if code is None else np.any(smaller & (code <= _SHRUNK)))


def _multi_of_estimate(estimate, steps: np.ndarray, code: np.ndarray | None, evaluations: int, scalar: bool):
    """_Multi straight from the first call's estimates (m, nd, ...): nan (noted) where the code is not OK
    (``code`` None: all OK)."""
    value, trunc, roundoff = estimate
    error = trunc + roundoff
    if code is not None:
        ok = code <= _COLLAPSED
        value, error = np.where(ok, value, np.nan), np.where(ok, error, np.nan)
    batch = steps.shape[1:]
    return _Multi(value, error, steps, code, np.full(batch, evaluations) if batch else evaluations, batch, scalar)


def _partial_codes(code, collapsed, nominal: bool, f0, p) -> np.ndarray:
    """Codes per (variable, point): the stencil's (_directional), then a step below the spacing of floats at
    x, then f(x) not finite, then x not finite."""
    code = _spacing_code(code, collapsed, nominal)
    code = np.where(np.isfinite(f0).all(axis=0), code, _F_NOT_FINITE)
    return np.where(np.isfinite(p).all(axis=0), code, _X_NOT_FINITE)


def _partial_nodes(p: np.ndarray, idx, steps: np.ndarray, multiples: np.ndarray, nominal: bool):
    """The stacked points for the first partials along ``idx``: shape (n, 1 + L*S*nd, ...), the point and then,
    per (level, side, variable), the point moved along that variable by sign*k*h; the offsets the quotients
    divide by, (L, S, nd, ...) (exact, or the nominal sign*k*h for explicit steps); and where x_i + k*h_i ==
    x_i, (nd, ...). Variables innermost: the stencil values come out as (L, S, m, nd, ...) views whose
    reductions over (L, S) run over contiguous memory."""
    moves = multiples[(slice(None), slice(None), None) + (None,) * (p.ndim - 1)] * steps
    x = np.empty((p.shape[0], 1 + multiples.size * len(idx)) + p.shape[1:], p.dtype)
    x[...] = p[:, None]
    rows = x.reshape((-1,) + p.shape[1:])
    at = _moved_rows(p.shape[0], tuple(idx.tolist()), multiples.size)
    rows[at] += moves.reshape((-1,) + p.shape[1:])
    exact = rows[at].reshape(moves.shape) - (p if len(idx) == p.shape[0] else p[idx])  # idx is arange(n) then
    if not nominal:  # a default step is never below the spacing of floats at a finite x (see _scale)
        return x, exact, np.False_
    return x, moves, np.any(exact == 0, axis=(0, 1))


@functools.lru_cache(maxsize=64)
def _moved_rows(n: int, idx: tuple[int, ...], size: int) -> np.ndarray:
    """Rows of the stacked points, flattened to (n * (1 + size * len(idx)), ...), that _partial_nodes moves: per
    stencil point j < size and k-th variable i in ``idx``, coordinate i of column 1 + j * len(idx) + k
    (read-only, shared)."""
    columns = 1 + size * len(idx)
    variables = np.array(idx, dtype=np.intp)
    rows = (variables * columns + 1 + np.arange(len(idx)) + np.arange(size)[:, None] * len(idx)).ravel()
    rows.flags.writeable = False
    return rows


def _pair_points(estimate, step: np.ndarray, code: np.ndarray, evaluations: int) -> _Points:
    """The first call's estimates (m, nd, ...) as _Points over (variable, point) pairs, flattened to (m, Q)."""
    data = _stack([np.reshape(a, (a.shape[0], -1)) for a in estimate], step.ravel())
    return _Points(data, code.ravel().astype(np.int8), np.full(code.size, evaluations))


def _multi_of_pairs(points: _Points, shape: tuple[int, ...], scalar: bool) -> _Multi:
    """_Multi from pairs of ``shape`` (nd, ...): nan (noted) where the code is not OK; evaluations per point,
    counting f(x) once."""
    value, error = points.value, points.trunc + points.roundoff
    if points.code.any():
        ok = points.code <= _COLLAPSED
        value, error = np.where(ok, value, np.nan), np.where(ok, error, np.nan)
    evaluations = 1 + points.evaluations.reshape(shape).sum(axis=0)
    value, error = value.reshape(value.shape[:1] + shape), error.reshape(error.shape[:1] + shape)
    return _Multi(value, error, points.step.reshape(shape), points.code.reshape(shape), evaluations, shape[1:], scalar)


def _adapt_partials(f, p: np.ndarray, idx, scheme: _Scheme, points: _Points, stencil: np.ndarray) -> None:
    """``auto`` with its own steps, after the first call: one more call of f for the (variable, point) pairs
    whose stencil left f's domain (the step shrunk towards the edge, as in ``derivative``; kept where the new
    stencil is finite) or whose tableau predicts a smaller step better by PARTIAL_STEP_CHANGE or more (_step_ratio; kept
    where its error estimate is smaller). The first step is already at the wide scale max(|x_i|, 1), so it does
    not grow: a step shared by m components rarely suits all of them beyond it."""
    todo = _candidates(points, scheme.order, grow=False, change=PARTIAL_STEP_CHANGE)
    edge = np.flatnonzero(np.isin(points.code, (_FORWARD, _BACKWARD, _NO_SIDE))) if points.code.any() else todo[:0]
    if not (todo.size or edge.size):
        return
    trunc, roundoff = (_worst(np.take(a, todo, axis=1)) for a in (points.trunc, points.roundoff))
    ratio = _step_ratio(trunc, roundoff, scheme.order, 1, 1)
    shrink = ratio <= 1 / PARTIAL_STEP_CHANGE
    todo, steps = todo[shrink], (points.step[todo] * ratio)[shrink]
    if edge.size:
        finite = _finite_run(stencil).ravel()[edge]
        todo = np.concatenate([todo, edge])
        x = p[idx[edge // p[0].size]].reshape(len(edge), -1)[np.arange(len(edge)), edge % p[0].size]
        steps = np.concatenate([steps, _edge_step(x, points.step[edge], finite, _default_factor(p.dtype, scheme))])
    if todo.size:
        code = np.repeat(np.array([_OK, _SHRUNK], np.int8), (todo.size - edge.size, edge.size))
        evaluate = functools.partial(_pair_stencils, f, p, idx, scheme, points)
        _try_steps(points, todo, steps, code, code == _SHRUNK, evaluate)


def _finite_run(values: np.ndarray) -> np.ndarray:
    """From stencil values (L, signs, m, ...): how many levels k = 1, 2, ... in a row are finite on the worse
    side, for all components: shape (...)."""
    finite = np.isfinite(values).all(axis=2)
    return np.cumprod(finite, axis=0).sum(axis=0).min(axis=0)


def _edge_step(x: np.ndarray, h: np.ndarray, finite_levels: np.ndarray, factor: float) -> np.ndarray:
    """A default step h at x shrunk towards a domain edge: the edge lies beyond k*h when the first k levels
    were finite (k = ``finite_levels``), within h/16 taken as a guess when none was; the new step is the
    default one, ``factor`` times that distance or times the relative scale min(|x|, 1) if smaller (the usual
    edges, of log, sqrt, 1/x, x**a, sit at 0)."""
    return factor * np.minimum(_scale(x), np.where(finite_levels > 0, finite_levels * h, h / 16))


def _pair_stencils(f, p: np.ndarray, idx, scheme: _Scheme, points: _Points, todo: np.ndarray, steps: np.ndarray):
    """Central stencils at ``steps`` for the (variable, point) pairs ``todo`` (flat indices into (nd, B)), in
    one call of f with shape (n, len(todo) * 2L): estimates of shape (m, len(todo))."""
    variable, item = np.divmod(todo, p[0].size)
    base = p.reshape(p.shape[0], -1)[:, item]
    rows, cols = idx[variable], np.arange(todo.size)
    multiples = _multiples(scheme).astype(p.dtype, copy=False)
    x = np.repeat(base[:, None, None], multiples.size, axis=1).reshape(p.shape[0], *multiples.shape, todo.size)
    x[rows, :, :, cols] += multiples[None] * steps[:, None, None]
    offsets = np.moveaxis(x[rows, :, :, cols], 0, 2) - base[rows, cols]
    values = _call_multi(f, x.reshape(p.shape[0], -1)).reshape((-1,) + x.shape[1:])
    points.evaluations[todo] += multiples.size
    return _pair_estimate(np.moveaxis(values, 0, 2), (offsets[:, 0] - offsets[:, 1])[:, None], _eps(p, values))


def _directional(f0, values, disp, scheme: _Scheme, eps: float, *, as_written: bool):
    """Estimates (value, truncation, round-off) per (component, variable, point) from values (L, signs, m,
    nd, ...): central where both sides are finite, one-sided (levels 1..L) where one is, nan where none is;
    and the codes (nd, ...), None where all stencils are central. ``as_written``: explicit steps, see
    _pair_estimate."""
    if len(scheme.signs) == 2:
        estimate = _pair_estimate(values, disp[:, 0] - disp[:, 1], eps, as_written=as_written)
        if np.isfinite(estimate[0]).all():  # a non-finite stencil value makes the estimate non-finite
            return estimate, None
    finite = np.isfinite(values).all(axis=(0, 2))
    if len(scheme.signs) == 1:
        code = np.where(finite[0], _OK, _SIDE_LOST)
        return _side_estimate(f0, values[:, 0], disp[:, 0], eps), code
    if finite.all():
        return estimate, None
    code = np.select([finite[0] & finite[1], finite[0], finite[1]], [_OK, _FORWARD, _BACKWARD], _NO_SIDE)
    forward = _side_estimate(f0, values[:, 0], disp[:, 0], eps)
    backward = _side_estimate(f0, values[:, 1], disp[:, 1], eps)
    estimate = tuple(
        np.select([code == _OK, code == _FORWARD, code == _BACKWARD], [c, fw, bw], np.nan)
        for c, fw, bw in zip(estimate, forward, backward, strict=True)
    )
    return estimate, code


def _second_estimates(values, disp, steps, pairs, eps: float, finite_x, spacing) -> _Multi:
    """Hessian from stacked values (f(x), axis block, corner block) and axis offsets (scales, n, L, 2, ...);
    ``spacing`` = (where x_i + k h_i == x_i, whether the steps are explicit)."""
    scales, n, levels = disp.shape[:3]
    batch = values.shape[1:]
    n_axis = scales * n * levels * 2
    f0, axis = values[0], values[1 : 1 + n_axis].reshape(disp.shape)
    corners = values[1 + n_axis :].reshape((scales, len(pairs[0]), levels, 4) + batch)
    disp = np.moveaxis(disp, (2, 3), (0, 1))
    diag, diag_ok = _diagonal(f0, np.moveaxis(axis, (2, 3), (0, 1)), disp, eps)
    cross, cross_ok = _cross(np.moveaxis(corners, (2, 3), (0, 1)), disp, pairs, eps)
    full = [np.zeros((scales, n, n) + batch, values.dtype) for _ in range(3)]
    ok = np.zeros((scales, n, n) + batch, bool)
    for target, d, c in zip([*full, ok], (*diag, diag_ok), (*cross, cross_ok), strict=True):
        target[:, np.arange(n), np.arange(n)] = d
        target[:, pairs[0], pairs[1]] = target[:, pairs[1], pairs[0]] = c
    collapsed, nominal = spacing
    code = np.where(ok, _OK, _HESSIAN_EDGE)
    code = _spacing_code(code, collapsed[:, :, None] | collapsed[:, None, :], nominal)
    code = np.where(np.isfinite(f0), code, _F_NOT_FINITE)
    evaluations = np.full(f0.shape, values.shape[0])
    return _hessian_multi(full, np.where(finite_x, code, _X_NOT_FINITE), steps, f0.shape, evaluations)


def _diagonal(f0, axis, disp, eps: float):
    """d2f/dx_i^2 per (scale, variable, point): second divided differences
    2 ((f+ - f0)/d+ - (f0 - f-)/|d-|) / (d+ + |d-|) per level, extrapolated in h**2; and where all are finite.

    axis, disp: (L, 2, scales, n, ...)."""
    dp, dm = disp[:, 0], -disp[:, 1]
    quotients = [
        2 * ((axis[k, 0] - f0) / dp[k] - (f0 - axis[k, 1]) / dm[k]) / (dp[k] + dm[k]) for k in range(len(axis))
    ]
    noise = 4 * np.maximum(np.abs(f0), _magnitude(axis)) * (1 / dp[0] + 1 / dm[0]) / (dp[0] + dm[0])
    return _richardson(quotients, 2, noise, 2, eps), np.isfinite(axis).all(axis=(0, 1)) & np.isfinite(f0)


def _cross(corners, disp, pairs, eps: float):
    """d2f/dx_i dx_j per (scale, pair, point): (f++ - f+- - f-+ + f--) / (span_i span_j) per level,
    extrapolated in h**2; and where all corners are finite. corners: (L, 4, scales, pairs, ...)."""
    span = disp[:, 0] - disp[:, 1]
    area = span[:, :, pairs[0]] * span[:, :, pairs[1]]
    quotients = [(c[0] - c[1] - c[2] + c[3]) / a for c, a in zip(corners, area, strict=True)]
    noise = 4 * _magnitude(corners) / area[0]
    return _richardson(quotients, 2, noise, 2, eps), np.isfinite(corners).all(axis=(0, 1))


def _hessian_multi(full, code, steps, batch, evaluations: np.ndarray) -> _Multi:
    """Pick per point the scale with the smallest worst-entry error; nan (noted) where the code is not OK."""
    value, trunc, roundoff = full
    error = trunc + roundoff
    n = value.shape[1]
    score = np.where(code <= _COLLAPSED, error, np.inf)
    score = np.where(np.isnan(score), np.inf, score).reshape((len(value), n * n) + batch).max(axis=1)
    best = np.argmin(score, axis=0)
    value, error, code = (np.take_along_axis(a, best[None, None, None], axis=0)[0] for a in (value, error, code))
    step = np.take_along_axis(steps, best[None, None], axis=0)[0]
    value, error = (np.where(code <= _COLLAPSED, a, np.nan) for a in (value, error))
    return _Multi(value, error, step, code, evaluations, batch, True)


def _spacing_code(code: np.ndarray, collapsed: np.ndarray, nominal: bool) -> np.ndarray:
    """Where x_i + k h_i == x_i: an explicit step keeps its textbook value (noted); a default one gives nan."""
    if nominal:
        return np.where(collapsed & (code == _OK), _COLLAPSED, code)
    return np.where(collapsed, _TOO_SMALL, code)
