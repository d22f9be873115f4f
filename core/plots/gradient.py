"""Figures of the Gradient page: a filled contour (x1 horizontal) with the gradient, partial-derivative and direction
arrows, the level curve through the point and its tangent, an optional gradient field; and a 3D surface with the
tangent plane."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from core.gradient_lab import GradientStudy
from core.plots.style import COLORS, LINE_WIDTH, assemble, base_layout, layout, trace

__all__ = ["CLICK_GRID", "contour_figure", "surface_figure"]

CLICK_GRID = 21  # invisible markers per axis that turn a click on the contour into a point (contours return none);
# each is an SVG node plotly.js redraws whenever the point moves: 21² snaps a click to a twentieth of the window
VIRIDIS = get_colorscale("Viridis")  # as plotly.py expands the name, so a spec needs no validation pass
CONTOUR_HEIGHT = 600  # px: beside the controls, on a laptop's first screen (1440×900) with the title above it
SURFACE_POINTS = 80  # per axis in the 3D view: enough for a smooth surface, a fraction of the contour's JSON
# Colour data is sent as float32: 7 significant digits are far finer than any colour step, at half the bytes.


def _arrow(start: np.ndarray, vector: np.ndarray, name: str, color: str, *, dash: str = "solid") -> dict:
    end = start + vector
    return trace(
        "scatter", x=[start[0], end[0]], y=[start[1], end[1]], mode="lines+markers", name=name,
        line={"color": color, "width": LINE_WIDTH + 1, "dash": dash},
        marker={"symbol": "arrow", "angleref": "previous", "size": [0, 18], "color": color},
        hovertemplate=f"{name}<br>(%{{x:.3f}}, %{{y:.3f}})<extra></extra>",
    )


def _field_trace(study: GradientStudy) -> dict:
    """Arrows of equal length along ∇f on a grid (direction only: magnitudes differ by orders on most surfaces)."""
    cell = (min(study.window.x1_high - study.window.x1_low, study.window.x2_high - study.window.x2_low)
            / study.field_x1.shape[0])
    norm = np.hypot(study.field_g1, study.field_g2)
    with np.errstate(invalid="ignore", divide="ignore"):
        u, v = 0.8 * cell * study.field_g1 / norm, 0.8 * cell * study.field_g2 / norm
    starts_x, starts_y = study.field_x1.ravel(), study.field_x2.ravel()
    nan = np.full(starts_x.shape, np.nan)
    xs = np.column_stack([starts_x, starts_x + u.ravel(), nan]).ravel()
    ys = np.column_stack([starts_y, starts_y + v.ravel(), nan]).ravel()
    sizes = np.tile([0, 7, 0], starts_x.size)
    return trace("scatter", x=xs, y=ys, mode="lines+markers", name="gradient field",
                 line={"color": "rgba(255,255,255,0.75)", "width": 1.2},
                 marker={"symbol": "arrow", "angleref": "previous", "size": sizes, "color": "rgba(255,255,255,0.9)"},
                 hoverinfo="skip", connectgaps=False)


def _click_grid(study: GradientStudy) -> dict:
    a, b = np.meshgrid(np.linspace(study.window.x1_low, study.window.x1_high, CLICK_GRID),
                       np.linspace(study.window.x2_low, study.window.x2_high, CLICK_GRID))
    return trace("scatter", x=a.ravel(), y=b.ravel(), mode="markers", name="click to move the point", showlegend=False,
                 marker={"size": 12, "opacity": 0},
                 hovertemplate="move the point to (%{x:.2f}, %{y:.2f})<extra></extra>")


def _level_curve(study: GradientStudy) -> dict:
    """The single contour f = f(point), on the same grid as the filled contour."""
    return trace(
        "contour", x=study.grid_x1, y=study.grid_x2, z=study.grid_f.astype(np.float32),
        name=f"level curve f = {study.value:.3g}", showlegend=True,
        contours={"coloring": "none", "start": study.value, "end": study.value, "size": 1.0, "showlabels": False},
        line={"color": COLORS["black"], "width": LINE_WIDTH}, showscale=False, hoverinfo="skip",
    )


def contour_figure(study: GradientStudy, *, scale: float, show_field: bool) -> go.Figure:
    """The contour of f with x1 horizontal and x2 vertical, at equal scale (so ∇f looks perpendicular to level curves).

    Arrows start at the point: ``gradient`` = scale·∇f, ``∂f/∂x1`` = (scale·∂f/∂x1, 0), ``∂f/∂x2`` = (0, scale·∂f/∂x2),
    and ``direction u`` (unit, times the window's tenth). The level curve through the point and its tangent line
    (perpendicular to ∇f) are drawn in black.
    """
    p, g = np.asarray(study.point), study.best
    reach = 0.1 * min(study.window.x1_high - study.window.x1_low, study.window.x2_high - study.window.x2_low)
    traces = [
        trace("contour", x=study.grid_x1, y=study.grid_x2, z=study.grid_f.astype(np.float32), colorscale=VIRIDIS,
                   ncontours=25, name="f", colorbar={"title": {"text": "f"}, "thickness": 18},
                   hovertemplate="x1 %{x:.3f}<br>x2 %{y:.3f}<br>f %{z:.4g}<extra></extra>"),
        _level_curve(study),
        trace("scatter", x=[p[0] - 1.5 * reach * study.tangent[0], p[0] + 1.5 * reach * study.tangent[0]],
                   y=[p[1] - 1.5 * reach * study.tangent[1], p[1] + 1.5 * reach * study.tangent[1]],
                   mode="lines", name="tangent to level curve",
                   line={"color": COLORS["black"], "width": LINE_WIDTH, "dash": "dash"}),
    ]
    if show_field:
        traces.append(_field_trace(study))
    traces += [
        _arrow(p, scale * np.array([g[0], 0.0]), "∂f/∂x1", COLORS["sky"]),
        _arrow(p, scale * np.array([0.0, g[1]]), "∂f/∂x2", COLORS["yellow"]),
        _arrow(p, scale * g, "gradient", COLORS["vermillion"]),
        _arrow(p, reach * study.direction, "direction u", COLORS["purple"], dash="dot"),
        trace("scatter", x=[p[0]], y=[p[1]], mode="markers", name="point",
                   marker={"color": "white", "size": 13, "line": {"width": 3, "color": COLORS["black"]}}),
        _click_grid(study),
    ]
    spec = layout(x_title="x1", y_title="x2", height=CONTOUR_HEIGHT)
    spec.update(legend={"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top", "xanchor": "left"},
                margin={**spec["margin"], "r": 20, "t": 20, "b": 150}, clickmode="event+select", dragmode="pan")
    spec["xaxis"].update(range=[study.window.x1_low, study.window.x1_high], constrain="domain")
    spec["yaxis"].update(range=[study.window.x2_low, study.window.x2_high], scaleanchor="x", scaleratio=1,
                         constrain="domain")
    return assemble({"data": traces, "layout": spec})


def surface_figure(study: GradientStudy) -> go.Figure:
    """f as a 3D surface, the tangent plane f(p) + ∇f·(x − p) on a patch around the point, and the point."""
    step = max(1, study.grid_x1.size // SURFACE_POINTS)
    x1, x2, z = study.grid_x1[::step], study.grid_x2[::step], study.grid_f[::step, ::step]
    figure = go.Figure([
        go.Surface(x=x1, y=x2, z=z, colorscale="Viridis", name="f", showscale=False, opacity=0.9),
        go.Surface(x=study.patch_x1, y=study.patch_x2, z=study.patch_plane, name="tangent plane", showscale=False,
                   opacity=0.75,
                   colorscale=[[0, COLORS["orange"]], [1, COLORS["orange"]]], showlegend=True),
        go.Scatter3d(x=[study.point[0]], y=[study.point[1]], z=[study.value], mode="markers", name="point",
                     marker={"size": 6, "color": COLORS["vermillion"]}),
    ])
    base_layout(figure, x_title="x1", y_title="x2", height=560)
    figure.update_layout(scene={"xaxis_title": "x1", "yaxis_title": "x2", "zaxis_title": "f", "aspectmode": "cube"})
    return figure
