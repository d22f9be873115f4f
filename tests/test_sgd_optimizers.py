"""The SGD page's optimizer: logistic regression trained by core.optimizers' first-order methods on the very
mini-batches of the tutorial's SGD (logistic.train_optimizer), its budget, its divergence and its readouts.

The first two steps of every method are worked by hand from PyTorch's documented formulas (torch.optim: SGD with
momentum and nesterov, Adagrad, RMSprop, Adam, their defaults) on a three-point dataset; the numbers in the comments
come from those formulas, not from our code.
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest

from core import logistic
from core.budget import TRAINING
from core.errors import ParameterError
from core.optimizers import FIRST_ORDER
from core.presentation import sgd_readouts
from core.sgd_lab import OPTIMIZER_STEP_OVERHEAD, SgdSettings, history_csv, run_sgd, settings_json, step_cost

# Relative to max|β| along the path: the same batches and the same updates, arranged differently (train_sgd's fast
# paths use lr/(1 + e^q) for one point and (1 + tanh(m/2))/2 for a batch; train_optimizer σ(m) = 1/(1 + e^-m)), so
# the paths differ by rounding only (measured ~1e-15 over 300 steps).
PATH_RTOL = 1e-12
# Relative: a few roundings in each hand-worked formula and in each σ.
HAND_RTOL = 1e-12
OTHERS = FIRST_ORDER[1:]


def tutorial_data(n: int = 200, seed: int = 0) -> logistic.Dataset:
    return logistic.make_dataset(n, rng=np.random.default_rng(seed))


# --------------------------------------------------------------------------------- the same mini-batches as gd


CROSS_CASES = [  # (id, bias, batch_size, steps, record_every): 200 points
    ("B=1", False, 1, 300, 1),
    ("B=50 (4 batches an epoch)", False, 50, 300, 1),
    ("B=60 (remainder dropped)", True, 60, 100, 7),
    ("B=N (full batch)", False, 200, 300, 10),
    ("B=N, bias", True, 200, 50, 1),
]


@pytest.mark.parametrize(("bias", "batch_size", "steps", "record_every"), [c[1:] for c in CROSS_CASES],
                         ids=[c[0] for c in CROSS_CASES])
def test_gd_through_core_optimizers_is_the_tutorial_s_sgd(bias, batch_size, steps, record_every):
    """The independent cross-check that both paths draw the same batches: gd through core.optimizers, on the
    batches of logistic.batch_indices, follows train_sgd's path from the same seed."""
    data = tutorial_data()
    beta0 = np.array([-6.0, 7.0, 0.5]) if bias else np.array([-6.0, 7.0])
    run = dict(beta0=beta0, lr=1.5, steps=steps, batch_size=batch_size, record_every=record_every, bias=bias)
    fast = logistic.train_sgd(data.X, data.y, rng=np.random.default_rng(11), **run)
    through = logistic.train_optimizer(data.X, data.y, method="gd", rng=np.random.default_rng(11), **run)
    np.testing.assert_array_equal(through.steps, fast.steps)
    assert fast.steps[-1] == steps and through.diverged_at is fast.diverged_at is None
    np.testing.assert_allclose(through.betas, fast.betas, rtol=0, atol=PATH_RTOL * np.abs(fast.betas).max())
    np.testing.assert_allclose(through.losses, fast.losses, rtol=PATH_RTOL)
    assert np.abs(fast.betas[-1] - fast.betas[0]).max() > 1.0  # a real walk, not a standstill


@pytest.mark.parametrize("batch_size", [1, 8, 200], ids=["B=1", "B=8", "B=N"])
def test_batch_indices_are_the_documented_draws(batch_size):
    """batch_indices against the draws written out: B = 1 all up front, 1 < B < n one permutation per epoch cut into
    n // B rows (the remainder dropped), B = n every point at every step."""
    n, steps = 200, 60
    chunks = list(logistic.batch_indices(n, batch_size=batch_size, steps=steps, rng=np.random.default_rng(5)))
    rows = np.concatenate(chunks)
    assert rows.shape == (steps, batch_size)
    rng = np.random.default_rng(5)
    if batch_size == 1:
        expected = rng.integers(0, n, size=steps)[:, None]
    elif batch_size == n:
        expected = np.tile(np.arange(n), (steps, 1))
    else:  # 25 batches an epoch: 60 steps take three permutations (25 + 25 + 10)
        expected = np.concatenate([rng.permutation(n).reshape(25, 8) for _ in range(3)])[:steps]
        assert [len(chunk) for chunk in chunks] == [25, 25, 10]
    np.testing.assert_array_equal(rows, expected)


# A rate that suits each method on the tutorial's data from its random start (AdaGrad's steps shrink like lr/√t).
RATES = {"momentum": 0.1, "nesterov": 0.1, "adagrad": 1.0, "rmsprop": 0.1, "adam": 0.1}


@pytest.mark.parametrize("optimizer", OTHERS)
def test_every_optimizer_is_reproducible_and_trains_the_tutorial(optimizer):
    settings = SgdSettings(optimizer=optimizer, lr=RATES[optimizer], steps=500)
    first, again = run_sgd(settings), run_sgd(settings)
    np.testing.assert_array_equal(first.history.betas, again.history.betas)
    assert first.optimizer == optimizer and first.history.steps[-1] == 500 and first.caps == ()
    assert first.history.accuracies[-1] >= 0.95  # the tutorial's separable data
    plain = run_sgd(SgdSettings(lr=RATES[optimizer], steps=500)).history.betas
    np.testing.assert_array_equal(first.history.betas[0], plain[0])  # the same start, then another rule
    assert not np.array_equal(first.history.betas, plain)


# --------------------------------------------------------------------------------- two steps worked by hand

# Three points, no bias, full batch (B = N = 3), β0 = (0, 0):
#   x = (2, 0), y = 1;   x = (0, 1), y = 0;   x = (1, 2), y = 1.
# At β0 every σ(x·β) = 1/2, so g1 = (1/3) Σ x (σ − y) = (1/3) [(2, 0)(−1/2) + (0, 1)(1/2) + (1, 2)(−1/2)]
#                                                      = (1/3) (−3/2, −1/2) = (−1/2, −1/6).
X3 = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 2.0]])
Y3 = np.array([1, 0, 1])
G1 = (-1 / 2, -1 / 6)


def plain_gradient(beta: tuple[float, float]) -> tuple[float, float]:
    """(1/3) Σ x (σ(x·β) − y) over the three points, in plain Python floats with σ(z) = 1 / (1 + e^−z)."""
    total = [0.0, 0.0]
    for (x1, x2), label in zip(X3.tolist(), Y3.tolist()):
        error = 1 / (1 + math.exp(-(x1 * beta[0] + x2 * beta[1]))) - label
        total = [total[0] + x1 * error, total[1] + x2 * error]
    return total[0] / 3, total[1] / 3


def _gd(lr):
    # β1 = β0 − lr g1 = −2 (−1/2, −1/6) = (1, 1/3);  β2 = β1 − lr g2
    b1 = (1.0, 1 / 3)
    g2 = plain_gradient(b1)
    return b1, tuple(b - lr * g for b, g in zip(b1, g2))


def _momentum(lr, mu=0.9):
    # b1 = g1 (PyTorch's first buffer), β1 = −lr b1 = (1, 1/3);  b2 = μ b1 + g2, β2 = β1 − lr b2
    b1 = (1.0, 1 / 3)
    g2 = plain_gradient(b1)
    buffer = tuple(mu * g + h for g, h in zip(G1, g2))
    return b1, tuple(b - lr * v for b, v in zip(b1, buffer))


def _nesterov(lr, mu=0.9):
    # b1 = g1, β1 = −lr (g1 + μ b1) = −1.9 g1 = (0.95, 19/60);  b2 = μ b1 + g2, β2 = β1 − lr (g2 + μ b2)
    b1 = (0.95, 19 / 60)
    g2 = plain_gradient(b1)
    buffer = tuple(mu * g + h for g, h in zip(G1, g2))
    return b1, tuple(b - lr * (h + mu * v) for b, h, v in zip(b1, g2, buffer))


def _adagrad(lr, eps=1e-10):
    # s1 = g1² = (1/4, 1/36), √s1 = (1/2, 1/6);  β1 = −lr g1 / (√s1 + ε) = 0.5 (0.5/(0.5 + ε), (1/6)/(1/6 + ε))
    b1 = (0.5 * 0.5 / (0.5 + eps), 0.5 * (1 / 6) / (1 / 6 + eps))
    g2 = plain_gradient(b1)
    s2 = tuple(g * g + h * h for g, h in zip(G1, g2))  # s2 = s1 + g2²
    return b1, tuple(b - lr * h / (math.sqrt(s) + eps) for b, h, s in zip(b1, g2, s2))


def _rmsprop(lr, alpha=0.99, eps=1e-8):
    # v1 = (1 − α) g1² = 0.01 (1/4, 1/36), √v1 = (0.05, 1/60);  β1 = −lr g1 / (√v1 + ε) = 0.01 (0.5/(0.05 + ε),
    # (1/6)/(1/60 + ε)) ≈ (0.1, 0.1)
    b1 = (0.01 * 0.5 / (0.05 + eps), 0.01 * (1 / 6) / (1 / 60 + eps))
    g2 = plain_gradient(b1)
    v2 = tuple(alpha * (1 - alpha) * g * g + (1 - alpha) * h * h for g, h in zip(G1, g2))  # α v1 + (1 − α) g2²
    return b1, tuple(b - lr * h / (math.sqrt(v) + eps) for b, h, v in zip(b1, g2, v2))


def _adam(lr, beta1=0.9, beta2=0.999, eps=1e-8):
    # m1 = (1 − β1) g1, v1 = (1 − β2) g1²; m̂1 = m1/(1 − β1) = g1, v̂1 = v1/(1 − β2) = g1², so
    # β1 = −lr g1 / (|g1| + ε) = 0.1 (0.5/(0.5 + ε), (1/6)/(1/6 + ε)) ≈ (0.1, 0.1)
    b1 = (0.1 * 0.5 / (0.5 + eps), 0.1 * (1 / 6) / (1 / 6 + eps))
    g2 = plain_gradient(b1)
    m2 = tuple(beta1 * (1 - beta1) * g + (1 - beta1) * h for g, h in zip(G1, g2))  # β1 m1 + (1 − β1) g2
    v2 = tuple(beta2 * (1 - beta2) * g * g + (1 - beta2) * h * h for g, h in zip(G1, g2))  # β2 v1 + (1 − β2) g2²
    # bias correction at t = 2: m̂2 = m2 / (1 − 0.81), v̂2 = v2 / (1 − 0.998001)
    return b1, tuple(b - lr * (m / (1 - beta1**2)) / (math.sqrt(v / (1 - beta2**2)) + eps)
                     for b, m, v in zip(b1, m2, v2))


HAND = [  # (optimizer, lr, the hand-worked (β1, β2))
    ("gd", 2.0, _gd(2.0)),
    ("momentum", 2.0, _momentum(2.0)),
    ("nesterov", 1.0, _nesterov(1.0)),
    ("adagrad", 0.5, _adagrad(0.5)),
    ("rmsprop", 0.01, _rmsprop(0.01)),
    ("adam", 0.1, _adam(0.1)),
]


@pytest.mark.parametrize(("optimizer", "lr", "expected"), HAND, ids=[case[0] for case in HAND])
def test_first_two_steps_match_pytorch_s_formulas_worked_by_hand(optimizer, lr, expected):
    history = logistic.train_optimizer(X3, Y3, method=optimizer, beta0=np.zeros(2), lr=lr, steps=2, batch_size=3,
                                       rng=np.random.default_rng(0))
    assert history.steps.tolist() == [0, 1, 2] and history.diverged_at is None
    np.testing.assert_array_equal(history.betas[0], [0.0, 0.0])
    np.testing.assert_allclose(history.betas[1:], np.array(expected), rtol=HAND_RTOL)


def test_the_hand_worked_gradient_is_the_module_s():
    """g1 = (−1/2, −1/6) at β0 = 0, the start of every hand-worked case."""
    np.testing.assert_allclose(logistic.gradient(X3, Y3, np.zeros(2)), G1, rtol=1e-15)
    np.testing.assert_allclose(plain_gradient((0.0, 0.0)), G1, rtol=1e-15)


# ------------------------------------------------------------------------------------------------ divergence

# A far point (10³⁰³, 0) with label 0 is classified right at β0 = (−1, 0) (its σ is exactly 0, so the gradient is
# finite and small); the first step of any method at lr = 10⁶ turns β1 positive, and that point's margin x·β
# overflows: the loss is inf at step 1, with β1 finite.
FAR_X = np.array([[1e303, 0.0], [1.0, 0.0], [-1.0, 0.0]])
FAR_Y = np.array([0, 1, 0])


@pytest.mark.parametrize("optimizer", FIRST_ORDER)
def test_a_huge_learning_rate_diverges_and_is_named(optimizer):
    history = logistic.train_optimizer(FAR_X, FAR_Y, method=optimizer, beta0=np.array([-1.0, 0.0]), lr=1e6,
                                       steps=50, batch_size=3, rng=np.random.default_rng(0), record_every=10)
    assert history.diverged_at == 1 and history.steps.tolist() == [0, 1]
    assert np.isfinite(history.betas).all() and history.losses[-1] == math.inf
    assert logistic.diagnose(history) == "diverged at step 1: the loss is no longer finite"


@pytest.mark.parametrize(
    ("scale", "beta0", "diverged_at", "what"),
    [(1e303, (-1.0, 1.0), 1, "β is no longer finite"), (1e300, (-1.0, 1.0), 1, "the loss is no longer finite"),
     (1e306, (1e10, 0.0), 0, "the loss is no longer finite")],
    ids=["β overflows", "the loss overflows", "not finite at β0"],
)
def test_divergence_is_reported_at_the_step_the_gd_path_reports(scale, beta0, diverged_at, what):
    """History.diverged_at means the same on both paths: the first step whose β or loss is not finite."""
    data = tutorial_data(50)
    run = dict(beta0=np.array(beta0), lr=1e6, steps=300, batch_size=10, record_every=50)
    fast = logistic.train_sgd(data.X * scale, data.y, rng=np.random.default_rng(1), **run)
    through = logistic.train_optimizer(data.X * scale, data.y, method="gd", rng=np.random.default_rng(1), **run)
    message = f"diverged at step {diverged_at}: {what}"
    assert fast.diverged_at == through.diverged_at == diverged_at
    assert logistic.diagnose(fast) == logistic.diagnose(through) == message
    np.testing.assert_array_equal(through.steps, fast.steps)
    # the β that left the finite range is not kept by core.optimizers: it is recorded as nan
    assert np.isfinite(through.betas[-1]).all() == np.isfinite(fast.betas[-1]).all()


# ------------------------------------------------------------------------------------------------ validation


def test_an_unknown_optimizer_is_refused_with_the_choices():
    with pytest.raises(ParameterError, match=r"the optimizer must be one of gd \(GD\), momentum \(Momentum\), "
                                             r"nesterov \(Nesterov\), adagrad \(AdaGrad\), rmsprop \(RMSProp\), "
                                             r"adam \(Adam\); got 'sgd'") as caught:
        run_sgd(SgdSettings(optimizer="sgd"))
    assert caught.value.parameter == "optimizer"
    with pytest.raises(ValueError, match="method must be one of 'gd', 'momentum'"):
        logistic.train_optimizer(X3, Y3, method="newton", beta0=np.zeros(2), lr=1.0, steps=2,
                                 rng=np.random.default_rng(0))


def test_a_rate_beyond_core_optimizers_range_names_the_rate():
    with pytest.raises(ParameterError, match="Adam's learning rate must be at most 1e\\+06") as caught:
        run_sgd(SgdSettings(optimizer="adam", lr=1e7))
    assert caught.value.parameter == "lr"


# ---------------------------------------------------------------------------------------------------- budget


def test_a_step_through_core_optimizers_counts_its_overhead_at_every_batch():
    assert step_cost(1, optimizer="adam") == 1 + OPTIMIZER_STEP_OVERHEAD
    assert step_cost(100, optimizer="momentum") == 100 + OPTIMIZER_STEP_OVERHEAD
    assert step_cost(1) == 1  # the tutorial's one-point SGD keeps its fast path's cost


def test_a_capped_optimizer_run_says_so_beside_the_steps():
    study = run_sgd(SgdSettings(optimizer="adam", lr=0.1, steps=100_000))
    # 6·10⁶ // (1 + 750) = 7,989: 7,989 · 751 = 5,999,739 <= 6·10⁶ < 7,990 · 751 = 6,000,490
    assert TRAINING.limit == 6 * 10**6 and OPTIMIZER_STEP_OVERHEAD == 750
    assert study.history.steps[-1] == 7_989
    assert [cap.message for cap in study.caps if cap.control == "steps"] == [
        "At most 6·10⁶ gradient evaluations per run: T reduced from 100,000 to 7,989 at batch 1 (a step with Adam "
        "counts B + 750)."]


# --------------------------------------------------------------------------------------------- what is shown

RULES = [  # (optimizer, fragments of its rule with the numbers)
    ("gd", [r"\beta \leftarrow \beta - \alpha\, x_i", r"\alpha = 0.1"]),
    ("momentum", [r"b \leftarrow \mu\, b + g", r"\beta \leftarrow \beta - \alpha\, b", r"\alpha = 0.1",
                  r"\mu = 0.9"]),
    ("nesterov", [r"\beta \leftarrow \beta - \alpha\,(g + \mu\, b)", r"\mu = 0.9"]),
    ("adagrad", [r"s \leftarrow s + g^2", r"\varepsilon = 10^{-10}"]),
    ("rmsprop", [r"v \leftarrow \rho\, v + (1 - \rho)\, g^2", r"\rho = 0.99\ \text{(PyTorch's alpha)}",
                 r"\varepsilon = 10^{-8}"]),
    ("adam", [r"m \leftarrow \rho_1 m + (1 - \rho_1)\, g", r"v \leftarrow \rho_2 v + (1 - \rho_2)\, g^2",
              r"(\rho_1, \rho_2) = \left(0.9, 0.999\right)\ \text{(PyTorch's betas)}", r"\varepsilon = 10^{-8}",
              r"\text{Adam: } \alpha = 0.1"]),
]


@pytest.mark.parametrize(("optimizer", "fragments"), RULES, ids=[case[0] for case in RULES])
def test_the_update_rule_is_the_chosen_optimizer_s_with_its_numbers(optimizer, fragments):
    study = run_sgd(SgdSettings(optimizer=optimizer, lr=0.1, steps=50, n=500))
    rule = sgd_readouts(study, tolerance=1e-6).update_rule
    for fragment in fragments:
        assert fragment in rule
    assert (r"\begin{gathered}" in rule) == (optimizer != "gd")
    assert r"\beta_{50} = " in rule


def test_the_exports_carry_the_optimizer():
    settings = SgdSettings(optimizer="rmsprop", lr=0.01, steps=30, n=500)
    study = run_sgd(settings)
    assert json.loads(settings_json(settings))["optimizer"] == "rmsprop"
    rows = list(csv.reader(io.StringIO(history_csv(study))))
    assert rows[0] == ["step", "beta1", "beta2", "loss", "accuracy"] and len(rows) == 1 + 31
    np.testing.assert_allclose([float(v) for v in rows[-1][1:3]], study.final_beta)
