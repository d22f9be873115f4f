"""Logistic regression on 2-D data: datasets, a stable loss and gradient, the loss over a grid of β, and SGD.

The model of the tutorial (section C of the reference: P. Mangla, PyImageSearch 2025): for a point x = (x1, x2) with label y in {0, 1},

    z = x·β (+ b with a bias),   ŷ = σ(z) = 1 / (1 + e^(-z)),
    loss = mean over points of  -y log ŷ - (1 - y) log(1 - ŷ)  =  mean of  log(1 + e^z) - y z,
    gradient = mean of  x (σ(z) - y),   accuracy = mean of [ (z >= 0) == y ].

With a bias, β has three entries ``(β1, β2, b)``: the bias is **last**, so ``betas[:, :2]`` are always the weights
that the contour plots of the page show.

Everything is computed on the signed margin m = (1 - 2y) z, i.e. m = -z for y = 1 and m = z for y = 0:

    log(1 + e^z) - y z = softplus(m) = logaddexp(0, m),     x (σ(z) - y) = x̃ σ(m)  with  x̃ = (1 - 2y) x.

This is ``np.logaddexp(0, z) - y*z`` rearranged so that nothing cancels: for y = 1 and z = 30 the literal
formula computes (30 + 9.36e-14) - 30 and keeps one digit, softplus(-30) = 9.357623e-14 keeps them all. It is
finite for any finite margin (the tutorial's formula gives nan once |z| >= 37, where σ rounds to 0 or 1).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

__all__ = [
    "KINDS",
    "Dataset",
    "History",
    "accuracy",
    "diagnose",
    "gradient",
    "loss",
    "loss_grid",
    "make_dataset",
    "minibatch_gradients",
    "train_sgd",
]

KINDS: tuple[str, ...] = ("tutorial", "shifted", "blobs", "xor")
MAX_NOISE = 0.5  # flipping more than half of the labels only swaps the classes back

# "shifted": the tutorial's square moved by SHIFT, labelled by the tutorial's line moved with it (x1 - x2 >= 1):
# no line through the origin separates it, β = (1, -1) with bias -1 does.
SHIFT = (0.5, -0.5)
# "blobs": class 1 ~ N(BLOB_CENTRE, BLOB_SD² I), class 0 ~ N(-BLOB_CENTRE, BLOB_SD² I). The classes overlap
# (Bayes accuracy Φ(|BLOB_CENTRE| / BLOB_SD) ≈ 0.96), so the loss has a finite minimum, near
# β = 2 BLOB_CENTRE / BLOB_SD² = (6.25, -6.25), inside the tutorial's grid [-15, 15]².
BLOB_CENTRE = (0.5, -0.5)
BLOB_SD = 0.4

# loss_grid multiplies factors 1 + e^m and takes one log per CHUNK of samples: a chunk's product stays below
# e^LOG_MAX (< largest double, e^709.78) when chunk·(max|m| + log 2) <= LOG_MAX.
LOG_MAX = 700.0
# Samples per product group: Π_{t<G} (1 + u_t v_t) expands into 2**G positive terms u_S v_S, one matrix product of
# inner size 2**G per group (G = 4: 16 multiply-adds per cell per 4 samples; 3 and 5 measured slower).
GROUP = 4
# Cells whose error bound on the product path exceeds this relative error are recomputed directly (10x inside the
# 1e-12 that issue 6 asks for).
FAST_PATH_RTOL = 1e-13
# Doubles in one block of group products (4 MB, measured fastest of 0.25 to 16 MB: it stays in cache); also caps
# loss_grid's memory for large n or large grids.
BLOCK_DOUBLES = 1 << 19
# Cells per direct (fallback) evaluation block.
DIRECT_CELLS = 256
# The SGD loops check that β is finite every CHECK_EVERY steps (non-finite β stays non-finite: σ is bounded).
CHECK_EVERY = 256

# diagnose: judged on the second half of the recorded losses, with at least MIN_RECORDS records.
MIN_RECORDS = 6
# The loss "oscillates" when the second half's range exceeds OSCILLATION_RANGE times its median and the loss turns
# (changes direction) at least at TURN_FRACTION of the inner records of that half.
OSCILLATION_RANGE = 1.0
TURN_FRACTION = 0.5
# The loss "climbs" when the last recorded loss exceeds CLIMB_FACTOR times the run's lowest one and the loss at the
# start.
CLIMB_FACTOR = 2.0
# An accuracy "will not settle" when it moves by more than UNSETTLED_ACCURACY over the second half.
UNSETTLED_ACCURACY = 0.05

_EPS = float(np.finfo(np.float64).eps)
_TINY = float(np.nextafter(0.0, 1.0))  # margin threshold for y = 1: correct iff m <= 0 iff m < _TINY


@dataclass(frozen=True, eq=False)
class Dataset:
    """Points and labels for logistic regression.

    Attributes
    ----------
    X : ndarray, shape (n, 2), float64
        The points (x1, x2).
    y : ndarray, shape (n,), int64
        Labels 0 or 1.
    kind : str
        One of KINDS.
    noise : float
        Fraction of labels flipped after labelling (exactly ``round(noise * n)`` of them).
    """

    X: np.ndarray
    y: np.ndarray
    kind: str
    noise: float


@dataclass(frozen=True, eq=False)
class History:
    """The recorded path of a training run.

    Attributes
    ----------
    betas : ndarray, shape (k, 2), or (k, 3) with a bias (β1, β2, b)
        β at the recorded steps.
    steps : ndarray, shape (k,), int64
        The recorded steps: 0 (β0), every ``record_every`` steps, and the last step (``diverged_at`` if the run
        diverged).
    losses : ndarray, shape (k,)
        Mean binary cross-entropy over all points at each recorded β (inf or nan once the run diverged).
    accuracies : ndarray, shape (k,)
        Fraction of points with (z >= 0) == y at each recorded β (nan where β is nan).
    diverged_at : int or None
        The first step at which β or the loss is not finite; the history ends there. None if never.
    """

    betas: np.ndarray
    steps: np.ndarray
    losses: np.ndarray
    accuracies: np.ndarray
    diverged_at: int | None


# ----------------------------------------------------------------------------------------------- validation


def _check_int(value, name: str, low: int, high: int | None = None) -> int:
    ok = isinstance(value, Integral) and not isinstance(value, bool) and low <= value
    if not ok or (high is not None and value > high):
        where = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an integer {where}; got {value!r}")
    return int(value)


def _check_real(value, name: str, *, positive: bool = False) -> float:
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or (positive and value <= 0):
        raise ValueError(f"{name} must be a {'positive ' if positive else ''}finite number; got {value!r}")
    return float(value)


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)); got {type(rng).__name__}")
    return rng


def _check_data(X, y) -> tuple[np.ndarray, np.ndarray]:
    """X as float64 (n, 2) with finite values, y as int64 (n,) of 0/1 labels; ValueError naming X or y."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] < 1 or X.dtype.kind not in "iuf":
        raise ValueError(f"X must be a real array of shape (n, 2) with n >= 1; got shape {X.shape}, dtype {X.dtype}")
    X = X.astype(np.float64, copy=False)
    if not np.isfinite(X).all():
        raise ValueError("X must be finite; it contains inf or nan")
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape (n,) = ({len(X)},) to match X; got {y.shape}")
    if y.dtype.kind not in "biuf" or not ((y == 0) | (y == 1)).all():
        raise ValueError("y must contain only the labels 0 and 1")
    return X, y.astype(np.int64, copy=False)


def _check_beta(beta, name: str = "beta", *, bias: bool | None = None) -> np.ndarray:
    """beta as float64 (2,) or (3,) (bias last); with ``bias`` given, exactly (3,) or (2,)."""
    beta = np.asarray(beta, dtype=np.float64) if np.asarray(beta).dtype.kind in "biuf" else np.asarray(beta)
    sizes = (2, 3) if bias is None else ((3,) if bias else (2,))
    if beta.dtype.kind != "f" or beta.shape not in {(d,) for d in sizes}:
        wanted = " or ".join(f"({d},)" for d in sizes)
        raise ValueError(f"{name} must be real with shape {wanted} for (β1, β2[, bias]); got shape {beta.shape}")
    return beta


def _check_axis(values, name: str) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim != 1 or values.size == 0 or values.dtype.kind not in "iuf" or not np.isfinite(values).all():
        raise ValueError(f"{name} must be a non-empty 1-D array of finite numbers; got shape {values.shape}")
    return values.astype(np.float64, copy=False)


# ------------------------------------------------------------------------------------------------- datasets


def make_dataset(n: int, *, rng: np.random.Generator, kind: str = "tutorial", noise: float = 0.0) -> Dataset:
    """Draw n labelled points in the plane.

    Parameters
    ----------
    n : int
        Number of points, >= 1.
    rng : numpy.random.Generator
        Source of all randomness (points first, then the labels to flip).
    kind : {"tutorial", "shifted", "blobs", "xor"}
        ``tutorial``: x ~ U([-1, 1]²), y = 1 if x·(1, -1) >= 0 (separable through the origin).
        ``shifted``: x ~ U([-1, 1]²) + (0.5, -0.5), y = 1 if x1 - x2 >= 1 (needs a bias: β = (1, -1), b = -1).
        ``blobs``: y ~ Bernoulli(1/2), x ~ N(±(0.5, -0.5), 0.4² I) (+ for y = 1); the classes overlap.
        ``xor``: x ~ U([-1, 1]²), y = 1 if x1 x2 >= 0 (no line does better than chance).
    noise : float
        Fraction of labels flipped, in [0, 0.5]: exactly ``round(noise * n)`` distinct points change class.

    Returns
    -------
    Dataset
        X float64 of shape (n, 2), y int64 of shape (n,).
    """
    n = _check_int(n, "n", 1)
    _check_rng(rng)
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
    ok = isinstance(noise, Real) and not isinstance(noise, bool) and 0.0 <= noise <= MAX_NOISE
    if not ok:
        raise ValueError(f"noise must be a fraction in [0, {MAX_NOISE}]; got {noise!r}")
    X, y = _DRAWS[kind](n, rng)
    flip = rng.choice(n, size=round(noise * n), replace=False)
    y[flip] = 1 - y[flip]
    return Dataset(X, y, kind, float(noise))


def _tutorial(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    return X, (X[:, 0] - X[:, 1] >= 0).astype(np.int64)


def _shifted(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1.0, 1.0, size=(n, 2)) + np.array(SHIFT)
    return X, (X[:, 0] - X[:, 1] >= SHIFT[0] - SHIFT[1]).astype(np.int64)


def _blobs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, size=n)
    X = np.where(y[:, None] == 1, 1.0, -1.0) * np.array(BLOB_CENTRE) + BLOB_SD * rng.standard_normal((n, 2))
    return X, y.astype(np.int64)


def _xor(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    return X, (X[:, 0] * X[:, 1] >= 0).astype(np.int64)


_DRAWS = {"tutorial": _tutorial, "shifted": _shifted, "blobs": _blobs, "xor": _xor}


# ------------------------------------------------------------------------------------- loss, gradient, accuracy


def _signed_features(X: np.ndarray, y: np.ndarray, bias: bool) -> np.ndarray:
    """x̃ = (1 - 2y) x, with a last column (1 - 2y) for the bias: shape (n, 2) or (n, 3). Margins are x̃·β."""
    sign = (1 - 2 * y).astype(np.float64)[:, None]
    return sign * (np.hstack([X, np.ones((len(X), 1))]) if bias else X)


def _softplus_inplace(m: np.ndarray) -> np.ndarray:
    """Overwrite m with log(1 + e^m) (= np.logaddexp(0, m)) = max(m, 0) + log1p(e^-|m|) and return it.

    No overflow; inf and nan are kept. In place with one temporary: a third array of margins' size made the heap
    shrink and grow on every call (~100 page faults, 3x slower on the tutorial's run)."""
    positive = np.maximum(m, 0.0)
    m -= positive
    m -= positive  # m - 2 max(m, 0) = -|m|, exactly
    np.exp(m, out=m)
    np.log1p(m, out=m)
    m += positive
    return m


def _sigmoid(m: np.ndarray) -> np.ndarray:
    """σ(m) elementwise with full relative accuracy on both tails: 1/(1 + e^-m) for m >= 0, e^m/(1 + e^m) else."""
    e = np.exp(-np.abs(m))
    return np.where(m >= 0, 1.0, e) / (1.0 + e)


def _margins(features: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """Margins x̃·β: (n,) for one β (d,), (k, n) for betas (k, d). Non-finite β gives inf/nan margins."""
    with np.errstate(over="ignore", invalid="ignore"):
        return betas @ features.T


def _evaluate(features: np.ndarray, y: np.ndarray, betas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean loss and accuracy for each row of betas (k, d), from one (k, n) product of margins."""
    m = _margins(features, betas)
    # ties z = 0 predict class 1: correct iff m < 0 for y = 0 and m <= 0 (i.e. m < smallest subnormal) for y = 1
    accuracies = np.count_nonzero(m < np.where(y == 1, _TINY, 0.0), axis=1) / len(y)
    losses = _loss_sums(features, betas, m) / len(y)
    accuracies[np.isnan(losses)] = np.nan
    return losses, accuracies


def _loss_sums(features: np.ndarray, betas: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Σ_i softplus(m_ri) for each row of the margins m = betas @ features.T (k, n), overwriting m.

    As in ``loss_grid``, Σ_i softplus(m_i) = Σ_chunks log Π (1 + e^(m_i)): an exp, an add and a multiply per point
    and one log per chunk instead of a log1p per point. |m_ri| <= W_r = ‖β_r‖₁ max|x̃| bounds the chunk. Rows with
    W_r > LOG_MAX / GROUP, non-finite rows and rows where the error bound eps·(8 n / S + 16 + 2 W) exceeds
    FAST_PATH_RTOL (a loss near 0) are computed point by point as max(m, 0) + log1p(e^-|m|).
    """
    n = m.shape[1]
    with np.errstate(over="ignore", invalid="ignore"):
        reach = np.abs(betas).sum(axis=1) * np.abs(features).max()
    fast = reach <= LOG_MAX / GROUP - math.log(2.0)
    sums = np.full(len(m), np.nan)
    if fast.any():
        chunk = int(LOG_MAX // (reach[fast].max() + math.log(2.0)))
        sums[fast] = _log_products(m if fast.all() else m[fast], chunk)
    redo = ~(_EPS * (8 * n + (16 + 2 * reach) * sums) <= FAST_PATH_RTOL * sums)
    if redo.any():
        sums[redo] = _softplus_inplace(_margins(features, betas[redo])).sum(axis=1)
    return sums


def _log_products(m: np.ndarray, chunk: int) -> np.ndarray:
    """Σ_i log(1 + e^(m_ri)) per row of m (k, n) as logs of products of `chunk` factors; overwrites m."""
    np.exp(m, out=m)
    m += 1.0
    whole = m.shape[1] // chunk * chunk
    products = m[:, :whole].reshape(len(m), chunk, -1).prod(axis=1)
    return np.log(products).sum(axis=1) + np.log(m[:, whole:].prod(axis=1))


def loss(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> float:
    """Mean binary cross-entropy of the logistic model, computed stably.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Points.
    y : ndarray, shape (n,)
        Labels 0/1.
    beta : ndarray, shape (2,) or (3,)
        (β1, β2), or (β1, β2, b) with the bias last.

    Returns
    -------
    float
        (1/n) Σ_i [log(1 + e^(z_i)) - y_i z_i], z_i = x_i·β (+ b), evaluated as mean softplus((1 - 2y_i) z_i).
        Finite for any finite β (checked to |β| = 1e6); inf or nan only for a non-finite β.
    """
    X, y = _check_data(X, y)
    beta = _check_beta(beta)
    return float(_evaluate(_signed_features(X, y, len(beta) == 3), y, beta[None])[0][0])


def gradient(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Gradient of ``loss`` with respect to β.

    Parameters
    ----------
    X, y, beta
        As for ``loss``.

    Returns
    -------
    ndarray, shape of beta
        (1/n) Σ_i x_i (σ(z_i) - y_i) (with x_i extended by 1 for the bias), evaluated as (1/n) Σ x̃_i σ(m_i)
        with a sigmoid accurate on both tails.
    """
    X, y = _check_data(X, y)
    beta = _check_beta(beta)
    features = _signed_features(X, y, len(beta) == 3)
    return features.T @ _sigmoid(_margins(features, beta)) / len(y)


def accuracy(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> float:
    """Fraction of points classified correctly, predicting 1 where z = x·β (+ b) >= 0 (σ(z) >= 1/2).

    Parameters
    ----------
    X, y, beta
        As for ``loss``.

    Returns
    -------
    float
        (1/n) Σ_i [(z_i >= 0) == y_i]; nan if some z_i is nan.
    """
    X, y = _check_data(X, y)
    beta = _check_beta(beta)
    return float(_evaluate(_signed_features(X, y, len(beta) == 3), y, beta[None])[1][0])


# ----------------------------------------------------------------------------------------------- loss surface


def loss_grid(X: np.ndarray, y: np.ndarray, b1: np.ndarray, b2: np.ndarray, *, bias: float = 0.0) -> np.ndarray:
    """The loss at every β = (b1[j], b2[i]) of a grid, at a fixed bias.

    Parameters
    ----------
    X, y
        As for ``loss``.
    b1 : ndarray, shape (p,)
        Values of β1 (the horizontal axis of a contour plot).
    b2 : ndarray, shape (q,)
        Values of β2 (the vertical axis).
    bias : float
        The bias b held fixed (0 is the tutorial's model without a bias).

    Returns
    -------
    ndarray, shape (q, p)
        ``out[i, j] = loss(X, y, (b1[j], b2[i], bias))``: rows along b2, so ``go.Contour(x=b1, y=b2, z=out)``.

    Notes
    -----
    With margins m = a_ij + c_ik, a_ij = x̃1_i b1[j], c_ik = x̃2_i b2[k] + (1 - 2y_i) b, separability gives
    1 + e^m = 1 + u_ij v_ik (u = e^a, v = e^c), so no transcendental is needed per (point, cell). For a group of
    G = 4 points, Π_t (1 + u_t v_t) = Σ_{S ⊆ group} (Π_{t∈S} u_t)(Π_{t∈S} v_t) is one matrix product of inner size
    16 for the whole grid, with only positive terms (no cancellation). Groups are multiplied up to CHUNK points
    (product < e^700) and one log is taken per chunk and cell: Σ_i softplus(m_i) = Σ_chunks log Π (1 + e^m).

    The product path is accurate to eps·(8 n / S + 16 + 2 W) relative, S the cell's sum of losses and W the largest
    |m| there; cells where this bound exceeds FAST_PATH_RTOL (a loss near 0, where 1 + e^m loses e^m) and grids with
    |m| > ~170 (a product group could overflow) are computed directly as mean softplus(m).
    """
    X, y = _check_data(X, y)
    b1, b2 = _check_axis(b1, "b1"), _check_axis(b2, "b2")
    bias = _check_real(bias, "bias")
    features = _signed_features(X, y, True)
    # bound on |m| per cell (q, p), and over the whole grid
    reach = (np.abs(b2)[:, None] * np.abs(X[:, 1]).max() + np.abs(b1) * np.abs(X[:, 0]).max()) + abs(bias)
    chunk = int(LOG_MAX // (float(reach.max()) + math.log(2.0)))
    sums = _log_product_sums(features, b1, b2, bias, chunk) if chunk >= GROUP else np.full(reach.shape, np.nan)
    # ~(bound <= tolerance) also flags nan sums
    redo = ~(_EPS * (8 * len(y) + (16 + 2 * reach) * sums) <= FAST_PATH_RTOL * sums)
    if redo.any():
        rows, cols = np.nonzero(redo)
        sums[rows, cols] = _direct_sums(features, np.stack([b1[cols], b2[rows], np.full(len(rows), bias)], axis=1))
    return sums / len(y)


def _log_product_sums(features: np.ndarray, b1: np.ndarray, b2: np.ndarray, bias: float, chunk: int) -> np.ndarray:
    """Σ_i log(1 + e^(x̃_i·β)) for every β = (b1[j], b2[k], bias), shape (q, p), block by block of points.

    In a block, point t·groups + g is member t of group g, and group r·chunks + h belongs to chunk h."""
    n, p, q, per_chunk = len(features), len(b1), len(b2), chunk // GROUP
    blocks = -(-n * p * q // (GROUP * BLOCK_DOUBLES))
    chunks = -(-n // (blocks * per_chunk * GROUP))
    groups = chunks * per_chunk
    u, v = np.empty((GROUP * groups, p)), np.empty((GROUP * groups, q))
    right, left = np.empty((2**GROUP, groups, p)), np.empty((2**GROUP, groups, q))
    products = np.empty((groups, q, p))
    total = np.zeros((q, p))
    for start in range(0, n, GROUP * groups):
        x = features[start : start + GROUP * groups]
        _exp_outer(x[:, 0], b1, 0.0, u)
        _exp_outer(x[:, 1], b2, bias * x[:, 2], v)
        _subset_products(u.reshape(GROUP, groups, p), right)
        _subset_products(v.reshape(GROUP, groups, q), left)
        np.matmul(left.transpose(1, 2, 0), right.transpose(1, 0, 2), out=products)
        per_chunk_products = products.reshape(per_chunk, chunks, q, p)
        for r in range(1, per_chunk):
            per_chunk_products[0] *= per_chunk_products[r]
        total += np.log(per_chunk_products[0]).sum(axis=0)
    return total


def _exp_outer(x: np.ndarray, axis: np.ndarray, shift: float | np.ndarray, out: np.ndarray) -> None:
    """out[i, j] = e^(x_i axis_j + shift_i) for the len(x) first rows, 0 below (padding points: a factor 1)."""
    k = len(x)
    np.multiply.outer(x, axis, out=out[:k])
    if np.any(shift):
        out[:k] += np.broadcast_to(shift, (k,))[:, None]
    np.exp(out[:k], out=out[:k])
    out[k:] = 0.0


def _subset_products(factors: np.ndarray, out: np.ndarray) -> None:
    """All subset products of G factor arrays (G, ...) into out (2**G, ...): row S = Π_{t in bits of S} factors[t]."""
    out[0] = 1.0
    for t, factor in enumerate(factors):
        np.multiply(out[: 2**t], factor, out=out[2**t : 2 ** (t + 1)])


def _direct_sums(features: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """Σ_i softplus(x̃_i·β) for each row of betas (k, d), DIRECT_CELLS rows at a time."""
    return np.concatenate(
        [_softplus_inplace(_margins(features, betas[s : s + DIRECT_CELLS])).sum(axis=1) for s in range(0, len(betas), DIRECT_CELLS)]
    )


# ------------------------------------------------------------------------------------------------------- SGD


def train_sgd(
    X: np.ndarray,
    y: np.ndarray,
    *,
    beta0: np.ndarray,
    lr: float,
    steps: int,
    batch_size: int = 1,
    rng: np.random.Generator,
    record_every: int = 1,
    bias: bool = False,
) -> History:
    """Stochastic gradient descent on the logistic loss, recording the path.

    Each step: β ← β - lr · (1/B) Σ_{i in batch} x_i (σ(x_i·β) - y_i) (x_i extended by 1 with a bias).

    Parameters
    ----------
    X, y
        As for ``loss``.
    beta0 : ndarray, shape (2,), or (3,) with bias=True (bias last)
        The starting β, finite.
    lr : float
        Learning rate α > 0.
    steps : int
        Number of updates T >= 1.
    batch_size : int
        B in [1, n]. B = 1 is the tutorial's SGD: one index per step, all drawn up front with
        ``rng.integers(0, n, size=steps)`` (like its ``np.random.randint``, with replacement). 1 < B < n: each epoch
        is one ``rng.permutation(n)`` cut into n // B batches (the remainder is dropped). B = n is full-batch gradient
        descent (every point at every step; rng unused).
    rng : numpy.random.Generator
        Source of the sampling.
    record_every : int
        Record β, the loss and the accuracy at step 0, every ``record_every`` steps, and at the last step.
    bias : bool
        Fit z = x·β + b.

    Returns
    -------
    History
        ``betas`` (k, 2) or (k, 3), ``steps``, ``losses``, ``accuracies`` (k,), ``diverged_at``.

    Notes
    -----
    Losses and accuracies are computed only at the recorded steps, in one (k, n) product. Inside the loop σ(m) is
    evaluated as (1 + tanh(m/2)) / 2: bounded, overflow-free, with an absolute error ~1e-16, which is what an update
    needs. Training stops at the first step where β or the loss is not finite (the history ends there): nothing is
    clipped.
    """
    X, y = _check_data(X, y)
    n = len(y)
    beta0 = _check_beta(beta0, "beta0", bias=bool(bias))
    if not np.isfinite(beta0).all():
        raise ValueError(f"beta0 must be finite; got {beta0.tolist()}")
    lr = _check_real(lr, "lr", positive=True)
    steps = _check_int(steps, "steps", 1)
    batch_size = _check_int(batch_size, "batch_size", 1, n)
    record_every = _check_int(record_every, "record_every", 1)
    _check_rng(rng)
    features = _signed_features(X, y, bool(bias))
    if batch_size == 1:
        path = _sgd_per_sample(features, beta0, lr, steps, rng)
    else:
        path = _sgd_batched(features, beta0, lr, steps, batch_size, rng)
    diverged_at = _first_divergence(features, y, path)
    last = len(path) - 1 if diverged_at is None else diverged_at
    recorded = np.arange(0, last + record_every, record_every)
    recorded[-1] = last
    losses, accuracies = _evaluate(features, y, path[recorded])
    return History(path[recorded], recorded, losses, accuracies, diverged_at)


def _sgd_per_sample(features: np.ndarray, beta0: np.ndarray, lr: float, steps: int, rng) -> np.ndarray:
    """β after each step, shape (steps + 1, d), of one-point SGD in Python floats (~0.2 µs a step); stops within
    CHECK_EVERY steps of a non-finite β.

    The loop keeps only g_t = lr σ(m_t); the path is then β0 - cumsum(g_t x̃_t), which repeats the loop's
    subtractions b - g u one by one (cumsum accumulates sequentially), so it is the loop's β bit for bit."""
    rows = features[rng.integers(0, len(features), size=steps)]
    columns = rows.T.tolist()
    beta, rates = beta0.tolist(), []
    run = _run_2 if len(beta) == 2 else _run_3
    for start in range(0, steps, CHECK_EVERY):
        beta = run([column[start : start + CHECK_EVERY] for column in columns], beta, lr, rates)
        if not all(map(math.isfinite, beta)):
            break
    steps_done = np.fromiter(rates, np.float64, len(rates))[:, None] * rows[: len(rates)]
    return np.cumsum(np.concatenate([beta0[None], -steps_done]), axis=0)


# In the loops below, lr σ(m) = lr / (1 + e^-m), exact to rounding for m > -700 (e^-m < e^700 does not overflow);
# below, σ(m) = e^m to double precision. A nan margin takes the second branch and stays nan.


def _run_2(columns: list[list[float]], beta: list[float], lr: float, rates: list[float]) -> list[float]:
    """Steps β ← β - g x̃, g = lr σ(x̃·β), over the points in columns; appends each g to rates; returns β."""
    exp, append = math.exp, rates.append
    b1, b2 = beta
    for u1, u2 in zip(*columns):
        m = u1 * b1 + u2 * b2
        g = lr / (1.0 + exp(-m)) if m > -700.0 else lr * exp(m)
        b1 -= g * u1
        b2 -= g * u2
        append(g)
    return [b1, b2]


def _run_3(columns: list[list[float]], beta: list[float], lr: float, rates: list[float]) -> list[float]:
    """``_run_2`` with a bias (the third column is the sign 1 - 2y)."""
    exp, append = math.exp, rates.append
    b1, b2, b3 = beta
    for u1, u2, u3 in zip(*columns):
        m = u1 * b1 + u2 * b2 + u3 * b3
        g = lr / (1.0 + exp(-m)) if m > -700.0 else lr * exp(m)
        b1 -= g * u1
        b2 -= g * u2
        b3 -= g * u3
        append(g)
    return [b1, b2, b3]


def _sgd_batched(features: np.ndarray, beta0: np.ndarray, lr: float, steps: int, batch_size: int, rng) -> np.ndarray:
    """β after each step (steps + 1, d) of mini-batch SGD: four NumPy calls per step."""
    path = np.empty((steps + 1, len(beta0)))
    path[0] = beta0
    signal = np.ones(batch_size + 1)  # (tanh(m/2) per point, 1): its product with `backward` is the update
    half_margins = signal[:-1]
    t = 0
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run produces inf/nan; it is detected below
        for forward, backward in _batches(features, batch_size, steps, rng, -0.5 * lr / batch_size):
            np.dot(forward, path[t], out=half_margins)
            np.tanh(half_margins, out=half_margins)
            np.add(path[t], signal @ backward, out=path[t + 1])
            t += 1
            if t % CHECK_EVERY == 0 and not np.isfinite(path[t]).all():
                break
    return path[: t + 1]


def _batches(features: np.ndarray, batch_size: int, steps: int, rng, scale: float):
    """Per step: forward = x̃/2 (B, d) and backward = scale·[x̃; Σ x̃] (B + 1, d) of that step's batch, so that
    [tanh(x̃·β/2), 1] @ backward = -lr (1/B) Σ x̃ σ(x̃·β) when scale = -lr/(2B)."""
    n = len(features)
    if batch_size == n:
        yield from itertools.repeat(next(zip(*_batch_arrays(features[None], scale))), steps)
        return
    per_epoch = n // batch_size
    for start in range(0, steps, per_epoch):
        count = min(per_epoch, steps - start)
        order = rng.permutation(n)[: count * batch_size].reshape(count, batch_size)
        yield from zip(*_batch_arrays(np.take(features, order, axis=0), scale))


def _batch_arrays(batches: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(k, B, d) batches -> forward (k, B, d) = batches/2 and backward (k, B + 1, d) = scale·[batch; column sums]."""
    k, size, d = batches.shape
    backward = np.empty((k, size + 1, d))
    backward[:, :size] = batches
    backward[:, size] = batches.sum(axis=1)
    backward *= scale
    return 0.5 * batches, backward


def _first_divergence(features: np.ndarray, y: np.ndarray, path: np.ndarray) -> int | None:
    """First step where β or the loss is not finite, or None.

    loss(β) <= max_i |x̃_i·β| + log 2 <= K ‖β‖₁ + log 2 with K = max |x̃_ij|, so the loss is certainly finite while
    K ‖β‖₁ < (largest double)/(2n); only steps past that bound are evaluated exactly.
    """
    limit = np.finfo(np.float64).max / (2 * len(y))
    scale = float(np.abs(features).max())
    with np.errstate(over="ignore", invalid="ignore"):
        if scale * float(np.abs(path).max()) * path.shape[1] < limit:  # every β and every loss finite
            return None
        finite = np.isfinite(path).all(axis=1)
        first = int(np.argmin(finite)) if not finite.all() else len(path)
        suspects = np.flatnonzero(scale * np.abs(path[:first]).sum(axis=1) >= limit)
    if suspects.size:
        bad = suspects[~np.isfinite(_evaluate(features, y, path[suspects])[0])]
        first = min(first, int(bad[0])) if bad.size else first
    return first if first < len(path) else None



# ---------------------------------------------------------------------------------------------- diagnostics


def diagnose(history: History) -> str | None:
    """Name, in plain words, what went wrong in a run, or None if nothing did.

    Parameters
    ----------
    history : History
        A result of ``train_sgd``.

    Returns
    -------
    str or None
        ``"diverged at step 37: β is no longer finite"`` (or "the loss is no longer finite"); otherwise, judged on
        the second half of the records (at least MIN_RECORDS records): "the loss climbs ..." or "the loss oscillates
        ...", each ending "the learning rate is too high". On bounded data the gradient is bounded (by max ‖x‖), so
        a too-high rate does not blow up: β jumps too far each step, and the loss oscillates or climbs while the
        accuracy will not settle. None when none of this is seen (or there are too few records to tell).
    """
    if history.diverged_at is not None:
        what = "β is no longer finite" if not np.isfinite(history.betas[-1]).all() else "the loss is no longer finite"
        return f"diverged at step {history.diverged_at}: {what}"
    losses, accuracies = history.losses, history.accuracies
    if len(losses) < MIN_RECORDS:
        return None
    tail, tail_accuracy = losses[len(losses) // 2 :], accuracies[len(losses) // 2 :]
    accuracy_range = f"accuracy between {tail_accuracy.min():.2f} and {tail_accuracy.max():.2f}"
    if losses[-1] > CLIMB_FACTOR * losses.min() and losses[-1] > losses[0]:
        return (
            f"the loss climbs (from {losses[0]:.3g} at the start to {losses[-1]:.3g}, {accuracy_range}): "
            "the learning rate is too high"
        )
    turns = np.count_nonzero(np.diff(np.sign(np.diff(tail))) != 0)
    spread = (tail.max() - tail.min()) / np.median(tail)
    unsettled = tail_accuracy.max() - tail_accuracy.min() > UNSETTLED_ACCURACY
    if spread > OSCILLATION_RANGE and turns >= TURN_FRACTION * (len(tail) - 2) and unsettled:
        return (
            f"the loss oscillates (between {tail.min():.3g} and {tail.max():.3g} over the last "
            f"{len(tail)} records, {accuracy_range}): the learning rate is too high"
        )
    return None


# ------------------------------------------------------------------------------------------ mini-batch spread


def minibatch_gradients(
    X: np.ndarray, y: np.ndarray, beta: np.ndarray, *, batch_size: int, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Gradients of the loss on random mini-batches, to show their spread around the full gradient.

    Parameters
    ----------
    X, y, beta
        As for ``loss`` (beta (3,) includes the bias).
    batch_size : int
        B in [1, n]: each batch is B distinct points, ``rng.choice(n, B, replace=False)`` (as one batch of
        ``train_sgd``; B = n gives the full gradient every time).
    draws : int
        Number of batches, >= 1.
    rng : numpy.random.Generator
        Source of the batches.

    Returns
    -------
    ndarray, shape (draws, len(beta))
        Row r: (1/B) Σ_{i in batch r} x_i (σ(z_i) - y_i). Their mean is the full gradient; their covariance is
        the per-point covariance times (n - B) / (B (n - 1)).
    """
    X, y = _check_data(X, y)
    beta = _check_beta(beta)
    batch_size = _check_int(batch_size, "batch_size", 1, len(y))
    draws = _check_int(draws, "draws", 1)
    _check_rng(rng)
    features = _signed_features(X, y, len(beta) == 3)
    batches = features[np.stack([rng.choice(len(y), size=batch_size, replace=False) for _ in range(draws)])]
    with np.errstate(over="ignore", invalid="ignore"):  # a non-finite β gives inf/nan margins, reported as such
        weights = _sigmoid(batches @ beta)  # (draws, B)
    return np.einsum("rb,rbd->rd", weights, batches) / batch_size
