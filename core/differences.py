"""Finite differences: derivatives, partial derivatives, gradients, Jacobians and Hessians.

Pure NumPy and vectorised: the stencil points of all input points go to ``f`` in one stacked call.
``derivative`` may make a few more calls, each for the subset of points it has to re-examine (a domain edge,
or a first step that was too large or too small); the multivariate functions always call ``f`` exactly once.

Stencils (step h, order p: the error shrinks like h**p)::

    forward     (f(x + h) - f(x)) / h                                   p = 1
    backward    (f(x) - f(x - h)) / h                                   p = 1
    central     (f(x + h) - f(x - h)) / (2h)                            p = 2
    five-point  (f(x - 2h) - 8 f(x - h) + 8 f(x + h) - f(x + 2h)) / (12h)   p = 4
    auto        Richardson extrapolation of the central quotients at h, 2h, 3h   p = 6
                (3/2 d(h) - 3/5 d(2h) + 1/10 d(3h), d(kh) = (f(x + kh) - f(x - kh)) / (2kh)),
                with an error estimate and an adaptive step.

With the default steps every quotient divides by the distance between the points actually evaluated,
``(x + h) - x`` in floating point, so the representation error of ``x + h`` does not add to the round-off. An
explicit ``step`` is used exactly as given: the textbook formula, dividing by h (if x + h rounds to x, the
quotient is what the formula gives, with a note), so the error-vs-h plot shows round-off as a student would.

Default steps balance truncation (~h**p) against round-off (~eps/h**d for the d-th derivative), in the
floating dtype of x (integers become float64):
``h = eps**(1/(p + d)) * s`` with the scale ``s = min(|x|, 1)`` (``s = 1`` at ``x = 0``). The scale is
relative to |x| near zero, where the usual singularities sit (log, sqrt, 1/x, x**a: ``log`` at 1e-3 needs
h << 1e-3), and absolute away from it, where a step proportional to |x| would be too large for periodic or
exponential functions (``sin`` at 100). ``auto`` then checks its own error estimate and, where it is poor,
tries a second step: smaller when truncation dominates, ``eps**(1/7) * max(|x|, 1)`` when round-off does
(``log`` at 1e6). Where stencil points leave f's domain, ``derivative`` shrinks a default step towards the
edge and takes an explicit one one-sided (the multivariate functions, with their single call of f, always go
one-sided from the points already evaluated). Either way the result's ``note`` says so. Where f itself is not
finite at x the value is nan, and the note says why.

The multivariate functions make a single call of f, so ``auto`` cannot try a second step there: it evaluates
its stencil at both scales, ``min(|x_i|, 1)`` and ``max(|x_i|, 1)``, and keeps the better estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

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
# Safety factor on the observed contraction of successive Richardson corrections (for log-like functions the
# next correction contracts up to ~3x less than the last one).
CONTRACTION_SAFETY = 4.0

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
        bound on the round-off. ``method="auto"`` only; None for the textbook stencils.
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
    """Central pairs (signs (1, -1)) or one side at k*h, k = 1..levels, combined by Richardson extrapolation."""

    signs: tuple[int, ...]
    levels: int
    order: int


_SCHEMES = MappingProxyType(
    {
        "auto": _Scheme((1, -1), 3, 6),
        "forward": _Scheme((1,), 1, 1),
        "backward": _Scheme((-1,), 1, 1),
        "central": _Scheme((1, -1), 1, 2),
        "five-point": _Scheme((1, -1), 2, 4),
    }
)


@dataclass(frozen=True)
class _Stencil:
    """f at x + sign*k*h: ``values`` and ``offsets`` (the denominators' distances from x) have shape
    (levels, signs, N); f0 (N,). ``offsets`` are exact, (x + kh) - x, for steps of our choosing and the nominal
    k*h for explicit steps (the textbook formula); ``collapsed`` (N,) marks explicit steps where x + kh == x."""

    f0: np.ndarray
    values: np.ndarray
    offsets: np.ndarray
    eps: float
    collapsed: np.ndarray | None


@dataclass
class _Points:
    """Per-point state of ``derivative`` while its rounds fill it in (all arrays of shape (N,))."""

    value: np.ndarray
    trunc: np.ndarray
    roundoff: np.ndarray
    step: np.ndarray
    evaluations: np.ndarray
    code: np.ndarray

    def put(self, where: np.ndarray, estimate, step, code) -> None:
        """Record (value, truncation, round-off) estimates for the points selected by ``where``."""
        self.value[where], self.trunc[where], self.roundoff[where] = estimate
        self.step[where], self.code[where] = step, code


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


def _scale(x: np.ndarray) -> np.ndarray:
    """s = min(|x|, 1), floored at sqrt(tiny) so steps stay normal numbers; 1 at x = 0 (and where x is nan)."""
    ax = np.abs(x)
    return np.where(ax > 0, np.clip(ax, np.sqrt(np.finfo(x.dtype).tiny), 1), x.dtype.type(1))


def _step_factor(dtype, order: int, deriv: int) -> float:
    """eps**(1/(p + d)): balances truncation ~h**p against round-off ~eps/h**d."""
    return float(np.finfo(dtype).eps ** (1 / (order + deriv)))


def _lagrange_at_zero(nodes: np.ndarray) -> np.ndarray:
    """Weights w with sum(w * P(nodes)) = P(0) for every polynomial P of degree < len(nodes)."""
    others = [np.delete(nodes, k) for k in range(len(nodes))]
    return np.array([np.prod(-o / (nodes[k] - o)) for k, o in enumerate(others)])


# Richardson weights for levels k = 1..L in powers h**power, as Python floats (which keep float32 float32):
# e.g. (3, 2) -> (3/2, -3/5, 1/10).
_WEIGHTS = MappingProxyType(
    {
        (L, power): tuple(map(float, _lagrange_at_zero(np.arange(1, L + 1.0) ** power)))
        for L in range(1, 7)
        for power in (1, 2)
    }
)


def _combine(weights: tuple[float, ...], arrays) -> np.ndarray:
    """sum(weights[k] * arrays[k]) over a sequence of equally shaped arrays."""
    total = weights[0] * arrays[0]
    for w, a in zip(weights[1:], arrays[1:], strict=True):
        total += w * a
    return total


def _truncation(quotients, power: int, best: np.ndarray) -> np.ndarray:
    """Truncation error of the L-level extrapolation ``best``.

    |D_L - D_(L-1)| (the error of D_(L-1)) times the contraction observed between the last two corrections,
    |D_L - D_(L-1)| / |D_(L-1) - D_(L-2)|, times CONTRACTION_SAFETY and capped at 1. Two levels give
    |D_2 - D_1|; one level gives no estimate (nan).
    """
    levels = len(quotients)
    if levels == 1:
        return np.full(best.shape, np.nan, best.dtype)
    lower = _combine(_WEIGHTS[levels - 1, power], quotients[:-1])
    gap = np.abs(best - lower)
    if levels == 2:
        return gap
    prev = np.abs(lower - _combine(_WEIGHTS[levels - 2, power], quotients[:-2]))
    with np.errstate(divide="ignore", invalid="ignore"):  # prev = 0: ratio inf or nan, both capped at 1 by fmin
        return gap * np.fmin(CONTRACTION_SAFETY * gap / prev, 1)


def _richardson(quotients, power: int, noise: np.ndarray, deriv: int, eps: float):
    """Best estimate from level quotients, its truncation estimate and its round-off bound.

    Level quotients q_k = D + c1 (kh)**power + c2 (kh)**(2 power) + ... (k = 1..L) are combined by Lagrange
    extrapolation to h = 0. ``noise`` bounds |dq_1| / eps for relative errors eps in the f values; level k
    divides by (kh)**deriv instead of h**deriv, so the round-off of sum(w_k q_k) is at most
    eps * (noise * sum(|w_k| / k**deriv) + |estimate|).
    """
    weights = _WEIGHTS[len(quotients), power]
    best = _combine(weights, quotients)
    spread = sum(abs(w) / k**deriv for k, w in enumerate(weights, 1))
    roundoff = eps * (spread * noise + np.abs(best))
    return best, _truncation(quotients, power, best), roundoff


def _magnitude(values: np.ndarray) -> np.ndarray:
    """max |f| over the two leading (level, side) axes, without a temporary of the full size."""
    return np.maximum(values.max(axis=(0, 1)), -values.min(axis=(0, 1)))


def _pair_estimate(values, offsets, eps: float, *, as_written: bool = False):
    """Central quotients (f(x + d+) - f(x + d-)) / (d+ - d-) per level, extrapolated in h**2.

    values, offsets: shape (L, 2, ...), side axis (+, -). Returns (estimate, truncation, round-off). With
    ``as_written`` (an explicit step), five-point is the textbook formula evaluated as printed,
    (f(x - 2h) - 8 f(x - h) + 8 f(x + h) - f(x + 2h)) / (12h): the same number up to round-off, but the
    round-off the student sees on the page."""
    with np.errstate(divide="ignore", invalid="ignore"):  # zero spans (step below the spacing) give nan
        quotients = [(values[k, 0] - values[k, 1]) / (offsets[k, 0] - offsets[k, 1]) for k in range(len(values))]
        noise = 2 * _magnitude(values) / (offsets[0, 0] - offsets[0, 1])
        best, trunc, roundoff = _richardson(quotients, 2, noise, 1, eps)
    if as_written and len(values) == 2:
        best = (values[1, 1] - 8 * values[0, 1] + 8 * values[0, 0] - values[1, 0]) / (12 * offsets[0, 0])
    return best, trunc, roundoff


def _side_estimate(f0, values, disp, eps: float):
    """One-sided quotients (f(x + d_k) - f(x)) / d_k per level (values, disp: (L, ...)), extrapolated in h."""
    with np.errstate(divide="ignore", invalid="ignore"):
        quotients = [(values[k] - f0) / disp[k] for k in range(len(values))]
        noise = 2 * np.maximum(np.abs(f0), _magnitude(values[:, None])) / np.abs(disp[0])
        return _richardson(quotients, 1, noise, 1, eps)


# ------------------------------------------------------------------------------------------- f evaluation


def _call(f: Callable, x: np.ndarray, shapes: tuple[tuple[int, ...], ...]) -> np.ndarray:
    """f(x) as a float array of one of ``shapes`` (a scalar result is broadcast to the first).

    Stencil points may leave f's domain: nan/inf (and their warnings) are expected and handled by the caller.
    """
    with np.errstate(all="ignore"):
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
    return max(float(np.finfo(a.dtype).eps) for a in arrays)


def _evaluate(f: Callable, x, h, multiples: np.ndarray, *, nominal: bool, f0=None) -> _Stencil:
    """f at x + m*h for ``multiples`` of shape (L, S) or (L, S, N), in one call; also f(x) unless given.

    ``nominal``: the quotients divide by m*h as given (explicit steps) instead of the exact (x + m*h) - x."""
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
    return _Stencil(f0, values.reshape(shape), nodes - x if offsets is None else offsets, _eps(x, values), collapsed)


def _multiples(scheme: _Scheme, levels: int | None = None) -> np.ndarray:
    """Offsets sign*k, shape (levels, signs)."""
    k = np.arange(1, (levels or scheme.levels) + 1)
    return (k[:, None] * np.array(scheme.signs)[None, :]).astype(float)


def _estimate(st: _Stencil, scheme: _Scheme):
    """The scheme's estimate from a stencil: central pairs or its one side."""
    if len(scheme.signs) == 2:
        return _pair_estimate(st.values, st.offsets, st.eps, as_written=st.collapsed is not None)
    return _side_estimate(st.f0, st.values[:, 0], st.offsets[:, 0], st.eps)


def _finite_levels(st: _Stencil) -> np.ndarray:
    """Per side, how many levels k = 1, 2, ... in a row have finite f: shape (signs, N)."""
    return np.cumprod(np.isfinite(st.values), axis=0).sum(axis=0)


# ---------------------------------------------------------------------------------------------- derivative


def derivative(f: Callable, x, *, method: str = "auto", step=None) -> Derivative:
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
        per point), with an error estimate and a second step where that estimate is poor. The others are the
        textbook stencils (see the module docstring).
    step : float or array_like, optional, keyword-only
        Step h, used exactly as given in the textbook formula (broadcast to the shape of ``x``). Default:
        ``eps**(1/(p+1)) * s`` with ``s = min(|x|, 1)`` (``1`` at ``x = 0``), p the method's order, shrunk near
        a domain edge.

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
    h = _step_factor(xs.dtype, scheme.order, 1) * _scale(flat) if explicit is None else explicit.ravel()
    points = _first_round(f, flat, h, scheme, own_step=explicit is None, refine=method == "auto")
    error = (points.trunc + points.roundoff).reshape(xs.shape)[()] if method == "auto" else None
    return Derivative(
        value=points.value.reshape(xs.shape)[()],
        step=points.step.reshape(xs.shape)[()],
        error_estimate=error,
        evaluations=points.evaluations.reshape(xs.shape)[()],
        method=method,
        note=_note(points.code),
    )


def _first_round(f: Callable, x, h, scheme: _Scheme, *, own_step: bool, refine: bool) -> _Points:
    """Evaluate the stencil at all points, then hand the points that need it to the edge and refine rounds.

    Near a domain edge a default step shrinks (``own_step``), an explicit one goes one-sided; ``refine``
    (auto with its own step) tries a second step where the error estimate is poor."""
    st = _evaluate(f, x, h, _multiples(scheme), nominal=not own_step)
    estimate = _estimate(st, scheme)
    n_evals = np.full(x.shape, 1 + scheme.levels * len(scheme.signs))
    code = np.zeros(x.shape, np.int8) if st.collapsed is None else np.where(st.collapsed, _COLLAPSED, _OK)
    points = _Points(*estimate, h.copy(), n_evals, code.astype(np.int8))
    bad = np.flatnonzero(~(np.isfinite(estimate[0]) & np.isfinite(st.f0) & np.isfinite(x)))
    if bad.size:
        code = _blocking_code(x[bad], _subset(st, bad))
        points.put(bad, (np.nan, np.nan, np.nan), h[bad], code)
        edge = bad[code == _OK]
        handler = _shrink_at_edge if own_step else _one_sided
        handler(f, x[edge], h[edge], _subset(st, edge), scheme, points, edge)
    if own_step and refine:
        error = points.trunc + points.roundoff
        poor = np.flatnonzero((points.code <= _SHRUNK) & (error > _auto_rtol(x.dtype) * np.abs(points.value)))
        _refine(f, x[poor], st.f0[poor], scheme, points, poor)
    return points


def _blocking_code(x: np.ndarray, st: _Stencil) -> np.ndarray:
    """Why a point gets nan outright: x or f(x) not finite, or a step below the spacing of floats at x
    (_OK for the others: the stencil leaves f's domain)."""
    code = np.where(np.any(st.offsets == 0, axis=(0, 1)), _TOO_SMALL, _OK)
    code = np.where(np.isfinite(st.f0), code, _F_NOT_FINITE)
    return np.where(np.isfinite(x), code, _X_NOT_FINITE).astype(np.int8)


def _subset(st: _Stencil, idx: np.ndarray) -> _Stencil:
    collapsed = None if st.collapsed is None else st.collapsed[idx]
    return _Stencil(st.f0[idx], st.values[..., idx], st.offsets[..., idx], st.eps, collapsed)


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
        estimate = _side_estimate(new.f0[pick], new.values[:levels, 0, pick], new.offsets[:levels, 0, pick], new.eps)
        points.put(idx[pick], estimate, h[pick], np.where(side[pick] > 0, _FORWARD, _BACKWARD))
    points.put(idx[usable == 0], (np.nan, np.nan, np.nan), h[usable == 0], _NO_SIDE)


def _shrink_at_edge(f, x, h, st: _Stencil, scheme: _Scheme, points: _Points, idx: np.ndarray) -> None:
    """Default step near a domain edge: shrink it towards the edge, EDGE_ROUNDS times at most.

    If the first k levels on the bad side were finite, the edge lies beyond k*h, and the new step is the
    default one for that distance, eps**(1/(p+1)) * k*h; if none was, eps**(1/(p+1)) * h/16. Points still
    not finite afterwards go one-sided."""
    factor = _step_factor(x.dtype, scheme.order, 1)
    for _ in range(EDGE_ROUNDS):
        k = _finite_levels(st).min(axis=0)
        h = factor * np.where(k > 0, k * h, h / 16)
        st = _evaluate(f, x, h, _multiples(scheme), nominal=False, f0=st.f0)
        points.evaluations[idx] += scheme.levels * len(scheme.signs)
        done = np.isfinite(st.values).all(axis=(0, 1))
        points.put(idx[done], _estimate(_subset(st, done), scheme), h[done], _SHRUNK)
        x, h, idx, st = x[~done], h[~done], idx[~done], _subset(st, ~done)
        if not idx.size:
            return
    _one_sided(f, x, h, st, scheme, points, idx)


def _auto_rtol(dtype) -> float:
    """Relative error estimate above which auto tries a second step: eps**(5/7) (~7e-12 in float64), a
    factor eps**(-1/7) above the ~eps**(6/7) a 6th-order stencil can reach."""
    return float(np.finfo(dtype).eps ** (5 / 7))


def _refine(f, x, f0, scheme: _Scheme, points: _Points, idx: np.ndarray) -> None:
    """``auto``: a second step for the points ``idx`` whose error estimate exceeds _auto_rtol.

    Where truncation dominates, the step shrinks to balance truncation ~h**6 against round-off ~1/h; where
    round-off dominates, eps**(1/7) * max(|x|, 1) is tried if it is at least 10 times larger (not for steps
    shrunk at a domain edge). The estimate with the smaller error estimate wins."""
    h, trunc, roundoff = points.step[idx], points.trunc[idx], points.roundoff[idx]
    with np.errstate(divide="ignore"):  # trunc = 0: no finite balance, clipped below
        shrink = h * np.clip((roundoff / (6 * trunc)) ** (1 / 7), 1e-4, 1)
    grow = _step_factor(x.dtype, scheme.order, 1) * np.maximum(np.abs(x), 1)
    truncation_bound = trunc > roundoff
    h2 = np.where(truncation_bound, shrink, grow)
    todo = np.flatnonzero(np.where(truncation_bound, shrink < h, (grow >= 10 * h) & (points.code[idx] == _OK)))
    if not todo.size:
        return
    st = _evaluate(f, x[todo], h2[todo], _multiples(scheme), nominal=False, f0=f0[todo])
    points.evaluations[idx[todo]] += scheme.levels * len(scheme.signs)
    value2, trunc2, roundoff2 = _estimate(st, scheme)
    better = np.isfinite(st.values).all(axis=(0, 1)) & (trunc2 + roundoff2 < (trunc + roundoff)[todo])
    where, pick = idx[todo[better]], todo[better]
    estimate = (value2[better], trunc2[better], roundoff2[better])
    points.put(where, estimate, h2[pick], points.code[where])


def _note(codes: np.ndarray, unit: str = "points") -> str | None:
    """One clause per kind of event, with counts when there are several points (or entries)."""
    counts = np.bincount(codes.ravel(), minlength=len(_NOTES) + 1)
    parts = []
    for code, text in _NOTES.items():
        count = int(counts[code])
        if count:
            parts.append(text if codes.size == 1 else f"{text} ({count} of {codes.size} {unit})")
    return "; ".join(parts) or None


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


def partial(f: Callable, point, i: int, *, method: str = "auto", step=None) -> Derivative:
    """Partial derivative df/dx_i, every other variable held fixed.

    Parameters
    ----------
    f : callable
        Takes ``x`` of shape ``(n, ...)`` (``x[0]``, ``x[1]``, ... are the variables) and returns shape ``(...)``
        (scalar function) or ``(m, ...)`` (vector function). Called once, with all stencil points stacked.
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


def gradient(f: Callable, point, *, method: str = "auto", step=None) -> Derivative:
    """Gradient of a scalar function of n variables: grad f = (df/dx_0, ..., df/dx_(n-1)).

    Parameters
    ----------
    f : callable
        Takes ``x`` of shape ``(n, ...)`` (``x[0]``, ``x[1]``, ... are the variables), returns shape ``(...)``.
        Called exactly once: the stencil points of all variables and points are stacked along axis 1.
    point : array_like, shape (n,) or (n, ...)
        The point, or many points along the trailing axes.
    method : {"auto", "forward", "backward", "central", "five-point"}, keyword-only
        Per variable, the stencils of ``derivative``. ``"auto"`` evaluates the 6th-order stencil at two steps,
        ``eps**(1/7) * min(|x_i|, 1)`` and ``eps**(1/7) * max(|x_i|, 1)`` (12 evaluations per variable, plus
        f(x)), and keeps, per variable and point, the one with the smaller error estimate.
    step : float or array_like, optional, keyword-only
        Explicit steps, broadcast to the shape of ``point`` (e.g. one per variable, shape ``(n, 1, ...)``).

    Returns
    -------
    Derivative
        ``value`` of shape ``(n, ...)``, ``step`` of shape ``(n, ...)``. Where a variable's stencil leaves f's
        domain on one side, its estimate is one-sided from the points on the other (noted).
    """
    scheme, p, explicit = _point_args(point, method, step)
    first = _first_partials(f, p, np.arange(p.shape[0]), scheme, explicit, method)
    if not first.scalar:
        raise ValueError(f"f must return shape {p.shape[1:]} (a scalar function) for gradient; use jacobian")
    return _multi_result(first, first.value[0], first.error[0], first.step, method)


def jacobian(f: Callable, point, *, method: str = "auto", step=None) -> Derivative:
    """Jacobian J[j, i] = dF_j/dx_i of F: R^n -> R^m.

    Parameters
    ----------
    f : callable
        Takes ``x`` of shape ``(n, ...)`` and returns shape ``(m, ...)`` (or ``(...)`` for a scalar function,
        whose Jacobian is its gradient). Called exactly once with all stencil points stacked along axis 1, so a
        Jacobian at a thousand points is one vectorised evaluation.
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


def hessian(f: Callable, point, *, method: str = "auto", step=None) -> Derivative:
    """Hessian H[i, j] = d2f/(dx_i dx_j) of a scalar function of n variables.

    Diagonal: second differences (f(x + kh e_i) - 2 f(x) + f(x - kh e_i)) / (kh)**2; off-diagonal: cross
    differences (f(++) - f(+-) - f(-+) + f(--)) / (4 k**2 h_i h_j) at x +- kh_i e_i +- kh_j e_j; both at levels
    k = 1..L and Richardson-extrapolated in h**2 (central: L = 1, order 2; five-point: L = 2, order 4; auto:
    L = 3, order 6, at two steps as in ``gradient``, keeping per point the one with the smaller error).

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
    steps = _multi_steps(p, scheme, explicit, method, deriv=2)
    nodes, disp, collapsed = _axis_nodes(p, steps, np.arange(p.shape[0]), scheme, nominal=explicit is not None)
    pairs = np.triu_indices(p.shape[0], 1)
    x = np.concatenate([p[:, None], _axis_block(p, nodes, np.arange(p.shape[0])), _corner_block(p, nodes, pairs)], 1)
    values = _call_multi(f, x)
    if values.ndim != p.ndim:
        raise ValueError(f"f must return shape {p.shape[1:]} (a scalar function) for hessian; got a vector")
    finite_x = np.isfinite(p).all(axis=0)
    second = _second_estimates(values, disp, steps, pairs, _eps(p, values), finite_x, (collapsed, explicit is not None))
    return _multi_result(second, second.value, second.error, second.step, method)


@dataclass(frozen=True)
class _Multi:
    """Estimates from one stacked call: value/error (m, nd, ...) or (n, n, ...), step (nd, ...), codes per
    entry, evaluations per point, the points' batch shape, and whether f is scalar."""

    value: np.ndarray
    error: np.ndarray
    step: np.ndarray
    code: np.ndarray
    evaluations: int
    batch: tuple[int, ...]
    scalar: bool


def _multi_result(multi: _Multi, value, error, step, method: str) -> Derivative:
    evaluations = np.full(multi.batch, multi.evaluations)[()]
    error = error if method == "auto" else None
    return Derivative(value, step, error, evaluations, method, _note(multi.code, "entries"))


def _multi_steps(p: np.ndarray, scheme: _Scheme, explicit, method: str, deriv: int) -> np.ndarray:
    """Steps of shape (scales, n, ...): the explicit ones; eps**(1/(p+d)) * min(|x_i|, 1); and for auto also
    eps**(1/(p+d)) * max(|x_i|, 1)."""
    if explicit is not None:
        return explicit[None]
    factor = _step_factor(p.dtype, scheme.order, deriv)
    small = factor * _scale(p)
    if method != "auto":
        return small[None]
    large = factor * np.maximum(np.where(np.isfinite(p), np.abs(p), 1), 1)
    return np.stack([small, large])


def _axis_nodes(p: np.ndarray, steps: np.ndarray, idx: np.ndarray, scheme: _Scheme, nominal: bool):
    """Coordinates x_i + sign*k*h_i and the quotients' offsets (exact, or nominal k*h_i for explicit steps),
    shape (scales, len(idx), L, signs, ...); and where x_i + k*h_i == x_i, shape (scales, len(idx), ...)."""
    batch = (None,) * (p.ndim - 1)
    mult = _multiples(scheme).astype(p.dtype)[(None, None, ...) + batch]
    base = p[idx][(None, slice(None), None, None) + (slice(None),) * (p.ndim - 1)]
    offsets = mult * steps[:, idx][:, :, None, None]
    nodes = base + offsets
    with np.errstate(invalid="ignore"):  # x = inf gives inf - inf; such points are reported as nan
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
    with np.errstate(all="ignore"):  # stencil points may leave f's domain; handled by the caller
        out = np.asarray(f(x))
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
    """First partial derivatives along the variables ``idx`` from one stacked call of f."""
    steps = _multi_steps(p, scheme, explicit, method, deriv=1)
    nodes, disp, collapsed = _axis_nodes(p, steps, idx, scheme, nominal=explicit is not None)
    values = _call_multi(f, np.concatenate([p[:, None], _axis_block(p, nodes, idx)], axis=1))
    scalar = values.ndim == p.ndim
    values = values[None] if scalar else values
    axis = np.moveaxis(values[:, 1:].reshape(values.shape[:1] + nodes.shape[:4] + p.shape[1:]), (3, 4), (0, 1))
    f0 = values[:, 0][(slice(None), None, None)]
    offsets = np.moveaxis(disp, (2, 3), (0, 1))[:, :, None]
    estimate, code = _directional(f0, axis, offsets, scheme, _eps(p, values), as_written=explicit is not None)
    code = _spacing_code(code, collapsed, nominal=explicit is not None)
    code = np.where(np.isfinite(f0).all(axis=0), code, _F_NOT_FINITE)
    code = np.where(np.isfinite(p).all(axis=0), code, _X_NOT_FINITE)
    best = _best_scale(estimate[1] + estimate[2], code)
    value, error = (_pick(a, best) for a in (estimate[0], estimate[1] + estimate[2]))
    code = _pick(code[None], best)[0]
    value, error = (np.where(code <= _COLLAPSED, a, np.nan) for a in (value, error))
    return _Multi(value, error, _pick(steps[:, idx][None], best)[0], code, values.shape[1], p.shape[1:], scalar)


def _directional(f0, values, disp, scheme: _Scheme, eps: float, *, as_written: bool):
    """Estimates per (component, scale, variable, point) from values (L, signs, m, scales, nd, ...): central
    where both sides are finite, one-sided (levels 1..L) where one is, nan where none is; and the codes.
    ``as_written``: explicit steps, see _pair_estimate."""
    finite = np.isfinite(values).all(axis=(0, 2))
    if len(scheme.signs) == 1:
        code = np.where(finite[0], _OK, _SIDE_LOST)
        return _side_estimate(f0, values[:, 0], disp[:, 0], eps), code
    estimate = _pair_estimate(values, disp, eps, as_written=as_written)
    if finite.all():
        return estimate, np.zeros(finite.shape[1:], np.int8)
    code = np.select([finite[0] & finite[1], finite[0], finite[1]], [_OK, _FORWARD, _BACKWARD], _NO_SIDE)
    forward = _side_estimate(f0, values[:, 0], disp[:, 0], eps)
    backward = _side_estimate(f0, values[:, 1], disp[:, 1], eps)
    estimate = tuple(
        np.select([code == _OK, code == _FORWARD, code == _BACKWARD], [c, fw, bw], np.nan)
        for c, fw, bw in zip(estimate, forward, backward, strict=True)
    )
    return estimate, code


def _best_scale(error: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Per variable and point, whether the second scale (if any) has the smaller worst-component error
    (estimates with a nan code count as infinitely bad)."""
    if error.shape[1] == 1:
        return np.zeros(code.shape[1:], bool)
    score = np.where(code <= _COLLAPSED, np.max(error, axis=0), np.inf)
    score = np.where(np.isnan(score), np.inf, score)
    return score[1] < score[0]


def _pick(a: np.ndarray, second: np.ndarray) -> np.ndarray:
    """From a of shape (m, scales, ...), the first scale, or the second where ``second``: shape (m, ...)."""
    return a[:, 0] if a.shape[1] == 1 else np.where(second, a[:, 1], a[:, 0])


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
    return _hessian_multi(full, np.where(finite_x, code, _X_NOT_FINITE), steps, f0.shape, values.shape[0])


def _diagonal(f0, axis, disp, eps: float):
    """d2f/dx_i^2 per (scale, variable, point): second divided differences
    2 ((f+ - f0)/d+ - (f0 - f-)/|d-|) / (d+ + |d-|) per level, extrapolated in h**2; and where all are finite.

    axis, disp: (L, 2, scales, n, ...)."""
    dp, dm = disp[:, 0], -disp[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
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
    with np.errstate(divide="ignore", invalid="ignore"):
        quotients = [(c[0] - c[1] - c[2] + c[3]) / a for c, a in zip(corners, area, strict=True)]
        noise = 4 * _magnitude(corners) / area[0]
        return _richardson(quotients, 2, noise, 2, eps), np.isfinite(corners).all(axis=(0, 1))


def _hessian_multi(full, code, steps, batch, evaluations: int) -> _Multi:
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
