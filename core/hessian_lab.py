"""Everything the Hessian page shows for f(x1, x2) at a point p, computed in two calls: one per formula
(:func:`compile_hessian`: the exact ∇f and H from SymPy, under core.symbolic's time bound) and one per point
(:func:`study_hessian`).

- f(p), ∇f(p) and H(p) = [[∂²f/∂x1², ∂²f/∂x1∂x2], [∂²f/∂x2∂x1, ∂²f/∂x2²]] exactly, beside the central-difference
  Hessian (core.differences.hessian) and its error; when SymPy cannot differentiate f twice in time, the
  Richardson-extrapolated finite-difference Hessian stands in, with its error estimate, and a note says so;
- the eigen-decomposition H = V·diag(λ₁, λ₂)·Vᵀ (λ₁ ≤ λ₂): the curvature along the unit direction u is uᵀHu, largest
  along v₂ and smallest along v₁ (the curvature axes drawn on the contour);
- the second-derivative test where ∇f = 0 (:func:`curvature`): minimum, maximum, saddle or degenerate (a zero
  eigenvalue: the test says nothing), and the local shape of f otherwise;
- the quadratic model q(p + d) = f(p) + ∇f·d + ½dᵀHd on a disc around p, with f's own level curves at the same
  levels, and the gap max |f − q| on circles |d| = r, which falls like r³ (beside the tangent plane's, like r²);
- slices of f along the directions u(θ) with the model's parabola f(p) + (∇f·u)t + ½(uᵀHu)t² (the animation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core import differences, symbolic
from core.errors import ParameterError
from core.expressions import Expression, ExpressionError, parse
from core.gradient_lab import Window
from core.jacobian_lab import matrix_latex
from core.presentation import number

__all__ = [
    "AXIS_REACH",
    "GRID",
    "KINDS",
    "MODEL_FRACTION",
    "MODEL_GRID",
    "MODEL_LEVELS",
    "ORDER_FIT_RADII",
    "PRESETS",
    "ROUND_OFF",
    "SHAPES",
    "SLICE_ANGLES",
    "SLICE_POINTS",
    "STATIONARY_RTOL",
    "TUTORIAL_F",
    "VARIABLES",
    "ZERO_RTOL",
    "CompiledHessian",
    "Curvature",
    "HessianPreset",
    "HessianReadouts",
    "HessianStudy",
    "compile_hessian",
    "curvature",
    "find_preset",
    "gap_sentence",
    "preset_settings",
    "readouts",
    "stationary_tolerance",
    "study_hessian",
]

VARIABLES = ("x1", "x2")
GRID = 101  # f's filled contour per axis (as the Gradient page's)
MODEL_GRID = 61  # the model and f's level curves on the disc around p, per axis
MODEL_LEVELS = 6  # level curves of the model on each side of f(p), one level step Δ apart
AXIS_REACH = 0.9  # the longer curvature axis reaches this share of the disc's radius
MODEL_FRACTION = 0.25  # the model's disc: radius R = this × the window's shorter side (p's neighbourhood, in view)
SLICE_ANGLES = np.arange(0.0, 180.0, 5.0)  # directions θ of the slices (degrees; u(θ + 180°) = −u(θ): same line)
SLICE_POINTS = 81  # samples of each slice along t ∈ [−R, R]
SWEEP_POINTS = 64  # samples around each circle of the gap-vs-radius sweep (as the Jacobian page's)
SWEEP_PER_DECADE = 10  # radii of the sweep per decade, from 1e-3 up to max(R, 0.1)
ORDER_FIT_RADII = (1e-3, 1e-1)  # the gap's order is fitted where the r³ term dominates the higher ones (as Jacobian)
ROUND_OFF = 100 * np.finfo(float).eps  # relative size of a gap that is only floating-point noise (as Jacobian)
# ∇f counts as zero when |∇f(p)| ≤ STATIONARY_RTOL · ‖H(p)‖·|p| (+ the error estimate of a finite-difference ∇f): the
# change in ∇f were p moved by a relative 1e-9 (∇f(p + δ) ≈ ∇f(p) + Hδ), so the scale is f's curvature times the
# point's size. An exact gradient evaluated in double precision carries round-off of ε ≈ 2.2e-16 times its terms
# (of size ~‖H‖·|p|), and 1e-9 leaves room for ~10⁶ of them cancelling, while a point typed to four digits near a
# stationary point is not called stationary: its curvature is described instead. A constant added to f changes
# nothing; at p = 0 only an exact zero counts (the terms of ∇f(0) vanish exactly there).
STATIONARY_RTOL = 1e-9
# An eigenvalue counts as zero when |λ| ≤ ZERO_RTOL · max|λ| (plus the error bound of a finite-difference H): H's
# entries evaluated in double precision carry the same round-off as ∇f above.
ZERO_RTOL = 1e-9
KINDS = ("minimum", "maximum", "saddle", "degenerate")  # the second-derivative test's verdicts where ∇f = 0
SHAPES = ("convex", "concave", "indefinite", "singular")  # H's shape where ∇f ≠ 0 (no verdict on the point)


# ----------------------------------------------------------------------------------------------- presets
@dataclass(frozen=True)
class HessianPreset:
    """A one-click f with a point, a window that shows it, and what to notice there."""

    label: str
    formula: str
    point: tuple[float, float]
    window: Window
    note: str


TUTORIAL_F = "(x1+2)(x1-5) + (x2+1)(x2-3)"  # the tutorial's example B, the Gradient page's default f
PRESETS = (
    HessianPreset("x1⁴ + x1²(1 − 2x2) + x2² − 4x1 + 4 at (0, 1)", "x1^4 + x1^2(1 - 2x2) + x2^2 - 4x1 + 4", (0.0, 1.0),
                  Window(-2.5, 3.5, -1.0, 5.0),
                  "f = (x1² − x2)² + (x1 − 2)²: a curved valley with its minimum at (2, 4). At (0, 1) ∇f = (−4, 2) and "
                  "H = [[−2, 0], [0, 2]]: f curves down along x1 and up along x2, so its quadratic model there is a "
                  "saddle, centred at (−2, 0), not a bowl."),
    HessianPreset("tutorial (x1+2)(x1−5) + (x2+1)(x2−3)", TUTORIAL_F, (-3.0, -2.0), Window(-5, 5, -5, 5),
                  "The tutorial's example B: ∇f(−3, −2) = (−9, −6) and H = 2I everywhere. f is quadratic, so the "
                  "model is f itself and its minimum (1.5, 1) is f's: click there to see the test say minimum."),
    HessianPreset("saddle x1² − x2²", "x1^2 - x2^2", (0.0, 0.0), Window(-2, 2, -2, 2),
                  "∇f = 0 and H = diag(2, −2): one eigenvalue of each sign, so the second-derivative test says "
                  "saddle."),
    HessianPreset("monkey saddle x1³ − 3x1x2²", "x1^3 - 3x1 x2^2", (0.0, 0.0), Window(-2, 2, -2, 2),
                  "Three valleys meet at 0: ∇f = 0 and H = 0 there, so the test is inconclusive (degenerate) and "
                  "the quadratic model is flat. The gap f − q is f itself: it falls like r³."),
    HessianPreset("flat minimum x1⁴ + x2⁴", "x1^4 + x2^4", (0.0, 0.0), Window(-2, 2, -2, 2),
                  "A minimum at 0 that the test cannot see: H = 0 there (degenerate). Only the fourth-order terms "
                  "say minimum."),
    HessianPreset("Rosenbrock at its minimum (1, 1)", "(1 - x1)^2 + 100(x2 - x1^2)^2", (1.0, 1.0),
                  Window(-2, 2, -1, 3),
                  "H = [[802, −400], [−400, 200]]: λ ≈ 1001.6 and 0.4, a ratio of about 2500. The model's level "
                  "curves are long thin ellipses along the valley: why gradient descent crawls there."),
    HessianPreset("hill cos(x1) cos(x2)", "cos(x1) cos(x2)", (0.0, 0.0), Window(-3, 3, -3, 3),
                  "H = −I at 0: both eigenvalues negative, a maximum. Move to (π/2, 0) or (π/2, π/2) to see the "
                  "other kinds of points."),
)


def find_preset(label: str | None) -> HessianPreset | None:
    """The preset called ``label``, or None (no label, or one that is not there)."""
    return next((p for p in PRESETS if p.label == label), None)


def preset_settings(label: str | None) -> dict[str, object]:
    """The page's control values for the preset called ``label``: f, x1, x2, x1_range, x2_range (URL names); {} for
    no preset."""
    chosen = find_preset(label)
    if chosen is None:
        return {}
    w = chosen.window
    return {"f": chosen.formula, "x1": chosen.point[0], "x2": chosen.point[1], "x1_range": (w.x1_low, w.x1_high),
            "x2_range": (w.x2_low, w.x2_high)}


# ----------------------------------------------------------------------------------------------- the formula
@dataclass(frozen=True)
class CompiledHessian:
    """f(x1, x2) with its exact derivatives (what a new formula costs; a new point reuses it).

    Attributes
    ----------
    expression : the parsed f.
    gradient : the exact ∇f, shape (2,), or None when SymPy ran out of time.
    hessian : the exact H, shape (2, 2), or None when SymPy ran out of time.
    notes : why an exact derivative is missing; a formula with undefined parts.
    """

    expression: Expression
    gradient: symbolic.SymbolicMatrix | None
    hessian: symbolic.SymbolicMatrix | None
    notes: tuple[str, ...]


def compile_hessian(text: str) -> CompiledHessian:
    """Parse f(x1, x2) and differentiate it twice exactly.

    The Hessian comes first, under core.symbolic.MATRIX_SECONDS; the gradient after it reuses SymPy's cached first
    derivatives (a few per cent of the Hessian's time). When the Hessian does not finish in time the gradient is not
    attempted either: the page then uses finite differences for both and says so.

    Raises
    ------
    ParameterError
        ``.parameter`` "f": the text is not a formula in x1, x2.
    """
    try:
        expression = parse(text, VARIABLES)
    except ExpressionError as error:
        raise ParameterError("f", str(error)) from error
    notes = [expression.warning] if expression.warning else []
    try:
        hessian = symbolic.hessian(expression)
    except ExpressionError as error:
        notes.append(f"The exact Hessian is not available ({error}): the page shows the finite-difference "
                     "Hessian (Richardson extrapolation) and gradient instead.")
        return CompiledHessian(expression, None, None, tuple(notes))
    try:
        gradient = symbolic.gradient(expression)
    except ExpressionError as error:
        notes.append(f"The exact gradient is not available ({error}): ∇f is the finite-difference one.")
        gradient = None
    return CompiledHessian(expression, gradient, hessian, tuple(notes))


# ----------------------------------------------------------------------------------------------- the test
@dataclass(frozen=True)
class Curvature:
    """What H says about f at p.

    Attributes
    ----------
    kind : one of KINDS where ∇f = 0 (the second-derivative test's verdict), else one of SHAPES (H's shape).
    stationary : whether ∇f = 0 (to the tolerance the study used).
    eigenvalues : (λ₁, λ₂), ascending, shape (2,); zero ones (to ``zero``) are exactly 0.
    eigenvectors : shape (2, 2), column i the unit vector vᵢ of λᵢ (its largest component positive).
    determinant : det H = λ₁λ₂.
    signs : the eigenvalues' signs, each −1, 0 or +1.
    sentence : the test (or the shape) in words, the verdict in bold (Markdown).
    """

    kind: str
    stationary: bool
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    determinant: float
    signs: tuple[int, int]
    sentence: str


def _eigen(hessian: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and unit eigenvectors (columns, each with its largest component positive) of the
    symmetric part of H."""
    values, vectors = np.linalg.eigh(0.5 * (hessian + hessian.T))
    for i in range(2):
        v = vectors[:, i]
        if v[int(np.argmax(np.abs(v) * (1.0, 1.0 - 1e-12)))] < 0:  # ties (|v₁| = |v₂|): the first one decides
            vectors[:, i] = -v
    return values, vectors


def _vector_text(v: np.ndarray) -> str:
    return "(" + ", ".join(number(float(c) + 0.0) for c in v) + ")"


def _stationary_sentence(kind: str, values: np.ndarray, vectors: np.ndarray, det: float) -> str:
    pair = f"{number(values[0])} and {number(values[1])}"
    if kind == "minimum":
        return (f"∇f = 0 and det H = {number(det)} > 0 with both eigenvalues positive ({pair}): H is positive "
                "definite, so f curves up in every direction and the second-derivative test says **minimum** "
                "(a local one).")
    if kind == "maximum":
        return (f"∇f = 0 and det H = {number(det)} > 0 with both eigenvalues negative ({pair}): H is negative "
                "definite, so f curves down in every direction and the second-derivative test says **maximum** "
                "(a local one).")
    if kind == "saddle":
        return (f"∇f = 0 and det H = {number(det)} < 0: one eigenvalue of each sign ({pair}), so the "
                f"second-derivative test says **saddle**: f rises along v₂ = {_vector_text(vectors[:, 1])} and falls "
                f"along v₁ = {_vector_text(vectors[:, 0])}.")
    return (f"∇f = 0 but det H = {number(det + 0.0)}: an eigenvalue is zero ({pair}), so the second-derivative test is "
            "inconclusive: the point is **degenerate**. Only higher-order terms decide whether it is a minimum, a "
            "maximum or a saddle (x1⁴ + x2⁴ has a minimum at 0, x1³ − 3x1x2² a saddle, both with H = 0).")


def _shape_sentence(kind: str, values: np.ndarray, vectors: np.ndarray) -> str:
    v1, v2 = _vector_text(vectors[:, 0]), _vector_text(vectors[:, 1])
    lead = "∇f ≠ 0, so this is not a stationary point and the second-derivative test does not apply. "
    if kind == "convex":
        return (lead + f"H is positive definite (λ₁ = {number(values[0])}, λ₂ = {number(values[1])}): f curves "
                f"**up in every direction** here (locally convex), most along v₂ = {v2}, least along v₁ = {v1}.")
    if kind == "concave":
        return (lead + f"H is negative definite (λ₁ = {number(values[0])}, λ₂ = {number(values[1])}): f curves "
                f"**down in every direction** here (locally concave), most along v₁ = {v1}, least along v₂ = {v2}.")
    if kind == "indefinite":
        return (lead + f"H is indefinite: f curves **up along v₂** = {v2} (λ₂ = {number(values[1])}) and **down "
                f"along v₁** = {v1} (λ₁ = {number(values[0])}), a saddle-shaped curvature.")
    flat = [f"v{i + 1} = {_vector_text(vectors[:, i])}" for i in range(2) if values[i] == 0]
    return (lead + f"H is singular (det H = 0): f is **flat to second order** along {' and '.join(flat)}"
            + ("." if len(flat) == 2 else f", and curves {'up' if values.max() > 0 else 'down'} across it."))


def curvature(hessian: np.ndarray, *, stationary: bool, uncertainty: float = 0.0) -> Curvature:
    """The second-derivative test at a point where ∇f = 0 (``stationary``), or H's shape elsewhere.

    With H = V·diag(λ₁, λ₂)·Vᵀ, λ₁ ≤ λ₂ and det H = λ₁λ₂: both λ > 0 → minimum (H positive definite), both < 0 →
    maximum, one of each sign (det H < 0) → saddle, a zero λ (det H = 0) → degenerate: the test is inconclusive.
    An eigenvalue is zero when |λ| ≤ ZERO_RTOL · max|λ| + ``uncertainty``.

    Parameters
    ----------
    hessian : H at the point, shape (2, 2), finite (its symmetric part is used).
    stationary : whether ∇f = 0 there.
    uncertainty : an absolute error bound on H's entries (a finite-difference H's error estimate; 0 for an exact H).

    Raises
    ------
    ParameterError
        ``.parameter`` "x1": H is not a finite 2×2 matrix (f is not twice differentiable at the point).
    """
    h = np.asarray(hessian, dtype=float)
    if h.shape != (2, 2) or not np.isfinite(h).all():
        raise ParameterError("x1", f"H must be a finite 2×2 matrix; got {h.tolist()}")
    if not (math.isfinite(uncertainty) and uncertainty >= 0):
        raise ParameterError("x1", f"the uncertainty of H must be a finite number ≥ 0; got {uncertainty!r}")
    values, vectors = _eigen(h)
    zero = ZERO_RTOL * float(np.abs(values).max()) + uncertainty
    values = np.where(np.abs(values) <= zero, 0.0, values)
    signs = tuple(int(np.sign(v)) for v in values)
    det = float(values[0] * values[1])
    if stationary:
        kind = ("degenerate" if 0 in signs else "minimum" if signs == (1, 1) else "maximum" if signs == (-1, -1)
                else "saddle")
        sentence = _stationary_sentence(kind, values, vectors, det)
    else:
        kind = ("singular" if 0 in signs else "convex" if signs == (1, 1) else "concave" if signs == (-1, -1)
                else "indefinite")
        sentence = _shape_sentence(kind, values, vectors)
    return Curvature(kind, stationary, values, vectors, det, signs, sentence)


def stationary_tolerance(*, point: Sequence[float], hessian: np.ndarray, gradient_error: float = 0.0) -> float:
    """The size at or below which |∇f(p)| counts as zero: STATIONARY_RTOL·‖H‖·max(|x1|, |x2|) + ``gradient_error``.

    Parameters
    ----------
    point : p = (x1, x2). hessian : H(p), shape (2, 2) (its spectral norm ‖H‖ is used).
    gradient_error : an error bound on ∇f(p) (0 for the exact gradient; a finite difference's error estimate).
    """
    return STATIONARY_RTOL * float(np.linalg.norm(hessian, 2)) * float(np.max(np.abs(point))) + gradient_error


# ----------------------------------------------------------------------------------------------- the study
@dataclass(frozen=True)
class HessianStudy:
    """The Hessian page's content for one formula, point and window.

    Attributes
    ----------
    expression : the parsed f. point : p, shape (2,). value : f(p). window : the view.
    gradient : ∇f(p), shape (2,): exact, or by finite differences when SymPy gave no exact form (``exact_gradient``).
    gradient_latex : LaTeX of the exact ∇f(x) as a row ("" when unavailable).
    hessian_latex : LaTeX of the exact H(x) ("" when unavailable).
    exact : the exact H(p), shape (2, 2), nan when unavailable.
    numerical : H(p) by central differences (core.differences.hessian, default steps), shape (2, 2).
    steps : the central differences' step per variable, shape (2,).
    numerical_error : max |numerical − exact| over the entries (nan when the exact H is unavailable, or the stencil
        leaves f's domain).
    hessian : the H the page uses, shape (2, 2): exact, else the Richardson-extrapolated differences.
    uncertainty : an error bound on ``hessian``'s entries (0 for the exact H; the extrapolation's estimate otherwise).
    tolerance : |∇f| at or below this counts as zero (:func:`stationary_tolerance`).
    curvature : the test or the shape (:class:`Curvature`).
    centre : the model's stationary point p − H⁻¹∇f, shape (2,), or None (H singular, or p itself is stationary).
    grid_x1 (GRID,), grid_x2 (GRID,), grid_f (GRID, GRID) : f on the window, rows along x2.
    radius : R, the radius of the model's disc around p.
    disc_x1 (MODEL_GRID,), disc_x2 (MODEL_GRID,) : the disc's grid; disc_f, disc_model (MODEL_GRID, MODEL_GRID) : f and
        q on it, nan outside the disc.
    level_step : Δ: the levels drawn are f(p) + kΔ, |k| ≤ MODEL_LEVELS, or f(p) ± k²Δ where ∇f = 0 (so that the
        model's nested ellipses or hyperbolas are evenly spaced); the outermost reaches q's largest |q − f(p)| on the
        disc (f's when q is constant there). model_flat : q is constant on the disc (∇f = 0 and H = 0).
    axis_lengths : half-lengths of the curvature axes along v₁, v₂, shape (2,): proportional to 1/√|λᵢ| (the
        semi-axes of a level curve of ½dᵀHd), the longer AXIS_REACH·R; R along a flat direction (λ = 0).
    flat_axes : which eigenvalues are zero, shape (2,).
    sweep_radii (S,) : radii r of the gap sweep; model_gaps, plane_gaps (S,) : max |f − q| and max |f − L| on the
        circle |d| = r (L the tangent plane f(p) + ∇f·d; nan where f is undefined on the circle).
    model_order, plane_order : fitted slopes of log gap against log r over ORDER_FIT_RADII (≈ 3 and 2; nan when they
        cannot be fitted). quadratic : every model gap is round-off: f is quadratic near p and q is f itself.
    slice_t (SLICE_POINTS,) : t ∈ [−R, R]; slice_f, slice_model (A, SLICE_POINTS) : f(p + t·u(θ)) and the model's
        parabola, one row per θ in SLICE_ANGLES; slice_curvature (A,) : uᵀHu per θ.
    notes : things worth saying (exact derivatives unavailable, finite differences at a domain edge, p out of view).
    """

    expression: Expression
    point: np.ndarray
    value: float
    window: Window
    gradient: np.ndarray
    exact_gradient: bool
    gradient_latex: str
    hessian_latex: str
    exact: np.ndarray
    numerical: np.ndarray
    steps: np.ndarray
    numerical_error: float
    hessian: np.ndarray
    uncertainty: float
    tolerance: float
    curvature: Curvature
    centre: np.ndarray | None
    grid_x1: np.ndarray
    grid_x2: np.ndarray
    grid_f: np.ndarray
    radius: float
    disc_x1: np.ndarray
    disc_x2: np.ndarray
    disc_f: np.ndarray
    disc_model: np.ndarray
    level_step: float
    model_flat: bool
    axis_lengths: np.ndarray
    flat_axes: np.ndarray
    sweep_radii: np.ndarray
    model_gaps: np.ndarray
    plane_gaps: np.ndarray
    model_order: float
    plane_order: float
    quadratic: bool
    slice_t: np.ndarray
    slice_f: np.ndarray
    slice_model: np.ndarray
    slice_curvature: np.ndarray
    notes: tuple[str, ...]

    def level_index(self, z: np.ndarray) -> np.ndarray:
        """Where the values z sit among the drawn levels: k for z = f(p) + kΔ, or ±k for z = f(p) ± k²Δ at a
        stationary point (a monotone map of z: its level curves at the integers are z's at the drawn levels)."""
        shift = (np.asarray(z, dtype=float) - self.value) / self.level_step
        return np.sign(shift) * np.sqrt(np.abs(shift)) if self.curvature.stationary else shift

    def model(self, d: np.ndarray) -> np.ndarray:
        """q(p + d) = f(p) + ∇f·d + ½dᵀHd for steps d of shape (2, ...): shape (...)."""
        return _quadratic(self.value, self.gradient, self.hessian, d)


def _quadratic(value: float, gradient: np.ndarray, hessian: np.ndarray, d: np.ndarray) -> np.ndarray:
    linear = np.tensordot(gradient, d, axes=1)
    return value + linear + 0.5 * np.einsum("i...,ij,j...->...", d, hessian, d)


def _finite(value: object) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _check(point: Sequence[float], window: Window) -> np.ndarray:
    if len(point) != 2:
        raise ParameterError("x1", f"the point needs two coordinates (x1, x2); got {len(point)}")
    for name, v in zip(VARIABLES, point):
        if not _finite(v):
            raise ParameterError(name, f"{name} must be a finite number; got {v!r}")
    window.check()
    return np.asarray(point, dtype=float)


def _point_text(p: np.ndarray) -> str:
    return f"({p[0]:g}, {p[1]:g})"


def _value_at(expression: Expression, p: np.ndarray) -> float:
    value = float(expression.func(*p))
    if not math.isfinite(value):
        raise ParameterError("x1", f"f is not defined at {_point_text(p)} (f = {number(value)}); move the point")
    return value


def _f(expression: Expression):
    return lambda x: expression.func(x[0], x[1])


@dataclass(frozen=True)
class _AtPoint:
    """∇f(p) and H(p) as the study uses them: each exact when SymPy gave it, else by finite differences (with an error
    bound); the exact H (nan when there is none) and the central differences shown beside it."""

    gradient: np.ndarray
    gradient_error: float
    exact: np.ndarray
    central: differences.Derivative
    hessian: np.ndarray
    uncertainty: float
    notes: tuple[str, ...]


def _largest(errors) -> float:
    """The largest of a finite-difference result's error estimates (0 when it gave none)."""
    finite = np.asarray(errors, dtype=float)[np.isfinite(errors)] if errors is not None else np.zeros(0)
    return float(finite.max()) if finite.size else 0.0


def _derivatives(compiled: CompiledHessian, p: np.ndarray) -> _AtPoint:
    """∇f(p) and H(p); a ParameterError naming x1 when either is not finite (f not twice differentiable at p)."""
    f = _f(compiled.expression)
    central = differences.hessian(f, p, method="central")
    exact, uncertainty, notes = np.full((2, 2), np.nan), 0.0, [central.note]
    if compiled.hessian is not None:
        exact = used = compiled.hessian.func(*p)
    else:
        refined = differences.hessian(f, p, method="auto")
        used, uncertainty = np.asarray(refined.value, dtype=float), _largest(refined.error_estimate)
        notes.append(refined.note)
    if compiled.gradient is not None:
        gradient, gradient_error = compiled.gradient.func(*p), 0.0
    else:
        numerical = differences.gradient(f, p, method="auto")
        gradient, gradient_error = np.asarray(numerical.value, dtype=float), _largest(numerical.error_estimate)
        notes.append(numerical.note)
    if not (np.isfinite(used).all() and np.isfinite(gradient).all()):
        raise ParameterError("x1", f"f is not twice differentiable at {_point_text(p)}: ∇f or H has entries that are "
                                   "not finite there. Move the point.")
    return _AtPoint(gradient, gradient_error, exact, central, used, uncertainty, tuple(n for n in notes if n))


def _disc(expression: Expression, p: np.ndarray, radius: float, gradient, hessian, value):
    """f and the model on a MODEL_GRID² grid over the disc |d| ≤ R (nan outside)."""
    x1 = np.linspace(p[0] - radius, p[0] + radius, MODEL_GRID)
    x2 = np.linspace(p[1] - radius, p[1] + radius, MODEL_GRID)
    a, b = np.meshgrid(x1, x2)
    d = np.stack([a - p[0], b - p[1]])
    outside = np.hypot(d[0], d[1]) > radius * (1 + 1e-12)
    f = np.where(outside, np.nan, expression.func(a, b))
    q = np.where(outside, np.nan, _quadratic(value, gradient, hessian, d))
    return x1, x2, f, q


def _level_step(disc_f: np.ndarray, disc_model: np.ndarray, value: float, *, stationary: bool) -> tuple[float, bool]:
    """Δ such that the outermost level, f(p) + KΔ (or f(p) ± K²Δ at a stationary point), K = MODEL_LEVELS, is the
    largest |q − f(p)| on the disc; from f's values when q is constant there (then True)."""
    spread = float(np.nanmax(np.abs(disc_model - value)))
    flat = not spread > ROUND_OFF * (abs(value) + 1.0)
    if flat:
        finite = np.abs(disc_f - value)[np.isfinite(disc_f)]
        spread = float(finite.max()) if finite.size else 0.0
    levels = MODEL_LEVELS**2 if stationary else MODEL_LEVELS
    return (spread / levels if spread > 0 else 1.0), flat


def _axes(values: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Half-lengths c/√|λᵢ|, the semi-axes of a level curve |½dᵀHd| = c²/2, with c such that the longer is
    AXIS_REACH·R; a zero λ (no curvature: the level curve is unbounded along it) gets R, flagged."""
    flat = values == 0
    if flat.all():
        return np.full(2, radius), flat
    inverse = np.where(flat, 0.0, 1.0 / np.sqrt(np.where(flat, 1.0, np.abs(values))))
    return np.where(flat, radius, AXIS_REACH * radius * inverse / inverse.max()), flat


def _circles(p: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Steps d on the circles |d| = r: shape (2, len(radii), SWEEP_POINTS)."""
    angles = np.linspace(0.0, 2 * np.pi, SWEEP_POINTS, endpoint=False)
    return np.stack([np.cos(angles), np.sin(angles)])[:, None, :] * radii[None, :, None]


def _fitted_order(radii: np.ndarray, gaps: np.ndarray, floor: np.ndarray) -> float:
    """Slope of log gap against log r over ORDER_FIT_RADII, gaps at round-off left out (nan if < 3 remain)."""
    low, high = ORDER_FIT_RADII
    usable = (radii >= low * (1 - 1e-9)) & (radii <= high * (1 + 1e-9)) & np.isfinite(gaps) & (gaps > floor)
    if usable.sum() < 3:
        return math.nan
    return float(np.polyfit(np.log(radii[usable]), np.log(gaps[usable]), 1)[0])


@dataclass(frozen=True)
class _Sweep:
    """The gaps on circles |d| = r: radii (S,), max |f − q| and max |f − L| (S,), their fitted orders, and whether
    every model gap is round-off."""

    radii: np.ndarray
    model_gaps: np.ndarray
    plane_gaps: np.ndarray
    model_order: float
    plane_order: float
    quadratic: bool


def _sweep(expression: Expression, p: np.ndarray, radius: float, value: float, gradient, hessian) -> _Sweep:
    """The gaps max |f − q| and max |f − L| on circles of radius 1e-3 … max(R, 0.1), about SWEEP_PER_DECADE a
    decade."""
    top = max(radius, ORDER_FIT_RADII[1])
    count = int(math.ceil(SWEEP_PER_DECADE * math.log10(top / ORDER_FIT_RADII[0]))) + 1
    radii = np.geomspace(ORDER_FIT_RADII[0], top, count)
    d = _circles(p, radii)
    f = expression.func(p[0] + d[0], p[1] + d[1])
    plane = value + np.tensordot(gradient, d, axes=1)
    model = _quadratic(value, gradient, hessian, d)
    model_gaps, plane_gaps = np.abs(f - model).max(axis=-1), np.abs(f - plane).max(axis=-1)
    scale = abs(value) + float(np.hypot(*gradient)) * radii + float(np.linalg.norm(hessian, 2)) * radii**2 + 1.0
    floor = ROUND_OFF * scale
    quadratic = bool(np.all(np.isfinite(model_gaps) & (model_gaps <= floor)))
    return _Sweep(radii, model_gaps, plane_gaps, _fitted_order(radii, model_gaps, floor),
                  _fitted_order(radii, plane_gaps, floor), quadratic)


def _slices(expression: Expression, p: np.ndarray, radius: float, value: float, gradient, hessian):
    """f(p + t·u(θ)) and f(p) + (∇f·u)t + ½(uᵀHu)t² for θ in SLICE_ANGLES, t ∈ [−R, R], and uᵀHu per θ."""
    t = np.linspace(-radius, radius, SLICE_POINTS)
    theta = np.radians(SLICE_ANGLES)
    u = np.stack([np.cos(theta), np.sin(theta)])  # (2, A)
    f = expression.func(p[0] + u[0][:, None] * t, p[1] + u[1][:, None] * t)
    slope = gradient @ u
    bend = np.einsum("ia,ij,ja->a", u, hessian, u)
    return t, f, value + slope[:, None] * t + 0.5 * bend[:, None] * t**2, bend


def _centre(curve: Curvature, p: np.ndarray, gradient: np.ndarray, hessian: np.ndarray) -> np.ndarray | None:
    """The model's stationary point p − H⁻¹∇f (where a Newton step would land), when H is nonsingular and ∇f ≠ 0."""
    if curve.stationary or 0 in curve.signs:
        return None
    return p - np.linalg.solve(hessian, gradient)


def _window_note(p: np.ndarray, window: Window) -> str | None:
    inside = window.x1_low <= p[0] <= window.x1_high and window.x2_low <= p[1] <= window.x2_high
    return None if inside else (f"The point {_point_text(p)} is outside the view window: widen the x1 and x2 ranges "
                                "to see it on the contour.")


def study_hessian(compiled: CompiledHessian, *, point: Sequence[float], window: Window) -> HessianStudy:
    """The Hessian of f at ``point``, exact and by finite differences, its eigen-decomposition, the second-derivative
    test, and the quadratic model q(p + d) = f(p) + ∇f·d + ½dᵀHd against f.

    Central differences: H_ii ≈ (f(p + h eᵢ) − 2f(p) + f(p − h eᵢ))/h², H_12 ≈ (f(++) − f(+−) − f(−+) + f(−−))/(4h₁h₂)
    with h = ε^¼·min(|xᵢ|, 1) (core.differences.hessian). ∇f counts as zero below :func:`stationary_tolerance`.

    Parameters
    ----------
    compiled : from :func:`compile_hessian`. point : p = (x1, x2). window : the view (the disc's radius R is
        MODEL_FRACTION of its shorter side).

    Returns
    -------
    HessianStudy

    Raises
    ------
    ParameterError
        ``.parameter`` "x1" or "x2" for a coordinate that is not a finite number, "x1" when f is undefined or not
        twice differentiable at p, "window" for an unusable window.
    """
    p = _check(point, window)
    expression = compiled.expression
    value = _value_at(expression, p)
    at = _derivatives(compiled, p)
    gradient, used = at.gradient, at.hessian
    tolerance = stationary_tolerance(point=p, hessian=used, gradient_error=at.gradient_error)
    curve = curvature(used, stationary=bool(np.hypot(*gradient) <= tolerance), uncertainty=at.uncertainty)
    radius = MODEL_FRACTION * min(window.x1_high - window.x1_low, window.x2_high - window.x2_low)
    disc_x1, disc_x2, disc_f, disc_model = _disc(expression, p, radius, gradient, used, value)
    step, flat = _level_step(disc_f, disc_model, value, stationary=curve.stationary)
    lengths, flat_axes = _axes(curve.eigenvalues, radius)
    sweep = _sweep(expression, p, radius, value, gradient, used)
    slice_t, slice_f, slice_model, bend = _slices(expression, p, radius, value, gradient, used)
    central = np.asarray(at.central.value, dtype=float)
    grid_x1 = np.linspace(window.x1_low, window.x1_high, GRID)
    grid_x2 = np.linspace(window.x2_low, window.x2_high, GRID)
    return HessianStudy(
        expression=expression, point=p, value=value, window=window, gradient=gradient,
        exact_gradient=compiled.gradient is not None,
        gradient_latex=compiled.gradient.latex if compiled.gradient is not None else "",
        hessian_latex=compiled.hessian.latex if compiled.hessian is not None else "",
        exact=at.exact, numerical=central, steps=np.asarray(at.central.step, dtype=float),
        numerical_error=float(np.max(np.abs(central - at.exact))) if compiled.hessian is not None else math.nan,
        hessian=used, uncertainty=at.uncertainty, tolerance=tolerance, curvature=curve,
        centre=_centre(curve, p, gradient, used), grid_x1=grid_x1, grid_x2=grid_x2,
        grid_f=expression.func(*np.meshgrid(grid_x1, grid_x2)), radius=radius, disc_x1=disc_x1, disc_x2=disc_x2,
        disc_f=disc_f, disc_model=disc_model, level_step=step, model_flat=flat, axis_lengths=lengths,
        flat_axes=flat_axes, sweep_radii=sweep.radii, model_gaps=sweep.model_gaps, plane_gaps=sweep.plane_gaps,
        model_order=sweep.model_order, plane_order=sweep.plane_order, quadratic=sweep.quadratic, slice_t=slice_t,
        slice_f=slice_f, slice_model=slice_model, slice_curvature=bend,
        notes=tuple(n for n in (*compiled.notes, *at.notes, _window_note(p, window)) if n),
    )


# ----------------------------------------------------------------------------------------------- words and LaTeX
@dataclass(frozen=True)
class HessianReadouts:
    """What the page prints: f in LaTeX, metric (label, value) pairs, ∇f, the exact Hessian (as a formula, and at p)
    and the central-difference one in LaTeX, how the differences were taken and their error in words, and the
    eigen-decomposition in LaTeX."""

    function: str
    metrics: tuple[tuple[str, str], ...]
    gradient: str
    exact_formula: str
    exact: str
    numerical: str
    error: str
    eigen: str


def _row_latex(values: Sequence[float]) -> str:
    return r"\left(" + r",\ ".join(number(float(v) + 0.0) for v in values) + r"\right)"


def _point_latex(p: np.ndarray) -> str:
    return rf"\left({p[0]:g},\ {p[1]:g}\right)"


def _exact_latex(study: HessianStudy) -> tuple[str, str]:
    """H(x) as a formula and H(p) in numbers; without the exact H, the extrapolated differences (said so)."""
    if not study.hessian_latex:
        return r"\text{not available in time}", rf"H{_point_latex(study.point)} \approx " + matrix_latex(study.hessian)
    return rf"H(x) = {study.hessian_latex}", rf"H{_point_latex(study.point)} = {matrix_latex(study.exact)}"


def _steps_text(steps: np.ndarray) -> str:
    return (f"h = {steps[0]:.2e}" if steps[0] == steps[1] else f"h₁ = {steps[0]:.2e}, h₂ = {steps[1]:.2e}")


def _error_text(study: HessianStudy) -> str:
    """How the central differences were taken, and how far they are from the exact H."""
    how = (f"Central differences (f(p + heᵢ) − 2f(p) + f(p − heᵢ))/h² on the diagonal, "
           f"{_steps_text(study.steps)}. ")
    if not study.hessian_latex:
        return how + (f"Without the exact H the page uses Richardson-extrapolated differences, estimated correct to "
                      f"{number(study.uncertainty, digits=1, scientific=True)}.")
    if not math.isfinite(study.numerical_error):
        return how + "They are undefined here: their stencil leaves f's domain (see the note below)."
    if study.numerical_error == 0:
        return how + "They agree with the exact H to the last bit at this point."
    return how + (f"Largest error against the exact H: {number(study.numerical_error, digits=2, scientific=True)} "
                  "(a second difference loses about half the digits: h ≈ ε^¼, error ≈ √ε times f's size).")


def _eigen_latex(curve: Curvature) -> str:
    parts = [rf"\lambda_{i + 1} = {number(float(curve.eigenvalues[i]) + 0.0)},\ "
             rf"v_{i + 1} = {_row_latex(curve.eigenvectors[:, i])}" for i in range(2)]
    return (r",\qquad ".join(parts)
            + rf",\qquad \det H = \lambda_1 \lambda_2 = {number(curve.determinant + 0.0)}")


def readouts(study: HessianStudy) -> HessianReadouts:
    """f, ∇f, H exact and numerical, the eigen-decomposition and det H, with three decimals (errors in scientific
    notation, never "-0.000")."""
    g = study.gradient
    exact_formula, exact = _exact_latex(study)
    gradient = (rf"\nabla f(x) = {study.gradient_latex}, \qquad " if study.gradient_latex else r"\nabla f \approx ")
    metrics = (("f(x1, x2)", number(study.value)), ("∂f/∂x1", number(float(g[0]) + 0.0)),
               ("∂f/∂x2", number(float(g[1]) + 0.0)), ("det H", number(study.curvature.determinant + 0.0)))
    return HessianReadouts(
        function=rf"f(x_1, x_2) = {study.expression.latex}", metrics=metrics,
        gradient=gradient + rf"\nabla f{_point_latex(study.point)} = {_row_latex(g)}",
        exact_formula=exact_formula, exact=exact,
        numerical=rf"H_{{\text{{central}}}}{_point_latex(study.point)} = " + matrix_latex(study.numerical, digits=6),
        error=_error_text(study), eigen=_eigen_latex(study.curvature),
    )


def gap_sentence(study: HessianStudy) -> str:
    """How the gaps fall: the model's like r³ (or faster where f's third derivatives vanish at p), the tangent
    plane's like r², with the fitted slopes; or that f is quadratic and the model is f itself."""
    if study.quadratic:
        return ("f is quadratic here: its quadratic model is f itself, so every gap is floating-point round-off "
                "(the tangent plane's gap still falls like r²).")
    fitted = [f"{name} {order:.2f}" for name, order in (("quadratic model", study.model_order),
                                                         ("tangent plane", study.plane_order))
              if math.isfinite(order)]
    slopes = f" Fitted slopes for r from 10⁻³ to 10⁻¹: {', '.join(fitted)}." if fitted else ""
    return ("The largest distance between f and its quadratic model on the circle |x − p| = r falls like r³ "
            "(halving r divides it by 8), the tangent plane's like r²; each falls faster where f's next derivatives "
            "vanish at p." + slopes)
