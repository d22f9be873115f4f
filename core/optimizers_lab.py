"""Everything the Optimizers page shows: the chosen methods raced from one start on a surface f(x1, x2), the frames
of the animation, each method's state at an inspected step, a fair tuning of every method's learning rate, and on a
quadratic the eigenvalue analysis that predicts what the race shows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import sympy as sp

from core import optimizers, symbolic
from core.budget import RACE, Allowance, allow
from core.errors import ParameterError
from core.expressions import Expression, ExpressionError, parse
from core.gradient_lab import Window
from core.optimizers import METHODS, QuadraticRates, Run, Trajectory
from core.urlparams import log_steps

__all__ = [
    "DEFAULT_METHODS",
    "DEFAULT_RATES",
    "DEFAULT_STEPS",
    "GRID",
    "MAX_FRAMES",
    "MAX_STEPS",
    "NEWTON_RATES",
    "OPTION_CONTROLS",
    "PRESETS",
    "RATES",
    "VARIABLES",
    "RaceStudy",
    "StepDetail",
    "Surface",
    "Tuning",
    "frame_steps",
    "known_surface",
    "method_options",
    "preset_settings",
    "operations_per_step",
    "picture_side",
    "runs_for",
    "step_detail",
    "study_race",
    "tune_rates",
]

VARIABLES = ("x1", "x2")
GRID = 101  # the least cells a side of f's picture (the Gradient page's contour resolution)
PICTURE = 400  # cells a side of f's picture, the race's background (~520 px drawn): crisp level curves
PICTURE_WORK = 10**7  # picture cells × formula operations (~1–4 ns each): a 400-operation formula still gets 158²
DEFAULT_METHODS = ("gd", "momentum", "adam", "newton")
DEFAULT_STEPS = 500
MAX_STEPS = 5000  # the steps box's upper end; the budget (core.budget.RACE) may allow fewer for a large formula
MAX_FRAMES = 45  # animation frames: every step up to EARLY_FRAMES, then evenly spaced (the figure stays < 300 KB)
EARLY_FRAMES = 12  # the first steps are where the methods differ most (Newton is often done by step 5)
# 1e-5 … 10, six steps a decade: the rate sliders and the tuning grid. Finer than 1-2-5 so that a quadratic's limit
# 2/λmax has rates just below it (the ravine's 0.2: 0.15 zig-zags and converges, 0.2 swings for ever).
RATES = log_steps(low_exponent=-5, high_exponent=1, mantissas=(1, 1.5, 2, 3, 5, 7))
NEWTON_RATES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)  # Newton's lr damps a step that is already scaled by H⁻¹
LOOP_OPERATIONS = 20  # one step's own loop overhead per method group, in formula operations (~40 µs measured)
POWER_OPERATIONS = 4  # a power node: np.power on float exponents, ~4 µs against ~1 µs for a product (profiled)
ENTRY_OPERATIONS = 4  # the fixed cost of evaluating one formula entry (a NumPy array made, broadcast, copied)
REACHED = 1e-6  # f − f* below this (or ‖x − x*‖ below REACHED_DISTANCE) counts as having arrived
REACHED_DISTANCE = 1e-3
TIE = 1e-12  # final values this close (relative) are a tie: both runs reached the minimum to rounding

# The option controls: URL name → (label, default (PyTorch's, momentum's this app's), the methods that use it).
OPTION_CONTROLS = MappingProxyType({
    "momentum": ("momentum μ (Momentum, Nesterov)", 0.9, ("momentum", "nesterov")),
    "alpha": ("RMSProp's α", 0.99, ("rmsprop",)), "beta1": ("Adam's β1", 0.9, ("adam",)),
    "beta2": ("Adam's β2", 0.999, ("adam",)),
})
DEFAULT_RATES = MappingProxyType({"gd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.5, "rmsprop": 0.01,
                                  "adam": 0.05, "newton": 1.0})


@dataclass(frozen=True)
class Surface:
    """A one-click surface: the formula, a start that tells a story, a window that shows it, its known minima and
    minimum value (None where f is unbounded below), and rates for the default race."""

    label: str
    formula: str
    start: tuple[float, float]
    window: Window
    minima: tuple[tuple[float, float], ...]
    minimum: float | None
    rates: Mapping[str, float]
    story: str


def _rates(**changes: float) -> Mapping[str, float]:
    return MappingProxyType({**DEFAULT_RATES, **changes})


PRESETS = (
    Surface("Rosenbrock", "(1 - x1)^2 + 100(x2 - x1^2)^2", (-1.5, 2.0), Window(-2, 2, -1, 3), ((1.0, 1.0),), 0.0,
            _rates(gd=1e-3, momentum=1e-3, nesterov=1e-3, adagrad=0.5, rmsprop=0.01, adam=0.05),
            "A curved valley: every first-order method finds the valley fast and then crawls along it to (1, 1)."),
    Surface("Beale", "(1.5 - x1 + x1 x2)^2 + (2.25 - x1 + x1 x2^2)^2 + (2.625 - x1 + x1 x2^3)^2", (1.0, 1.5),
            Window(-4.5, 4.5, -4.5, 4.5), ((3.0, 0.5),), 0.0,
            _rates(gd=1e-3, momentum=1e-3, nesterov=1e-3, adagrad=0.5, rmsprop=0.01, adam=0.05),
            "Flat plateaus and steep walls: the adaptive methods rescale the tiny gradients on the plateau."),
    Surface("Himmelblau", "(x1^2 + x2 - 11)^2 + (x1 + x2^2 - 7)^2", (-0.5, 0.5), Window(-5, 5, -5, 5),
            ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)), 0.0,
            _rates(gd=0.01, momentum=0.005, nesterov=0.005, adagrad=0.5, rmsprop=0.05, adam=0.1),
            "Four minima: from the same start, different methods end in different ones."),
    Surface("saddle between two minima", "x1^4 - 2x1^2 + x2^2", (0.3, 1.5), Window(-2, 2, -2, 2),
            ((1.0, 0.0), (-1.0, 0.0)), -1.0,
            _rates(gd=0.05, momentum=0.02, nesterov=0.02, adagrad=0.5, rmsprop=0.02, adam=0.05),
            "A saddle at (0, 0): gradient methods roll off it to a minimum; Newton, which seeks ∇f = 0, goes to the "
            "saddle."),
    Surface("ravine 0.1·x1² + 5·x2²", "0.1x1^2 + 5x2^2", (-4.5, 1.5), Window(-5, 5, -2, 2), ((0.0, 0.0),), 0.0,
            _rates(gd=0.15, momentum=0.1, nesterov=0.1, adagrad=0.5, rmsprop=0.02, adam=0.1),
            "An ill-conditioned quadratic (κ = 50): gradient descent zig-zags across it; momentum runs along it."),
    Surface("Rastrigin", "20 + x1^2 - 10cos(2pi x1) + x2^2 - 10cos(2pi x2)", (3.2, -2.7),
            Window(-5.12, 5.12, -5.12, 5.12), ((0.0, 0.0),), 0.0,
            _rates(gd=2e-3, momentum=2e-3, nesterov=2e-3, adagrad=0.5, rmsprop=0.05, adam=0.2),
            "A local minimum in every cell: most methods stop in the nearest one."),
)


@dataclass(frozen=True)
class RaceStudy:
    """One race of the Optimizers page.

    Attributes
    ----------
    expression : f(x1, x2) as parsed. gradient : ∇f, exact (SymPy). hessian : H, exact, or None when no Newton run
        needs it and f is not a quadratic.
    start : (x1, x2). window : the view. steps : the steps run (requested, or fewer under the budget).
    trajectories : one :class:`core.optimizers.Trajectory` per method, in the order asked, each with f recorded.
    grid_x1 (k,), grid_x2 (k,), grid_f (k, k) : f on the window, rows along x2, k = picture_side(expression).
    frames : the steps shown as animation frames, ascending, 0 and ``steps`` included (≤ MAX_FRAMES + 1).
    minima : known minimisers (from a preset) for the distance to the nearest; minimum : f* there, or None.
    quadratic : the eigenvalue analysis (core.optimizers.quadratic_rates) when H is constant and positive definite.
    eigenvalues : H's eigenvalues when it is constant (a quadratic), else None.
    caps : what the budget reduced (core.budget.Allowance), empty when nothing was.
    """

    expression: Expression
    gradient: symbolic.SymbolicMatrix
    hessian: symbolic.SymbolicMatrix | None
    start: tuple[float, float]
    window: Window
    steps: int
    trajectories: tuple[Trajectory, ...]
    grid_x1: np.ndarray
    grid_x2: np.ndarray
    grid_f: np.ndarray
    frames: np.ndarray
    minima: tuple[tuple[float, float], ...]
    minimum: float | None
    quadratic: QuadraticRates | None
    eigenvalues: np.ndarray | None
    caps: tuple[Allowance, ...]

    def trajectory(self, method: str) -> Trajectory:
        return next(t for t in self.trajectories if t.method == method)

    def gap(self, trajectory: Trajectory) -> np.ndarray:
        """What the loss plot draws along a path, (k + 1,): f − f* when f* is known, else f."""
        return trajectory.values - self.minimum if self.minimum is not None else trajectory.values

    def distance(self, trajectory: Trajectory) -> np.ndarray | None:
        """‖x_t − x*‖ to the nearest known minimiser, (k + 1,), or None without known minimisers."""
        if not self.minima:
            return None
        targets = np.asarray(self.minima)
        return np.min(np.linalg.norm(trajectory.points[:, None, :] - targets[None], axis=2), axis=1)

    def arrived_at(self, trajectory: Trajectory) -> int | None:
        """The first step with f − f* < REACHED or within REACHED_DISTANCE of a known minimiser, or None."""
        near = np.zeros(len(trajectory.points), dtype=bool)
        if self.minimum is not None:
            near |= self.gap(trajectory) < REACHED
        distance = self.distance(trajectory)
        if distance is not None:
            near |= distance < REACHED_DISTANCE
        return int(np.argmax(near)) if near.any() else None


@dataclass(frozen=True)
class StepDetail:
    """One method's step t (1 ≤ t ≤ its steps): x_{t−1} → x_t with the gradient and the state the rule used.

    Attributes
    ----------
    method, t, lr, options : the rule, the step and its settings.
    before, after : x_{t−1}, x_t, (2,). gradient : ∇f(x_{t−1}), (2,).
    state_before, state_after : the rule's state (name → (2,)) before and after the step (zeros before step 1).
    step_size : the per-coordinate rate of the step, (2,), or None (Newton).
    hessian : H(x_{t−1}), (2, 2), for Newton (else None); eigenvalues (2,) ascending and eigenvectors (2, 2) columns.
    """

    method: str
    t: int
    lr: float
    options: Mapping[str, object]
    before: np.ndarray
    after: np.ndarray
    gradient: np.ndarray
    state_before: Mapping[str, np.ndarray]
    state_after: Mapping[str, np.ndarray]
    step_size: np.ndarray | None
    hessian: np.ndarray | None
    eigenvalues: np.ndarray | None
    eigenvectors: np.ndarray | None


@dataclass(frozen=True)
class Tuning:
    """A fair race: each method's learning rate chosen on a log grid by the lowest f after ``steps`` steps.

    Attributes
    ----------
    methods : the methods tuned. rates : per method, its grid (ascending). finals : per method, f after ``steps``
        steps at each rate (inf where the run diverged). initial : f at the start. best : per method, the rate with
        the lowest final f (None when every rate diverged). steps : the steps each run took. caps : what the budget
        reduced.
    """

    methods: tuple[str, ...]
    rates: tuple[np.ndarray, ...]
    finals: tuple[np.ndarray, ...]
    initial: float
    best: tuple[float | None, ...]
    steps: int
    caps: tuple[Allowance, ...]


# ----------------------------------------------------------------------------------------------------- checks
def _check(start: tuple[float, float], runs: Sequence[Run], steps: int, window: Window) -> None:
    for name, value in zip(VARIABLES, start):
        if not math.isfinite(value):
            raise ParameterError(name, f"the start's {name} must be a finite number; got {value!r}")
    if not runs:
        raise ParameterError("methods", "Choose at least one method to race")
    if len({run.method for run in runs}) != len(runs):
        raise ParameterError("methods", "Each method races once")
    if not 1 <= steps <= MAX_STEPS:
        raise ParameterError("steps", f"steps must be from 1 to {MAX_STEPS:,}; got {steps!r}")
    window.check()


def _parse(text: str, start: tuple[float, float]) -> Expression:
    expression = parse(text, VARIABLES)
    value = float(expression.func(*start))
    if not math.isfinite(value):
        raise ParameterError("x1", f"f is not defined at the start ({start[0]:g}, {start[1]:g}) (f = {value}); "
                                   "move the start")
    return expression


def _derivatives(
    expression: Expression, *, newton: bool
) -> tuple[symbolic.SymbolicMatrix, symbolic.SymbolicMatrix | None]:
    """∇f, and H when Newton needs it or f may be a quadratic (degree ≤ 2: the analysis needs its eigenvalues)."""
    try:
        gradient = symbolic.gradient(expression, typeset=False)
    except ExpressionError as error:
        raise ParameterError("f", f"The exact gradient is not available, so the race cannot run: {error}") from None
    quadratic = expression.sympy.is_polynomial(*expression.symbols) and sp.Poly(
        expression.sympy, *expression.symbols).total_degree() <= 2
    if not (newton or quadratic):
        return gradient, None
    try:
        return gradient, symbolic.hessian(expression, typeset=False)
    except ExpressionError as error:
        if newton:
            raise ParameterError("methods", f"Newton's method needs the exact Hessian, which is not available: "
                                            f"{error}. Leave Newton out, or simplify f.") from None
        return gradient, None


def _nodes(matrix_or_expr) -> int:
    """Formula operations of evaluating an expression (or each entry of a matrix): a node each, POWER_OPERATIONS for
    a power (NumPy's float power is several times a product's cost), and ENTRY_OPERATIONS an entry."""
    exprs = list(matrix_or_expr) if isinstance(matrix_or_expr, sp.MatrixBase) else [matrix_or_expr]
    return sum(ENTRY_OPERATIONS + sum(POWER_OPERATIONS if node.is_Pow else 1 for node in sp.preorder_traversal(e))
               for e in exprs)


def operations_per_step(expression: Expression, gradient: symbolic.SymbolicMatrix,
                        hessian: symbolic.SymbolicMatrix | None, *, groups: int) -> int:
    """The work of one step of a race, in formula operations: the SymPy nodes evaluated (f, ∇f, and H when a Newton
    run needs it; each entry also costs ENTRY_OPERATIONS) plus LOOP_OPERATIONS per method group."""
    total = _nodes(expression.sympy) + _nodes(gradient.sympy) + LOOP_OPERATIONS * groups
    return total + (_nodes(hessian.sympy) if hessian is not None else 0)


def _quadratic(hessian: symbolic.SymbolicMatrix | None) -> tuple[QuadraticRates | None, np.ndarray | None]:
    if hessian is None or hessian.sympy.free_symbols:
        return None, None
    lam = np.linalg.eigvalsh(np.array(hessian.sympy.tolist(), dtype=float))
    if lam[0] <= 0:
        return None, lam
    return optimizers.quadratic_rates(lambda_min=float(lam[0]), lambda_max=float(lam[-1])), lam


def _vectorised(matrix: symbolic.SymbolicMatrix):
    return lambda x: matrix.func(x[0], x[1])


def frame_steps(steps: int, *, most: int = MAX_FRAMES, early: int = EARLY_FRAMES) -> np.ndarray:
    """The steps drawn as frames: 0 … min(early, steps) one by one, then evenly spaced to ``steps``, at most
    ``most`` + 1 in all, ascending and distinct."""
    first = np.arange(0, min(early, steps) + 1)
    rest = np.linspace(first[-1], steps, max(2, most - len(first) + 1)).round().astype(int)
    return np.unique(np.concatenate([first, rest]))


def picture_side(expression: Expression) -> int:
    """Cells a side of f's picture: PICTURE, fewer for a large formula (cells × formula nodes <= PICTURE_WORK), at
    least GRID."""
    return max(GRID, min(PICTURE, math.isqrt(PICTURE_WORK // _nodes(expression.sympy))))


def _grid(expression: Expression, window: Window) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    side = picture_side(expression)
    x1 = np.linspace(window.x1_low, window.x1_high, side)
    x2 = np.linspace(window.x2_low, window.x2_high, side)
    return x1, x2, expression.func(*np.meshgrid(x1, x2))


def study_race(
    text: str, *, start: tuple[float, float], window: Window, runs: Sequence[Run], steps: int,
    minima: tuple[tuple[float, float], ...] = (), minimum: float | None = None,
) -> RaceStudy:
    """Race ``runs`` on f(x1, x2) = ``text`` from ``start`` for ``steps`` steps (fewer if the budget says so).

    Every run follows its rule from core.optimizers with the exact ∇f (and H for Newton) from core.symbolic; a step
    costs :func:`operations_per_step` formula operations, and steps · that <= core.budget.RACE.

    Parameters
    ----------
    text : f(x1, x2) as typed. start : (x1, x2). window : the view. runs : the methods (each once) and their rates.
    steps : 1 … MAX_STEPS. minima, minimum : known minimisers and f* (a preset's), for the distance and f − f*.

    Raises
    ------
    ExpressionError : ``text`` is not a formula in x1, x2.
    ParameterError : naming the control at fault ("x1", "methods", "steps", "lr_<method>", "f", ...).
    """
    _check(start, runs, steps, window)
    expression = _parse(text, start)
    newton = any(run.method == "newton" for run in runs)
    gradient, hessian = _derivatives(expression, newton=newton)
    groups = len(runs)
    per_step = operations_per_step(expression, gradient, hessian if newton else None, groups=groups)
    allowance = allow(RACE, control="steps", label="steps", requested=steps, cost=lambda k: k * per_step,
                      given=f"(this race costs {per_step:,} a step)")
    trajectories = optimizers.race(
        _vectorised(gradient), np.asarray(start, dtype=float), runs=tuple(runs), steps=allowance.allowed,
        hessian=_vectorised(hessian) if newton else None, f=lambda x: expression.func(x[0], x[1]),
    )
    quadratic, eigenvalues = _quadratic(hessian)
    grid_x1, grid_x2, grid_f = _grid(expression, window)
    return RaceStudy(
        expression=expression, gradient=gradient, hessian=hessian, start=start, window=window,
        steps=allowance.allowed, trajectories=trajectories, grid_x1=grid_x1, grid_x2=grid_x2, grid_f=grid_f,
        frames=frame_steps(allowance.allowed), minima=minima, minimum=minimum, quadratic=quadratic,
        eigenvalues=eigenvalues, caps=(allowance,) if allowance.capped else (),
    )


def step_detail(study: RaceStudy, method: str, t: int) -> StepDetail | None:
    """What ``method`` did at step t of the race (t clipped to 1 … its steps); None when it took no step at all (it
    stopped at step 1: its ``reason`` says why)."""
    path = study.trajectory(method)
    t = min(max(t, 1), path.steps)
    if t == 0:
        return None
    zeros = np.zeros(path.points.shape[1])
    before = {name: (values[t - 2] if t > 1 else zeros) for name, values in path.state.items() if name != "eigenvalues"}
    after = {name: values[t - 1] for name, values in path.state.items() if name != "eigenvalues"}
    hessian = eigenvalues = eigenvectors = None
    if method == "newton" and study.hessian is not None:
        hessian = study.hessian.func(*path.points[t - 1])
        eigenvalues, eigenvectors = np.linalg.eigh(0.5 * (hessian + hessian.T))
    return StepDetail(
        method=method, t=t, lr=path.lr, options=dict(path.options), before=path.points[t - 1],
        after=path.points[t], gradient=path.gradients[t - 1], state_before=before, state_after=after,
        step_size=None if path.step_sizes is None else path.step_sizes[t - 1], hessian=hessian,
        eigenvalues=eigenvalues, eigenvectors=eigenvectors,
    )


def tune_rates(
    text: str, *, start: tuple[float, float], methods: Sequence[str], steps: int,
    options: Mapping[str, tuple[tuple[str, object], ...]] | None = None,
) -> Tuning:
    """Each method's best learning rate for this f and start: one race of every method at every rate of its grid
    (RATES; NEWTON_RATES for Newton), all for the same number of steps, scored by f at the end (a diverged run
    scores inf). The steps are the race's, reduced under core.budget.RACE for the larger race if need be.

    Raises ExpressionError / ParameterError as :func:`study_race`.
    """
    window = Window(-1, 1, -1, 1)  # not drawn; the check needs one
    probe = [Run(m, DEFAULT_RATES[m]) for m in methods]
    _check(start, probe, steps, window)
    expression = _parse(text, start)
    newton = "newton" in methods
    gradient, hessian = _derivatives(expression, newton=newton)
    options = options or {}
    grids = {m: np.array(NEWTON_RATES if m == "newton" else RATES) for m in methods}
    runs = [Run(m, float(lr), options.get(m, ())) for m in methods for lr in grids[m]]
    per_step = operations_per_step(expression, gradient, hessian if newton else None, groups=len(methods))
    allowance = allow(RACE, control="tune", label="tuning steps", requested=steps, cost=lambda k: k * per_step,
                      given=f"(this race costs {per_step:,} a step)")
    paths = optimizers.race(_vectorised(gradient), np.asarray(start, dtype=float), runs=runs, steps=allowance.allowed,
                            hessian=_vectorised(hessian) if newton else None,
                            f=lambda x: expression.func(x[0], x[1]))
    finals, best, i = [], [], 0
    for m in methods:
        chunk = paths[i: i + len(grids[m])]
        i += len(grids[m])
        final = np.array([p.values[-1] if p.diverged_at is None else math.inf for p in chunk])
        finals.append(final)
        best.append(_best(grids[m], final, chunk))
    return Tuning(methods=tuple(methods), rates=tuple(grids[m] for m in methods), finals=tuple(finals),
                  initial=float(expression.func(*start)),
                  best=tuple(best), steps=allowance.allowed, caps=(allowance,) if allowance.capped else ())


def _best(rates: np.ndarray, finals: np.ndarray, paths: Sequence[Trajectory]) -> float | None:
    """The rate with the lowest final f; among rates tied with it (to TIE relative), the one whose path has the lowest
    mean f (it got there sooner). None when every run diverged."""
    if not np.isfinite(finals).any():
        return None
    low = float(np.min(finals))
    tied = np.flatnonzero(finals <= low + TIE * (1 + abs(low)))
    return float(rates[min(tied, key=lambda i: float(np.mean(paths[i].values)))])


def preset_settings(label: str | None) -> dict[str, object]:
    """The page's control values for the preset called ``label`` (formula, start, window, every method's rate), or
    {} for no preset."""
    chosen = next((p for p in PRESETS if p.label == label), None)
    if chosen is None:
        return {}
    w = chosen.window
    return {"f": chosen.formula, "x1": chosen.start[0], "x2": chosen.start[1], "x1_range": (w.x1_low, w.x1_high),
            "x2_range": (w.x2_low, w.x2_high), **{f"lr_{m}": chosen.rates[m] for m in METHODS}}


def method_options(values: Mapping[str, float]) -> dict[str, tuple[tuple[str, object], ...]]:
    """Each method's options (core.optimizers.Run.options) from the page's option controls (OPTION_CONTROLS names →
    values; a missing one keeps its default)."""
    v = {name: float(values.get(name, default)) for name, (_, default, _) in OPTION_CONTROLS.items()}
    return {"momentum": (("momentum", v["momentum"]),), "nesterov": (("momentum", v["momentum"]),),
            "rmsprop": (("alpha", v["alpha"]),), "adam": (("betas", (v["beta1"], v["beta2"])),)}


def known_surface(text: str) -> Surface | None:
    """The preset whose formula is ``text`` exactly (its minima and f* are then known), else None."""
    return next((p for p in PRESETS if p.formula == text.strip()), None)


def runs_for(methods: Sequence[str], rates: Mapping[str, float],
             options: Mapping[str, tuple[tuple[str, object], ...]]) -> tuple[Run, ...]:
    """The race's runs: each chosen method (in METHODS order) with its rate and options."""
    return tuple(Run(m, float(rates[m]), tuple(options.get(m, ()))) for m in METHODS if m in methods)
