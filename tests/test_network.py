"""core.network: backpropagation against finite differences (core.differences) on every parameter, the no-hidden-layer
network against core.logistic, a tiny network worked by hand, solving xor and the circle, the stable loss at huge
logits, the datasets, the validators and what a training run records.

Independent references used here: `reference_forward` (the model of the module docstring written out plainly, slicing
θ by its documented layout), core.differences (numerical gradients), core.logistic (the same model without hidden
layers, and the batches), closed forms worked with `math`, and the datasets' documented geometry.
"""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest

from core import differences, logistic, network
from core.network import (
    ACTIVATIONS,
    FEATURES,
    KINDS,
    MAX_LAYERS,
    MAX_WIDTH,
    Architecture,
    Params,
    evaluate,
    init_params,
    loss_and_gradient,
    make_dataset,
    neuron_outputs,
    predict,
    train,
)

# The brief's bound for backpropagation against differences.gradient(method="auto") (Richardson extrapolation of
# central differences to 6th order, at its own steps ≈ 6e-3·max(|θᵢ|, 1)): over these cases it errs by ≤ 4e-12
# absolute and ≤ 7e-9 relative (measured), the smallest entries being ~1e-6 (the first layer under six sigmoid
# layers, whose slopes are ≤ 1/4). A plain central difference at h = 1e-5 errs by ~1e-10 absolute (round-off
# eps·L/h): up to ~1e-5 relative on such entries, so it could not certify 1e-6 there.
GRADIENT_RTOL = 1e-6
# Relative (to the largest entry for gradients): the network without hidden layers and core.logistic evaluate the same
# sums in a different order (the brief's 1e-12; measured ≤ 7e-16).
LOGISTIC_RTOL = 1e-12
# Relative: hand-worked closed forms (math.tanh, math.exp) against the module's NumPy, a few roundings of numbers of
# order 1 apart (~10 ulps).
HAND_RTOL = 1e-14
# Relative to max|θ|: a training run against a plain loop of loss_and_gradient steps on the same batches: the same
# arithmetic in the same order (measured: bit for bit).
PATH_RTOL = 1e-13
# Test accuracy that "solves" a data set, and the most a linear model gets on xor: no line does better than 2/3 on
# the xor square (brute force over lines: 0.6676), and 10,000 test points put the sampling sd at 0.005.
SOLVED = 0.95
CHANCE_BOUND = 0.7
# Spiral arms: each point is moved by N(0, 0.02² I), so its distance to its arm is ≤ |jitter| (Rayleigh, σ = 0.02):
# P(> 0.1) = e^(-12.5) ≈ 4e-6 per point. Points of the other arm lie up to ~0.29 away (the arms interleave with a
# radial gap 1/(2·1.75) ≈ 0.29; median 0.26 measured). The radius is r = u ~ U(0, 1) moved by the jitter: its
# quantiles lie within 0.05 of uniform's for 1000 points (the KS 1% critical value for the whole curve).
ARM_DISTANCE = 0.1
OTHER_ARM_MEDIAN = 0.2
RADIUS_QUANTILE_TOL = 0.05
# |fraction of 1s − 1/2| for 4000 points: binomial sd 0.008, so 5 sd.
BALANCE_TOL = 0.04


# ----------------------------------------------------------------------------------------------- references


def layers(architecture: Architecture, theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(Wˡ, bˡ) for each layer, sliced from θ by the documented layout: layer by layer, Wˡ row-major, then bˡ."""
    out, at = [], 0
    for fan_in, fan_out in zip(architecture.sizes[:-1], architecture.sizes[1:]):
        W = theta[at : at + fan_in * fan_out].reshape(fan_in, fan_out)
        at += fan_in * fan_out
        out.append((W, theta[at : at + fan_out]))
        at += fan_out
    assert at == len(theta)
    return out


FEATURE_FORMULAS = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1**2,
    "x2^2": lambda x1, x2: x2**2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}
ACTIVATION_FORMULAS = {
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "sigmoid": lambda z: np.exp(-np.logaddexp(0, -z)),  # σ(z) = e^(−softplus(−z)): no overflow at any z
    "linear": lambda z: z,
}


def reference_forward(architecture: Architecture, theta: np.ndarray, X: np.ndarray):
    """The module docstring's model written out: (pre-activations zˡ, activations aˡ from a⁰ = φ(x), logit z)."""
    a = np.column_stack([FEATURE_FORMULAS[f](X[:, 0], X[:, 1]) for f in architecture.features])
    pre, activations = [], [a]
    *hidden, (W_out, b_out) = layers(architecture, theta)
    for W, b in hidden:
        pre.append(a @ W + b)
        a = ACTIVATION_FORMULAS[architecture.activation](pre[-1])
        activations.append(a)
    return pre, activations, (a @ W_out + b_out)[:, 0]


def reference_loss(architecture, theta, X, y, l2=0.0, l1=0.0) -> float:
    """Mean log(1 + e^z) − y z plus (λ₂/2) Σ w² + λ₁ Σ |w| over the weights (moderate logits only)."""
    z = reference_forward(architecture, theta, X)[2]
    weights = np.concatenate([W.ravel() for W, _ in layers(architecture, theta)])
    return float(np.mean(np.logaddexp(0, z) - y * z) + l2 / 2 * np.sum(weights**2) + l1 * np.sum(np.abs(weights)))


def softplus(m: float) -> float:
    """log(1 + e^m) without overflow, in Python floats."""
    return max(m, 0.0) + math.log1p(math.exp(-abs(m)))


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def no_warnings(func):
    """Call func with every warning recorded; return its result and the warnings (the tests assert none)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func()
    return result, [str(w.message) for w in caught]


# ------------------------------------------------------------------------------- backprop against differences

GRADIENT_DATA = np.random.default_rng(20).uniform(-1, 1, (8, 2))
GRADIENT_LABELS = np.random.default_rng(21).integers(0, 2, 8)

ARCHITECTURES = [
    # (id, features, hidden)
    ("no hidden layer", ("x1", "x2"), ()),
    ("(3,)", ("x1", "x2"), (3,)),
    ("(4, 2)", ("x1", "x2"), (4, 2)),
    ("all 7 features, (5, 3)", FEATURES, (5, 3)),
    ("6 layers", ("x1", "x2"), (4, 3, 4, 3, 4, 3)),
]
PENALTIES = [("no penalty", 0.0, 0.0), ("l2 = 0.1", 0.1, 0.0), ("l1 = 0.05", 0.0, 0.05)]
GRADIENT_CASES = [
    pytest.param(activation, features, hidden, l2, l1, id=f"{activation}, {name}, {penalty}")
    for activation in ACTIVATIONS
    for name, features, hidden in ARCHITECTURES
    for penalty, l2, l1 in PENALTIES
]


def check_point(architecture: Architecture, seed: int) -> np.ndarray:
    """θ for a gradient check, away from every kink the finite differences could straddle.

    - |θᵢ| ∈ [0.2, 1.2] with random signs: λ₁ |w| has its kink at 0, and the auto stencil reaches 3h ≈ 0.02.
    - ReLU: each hidden unit's bias (layer by layer, on the already moved earlier layers) puts the unit's kink in the
      middle of the widest gap between the 8 points' pre-activations, so every unit is on at some points and off at
      the others and no point sits near its kink. The test then checks that no stencil point flips a unit.
    """
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0.2, 1.2, architecture.n_params) * rng.choice([-1.0, 1.0], architecture.n_params)
    if architecture.activation == "relu":
        for layer in range(len(architecture.hidden)):
            W, b = layers(architecture, theta)[layer]
            z = reference_forward(architecture, theta, GRADIENT_DATA)[0][layer]  # (n, width), before this move
            for unit in range(W.shape[1]):
                values = np.sort(z[:, unit])
                widest = int(np.argmax(np.diff(values)))
                b[unit] -= (values[widest] + values[widest + 1]) / 2
    return theta


def relu_pattern(architecture, theta) -> tuple:
    """Which hidden units are on (z > 0) at each data point."""
    return tuple(tuple((z > 0).ravel()) for z in reference_forward(architecture, theta, GRADIENT_DATA)[0])


@pytest.mark.parametrize(("activation", "features", "hidden", "l2", "l1"), GRADIENT_CASES)
def test_backprop_matches_finite_differences_on_every_parameter(activation, features, hidden, l2, l1):
    architecture = Architecture(features=features, hidden=hidden, activation=activation)
    theta = check_point(architecture, seed=len(hidden) + 10 * len(features))
    stencil_points = []

    def objective(points):  # differences.gradient stacks its stencil points as columns: points (n_params, S)
        stencil_points.extend(points.T)
        return np.array([loss_and_gradient(column, GRADIENT_DATA, GRADIENT_LABELS, architecture=architecture, l2=l2,
                                           l1=l1).loss for column in points.T])

    result = loss_and_gradient(theta, GRADIENT_DATA, GRADIENT_LABELS, architecture=architecture, l2=l2, l1=l1)
    numerical = differences.gradient(objective, theta, method="auto")
    assert numerical.note is None
    analytic = result.theta_gradient
    assert analytic.shape == (architecture.n_params,)
    # every entry: relative error (an entry that is exactly 0, a ReLU unit off at every point... must be 0 in both)
    error = np.abs(numerical.value - analytic)
    scale = np.maximum(np.abs(analytic), np.abs(numerical.value))
    assert np.all((error == 0) | (error <= GRADIENT_RTOL * scale)), f"worst {np.max(error / np.maximum(scale, 1e-300))}"
    # the loss itself against the plainly written model (independent of the module's forward pass)
    assert result.loss == pytest.approx(reference_loss(architecture, theta, GRADIENT_DATA, GRADIENT_LABELS, l2, l1),
                                        rel=1e-13)
    assert result.loss == pytest.approx(result.data_loss + result.penalty, rel=1e-15)
    if activation == "relu":  # the loss is smooth over the whole stencil: no unit changes side anywhere on it
        base = relu_pattern(architecture, theta)
        assert all(relu_pattern(architecture, point) == base for point in stencil_points)


def test_the_gradient_comes_per_layer_and_flat_alike():
    architecture = Architecture(features=("x1", "x2", "x1x2"), hidden=(3, 2), activation="tanh")
    theta = check_point(architecture, seed=5)
    result = loss_and_gradient(theta, GRADIENT_DATA, GRADIENT_LABELS, architecture=architecture)
    for (W, b), dW, db in zip(layers(architecture, result.theta_gradient), result.gradient.weights,
                              result.gradient.biases):
        np.testing.assert_array_equal(dW, W)
        np.testing.assert_array_equal(db, b)
    # Params in, Params out: the same loss as θ
    params = architecture.unflatten(theta)
    assert loss_and_gradient(params, GRADIENT_DATA, GRADIENT_LABELS, architecture=architecture).loss == result.loss


# -------------------------------------------------------------------------------- no hidden layer = core.logistic

LOGISTIC_CASES = [
    # (id, kind, n, noise, seed, β = (β1, β2, bias))
    ("tutorial, the tutorial's final β", "tutorial", 200, 0.0, 30, (10.997, -10.379, 0.0)),
    ("shifted, its separating β", "shifted", 150, 0.0, 31, (1.0, -1.0, -1.0)),
    ("blobs near the optimum", "blobs", 300, 0.0, 32, (6.25, -6.25, 0.1)),
    ("xor, β = 0 (log 2)", "xor", 100, 0.0, 33, (0.0, 0.0, 0.0)),
    ("noisy tutorial, large β", "tutorial", 80, 0.2, 34, (-40.0, 25.0, 3.0)),
    ("one point", "blobs", 1, 0.0, 35, (0.3, -0.7, 0.2)),
]
LOGISTIC_IDS = [c[0] for c in LOGISTIC_CASES]
NO_HIDDEN = Architecture(features=("x1", "x2"), hidden=())


@pytest.mark.parametrize(("kind", "n", "noise", "seed", "beta"), [c[1:] for c in LOGISTIC_CASES], ids=LOGISTIC_IDS)
def test_no_hidden_layer_is_logistic_regression(kind, n, noise, seed, beta):
    data = logistic.make_dataset(n, rng=np.random.default_rng(seed), kind=kind, noise=noise)
    beta = np.array(beta)
    assert NO_HIDDEN.n_params == 3  # θ = (W₁, W₂, b) = (β1, β2, bias)
    result = loss_and_gradient(beta, data.X, data.y, architecture=NO_HIDDEN)
    assert result.loss == pytest.approx(logistic.loss(data.X, data.y, beta), rel=LOGISTIC_RTOL)
    expected = logistic.gradient(data.X, data.y, beta)
    np.testing.assert_allclose(result.theta_gradient, expected, rtol=0, atol=LOGISTIC_RTOL * np.abs(expected).max())
    assert evaluate(beta, data.X, data.y, architecture=NO_HIDDEN).accuracy == logistic.accuracy(data.X, data.y, beta)


@pytest.mark.parametrize("lr", [0.1, 2.0, 50.0])
def test_a_full_batch_step_without_hidden_layers_is_a_logistic_gradient_step(lr):
    data = logistic.make_dataset(120, rng=np.random.default_rng(36), kind="blobs", noise=0.1)
    beta = np.array([1.5, -0.5, 0.25])
    run = train(data.X, data.y, architecture=NO_HIDDEN, lr=lr, steps=1, batch=120, rng=np.random.default_rng(0),
                theta0=beta)
    expected = beta - lr * logistic.gradient(data.X, data.y, beta)
    np.testing.assert_allclose(run.thetas[1], expected, rtol=0, atol=LOGISTIC_RTOL * np.abs(expected).max())
    assert run.thetas[0].tolist() == beta.tolist()


def test_training_without_hidden_layers_follows_logistic_sgd():
    # per-sample SGD: the same draws (logistic.batch_indices) and the same update as logistic.train_sgd with a bias
    data = logistic.make_dataset(200, rng=np.random.default_rng(37))
    beta0 = np.array([-3.0, 2.0, 0.5])
    ours = train(data.X, data.y, architecture=NO_HIDDEN, lr=1.5, steps=300, batch=1, rng=np.random.default_rng(8),
                 theta0=beta0, record_every=50)
    theirs = logistic.train_sgd(data.X, data.y, beta0=beta0, lr=1.5, steps=300, rng=np.random.default_rng(8),
                                record_every=50, bias=True)
    assert ours.steps.tolist() == theirs.steps.tolist()
    np.testing.assert_allclose(ours.thetas, theirs.betas, rtol=0, atol=1e-12 * np.abs(theirs.betas).max())


# ---------------------------------------------------------------------------------------------------- hand-worked

# One feature x1, one tanh hidden unit, θ = (w1, b1, w2, b2) by the layout (W¹, b¹, W², b²). Two points:
# (x1, x2, y) = (0.5, 0.25, 1) and (-1.5, 2.0, 0); x2 is not a feature and must not matter. With θ = (0.8, -0.3,
# 1.7, 0.2), worked to 10 digits:
#   point 1: z1 = 0.8·0.5 − 0.3 = 0.1, a = tanh 0.1 = 0.0996679946, z = 1.7a + 0.2 = 0.3694355909,
#            p = σ(z) = 0.5913225902, ℓ = log(1 + e^z) − z = 0.5253935725, δ = p − 1 = −0.4086774098
#   point 2: z1 = −1.5, a = tanh(−1.5) = −0.9051482536, z = −1.3387520312, p = 0.2077153615, ℓ = log(1 + e^z) =
#            0.2328345597, δ = p = 0.2077153615
#   L = (ℓ₁ + ℓ₂)/2 = 0.3791140661;  ∂L/∂b2 = (δ₁ + δ₂)/2 = −0.1004810241,  ∂L/∂w2 = (δ₁a₁ + δ₂a₂)/2 = −0.1143726273,
#   δ¹ = δ·w2·(1 − a²) = (−0.6878501363, 0.0638104262),  ∂L/∂b1 = (δ¹₁ + δ¹₂)/2 = −0.3120198550,
#   ∂L/∂w1 = (0.5·δ¹₁ − 1.5·δ¹₂)/2 = −0.2198203537.
TINY = Architecture(features=("x1",), hidden=(1,), activation="tanh")
TINY_X = np.array([[0.5, 0.25], [-1.5, 2.0]])
TINY_Y = np.array([1, 0])
W1, B1, W2, B2 = 0.8, -0.3, 1.7, 0.2


def tiny_by_hand(l2: float, l1: float) -> dict:
    """Forward and backward for TINY worked with math: z1 = w1·x1 + b1, a = tanh z1, z = w2·a + b2,
    ℓ = log(1 + e^z) − y z, δ = σ(z) − y, ∂ℓ/∂w2 = δ a, ∂ℓ/∂b2 = δ, ∂ℓ/∂w1 = δ w2 (1 − a²) x1,
    ∂ℓ/∂b1 = δ w2 (1 − a²), averaged over the points; the penalty adds λ₂ w + λ₁ sign(w) to the weights."""
    x1s, ys = [0.5, -1.5], [1, 0]
    a = [math.tanh(W1 * x + B1) for x in x1s]
    z = [W2 * ai + B2 for ai in a]
    data_loss = sum(math.log1p(math.exp(zi)) - yi * zi for zi, yi in zip(z, ys)) / 2
    delta = [sigmoid(zi) - yi for zi, yi in zip(z, ys)]
    back = [d * W2 * (1 - ai * ai) for d, ai in zip(delta, a)]  # δ¹ = δ w2 g′(z1)
    penalty = l2 / 2 * (W1**2 + W2**2) + l1 * (abs(W1) + abs(W2))
    gradient = [
        sum(bk * x for bk, x in zip(back, x1s)) / 2 + l2 * W1 + l1 * math.copysign(1, W1),
        sum(back) / 2,
        sum(d * ai for d, ai in zip(delta, a)) / 2 + l2 * W2 + l1 * math.copysign(1, W2),
        sum(delta) / 2,
    ]
    return {"a": a, "z": z, "p": [sigmoid(zi) for zi in z], "data_loss": data_loss, "penalty": penalty,
            "gradient": gradient}


def test_the_closed_forms_give_the_numbers_worked_by_hand():
    hand = tiny_by_hand(0.0, 0.0)
    rounded = 5e-10  # the comment's 10 digits
    np.testing.assert_allclose(hand["a"], [0.0996679946, -0.9051482536], rtol=0, atol=rounded)
    np.testing.assert_allclose(hand["z"], [0.3694355909, -1.3387520312], rtol=0, atol=rounded)
    np.testing.assert_allclose(hand["p"], [0.5913225902, 0.2077153615], rtol=0, atol=rounded)
    assert hand["data_loss"] == pytest.approx(0.3791140661, abs=rounded)
    np.testing.assert_allclose(hand["gradient"], [-0.2198203537, -0.3120198550, -0.1143726273, -0.1004810241],
                               rtol=0, atol=rounded)
    # the penalty at λ₂ = 0.3, λ₁ = 0.2: 0.15·(0.64 + 2.89) + 0.2·(0.8 + 1.7) = 0.5295 + 0.5 = 1.0295, and its
    # gradient λ₂ w + λ₁ sign w adds 0.44 to ∂/∂w1 and 0.71 to ∂/∂w2
    penalised = tiny_by_hand(0.3, 0.2)
    assert penalised["penalty"] == pytest.approx(1.0295, rel=HAND_RTOL)
    np.testing.assert_allclose(np.subtract(penalised["gradient"], hand["gradient"]), [0.44, 0.0, 0.71, 0.0],
                               rtol=HAND_RTOL, atol=1e-15)


@pytest.mark.parametrize(("l2", "l1"), [(0.0, 0.0), (0.3, 0.0), (0.0, 0.2), (0.3, 0.2)],
                         ids=["no penalty", "l2", "l1", "l2 and l1"])
def test_a_tiny_network_worked_by_hand(l2, l1):
    theta = np.array([W1, B1, W2, B2])
    hand = tiny_by_hand(l2, l1)
    result = loss_and_gradient(theta, TINY_X, TINY_Y, architecture=TINY, l2=l2, l1=l1)
    assert result.data_loss == pytest.approx(hand["data_loss"], rel=HAND_RTOL)
    assert result.penalty == pytest.approx(hand["penalty"], rel=HAND_RTOL, abs=0)
    assert result.loss == pytest.approx(hand["data_loss"] + hand["penalty"], rel=HAND_RTOL)
    np.testing.assert_allclose(result.theta_gradient, hand["gradient"], rtol=HAND_RTOL, atol=0)
    # forward: the hidden unit's output and p = σ(z) at each point
    features, hidden, output = neuron_outputs(theta, TINY_X, architecture=TINY)
    np.testing.assert_array_equal(features[:, 0], TINY_X[:, 0])
    np.testing.assert_allclose(hidden[:, 0], hand["a"], rtol=HAND_RTOL, atol=0)
    np.testing.assert_allclose(output[:, 0], hand["p"], rtol=HAND_RTOL, atol=0)
    np.testing.assert_allclose(predict(theta, TINY_X, architecture=TINY), hand["p"], rtol=HAND_RTOL, atol=0)
    # the logit is not returned; read back from p as log p − log(1 − p) (conditioned by 1/(p(1 − p)) ≤ 6 here)
    p = output[:, 0]
    np.testing.assert_allclose(np.log(p) - np.log1p(-p), hand["z"], rtol=1e-13, atol=0)
    # the logit's sign is the prediction: accuracy from the hand-worked z
    expected_accuracy = np.mean([(zi >= 0) == yi for zi, yi in zip(hand["z"], [1, 0])])
    assert evaluate(theta, TINY_X, TINY_Y, architecture=TINY).accuracy == expected_accuracy


def test_a_hand_worked_step():
    # θ1 = θ0 − lr ∇L(θ0) on the full batch, with the hand-worked gradient
    theta = np.array([W1, B1, W2, B2])
    run = train(TINY_X, TINY_Y, architecture=TINY, lr=0.5, steps=1, batch=2, rng=np.random.default_rng(0),
                theta0=theta, l2=0.3, l1=0.2)
    expected = theta - 0.5 * np.array(tiny_by_hand(0.3, 0.2)["gradient"])
    np.testing.assert_allclose(run.thetas[1], expected, rtol=HAND_RTOL, atol=0)


ACTIVATION_POINTS = np.array([-3.0, -0.5, 0.0, 0.25, 2.0])


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activations_and_their_slopes(activation):
    # g and g′ in closed form: tanh′ = 1 − tanh², ReLU′ = [z > 0] (0 at the kink z = 0: PyTorch's choice),
    # σ′ = σ (1 − σ), linear′ = 1
    z = ACTIVATION_POINTS
    closed = {
        "tanh": ([math.tanh(v) for v in z], [1 - math.tanh(v) ** 2 for v in z]),
        "relu": ([max(v, 0.0) for v in z], [1.0 if v > 0 else 0.0 for v in z]),
        "sigmoid": ([sigmoid(v) for v in z], [sigmoid(v) * (1 - sigmoid(v)) for v in z]),
        "linear": (list(z), [1.0] * len(z)),
    }[activation]
    a = network.activate(z, activation)
    np.testing.assert_allclose(a, closed[0], rtol=HAND_RTOL, atol=0)
    np.testing.assert_allclose(network.slope(z, a, activation), closed[1], rtol=HAND_RTOL, atol=0)


def test_kinks_take_the_documented_subgradients():
    # ReLU at z = 0 has slope 0 and |w| at w = 0 has subgradient sign(0) = 0 (PyTorch's autograd): one point x1 = 0.7,
    # θ = (w1, b1, w2, b2) = (0, 0, 1.3, 0.1) puts the hidden unit exactly at its kink (z1 = 0·0.7 + 0 = 0, a = 0)
    architecture = Architecture(features=("x1",), hidden=(1,), activation="relu")
    theta = np.array([0.0, 0.0, 1.3, 0.1])
    result = loss_and_gradient(theta, np.array([[0.7, 0.0]]), np.array([1]), architecture=architecture, l1=0.2)
    delta = sigmoid(0.1) - 1  # z = 1.3·0 + 0.1
    # ∂/∂w1 = δ w2 g′(0) x1 + λ₁ sign(0) = 0, ∂/∂b1 = δ w2 g′(0) = 0, ∂/∂w2 = δ a + λ₁ = 0.2, ∂/∂b2 = δ
    np.testing.assert_allclose(result.theta_gradient, [0.0, 0.0, 0.2, delta], rtol=HAND_RTOL, atol=0)
    assert result.penalty == pytest.approx(0.2 * 1.3, rel=HAND_RTOL)


# -------------------------------------------------------------------------------------------------------- solving

SOLVE_CASES = [
    # (id, kind, architecture, lr, steps, batch, seed): 400 training points; each run ~0.05-0.11 s.
    # xor with 4 tanh units: about 3 in 20 random starts settle in a local minimum at ~0.93 (a corner of the square
    # on the wrong side); seed 0 is one of the others.
    ("xor, (4,) tanh", "xor", Architecture(hidden=(4,), activation="tanh"), 1.0, 2000, 100, 0),
    ("circle, (4,) tanh", "circle", Architecture(hidden=(4,), activation="tanh"), 1.0, 1000, 100, 0),
    # x1², x2² and no hidden layer: the circle r² = c is a line in those features
    ("circle, x1² and x2², no hidden layer", "circle", Architecture(features=("x1^2", "x2^2"), hidden=()), 3.0, 500,
     100, 0),
]


def split(kind: str) -> tuple[logistic.Dataset, logistic.Dataset]:
    """400 training points and a separate test set of 10,000, each from its own seed."""
    return make_dataset(400, rng=np.random.default_rng(40), kind=kind), make_dataset(
        10_000, rng=np.random.default_rng(41), kind=kind)


@pytest.mark.parametrize(("kind", "architecture", "lr", "steps", "batch", "seed"), [c[1:] for c in SOLVE_CASES],
                         ids=[c[0] for c in SOLVE_CASES])
def test_a_network_solves_what_a_line_cannot(kind, architecture, lr, steps, batch, seed):
    training, test = split(kind)
    run = train(training.X, training.y, architecture=architecture, lr=lr, steps=steps, batch=batch,
                rng=np.random.default_rng(seed), record_every=steps, test=(test.X, test.y))
    assert run.diverged_at is None
    assert run.test_accuracies[-1] > SOLVED
    assert run.test_accuracies[-1] == evaluate(run.thetas[-1], test.X, test.y, architecture=architecture).accuracy
    assert run.test_losses[-1] < run.test_losses[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_linear_model_stays_near_chance_on_xor(seed):
    # the reason the page exists: without a hidden layer (or a product feature) xor is out of reach
    training, test = split("xor")
    run = train(training.X, training.y, architecture=NO_HIDDEN, lr=1.0, steps=2000, batch=100,
                rng=np.random.default_rng(seed), record_every=2000, test=(test.X, test.y))
    assert run.test_accuracies[-1] < CHANCE_BOUND


# ------------------------------------------------------------------------------------------------------ stability

HUGE_LOGIT_CASES = [
    # (id, logit z = W₁ at x = (1, 0), label y): the loss is softplus(m), m = (1 − 2y) z
    ("z = 800, y = 0: loss 800", 800.0, 0),
    ("z = 800, y = 1: loss e^-800 = 0", 800.0, 1),
    ("z = -800, y = 1: loss 800", -800.0, 1),
    ("z = -800, y = 0: loss 0", -800.0, 0),
    ("z = 40, y = 1: loss 4.2e-18 (log(1 + e^z) − z keeps no digit)", 40.0, 1),
    ("z = -40, y = 0: loss 4.2e-18", -40.0, 0),
]


@pytest.mark.parametrize(("z", "label"), [c[1:] for c in HUGE_LOGIT_CASES], ids=[c[0] for c in HUGE_LOGIT_CASES])
def test_the_loss_at_huge_logits_is_softplus_of_the_margin(z, label):
    theta = np.array([z, 0.0, 0.0])
    X, y = np.array([[1.0, 0.0]]), np.array([label])
    result, caught = no_warnings(lambda: loss_and_gradient(theta, X, y, architecture=NO_HIDDEN))
    assert caught == []
    m = (1 - 2 * label) * z
    assert math.isfinite(result.loss)
    assert result.loss == pytest.approx(softplus(m), rel=1e-15, abs=0)
    # ∂ℓ/∂θ = (σ(z) − y)·(x1, x2, 1) = (1 − 2y) σ(m)·(1, 0, 1)
    delta = (1 - 2 * label) * sigmoid(m)
    np.testing.assert_allclose(result.theta_gradient, [delta, 0.0, delta], rtol=1e-15, atol=0)


SATURATED_CASES = [
    # (id, architecture, θ scale): logits of ±1e5 and more
    ("no hidden layer", NO_HIDDEN, 1e6),
    ("(3,) sigmoid, hidden units saturated too", Architecture(hidden=(3,), activation="sigmoid"), 1e5),
    ("(4, 4) tanh", Architecture(hidden=(4, 4), activation="tanh"), 1e4),
    ("(4, 4) relu", Architecture(hidden=(4, 4), activation="relu"), 1e4),
]


@pytest.mark.parametrize(("architecture", "scale"), [c[1:] for c in SATURATED_CASES],
                         ids=[c[0] for c in SATURATED_CASES])
def test_predict_at_huge_logits_is_exactly_0_or_1_without_warnings(architecture, scale):
    rng = np.random.default_rng(50)
    theta = scale * rng.choice([-1.0, 1.0], architecture.n_params) * rng.uniform(0.5, 1.0, architecture.n_params)
    X = rng.uniform(-1, 1, (400, 2))
    with np.errstate(all="ignore"):  # the reference's own products at these sizes
        logit = reference_forward(architecture, theta, X)[2]
    X, logit = X[np.abs(logit) > 800], logit[np.abs(logit) > 800]  # σ is exactly 0 below -745 and 1 above 37
    assert len(X) >= 200
    p, caught = no_warnings(lambda: predict(theta, X, architecture=architecture))
    assert caught == []
    np.testing.assert_array_equal(p, (logit > 0).astype(float))
    outputs, caught = no_warnings(lambda: neuron_outputs(theta, X, architecture=architecture))
    assert caught == [] and np.all(np.isfinite(np.concatenate([o.ravel() for o in outputs])))
    np.testing.assert_array_equal(outputs[-1][:, 0], p)
    # labels that agree with the prediction: every softplus(−|z|) ≤ e^-800 underflows to 0, and so does every δ;
    # the opposite labels: softplus(|z|) = |z| to double precision
    y = (p == 1).astype(int)
    (right, wrong), caught = no_warnings(lambda: [loss_and_gradient(theta, X, labels, architecture=architecture)
                                                  for labels in (y, 1 - y)])
    assert caught == []
    assert right.loss == 0.0 and np.all(right.theta_gradient == 0)
    assert wrong.loss == pytest.approx(np.mean(np.abs(logit)), rel=1e-12)
    assert np.isfinite(wrong.theta_gradient).all()


def first_divergence(architecture, theta0, X, y, lr, batches) -> int | None:
    """The first step of θ ← θ − lr ∇L_batch(θ) (loss_and_gradient on each batch) at which θ is not finite."""
    theta = theta0.copy()
    with np.errstate(all="ignore"):
        for step, rows in enumerate(batches, start=1):
            theta = theta - lr * loss_and_gradient(theta, X[rows], y[rows], architecture=architecture).theta_gradient
            if not np.isfinite(theta).all():
                return step
    return None


@pytest.mark.parametrize("batch", [50, 5], ids=["full batch", "B = 5"])
@pytest.mark.parametrize("lr", [1e3, 1e10, 1e100], ids=["lr 1e3", "lr 1e10", "lr 1e100"])
def test_a_diverging_run_stops_at_its_first_non_finite_theta_without_warnings(lr, batch):
    # linear units: the gradient grows like a product of the weights, so a huge rate overflows θ in a few steps
    data = make_dataset(50, rng=np.random.default_rng(51), kind="xor")
    architecture = Architecture(hidden=(4, 4), activation="linear")
    theta0 = init_params(architecture, rng=np.random.default_rng(52))
    run, caught = no_warnings(lambda: train(data.X, data.y, architecture=architecture, lr=lr, steps=500, batch=batch,
                                            rng=np.random.default_rng(0), theta0=theta0, record_every=1))
    assert caught == []
    draws = logistic.batch_indices(50, batch_size=batch, steps=500, rng=np.random.default_rng(0))
    batches = np.concatenate(list(draws))
    expected = first_divergence(architecture, theta0, data.X, data.y, lr, batches)
    assert expected is not None
    assert run.diverged_at == expected
    assert run.steps.tolist() == list(range(expected + 1))
    assert not np.isfinite(run.thetas[-1]).all()
    assert np.isfinite(run.thetas[:-1]).all()  # (a finite θ near 1e150 may already give an inf or nan loss)
    assert math.isnan(run.losses[-1]) and math.isnan(run.accuracies[-1])


# ------------------------------------------------------------------------------------------------------- datasets


def test_kinds_are_the_sgd_pages_and_three_more():
    assert KINDS == (*logistic.KINDS, "circle", "spiral", "function")


@pytest.mark.parametrize("kind", logistic.KINDS)
@pytest.mark.parametrize("noise", [0.0, 0.2])
def test_the_sgd_pages_kinds_come_from_core_logistic(kind, noise):
    ours = make_dataset(300, rng=np.random.default_rng(60), kind=kind, noise=noise)
    theirs = logistic.make_dataset(300, rng=np.random.default_rng(60), kind=kind, noise=noise)
    np.testing.assert_array_equal(ours.X, theirs.X)
    np.testing.assert_array_equal(ours.y, theirs.y)
    assert (ours.kind, ours.noise) == (kind, noise)


def test_circle_inside_and_ring():
    data = make_dataset(4000, rng=np.random.default_rng(61), kind="circle")
    radius = np.hypot(data.X[:, 0], data.X[:, 1])
    inner, ring = radius[data.y == 1], radius[data.y == 0]
    assert inner.max() < 0.5
    assert 0.7 <= ring.min() and ring.max() <= 1.0
    assert abs(data.y.mean() - 0.5) <= BALANCE_TOL
    # radius uniform in each band: its mean is the band's middle (sd of the mean ≤ 0.15/√2000 ≈ 0.003)
    assert inner.mean() == pytest.approx(0.25, abs=0.015) and ring.mean() == pytest.approx(0.85, abs=0.015)
    # angle uniform: each quadrant holds a quarter of the points (sd 0.007)
    quadrants = np.bincount((data.X[:, 0] > 0) * 2 + (data.X[:, 1] > 0), minlength=4) / 4000
    np.testing.assert_allclose(quadrants, 0.25, atol=0.035)


def arm(u: np.ndarray, shift: float) -> np.ndarray:
    """The documented arm: u (sin θ, cos θ) with θ = 2π·1.75·u + shift."""
    angle = 2 * np.pi * 1.75 * u + shift
    return np.stack([u * np.sin(angle), u * np.cos(angle)], axis=1)


def nearest_on(points: np.ndarray, curve: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each point to a densely sampled curve, and the index of the nearest sample."""
    distances = np.hypot(*(points[:, None, :] - curve[None]).transpose(2, 0, 1))
    nearest = distances.argmin(axis=1)
    return distances[np.arange(len(points)), nearest], nearest


def test_spiral_two_arms_half_a_turn_apart():
    data = make_dataset(1000, rng=np.random.default_rng(62), kind="spiral")
    u = np.linspace(0, 1, 4001)  # spacing along the arm ≤ 0.003
    class_0_arm = arm(u, np.pi)
    zero, one = data.X[data.y == 0], data.X[data.y == 1]
    distance, nearest = nearest_on(zero, class_0_arm)
    assert distance.max() < ARM_DISTANCE
    # r ≈ u: the nearest point of the arm (radius u) has about the point's own radius
    np.testing.assert_allclose(u[nearest], np.hypot(zero[:, 0], zero[:, 1]), atol=ARM_DISTANCE)
    # class 1 rotated by π lies on class 0's arm; unrotated, it lies on the other arm, well away
    assert nearest_on(-one, class_0_arm)[0].max() < ARM_DISTANCE
    assert np.median(nearest_on(one, class_0_arm)[0]) > OTHER_ARM_MEDIAN
    # u ~ U(0, 1): the radii's quantiles are uniform's (loosely: the jitter moves the smallest radii out)
    levels = np.array([0.1, 0.25, 0.5, 0.75, 0.9])
    np.testing.assert_allclose(np.quantile(np.hypot(*data.X.T), levels), levels, atol=RADIUS_QUANTILE_TOL)


FUNCTION_CASES = [
    # (id, g, fraction of x1 ∈ [-1, 1] where g is defined)
    ("a parabola", lambda x: x**2 - 0.5, 1.0),
    ("sqrt(x1 + 0.5): undefined left of -0.5", lambda x: np.sqrt(x + 0.5), 0.75),
    ("log(x1 + 0.1): undefined left of -0.1 (and -inf at it)", lambda x: np.log(x + 0.1), 0.55),
    ("a constant (a scalar, broadcast)", lambda x: 0.3, 1.0),
]


@pytest.mark.parametrize(("boundary", "defined"), [c[1:] for c in FUNCTION_CASES], ids=[c[0] for c in FUNCTION_CASES])
def test_function_labels_points_above_the_graph_and_drops_undefined_ones(boundary, defined):
    (data, caught) = no_warnings(lambda: make_dataset(4000, rng=np.random.default_rng(63), kind="function",
                                                      boundary=boundary))
    assert caught == []  # np.sqrt and np.log of negative numbers warn, unless the module silences them
    assert data.kind == "function" and data.X.dtype == np.float64 and data.y.dtype == np.int64
    with np.errstate(all="ignore"):
        g = np.broadcast_to(np.asarray(boundary(data.X[:, 0]), dtype=float), (len(data.y),))
    assert np.isfinite(g).all()
    np.testing.assert_array_equal(data.y, (data.X[:, 1] > g).astype(int))
    assert np.abs(data.X).max() <= 1.0
    # about `defined` of the 4000 points are kept (binomial sd ≤ 0.008)
    assert len(data.y) / 4000 == pytest.approx(defined, abs=0.03)


def test_function_keeps_exactly_the_defined_points_of_the_uniform_draw():
    # the documented draw: x ~ U([-1, 1]²) from rng, then the points where g is not finite are left out
    data = make_dataset(500, rng=np.random.default_rng(64), kind="function", boundary=lambda x: np.sqrt(x + 0.5))
    X = np.random.default_rng(64).uniform(-1, 1, (500, 2))
    np.testing.assert_array_equal(data.X, X[X[:, 0] >= -0.5])


@pytest.mark.parametrize("boundary", [lambda x: np.log(x - 0.8), lambda x: np.full_like(x, np.nan)],
                         ids=["log(x1 - 0.8): defined on 10%", "nowhere"])
def test_a_boundary_undefined_over_most_of_the_plane_is_refused(boundary):
    with pytest.raises(ValueError, match=r"boundary is defined at only \d+ of 1000 points"):
        make_dataset(1000, rng=np.random.default_rng(65), kind="function", boundary=boundary)


NOISE_KINDS = [
    ("circle", {}),
    ("spiral", {}),
    ("function", {"boundary": lambda x: np.sqrt(x + 0.5)}),
]


@pytest.mark.parametrize(("kind", "extra"), NOISE_KINDS, ids=[k for k, _ in NOISE_KINDS])
@pytest.mark.parametrize("noise", [0.1, 0.25, 0.5])
def test_noise_flips_exactly_that_fraction_of_labels(kind, extra, noise):
    clean = make_dataset(1001, rng=np.random.default_rng(66), kind=kind, **extra)
    noisy = make_dataset(1001, rng=np.random.default_rng(66), kind=kind, noise=noise, **extra)
    np.testing.assert_array_equal(noisy.X, clean.X)  # the points are drawn first, the flips after
    assert np.count_nonzero(noisy.y != clean.y) == round(noise * len(clean.y))
    assert noisy.noise == noise


@pytest.mark.parametrize(("kind", "extra"), NOISE_KINDS, ids=[k for k, _ in NOISE_KINDS])
def test_a_seed_reproduces_a_dataset(kind, extra):
    first, again, other = (make_dataset(300, rng=np.random.default_rng(s), kind=kind, noise=0.1, **extra)
                           for s in (67, 67, 68))
    np.testing.assert_array_equal(first.X, again.X)
    np.testing.assert_array_equal(first.y, again.y)
    assert not np.array_equal(first.X, other.X)
    for array in (first.X, first.y):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1


# ----------------------------------------------------------------------------------------------------- validators

GOOD = make_dataset(40, rng=np.random.default_rng(70), kind="xor")
RNG = np.random.default_rng
_RUN = {"architecture": Architecture(hidden=(2,)), "lr": 0.5, "steps": 3, "batch": 2, "rng": RNG(0)}


def run(**changes):
    arguments = {"architecture": Architecture(hidden=(2,)), "lr": 0.5, "steps": 3, "batch": 10, "rng": RNG(0)}
    return train(GOOD.X, GOOD.y, **(arguments | changes))


INVALID = [
    # (id, call, message pattern naming the parameter)
    ("7 hidden layers", lambda: Architecture(hidden=(2,) * 7), r"hidden must list at most 6 layer widths"),
    ("8 hidden layers", lambda: Architecture(hidden=(2,) * 8), r"hidden must list at most 6 layer widths"),
    ("width 9", lambda: Architecture(hidden=(4, 9)), r"each hidden layer width must be an integer in \[1, 8\]; got 9"),
    ("width 0", lambda: Architecture(hidden=(0,)), r"each hidden layer width must be an integer in \[1, 8\]; got 0"),
    ("width 2.5", lambda: Architecture(hidden=(2.5,)), r"each hidden layer width must be an integer"),
    ("width True", lambda: Architecture(hidden=(True,)), r"each hidden layer width must be an integer"),
    ("hidden not a sequence", lambda: Architecture(hidden=4), r"hidden must list at most 6 layer widths"),
    ("unknown feature", lambda: Architecture(features=("x1", "x3")), r"features must be distinct names from x1, x2"),
    ("duplicate features", lambda: Architecture(features=("x1", "x1")), r"features must be distinct names"),
    ("no features", lambda: Architecture(features=()), r"features must be distinct names .* at least one"),
    ("features a string", lambda: Architecture(features="x1"), r"features must be distinct names"),
    ("unknown activation", lambda: Architecture(activation="softmax"),
     r"activation must be one of tanh, relu, sigmoid, linear; got 'softmax'"),
    ("lr = 0", lambda: run(lr=0.0), r"lr must be a positive number; got 0.0"),
    ("lr < 0", lambda: run(lr=-1.0), r"lr must be a positive number; got -1.0"),
    ("lr nan", lambda: run(lr=math.nan), r"lr must be a positive number; got nan"),
    ("lr inf", lambda: run(lr=math.inf), r"lr must be a positive number; got inf"),
    ("lr a string", lambda: run(lr="0.1"), r"lr must be a positive number; got '0.1'"),
    ("steps = 0", lambda: run(steps=0), r"steps must be an integer >= 1; got 0"),
    ("steps 2.0", lambda: run(steps=2.0), r"steps must be an integer >= 1; got 2.0"),
    ("batch = 0", lambda: run(batch=0), r"batch must be an integer in \[1, 40\]; got 0"),
    ("batch > n", lambda: run(batch=41), r"batch must be an integer in \[1, 40\]; got 41"),
    ("record_every = 0", lambda: run(record_every=0), r"record_every must be an integer >= 1; got 0"),
    ("rng an int", lambda: run(rng=0), r"rng must be a numpy.random.Generator .*; got int"),
    ("rng legacy", lambda: run(rng=np.random.RandomState(0)), r"rng must be a numpy.random.Generator .*RandomState"),
    ("l2 < 0", lambda: run(l2=-0.1), r"l2 must be a >= 0 number; got -0.1"),
    ("l2 nan", lambda: run(l2=math.nan), r"l2 must be a >= 0 number; got nan"),
    ("l1 < 0", lambda: run(l1=-1e-3), r"l1 must be a >= 0 number; got -0.001"),
    ("architecture not one", lambda: run(architecture=(4,)), r"architecture must be an Architecture; got tuple"),
    ("theta0 of the wrong size", lambda: run(theta0=np.zeros(5)), r"theta must have shape \(9,\)"),
    ("X not (n, 2)", lambda: train(GOOD.X[:, :1], GOOD.y, **_RUN), r"X must have shape \(n, 2\) with n >= 1"),
    ("y not 0/1", lambda: train(GOOD.X, GOOD.y * 2, **_RUN), r"y must have shape \(40,\) with labels 0 or 1"),
    ("X not finite", lambda: train(np.full((3, 2), np.inf), np.zeros(3, int), **_RUN), r"X must be finite"),
    ("test set not (m, 2)", lambda: run(test=(GOOD.X[:, :1], GOOD.y)), r"X must have shape"),
    ("loss l2 < 0", lambda: loss_and_gradient(np.zeros(9), GOOD.X, GOOD.y, architecture=Architecture(hidden=(2,)),
                                              l2=-1.0), r"l2 must be a >= 0 number"),
    ("loss theta of the wrong size", lambda: loss_and_gradient(np.zeros(4), GOOD.X, GOOD.y,
                                                               architecture=Architecture(hidden=(2,))),
     r"theta must have shape \(9,\) for sizes \(2, 2, 1\); got \(4,\)"),
    ("init_params without a Generator", lambda: init_params(Architecture(), rng=1), r"rng must be a numpy"),
    ("n = 0", lambda: make_dataset(0, rng=RNG(0), kind="circle"), r"n must be an integer >= 1; got 0"),
    ("unknown kind", lambda: make_dataset(10, rng=RNG(0), kind="moons"), r"kind must be one of .*'spiral'.*'moons'"),
    ("noise 0.6", lambda: make_dataset(10, rng=RNG(0), kind="spiral", noise=0.6), r"noise must be a fraction in"),
    ("noise < 0", lambda: make_dataset(10, rng=RNG(0), kind="circle", noise=-0.1), r"noise must be a fraction in"),
    ("function without a boundary", lambda: make_dataset(10, rng=RNG(0), kind="function"),
     r"boundary must be given for kind 'function'"),
    ("dataset rng", lambda: make_dataset(10, rng=None, kind="circle"), r"rng must be a numpy.random.Generator"),
]


@pytest.mark.parametrize(("call", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_arguments_raise_naming_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_limits_are_tensorflow_playgrounds():
    assert (MAX_LAYERS, MAX_WIDTH) == (6, 8)
    assert Architecture(hidden=(8,) * 6).sizes == (2, 8, 8, 8, 8, 8, 8, 1)  # the largest allowed


# ------------------------------------------------------------------------------------------------------ recording

RECORD_CASES = [
    # (id, steps, record_every, expected recorded steps)
    ("every step", 5, 1, [0, 1, 2, 3, 4, 5]),
    ("every 3 of 10: the last step too", 10, 3, [0, 3, 6, 9, 10]),
    ("every 5 of 10", 10, 5, [0, 5, 10]),
    ("record_every beyond steps", 7, 100, [0, 7]),
    ("one step", 1, 1, [0, 1]),
]


@pytest.mark.parametrize(("steps", "record_every", "expected"), [c[1:] for c in RECORD_CASES],
                         ids=[c[0] for c in RECORD_CASES])
def test_records_steps_thetas_losses_and_accuracies(steps, record_every, expected):
    data = make_dataset(60, rng=np.random.default_rng(80), kind="circle")
    architecture = Architecture(hidden=(3, 2), activation="tanh")
    run = train(data.X, data.y, architecture=architecture, lr=0.5, steps=steps, batch=8,
                rng=np.random.default_rng(81), record_every=record_every)
    assert run.steps.tolist() == expected and run.diverged_at is None
    assert run.thetas.shape == (len(expected), architecture.n_params)
    for field in ("losses", "accuracies", "test_losses", "test_accuracies"):
        assert getattr(run, field).shape == (len(expected),)
    assert np.isnan(run.test_losses).all() and np.isnan(run.test_accuracies).all()  # no test set
    for theta, loss, accuracy in zip(run.thetas, run.losses, run.accuracies):
        z = reference_forward(architecture, theta, data.X)[2]
        assert loss == pytest.approx(np.mean(np.logaddexp(0, z) - data.y * z), rel=1e-13)
        assert accuracy == np.mean((z >= 0) == (data.y == 1))
    np.testing.assert_array_equal(run.params.weights[0], layers(architecture, run.thetas[-1])[0][0])
    for array in (run.thetas, run.steps, run.losses):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0


def test_a_test_set_is_evaluated_at_every_record():
    data, test = (make_dataset(n, rng=np.random.default_rng(s), kind="xor") for n, s in ((80, 82), (300, 83)))
    architecture = Architecture(hidden=(4,), activation="relu")
    run = train(data.X, data.y, architecture=architecture, lr=0.5, steps=40, batch=16, rng=np.random.default_rng(84),
                record_every=10, test=(test.X, test.y), l2=0.01)
    for theta, loss, accuracy, train_loss in zip(run.thetas, run.test_losses, run.test_accuracies, run.losses):
        z = reference_forward(architecture, theta, test.X)[2]
        assert loss == pytest.approx(np.mean(np.logaddexp(0, z) - test.y * z), rel=1e-13)  # data loss: no penalty
        assert accuracy == np.mean((z >= 0) == (test.y == 1))
        z = reference_forward(architecture, theta, data.X)[2]
        assert train_loss == pytest.approx(np.mean(np.logaddexp(0, z) - data.y * z), rel=1e-13)  # no penalty either


def plain_loop(architecture, theta0, X, y, lr, batches, l2=0.0, l1=0.0) -> np.ndarray:
    """θ after each step of θ ← θ − lr ∇L_batch(θ), from loss_and_gradient on each given batch: (steps + 1, P)."""
    path = [np.array(theta0, dtype=float)]
    for rows in batches:
        result = loss_and_gradient(path[-1], X[rows], y[rows], architecture=architecture, l2=l2, l1=l1)
        path.append(path[-1] - lr * result.theta_gradient)
    return np.array(path)


BATCH_CASES = [
    # (id, batch, steps): 100 points
    ("B = 1, with replacement", 1, 150),
    ("B = 16 (remainder dropped each epoch)", 16, 40),
    ("B = 50", 50, 9),
    ("B = n: gradient descent", 100, 25),
]


@pytest.mark.parametrize(("batch", "steps"), [c[1:] for c in BATCH_CASES], ids=[c[0] for c in BATCH_CASES])
@pytest.mark.parametrize("given_start", [True, False], ids=["theta0 given", "theta0 drawn"])
def test_training_is_sgd_on_logistic_batch_indices(batch, steps, given_start):
    data = make_dataset(100, rng=np.random.default_rng(85), kind="spiral", noise=0.1)
    architecture = Architecture(features=("x1", "x2", "sin(x1)"), hidden=(4, 3), activation="sigmoid")
    rng = np.random.default_rng(86)
    # the documented draws: θ0 from rng (init_params) when not given, then the batches of logistic.batch_indices
    theta0 = np.linspace(-1, 1, architecture.n_params) if given_start else init_params(architecture, rng=rng)
    batches = np.concatenate(list(logistic.batch_indices(100, batch_size=batch, steps=steps, rng=rng)))
    path = plain_loop(architecture, theta0, data.X, data.y, 0.8, batches, l2=0.01, l1=0.002)
    run = train(data.X, data.y, architecture=architecture, lr=0.8, steps=steps, batch=batch,
                rng=np.random.default_rng(86), theta0=theta0 if given_start else None, l2=0.01, l1=0.002,
                record_every=3)
    np.testing.assert_allclose(run.thetas, path[run.steps], rtol=0, atol=PATH_RTOL * np.abs(path).max())


def test_a_seed_reproduces_a_run():
    data = make_dataset(100, rng=np.random.default_rng(87), kind="circle")

    def once(seed):
        return train(data.X, data.y, architecture=Architecture(), lr=0.5, steps=50, batch=10,
                     rng=np.random.default_rng(seed), record_every=5)

    first, again, other = once(1), once(1), once(2)
    for field in ("thetas", "steps", "losses", "accuracies"):
        np.testing.assert_array_equal(getattr(first, field), getattr(again, field))
    assert not np.array_equal(first.thetas, other.thetas)
    assert np.array_equal(pickle.loads(pickle.dumps(first)).thetas, first.thetas)


# --------------------------------------------------------------------------------------- neurons and the start

NEURON_CASES = [
    ("no hidden layer", Architecture(hidden=())),
    ("(4, 4) tanh, the default", Architecture()),
    ("all features, (8, 2, 5) relu", Architecture(features=FEATURES, hidden=(8, 2, 5), activation="relu")),
    ("x1², sin(x2), (3,) sigmoid", Architecture(features=("sin(x2)", "x1^2"), hidden=(3,), activation="sigmoid")),
    ("6 layers linear", Architecture(hidden=(1, 2, 3, 4, 5, 6), activation="linear")),
]


@pytest.mark.parametrize("architecture", [c[1] for c in NEURON_CASES], ids=[c[0] for c in NEURON_CASES])
def test_neuron_outputs_are_every_layers_activations(architecture):
    X = np.random.default_rng(90).uniform(-1, 1, (30, 2))
    theta = np.random.default_rng(91).normal(size=architecture.n_params)
    outputs = neuron_outputs(theta, X, architecture=architecture)
    assert [o.shape for o in outputs] == [(30, width) for width in architecture.sizes]
    _, activations, logit = reference_forward(architecture, theta, X)
    for got, expected in zip(outputs[:-1], activations):
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(outputs[-1][:, 0], 1 / (1 + np.exp(-logit)), rtol=1e-13)
    np.testing.assert_array_equal(outputs[-1][:, 0], predict(theta, X, architecture=architecture))


def test_features_come_in_the_documented_order_whatever_order_is_asked():
    architecture = Architecture(features=("sin(x2)", "x1", "x1^2"))
    assert architecture.features == ("x1", "x1^2", "sin(x2)")
    X = np.array([[0.5, -2.0], [3.0, 1.0]])
    np.testing.assert_array_equal(network.feature_matrix(X, architecture.features),
                                  [[0.5, 0.25, math.sin(-2.0)], [3.0, 9.0, math.sin(1.0)]])


def test_the_layout_of_theta():
    architecture = Architecture(features=("x1", "x2", "x1x2"), hidden=(4, 2))
    assert architecture.sizes == (3, 4, 2, 1)
    assert architecture.n_weights == 3 * 4 + 4 * 2 + 2 * 1
    assert architecture.n_params == architecture.n_weights + 4 + 2 + 1
    assert architecture.offsets() == ((0, 12), (16, 24), (26, 28))
    theta = np.arange(architecture.n_params, dtype=float)
    params = architecture.unflatten(theta)
    for (W, b), got_W, got_b in zip(layers(architecture, theta), params.weights, params.biases):
        np.testing.assert_array_equal(got_W, W)
        np.testing.assert_array_equal(got_b, b)
    np.testing.assert_array_equal(architecture.flatten(params), theta)
    assert theta[architecture.weight_index(1, 3, 1)] == params.weights[1][3, 1] == 16 + 3 * 2 + 1
    assert isinstance(params, Params)


INIT_CASES = [
    # (id, architecture, expected bound of each layer's weights)
    ("tanh: Glorot everywhere", Architecture(hidden=(8, 3), activation="tanh"),
     [math.sqrt(6 / (2 + 8)), math.sqrt(6 / (8 + 3)), math.sqrt(6 / (3 + 1))]),
    ("relu: He into the hidden units, Glorot into the logit", Architecture(hidden=(8, 3), activation="relu"),
     [math.sqrt(6 / 2), math.sqrt(6 / 8), math.sqrt(6 / (3 + 1))]),
    ("sigmoid, all features", Architecture(features=FEATURES, hidden=(5,), activation="sigmoid"),
     [math.sqrt(6 / (7 + 5)), math.sqrt(6 / (5 + 1))]),
    ("no hidden layer: Glorot into the logit", Architecture(hidden=()), [math.sqrt(6 / 3)]),
]


@pytest.mark.parametrize(("architecture", "bounds"), [c[1:] for c in INIT_CASES], ids=[c[0] for c in INIT_CASES])
def test_init_params_are_uniform_within_glorot_or_he_bounds_with_zero_biases(architecture, bounds):
    draws = [init_params(architecture, rng=np.random.default_rng(seed)) for seed in range(200)]
    for layer, bound in enumerate(bounds):
        weights = np.concatenate([layers(architecture, theta)[layer][0].ravel() for theta in draws])
        biases = np.concatenate([layers(architecture, theta)[layer][1] for theta in draws])
        assert np.abs(weights).max() <= bound
        # ≥ 400 draws fill U(±bound): P(every |w| < 0.98·bound) = 0.98^400 ≈ 3e-4
        assert np.abs(weights).max() >= 0.98 * bound
        # U(-c, c) has sd c/√3 (≥ 400 draws: relative standard error of the sd ≤ 2.3%; 15% is 6 of them)
        assert weights.std() == pytest.approx(bound / math.sqrt(3), rel=0.15)
        assert np.all(biases == 0)
    assert not np.array_equal(draws[0], draws[1])
