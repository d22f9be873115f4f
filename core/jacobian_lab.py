"""Everything the Jacobian page shows, computed in one call per view.

Two views share one compiled map F: Rⁿ → Rᵐ (typed components, or the gradient map ∇f of a typed f):

- the plane view (n = m = 2): J at a point p, exact and by central differences; det J and the singular values; a
  square grid and a circle of radius r around p with their images under F and under the linear map
  L(x) = F(p) + J·(x − p) (the circle's image under L is an ellipse with semi-axes σᵢ·r along the left singular
  vectors uᵢ, and its area is |det J| times the circle's); the gap max |F − L| on circles of shrinking radius,
  which falls like r²; and the straight-line warp (1 − t)·x + t·F(x), t ∈ [0, 1], from the identity to F;
- the table view (n, m ≤ 6): the m×n Jacobian at a point, exact against numerical, and det J when m = n.

The page's controls (named like its URL parameters) start from :data:`DEFAULTS`; presets become control values
through :func:`preset_settings` (a click: :func:`picked_settings`; a link: :func:`link_settings`, which also reads
``grad`` without ``source`` as F = ∇f). The sentences under the charts are built from a study by
:func:`ellipse_sentence`, :func:`gap_sentence` and :func:`table_sentence`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import sympy as sp

from core import differences, symbolic
from core.errors import ParameterError
from core.expressions import ExpressionError, NumpyFunction, parse, time_limit
from core.presentation import number
from core.urlparams import log_steps

__all__ = [
    "CIRCLE_POINTS",
    "DEFAULTS",
    "GRID_LINES",
    "LINE_POINTS",
    "MAX_DIMENSION",
    "MODES",
    "NUMERICAL_STEP",
    "PLANE_PRESETS",
    "PRESET_KINDS",
    "RADIUS_CHOICES",
    "SOURCES",
    "SWEEP_RADII",
    "TABLE_PRESETS",
    "TUTORIAL_F",
    "WARP_TIMES",
    "CompiledMap",
    "GradientRow",
    "ParameterError",
    "PlanePreset",
    "PlaneStudy",
    "TablePreset",
    "TableStudy",
    "compile_gradient_map",
    "compile_map",
    "compile_plane",
    "component_names",
    "ellipse_sentence",
    "entry_rows",
    "find_preset",
    "gap_sentence",
    "gradient_page_query",
    "link_settings",
    "matrix_latex",
    "picked_settings",
    "plane_metrics",
    "preset_settings",
    "study_plane",
    "study_table",
    "table_sentence",
    "variables",
    "warp",
]

MAX_DIMENSION = 6  # n, m ≤ 6: a table that still fits a projector
RADIUS_CHOICES = (*log_steps(low_exponent=-2, high_exponent=0), 2.0)  # neighbourhood radius r: 0.01 … 2
NUMERICAL_STEP = 1e-6  # the tutorial's central-difference step
GRID_LINES = 9  # grid lines per direction across the square [p − r, p + r]²
LINE_POINTS = 33  # samples along each grid line: enough for F's image of a line to look smooth
CIRCLE_POINTS = 121  # samples around the circle, every 3° (closed: the last equals the first)
SWEEP_POINTS = 64  # samples around each circle of the gap-vs-radius sweep
SWEEP_RADII = np.geomspace(1e-3, 2.0, 34)  # the gap-vs-r plot: about 10 radii a decade
ORDER_FIT_RADII = (1e-3, 1e-1)  # the gap's order is fitted where the r² term dominates the higher ones
WARP_TIMES = np.linspace(0.0, 1.0, 11)  # the warp animation's frames (plotly.js interpolates between them)
SINGULAR_RTOL = 1e-10  # σ₂/σ₁ below this: J is singular to the accuracy of its entries
ROUND_OFF = 100 * np.finfo(float).eps  # relative size of a gap that is only floating-point noise


def variables(n: int) -> tuple[str, ...]:
    """The page's variable names x1 … xn."""
    return tuple(f"x{i}" for i in range(1, n + 1))


def component_names(m: int) -> tuple[str, ...]:
    """The table view's component names f1 … fm (also the names of its formula controls)."""
    return tuple(f"f{i}" for i in range(1, m + 1))


# ----------------------------------------------------------------------------------------------- presets
@dataclass(frozen=True)
class PlanePreset:
    """A one-click map of the plane: its components (or f for F = ∇f), a point, a radius and what to notice."""

    label: str
    source: str  # "u, v" or "∇f"
    u: str
    v: str
    grad: str
    point: tuple[float, float]
    radius: float
    note: str


TUTORIAL_F = "(x1+2)(x1-5) + (x2+1)(x2-3)"  # the tutorial's example B, the Gradient page's default f
_SWIRL_ANGLE = "(x1^2 + x2^2)"

PLANE_PRESETS = (
    PlanePreset("polar", "u, v", "x1 cos(x2)", "x1 sin(x2)", TUTORIAL_F, (2.0, 0.5), 0.5,
                "Polar → cartesian with x1 = r and x2 = θ: (r, θ) ↦ (r cos θ, r sin θ). det J = r, so areas grow with "
                "the distance from the origin; at r = 0 the whole θ-line lands on the origin and J is singular."),
    PlanePreset("rotation-scaling", "u, v", "1.5 (cos(pi/6) x1 - sin(pi/6) x2)", "1.5 (sin(pi/6) x1 + cos(pi/6) x2)",
                TUTORIAL_F, (1.0, 0.5), 0.5,
                "J = s·R(φ) with s = 1.5 and φ = 30°: every circle stays a circle (σ₁ = σ₂ = s) and areas scale by "
                "det J = s² = 2.25. The map is linear, so the linearisation is exact."),
    PlanePreset("shear", "u, v", "x1 + 1.5 x2", "x2", TUTORIAL_F, (0.5, 0.5), 0.5,
                "A shear keeps areas (det J = 1) but turns the circle into an ellipse: σ₁·σ₂ = 1 with σ₁ > 1 > σ₂."),
    PlanePreset("swirl", "u, v", f"x1 cos{_SWIRL_ANGLE} - x2 sin{_SWIRL_ANGLE}",
                f"x1 sin{_SWIRL_ANGLE} + x2 cos{_SWIRL_ANGLE}", TUTORIAL_F, (0.8, 0.3), 0.2,
                "Each circle around the origin turns by its squared radius. det J = 1 everywhere, yet the "
                "neighbourhood is sheared into an ellipse, and the grid's image bends as r grows."),
    PlanePreset("gradient map", "∇f", "x1 cos(x2)", "x1 sin(x2)", TUTORIAL_F, (-3.0, -2.0), 0.5,
                "F = ∇f for the Gradient page's f (the tutorial's example B). The Jacobian of a gradient map is "
                "f's Hessian, here [[2, 0], [0, 2]]: F is affine, so its linearisation is exact."),
)


@dataclass(frozen=True)
class TablePreset:
    """A one-click F: Rⁿ → Rᵐ for the table view: its components in x1 … xn and a point."""

    label: str
    components: tuple[str, ...]
    point: tuple[float, ...]
    note: str


TABLE_PRESETS = (
    TablePreset("R³ → R²", ("x1 x2 + x3^2", "sin(x1) + x2 e^x3"), (2.0, 0.5, 1.0),
                "Two outputs, three inputs: J has 2 rows (one per output) and 3 columns (one per input)."),
    TablePreset("gradient = 1×2 Jacobian", (TUTORIAL_F,), (-3.0, -2.0),
                "One output: the Jacobian is a single row, the gradient ∇f. The tutorial's f at (−3, −2) gives "
                "∇f = (−9, −6)."),
    TablePreset("spherical → cartesian", ("x1 sin(x2) cos(x3)", "x1 sin(x2) sin(x3)", "x1 cos(x2)"), (2.0, 0.8, 0.5),
                "(ρ, θ, φ) ↦ (x, y, z): det J = ρ² sin θ, the volume element of spherical coordinates."),
    TablePreset("softmax", ("e^x1/(e^x1 + e^x2 + e^x3)", "e^x2/(e^x1 + e^x2 + e^x3)", "e^x3/(e^x1 + e^x2 + e^x3)"),
                (1.0, 2.0, 0.5),
                "softmax: J = diag(s) − s sᵀ. Every column sums to 0 (the outputs always sum to 1), so J is singular."),
)


def preset_settings(preset: PlanePreset | TablePreset) -> dict[str, str | float | int]:
    """The control values a preset sets, keyed by the page's URL parameter names.

    Parameters
    ----------
    preset : one of PLANE_PRESETS or TABLE_PRESETS.

    Returns
    -------
    dict
        A plane preset: source, u, v, grad, x1, x2 (its point) and r (its radius). A table preset with m
        components and a point of n coordinates: n, m, f1 … fm and x1 … xn (the controls past m and n keep theirs).
    """
    if isinstance(preset, PlanePreset):
        return {"source": preset.source, "u": preset.u, "v": preset.v, "grad": preset.grad,
                "x1": preset.point[0], "x2": preset.point[1], "r": preset.radius}
    if isinstance(preset, TablePreset):
        n, m = len(preset.point), len(preset.components)
        return {"n": n, "m": m, **dict(zip(component_names(m), preset.components, strict=True)),
                **dict(zip(variables(n), preset.point, strict=True))}
    raise ValueError(f"preset must be a PlanePreset or a TablePreset; got {type(preset).__name__}")


# ----------------------------------------------------------------------------------------------- page settings
MODES = ("plane", "table")  # the page's two views
SOURCES = ("u, v", "∇f")  # where the plane view's F comes from: two typed components, or the gradient map of f
_POLAR, _TABLE = PLANE_PRESETS[0], TABLE_PRESETS[0]
DEFAULTS = MappingProxyType({  # every control's starting value, keyed by its URL parameter
    "mode": MODES[0], "source": _POLAR.source, "u": _POLAR.u, "v": _POLAR.v, "grad": _POLAR.grad, "r": _POLAR.radius,
    # x1, x2: the plane view's point (the polar preset's); x3 … x6: the table view's further inputs
    **dict(zip(variables(MAX_DIMENSION), (*_POLAR.point, *_TABLE.point[2:], 1.0, 1.0, 1.0), strict=True)),
    "n": len(_TABLE.point), "m": len(_TABLE.components),
    **dict(zip(component_names(MAX_DIMENSION),
               (*_TABLE.components, "x1^2 - x2", "log(1 + x1^2)", "x2/(1 + x1^2)", "x1 + 2x2"), strict=True)),
})
PRESET_KINDS = MappingProxyType({"preset": PLANE_PRESETS, "table_preset": TABLE_PRESETS})  # URL parameter → presets


def find_preset(label: str | None, *, presets: Sequence[PlanePreset | TablePreset]) -> PlanePreset | TablePreset | None:
    """The preset called ``label`` among ``presets``, or None (no label, or one that is not there)."""
    return next((p for p in presets if p.label == label), None)


def picked_settings(label: str | None, *, kind: str) -> dict[str, str | float | int]:
    """The control values a click on the preset ``label`` sets.

    Parameters
    ----------
    label : the chosen preset's label; None when the pill was unselected.
    kind : "preset" (the plane view's pills) or "table_preset" (the table view's), a key of :data:`PRESET_KINDS`.

    Returns
    -------
    dict
        :func:`preset_settings` of that preset; empty when nothing (or nothing known) was chosen.
    """
    chosen = find_preset(label, presets=PRESET_KINDS[kind])
    return preset_settings(chosen) if chosen is not None else {}


def link_settings(*, given: Collection[str], current: Mapping[str, object]) -> dict[str, str | float | int]:
    """What a link's shortcuts set on arrival, beyond the values the link gives itself.

    A link's preset (``preset`` or ``table_preset``) fills every setting the link does not give; a link with
    ``grad`` but no ``source`` means F = ∇f, so ``/jacobian?grad=<f>`` is all the Gradient page needs to link here.

    Parameters
    ----------
    given : the names of the link's query parameters.
    current : the controls' values as read from the link (only ``preset`` and ``table_preset`` are looked at).

    Returns
    -------
    dict
        The control values to apply, keyed by URL parameter; empty when the link uses no shortcut.
    """
    settings: dict[str, str | float | int] = {}
    for kind in PRESET_KINDS:
        chosen = picked_settings(current.get(kind), kind=kind)
        settings.update({name: value for name, value in chosen.items() if name not in given})
    if "grad" in given and "source" not in given:
        settings["source"] = SOURCES[1]
    return settings


def gradient_page_query(f: str, *, point: Sequence[float]) -> dict[str, str]:
    """The query that opens ``f`` at ``point`` = (x1, x2) on the Gradient page."""
    return {"f": f, "x1": f"{point[0]:g}", "x2": f"{point[1]:g}"}


# ----------------------------------------------------------------------------------------------- compiled map
@dataclass(frozen=True)
class CompiledMap:
    """F: Rⁿ → Rᵐ ready to evaluate, with its exact Jacobian.

    Attributes
    ----------
    names : the controls the components come from ("u", "v"; "f1", …; or ("grad",) for a gradient map).
    variables : x1 … xn.
    components : one vectorised function per output, each taking n arrays.
    function_latex : LaTeX of F(x) as a column.
    jacobian : the exact Jacobian, shape (m, n), or None when SymPy ran out of time.
    note : why the exact Jacobian is missing, else None.
    potential : for F = ∇f, f itself (its gradient row is shown as f's 1×n Jacobian); else None.
    potential_latex : LaTeX of that f ("" when there is none).
    """

    names: tuple[str, ...]
    variables: tuple[str, ...]
    components: tuple[NumpyFunction, ...]
    function_latex: str
    jacobian: symbolic.SymbolicMatrix | None
    note: str | None
    potential: NumpyFunction | None = None
    potential_latex: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        """(m, n)."""
        return len(self.components), len(self.variables)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """F(x) for x of shape (n, ...): shape (m, ...)."""
        return np.stack([component(*x) for component in self.components])


def _check_dimension(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DIMENSION:
        raise ParameterError(name, f"{name} must be a whole number from 1 to {MAX_DIMENSION}; got {value!r}")


def _exact_jacobian(build: Callable[[], symbolic.SymbolicMatrix]) -> tuple[symbolic.SymbolicMatrix | None, str | None]:
    try:
        return build(), None
    except ExpressionError as error:
        return None, f"The exact Jacobian is not available ({error}); the linear map uses the numerical one."


def _column_latex(entries: Sequence[str]) -> str:
    return r"\begin{bmatrix} " + r" \\ ".join(entries) + r" \end{bmatrix}"


def compile_map(texts: Sequence[str], *, n: int, names: Sequence[str]) -> CompiledMap:
    """Parse the components F₁ … Fₘ (typed in x1 … xn) and differentiate them exactly.

    Parameters
    ----------
    texts : m formulas, 1 ≤ m ≤ 6.
    n : the number of variables, 1 ≤ n ≤ 6.
    names : the control each formula comes from, one per formula (an error names its control).

    Raises
    ------
    ParameterError
        ``.parameter`` is the offending formula's name (unreadable formula, unknown variable), or "n"/"m".
    """
    _check_dimension("n", n)
    _check_dimension("m", len(texts))
    if len(names) != len(texts):
        raise ValueError(f"names: one per formula; got {len(names)} names for {len(texts)} formulas")
    expressions = []
    for name, text in zip(names, texts, strict=True):
        try:
            expressions.append(parse(text, variables(n)))
        except ExpressionError as error:
            raise ParameterError(name, f"{name}: {error}") from error
    jacobian, note = _exact_jacobian(lambda: symbolic.jacobian(expressions))
    return CompiledMap(tuple(names), variables(n), tuple(e.func for e in expressions),
                       _column_latex([e.latex for e in expressions]), jacobian, note)


def compile_gradient_map(text: str, *, name: str = "grad") -> CompiledMap:
    """F = ∇f = (∂f/∂x1, ∂f/∂x2) for a typed f(x1, x2); its Jacobian is f's Hessian.

    Raises
    ------
    ParameterError
        ``.parameter`` is ``name``: f cannot be read, or SymPy cannot differentiate it in time (F itself needs the
        exact gradient).
    """
    try:
        f = parse(text, variables(2))
        gradient = symbolic.gradient(f)
        with time_limit(symbolic.SYMBOLIC_SECONDS, what="Typesetting the gradient"):
            latex = _column_latex([sp.latex(entry) for entry in gradient.sympy])
    except ExpressionError as error:
        raise ParameterError(name, f"f: {error}") from error
    hessian, note = _exact_jacobian(lambda: symbolic.hessian(f))
    return CompiledMap((name,), f.variables, gradient.entries, latex, hessian, note, f.func, f.latex)


def compile_plane(*, source: str, u: str, v: str, grad: str) -> CompiledMap:
    """The plane view's F: R² → R²: the typed components (u, v), or ∇f of the typed f when ``source`` is "∇f".

    Raises
    ------
    ParameterError
        ``.parameter`` names the formula at fault ("u", "v" or "grad"), or "source" for an unknown source.
    """
    if source == SOURCES[1]:
        return compile_gradient_map(grad)
    if source == SOURCES[0]:
        return compile_map((u, v), n=2, names=("u", "v"))
    raise ParameterError("source", f"source must be one of {', '.join(SOURCES)}; got {source!r}")


# ----------------------------------------------------------------------------------------------- shared numerics
def _check_point(point: Sequence[float], n: int) -> np.ndarray:
    p = np.asarray(point, dtype=float)
    if p.shape != (n,):
        raise ParameterError("point", f"the point needs {n} coordinates; got {p.size}")
    if not np.isfinite(p).all():
        raise ParameterError("point", f"the point's coordinates must be finite numbers; got {tuple(point)}")
    return p


def _point_text(p: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:g}" for v in p) + ")"


def _value_at(compiled: CompiledMap, p: np.ndarray) -> np.ndarray:
    """F(p), or a ParameterError naming the components that are undefined there."""
    value = compiled(p)
    bad = [i for i in range(len(value)) if not math.isfinite(value[i])]
    if bad:
        which = " and ".join(_component_name(compiled, i) for i in bad)
        verb = "is" if len(bad) == 1 else "are"
        raise ParameterError("point", f"F is not defined at p = {_point_text(p)}: {which} {verb} undefined there. "
                                      "Pick a point inside F's domain.")
    return value


def _component_name(compiled: CompiledMap, i: int) -> str:
    if compiled.potential is not None:
        return f"∂f/∂x{i + 1}"
    return compiled.names[i]


def _jacobians(compiled: CompiledMap, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, str | None]:
    """The exact J(p) (nan when unavailable) and central differences with the tutorial's step, both (m, n)."""
    m, n = compiled.shape
    exact = compiled.jacobian.func(*p) if compiled.jacobian is not None else np.full((m, n), np.nan)
    numerical = differences.jacobian(compiled, p, method="central", step=NUMERICAL_STEP)
    return exact, np.asarray(numerical.value, dtype=float).reshape(m, n), numerical.note


def matrix_latex(values: np.ndarray, *, digits: int = 3) -> str:
    """A (m, n) array as a LaTeX bmatrix with ``digits`` decimals ("undefined" for nan)."""
    rows = [" & ".join(_cell_latex(v, digits) for v in row) for row in np.atleast_2d(values)]
    return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


def _cell_latex(value: float, digits: int) -> str:
    text = number(float(value) + 0.0, digits=digits)  # + 0.0 turns −0.0 (x1·sin x2 at x1 = 0) into 0.0
    return r"\text{undefined}" if text == "undefined" else text.replace("∞", r"\infty").replace("−", "-")


def entry_rows(exact: np.ndarray, numerical: np.ndarray, *, names: Sequence[str] | None = None) -> list[dict]:
    """One row per entry ∂fᵢ/∂xⱼ (``names`` are the components' names, default f1 … fm): exact, numerical (central
    differences) and their difference, as numbers."""
    m, n = exact.shape
    labels = names or component_names(m)
    return [
        {"entry": f"∂{labels[i]}/∂x{j + 1}", "exact": float(exact[i, j]), "numerical": float(numerical[i, j]),
         "|difference|": float(abs(exact[i, j] - numerical[i, j]))}
        for i in range(m) for j in range(n)
    ]


# ----------------------------------------------------------------------------------------------- plane view
@dataclass(frozen=True)
class GradientRow:
    """For F = ∇f: f's own Jacobian at p, the 1×2 row ∇f(p) — exact (F(p) itself) and by central differences."""

    latex: str
    exact: np.ndarray
    numerical: np.ndarray


@dataclass(frozen=True)
class PlaneStudy:
    """The plane view of F: R² → R² at a point p with a neighbourhood radius r.

    Attributes
    ----------
    point : p, shape (2,); value : F(p), shape (2,); radius : r.
    function_latex, jacobian_latex : F(x) and the exact J(x) in LaTeX ("" when SymPy ran out of time).
    exact, numerical : J(p) exact (nan when unavailable) and by central differences (h = NUMERICAL_STEP), (2, 2).
    jacobian : the one the linear map uses: exact, or numerical when SymPy gave no exact form, (2, 2).
    determinant : det J; singular_values : (σ₁, σ₂), σ₁ ≥ σ₂ ≥ 0.
    left, right : J = left · diag(σ) · rightᵀ; their columns are the singular directions uᵢ (output) and vᵢ (input).
    rank : 2, 1 (J squashes the neighbourhood onto a line) or 0 (onto a point), to the accuracy SINGULAR_RTOL.
    grid : the square grid over [p − r, p + r]², shape (2, L), lines separated by nan.
    grid_image, grid_linear : F(grid) and L(grid) with L(x) = F(p) + J·(x − p), shape (2, L).
    circle, circle_image, circle_linear : the circle |x − p| = r (closed polygon), F and L of it, shape (2, K).
    area_ratio : signed area of F(circle) over that of the circle (→ det J as r → 0; negative: orientation flips).
    gap : max |F(x) − L(x)| over the circle.
    sweep_radii (S,), sweep_gaps (S,) : the same gap on circles of radius SWEEP_RADII (nan where F is undefined).
    gap_order : the fitted slope of log gap against log r over ORDER_FIT_RADII (≈ 2), nan when it cannot be fitted
        (F affine, or undefined on those circles).
    affine : every gap of the sweep is floating-point noise: F is affine near p and L is F itself.
    gradient : for F = ∇f, f's gradient as its 1×2 Jacobian; else None.
    notes : things worth saying about J (exact Jacobian unavailable, stencils going one-sided, …).
    domain_note : set when F is undefined on part of the neighbourhood (a smaller radius helps).
    singular_note : set when J is singular, saying what the map does to the neighbourhood.
    """

    point: np.ndarray
    value: np.ndarray
    radius: float
    function_latex: str
    jacobian_latex: str
    exact: np.ndarray
    numerical: np.ndarray
    jacobian: np.ndarray
    determinant: float
    singular_values: np.ndarray
    left: np.ndarray
    right: np.ndarray
    rank: int
    grid: np.ndarray
    grid_image: np.ndarray
    grid_linear: np.ndarray
    circle: np.ndarray
    circle_image: np.ndarray
    circle_linear: np.ndarray
    area_ratio: float
    gap: float
    sweep_radii: np.ndarray
    sweep_gaps: np.ndarray
    gap_order: float
    affine: bool
    gradient: GradientRow | None
    notes: tuple[str, ...]
    domain_note: str | None
    singular_note: str | None

    def linear(self, x: np.ndarray) -> np.ndarray:
        """L(x) = F(p) + J·(x − p) for x of shape (2, ...)."""
        return _affine(self.point, self.value, self.jacobian, x)


def _affine(p: np.ndarray, value: np.ndarray, jacobian: np.ndarray, x: np.ndarray) -> np.ndarray:
    """F(p) + J·(x − p) for x of shape (n, ...): shape (m, ...)."""
    trailing = (1,) * (x.ndim - 1)
    return value.reshape(value.shape + trailing) + np.tensordot(jacobian, x - p.reshape(p.shape + trailing), axes=1)


def warp(start: np.ndarray, end: np.ndarray, t: float) -> np.ndarray:
    """The straight-line homotopy (1 − t)·start + t·end: the identity at t = 0, the map at t = 1 (same shapes)."""
    return (1.0 - t) * start + t * end


def _square_grid(p: np.ndarray, r: float) -> np.ndarray:
    """GRID_LINES vertical then GRID_LINES horizontal lines over [p − r, p + r]², nan-separated: (2, L)."""
    ticks = np.linspace(-r, r, GRID_LINES)
    along = np.append(np.linspace(-r, r, LINE_POINTS), np.nan)
    fixed = np.repeat(ticks, LINE_POINTS + 1)
    moving = np.tile(along, GRID_LINES)
    fixed = np.where(np.isnan(moving), np.nan, fixed)
    x1 = np.concatenate([fixed, moving]) + p[0]
    x2 = np.concatenate([moving, fixed]) + p[1]
    return np.stack([x1, x2])


def _circles(p: np.ndarray, radii: np.ndarray, points: int) -> np.ndarray:
    """Closed circles |x − p| = r for each radius: shape (2, len(radii), points)."""
    angles = np.linspace(0.0, 2 * np.pi, points)
    unit = np.stack([np.cos(angles), np.sin(angles)])
    return p[:, None, None] + unit[:, None, :] * np.asarray(radii, dtype=float)[None, :, None]


def _signed_area(polygon: np.ndarray) -> float:
    """Shoelace area of a closed polygon (2, K), positive when counter-clockwise."""
    x, y = polygon
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def _gaps(image: np.ndarray, linear: np.ndarray) -> np.ndarray:
    """max over the last axis of |F − L| (nan where F is undefined anywhere on that circle)."""
    return np.linalg.norm(image - linear, axis=0).max(axis=-1)


def _is_affine(gaps: np.ndarray, scale: np.ndarray) -> bool:
    """Every gap is finite and at round-off level relative to the size of the numbers involved."""
    return bool(np.all(np.isfinite(gaps) & (gaps <= ROUND_OFF * scale)))


def _gap_order(radii: np.ndarray, gaps: np.ndarray, scale: np.ndarray) -> float:
    """Slope of log gap against log r over ORDER_FIT_RADII, ignoring gaps at round-off level (nan if < 3 remain)."""
    low, high = ORDER_FIT_RADII
    usable = (radii >= low) & (radii <= high) & np.isfinite(gaps) & (gaps > ROUND_OFF * scale)
    if usable.sum() < 3:
        return math.nan
    return float(np.polyfit(np.log(radii[usable]), np.log(gaps[usable]), 1)[0])


def _rank(sigma: np.ndarray) -> int:
    """How many singular values (descending) exceed SINGULAR_RTOL·σ₁."""
    return int(np.sum(sigma > SINGULAR_RTOL * max(sigma[0], np.finfo(float).tiny)))


def _singular_note(rank: int) -> str | None:
    if rank == 2:
        return None
    where = "onto a line: the circle's image under J is a segment" if rank == 1 else "to a single point"
    return (f"det J = 0 here: J is singular (rank {rank}), so the linear map squashes the neighbourhood {where}, "
            "and F has no local inverse at this point.")


def _check_plane(compiled: CompiledMap, radius: float) -> None:
    if compiled.shape != (2, 2):
        raise ValueError(f"compiled: the plane view needs F: R² → R²; got shape {compiled.shape}")
    if not (isinstance(radius, (int, float)) and math.isfinite(radius) and 0 < radius <= max(RADIUS_CHOICES)):
        raise ParameterError("r", f"r must be a radius in (0, {max(RADIUS_CHOICES):g}]; got {radius!r}")


def _usable_jacobian(exact: np.ndarray, numerical: np.ndarray, p: np.ndarray, *, has_exact: bool) -> np.ndarray:
    """The exact J(p); the numerical one only when SymPy gave no exact form (a one-sided difference next to a
    singularity is finite but meaningless, so it never stands in for an exact J that is infinite)."""
    jacobian = exact if has_exact else numerical
    if not np.isfinite(jacobian).all():
        raise ParameterError("point", f"F is not differentiable at p = {_point_text(p)}: J(p) has entries that are "
                                      "not finite there. Move the point.")
    return jacobian


def _gradient_row(compiled: CompiledMap, p: np.ndarray, value: np.ndarray) -> GradientRow | None:
    if compiled.potential is None:
        return None
    numerical = differences.gradient(lambda x: compiled.potential(*x), p, method="central", step=NUMERICAL_STEP)
    return GradientRow(compiled.potential_latex, value, np.asarray(numerical.value, dtype=float))


def _domain_note(inputs: Sequence[np.ndarray], images: Sequence[np.ndarray]) -> str | None:
    """A note when F is not finite at some sampled points of the neighbourhood (inputs, images: (2, K) each)."""
    sampled = [np.isfinite(x).all(axis=0) for x in inputs]
    undefined = sum(int((s & ~np.isfinite(y).all(axis=0)).sum()) for s, y in zip(sampled, images, strict=True))
    if not undefined:
        return None
    total = sum(int(s.sum()) for s in sampled)
    return (f"F is not defined on part of this neighbourhood ({undefined} of {total} sampled points); those parts "
            "are missing from the picture. A smaller r stays inside F's domain.")


def study_plane(compiled: CompiledMap, *, point: Sequence[float], radius: float) -> PlaneStudy:
    """Everything the plane view shows for F: R² → R² at ``point`` with neighbourhood radius ``radius``.

    Parameters
    ----------
    compiled : from :func:`compile_map` (two components in x1, x2) or :func:`compile_gradient_map`.
    point : p = (x1, x2).
    radius : r, 0 < r ≤ 2: the half-width of the grid and the radius of the circle around p.

    Returns
    -------
    PlaneStudy
        J(p) exact and numerical ((F(p + h eⱼ) − F(p − h eⱼ)) / 2h, h = 1e-6), det J, the SVD
        J = U·diag(σ₁, σ₂)·Vᵀ, and the neighbourhood under F and under L(x) = F(p) + J·(x − p).

    Raises
    ------
    ParameterError
        ``.parameter`` "point" when F is undefined or not differentiable at p, "r" for an unusable radius.
    """
    _check_plane(compiled, radius)
    p = _check_point(point, 2)
    value = _value_at(compiled, p)
    exact, numerical, numerical_note = _jacobians(compiled, p)
    jacobian = _usable_jacobian(exact, numerical, p, has_exact=compiled.jacobian is not None)
    left, sigma, right_t = np.linalg.svd(jacobian)
    rank = _rank(sigma)
    grid, circle = _square_grid(p, radius), _circles(p, [radius], CIRCLE_POINTS)[:, 0]
    grid_image, circle_image = compiled(grid), compiled(circle)
    circle_linear = _affine(p, value, jacobian, circle)
    sweep = _circles(p, SWEEP_RADII, SWEEP_POINTS)
    sweep_gaps = _gaps(compiled(sweep), _affine(p, value, jacobian, sweep))
    scale = np.abs(value).max() + sigma[0] * SWEEP_RADII + 1.0
    notes = (compiled.note, numerical_note)
    return PlaneStudy(
        point=p, value=value, radius=float(radius), function_latex=compiled.function_latex,
        jacobian_latex=compiled.jacobian.latex if compiled.jacobian is not None else "", exact=exact,
        numerical=numerical, jacobian=jacobian, determinant=float(np.linalg.det(jacobian)), singular_values=sigma,
        left=left, right=right_t.T, rank=rank, grid=grid, grid_image=grid_image,
        grid_linear=_affine(p, value, jacobian, grid), circle=circle, circle_image=circle_image,
        circle_linear=circle_linear, area_ratio=_signed_area(circle_image) / _signed_area(circle),
        gap=float(_gaps(circle_image, circle_linear)), sweep_radii=SWEEP_RADII, sweep_gaps=sweep_gaps,
        gap_order=_gap_order(SWEEP_RADII, sweep_gaps, scale), affine=_is_affine(sweep_gaps, scale),
        gradient=_gradient_row(compiled, p, value),
        notes=tuple(n for n in notes if n), domain_note=_domain_note((grid, circle), (grid_image, circle_image)),
        singular_note=_singular_note(rank),
    )


def ellipse_sentence(study: PlaneStudy) -> str:
    """What the linear map does to the circle of radius r: an ellipse with semi-axes σᵢ·r and area |det J|·πr²,
    against F's own signed area ratio; a sentence more when det J < 0 (the map flips orientation)."""
    sigma, r = study.singular_values, study.radius
    flip = (" det J is negative: the map flips orientation (the image of the circle runs the other way round)."
            if study.determinant < 0 else "")
    return (
        f"Under the linear map L(x) = F(p) + J·(x − p) the circle of radius r = {r:g} becomes an ellipse with "
        f"semi-axes σ₁·r = {number(sigma[0] * r)} and σ₂·r = {number(sigma[1] * r)} along the singular directions, "
        f"so its area is |det J| = {number(abs(study.determinant))} times the circle's. F's own image of the circle "
        f"has a signed area {number(study.area_ratio)} times the circle's: the two agree better as r shrinks.{flip}"
    )


def plane_metrics(study: PlaneStudy) -> tuple[tuple[str, str], ...]:
    """The plane view's readouts as (label, value) pairs: det J, σ₁, σ₂, F's area ratio and the gap at r.

    Returns
    -------
    tuple
        Five pairs, det J first; values with three decimals ("0.000", never "-0.000"), the gap in scientific notation.
    """
    sigma, r = study.singular_values, study.radius
    return (
        ("det J", number(study.determinant + 0.0)),  # + 0.0: no "-0.000"
        ("σ₁ (longest stretch)", number(float(sigma[0]))),
        ("σ₂ (shortest stretch)", number(float(sigma[1]))),
        (f"area ratio at r = {r:g}", number(study.area_ratio)),
        (f"max |F − L| at r = {r:g}", number(study.gap, digits=2, scientific=True)),
    )


def gap_sentence(study: PlaneStudy) -> str:
    """The gap max |F − L| falls like r², with the fitted slope ``study.gap_order`` when there is one."""
    order = "" if math.isnan(study.gap_order) else (
        f" The fitted slope is {study.gap_order:.2f}: halving r quarters the gap.")
    return f"The largest distance between F(x) and L(x) on the circle |x − p| = r falls like r².{order}"


# ----------------------------------------------------------------------------------------------- table view
@dataclass(frozen=True)
class TableStudy:
    """The table view of F: Rⁿ → Rᵐ at a point.

    Attributes
    ----------
    point : p, shape (n,); value : F(p), shape (m,).
    function_latex, jacobian_latex : F(x) as a column and the exact J(x) ("" when SymPy ran out of time).
    exact, numerical : J(p) exact (nan when unavailable) and by central differences (h = NUMERICAL_STEP), (m, n).
    singular_values : of the exact J(p) when finite, else of the numerical one; shape (min(m, n),); nan if neither.
    rank : the number of σ above SINGULAR_RTOL·σ₁ (-1 when J(p) is not finite).
    determinant : det of the exact J(p) when m = n (nan when that is unavailable or not finite); None when m ≠ n.
    notes : the exact Jacobian unavailable, entries undefined at p, stencils going one-sided.
    """

    point: np.ndarray
    value: np.ndarray
    function_latex: str
    jacobian_latex: str
    exact: np.ndarray
    numerical: np.ndarray
    singular_values: np.ndarray
    rank: int
    determinant: float | None
    notes: tuple[str, ...]


def _determinant(exact: np.ndarray) -> float | None:
    """det J for a square J (nan when J has entries that are not finite), None for a non-square one."""
    m, n = exact.shape
    if m != n:
        return None
    return float(np.linalg.det(exact)) if np.isfinite(exact).all() else math.nan


def study_table(compiled: CompiledMap, *, point: Sequence[float]) -> TableStudy:
    """The m×n Jacobian J[i, j] = ∂Fᵢ/∂xⱼ at ``point``, exact against central differences with h = 1e-6, and
    det J when m = n.

    Raises
    ------
    ParameterError
        ``.parameter`` "point": wrong length, not finite, or F undefined there.
    """
    m, n = compiled.shape
    p = _check_point(point, n)
    value = _value_at(compiled, p)
    exact, numerical, numerical_note = _jacobians(compiled, p)
    best = exact if np.isfinite(exact).all() else numerical
    notes = [compiled.note, numerical_note]
    if best is numerical and compiled.jacobian is not None and np.isfinite(numerical).all():
        notes.append(f"Some exact partial derivatives are undefined at p = {_point_text(p)}; the rank and the "
                     "singular values are those of the numerical J, which sees only a symmetric neighbourhood.")
    if np.isfinite(best).all():
        sigma = np.linalg.svd(best, compute_uv=False)
        rank = _rank(sigma)
    else:
        sigma, rank = np.full(min(m, n), np.nan), -1
        notes.append(f"Some partial derivatives are not finite at p = {_point_text(p)}: F is not differentiable there.")
    jacobian_latex = compiled.jacobian.latex if compiled.jacobian is not None else ""
    return TableStudy(p, value, compiled.function_latex, jacobian_latex, exact, numerical, sigma, rank,
                      _determinant(exact), tuple(n for n in notes if n))


def table_sentence(study: TableStudy) -> str:
    """How to read the m×n table, then det J (when m = n), the rank and the singular values."""
    m, n = study.exact.shape
    det = "" if study.determinant is None else f"det J = {number(study.determinant + 0.0)}. "  # + 0.0: no "-0.000"
    rank = study.rank if study.rank >= 0 else "undefined"
    return (f"J is {m}×{n}: row i holds the partial derivatives of fᵢ, column j the rates of change along xⱼ. "
            f"{det}Rank {rank}; singular values {', '.join(number(s) for s in study.singular_values)}.")
