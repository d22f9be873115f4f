"""A small fully connected network for 2-D inputs and a binary label, trained by mini-batch SGD with backpropagation.

The model (TensorFlow Playground's, with the logistic loss of the output logit in place of its squared error):

    a⁰ = φ(x)                       the chosen input features of x = (x1, x2), shape (n, k)
    zˡ = aˡ⁻¹ Wˡ + bˡ,  aˡ = g(zˡ)   hidden layers l = 1 … L, activation g (tanh, ReLU, sigmoid or linear)
    z  = aᴸ W⁰ᵘᵗ + b⁰ᵘᵗ              one output logit;  p = σ(z) = P(y = 1 | x)
    loss = (1/n) Σ ℓ(zᵢ, yᵢ) + (λ₂/2) Σ w² + λ₁ Σ |w|     over the weights W (not the biases),
    ℓ(z, y) = log(1 + e^z) − y z = softplus(m),  m = (1 − 2y) z   (as core.logistic, stable for any finite z).

Backpropagation (the chain rule, layer by layer from the output):

    δ = ∂ℓ/∂z = σ(z) − y = (1 − 2y) σ(m),    ∂L/∂Wˡ = (aˡ⁻¹)ᵀ δˡ / n,    ∂L/∂bˡ = Σᵢ δˡᵢ / n,
    δˡ⁻¹ = (δˡ (Wˡ)ᵀ) ⊙ g′(zˡ⁻¹).

With no hidden layer and the features (x1, x2) this is core.logistic's model with a bias: β = (W₁, W₂, b).

All parameters live in one flat vector θ (layer by layer: Wˡ row-major, then bˡ); :class:`Architecture` maps it to
per-layer views. A run is recorded as snapshots of θ for the animation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from core import logistic

__all__ = [
    "ACTIVATIONS",
    "FEATURES",
    "KINDS",
    "MAX_LAYERS",
    "MAX_WIDTH",
    "Architecture",
    "Evaluation",
    "LossGradient",
    "Params",
    "Training",
    "activate",
    "evaluate",
    "feature_matrix",
    "init_params",
    "loss_and_gradient",
    "make_dataset",
    "neuron_outputs",
    "predict",
    "slope",
    "train",
]

FEATURES: tuple[str, ...] = ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin(x1)", "sin(x2)")
ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "sigmoid", "linear")
KINDS: tuple[str, ...] = (*logistic.KINDS, "circle", "spiral", "function")
MAX_LAYERS = 6  # hidden layers, as TensorFlow Playground
MAX_WIDTH = 8  # neurons per hidden layer, as TensorFlow Playground

# "circle": class 1 inside radius CIRCLE_INNER, class 0 on the ring CIRCLE_RING (TensorFlow Playground's circle data,
# radii scaled to the unit disc), radius uniform in each, angle uniform.
CIRCLE_INNER = 0.5
CIRCLE_RING = (0.7, 1.0)
# "spiral": two interleaved arms r = u, θ = SPIRAL_TURNS · 2π u (+ π for class 0), u ~ U(0, 1) (TensorFlow
# Playground's 1.75 turns, scaled to the unit disc), each point moved by N(0, SPIRAL_JITTER²) so arms have width.
SPIRAL_TURNS = 1.75
SPIRAL_JITTER = 0.02
# "function": the points whose boundary value g(x1) is undefined are left out; with fewer than this fraction left the
# boundary is refused (it is undefined over most of the plane). sqrt(x1) and log(x1), defined on half of it, pass.
MIN_DEFINED = 0.2


# ----------------------------------------------------------------------------------------------- validation
def _check_int(value, name: str, low: int, high: int | None = None) -> int:
    ok = isinstance(value, Integral) and not isinstance(value, bool) and low <= value
    if not ok or (high is not None and value > high):
        where = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an integer {where}; got {value!r}")
    return int(value)


def _check_real(value, name: str, *, low: float = -math.inf, positive: bool = False) -> float:
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value) and value >= low
    if not ok or (positive and value <= 0):
        kind = "positive" if positive else (f">= {low:g}" if low > -math.inf else "finite")
        raise ValueError(f"{name} must be a {kind} number; got {value!r}")
    return float(value)


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)); got "
                         f"{type(rng).__name__}")
    return rng


def _check_points(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (n, 2) with n >= 1; got {X.shape}")
    return X


def _check_data(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = _check_points(X)
    y = np.asarray(y)
    if y.shape != (X.shape[0],) or not np.isin(y, (0, 1)).all():
        raise ValueError(f"y must have shape ({X.shape[0]},) with labels 0 or 1")
    if not np.isfinite(X).all():
        raise ValueError("X must be finite")
    return X, y.astype(np.int64)


# ----------------------------------------------------------------------------------------------- architecture
@dataclass(frozen=True)
class Params:
    """The weights and biases of a network, one entry per layer (hidden layers, then the output).

    Attributes
    ----------
    weights : tuple of ndarray, shapes (sizes[l], sizes[l + 1])
        Wˡ: row i, column j is the weight from neuron i of layer l to neuron j of layer l + 1 (layer 0: the features).
    biases : tuple of ndarray, shapes (sizes[l + 1],)
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class Architecture:
    """What a network is: its input features, hidden layer widths and activation.

    Attributes
    ----------
    features : names from FEATURES, in FEATURES' order, at least one.
    hidden : widths of the hidden layers, 0 to MAX_LAYERS of them, each 1 … MAX_WIDTH.
    activation : one of ACTIVATIONS (the hidden layers'; the output is the logit).
    """

    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 4)
    activation: str = "tanh"

    def __post_init__(self) -> None:
        features = tuple(self.features) if isinstance(self.features, (tuple, list)) else None
        if not features or any(f not in FEATURES for f in features) or len(set(features)) != len(features):
            raise ValueError(f"features must be distinct names from {', '.join(FEATURES)}, at least one; "
                             f"got {self.features!r}")
        hidden = tuple(self.hidden) if isinstance(self.hidden, (tuple, list)) else None
        if hidden is None or len(hidden) > MAX_LAYERS:
            raise ValueError(f"hidden must list at most {MAX_LAYERS} layer widths; got {self.hidden!r}")
        for width in hidden:
            _check_int(width, "each hidden layer width", 1, MAX_WIDTH)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {self.activation!r}")
        object.__setattr__(self, "features", tuple(f for f in FEATURES if f in features))
        object.__setattr__(self, "hidden", tuple(int(w) for w in hidden))

    @property
    def sizes(self) -> tuple[int, ...]:
        """Neurons per layer: (features, *hidden, 1)."""
        return (len(self.features), *self.hidden, 1)

    @property
    def n_params(self) -> int:
        s = self.sizes
        return sum(s[li] * s[li + 1] + s[li + 1] for li in range(len(s) - 1))

    @property
    def n_weights(self) -> int:
        s = self.sizes
        return sum(s[li] * s[li + 1] for li in range(len(s) - 1))

    def offsets(self) -> tuple[tuple[int, int], ...]:
        """(start of Wˡ, start of bˡ) in θ for each layer l = 0 … L (the output last)."""
        s, at, out = self.sizes, 0, []
        for li in range(len(s) - 1):
            out.append((at, at + s[li] * s[li + 1]))
            at += s[li] * s[li + 1] + s[li + 1]
        return tuple(out)

    def unflatten(self, theta: np.ndarray) -> Params:
        """Views of θ (n_params,) as :class:`Params` (writing to them writes θ)."""
        s = self.sizes
        if np.shape(theta) != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},); got {np.shape(theta)}")
        weights, biases = [], []
        for li, (w, b) in enumerate(self.offsets()):
            weights.append(theta[w:b].reshape(s[li], s[li + 1]))
            biases.append(theta[b: b + s[li + 1]])
        return Params(tuple(weights), tuple(biases))

    def flatten(self, params: Params) -> np.ndarray:
        """θ (n_params,) from per-layer weights and biases (checked against the architecture's shapes)."""
        s = self.sizes
        if len(params.weights) != len(s) - 1 or len(params.biases) != len(s) - 1:
            raise ValueError(f"params must have {len(s) - 1} layers of weights and biases")
        parts = []
        for li, (w, b) in enumerate(zip(params.weights, params.biases)):
            w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
            if w.shape != (s[li], s[li + 1]) or b.shape != (s[li + 1],):
                raise ValueError(f"layer {li}: weights must be {(s[li], s[li + 1])} and biases {(s[li + 1],)}; "
                                 f"got {w.shape} and {b.shape}")
            parts += [w.ravel(), b]
        return np.concatenate(parts)

    def weight_index(self, layer: int, i: int, j: int) -> int:
        """The position in θ of the weight from neuron i of layer ``layer`` to neuron j of layer ``layer`` + 1."""
        s = self.sizes
        _check_int(layer, "layer", 0, len(s) - 2)
        _check_int(i, "i", 0, s[layer] - 1)
        _check_int(j, "j", 0, s[layer + 1] - 1)
        return self.offsets()[layer][0] + i * s[layer + 1] + j


def feature_matrix(X: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """The input layer a⁰ = φ(x): one column per feature name, (n, len(features)), from X (n, 2)."""
    x1, x2 = X[:, 0], X[:, 1]
    make = {"x1": lambda: x1, "x2": lambda: x2, "x1^2": lambda: x1 * x1, "x2^2": lambda: x2 * x2,
            "x1x2": lambda: x1 * x2, "sin(x1)": lambda: np.sin(x1), "sin(x2)": lambda: np.sin(x2)}
    return np.stack([make[f]() for f in features], axis=1)


def activate(z: np.ndarray, activation: str) -> np.ndarray:
    """g(z) elementwise: tanh, ReLU max(0, z), the logistic sigmoid 1/(1 + e^(−z)) (stable for any z), or z."""
    if activation == "tanh":
        return np.tanh(z)
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "sigmoid":
        return _sigmoid(z)
    return z


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1/(1 + e^(−z)) without overflow: e^(−|z|) only (σ(z) = e^z/(1 + e^z) for z < 0)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def slope(z: np.ndarray, a: np.ndarray, activation: str) -> np.ndarray:
    """g′(z) from z and a = g(z): 1 − a², [z > 0] (0 at z = 0, PyTorch's choice), a(1 − a), 1."""
    if activation == "tanh":
        return 1.0 - a * a
    if activation == "relu":
        return (z > 0).astype(np.float64)
    if activation == "sigmoid":
        return a * (1.0 - a)
    return np.ones_like(z)


def init_params(architecture: Architecture, *, rng: np.random.Generator) -> np.ndarray:
    """θ0 (n_params,): He-uniform weights U(±√(6/fan_in)) into ReLU units, Glorot-uniform U(±√(6/(fan_in +
    fan_out))) into every other unit (tanh, sigmoid, linear, and the output logit), biases 0."""
    _check_rng(rng)
    theta = np.zeros(architecture.n_params)
    s = architecture.sizes
    for li, w in enumerate(architecture.unflatten(theta).weights):
        into_relu = architecture.activation == "relu" and li < len(s) - 2
        bound = math.sqrt(6.0 / s[li]) if into_relu else math.sqrt(6.0 / (s[li] + s[li + 1]))
        w[...] = rng.uniform(-bound, bound, size=w.shape)
    return theta


# ----------------------------------------------------------------------------------------------- forward, backward
def _forward(architecture: Architecture, theta: np.ndarray, F: np.ndarray,
             params: Params | None = None) -> tuple[list[np.ndarray], list, np.ndarray]:
    """Pre-activations zˡ and activations aˡ of every hidden layer (aˡ list starts with a⁰ = F), and the logit (n,).
    ``params``: θ's per-layer views when the caller has them (a training loop makes them once, not every step)."""
    params = architecture.unflatten(theta) if params is None else params
    activations, pre = [F], []
    for W, b in zip(params.weights[:-1], params.biases[:-1]):
        z = activations[-1] @ W + b
        pre.append(z)
        activations.append(activate(z, architecture.activation))
    logit = (activations[-1] @ params.weights[-1])[:, 0] + params.biases[-1][0]
    return pre, activations, logit


def _backward(architecture: Architecture, theta: np.ndarray, pre, activations, delta: np.ndarray,
              out: np.ndarray, views: tuple[Params, Params] | None = None) -> np.ndarray:
    """∂(Σᵢ wᵢ ℓᵢ)/∂θ into ``out`` given δ = ∂(Σᵢ wᵢ ℓᵢ)/∂z (n,) at the output (weights wᵢ folded into δ).
    ``views``: θ's and ``out``'s per-layer views, when the caller has them."""
    params, grads = (architecture.unflatten(theta), architecture.unflatten(out)) if views is None else views
    d = delta[:, None]
    for li in range(len(params.weights) - 1, -1, -1):
        np.matmul(activations[li].T, d, out=grads.weights[li])
        np.sum(d, axis=0, out=grads.biases[li])
        if li > 0:
            d = (d @ params.weights[li].T) * slope(pre[li - 1], activations[li], architecture.activation)
    return out


def _penalty(architecture: Architecture, theta: np.ndarray, l2: float, l1: float) -> float:
    if not l2 and not l1:
        return 0.0
    total = 0.0
    for W in architecture.unflatten(theta).weights:
        total += 0.5 * l2 * float(np.sum(W * W)) + l1 * float(np.sum(np.abs(W)))
    return total


def _add_penalty_gradient(architecture: Architecture, theta: np.ndarray, grad: np.ndarray, l2: float,
                          l1: float, views: tuple[Params, Params] | None = None) -> None:
    """grad += λ₂ W + λ₁ sign(W) on the weights (sign(0) = 0: the subgradient PyTorch's autograd uses)."""
    if not l2 and not l1:
        return
    params, grads = (architecture.unflatten(theta), architecture.unflatten(grad)) if views is None else views
    for W, G in zip(params.weights, grads.weights):
        G += l2 * W + l1 * np.sign(W)


@dataclass(frozen=True)
class LossGradient:
    """The loss of a network on data and its gradient.

    Attributes
    ----------
    loss : float
        The objective L = data_loss + penalty.
    data_loss : float
        Mean logistic loss (1/n) Σ ℓ(zᵢ, yᵢ) (binary cross-entropy in nats).
    penalty : float
        (λ₂/2) Σ w² + λ₁ Σ |w| over the weights.
    gradient : Params
        ∂L/∂W and ∂L/∂b per layer, shaped as the parameters.
    theta_gradient : ndarray, shape (n_params,)
        The same gradient as one flat vector, in θ's order.
    """

    loss: float
    data_loss: float
    penalty: float
    gradient: Params
    theta_gradient: np.ndarray


def _data_loss_and_delta(logit: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softplus(m) and δ = (σ(z) − y)/n = (1 − 2y) σ(m)/n with m = (1 − 2y) z (nothing cancels)."""
    sign = 1.0 - 2.0 * y
    m = sign * logit
    return float(np.mean(np.logaddexp(0.0, m))), sign * _sigmoid(m) / len(y)


def loss_and_gradient(
    params: Params | np.ndarray, X: np.ndarray, y: np.ndarray, *, architecture: Architecture, l2: float = 0.0,
    l1: float = 0.0,
) -> LossGradient:
    """The loss L(θ) on (X, y) and its gradient by backpropagation (module docstring), vectorised over the points.

    Parameters
    ----------
    params : Params, or θ of shape (n_params,)
    X : ndarray, shape (n, 2)
    y : ndarray, shape (n,), labels 0/1
    architecture : Architecture
    l2, l1 : float, >= 0
        Weight-decay strengths λ₂ (of (λ₂/2) Σ w²) and λ₁ (of λ₁ Σ |w|).

    Returns
    -------
    LossGradient
    """
    theta = _theta(params, architecture)
    X, y = _check_data(X, y)
    l2, l1 = _check_real(l2, "l2", low=0.0), _check_real(l1, "l1", low=0.0)
    with np.errstate(over="ignore", invalid="ignore"):  # a far-out θ gives inf/nan, reported in the result
        pre, activations, logit = _forward(architecture, theta, feature_matrix(X, architecture.features))
        data_loss, delta = _data_loss_and_delta(logit, y)
        grad = _backward(architecture, theta, pre, activations, delta, np.empty_like(theta))
        _add_penalty_gradient(architecture, theta, grad, l2, l1)
        penalty = _penalty(architecture, theta, l2, l1)
    grad.setflags(write=False)
    return LossGradient(data_loss + penalty, data_loss, penalty, architecture.unflatten(grad), grad)


def _theta(params: Params | np.ndarray, architecture: Architecture) -> np.ndarray:
    if not isinstance(architecture, Architecture):
        raise ValueError(f"architecture must be an Architecture; got {type(architecture).__name__}")
    if isinstance(params, Params):
        return architecture.flatten(params)
    theta = np.asarray(params, dtype=np.float64)
    if theta.shape != (architecture.n_params,):
        raise ValueError(f"theta must have shape ({architecture.n_params},) for sizes {architecture.sizes}; "
                         f"got {theta.shape}")
    return theta


def predict(params: Params | np.ndarray, X: np.ndarray, *, architecture: Architecture) -> np.ndarray:
    """P(y = 1 | x) = σ(z(x)) at each row of X (n, 2), shape (n,)."""
    theta = _theta(params, architecture)
    X = _check_points(X)
    with np.errstate(over="ignore", invalid="ignore"):
        return _sigmoid(_forward(architecture, theta, feature_matrix(X, architecture.features))[2])


def neuron_outputs(params: Params | np.ndarray, X: np.ndarray, *, architecture: Architecture) -> tuple[np.ndarray, ...]:
    """Every neuron's output at each row of X (n, 2): the features (n, k), each hidden layer's aˡ (n, widthˡ), and
    the output σ(z) (n, 1) — what the network diagram draws as small heatmaps."""
    theta = _theta(params, architecture)
    X = _check_points(X)
    with np.errstate(over="ignore", invalid="ignore"):
        _, activations, logit = _forward(architecture, theta, feature_matrix(X, architecture.features))
        return (*activations, _sigmoid(logit)[:, None])


@dataclass(frozen=True)
class Evaluation:
    """Loss and accuracy of θ on a data set: the data loss (mean logistic loss, no penalty) and the fraction of
    points with (z >= 0) == y (nan once any point's logit z is not finite)."""

    loss: float
    accuracy: float


def evaluate(params: Params | np.ndarray, X: np.ndarray, y: np.ndarray, *, architecture: Architecture) -> Evaluation:
    """The data loss and accuracy of the network on (X, y); nan/inf as they come once θ is not finite."""
    theta = _theta(params, architecture)
    X, y = _check_data(X, y)
    with np.errstate(over="ignore", invalid="ignore"):
        logit = _forward(architecture, theta, feature_matrix(X, architecture.features))[2]
        loss, _ = _data_loss_and_delta(logit, y)
    accuracy = float(np.mean((logit >= 0) == (y == 1))) if np.isfinite(logit).all() else math.nan
    return Evaluation(loss, accuracy)


# ----------------------------------------------------------------------------------------------- training
@dataclass(frozen=True, eq=False)
class Training:
    """A training run, recorded at steps 0, every ``record_every`` steps and the last step.

    Attributes
    ----------
    architecture : Architecture
    thetas : ndarray, shape (k, n_params)
        θ at the recorded steps (the animation's snapshots); ``params`` is the last.
    steps : ndarray, shape (k,), int
        The recorded steps, ascending: 0, record_every, 2·record_every, …, and the last step (``diverged_at`` when
        the run diverged).
    losses, accuracies : ndarray, shape (k,)
        Data loss and accuracy on the training set at each recorded θ.
    test_losses, test_accuracies : ndarray, shape (k,)
        The same on the test set (nan when there is no test set).
    diverged_at : int or None
        The first step after which θ is not finite (the run stops there), None if never.
    """

    architecture: Architecture
    thetas: np.ndarray
    steps: np.ndarray
    losses: np.ndarray
    accuracies: np.ndarray
    test_losses: np.ndarray
    test_accuracies: np.ndarray
    diverged_at: int | None

    @property
    def params(self) -> Params:
        """The final weights and biases."""
        return self.architecture.unflatten(self.thetas[-1])


def train(
    X: np.ndarray,
    y: np.ndarray,
    *,
    architecture: Architecture,
    lr: float,
    steps: int,
    batch: int,
    rng: np.random.Generator,
    l2: float = 0.0,
    l1: float = 0.0,
    record_every: int = 1,
    theta0: np.ndarray | None = None,
    test: tuple[np.ndarray, np.ndarray] | None = None,
) -> Training:
    """Train by mini-batch SGD: θ ← θ − lr · ∇L_batch(θ), L_batch the loss on the step's batch plus the penalty.

    Parameters
    ----------
    X : ndarray, shape (n, 2); y : ndarray, shape (n,), labels 0/1
        The training set.
    architecture : Architecture
    lr : float > 0
        The learning rate.
    steps : int >= 1
        Number of SGD steps T.
    batch : int in [1, n]
        Points per step, drawn as core.logistic.batch_indices draws them (the SGD page's sampling: B = 1 with
        replacement, 1 < B < n epoch permutations, B = n every point).
    rng : numpy.random.Generator
        Draws θ0 (when ``theta0`` is None), then the batches.
    l2, l1 : float >= 0
        λ₂ and λ₁ of the penalty on the weights.
    record_every : int >= 1
        Record θ, the losses and accuracies every this many steps (and at step 0 and the last step).
    theta0 : ndarray, shape (n_params,), optional
        The start; :func:`init_params` from ``rng`` when None.
    test : (X_test (m, 2), y_test (m,)), optional
        A held-out set, evaluated at every record.

    Returns
    -------
    Training
        Stops at the first step whose θ is not finite (``diverged_at``); nothing is clipped.
    """
    X, y = _check_data(X, y)
    if not isinstance(architecture, Architecture):
        raise ValueError(f"architecture must be an Architecture; got {type(architecture).__name__}")
    lr = _check_real(lr, "lr", positive=True)
    steps = _check_int(steps, "steps", 1)
    batch = _check_int(batch, "batch", 1, len(y))
    record_every = _check_int(record_every, "record_every", 1)
    l2, l1 = _check_real(l2, "l2", low=0.0), _check_real(l1, "l1", low=0.0)
    _check_rng(rng)
    theta = init_params(architecture, rng=rng) if theta0 is None else _theta(theta0, architecture).copy()
    test_set = _check_data(*test) if test is not None else None
    F = feature_matrix(X, architecture.features)
    records = _Records(architecture, X, y, test_set)
    records.add(0, theta)
    grad = np.empty_like(theta)
    views = (architecture.unflatten(theta), architecture.unflatten(grad))  # θ is updated in place: the views hold
    step, diverged = 0, None
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported (diverged_at), not warned about
        for chunk in logistic.batch_indices(len(y), batch_size=batch, steps=steps, rng=rng):
            for rows in chunk:
                step += 1
                Fb, yb = (F, y) if batch == len(y) else (F[rows], y[rows])
                pre, activations, logit = _forward(architecture, theta, Fb, views[0])
                _, delta = _data_loss_and_delta(logit, yb)
                _backward(architecture, theta, pre, activations, delta, grad, views)
                _add_penalty_gradient(architecture, theta, grad, l2, l1, views)
                theta -= lr * grad
                if not np.isfinite(theta).all():
                    diverged = step
                    break
                if step % record_every == 0 and step != steps:
                    records.add(step, theta)
            if diverged is not None:
                break
    records.add(step, theta)
    return records.training(diverged)


class _Records:
    """The recorded states of a run, gathered step by step (private to :func:`train`)."""

    def __init__(self, architecture: Architecture, X, y, test) -> None:
        self.architecture, self.X, self.y, self.test = architecture, X, y, test
        self.rows: list[tuple[int, np.ndarray, Evaluation, Evaluation]] = []

    def add(self, step: int, theta: np.ndarray) -> None:
        train_eval = evaluate(theta, self.X, self.y, architecture=self.architecture)
        test_eval = (evaluate(theta, *self.test, architecture=self.architecture) if self.test is not None
                     else Evaluation(math.nan, math.nan))
        self.rows.append((step, theta.copy(), train_eval, test_eval))

    def training(self, diverged: int | None) -> Training:
        arrays = [np.array([r[0] for r in self.rows]), np.stack([r[1] for r in self.rows]),
                  np.array([r[2].loss for r in self.rows]), np.array([r[2].accuracy for r in self.rows]),
                  np.array([r[3].loss for r in self.rows]), np.array([r[3].accuracy for r in self.rows])]
        for array in arrays:
            array.setflags(write=False)
        steps, thetas, losses, accuracies, test_losses, test_accuracies = arrays
        return Training(self.architecture, thetas, steps, losses, accuracies, test_losses, test_accuracies, diverged)


# ----------------------------------------------------------------------------------------------- datasets
def make_dataset(
    n: int, *, rng: np.random.Generator, kind: str = "xor", noise: float = 0.0,
    boundary: Callable[[np.ndarray], np.ndarray] | None = None,
) -> logistic.Dataset:
    """Draw n labelled points: the SGD page's datasets (core.logistic.make_dataset) and three more.

    Parameters
    ----------
    n : int >= 1
    rng : numpy.random.Generator
        All randomness: the points, then the labels to flip.
    kind : one of KINDS
        The SGD page's "tutorial", "shifted", "blobs", "xor"; and
        ``circle``: y ~ Bernoulli(1/2); class 1 at radius U(0, CIRCLE_INNER), class 0 at radius U(*CIRCLE_RING),
        angle U(0, 2π).
        ``spiral``: y ~ Bernoulli(1/2); u ~ U(0, 1), x = u (sin θ, cos θ) + N(0, SPIRAL_JITTER² I) with
        θ = 2π · SPIRAL_TURNS · u, plus π for class 0 (two interleaved arms).
        ``function``: x ~ U([−1, 1]²), y = 1 where x2 > g(x1) (above the graph of ``boundary``); points where g is not
        finite are left out (so fewer than n may come back).
    noise : float in [0, 0.5]
        Fraction of labels flipped, exactly round(noise · n') of the n' points.
    boundary : callable, required for "function"
        g, vectorised: an array of x1 to an array of the same shape.

    Returns
    -------
    core.logistic.Dataset
        X (n', 2) float64, y (n',) int64, read-only.

    Raises
    ------
    ValueError
        For a bad argument, or a boundary defined at fewer than MIN_DEFINED of the points.
    """
    if kind in logistic.KINDS:
        return logistic.make_dataset(n, rng=rng, kind=kind, noise=noise)
    n = _check_int(n, "n", 1)
    _check_rng(rng)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
    if not (isinstance(noise, Real) and not isinstance(noise, bool) and 0.0 <= noise <= logistic.MAX_NOISE):
        raise ValueError(f"noise must be a fraction in [0, {logistic.MAX_NOISE}]; got {noise!r}")
    if kind == "circle":
        X, y = _circle(n, rng)
    elif kind == "spiral":
        X, y = _spiral(n, rng)
    else:
        if boundary is None:
            raise ValueError("boundary must be given for kind 'function'")
        X, y = _above(n, rng, boundary)
    flip = rng.choice(len(y), size=round(noise * len(y)), replace=False)
    y[flip] = 1 - y[flip]
    X.setflags(write=False)
    y.setflags(write=False)
    return logistic.Dataset(X, y, kind, float(noise))


def _polar(radius: np.ndarray, angle: np.ndarray) -> np.ndarray:
    return np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)


def _circle(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, size=n).astype(np.int64)
    radius = np.where(y == 1, rng.uniform(0.0, CIRCLE_INNER, size=n), rng.uniform(*CIRCLE_RING, size=n))
    return _polar(radius, rng.uniform(0.0, 2 * np.pi, size=n)), y


def _spiral(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, size=n).astype(np.int64)
    u = rng.uniform(0.0, 1.0, size=n)
    angle = 2 * np.pi * SPIRAL_TURNS * u + np.pi * (1 - y)
    return _polar(u, angle) + SPIRAL_JITTER * rng.standard_normal((n, 2)), y


def _above(n: int, rng: np.random.Generator, boundary) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    with np.errstate(all="ignore"):
        g = np.broadcast_to(np.asarray(boundary(X[:, 0]), dtype=np.float64), (n,))
    defined = np.isfinite(g)
    if defined.sum() < MIN_DEFINED * n:
        raise ValueError(f"boundary is defined at only {int(defined.sum())} of {n} points in [−1, 1]²")
    return X[defined].copy(), (X[defined, 1] > g[defined]).astype(np.int64)
