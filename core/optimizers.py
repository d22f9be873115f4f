"""Gradient descent, momentum, Nesterov, AdaGrad, RMSProp, Adam and Newton's method, run side by side.

The first-order rules and their defaults are PyTorch's, as ``torch.optim`` documents them (g = ∇f(x_{t−1}) at step
t ≥ 1, every product and power elementwise, weight decay and the other extras off):

==========  =====================================================================  ============================
method      update                                                                 options (PyTorch's names)
==========  =====================================================================  ============================
gd          x ← x − lr·g                                                           —
momentum    b₁ = g, bₜ = μ·bₜ₋₁ + g;  x ← x − lr·bₜ                                 momentum μ = 0.9
nesterov    bₜ as for momentum;  x ← x − lr·(g + μ·bₜ)                              momentum μ = 0.9
adagrad     s ← s + g²;  x ← x − lr·g / (√s + ε)                                   eps ε = 1e-10
rmsprop     v ← α·v + (1 − α)·g²;  x ← x − lr·g / (√v + ε)                         alpha α = 0.99, eps ε = 1e-8
adam        m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ),            betas (β₁, β₂) = (0.9, 0.999),
            v̂ = v/(1 − β₂ᵗ);  x ← x − lr·m̂ / (√v̂ + ε)                              eps ε = 1e-8
newton      x ← x − lr·H⁻¹g  (lr = 1: the pure Newton step)                        —
==========  =====================================================================  ============================

(PyTorch's SGD has momentum 0 by default; here "gd" is that case, and momentum/nesterov use μ = 0.9. The
accumulators s, v, m start at zero, as in PyTorch.) Newton's step is computed from the symmetric Hessian's
eigendecomposition H = V diag(λ) Vᵀ, H⁻¹g = V (Vᵀg / λ), so the eigenvalues it meets are on record; it does what
the formula does at an indefinite Hessian (towards a saddle or a maximum of the quadratic model, possibly uphill) and
says so in the trajectory's ``notes``; at a singular Hessian (H⁻¹ does not exist) the run stops there, named.

:func:`race` runs many (method, rate, options) together from one start in one loop: every step is one call of the
vectorised gradient on all runs' points (and one Hessian call on the Newton runs'). :func:`minimize` is one run with
plain (n,) → (n,) callables. A run stops at the first step that leaves the finite range (x, ∇f or f not finite);
nothing is clipped and nothing raises.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from core.errors import ParameterError
from core.glyphs import subscript as _sub

__all__ = [
    "DEFAULTS",
    "FIRST_ORDER",
    "LABELS",
    "MAX_CELLS",
    "MAX_STEPS",
    "METHODS",
    "STATE_NAMES",
    "QuadraticRates",
    "Run",
    "Trajectory",
    "minimize",
    "quadratic_rates",
    "race",
]

METHODS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton")
FIRST_ORDER = METHODS[:-1]
LABELS = MappingProxyType({"gd": "GD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
                           "rmsprop": "RMSProp", "adam": "Adam", "newton": "Newton"})
DEFAULTS: Mapping[str, Mapping[str, object]] = MappingProxyType({
    "gd": MappingProxyType({}),
    "momentum": MappingProxyType({"momentum": 0.9}),
    "nesterov": MappingProxyType({"momentum": 0.9}),
    "adagrad": MappingProxyType({"eps": 1e-10}),
    "rmsprop": MappingProxyType({"alpha": 0.99, "eps": 1e-8}),
    "adam": MappingProxyType({"betas": (0.9, 0.999), "eps": 1e-8}),
    "newton": MappingProxyType({}),
})
# The state each rule keeps, under PyTorch's names for it (Newton keeps none: its record is H's eigenvalues).
STATE_NAMES = MappingProxyType({
    "gd": (), "momentum": ("momentum_buffer",), "nesterov": ("momentum_buffer",), "adagrad": ("sum",),
    "rmsprop": ("square_avg",), "adam": ("exp_avg", "exp_avg_sq"), "newton": ("eigenvalues",),
})
MAX_STEPS = 100_000
MAX_CELLS = 4 * 10**6  # steps × runs × n stored numbers per recorded array (32 MB of float64): a memory bound
MAX_RATE = 1e6
SINGULAR = 1e-12  # |λ|min <= SINGULAR·|λ|max (or H = 0): H is singular to double precision, H⁻¹g does not exist

Vectorised = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Run:
    """One optimizer setting in a race: ``method`` (of METHODS), learning rate ``lr`` > 0, and ``options``
    overriding the method's DEFAULTS as (name, value) pairs (PyTorch's names: momentum, alpha, eps, betas)."""

    method: str
    lr: float
    options: tuple[tuple[str, object], ...] = ()

    @property
    def settings(self) -> dict[str, object]:
        """Every option of the method, the defaults with ``options`` applied."""
        given = {name: tuple(v) if isinstance(v, list) else v for name, v in self.options}
        return {**DEFAULTS.get(self.method, {}), **given}


@dataclass(frozen=True)
class Trajectory:
    """One optimizer's path.

    Attributes
    ----------
    method, lr : the rule and its learning rate; options : every option used, defaults included, as sorted pairs.
    points : (k + 1, n), every point visited, ``points[0]`` the start; k = steps unless the run stopped early.
    gradients : (k, n), ``gradients[t − 1]`` = ∇f(points[t − 1]), the gradient step t used.
    values : (k + 1,), f at each point, or None when no f was given.
    state : the rule's state after each step, name (``STATE_NAMES``) → (k, n): ``state[name][t − 1]`` after step t.
        For Newton "eigenvalues" holds H's eigenvalues at points[t − 1], ascending.
    step_sizes : (k, n), the per-coordinate rate step t applied to its search direction: lr for gd, momentum and
        nesterov, lr/(√s + ε) for AdaGrad and RMSProp, lr/(√v̂ + ε) (applied to m̂) for Adam; None for Newton.
    diverged_at : the first step t that could not give a finite point, gradient, value or Newton step, else None;
        the path then ends at points[t − 1] (k = t − 1). reason : what was not finite (or singular), else None.
    notes : what Newton's formula did that a student should know (an indefinite Hessian, an uphill step).
    """

    method: str
    lr: float
    options: tuple[tuple[str, object], ...]
    points: np.ndarray
    gradients: np.ndarray
    values: np.ndarray | None
    state: Mapping[str, np.ndarray] = field(repr=False)
    step_sizes: np.ndarray | None
    diverged_at: int | None
    reason: str | None
    notes: tuple[str, ...] = ()

    @property
    def steps(self) -> int:
        """k, the number of steps taken."""
        return len(self.points) - 1

    @property
    def label(self) -> str:
        return LABELS[self.method]


# ------------------------------------------------------------------------------------------------------ checks
def _check_fraction(name: str, value: object, method: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value < 1):
        raise ParameterError(name, f"{LABELS[method]}'s {name} must be a number in [0, 1); got {value!r}")


def _check_option(method: str, name: str, value: object) -> None:
    if name not in DEFAULTS[method]:
        known = ", ".join(DEFAULTS[method]) or "none"
        raise ParameterError(name, f"{LABELS[method]} has no option {name!r} (its options: {known})")
    if name in ("momentum", "alpha"):
        _check_fraction(name, value, method)
    elif name == "eps":
        if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 < value <= 1):
            raise ParameterError("eps", f"{LABELS[method]}'s eps must be a number in (0, 1]; got {value!r}")
    elif name == "betas":
        if not (isinstance(value, (tuple, list)) and len(value) == 2):
            raise ParameterError("betas", f"Adam's betas must be a pair (β1, β2); got {value!r}")
        for beta in value:
            _check_fraction("betas", beta, method)


def _check_run(run: Run) -> None:
    if run.method not in METHODS:
        raise ParameterError("method", f"the method must be one of {', '.join(METHODS)}; got {run.method!r}")
    if not (isinstance(run.lr, (int, float)) and math.isfinite(run.lr) and 0 < run.lr <= MAX_RATE):
        raise ParameterError(f"lr_{run.method}", f"{LABELS[run.method]}'s learning rate must be a number in "
                                                 f"(0, {MAX_RATE:g}]; got {run.lr!r}")
    for name, value in run.options:
        _check_option(run.method, name, value)


def _check(x0: np.ndarray, runs: Sequence[Run], steps: int, hessian: Vectorised | None) -> None:
    """The one validator of :func:`race` (and so of :func:`minimize`)."""
    if x0.ndim != 1 or len(x0) < 1:
        raise ParameterError("x0", f"the start must be a vector of length n >= 1; got shape {x0.shape}")
    if not np.isfinite(x0).all():
        raise ParameterError("x0", f"the start must be finite numbers; got {x0.tolist()}")
    if not runs:
        raise ParameterError("methods", "choose at least one method")
    for run in runs:
        _check_run(run)
    if not (isinstance(steps, (int, np.integer)) and 1 <= steps <= MAX_STEPS):
        raise ParameterError("steps", f"steps must be a whole number from 1 to {MAX_STEPS:,}; got {steps!r}")
    if steps * len(runs) * len(x0) > MAX_CELLS:
        raise ParameterError("steps", f"{steps:,} steps × {len(runs)} runs × {len(x0)} coordinates is more than "
                                      f"{MAX_CELLS:,} numbers to keep; take fewer steps")
    if hessian is None and any(run.method == "newton" for run in runs):
        raise ParameterError("hessian", "Newton's method needs the Hessian")


# ------------------------------------------------------------------------------------------------------- rules
# Each rule takes its group's state (name -> (m, n) array, zero before step 1), the gradients g (m, n), the step
# number t >= 1, the rates lr (m, 1) and the options, updates the state in place, and returns the displacement
# x_{t-1} - x_t (m, n) and the per-coordinate rate (m, n) or None.


def _gd(state, g, t, lr, options):
    return lr * g, np.broadcast_to(lr, g.shape)


def _buffer(state, g, t, mu):
    """b₁ = g, bₜ = μ·bₜ₋₁ + g (PyTorch's momentum buffer, dampening 0)."""
    b = state["momentum_buffer"]
    if t == 1:
        b[...] = g
    else:
        b *= mu
        b += g
    return b


def _momentum(state, g, t, lr, options):
    return lr * _buffer(state, g, t, options["momentum"]), np.broadcast_to(lr, g.shape)


def _nesterov(state, g, t, lr, options):
    mu = options["momentum"]
    return lr * (g + mu * _buffer(state, g, t, mu)), np.broadcast_to(lr, g.shape)


def _adagrad(state, g, t, lr, options):
    s = state["sum"]
    s += g * g
    rate = lr / (np.sqrt(s) + options["eps"])
    return rate * g, rate


def _rmsprop(state, g, t, lr, options):
    alpha, v = options["alpha"], state["square_avg"]
    v *= alpha
    v += (1 - alpha) * g * g
    rate = lr / (np.sqrt(v) + options["eps"])
    return rate * g, rate


def _adam(state, g, t, lr, options):
    (beta1, beta2), m, v = options["betas"], state["exp_avg"], state["exp_avg_sq"]
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    rate = lr / (np.sqrt(v / (1 - beta2**t)) + options["eps"])
    return rate * (m / (1 - beta1**t)), rate


_RULES = {"gd": _gd, "momentum": _momentum, "nesterov": _nesterov, "adagrad": _adagrad, "rmsprop": _rmsprop,
          "adam": _adam}


def _newton_direction(h: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """H⁻¹g for each of m symmetric H (m, n, n) and g (m, n), by H = V diag(λ) Vᵀ: returns H⁻¹g (m, n), λ (m, n)
    ascending, and whether each H is singular (|λ|min <= SINGULAR·|λ|max), where H⁻¹g is nan."""
    lam, vec = np.linalg.eigh(h)
    size = np.abs(lam)
    singular = size.min(axis=1) <= SINGULAR * size.max(axis=1)
    safe = np.where(singular[:, None], 1.0, lam)
    direction = np.einsum("mij,mj->mi", vec, np.einsum("mji,mj->mi", vec, g) / safe)
    direction[singular] = np.nan
    return direction, lam, singular


# -------------------------------------------------------------------------------------------------- the loop
@dataclass
class _Group:
    """The runs of one (method, options) in the loop: their rows, rates (m, 1), state and records."""

    method: str
    options: dict[str, object]
    rows: np.ndarray
    lr: np.ndarray
    state: dict[str, np.ndarray]
    record: dict[str, np.ndarray]
    sizes: np.ndarray | None
    notes: dict[int, list[str]]


def _groups(runs: Sequence[Run], steps: int, n: int) -> list[_Group]:
    keys: dict[tuple, list[int]] = {}
    for i, run in enumerate(runs):
        keys.setdefault((run.method, tuple(sorted(run.settings.items()))), []).append(i)
    groups = []
    for (method, options), rows in keys.items():
        m = len(rows)
        names = STATE_NAMES[method]
        groups.append(_Group(
            method=method, options=dict(options), rows=np.array(rows),
            lr=np.array([[runs[i].lr] for i in rows], dtype=float),
            state={name: np.zeros((m, n)) for name in names},
            record={name: np.full((steps, m, n), np.nan) for name in names},
            sizes=None if method == "newton" else np.full((steps, m, n), np.nan),
            notes={i: [] for i in rows},
        ))
    return groups


def _newton_step(group: _Group, g: np.ndarray, x: np.ndarray, t: int, hessian: Vectorised, reasons: dict):
    """Newton's displacement lr·H⁻¹g for the group's rows (nan where H is singular or not finite; the reason and
    what an indefinite H does go on record)."""
    h = np.moveaxis(np.asarray(hessian(x.T), dtype=float).reshape(x.shape[1], x.shape[1], -1), -1, 0)
    finite = np.isfinite(h).all(axis=(1, 2))
    h = np.where(finite[:, None, None], h, 0.0)
    direction, lam, singular = _newton_direction(0.5 * (h + np.swapaxes(h, 1, 2)), g)
    group.record["eigenvalues"][t - 1] = np.where(finite[:, None], lam, np.nan)
    for j, row in enumerate(group.rows):
        if row in reasons:  # stopped already (its gradient was not finite)
            continue
        if not finite[j]:
            reasons.setdefault(row, (t, f"the Hessian is not finite at x{_sub(t - 1)}"))
        elif singular[j] and np.isfinite(g[j]).all():
            reasons.setdefault(row, (t, f"the Hessian is singular at x{_sub(t - 1)} (eigenvalues "
                                        f"{_numbers(lam[j])}): H⁻¹∇f does not exist, so Newton's step is undefined"))
        elif lam[j, 0] < 0 and not group.notes[row]:
            slope = float(g[j] @ direction[j])  # the Newton move −H⁻¹g goes uphill when ∇f·(−H⁻¹g) > 0
            where = "uphill (∇f·Δx > 0)" if slope < 0 else "downhill here, but toward a saddle or maximum of the model"
            group.notes[row].append(f"Step {t}: H has eigenvalues {_numbers(lam[j])}, not positive definite: the "
                                    f"Newton step heads for the quadratic model's stationary point, which is not a "
                                    f"minimum; this step goes {where}.")
    return group.lr * direction, None


def _numbers(values: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in values) + ")"


def _gradient(grad: Vectorised, x: np.ndarray) -> np.ndarray:
    return np.asarray(grad(x.T), dtype=float).reshape(x.shape[1], x.shape[0]).T


def race(
    grad: Vectorised,
    x0: np.ndarray | Sequence[float],
    *,
    runs: Sequence[Run],
    steps: int,
    hessian: Vectorised | None = None,
    f: Vectorised | None = None,
) -> tuple[Trajectory, ...]:
    """Run every setting in ``runs`` from the same start ``x0`` for ``steps`` steps, together.

    Parameters
    ----------
    grad : callable
        ∇f, vectorised over points as columns: ``grad(X)`` with X of shape (n, R) returns shape (n, R). It is called
        once per step on every run's current point.
    x0 : array_like, shape (n,)
        The start, finite.
    runs : sequence of Run
        The settings; runs of one method and options are updated together.
    steps : int
        Steps per run, 1 <= steps <= MAX_STEPS (and steps · len(runs) · n <= MAX_CELLS).
    hessian : callable, optional
        H(X) of shape (n, n, R) for points X (n, R); needed when a run is Newton's (called on the Newton runs' points).
    f : callable, optional
        f(X) of shape (R,): the values recorded along each path (a non-finite value stops that run).

    Returns
    -------
    tuple of Trajectory
        One per run, in order.

    Raises
    ------
    ParameterError
        Naming the setting at fault: "x0", "methods", "method", "lr_<method>", an option's name, "steps", "hessian".
    """
    x0 = np.asarray(x0, dtype=float)
    _check(x0, runs, steps, hessian)
    r, n = len(runs), len(x0)
    groups = _groups(runs, steps, n)
    x = np.tile(x0, (r, 1))
    points = np.full((steps + 1, r, n), np.nan)
    points[0] = x
    grads = np.full((steps, r, n), np.nan)
    values = None
    if f is not None:
        values = np.full((steps + 1, r), np.nan)
        values[0] = np.asarray(f(x.T), dtype=float).reshape(r)
    reasons: dict[int, tuple[int, str]] = {}
    if values is not None:
        for i in np.flatnonzero(~np.isfinite(values[0])):
            reasons[int(i)] = (1, "f is not finite at the start")
    alive = np.array([i not in reasons for i in range(r)])
    with np.errstate(all="ignore"):  # a diverging run overflows; it is detected below and stopped there, named
        for t in range(1, steps + 1):
            g = _gradient(grad, x)
            grads[t - 1] = g
            for i in np.flatnonzero(alive & ~np.isfinite(g).all(axis=1)):
                reasons[int(i)] = (t, f"∇f is not finite at x{_sub(t - 1)}")
            move = np.empty_like(x)
            for group in groups:
                if group.method == "newton":
                    move[group.rows], sizes = _newton_step(group, g[group.rows], x[group.rows], t, hessian, reasons)
                else:
                    move[group.rows], sizes = _RULES[group.method](group.state, g[group.rows], t, group.lr,
                                                                   group.options)
                    group.sizes[t - 1] = sizes
                    for name, array in group.state.items():
                        group.record[name][t - 1] = array
            new = x - move
            stepped = alive & np.array([i not in reasons for i in range(r)])
            for i in np.flatnonzero(stepped & ~np.isfinite(new).all(axis=1)):
                reasons[int(i)] = (t, f"x{_sub(t)} is not finite: the run left the range of numbers")
            if values is not None:
                fresh = np.asarray(f(new.T), dtype=float).reshape(r)
                for i in np.flatnonzero(stepped & np.isfinite(new).all(axis=1) & ~np.isfinite(fresh)):
                    reasons[int(i)] = (t, f"f(x{_sub(t)}) is not finite")
                values[t] = fresh
            alive = np.array([i not in reasons for i in range(r)])
            x = np.where(alive[:, None], new, x)
            points[t] = x
            if not alive.any():
                break
    return tuple(_trajectory(runs[i], i, points, grads, values, groups, reasons.get(i), steps) for i in range(r))


def _trajectory(run: Run, i: int, points, grads, values, groups: list[_Group], stop, steps: int) -> Trajectory:
    k = steps if stop is None else stop[0] - 1
    group = next(g for g in groups if i in g.rows)
    j = int(np.flatnonzero(group.rows == i)[0])
    return Trajectory(
        method=run.method, lr=float(run.lr), options=tuple(sorted(run.settings.items())),
        points=points[: k + 1, i].copy(), gradients=grads[:k, i].copy(),
        values=None if values is None else values[: k + 1, i].copy(),
        state=MappingProxyType({name: rec[:k, j].copy() for name, rec in group.record.items()}),
        step_sizes=None if group.sizes is None else group.sizes[:k, j].copy(),
        diverged_at=None if stop is None else stop[0], reason=None if stop is None else stop[1],
        notes=tuple(group.notes[i]),
    )


def minimize(
    grad: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray | Sequence[float],
    *,
    method: str,
    lr: float,
    steps: int,
    hessian: Callable[[np.ndarray], np.ndarray] | None = None,
    f: Callable[[np.ndarray], float] | None = None,
    **options: object,
) -> Trajectory:
    """One optimizer's run: :func:`race` with a single :class:`Run` and plain callables.

    Parameters
    ----------
    grad : callable
        ∇f, (n,) → (n,).
    x0 : array_like, shape (n,)
    method : one of METHODS. lr : the learning rate > 0. steps : 1 to MAX_STEPS.
    hessian : callable, optional
        H, (n,) → (n, n); needed for "newton".
    f : callable, optional
        f, (n,) → float, recorded along the path.
    **options
        The method's options by PyTorch's names (momentum, alpha, eps, betas); the rest keep DEFAULTS.

    Returns
    -------
    Trajectory
    """
    one = {
        "grad": lambda x: np.asarray(grad(x[:, 0]), dtype=float)[:, None],
        "hessian": None if hessian is None else (lambda x: np.asarray(hessian(x[:, 0]), dtype=float)[..., None]),
        "f": None if f is None else (lambda x: np.array([f(x[:, 0])], dtype=float)),
    }
    run = Run(method, lr, tuple(sorted(options.items())))
    return race(one["grad"], x0, runs=(run,), steps=steps, hessian=one["hessian"], f=one["f"])[0]


# ----------------------------------------------------------------------------------- the quadratic's analysis
@dataclass(frozen=True)
class QuadraticRates:
    """What the eigenvalues 0 < λmin <= λmax of a quadratic's Hessian say about gradient descent and momentum
    (Goh, "Why Momentum Really Works", Distill 2017; momentum in PyTorch's form b ← μb + g, x ← x − lr·b).

    Attributes
    ----------
    condition : κ = λmax/λmin.
    stable_lr : 2/λmax: gradient descent converges exactly when 0 < lr < 2/λmax (each eigen-direction's error is
        multiplied by 1 − lr·λ every step).
    gd_lr, gd_rate : the best fixed rate 2/(λmin + λmax), whose error shrinks by (κ − 1)/(κ + 1) a step.
    momentum_lr, momentum : the best momentum setting lr = (2/(√λmin + √λmax))², μ = ((√κ − 1)/(√κ + 1))².
    momentum_rate : its error's shrink factor per step, (√κ − 1)/(√κ + 1) (= √μ).
    """

    condition: float
    stable_lr: float
    gd_lr: float
    gd_rate: float
    momentum_lr: float
    momentum: float
    momentum_rate: float


def quadratic_rates(*, lambda_min: float, lambda_max: float) -> QuadraticRates:
    """The stability limit and the optimal rates of gradient descent and momentum on a quadratic whose Hessian has
    eigenvalues in [``lambda_min``, ``lambda_max``], both > 0 (see :class:`QuadraticRates` for the formulas)."""
    if not (math.isfinite(lambda_min) and math.isfinite(lambda_max) and 0 < lambda_min <= lambda_max):
        raise ParameterError("eigenvalues", f"need 0 < λmin <= λmax, finite; got {lambda_min!r}, {lambda_max!r}")
    kappa = lambda_max / lambda_min
    root = math.sqrt(kappa)
    return QuadraticRates(
        condition=kappa, stable_lr=2 / lambda_max, gd_lr=2 / (lambda_min + lambda_max),
        gd_rate=(kappa - 1) / (kappa + 1),
        momentum_lr=(2 / (math.sqrt(lambda_min) + math.sqrt(lambda_max))) ** 2,
        momentum=((root - 1) / (root + 1)) ** 2, momentum_rate=(root - 1) / (root + 1),
    )
