"""Everything the SGD page shows: a dataset (preset or uploaded CSV), a logistic-regression run, the loss surface
over β, the frames of the animation, a gradient check and the spread of mini-batch gradients.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
from dataclasses import asdict, dataclass

import numpy as np

from core import differences, logistic, optimizers
from core.budget import CURVES, SPREAD, SURFACE, TRAINING, Allowance, allow
from core.errors import ParameterError

__all__ = [
    "DATASETS",
    "OPTIMIZERS",
    "OPTIMIZER_STEP_OVERHEAD",
    "STARTS",
    "SgdSettings",
    "run_sgd",
    "MAX_ROWS",
    "MAX_UPLOAD_BYTES",
    "SgdStudy",
    "data_from_csv",
    "history_csv",
    "settings_json",
    "frame_indices",
    "step_cost",
    "study_sgd",
]

DATASETS = logistic.KINDS
MAX_ROWS = 100_000
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_RECORDS = 500  # recorded β along the path: every step up to 500 steps, then evenly spaced
MAX_FRAMES = 40  # animation frames: each costs ~0.7 ms to build in plotly.py and is re-sent whole; 40 play smoothly
TUTORIAL_RANGE = 15.0  # the tutorial's contour covers β ∈ [−15, 15]² in steps of 0.5
GRID_POINTS = 61
SPREAD_DRAWS = 200
# A step of mini-batch SGD (B > 1) has a fixed cost of four NumPy calls, ~3 µs measured: as much as ~100
# point-gradients on that path (~33 ns each). Without it, B = 100 and T = 100,000 (10⁷ point-gradients) took 0.84 s.
STEP_OVERHEAD = 100
# A step through core.optimizers (any optimizer but the gd fast path) costs ~30 µs whatever B for B <= 100 (measured
# on this two-core machine: ~21 µs of optimizers.race's loop, ~8 µs for the batch gradient's NumPy calls), and ~35 ns
# more per batch point beyond (an epoch's gather, x̃ᵀβ, σ, x̃σ: 64 µs at B = 1,000, 330 µs at 10,000, 720 µs at the
# full 100,000 with no gather). 30 µs is ~714 point-gradients at TRAINING's 42 ns; counted as 750, T = 100,000 is
# cut to 7,989 steps at B = 1 (~0.24 s), 3,428 at B = 1,000 (~0.23 s), 558 at B = 10,000 (~0.19 s).
OPTIMIZER_STEP_OVERHEAD = 750
OPTIMIZERS = optimizers.FIRST_ORDER  # "gd" (the tutorial's SGD, the fast path) and the methods of core.optimizers
GRADIENT_CHECK_STEP = 1e-5  # central differences on the loss: error ~ h² |L'''| ≈ 1e-10 relative on these losses


STARTS = ("random", "typed")
INIT_RANGE = 10.0  # the tutorial's β0 ~ Uniform(−10, 10)²


@dataclass(frozen=True)
class SgdSettings:
    """Every control of the SGD page, as plain (hashable) values: the key of a cached run.

    ``data`` is a preset of DATASETS or "upload" (then ``csv`` holds the file's bytes). ``seed`` seeds the data, the
    random start (β0 ~ U(−10, 10)², bias 0) and the sampling, each from its own stream. ``start`` is "random" or
    "typed" (then β0 = (b1, b2), bias 0). ``optimizer`` is one of OPTIMIZERS: "gd" is the tutorial's plain SGD,
    the others train on the same mini-batches through core.optimizers (PyTorch's rules and defaults).
    """

    data: str = "tutorial"
    n: int = 2000
    noise: float = 0.0
    seed: int = 0
    csv: bytes | None = None
    lr: float = 2.0
    steps: int = 500
    batch: int = 1
    bias: bool = False
    start: str = "random"
    b1: float = 0.0
    b2: float = 0.0
    optimizer: str = "gd"


@dataclass(frozen=True)
class SgdStudy:
    """One run of the SGD page.

    Attributes
    ----------
    X (n, 2), y (n,) : the data.
    beta0 : the start, (2,) or (3,) with a bias (last).
    history : :class:`core.logistic.History`, recorded every ``record_every`` steps.
    grid_b1, grid_b2 (GRID_POINTS,), grid_loss (GRID_POINTS, GRID_POINTS) : the loss over (β1, β2), rows along β2,
        at the final bias.
    frames : indices into the history's records, one per animation frame (≤ MAX_FRAMES, first and last included).
    analytic, numeric : the gradient of the loss at the final β, by formula and by central differences.
    spread : mini-batch gradients at the final β, (draws, d), draws <= SPREAD_DRAWS; full : the full gradient, (d,).
    diagnosis : what went wrong in plain words, or None.
    caps : what the work budgets (core.budget) reduced, one :class:`core.budget.Allowance` each, with the control it
        concerns and the sentence to show there; empty when nothing was capped.
    optimizer : the method of OPTIMIZERS that trained β; options : its options as used, sorted (name, value) pairs
        (PyTorch's names and defaults, ``optimizers.DEFAULTS``; empty for "gd").
    """

    X: np.ndarray
    y: np.ndarray
    beta0: np.ndarray
    lr: float
    batch_size: int
    history: logistic.History
    record_every: int
    grid_b1: np.ndarray
    grid_b2: np.ndarray
    grid_loss: np.ndarray
    frames: np.ndarray
    analytic: np.ndarray
    numeric: np.ndarray
    spread: np.ndarray
    full: np.ndarray
    diagnosis: str | None
    caps: tuple[Allowance, ...] = ()
    optimizer: str = "gd"
    options: tuple[tuple[str, object], ...] = ()

    @property
    def final_beta(self) -> np.ndarray:
        return self.history.betas[-1]

    @property
    def check_error(self) -> float:
        """max |analytic − numeric| / max(|analytic|, tiny): the gradient check's relative disagreement."""
        scale = max(float(np.max(np.abs(self.analytic))), 1e-300)
        return float(np.max(np.abs(self.analytic - self.numeric))) / scale


def _cell(text: str, row: int, column: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParameterError("upload", f"Row {row}, column {column}: {text[:20]!r} is not a number") from None
    if not math.isfinite(value):
        raise ParameterError("upload", f"Row {row}, column {column}: {text[:20]!r} is not a finite number")
    return value


def _rows(content: bytes) -> list[list[str]]:
    if len(content) > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // 1024 // 1024
        raise ParameterError("upload", f"The file is {len(content) / 1e6:.1f} MB; the limit is {limit} MB")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParameterError("upload", "The file is not text (UTF-8 CSV expected)") from None
    rows = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    if not rows:
        raise ParameterError("upload", "The file is empty")
    return rows


def _has_header(first: list[str]) -> bool:
    try:
        [float(cell) for cell in first]
    except ValueError:
        return True
    return False


def data_from_csv(content: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Read an uploaded CSV of rows ``x1, x2, label`` (a header row is optional).

    Returns X (n, 2) float64 and y (n,) int64. Raises :class:`ParameterError` ("upload") naming the problem: not
    three columns, a non-numeric cell, a label other than 0/1, more than MAX_ROWS rows or MAX_UPLOAD_BYTES bytes.
    """
    rows = _rows(content)
    start = 1 if _has_header(rows[0]) else 0
    body = rows[start:]
    if not body:
        raise ParameterError("upload", "The file has a header but no data rows")
    if len(body) > MAX_ROWS:
        raise ParameterError("upload", f"The file has {len(body):,} rows; the limit is {MAX_ROWS:,}")
    values = np.empty((len(body), 3))
    for i, row in enumerate(body, start=start + 1):
        if len(row) != 3:
            raise ParameterError("upload", f"Row {i} has {len(row)} columns; expected 3 (x1, x2, label)")
        values[i - start - 1] = [_cell(cell.strip(), i, j + 1) for j, cell in enumerate(row)]
    labels = values[:, 2]
    if not np.isin(labels, (0.0, 1.0)).all():
        bad = int(np.flatnonzero(~np.isin(labels, (0.0, 1.0)))[0])
        raise ParameterError("upload", f"Row {bad + start + 1}: the label {labels[bad]:g} is not 0 or 1")
    return values[:, :2].copy(), labels.astype(np.int64)


def frame_indices(records: int, *, most: int = MAX_FRAMES) -> np.ndarray:
    """Up to ``most`` evenly spaced record indices from 0 to records − 1, both included, ascending and distinct."""
    return np.unique(np.linspace(0, records - 1, min(records, most)).round().astype(int))


def _grid_axes(history: logistic.History, points: int) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's β ∈ [−15, 15]², widened (same number of points) when the path leaves it."""
    finite = history.betas[:, :2][np.isfinite(history.betas[:, :2]).all(axis=1)]
    reach = max(TUTORIAL_RANGE, 1.1 * float(np.max(np.abs(finite), initial=0.0)))
    axis = np.linspace(-reach, reach, points)
    return axis, axis.copy()


def _loss_of_betas(X: np.ndarray, y: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """The loss at each column of ``betas`` (d, ...): the shape core.differences passes to f."""
    flat = betas.reshape(betas.shape[0], -1)
    return np.array([logistic.loss(X, y, flat[:, j]) for j in range(flat.shape[1])]).reshape(betas.shape[1:])


def _check(lr: float, steps: int, batch_size: int, n: int, beta0: np.ndarray, optimizer: str) -> None:
    if not (isinstance(optimizer, str) and optimizer in OPTIMIZERS):
        labels = ", ".join(f"{name} ({optimizers.LABELS[name]})" for name in OPTIMIZERS)
        raise ParameterError("optimizer", f"the optimizer must be one of {labels}; got {optimizer!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ParameterError("lr", f"the learning rate must be a positive number; got {lr!r}")
    if optimizer != "gd" and lr > optimizers.MAX_RATE:
        raise ParameterError("lr", f"{optimizers.LABELS[optimizer]}'s learning rate must be at most "
                                   f"{optimizers.MAX_RATE:g}; got {lr!r}")
    if not 1 <= steps <= 100_000:
        raise ParameterError("steps", f"steps must be between 1 and 100,000; got {steps!r}")
    if not 1 <= batch_size <= n:
        raise ParameterError("batch", f"the batch size must be between 1 and N = {n}; got {batch_size!r}")
    if not np.isfinite(beta0).all():
        raise ParameterError("beta0", f"the start β must be finite numbers; got {beta0.tolist()}")


def step_cost(batch_size: int, *, optimizer: str = "gd") -> int:
    """Point-gradient evaluations one training step is counted as. Plain SGD ("gd", logistic.train_sgd): 1 for B = 1
    (a few Python float operations, ~0.5 µs), B + STEP_OVERHEAD for B > 1 (four NumPy calls a step). Any other
    optimizer (through core.optimizers): B + OPTIMIZER_STEP_OVERHEAD at every B."""
    if optimizer != "gd":
        return batch_size + OPTIMIZER_STEP_OVERHEAD
    return 1 if batch_size == 1 else batch_size + STEP_OVERHEAD


def _budgets(steps: int, batch_size: int, n: int, data_control: str, optimizer: str) -> tuple[Allowance, ...]:
    """Steps, recorded β, grid points per axis and spread draws under the work budgets (core.budget), in that order.

    Training costs T · step_cost(B, optimizer) gradient evaluations; the loss and accuracy at k recorded β cost
    k · N loss evaluations; a k × k loss surface k² · N; k mini-batches for the spread k · B gradient evaluations.
    """
    at_n = f"at N = {n:,}"
    if optimizer != "gd":
        per_step = f" (a step with {optimizers.LABELS[optimizer]} counts B + {OPTIMIZER_STEP_OVERHEAD})"
    else:
        per_step = f" (a step counts B + {STEP_OVERHEAD})" if batch_size > 1 else ""
    each = step_cost(batch_size, optimizer=optimizer)
    trained = allow(TRAINING, control="steps", label="T", requested=steps, cost=lambda t: t * each,
                    given=f"at batch {batch_size:,}{per_step}")
    records = allow(CURVES, control=data_control, label="recorded steps",
                    requested=min(trained.allowed, MAX_RECORDS) + 1, cost=lambda k: k * n, given=at_n, least=2)
    grid = allow(SURFACE, control=data_control, label="the grid", requested=GRID_POINTS,
                 cost=lambda k: k * k * n, given=at_n, least=2, shown=lambda k: f"{k}×{k}")
    draws = allow(SPREAD, control="batch", label="batches drawn", requested=SPREAD_DRAWS,
                  cost=lambda k: k * batch_size, given=f"at batch {batch_size:,}")
    return trained, records, grid, draws


def study_sgd(
    X: np.ndarray, y: np.ndarray, *, beta0: np.ndarray, lr: float, steps: int, batch_size: int, seed: int,
    data_control: str = "n", optimizer: str = "gd",
) -> SgdStudy:
    """Train logistic regression by SGD from ``beta0`` and gather what the page draws, within the work budgets.

    Each step: β ← β − lr · (1/B) Σ_{i ∈ batch} x_i (σ(x_i·β) − y_i), B = ``batch_size`` (1: the tutorial's SGD,
    n: full-batch gradient descent); a β0 of length 3 adds a bias (last). With ``optimizer`` other than "gd" the
    step is that method's rule (core.optimizers) applied to the same batch gradient, on the same batches
    (logistic.train_optimizer). The path is recorded at every step up to MAX_RECORDS steps, evenly spaced beyond.
    ``seed`` seeds the sampling of points (and of the mini-batch spread).

    The work is bounded by core.budget: T · step_cost(B, optimizer) <= TRAINING, records · N <= CURVES,
    GRID_POINTS² · N <= SURFACE, SPREAD_DRAWS · B <= SPREAD. What had to be reduced (fewer steps, records, grid points
    or batches) is listed in ``caps``, each with its control ("steps", ``data_control`` for what N drives, "batch")
    and sentence.
    """
    beta0 = np.asarray(beta0, dtype=float)
    _check(lr, steps, batch_size, len(y), beta0, optimizer)
    rng = np.random.default_rng([seed, 2])
    allowances = _budgets(steps, batch_size, len(y), data_control, optimizer)
    trained, records, points, draws = (a.allowed for a in allowances)
    record_every = max(1, math.ceil(trained / (records - 1)))
    run = dict(beta0=beta0, lr=lr, steps=trained, batch_size=batch_size, rng=rng, record_every=record_every,
               bias=len(beta0) == 3)
    if optimizer == "gd":  # the tutorial's SGD on its fast path
        history = logistic.train_sgd(X, y, **run)
    else:
        history = logistic.train_optimizer(X, y, method=optimizer, **run)
    final = history.betas[-1]
    b1, b2 = _grid_axes(history, points)
    bias = float(final[2]) if len(final) == 3 and math.isfinite(final[2]) else 0.0
    finite = bool(np.isfinite(final).all())
    analytic = logistic.gradient(X, y, final) if finite else np.full(len(final), np.nan)
    loss = functools.partial(_loss_of_betas, X, y)
    numeric = (differences.gradient(loss, final, method="central", step=GRADIENT_CHECK_STEP).value
               if finite else np.full(len(final), np.nan))
    spread = (logistic.minibatch_gradients(X, y, final, batch_size=batch_size, draws=draws, rng=rng)
              if finite else np.full((draws, len(final)), np.nan))
    return SgdStudy(
        X=X, y=y, beta0=beta0, lr=lr, batch_size=batch_size, history=history, record_every=record_every,
        grid_b1=b1, grid_b2=b2, grid_loss=logistic.loss_grid(X, y, b1, b2, bias=bias),
        frames=frame_indices(len(history.steps)), analytic=analytic, numeric=np.asarray(numeric), spread=spread,
        full=analytic, diagnosis=logistic.diagnose(history), caps=tuple(a for a in allowances if a.capped),
        optimizer=optimizer, options=tuple(sorted(optimizers.DEFAULTS[optimizer].items())),
    )


def _data(settings: SgdSettings) -> tuple[np.ndarray, np.ndarray]:
    if settings.data == "upload":
        if settings.csv is None:
            raise ParameterError("upload", "Choose a CSV file with columns x1, x2, label")
        return data_from_csv(settings.csv)
    if settings.data not in DATASETS:
        names = ", ".join(DATASETS)
        raise ParameterError("data", f"the dataset must be one of {names} or upload; got {settings.data!r}")
    if not 1 <= settings.n <= MAX_ROWS:
        raise ParameterError("n", f"N must be between 1 and {MAX_ROWS:,}; got {settings.n!r}")
    if not 0 <= settings.noise <= logistic.MAX_NOISE:
        raise ParameterError(
            "noise", f"the label noise must be between 0 and {logistic.MAX_NOISE}; got {settings.noise!r}"
        )
    rng = np.random.default_rng([settings.seed, 0])
    dataset = logistic.make_dataset(settings.n, rng=rng, kind=settings.data, noise=settings.noise)
    return dataset.X, dataset.y


def _start(settings: SgdSettings) -> np.ndarray:
    if settings.start not in STARTS:
        raise ParameterError("start", f"the start must be one of {', '.join(STARTS)}; got {settings.start!r}")
    if settings.start == "typed":
        weights = np.array([settings.b1, settings.b2], dtype=float)
    else:
        weights = np.random.default_rng([settings.seed, 1]).uniform(-INIT_RANGE, INIT_RANGE, size=2)
    return np.append(weights, 0.0) if settings.bias else weights


def run_sgd(settings: SgdSettings) -> SgdStudy:
    """The page's one call: the dataset (preset or CSV), the start β0, then :func:`study_sgd`.

    Raises :class:`ParameterError` naming the control at fault ("upload", "n", "lr", "batch", "optimizer", ...).
    """
    X, y = _data(settings)
    return study_sgd(X, y, beta0=_start(settings), lr=settings.lr, steps=settings.steps,
                     batch_size=settings.batch, seed=settings.seed,
                     data_control="upload" if settings.data == "upload" else "n", optimizer=settings.optimizer)


def history_csv(study: SgdStudy) -> str:
    """The recorded run as CSV: step, β1, β2 (, bias), loss, accuracy — one row per record; non-finite values as
    "nan"/"inf", the way CSV readers (pandas, spreadsheets) understand them."""
    history = study.history
    names = ["beta1", "beta2", "bias"][: history.betas.shape[1]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["step", *names, "loss", "accuracy"])
    for step, beta, loss, acc in zip(history.steps, history.betas, history.losses, history.accuracies):
        writer.writerow([int(step), *(repr(float(b)) for b in beta), repr(float(loss)), repr(float(acc))])
    return out.getvalue()


def settings_json(settings: SgdSettings) -> str:
    """The run's settings as JSON (an uploaded file is named by its size, not embedded)."""
    values = asdict(settings)
    content = values.pop("csv")
    values["uploaded_bytes"] = None if content is None else len(content)
    return json.dumps(values, indent=2, sort_keys=True)
