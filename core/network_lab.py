"""Everything the Network page shows: a dataset split into training and test points, a small network trained by SGD
(core.network) within the work budget, the decision surface and every neuron's output over the plane at the frames
of the animation, a clicked weight's value and gradient with its chain rule, the diagnosis and the exports.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, replace

import numpy as np

from core import logistic, network
from core.budget import NETWORK, Allowance, Budget, allow
from core.errors import ParameterError
from core.expressions import MAX_LENGTH, ExpressionError, parse
from core.network import ACTIVATIONS, FEATURES, MAX_LAYERS, MAX_WIDTH, Architecture, Training
from core.presentation import number
from core.sgd_lab import data_from_csv, frame_indices

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "DEFAULT",
    "FEATURES",
    "MAX_FRAMES",
    "MAX_POINTS",
    "MAX_STEPS",
    "NetworkSettings",
    "NetworkStudy",
    "WeightDetail",
    "backprop_formula",
    "dead_units",
    "diagnose",
    "frame_at",
    "layers_text",
    "loss_latex",
    "metrics",
    "neuron_name",
    "parse_layers",
    "point_cost",
    "run_csv",
    "settings_json",
    "step_cost",
    "study_network",
    "update_latex",
    "weight_detail",
    "weight_label",
    "weight_labels",
    "weights_json",
]

DATASETS: tuple[str, ...] = network.KINDS
MAX_STEPS = 100_000
MAX_POINTS = 5_000  # drawn points (an upload may hold up to core.sgd_lab.MAX_ROWS)
MAX_RECORDS = 200  # recorded θ for the loss and accuracy curves
MAX_FRAMES = 40  # animation frames
SURFACE_GRID = 48  # the decision surface: the network's output on a 48 × 48 grid over the window (drawn 2× finer)
TILE_GRID = 16  # each neuron's small heatmap: 16 × 16
MAX_COORDINATE = 1e6  # an upload's |x1|, |x2| at most this: squared features stay far from overflow
PAD = 0.1  # the window reaches this fraction of the data's span beyond it on every side
# A clicked weight's chain is written out as a formula for the Backprop page when it fits the parser's length;
# its constants keep FORMULA_DIGITS significant digits.
FORMULA_DIGITS = 6
# Over-fitting: the test loss ends more than OVERFIT_RISE above its lowest while the training loss went on falling and
# the gap between them at least doubled (OVERFIT_GAP): a mini-batch run's test loss wanders by ~10% without it.
OVERFIT_RISE = 1.25
OVERFIT_GAP = 2.0
# Work (core.budget.NETWORK, in operations of ~0.3 ns): a step's fixed cost (the batch gather, δ at the output, θ's
# update and finiteness check: ~22 µs) and each layer's NumPy calls (a product, an add, the activation; three more
# backward: ~10 µs); a record evaluates the training and test sets (~150 µs of calls); a frame evaluates the network
# on the surface's and the tiles' grids (~45 µs of calls). Per point: 3 products per weight in a step, 1 forward;
# ~20 elementwise operations per neuron in a step, ~10 forward. Measured on this 2-core machine (bench_network.py).
STEP_OVERHEAD = 75_000
LAYER_OVERHEAD = 35_000
RECORD_OVERHEAD = 500_000
FRAME_OVERHEAD = 150_000
PICTURE_SHARE = 0.25  # of NETWORK for the frames and the records; training gets the rest


@dataclass(frozen=True)
class NetworkSettings:
    """Every control of the Network page as plain (hashable) values: the key of a cached run.

    ``data`` is one of DATASETS or "upload" (``csv`` then holds the file's bytes); ``boundary`` is g of the
    "function" data (x2 > g(x1)); ``layers`` the hidden widths; ``test_ratio`` the fraction held out for testing.
    ``seed`` seeds the data, the split, θ0 and the batches, each from its own stream.
    """

    data: str = "xor"
    n: int = 400
    noise: float = 0.0
    seed: int = 0
    csv: bytes | None = None
    boundary: str = "sin(3x1)"
    test_ratio: float = 0.5
    features: tuple[str, ...] = ("x1", "x2")
    layers: tuple[int, ...] = (4,)
    activation: str = "tanh"
    lr: float = 0.3
    steps: int = 2000
    batch: int = 10
    l2: float = 0.0
    l1: float = 0.0


DEFAULT = NetworkSettings()


@dataclass(frozen=True, eq=False)
class NetworkStudy:
    """One run of the Network page.

    Attributes
    ----------
    settings : NetworkSettings
    architecture : core.network.Architecture
    X_train (n, 2), y_train (n,), X_test (m, 2), y_test (m,) : the split data.
    dropped : points of the "function" data left out where g(x1) is undefined.
    sampled : rows of an uploaded file left out (beyond MAX_POINTS rows a seeded random subset is used).
    training : core.network.Training, recorded every ``record_every`` steps.
    frames : indices into the training's records, one per animation frame (<= MAX_FRAMES, first and last in).
    window : (x1 low, x1 high, x2 low, x2 high), the input plane drawn.
    surface_x1 (G,), surface_x2 (G,) : the grid of the decision surface (G = SURFACE_GRID).
    surfaces : ndarray (frames, G, G), P(y = 1 | x) at each frame, rows along x2.
    tile_x1 (g,), tile_x2 (g,) : the grid of the neurons' heatmaps (g = TILE_GRID).
    tiles : tuple, one ndarray (frames, width, g, g) per layer (features, hidden layers, output), each neuron's
        output over the window (the features' do not change: their frames repeat the same values).
    caps : what the work budget reduced, one Allowance each (control and sentence).
    diagnosis : what went wrong in words (diverged, learning rate too high, over-fitting, dead ReLUs), or None.
    """

    settings: NetworkSettings
    architecture: Architecture
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    dropped: int
    sampled: int
    training: Training
    record_every: int
    frames: np.ndarray
    window: tuple[float, float, float, float]
    surface_x1: np.ndarray
    surface_x2: np.ndarray
    surfaces: np.ndarray
    tile_x1: np.ndarray
    tile_x2: np.ndarray
    tiles: tuple[np.ndarray, ...]
    caps: tuple[Allowance, ...]
    diagnosis: str | None

    @property
    def frame_steps(self) -> tuple[int, ...]:
        """The training step of each animation frame."""
        return tuple(int(self.training.steps[k]) for k in self.frames)


# ----------------------------------------------------------------------------------------------- controls read
def parse_layers(text: str) -> tuple[int, ...]:
    """Hidden layer widths from text such as "4,4", "8 8 2" or "" / "0" (no hidden layer).

    Raises ParameterError("layers") naming the problem: not whole numbers, a width outside 1 … MAX_WIDTH, more than
    MAX_LAYERS layers.
    """
    if not isinstance(text, str) or len(text) > 60:
        raise ParameterError("layers", "Type the hidden layer widths separated by commas, e.g. 4,4")
    parts = [p for p in re.split(r"[,\s;]+", text.strip()) if p]
    if parts in ([], ["0"]):
        return ()
    if not all(p.isascii() and p.isdecimal() for p in parts):  # not "4²": str.isdigit takes superscripts
        bad = next(p for p in parts if not (p.isascii() and p.isdecimal()))
        raise ParameterError("layers", f"{bad[:12]!r} is not a whole number: type widths separated by commas, "
                                       "e.g. 4,4 (or 0 for no hidden layer)")
    widths = tuple(int(p) for p in parts)
    if len(widths) > MAX_LAYERS:
        raise ParameterError("layers", f"At most {MAX_LAYERS} hidden layers; got {len(widths)}")
    if any(not 1 <= w <= MAX_WIDTH for w in widths):
        raise ParameterError("layers", f"Each hidden layer has 1 to {MAX_WIDTH} neurons; got {text.strip()}")
    return widths


def layers_text(widths: tuple[int, ...]) -> str:
    """The text :func:`parse_layers` reads back: "4,4", or "0" for no hidden layer."""
    return ",".join(map(str, widths)) or "0"


def _boundary(text: str):
    try:
        expression = parse(text, ("x1",))
    except ExpressionError as error:
        raise ParameterError("boundary", str(error)) from None
    return expression.func


# ----------------------------------------------------------------------------------------------- data
def _data(settings: NetworkSettings) -> tuple[np.ndarray, np.ndarray, int, int]:
    """X, y, the points left out where g is undefined (function data) and the rows of an upload left out (beyond
    MAX_POINTS, a seeded random subset is kept)."""
    if settings.data == "upload":
        if settings.csv is None:
            raise ParameterError("upload", "Choose a CSV file of rows x1, x2, label (0/1)")
        X, y = data_from_csv(settings.csv)
        if np.abs(X).max() > MAX_COORDINATE:
            raise ParameterError("upload", f"Coordinates must lie within ±{MAX_COORDINATE:g} (the features square "
                                           "them): rescale the data")
        if len(y) <= MAX_POINTS:
            return X, y, 0, 0
        kept = np.sort(np.random.default_rng([settings.seed, 3]).choice(len(y), MAX_POINTS, replace=False))
        return X[kept], y[kept], 0, len(y) - MAX_POINTS
    if settings.data not in DATASETS:
        raise ParameterError("data", f"The dataset must be one of {', '.join(DATASETS)} or upload; got "
                                     f"{settings.data!r}")
    if not _whole(settings.n) or not 20 <= settings.n <= MAX_POINTS:
        raise ParameterError("n", f"N must be a whole number between 20 and {MAX_POINTS:,}; got {settings.n!r}")
    if not (isinstance(settings.noise, (int, float)) and 0.0 <= settings.noise <= 0.5):
        raise ParameterError("noise", f"The label noise must be a fraction between 0 and 0.5; got {settings.noise!r}")
    boundary = _boundary(settings.boundary) if settings.data == "function" else None
    try:
        data = network.make_dataset(settings.n, rng=np.random.default_rng([settings.seed, 0]), kind=settings.data,
                                    noise=settings.noise, boundary=boundary)
    except ValueError as error:  # only the boundary is left to refuse: everything else was checked above
        raise ParameterError("boundary", _sentence(error)) from None
    return data.X, data.y, settings.n - len(data.y), 0


def _whole(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _sentence(error: Exception) -> str:
    text = str(error)
    return text[:1].upper() + text[1:]


def _split(X: np.ndarray, y: np.ndarray, test_ratio: float, seed: int):
    """A seeded random split: round(test_ratio · n) test points (at least 1 of each part)."""
    if not (isinstance(test_ratio, (int, float)) and 0.1 <= test_ratio <= 0.9):
        raise ParameterError("test_ratio", f"The test share must be between 0.1 and 0.9; got {test_ratio!r}")
    n = len(y)
    if n < 4:
        raise ParameterError("data", f"At least 4 points are needed for a training and a test set; got {n}")
    order = np.random.default_rng([seed, 1]).permutation(n)
    m = min(max(1, round(test_ratio * n)), n - 1)
    test, train = order[:m], order[m:]
    return X[train], y[train], X[test], y[test]


def _window(X: np.ndarray) -> tuple[float, float, float, float]:
    """The data's bounding box, padded by PAD of its span (at least 0.5 wide), the same span on both axes."""
    low, high = X.min(axis=0), X.max(axis=0)
    span = max(float(np.max(high - low)), 0.5) * (1 + 2 * PAD)
    centre = (low + high) / 2
    return (float(centre[0] - span / 2), float(centre[0] + span / 2),
            float(centre[1] - span / 2), float(centre[1] + span / 2))


# ----------------------------------------------------------------------------------------------- budget
def step_cost(architecture: Architecture, batch: int) -> int:
    """Operations one SGD step of ``batch`` points is counted as (NETWORK's unit): the fixed costs, then per point
    three products per weight (forward, δ back, the weight's gradient) and ~20 elementwise operations per neuron."""
    neurons = sum(architecture.sizes[1:])
    layers = len(architecture.sizes) - 1
    return STEP_OVERHEAD + LAYER_OVERHEAD * layers + batch * (3 * architecture.n_weights + 20 * neurons)


def point_cost(architecture: Architecture) -> int:
    """Operations of one forward pass at one point (the records, the surfaces and the tiles)."""
    return architecture.n_weights + 10 * sum(architecture.sizes[1:]) + 5 * len(architecture.features)


def _budgets(architecture: Architecture, settings: NetworkSettings, n: int, m: int) -> tuple[Allowance, ...]:
    """Steps, recorded θ and frames under NETWORK, in that order: the records and the frames share PICTURE_SHARE of
    it (frames first), training takes what they leave."""
    each = point_cost(architecture)
    per_frame = FRAME_OVERHEAD + (SURFACE_GRID**2 + TILE_GRID**2) * each
    per_record = RECORD_OVERHEAD + (n + m) * each
    size = f"for {layers_text(architecture.hidden)} hidden, batch {settings.batch:,}"
    share = _part(PICTURE_SHARE * NETWORK.limit, "for the animation and the curves")
    frames = allow(share, control="steps", label="animation frames",
                   requested=min(settings.steps + 1, MAX_FRAMES), cost=lambda k: k * per_frame, given=size, least=2)
    share = _part(PICTURE_SHARE * NETWORK.limit - frames.cost, "for the curves")
    records = allow(share, control="steps", label="recorded steps", requested=min(settings.steps, MAX_RECORDS) + 1,
                    cost=lambda k: k * per_record, given=f"at {n + m:,} points", least=2)
    left = _part(NETWORK.limit - frames.cost - records.cost, "for training")
    trained = allow(left, control="steps", label="T", requested=settings.steps,
                    cost=lambda t: t * step_cost(architecture, settings.batch), given=size)
    return trained, records, frames


def _part(limit: float, what: str) -> Budget:
    """A share of the NETWORK budget, ``limit`` operations, named for what it pays."""
    scale = 10 ** max(int(math.log10(max(limit, 1.0))) - 1, 0)  # two significant digits, rounded down: "1.2·10⁹"
    return Budget(f"{NETWORK.unit.removesuffix(' per run')} {what}", max(1, int(limit // scale) * scale),
                  NETWORK.reason)


# ----------------------------------------------------------------------------------------------- the study
def _check(settings: NetworkSettings, n: int) -> None:
    lr = settings.lr
    if isinstance(lr, bool) or not (isinstance(lr, (int, float)) and math.isfinite(lr) and 0 < lr <= 100):
        raise ParameterError("lr", f"The learning rate must be a number in (0, 100]; got {settings.lr!r}")
    if not _whole(settings.steps) or not 1 <= settings.steps <= MAX_STEPS:
        raise ParameterError("steps", f"Steps must be between 1 and {MAX_STEPS:,}; got {settings.steps!r}")
    if not _whole(settings.batch) or not 1 <= settings.batch <= n:
        raise ParameterError("batch", f"The batch size must be between 1 and the {n:,} training points; got "
                                      f"{settings.batch!r}")
    for name in ("l2", "l1"):
        value = getattr(settings, name)
        if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value <= 10):
            raise ParameterError(name, f"{name.upper()} must be between 0 and 10; got {value!r}")
    if not settings.features:
        raise ParameterError("features", "Choose at least one input feature")
    if any(f not in FEATURES for f in settings.features):
        raise ParameterError("features", f"Features are among {', '.join(FEATURES)}; got {settings.features!r}")
    if settings.activation not in ACTIVATIONS:
        raise ParameterError("activation", f"The activation must be one of {', '.join(ACTIVATIONS)}; got "
                                           f"{settings.activation!r}")


def _architecture(settings: NetworkSettings) -> Architecture:
    """The network the settings describe; ParameterError("layers") for widths it cannot have (the text box's
    parse_layers says the same for typed text)."""
    widths = tuple(settings.layers) if isinstance(settings.layers, (tuple, list)) else None
    if widths is None or len(widths) > MAX_LAYERS or not all(
            isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= MAX_WIDTH for w in widths):
        raise ParameterError("layers", f"Hidden layers are 0 to {MAX_LAYERS} widths of 1 to {MAX_WIDTH} neurons; got "
                                       f"{settings.layers!r}")
    if len(set(settings.features)) != len(settings.features):
        raise ParameterError("features", f"Each feature can be chosen once; got {settings.features!r}")
    return Architecture(features=tuple(settings.features), hidden=tuple(settings.layers),
                        activation=settings.activation)


def _grid(window: tuple[float, float, float, float], points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The axes of a points × points grid over the window and its points (points², 2), row-major along x2."""
    x1, x2 = np.linspace(window[0], window[1], points), np.linspace(window[2], window[3], points)
    g1, g2 = np.meshgrid(x1, x2)
    return x1, x2, np.column_stack([g1.ravel(), g2.ravel()])


def study_network(settings: NetworkSettings) -> NetworkStudy:
    """Read the data, split it, train the network and evaluate it over the plane at each frame, within NETWORK.

    Raises ParameterError naming the control (data, upload, boundary, n, noise, test_ratio, layers, features,
    activation, lr, steps, batch, l2, l1) for a setting that cannot be used.
    """
    if not _whole(settings.seed) or not 0 <= settings.seed < 2**32:
        raise ParameterError("seed", f"The seed must be a whole number from 0 to 2³² − 1; got {settings.seed!r}")
    X, y, dropped, sampled = _data(settings)
    if np.all(y == y[0]):
        where = {"upload": "upload", "function": "boundary"}.get(settings.data, "noise")
        raise ParameterError(where, f"Every point is in class {int(y[0])}: there is nothing to separate"
                                    + (" (the boundary x2 = g(x1) misses the square [−1, 1]²)"
                                       if settings.data == "function" else ""))
    X_train, y_train, X_test, y_test = (_frozen(a) for a in _split(X, y, settings.test_ratio, settings.seed))
    _check(settings, len(y_train))
    architecture = _architecture(settings)
    allowances = _budgets(architecture, settings, len(y_train), len(y_test))
    trained, records, frame_count = (a.allowed for a in allowances)
    record_every = max(1, math.ceil(trained / (min(records, trained + 1) - 1)))
    training = network.train(
        X_train, y_train, architecture=architecture, lr=float(settings.lr), steps=trained, batch=settings.batch,
        rng=np.random.default_rng([settings.seed, 2]), l2=float(settings.l2), l1=float(settings.l1),
        record_every=record_every, test=(X_test, y_test),
    )
    frames = _frozen(frame_indices(len(training.steps), most=frame_count))
    window = _window(np.concatenate([X_train, X_test]))
    s1, s2, surface_points = _grid(window, SURFACE_GRID)
    t1, t2, tile_points = _grid(window, TILE_GRID)
    surfaces, tiles = [], [[] for _ in architecture.sizes]
    for k in frames:
        theta = training.thetas[k]
        surfaces.append(network.predict(theta, surface_points, architecture=architecture)
                        .reshape(SURFACE_GRID, SURFACE_GRID))
        for layer, outputs in enumerate(network.neuron_outputs(theta, tile_points, architecture=architecture)):
            tiles[layer].append(outputs.T.reshape(-1, TILE_GRID, TILE_GRID))
    study = NetworkStudy(
        settings=settings, architecture=architecture, X_train=X_train, y_train=y_train, X_test=X_test,
        y_test=y_test, dropped=dropped, sampled=sampled, training=training, record_every=record_every, frames=frames,
        window=window, surface_x1=_frozen(s1), surface_x2=_frozen(s2), surfaces=_frozen(np.stack(surfaces)),
        tile_x1=_frozen(t1), tile_x2=_frozen(t2), tiles=tuple(_frozen(np.stack(layer)) for layer in tiles),
        caps=tuple(a for a in allowances if a.capped), diagnosis=None,
    )
    return replace(study, diagnosis=diagnose(study))


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def frame_at(study: NetworkStudy, step: int) -> int:
    """The index (into ``frames``) of the frame whose step is nearest to ``step`` (the later one on a tie)."""
    steps = np.array(study.frame_steps)
    return int(len(steps) - 1 - np.argmin(np.abs(steps - step)[::-1]))


# ----------------------------------------------------------------------------------------------- diagnosis
def diagnose(study: NetworkStudy) -> str | None:
    """What went wrong in plain words, or None: divergence, a learning rate too high (core.logistic's rules on the
    training loss), over-fitting (the test loss rose by more than OVERFIT_RISE over its lowest, and its gap to the
    training loss by OVERFIT_GAP, while the training
    loss kept falling), dead ReLU units (output 0 at every training point at the end)."""
    training = study.training
    if training.diverged_at is not None:
        return (f"diverged at step {training.diverged_at}: the weights are no longer finite numbers — the learning "
                f"rate {study.settings.lr:g} is too high for this network")
    # the SGD page's rules for a learning rate too high, on the training loss
    history = logistic.History(training.thetas, training.steps, training.losses, training.accuracies, None)
    said = logistic.diagnose(history)
    notes = [said[0].upper() + said[1:]] if said else []
    best = int(np.nanargmin(training.test_losses)) if np.isfinite(training.test_losses).any() else None
    if best is not None and best < len(training.steps) - 1 and len(training.steps) >= logistic.MIN_RECORDS:
        rose = training.test_losses[-1] > OVERFIT_RISE * training.test_losses[best]
        fell = training.losses[-1] < training.losses[best]
        gap = training.test_losses - training.losses
        rose = rose and gap[-1] > OVERFIT_GAP * max(gap[best], 0.0) and gap[-1] > 0
        if rose and fell:
            notes.append(
                f"Over-fitting: the test loss was lowest at step {int(training.steps[best])} "
                f"({training.test_losses[best]:.3f}) and rose to {training.test_losses[-1]:.3f} while the training "
                f"loss fell to {training.losses[-1]:.3f} — the network learns the training points' noise "
                "(fewer steps, L2, more data or a smaller network help)")
    dead = dead_units(study)
    if dead:
        total = sum(study.architecture.hidden)
        notes.append(f"{dead} of {total} ReLU units are dead: their output is 0 at every training point, so the "
                     "gradient of every weight into them is 0 and SGD no longer moves those weights (a lower learning "
                     "rate, or tanh, avoids it)")
    return "\n\n".join(notes) or None


def dead_units(study: NetworkStudy) -> int:
    """ReLU hidden units whose output is 0 at every training point with the final θ (0 for other activations)."""
    if study.architecture.activation != "relu" or not study.architecture.hidden:
        return 0
    outputs = network.neuron_outputs(study.training.thetas[-1], study.X_train, architecture=study.architecture)
    return int(sum(np.count_nonzero(np.all(a == 0, axis=0)) for a in outputs[1:-1]))


# ----------------------------------------------------------------------------------------------- a clicked weight
@dataclass(frozen=True)
class WeightDetail:
    """One weight W⁽ˡ⁾ᵢⱼ (from neuron i of layer l to neuron j of layer l + 1) at one recorded step.

    Attributes
    ----------
    layer, i, j : where the weight is (layer 0: the features).
    step : the training step.
    value : the weight.
    gradient : ∂L/∂w of the objective on the whole training set (data loss plus penalty).
    data_gradient, penalty_gradient : its two parts, (1/n) Σᵢ ∂ℓᵢ/∂w and λ₂ w + λ₁ sign(w).
    point : index of the training point whose chain is written out; x (2,), label.
    point_gradient : ∂ℓ/∂w at that point alone = input · δ.
    input : the activation a⁽ˡ⁾ᵢ feeding the weight at the point.
    delta : δ⁽ˡ⁺¹⁾ⱼ = ∂ℓ/∂z⁽ˡ⁺¹⁾ⱼ at the point.
    latex : the chain, a line each, with the point's numbers.
    formula : ℓ at the point as a formula of x1 = w and x2 = the input (every other weight a constant), for the
        Backprop page; None when it is longer than the parser takes (``formula_note`` then says why).
    """

    layer: int
    i: int
    j: int
    step: int
    value: float
    gradient: float
    data_gradient: float
    penalty_gradient: float
    point: int
    x: tuple[float, float]
    label: int
    point_gradient: float
    input: float
    delta: float
    latex: tuple[str, ...]
    formula: str | None
    formula_note: str | None


def neuron_name(architecture: Architecture, layer: int, i: int) -> str:
    """How the page names a neuron: the feature's name in layer 0, "h2,3" for neuron 3 of hidden layer 2, "out"."""
    if layer == 0:
        return architecture.features[i]
    if layer == len(architecture.sizes) - 1:
        return "out"
    return f"h{layer},{i + 1}"


def weight_detail(study: NetworkStudy, *, layer: int, i: int, j: int, step: int, point: int = 0) -> WeightDetail:
    """The weight's value and gradient at the recorded step nearest ``step``, and its chain at training point
    ``point``. Raises ParameterError("weight") for a weight the network does not have."""
    architecture = study.architecture
    s = architecture.sizes
    if not (0 <= layer < len(s) - 1 and 0 <= i < s[layer] and 0 <= j < s[layer + 1]):
        raise ParameterError("weight", f"This network has no weight from neuron {i + 1} of layer {layer} to neuron "
                                       f"{j + 1} of layer {layer + 1}")
    training = study.training
    k = int(np.argmin(np.abs(training.steps - step)))
    theta = training.thetas[k]
    index = architecture.weight_index(layer, i, j)
    settings = study.settings
    data = network.loss_and_gradient(theta, study.X_train, study.y_train, architecture=architecture)
    value = float(theta[index])
    penalty = settings.l2 * value + settings.l1 * float(np.sign(value))  # ∂/∂w of (λ₂/2) w² + λ₁ |w|
    point = int(np.clip(point, 0, len(study.y_train) - 1))
    x, label = study.X_train[point], int(study.y_train[point])
    one = network.loss_and_gradient(theta, x[None, :], study.y_train[point: point + 1], architecture=architecture)
    chain = _chain(study, theta, x, label, layer, i, j)
    formula, note = backprop_formula(architecture, theta, x, label, layer=layer, i=i, j=j)
    return WeightDetail(
        layer=layer, i=i, j=j, step=int(training.steps[k]), value=value,
        gradient=float(data.theta_gradient[index]) + penalty, data_gradient=float(data.theta_gradient[index]),
        penalty_gradient=penalty, point=point,
        x=(float(x[0]), float(x[1])), label=label, point_gradient=float(one.theta_gradient[index]),
        input=chain.input, delta=chain.delta, latex=chain.latex, formula=formula, formula_note=note,
    )


@dataclass(frozen=True)
class _Chain:
    input: float
    delta: float
    latex: tuple[str, ...]


def _layers_at(architecture: Architecture, theta: np.ndarray, x: np.ndarray):
    """Pre-activations z (per layer after the input, the output's last) and activations a (from the features) at x."""
    params = architecture.unflatten(theta)
    a = [network.feature_matrix(x[None, :], architecture.features)[0]]
    z = []
    for li, (W, b) in enumerate(zip(params.weights, params.biases)):
        z.append(a[-1] @ W + b)
        if li < len(params.weights) - 1:
            a.append(network.activate(z[-1], architecture.activation))
    return params, z, a


def _num(value: float, digits: int = 4) -> str:
    return f"{value:.{digits}g}".replace("e-0", "e-").replace("e+0", "e+") if math.isfinite(value) else str(value)


def _tex(value: float, digits: int = 4) -> str:
    """A number for LaTeX: 4 significant digits, powers of ten written out (−3.273 × 10⁻⁶, not -3.273e-06)."""
    text = _num(value, digits)
    if "e" in text and math.isfinite(value):
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text if math.isfinite(value) else rf"\text{{{text}}}"


def _factor(value: float) -> str:
    """:func:`_tex` in parentheses when negative (after a ×)."""
    return f"({_tex(value)})" if value < 0 else _tex(value)


_SLOPE_TEX = {"tanh": r"1 - \tanh^2 z", "relu": r"[z > 0]", "sigmoid": r"\sigma(z)\,(1 - \sigma(z))",
              "linear": "1"}


def _chain(study: NetworkStudy, theta: np.ndarray, x: np.ndarray, label: int, layer: int, i: int, j: int) -> _Chain:
    """δ back from the output to neuron j of layer + 1 at one point, and the chain as LaTeX lines."""
    architecture = study.architecture
    params, z, a = _layers_at(architecture, theta, x)
    with np.errstate(over="ignore", invalid="ignore"):
        p = float(network.activate(np.array(z[-1]), "sigmoid")[0])
        deltas = [np.array([p - label])]
        for li in range(len(params.weights) - 1, layer, -1):
            slope = network.slope(z[li - 1], a[li], architecture.activation)
            deltas.insert(0, (params.weights[li] @ deltas[0]) * slope)
    delta = float(deltas[0][j])
    w_tex = rf"W^{{({layer + 1})}}_{{{i + 1},{j + 1}}}"
    source = neuron_name(architecture, layer, i)
    target = neuron_name(architecture, layer + 1, j)
    lines = [
        rf"\frac{{\partial \ell}}{{\partial {w_tex}}} = a_{{\text{{{source}}}}}\;\delta_{{\text{{{target}}}}}"
        rf" = {_tex(float(a[layer][i]))} \times {_factor(delta)} = {_tex(float(a[layer][i]) * delta)}",
    ]
    if layer + 1 < len(architecture.sizes) - 1:
        with np.errstate(over="ignore", invalid="ignore"):
            slope = float(network.slope(z[layer], a[layer + 1], architecture.activation)[j])
            total = float(params.weights[layer + 1][j] @ deltas[1])
        lines.append(
            rf"\delta_{{\text{{{target}}}}} = g'(z_{{\text{{{target}}}}}) \sum_k W^{{({layer + 2})}}_{{{j + 1},k}}"
            rf"\,\delta_k = {_tex(slope)} \times {_factor(total)} = {_tex(delta)},\quad g'(z) = "
            rf"{_SLOPE_TEX[architecture.activation]},\ z_{{\text{{{target}}}}} = {_tex(float(z[layer][j]))}")
    lines.append(rf"\delta_{{\text{{out}}}} = \sigma(z_{{\text{{out}}}}) - y = {_tex(p)} - {label} = "
                 rf"{_tex(p - label)}")
    return _Chain(float(a[layer][i]), delta, tuple(lines))


_ACTIVATION_TEXT = {"tanh": "tanh({})", "relu": "(({0}) + abs({0}))/2", "sigmoid": "1/(1 + exp(-({})))",
                    "linear": "({})"}


def _const(value: float, digits: int) -> str:
    return f"{value:.{digits}g}"


def _plus(value: float, digits: int) -> str:
    """" + c" or " - |c|" (the parser reads "x + -1" too, but a student reads this)."""
    text = _const(abs(value), digits)
    return f" - {text}" if value < 0 else f" + {text}"


def backprop_formula(architecture: Architecture, theta: np.ndarray, x: np.ndarray, label: int, *, layer: int, i: int,
                     j: int, digits: int = FORMULA_DIGITS) -> tuple[str | None, str | None]:
    """The loss at one point as a formula in x1 = the weight W⁽ˡ⁾ᵢⱼ and x2 = its input a⁽ˡ⁾ᵢ, every other weight and
    activation a constant (``digits`` significant digits): its ∂/∂x1 at (w, a) is ∂ℓ/∂w. The loss is written
    log(1 + exp(±z)) (ℓ = softplus((1 − 2y) z)). Returns (formula, None), or (None, why) when it would be longer
    than the parser's MAX_LENGTH (each neuron downstream repeats the one before, so deep chains grow fast)."""
    if not np.isfinite(theta).all():
        return None, "The weights at this step are not finite numbers (the run diverged): there is no chain to follow"
    params, z, a = _layers_at(architecture, theta, x)
    w = float(params.weights[layer][i, j])
    rest = float(z[layer][j]) - w * float(a[layer][i])
    current = {j: f"x1*x2{_plus(rest, digits)}"}  # z of the neurons of layer + 1 that depend on w, as text
    for li in range(layer + 1, len(params.weights)):
        outputs = {k: _ACTIVATION_TEXT[architecture.activation].format(text) for k, text in current.items()}
        W = params.weights[li]
        nxt = {}
        for q in range(W.shape[1]):
            rest = float(z[li][q]) - sum(float(W[k, q]) * float(a[li][k]) for k in outputs)
            terms = " + ".join(f"{_const(float(W[k, q]), digits)}*{text}" for k, text in outputs.items())
            nxt[q] = f"{terms}{_plus(rest, digits)}"
            if sum(map(len, nxt.values())) > MAX_LENGTH:
                return None, _too_long(architecture, layer)
        current = nxt
    logit = current[0]
    formula = (f"log(1 + exp(-({logit})))" if label == 1 else f"log(1 + exp({logit}))").replace("+ -", "- ")
    if len(formula) > MAX_LENGTH:
        return None, _too_long(architecture, layer)
    try:  # the Backprop page reads it within the parser's time bound (SymPy then has it cached for that page)
        parse(formula, ("x1", "x2"))
    except ExpressionError:
        return None, _too_long(architecture, layer, slow=True)
    return formula, None


def _too_long(architecture: Architecture, layer: int, *, slow: bool = False) -> str:
    downstream = len(architecture.sizes) - 2 - layer
    limit = "too large for the Backprop page to read in time" if slow else (
        f"longer than the {MAX_LENGTH} characters the Backprop page reads")
    return (f"Written out, this weight's chain through the {downstream} hidden layer{'s' * (downstream != 1)} after it "
            f"is {limit}: pick a weight nearer the output")


# ----------------------------------------------------------------------------------------------- exports
def run_csv(study: NetworkStudy) -> str:
    """The recorded run: step, training and test loss and accuracy, one row per record."""
    t = study.training
    lines = ["step,train_loss,test_loss,train_accuracy,test_accuracy"]
    lines += [f"{int(s)},{a:.17g},{b:.17g},{c:.17g},{d:.17g}"
              for s, a, b, c, d in zip(t.steps, t.losses, t.test_losses, t.accuracies, t.test_accuracies)]
    return "\n".join(lines) + "\n"


def settings_json(settings: NetworkSettings) -> str:
    """The settings as JSON (an uploaded file is named by its size, not included)."""
    values = asdict(settings)
    content = values.pop("csv")
    values["csv"] = None if content is None else f"{len(content):,} bytes uploaded"
    values["features"], values["layers"] = list(settings.features), layers_text(settings.layers)
    return json.dumps(values, indent=2)


def _finite_or_none(values: np.ndarray) -> list:
    """Nested lists of the values, None (JSON null) where one is not a finite number (strict JSON has no NaN)."""
    return np.where(np.isfinite(values), values, None).tolist()


def weights_json(study: NetworkStudy, *, step: int | None = None) -> str:
    """The network at the recorded step nearest ``step`` (the last by default) as JSON: architecture, and per layer
    the weights (rows: from-neurons, columns: to-neurons) and biases — enough to rebuild predict() anywhere."""
    training = study.training
    k = len(training.steps) - 1 if step is None else int(np.argmin(np.abs(training.steps - step)))
    params = study.architecture.unflatten(training.thetas[k])
    arch = study.architecture
    layers = [{"from": [neuron_name(arch, li, r) for r in range(W.shape[0])],
               "to": [neuron_name(arch, li + 1, c) for c in range(W.shape[1])],
               "weights": _finite_or_none(W), "biases": _finite_or_none(b)}
              for li, (W, b) in enumerate(zip(params.weights, params.biases))]
    return json.dumps({
        "step": int(training.steps[k]), "features": list(arch.features), "hidden": list(arch.hidden),
        "activation": arch.activation, "output": "sigmoid of the last layer's single logit: P(y = 1 | x)",
        "layers": layers,
    }, indent=2, allow_nan=False)


# ----------------------------------------------------------------------------------------------- words and LaTeX
def weight_label(architecture: Architecture, layer: int, i: int, j: int) -> str:
    """A weight as the page's weight list names it: "W1 x1 → h1,2" (layer l + 1's matrix, from → to)."""
    return f"W{layer + 1} {neuron_name(architecture, layer, i)} → {neuron_name(architecture, layer + 1, j)}"


def weight_labels(architecture: Architecture) -> dict[str, tuple[int, int, int]]:
    """Every weight's label (in θ's order) and its (layer, i, j)."""
    s = architecture.sizes
    return {weight_label(architecture, li, i, j): (li, i, j)
            for li in range(len(s) - 1) for i in range(s[li]) for j in range(s[li + 1])}


def metrics(study: NetworkStudy, *, step: int) -> tuple[tuple[str, str], ...]:
    """(label, value) of the readouts at the recorded step nearest ``step``: training and test loss and accuracy
    (NaN or ∞ where a diverged run's value is not a number: the diagnosis says why)."""
    t = study.training
    k = int(np.argmin(np.abs(t.steps - step)))
    return (("training loss", _metric(float(t.losses[k]), 4)), ("test loss", _metric(float(t.test_losses[k]), 4)),
            ("training accuracy", _metric(float(t.accuracies[k]), 3)),
            ("test accuracy", _metric(float(t.test_accuracies[k]), 3)))


def _metric(value: float, digits: int) -> str:
    """core.presentation.number, but "NaN" for nan: a metric's column is narrow."""
    return "NaN" if math.isnan(value) else number(value, digits=digits)


def loss_latex(study: NetworkStudy) -> str:
    """The objective, with this run's λ's and n."""
    s = study.settings
    penalty = ""
    if s.l2:
        penalty += r" + \frac{\lambda_2}{2}\sum w^2"
    if s.l1:
        penalty += r" + \lambda_1 \sum |w|"
    numbers = rf"n = {len(study.y_train)}" + (rf",\ \lambda_2 = {s.l2:g}" if s.l2 else "") + (
        rf",\ \lambda_1 = {s.l1:g}" if s.l1 else "")
    return (rf"L(W) = \frac{{1}}{{n}}\sum_{{i=1}}^{{n}} \Big[\log\big(1 + e^{{z_i}}\big) - y_i z_i\Big]{penalty},"
            rf"\quad z_i = \text{{the output logit}},\ \ p_i = \sigma(z_i),\quad {numbers}")


def update_latex(study: NetworkStudy, detail: WeightDetail) -> tuple[str, str]:
    """SGD's rule for the clicked weight, and the same step with the whole training set's gradient at that step in
    numbers (a step of the run uses its batch's gradient): w ← w − α ∂L/∂w."""
    s = study.settings
    w = rf"W^{{({detail.layer + 1})}}_{{{detail.i + 1},{detail.j + 1}}}"
    batch = r"\frac{1}{B}\sum_{i \in \text{batch}}" if s.batch < len(study.y_train) else r"\frac{1}{n}\sum_{i=1}^{n}"
    after = detail.value - s.lr * detail.gradient
    rule = (rf"{w} \leftarrow {w} - \alpha \Big({batch} \frac{{\partial \ell_i}}{{\partial {w}}}"
            + (r" + \lambda_2 w" if s.l2 else "") + (r" + \lambda_1 \operatorname{sign} w" if s.l1 else "")
            + rf"\Big),\quad B = {s.batch},\ \alpha = {s.lr:g}")
    numbers = (rf"\text{{all {len(study.y_train)} training points at step {detail.step}:}}\quad "
               rf"{_tex(detail.value)} - {s.lr:g} \times {_factor(detail.gradient)} = {_tex(after)}")
    return rule, numbers
