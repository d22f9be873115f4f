"""Benchmark: core.logistic against the tutorial's code and scikit-learn (run on demand, prints figures).

    python3 dev.py bench tests/benchmarks/bench_logistic.py

Targets (issue 6), each timed in this run:
- loss_grid on the tutorial's 60x60 grid with N = 2000 at least 10x faster than the tutorial's double list
  comprehension over a naive per-β loss;
- train_sgd with the tutorial's settings (per-sample, α = 2, T = 500, β0 ~ U(-10, 10)², path every 50 steps) at
  least 10x faster than the tutorial's Python loop, on the same trajectory for the same draws;
- one epoch on N = 1,000,000 with batch 256 in at most 0.7x the time of scikit-learn's SGDClassifier (log loss,
  constant rate, one pass, no intercept, no penalty).
Each figure is the best of several warm repeats, in rounds alternating between the two contenders.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from core.logistic import loss_grid, make_dataset, train_sgd  # noqa: E402

N = 2000
GRID = np.arange(-15.0, 15.0, 0.5)  # 60 values: the tutorial's β ∈ [-15, 15] with step 0.5
LR, T, RECORD_EVERY = 2.0, 500, 50
BIG_N, BIG_BATCH, BIG_LR = 1_000_000, 256, 0.5
GRID_TARGET = SGD_TARGET = 10.0
EPOCH_TARGET = 0.7
GRID_RTOL = 1e-12  # issue 6: loss_grid equals the per-cell loss to 1e-12 relative
PATH_RTOL = 1e-9  # same draws, same updates: only the sigmoid's rounding differs (the tutorial's 1 - σ cancels)
GRID_REPEATS, SGD_REPEATS, EPOCH_REPEATS = 2, 30, 2
ROUNDS = 4


# ------------------------------------------------------------------------------------------ the tutorial's code


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def compute_loss(X, y, beta):
    y_hat = sigmoid(X @ beta)
    return -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))


def tutorial_grid(X, y, b1, b2):
    B1, B2 = np.meshgrid(b1, b2)
    return np.array(
        [
            [compute_loss(X, y, np.array([u, v])) for u, v in zip(r1, r2, strict=True)]
            for r1, r2 in zip(B1, B2, strict=True)
        ]
    )


def direct_grid(X, y, b1, b2):
    """The per-cell loss with np.logaddexp (the stable formula of issue 6), the accuracy reference for loss_grid."""
    return np.array([[np.mean(np.logaddexp(0, X @ [u, v]) - y * (X @ [u, v])) for u in b1] for v in b2])


def compute_gradient(x, y, beta):
    """Gradient of one point's loss: x (σ(x·β) - y)."""
    return x * (sigmoid(x @ beta) - y)


def tutorial_sgd(X, y, beta, lr, steps, every, randint=np.random.randint):
    """The tutorial's loop: one random point per step, β ← β - α gradient, the path every `every` steps and at the
    last; the final loss and accuracy. `randint` is np.random.randint, or a replay of given draws."""
    path = [beta.copy()]
    for t in range(steps):
        i = randint(0, len(X))
        beta = beta - lr * compute_gradient(X[i], y[i], beta)
        if (t + 1) % every == 0 or t == steps - 1:
            path.append(beta.copy())
    accuracy = np.mean((sigmoid(X @ beta) >= 0.5) == y)
    return np.array(path), compute_loss(X, y, beta), accuracy


# --------------------------------------------------------------------------------------------------- helpers


def best_of(reference, candidate, repeats, rounds=ROUNDS):
    """Best seconds of each, and their last results: `rounds` rounds of `repeats` calls of one then the other, so
    that both are timed warm (as timeit does) and both see the machine's load over the whole run."""
    times = {reference: [], candidate: []}
    results = {}
    for _ in range(rounds):
        for fn in (reference, candidate):
            for _ in range(repeats):
                start = time.perf_counter()
                results[fn] = fn()
                times[fn].append(time.perf_counter() - start)
    return min(times[reference]), min(times[candidate]), results[reference], results[candidate]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# ------------------------------------------------------------------------------------------------- the runs


def bench_grid() -> None:
    data = make_dataset(N, rng=np.random.default_rng(0))
    slow, fast, _, got = best_of(
        lambda: tutorial_grid(data.X, data.y, GRID, GRID), lambda: loss_grid(data.X, data.y, GRID, GRID), GRID_REPEATS
    )
    error = float(np.max(np.abs(got / direct_grid(data.X, data.y, GRID, GRID) - 1)))
    print(
        f"loss_grid 60x60, N={N}: tutorial list comprehension {slow * 1e3:.1f} ms, loss_grid {fast * 1e3:.2f} ms, "
        f"speed-up {slow / fast:.1f}x (target >= {GRID_TARGET:.0f}x: {verdict(slow / fast >= GRID_TARGET)}); "
        f"max relative difference {error:.1e} (<= {GRID_RTOL:.0e}: {verdict(error <= GRID_RTOL)})"
    )


def bench_sgd() -> None:
    data = make_dataset(N, rng=np.random.default_rng(0))
    beta0 = np.random.default_rng(1).uniform(-10, 10, 2)
    # the random streams are seeded once, outside the timed runs: each run draws its own points from them
    np.random.seed(2)
    rng = np.random.default_rng(2)

    def tutorial():
        return tutorial_sgd(data.X, data.y, beta0, LR, T, RECORD_EVERY)

    def ours():
        return train_sgd(data.X, data.y, beta0=beta0, lr=LR, steps=T, rng=rng, record_every=RECORD_EVERY)

    slow, fast, _, _ = best_of(tutorial, ours, SGD_REPEATS)
    # same draws: train_sgd draws rng.integers(0, n, size=steps) up front; replay them in the tutorial's loop
    history = train_sgd(
        data.X, data.y, beta0=beta0, lr=LR, steps=T, rng=np.random.default_rng(2), record_every=RECORD_EVERY
    )
    draws = iter(np.random.default_rng(2).integers(0, N, size=T).tolist())
    path, final_loss, final_accuracy = tutorial_sgd(
        data.X, data.y, beta0, LR, T, RECORD_EVERY, lambda low, high: next(draws)
    )
    error = float(np.max(np.abs(history.betas - path)) / np.max(np.abs(path)))
    print(
        f"train_sgd per-sample, T={T}, N={N}: tutorial loop {slow * 1e3:.2f} ms, train_sgd {fast * 1e3:.3f} ms, "
        f"speed-up {slow / fast:.1f}x (target >= {SGD_TARGET:.0f}x: {verdict(slow / fast >= SGD_TARGET)})"
    )
    print(
        f"  same draws: path relative difference {error:.1e} ({verdict(error <= PATH_RTOL)}); "
        f"final loss {history.losses[-1]:.6f} vs {final_loss:.6f}, "
        f"accuracy {history.accuracies[-1]:.3f} vs {final_accuracy:.3f}"
    )


def bench_epoch() -> None:
    from sklearn import __version__ as sklearn_version
    from sklearn.linear_model import SGDClassifier

    data = make_dataset(BIG_N, rng=np.random.default_rng(3))
    beta0 = np.zeros(2)
    steps = BIG_N // BIG_BATCH

    def ours():
        return train_sgd(
            data.X,
            data.y,
            beta0=beta0,
            lr=BIG_LR,
            steps=steps,
            batch_size=BIG_BATCH,
            rng=np.random.default_rng(4),
            record_every=steps,
        )

    def sklearn(shuffle: bool):
        model = SGDClassifier(
            loss="log_loss",
            learning_rate="constant",
            eta0=BIG_LR,
            max_iter=1,
            tol=None,
            shuffle=shuffle,
            fit_intercept=False,
            alpha=0.0,
            random_state=4,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter=1 is the point of the comparison
            return model.fit(data.X, data.y)

    for shuffle in (True, False):
        theirs, mine, model, history = best_of(lambda shuffle=shuffle: sklearn(shuffle), ours, EPOCH_REPEATS)
        label = "shuffled each epoch, as train_sgd" if shuffle else "in data order (no shuffle: a stricter bar)"
        print(
            f"one epoch N={BIG_N:,}, batch {BIG_BATCH}: train_sgd {mine * 1e3:.1f} ms, scikit-learn "
            f"{sklearn_version} SGDClassifier {label} {theirs * 1e3:.1f} ms, ratio {mine / theirs:.2f} "
            f"(target <= {EPOCH_TARGET}: {verdict(mine / theirs <= EPOCH_TARGET)}); accuracy "
            f"{history.accuracies[-1]:.3f} vs {model.score(data.X, data.y):.3f}"
        )


def main() -> None:
    bench_grid()
    bench_sgd()
    bench_epoch()


if __name__ == "__main__":
    main()
