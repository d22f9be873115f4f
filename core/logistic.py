"""Logistic regression on 2-D data: datasets, a stable loss and gradient, the loss over a grid of β, and SGD.

The tutorial's model (P. Mangla, PyImageSearch 2025; section C of the reference): a point x = (x1, x2), y in {0, 1},

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

import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice, repeat
from numbers import Integral, Real

import numpy as np

from core import optimizers

__all__ = [
    "KINDS",
    "Dataset",
    "History",
    "accuracy",
    "batch_indices",
    "diagnose",
    "gradient",
    "loss",
    "loss_grid",
    "make_dataset",
    "minibatch_gradients",
    "train_optimizer",
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

# Sums of log(1 + e^m) are taken as logs of products of factors 1 + e^m, one log per chunk of points: a chunk's
# product stays below e^LOG_MAX (< largest double, e^709.78) when chunk·(max|m| + log 2) <= LOG_MAX.
LOG_MAX = 700.0
# Samples per product group: Π_{t<G} (1 + u_t v_t) expands into 2**G positive terms u_S v_S, one matrix product of
# inner size 2**G per group (G = 4: 16 multiply-adds per cell per 4 samples; 3 and 5 measured slower).
GROUP = 4
# Cells (or recorded β) whose error bound on the product path exceeds this relative error are summed point by point
# (10x inside the 1e-12 that issue 6 asks of loss_grid).
FAST_PATH_RTOL = 1e-13
# Doubles in one block of group products (4 MB, measured fastest of 0.25 to 16 MB: it stays in cache); also caps
# loss_grid's memory for large n or large grids.
BLOCK_DOUBLES = 1 << 19
# Margins per block when loss_grid sums losses point by point (512 kB: in cache), and β per block of divergence
# suspects.
DIRECT_DOUBLES = 1 << 16
DIRECT_CELLS = 256
# The SGD loops check β at least every CHECK_EVERY steps (a non-finite β stays non-finite: σ is bounded), so that a
# diverged run stops soon after it diverges.
CHECK_EVERY = 256

# diagnose: judged on the second half of the recorded losses, with at least MIN_RECORDS records.
MIN_RECORDS = 6
# The loss "oscillates" when, over the second half, it jumps up by more than JUMP times its median at least
# MIN_JUMPS times while the accuracy will not settle.
JUMP = 1.0
MIN_JUMPS = 2
# The loss "climbs" when the last recorded loss exceeds CLIMB_FACTOR times the run's lowest one and the loss at the
# start.
CLIMB_FACTOR = 2.0
# An accuracy "will not settle" when it moves by more than UNSETTLED_ACCURACY over the second half.
UNSETTLED_ACCURACY = 0.05
# It also "oscillates" when it turns at every record over at least ZIGZAG_RECORDS records (a random sequence of 12
# does so with probability 2·E_12/12! < 1%), by more than ZIGZAG_AMPLITUDE of its median (not round-off flicker):
# full-batch descent overshooting the minimum one way, then the other.
ZIGZAG_RECORDS = 12
ZIGZAG_AMPLITUDE = 0.01

_EPS = float(np.finfo(np.float64).eps)
_HUGE = float(np.finfo(np.float64).max)
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


def _read_only(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The arrays of a result, frozen like it (st.cache_data hands the same object to every rerun)."""
    for array in arrays:
        array.setflags(write=False)
    return arrays


# ----------------------------------------------------------------------------------------------- validation


def _check_int(value, name: str, low: int, high: int | None = None) -> int:
    ok = isinstance(value, (int, Integral)) and not isinstance(value, bool) and low <= value
    if not ok or (high is not None and value > high):
        where = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an integer {where}; got {value!r}")
    return int(value)


def _check_real(value, name: str, *, positive: bool = False) -> float:
    ok = isinstance(value, (float, int, Real)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or (positive and value <= 0):
        raise ValueError(f"{name} must be a {'positive ' if positive else ''}finite number; got {value!r}")
    return float(value)


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)); got {type(rng).__name__}"
        )
    return rng


def _check_beta(beta, name: str = "beta", *, bias: bool | None = None) -> np.ndarray:
    """beta as float64 (2,) or (3,) (bias last); with ``bias`` given, exactly (3,) or (2,)."""
    beta = np.asarray(beta, dtype=np.float64) if np.asarray(beta).dtype.kind in "biuf" else np.asarray(beta)
    shapes = {None: ((2,), (3,)), False: ((2,),), True: ((3,),)}[bias]
    if beta.dtype.kind != "f" or beta.shape not in shapes:
        wanted = {
            None: "(2,) for (β1, β2) or (3,) for (β1, β2, bias)",
            False: "(2,) for (β1, β2) (bias=False)",
            True: "(3,) for (β1, β2, bias) (bias=True)",
        }[bias]
        raise ValueError(f"{name} must be real with shape {wanted}; got shape {beta.shape}")
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
    return Dataset(*_read_only(X, y), kind, float(noise))


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


@dataclass(frozen=True)
class _Signed:
    """The data as signed features, feature-major, with what every evaluation reuses."""

    columns: np.ndarray  # (d, n): x̃ = (1 - 2y) x, with a last row (1 - 2y) for the bias; margins are β @ columns
    ties: np.ndarray  # (n,): a point is classified correctly iff its margin < ties (see _prepare)
    scale: float  # max |x̃_ij|, so that |x̃·β| <= scale ‖β‖₁


def _prepare(X, y, bias: bool) -> _Signed:
    """Check X (float64 (n, 2), finite) and y ((n,) labels 0/1), ValueError naming them; sign them."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] < 1 or X.dtype.kind not in "iuf":
        raise ValueError(f"X must be a real array of shape (n, 2) with n >= 1; got shape {X.shape}, dtype {X.dtype}")
    X = X.astype(np.float64, copy=False)
    top, bottom = float(X.max()), float(X.min())  # nan or inf exactly when X is not finite
    if not (math.isfinite(top) and math.isfinite(bottom)):
        raise ValueError("X must be finite; it contains inf or nan")
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape (n,) = ({len(X)},) to match X; got {y.shape}")
    # integers: all in {0, 1} iff their bits, read unsigned, OR to at most 1
    labels = y.dtype.kind in "iu" and np.bitwise_or.reduce(y.view(y.dtype.str.replace("i", "u"))) <= 1
    if not (labels or y.dtype.kind == "b" or (y.dtype.kind == "f" and ((y == 0) | (y == 1)).all())):
        raise ValueError("y must contain only the labels 0 and 1")
    y = y.astype(np.int64, copy=False)
    sign = 1.0 - 2.0 * y
    columns = np.empty((3 if bias else 2, len(X)))  # filled in place: X.T * sign allocating is 2.5x slower
    np.multiply(X.T, sign, out=columns[:2])
    if bias:
        columns[2] = sign
    # ties z = 0 predict class 1: correct iff m < 0 for y = 0 and m <= 0 (i.e. m < smallest subnormal) for y = 1
    return _Signed(columns, y * _TINY, max(top, -bottom, 1.0 if bias else 0.0))


def _softplus_sums(m: np.ndarray, positive: np.ndarray | None = None) -> np.ndarray:
    """Σ_i log(1 + e^(m_ri)) for each row of m (k, n) (= np.logaddexp(0, m) summed), overwriting m.

    Point by point as max(m, 0) + log1p(e^-|m|), in place with one temporary (``positive``, of m's shape, if given):
    no overflow for finite m, inf and nan kept (softplus(inf) = inf, softplus(-inf) = 0)."""
    positive = np.maximum(m, 0.0, out=positive)
    np.abs(m, out=m)
    np.negative(m, out=m)
    np.exp(m, out=m)
    np.log1p(m, out=m)
    m += positive
    with np.errstate(over="ignore"):  # a sum of margins near the largest double is inf, as it should be
        return m.sum(axis=1)


def _sigmoid(m: np.ndarray) -> np.ndarray:
    """σ(m) elementwise with full relative accuracy on both tails: 1/(1 + e^-m) for m >= 0, e^m/(1 + e^m) else."""
    e = np.exp(-np.abs(m))
    return np.where(m >= 0, 1.0, e) / (1.0 + e)


def _margins(columns: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """Margins x̃·β: (n,) for one β (d,), (k, n) for betas (k, d). Non-finite β gives inf/nan margins."""
    with np.errstate(over="ignore", invalid="ignore"):
        return betas @ columns


def _evaluate(data: _Signed, betas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean loss and accuracy for each row of betas (k, d), from one (k, n) product of margins."""
    reach = data.scale * betas.shape[1] * float(np.abs(betas).max())  # >= every |m|; nan or inf if a β is
    m = betas @ data.columns if reach < _HUGE else _margins(data.columns, betas)
    n = m.shape[1]
    accuracies = np.add.reduce((m < data.ties).view(np.uint8), axis=1, dtype=np.uint64) / n
    losses = _loss_sums(data, betas, m, reach) / n
    if not math.isfinite(losses.sum()):
        accuracies[np.isnan(losses)] = np.nan
    return losses, accuracies


def _loss_sums(data: _Signed, betas: np.ndarray, m: np.ndarray, reach: float) -> np.ndarray:
    """Σ_i softplus(m_ri) for each row of the margins m = betas @ columns (k, n), overwriting m; |m| <= reach.

    As in ``loss_grid``, Σ_i softplus(m_i) = Σ_chunks log Π (1 + e^(m_i)): an exp, an add and a multiply per point
    and one log per chunk instead of a log1p per point, when reach allows chunks of 2 or more (the product path's
    error bound, eps·(8 n / S + 16 + 2 reach), is checked for every row). Otherwise, and for the rows that fail the
    bound (a loss near 0, where 1 + e^m drops e^m, or not finite), the sums are taken point by point
    (``_softplus_sums``).
    """
    largest = LOG_MAX // (reach + math.log(2.0)) if math.isfinite(reach) else 0
    if largest >= 2:
        sums = _log_products(m, _chunk(m.shape[1], int(largest)))
        # the bound, rearranged: S >= 8 n eps / (rtol - eps (16 + 2 reach)); false for nan
        smallest = 8 * m.shape[1] * _EPS / (FAST_PATH_RTOL - _EPS * (16 + 2 * reach))
        if sums.min() >= smallest:
            return sums
        redo = ~(sums >= smallest)
    else:
        sums, redo = np.empty(len(m)), np.ones(len(m), dtype=bool)
    sums[redo] = _softplus_sums(_margins(data.columns, betas[redo]))
    return sums


def _chunk(n: int, largest: int) -> int:
    """A chunk size <= largest: one that divides n if there is one down to largest/2 (no remainder to handle)."""
    if n <= largest:
        return n
    return next((size for size in range(largest, largest // 2, -1) if n % size == 0), largest)


def _log_products(m: np.ndarray, chunk: int) -> np.ndarray:
    """Σ_i log(1 + e^(m_ri)) per row of m (k, n) as logs of products of `chunk` factors; overwrites m."""
    np.exp(m, out=m)
    m += 1.0
    whole = m.shape[1] // chunk * chunk
    sums = np.log(m[:, :whole].reshape(len(m), chunk, -1).prod(axis=1)).sum(axis=1)
    if whole < m.shape[1]:
        sums += np.log(m[:, whole:].prod(axis=1))
    return sums


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
        Finite whenever the margins are (tested at |β| = 1e6, where the tutorial's formula gives nan); inf or nan
        for a non-finite β.
    """
    beta = _check_beta(beta)
    return float(_evaluate(_prepare(X, y, len(beta) == 3), beta[None])[0][0])


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
    beta = _check_beta(beta)
    columns = _prepare(X, y, len(beta) == 3).columns
    return columns @ _sigmoid(_margins(columns, beta)) / columns.shape[1]


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
    beta = _check_beta(beta)
    return float(_evaluate(_prepare(X, y, len(beta) == 3), beta[None])[1][0])


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
    16 for the whole grid, with only positive terms (no cancellation). Groups are multiplied up to a chunk of
    points (product < e^700) and one log is taken per chunk and cell: Σ_i softplus(m_i) = Σ_chunks log Π (1 + e^m).
    Where |m| reaches beyond ~170, groups shrink to what fits (2 or 3 points).

    The product path is accurate to eps·(8 n / S + 16 + 2 W) relative, S the cell's sum of losses and W the largest
    |m| there; cells where this bound exceeds FAST_PATH_RTOL (a loss near 0, where 1 + e^m loses e^m) and grids with
    |m| > ~350 (not even two factors fit) are summed point by point, at a few ns per point and cell.
    """
    columns = _prepare(X, y, True).columns
    b1, b2 = _check_axis(b1, "b1"), _check_axis(b2, "b2")
    bias = _check_real(bias, "bias")
    n = columns.shape[1]
    top1, top2 = np.abs(columns[:2]).max(axis=1)
    with np.errstate(over="ignore", invalid="ignore"):  # huge data or grids: an inf bound, and the direct path
        reach = (np.abs(b2)[:, None] * top2 + np.abs(b1) * top1) + abs(bias)  # bound on |m| per cell (q, p)
        chunk = int(LOG_MAX // (float(reach.max()) + math.log(2.0)))
        sums = _log_product_sums(columns, b1, b2, bias, chunk) if chunk >= 2 else np.full(reach.shape, np.nan)
        # ~(bound <= tolerance) also flags nan sums
        redo = ~(_EPS * (8 * n + (16 + 2 * reach) * sums) <= FAST_PATH_RTOL * sums)
    if redo.any():
        rows, cols = np.nonzero(redo)
        sums[rows, cols] = _direct_sums(columns, np.stack([b1[cols], b2[rows], np.full(len(rows), bias)], axis=1))
    return sums / n


def _log_product_sums(columns: np.ndarray, b1: np.ndarray, b2: np.ndarray, bias: float, chunk: int) -> np.ndarray:
    """Σ_i log(1 + e^(x̃_i·β)) for every β = (b1[j], b2[k], bias), shape (q, p), block by block of points, with
    groups of min(GROUP, chunk) points (fewer than GROUP when the margins are too large for GROUP factors).

    In a block, point t·groups + g is member t of group g, and group r·chunks + h belongs to chunk h."""
    size = min(GROUP, chunk)
    n, p, q, per_chunk = columns.shape[1], len(b1), len(b2), chunk // size
    blocks = -(-n * p * q // (size * BLOCK_DOUBLES))
    chunks = -(-n // (blocks * per_chunk * size))
    groups = chunks * per_chunk
    u, v = np.empty((size * groups, p)), np.empty((size * groups, q))
    right, left = np.empty((2**size, groups, p)), np.empty((2**size, groups, q))
    products = np.empty((groups, q, p))
    total = np.zeros((q, p))
    for start in range(0, n, size * groups):
        x = columns[:, start : start + size * groups]
        _exp_outer(x[0], b1, 0.0, u)
        _exp_outer(x[1], b2, bias * x[2], v)
        _subset_products(u.reshape(size, groups, p), right)
        _subset_products(v.reshape(size, groups, q), left)
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


def _direct_sums(columns: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """Σ_i softplus(x̃_i·β) for each row of betas (k, d), in blocks of DIRECT_DOUBLES margins (two buffers, reused)."""
    rows = max(1, DIRECT_DOUBLES // columns.shape[1])
    m, positive = np.empty((rows, columns.shape[1])), np.empty((rows, columns.shape[1]))
    sums = np.empty(len(betas))
    with np.errstate(over="ignore", invalid="ignore"):  # huge cells give inf margins, and an inf loss
        for start in range(0, len(betas), rows):
            block = betas[start : start + rows]
            np.matmul(block, columns, out=m[: len(block)])
            sums[start : start + len(block)] = _softplus_sums(m[: len(block)], positive[: len(block)])
    return sums


# ------------------------------------------------------------------------------------------------------- SGD


def batch_indices(n: int, *, batch_size: int, steps: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """The mini-batches of a training run, in order: the one place where SGD draws its samples.

    Parameters
    ----------
    n : int
        Number of points, >= 1.
    batch_size : int
        B in [1, n].
    steps : int
        Number of steps T >= 1.
    rng : numpy.random.Generator
        Source of the sampling (left untouched for B = n).

    Yields
    ------
    ndarray, shape (k, B), int
        Point indices of k consecutive steps, one row per step; the chunks' k add up to T. B = 1 is the tutorial's
        SGD: one chunk, ``rng.integers(0, n, size=T)`` drawn up front (its ``np.random.randint``, with replacement).
        1 < B < n: one chunk per epoch, ``rng.permutation(n)`` cut into k = min(n // B, steps left) batches (the
        remainder dropped), drawn when the chunk is asked for. B = n: one chunk, every point at every step (a
        read-only broadcast of ``arange(n)``, no memory per step).
    """
    if batch_size == 1:
        yield rng.integers(0, n, size=steps)[:, None]
    elif batch_size == n:
        yield np.broadcast_to(np.arange(n), (steps, n))
    else:
        per_epoch = n // batch_size
        for start in range(0, steps, per_epoch):
            count = min(per_epoch, steps - start)
            yield rng.permutation(n)[: count * batch_size].reshape(count, batch_size)


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
        B in [1, n], the batches of :func:`batch_indices`. B = 1 is the tutorial's SGD: one index per step, all drawn
        up front with ``rng.integers(0, n, size=steps)`` (like its ``np.random.randint``, with replacement).
        1 < B < n: each epoch is one ``rng.permutation(n)`` cut into n // B batches (the remainder is dropped).
        B = n is full-batch gradient descent (every point at every step; rng unused).
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
    Losses and accuracies are computed only at the recorded steps, in one (k, n) product. With B = 1 each step is a
    few Python float operations on the drawn point, with lr σ(m) = lr / (1 + e^-m) (the tutorial's formula, exact
    to rounding); with B > 1 each step is four NumPy calls, with σ(m) = (1 + tanh(m/2)) / 2 (bounded, with an
    absolute error ~1e-16, which is what an update needs). Training stops at the first step where β or the loss is
    not finite (the history ends there): nothing is clipped.
    """
    data, beta0, lr, steps, batch_size, record_every = _check_training(X, y, beta0, lr, steps, batch_size,
                                                                        record_every, rng, bias)
    if batch_size == 1:
        recorded, betas, diverged_at = _sgd_per_sample(data, beta0, lr, steps, record_every, rng)
    else:
        path = _sgd_batched(data.columns, beta0, lr, steps, batch_size, rng)
        diverged_at = _first_divergence(data, path)
        recorded = _recorded_steps(len(path) - 1 if diverged_at is None else diverged_at, record_every)
        betas = path[recorded]
    return History(*_read_only(betas, recorded, *_evaluate(data, betas)), diverged_at)


def _check_training(X, y, beta0, lr, steps, batch_size, record_every, rng, bias):
    """The checks shared by the training loops: the data prepared, and β0, lr, steps, batch size, record interval as
    validated values (ValueError naming the first argument at fault)."""
    data = _prepare(X, y, bool(bias))
    beta0 = _check_beta(beta0, "beta0", bias=bool(bias))
    if not np.isfinite(beta0).all():
        raise ValueError(f"beta0 must be finite; got {beta0.tolist()}")
    lr = _check_real(lr, "lr", positive=True)
    steps = _check_int(steps, "steps", 1)
    batch_size = _check_int(batch_size, "batch_size", 1, data.columns.shape[1])
    record_every = _check_int(record_every, "record_every", 1)
    _check_rng(rng)
    return data, beta0, lr, steps, batch_size, record_every


def _recorded_steps(last: int, record_every: int) -> np.ndarray:
    """0, record_every, 2 record_every, ... up to last, and last."""
    recorded = np.arange(0, last + record_every, record_every)
    recorded[-1] = last
    return recorded


def _sgd_per_sample(
    data: _Signed, beta0: np.ndarray, lr: float, steps: int, record_every: int, rng
) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Recorded steps, β there (k, d), and the divergence step, of one-point SGD in Python floats (~0.15 µs a step).

    The indices are drawn up front (``batch_indices``: ``rng.integers(0, n, size=steps)``). The loop runs in
    segments ending at the recorded steps and every CHECK_EVERY steps, keeping β only at their ends. Within a segment
    of L steps from β_s, ‖β_t‖₁ <= ‖β_s‖₁ + L lr max‖x̃‖₁ (σ <= 1): while that stays below the bound that guarantees a
    finite loss (see _first_divergence), β and the loss are finite throughout. A segment that may cross it is
    replayed step by step, and the run stops at its first step with β or the loss not finite."""
    n, d = data.columns.shape[1], len(beta0)
    indices = next(batch_indices(n, batch_size=1, steps=steps, rng=rng))[:, 0]
    drawn = np.negative(data.columns.take(indices, axis=1)).tolist()  # (d, steps): -x̃
    run = _run_2 if d == 2 else _run_3
    limit = _HUGE / (2 * n) / data.scale if data.scale else math.inf  # ‖β‖₁ below it: a finite loss
    reach = lr * d * data.scale  # the most one step adds to ‖β‖₁
    beta, done = beta0.tolist(), 0
    recorded, betas = [0], [beta]
    points = zip(*drawn, strict=True)
    for end in sorted({*range(record_every, steps, record_every), *range(CHECK_EVERY, steps, CHECK_EVERY), steps}):
        start_beta, beta = beta, run(islice(points, end - done), beta, lr)
        if not sum(map(abs, start_beta)) + (end - done) * reach < limit:  # also when nan
            path = _replay([column[done:end] for column in drawn], start_beta, lr, run)
            bad = _first_divergence(data, path)
            if bad is not None:
                if recorded[-1] == done + bad:  # β0 itself (a later segment starts from a checked β)
                    del recorded[-1], betas[-1]
                recorded.append(done + bad)
                betas.append(path[bad].tolist())
                return np.array(recorded), np.array(betas), done + bad
        done = end
        if end % record_every == 0 or end == steps:
            recorded.append(end)
            betas.append(beta)
    return np.array(recorded), np.array(betas), None


def _replay(columns: list[list[float]], beta: list[float], lr: float, run) -> np.ndarray:
    """β before and after each step of a segment, (len + 1, d), with the very same arithmetic as ``run``."""
    path = [beta]
    for point in zip(*columns, strict=True):
        path.append(run((point,), path[-1], lr))
    return np.array(path)


# The loops below take the points negated, v = -x̃, so that v·β = -m is the exponent of lr σ(m) = lr / (1 + e^-m)
# as it is (bit for bit the same steps, one negation fewer per step). That is exact to rounding while -m < 700
# (no overflow); beyond, σ(m) = e^m to double precision. A nan margin takes the second branch and stays nan.


def _run_2(points, beta: list[float], lr: float) -> list[float]:
    """Steps β ← β - g x̃ = β + g v, g = lr σ(x̃·β), over the points v = (-x̃1, -x̃2); returns β."""
    exp = math.exp
    b1, b2 = beta
    for v1, v2 in points:
        q = v1 * b1 + v2 * b2
        g = lr / (1.0 + exp(q)) if q < 700.0 else lr * exp(-q)
        b1 += g * v1
        b2 += g * v2
    return [b1, b2]


def _run_3(points, beta: list[float], lr: float) -> list[float]:
    """``_run_2`` with a bias: points v = -(x̃1, x̃2, 1 - 2y)."""
    exp = math.exp
    b1, b2, b3 = beta
    for v1, v2, v3 in points:
        q = v1 * b1 + v2 * b2 + v3 * b3
        g = lr / (1.0 + exp(q)) if q < 700.0 else lr * exp(-q)
        b1 += g * v1
        b2 += g * v2
        b3 += g * v3
    return [b1, b2, b3]


def _sgd_batched(columns: np.ndarray, beta0: np.ndarray, lr: float, steps: int, batch_size: int, rng) -> np.ndarray:
    """β after each step (steps + 1, d) of mini-batch SGD: four NumPy calls per step."""
    path = np.empty((steps + 1, len(beta0)))
    path[0] = beta0
    signal = np.ones(batch_size + 1)  # (tanh(m/2) per point, 1): `backward` times it is the update
    half_margins = signal[:-1]
    t = 0
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run produces inf/nan; it is detected below
        for forward, backward in _batches(columns, batch_size, steps, rng, -0.5 * lr / batch_size):
            np.dot(path[t], forward, out=half_margins)
            np.tanh(half_margins, out=half_margins)
            np.add(path[t], backward @ signal, out=path[t + 1])
            t += 1
            if t % CHECK_EVERY == 0 and not np.isfinite(path[t]).all():
                break
    return path[: t + 1]


def _batches(columns: np.ndarray, batch_size: int, steps: int, rng, scale: float):
    """Per step: forward = x̃/2 (d, B) and backward = scale·[x̃, Σ x̃] (d, B + 1) of that step's batch, so that
    backward @ [tanh(β·x̃/2), 1] = -lr (1/B) Σ x̃ σ(x̃·β) when scale = -lr/(2B)."""
    n = columns.shape[1]
    if batch_size == n:  # batch_indices' full batch, every point in their order, built once
        yield from repeat(next(zip(*_batch_arrays(columns[:, None].copy(), scale), strict=True)), steps)
        return
    for order in batch_indices(n, batch_size=batch_size, steps=steps, rng=rng):
        yield from zip(*_batch_arrays(np.take(columns, order, axis=1), scale), strict=True)


def _batch_arrays(batches: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(d, k, B) batches -> forward (k, d, B) = batches/2 (a view of them, halved in place) and backward
    (k, d, B + 1) = scale·[batch, row sums]."""
    d, k, size = batches.shape
    backward = np.empty((k, d, size + 1))
    np.multiply(batches.transpose(1, 0, 2), scale, out=backward[:, :, :size])
    backward[:, :, size] = backward[:, :, :size].sum(axis=2)
    batches *= 0.5
    return batches.transpose(1, 0, 2), backward


def _first_divergence(data: _Signed, path: np.ndarray) -> int | None:
    """First step where β or the loss is not finite, or None.

    loss(β) <= max_i |x̃_i·β| + log 2 <= scale ‖β‖₁ + log 2, so the loss is certainly finite while
    scale ‖β‖₁ < (largest double)/(2n); only steps past that bound are evaluated exactly.
    """
    limit = _HUGE / (2 * len(data.ties))
    if data.scale * float(np.abs(path).max()) * path.shape[1] < limit:  # every β and every loss finite
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        finite = np.isfinite(path).all(axis=1)
        first = int(np.argmin(finite)) if not finite.all() else len(path)
        suspects = np.flatnonzero(data.scale * np.abs(path[:first]).sum(axis=1) >= limit)
    for start in range(0, len(suspects), DIRECT_CELLS):  # in blocks: a long diverging run has many suspects
        block = suspects[start : start + DIRECT_CELLS]
        bad = block[~np.isfinite(_evaluate(data, path[block])[0])]
        if bad.size:
            return int(bad[0])
    return first if first < len(path) else None


def train_optimizer(
    X: np.ndarray,
    y: np.ndarray,
    *,
    method: str,
    beta0: np.ndarray,
    lr: float,
    steps: int,
    batch_size: int = 1,
    rng: np.random.Generator,
    record_every: int = 1,
    bias: bool = False,
) -> History:
    """Logistic regression trained by a first-order method of :mod:`core.optimizers` on ``train_sgd``'s mini-batches.

    Step t takes the gradient of the loss on the t-th batch of :func:`batch_indices` (the very batches ``train_sgd``
    draws from the same ``rng``), at the current β,

        g_t = (1/B) Σ_{i in batch t} x_i (σ(x_i·β_{t-1}) - y_i)   (x_i extended by 1 with a bias),

    and moves β by the method's rule (PyTorch's, with its defaults: ``optimizers.DEFAULTS``). With method "gd" this
    is ``train_sgd``'s run, to rounding (its fast paths arrange the same arithmetic differently).

    Parameters
    ----------
    X, y, beta0, steps, batch_size, rng, record_every, bias
        As for ``train_sgd``.
    method : str
        One of ``optimizers.FIRST_ORDER``: "gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam".
    lr : float
        Learning rate, in (0, optimizers.MAX_RATE].

    Returns
    -------
    History
        As ``train_sgd``'s, with the same meaning of ``diverged_at``: the first step at which β or the loss is not
        finite, where the history ends. core.optimizers stops a run at the first step whose β (or batch gradient)
        is not finite without keeping that β, so the history's β there is recorded as nan (its loss and accuracy
        nan); a finite β whose loss is not finite is kept as it is.

    Notes
    -----
    One call of the batch gradient per step (``optimizers.race`` with a single run): a batch's features are gathered
    once per epoch, and a step costs a matrix-vector product each way on B points plus the optimizer loop's own
    overhead (tens of µs, against ~0.15 µs a step on ``train_sgd``'s one-point path).
    """
    if not isinstance(method, str) or method not in optimizers.FIRST_ORDER:
        raise ValueError(f"method must be one of {', '.join(map(repr, optimizers.FIRST_ORDER))}; got {method!r}")
    data, beta0, lr, steps, batch_size, record_every = _check_training(X, y, beta0, lr, steps, batch_size,
                                                                        record_every, rng, bias)
    batches = _batch_stream(data.columns, batch_size, steps, rng)

    def batch_gradient(betas: np.ndarray) -> np.ndarray:
        """g at β (d, 1) on the next batch x̃ (d, B): (1/B) x̃ σ(x̃ᵀβ), shape (d, 1)."""
        batch = next(batches)
        return batch @ _sigmoid(betas.T @ batch).T / batch_size

    run = optimizers.race(batch_gradient, beta0, runs=(optimizers.Run(method, lr),), steps=steps)[0]
    path = run.points
    diverged_at = _first_divergence(data, path)  # a finite β whose loss is not: the history ends there
    if diverged_at is not None:
        path = path[: diverged_at + 1]
    elif run.diverged_at is not None:  # β at run.diverged_at (= len(path)) is not finite, and not kept
        diverged_at = run.diverged_at
        path = np.vstack([path, np.full(len(beta0), np.nan)])
    recorded = _recorded_steps(len(path) - 1, record_every)
    betas = path[recorded]
    return History(*_read_only(betas, recorded, *_evaluate(data, betas)), diverged_at)


def _batch_stream(columns: np.ndarray, batch_size: int, steps: int, rng) -> Iterator[np.ndarray]:
    """Each step's batch of signed features x̃ (d, B), in :func:`batch_indices`' order, gathered a chunk (an epoch)
    at a time; the full batch is ``columns`` itself at every step."""
    n = columns.shape[1]
    if batch_size == n > 1:  # (B = n = 1 draws its one index per step, as train_sgd's one-point path does)
        return repeat(columns, steps)
    chunks = batch_indices(n, batch_size=batch_size, steps=steps, rng=rng)
    return chain.from_iterable(np.ascontiguousarray(np.take(columns, order, axis=1).transpose(1, 0, 2))
                               for order in chunks)


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
    unsettled = (
        f"accuracy between {tail_accuracy.min():.2f} and {tail_accuracy.max():.2f} over the last {len(tail)} records"
    )
    if losses[-1] > CLIMB_FACTOR * losses.min() and losses[-1] > losses[0]:
        return (
            f"the loss climbs (from {losses[0]:.3g} at the start to {losses[-1]:.3g}; {unsettled}): "
            "the learning rate is too high"
        )
    if _oscillates(tail, tail_accuracy):
        return (
            f"the loss oscillates (between {tail.min():.3g} and {tail.max():.3g}; {unsettled}): "
            "the learning rate is too high"
        )
    return None


def _oscillates(tail: np.ndarray, tail_accuracy: np.ndarray) -> bool:
    """Repeated jumps up while the accuracy moves, or a zigzag at every record."""
    middle, moves = np.median(tail), np.diff(tail)
    jumps = np.count_nonzero(moves > JUMP * middle) >= MIN_JUMPS and np.ptp(tail_accuracy) > UNSETTLED_ACCURACY
    zigzag = len(tail) >= ZIGZAG_RECORDS and (moves[1:] * moves[:-1] < 0).all()
    return bool(jumps or (zigzag and np.ptp(tail) > ZIGZAG_AMPLITUDE * middle))


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
    beta = _check_beta(beta)
    columns = _prepare(X, y, len(beta) == 3).columns
    n = columns.shape[1]
    batch_size = _check_int(batch_size, "batch_size", 1, n)
    draws = _check_int(draws, "draws", 1)
    _check_rng(rng)
    batches = columns[:, np.stack([rng.choice(n, size=batch_size, replace=False) for _ in range(draws)])]
    with np.errstate(over="ignore", invalid="ignore"):  # a non-finite β gives inf/nan margins, reported as such
        weights = _sigmoid(np.einsum("d,drb->rb", beta, batches))  # (draws, B)
    return np.einsum("rb,drb->rd", weights, batches) / batch_size
