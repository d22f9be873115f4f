"""Everything the Gradient page shows for f(x1, x2) at a point: the partial derivatives and the gradient (exact and
by finite differences), the level curve through the point and its tangent, a gradient field, the tangent plane,
and a directional derivative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from core import differences, symbolic
from core.derivative_lab import METHODS
from core.errors import ParameterError
from core.expressions import Expression, ExpressionError, parse

__all__ = ["GRID", "PRESETS", "QUIVER", "VARIABLES", "GradientPreset", "GradientStudy", "Window", "study_gradient"]

VARIABLES = ("x1", "x2")
GRID = 101  # contour resolution per axis: smooth level curves at a quarter of the 200² grid's bytes and drawing time
QUIVER = 25  # gradient-field arrows per axis
PATCH = 41  # tangent-plane patch resolution per axis


@dataclass(frozen=True)
class Window:
    """The view: x1 in [x1_low, x1_high] (horizontal), x2 in [x2_low, x2_high] (vertical)."""

    x1_low: float
    x1_high: float
    x2_low: float
    x2_high: float

    def check(self) -> None:
        values = (self.x1_low, self.x1_high, self.x2_low, self.x2_high)
        if not all(math.isfinite(v) for v in values) or self.x1_low >= self.x1_high or self.x2_low >= self.x2_high:
            raise ParameterError("window", f"the view window needs finite low < high on both axes; got {values}")


@dataclass(frozen=True)
class GradientPreset:
    """A one-click surface with a point, a window that shows it well, and an arrow scale that fits the window."""

    label: str
    formula: str
    point: tuple[float, float]
    window: Window
    scale: float


PRESETS = (
    GradientPreset("Tutorial: (x1+2)(x1−5) + (x2+1)(x2−3)", "(x1+2)(x1-5) + (x2+1)(x2-3)", (-3.0, -2.0),
                   Window(-5, 5, -5, 5), 0.1),
    GradientPreset("saddle x1² − x2²", "x1^2 - x2^2", (1.0, 0.5), Window(-2, 2, -2, 2), 0.3),
    GradientPreset("Rosenbrock", "(1 - x1)^2 + 100(x2 - x1^2)^2", (-1.0, 1.5), Window(-2, 2, -1, 3), 0.003),
    GradientPreset("Himmelblau", "(x1^2 + x2 - 11)^2 + (x1 + x2^2 - 7)^2", (-1.0, 1.0), Window(-5, 5, -5, 5), 0.05),
    GradientPreset("ravine 0.1·x1² + 5·x2²", "0.1x1^2 + 5x2^2", (4.0, 1.0), Window(-5, 5, -2, 2), 0.1),
    GradientPreset("sin(x1)·cos(x2)", "sin(x1) cos(x2)", (0.5, 0.8), Window(-math.pi, math.pi, -math.pi, math.pi), 1.0),
)


@dataclass(frozen=True)
class GradientStudy:
    """The Gradient page's content for one setting of its controls.

    Attributes
    ----------
    expression : the parsed f(x1, x2).
    gradient_latex : LaTeX of the exact (∂f/∂x1, ∂f/∂x2) as a row vector ("" when SymPy ran out of time).
    partial_latex : LaTeX of each exact partial, shape (2,).
    point : (x1, x2); value : f(point).
    exact : the exact gradient, shape (2,) (nan when unavailable); numeric : the chosen finite difference, shape (2,).
    method, step : the finite difference used.
    grid_x1 (GRID,), grid_x2 (GRID,), grid_f (GRID, GRID) : f on the window, rows along x2 (``go.Contour(x, y, z)``).
    field_x1, field_x2, field_g1, field_g2 : the gradient field on a QUIVER × QUIVER grid, each (QUIVER, QUIVER).
    tangent : unit tangent of the level curve at the point, perpendicular to the gradient, shape (2,).
    direction : the chosen unit direction u, shape (2,); directional : ∇f·u.
    patch_x1, patch_x2 (PATCH,), patch_f, patch_plane (PATCH, PATCH) : surface and tangent plane near the point.
    notes : things worth saying (a stationary point, the exact gradient unavailable).
    """

    expression: Expression
    gradient_latex: str
    partial_latex: tuple[str, str]
    point: tuple[float, float]
    value: float
    exact: np.ndarray
    numeric: np.ndarray
    method: str
    step: float
    window: Window
    grid_x1: np.ndarray
    grid_x2: np.ndarray
    grid_f: np.ndarray
    field_x1: np.ndarray
    field_x2: np.ndarray
    field_g1: np.ndarray
    field_g2: np.ndarray
    tangent: np.ndarray
    direction: np.ndarray
    directional: float
    patch_x1: np.ndarray
    patch_x2: np.ndarray
    patch_f: np.ndarray
    patch_plane: np.ndarray
    notes: tuple[str, ...]

    @property
    def norm(self) -> float:
        """|∇f| at the point (exact where available, else numerical)."""
        return float(np.hypot(*self.best))

    @property
    def best(self) -> np.ndarray:
        return self.exact if np.all(np.isfinite(self.exact)) else self.numeric


def _exact_gradient(expression: Expression) -> tuple[symbolic.SymbolicMatrix | None, str | None]:
    try:
        return symbolic.gradient(expression), None
    except ExpressionError as error:
        return None, f"The exact gradient is not available: {error}"


def _grid(window: Window, n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.linspace(window.x1_low, window.x1_high, n), np.linspace(window.x2_low, window.x2_high, n)


def _field(expression: Expression, exact: symbolic.SymbolicMatrix | None, window: Window, method: str, step: float):
    """The gradient at a QUIVER × QUIVER grid: exact where SymPy gave it, else one stacked finite-difference call."""
    a, b = np.meshgrid(*_grid(window, QUIVER))
    if exact is not None:
        g = exact.func(a, b)
    else:
        g = differences.gradient(lambda x: expression.func(x[0], x[1]), np.stack([a, b]),
                                 method=method, step=step).value
    return a, b, g[0], g[1]


def _tangent_plane(
    expression: Expression, point: tuple[float, float], value: float, gradient: np.ndarray, window: Window
):
    """f and its tangent plane f(p) + ∇f·(x − p) on a patch of a quarter of the window around the point."""
    half1, half2 = (window.x1_high - window.x1_low) / 8, (window.x2_high - window.x2_low) / 8
    x1 = np.linspace(point[0] - half1, point[0] + half1, PATCH)
    x2 = np.linspace(point[1] - half2, point[1] + half2, PATCH)
    a, b = np.meshgrid(x1, x2)
    return x1, x2, expression.func(a, b), value + gradient[0] * (a - point[0]) + gradient[1] * (b - point[1])


def _check(point: tuple[float, float], method: str, step: float, window: Window, angle: float) -> None:
    if method not in METHODS:
        raise ParameterError("method", f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if not (math.isfinite(step) and 0 < step <= 1):
        raise ParameterError("h", f"h must be a step in (0, 1]; got {step!r}")
    for name, value in zip(VARIABLES, point):
        if not math.isfinite(value):
            raise ParameterError(name, f"{name} must be a finite number; got {value!r}")
    if not math.isfinite(angle):
        raise ParameterError("angle", f"the direction's angle must be a finite number; got {angle!r}")
    window.check()


def study_gradient(
    text: str, *, point: tuple[float, float], window: Window, method: str = "central", step: float = 1e-6,
    angle: float = 0.0,
) -> GradientStudy:
    """The gradient of f(x1, x2) at ``point``, exact (SymPy) and by finite differences, with what the figures need.

    ∂f/∂xi is estimated by the chosen stencil in xi with the other variable held fixed (central:
    (f(p + h eᵢ) − f(p − h eᵢ)) / (2h)); ∇f = (∂f/∂x1, ∂f/∂x2) is perpendicular to the level curve f = f(p), and the
    directional derivative along u = (cos angle, sin angle) is ∇f·u.

    Parameters
    ----------
    text : f(x1, x2) as typed. point : (x1, x2). window : the view. method, step : the finite difference.
    angle : the direction of the directional derivative, in degrees from the x1 axis.

    Raises
    ------
    ExpressionError : ``text`` is not a formula in x1, x2.
    ParameterError : a setting is unusable, ``.parameter`` naming it ("x1" when f is undefined at the point).
    """
    _check(point, method, step, window, angle)
    expression = parse(text, VARIABLES)
    value = float(expression.func(*point))
    if not math.isfinite(value):
        raise ParameterError("x1", f"f is not defined at ({point[0]:g}, {point[1]:g}) (f = {value}); move the point")
    exact_matrix, note = _exact_gradient(expression)
    exact = exact_matrix.func(*point) if exact_matrix is not None else np.full(2, np.nan)
    f = lambda x: expression.func(x[0], x[1])  # noqa: E731
    numeric = differences.gradient(f, np.asarray(point, dtype=float), method=method, step=step).value
    best = exact if np.all(np.isfinite(exact)) else numeric
    norm = float(np.hypot(*best))
    tangent = np.array([-best[1], best[0]]) / norm if norm > 0 else np.array([1.0, 0.0])
    direction = np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))])
    grid_x1, grid_x2 = _grid(window, GRID)
    notes = [n for n in (note,) if n]
    if norm == 0:
        notes.append("∇f = 0 here: a stationary point (minimum, maximum or saddle), "
                     "and the level curve has no tangent direction.")
    return GradientStudy(
        expression=expression,
        gradient_latex=exact_matrix.latex if exact_matrix is not None else "",
        partial_latex=tuple(_partial_latex(exact_matrix)),
        point=point, value=value, exact=exact, numeric=np.asarray(numeric, dtype=float), method=method, step=step,
        window=window, grid_x1=grid_x1, grid_x2=grid_x2, grid_f=expression.func(*np.meshgrid(grid_x1, grid_x2)),
        **dict(zip(("field_x1", "field_x2", "field_g1", "field_g2"),
                   _field(expression, exact_matrix, window, method, step))),
        tangent=tangent, direction=direction, directional=float(best @ direction),
        **dict(zip(("patch_x1", "patch_x2", "patch_f", "patch_plane"),
                   _tangent_plane(expression, point, value, best, window))),
        notes=tuple(notes),
    )


def _partial_latex(exact: symbolic.SymbolicMatrix | None) -> list[str]:
    return ["", ""] if exact is None else [sp.latex(entry) for entry in exact.sympy]
