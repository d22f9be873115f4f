"""Figures of the Jacobian page: the neighbourhood of p beside its images under F and under the linear map, the
warp from the identity to F (Plotly frames), and the linearisation gap shrinking like r².

x1 (and F's first component u) is horizontal everywhere; every map panel has equal aspect ratio, so circles look
like circles and the ellipse's axes are at their true angles and lengths.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.jacobian_lab import GRID_LINES, LINE_POINTS, WARP_TIMES, PlaneStudy, warp
from core.plots.style import COLORS, LINE_WIDTH, layout

__all__ = ["gap_figure", "neighbourhood_figure", "warp_figure"]

GRID_COLOR = COLORS["grey"]
CIRCLE_COLOR = COLORS["blue"]
LINEAR_COLOR = COLORS["orange"]
POINT_COLOR = COLORS["purple"]
AXIS_COLORS = (COLORS["vermillion"], COLORS["green"])  # σ₁ and σ₂ directions, also told apart by their labels
FRAME_MS = 150  # per frame of the warp; plotly.js eases linearly in between
PAD = 0.08  # fraction of a panel's extent left free around the drawing
MIN_EXTENT = 0.05  # an image collapsed to a point (J = 0, F flat) still gets a panel of half-width 5% of r
OUTLIER_FACTOR = 5.0  # F's image wider than this many times the linear image is cut to its central 96%
WARP_GRID = "grid under (1 − t)·x + t·F(x)"
AXIS_NAMES = ("v₁ → σ₁u₁ (longest stretch)", "v₂ → σ₂u₂ (shortest stretch)")
WARPED = (1, 2, 3, 4)  # trace indices the warp frames replace
LINEAR_GRID_OPACITY = 0.6  # the linear map's grid sits over F's: lighter, so both stay readable
RIGHT = {"xaxis": "x2", "yaxis": "y2"}  # the right-hand panel of the neighbourhood figure
JUMP = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}  # straight to one frame


def _line_ends(grid: np.ndarray) -> np.ndarray:
    """Each grid line's two ends and its nan separator, (2, 2·GRID_LINES·3): enough to draw a grid's image under an
    affine map, which keeps lines straight."""
    lines = grid.reshape(2, 2 * GRID_LINES, LINE_POINTS + 1)
    return lines[:, :, [0, LINE_POINTS - 1, LINE_POINTS]].reshape(2, -1)


def _finite_box(points: np.ndarray) -> np.ndarray | None:
    """[[x_low, x_high], [y_low, y_high]] of the finite columns of (2, K) points, or None."""
    finite = points[:, np.isfinite(points).all(axis=0)]
    return np.stack([finite.min(axis=1), finite.max(axis=1)], axis=1) if finite.size else None


def _image_box(image: np.ndarray, linear: np.ndarray, radius: float) -> np.ndarray:
    """The box to show for F's image and the linear image; F's far-flung parts (near a pole) are cut off."""
    linear_box = _finite_box(linear)
    image_box = _finite_box(image)
    size = float(np.ptp(linear_box, axis=1).max()) if linear_box is not None else 0.0
    if image_box is not None and size > 0 and np.ptp(image_box, axis=1).max() > OUTLIER_FACTOR * size:
        finite = image[:, np.isfinite(image).all(axis=0)]
        image_box = np.percentile(finite, [2, 98], axis=1).T
    boxes = [b for b in (linear_box, image_box) if b is not None]
    if not boxes:
        return np.array([[-radius, radius], [-radius, radius]])
    return np.stack([np.min([b[:, 0] for b in boxes], axis=0), np.max([b[:, 1] for b in boxes], axis=0)], axis=1)


def _square_ranges(box: np.ndarray, minimum: float) -> tuple[list[float], list[float]]:
    """Equal-length x and y ranges around the box's centre (so equal aspect needs no stretching)."""
    centre = box.mean(axis=1)
    half = max(float(np.ptp(box, axis=1).max()) / 2 * (1 + 2 * PAD), minimum)
    return [float(centre[0] - half), float(centre[0] + half)], [float(centre[1] - half), float(centre[1] + half)]


def _lines(points: np.ndarray, name: str, color: str, *, width: float, dash: str = "solid", group: str,
           legend: bool = True, opacity: float = 1.0, animated: bool = False, **extra) -> go.Scatter:
    """Lines through (2, K) points (nan separates lines); ``extra`` goes to go.Scatter (meta, axes).

    ``animated`` lines keep every vertex (plotly's line simplification would change the vertex count between frames
    and garble the eased transition)."""
    line = {"color": color, "width": width, "dash": dash, **({"simplify": False} if animated else {})}
    return go.Scatter(x=points[0], y=points[1], mode="lines", name=name, legendgroup=group, showlegend=legend,
                      line=line, connectgaps=False, hoverinfo="skip", opacity=opacity, **extra)


def _arrow(start: np.ndarray, vector: np.ndarray, name: str, color: str, *, group: str, legend: bool,
           **extra) -> go.Scatter:
    """A segment from start to start + vector with an arrowhead at the tip."""
    tip = start + vector
    return go.Scatter(x=[start[0], tip[0]], y=[start[1], tip[1]], mode="lines+markers", name=name, legendgroup=group,
                      showlegend=legend, line={"color": color, "width": LINE_WIDTH + 1},
                      marker={"symbol": "arrow", "angleref": "previous", "size": [0, 16], "color": color},
                      hovertemplate=f"{name}<br>length {float(np.linalg.norm(vector)):.4g}<extra></extra>", **extra)


def _point(xy: np.ndarray, name: str, *, legend: bool, label: str, **extra) -> go.Scatter:
    return go.Scatter(x=[xy[0]], y=[xy[1]], mode="markers", name=name, legendgroup="point", showlegend=legend,
                      marker={"color": POINT_COLOR, "size": 13, "line": {"color": "white", "width": 1.5}},
                      hovertemplate=f"{label} = (%{{x:.4g}}, %{{y:.4g}})<extra></extra>", **extra)


def neighbourhood_figure(study: PlaneStudy, *, height: int = 540) -> go.Figure:
    """Left: the grid and circle around p with the right singular directions r·vᵢ. Right: their images under F
    (solid) and under L(x) = F(p) + J·(x − p) (dashed: a parallelogram grid and the ellipse), with the ellipse's
    semi-axes σᵢ·r·uᵢ.

    Traces, left panel (axes x, y): grid, circle, the arrows r·v₁ and r·v₂, p; right panel (axes x2, y2): F(grid),
    L(grid), F(circle), L(circle), the arrows σ₁·r·u₁ and σ₂·r·u₂, F(p). Their ``meta`` holds these short names.
    """
    r = study.radius
    traces = [
        _lines(study.grid, "grid, F(grid)", GRID_COLOR, width=1.2, group="grid", meta="grid"),
        _lines(study.circle, "circle, F(circle)", CIRCLE_COLOR, width=LINE_WIDTH, group="circle", meta="circle"),
        *(_arrow(study.point, r * study.right[:, i], AXIS_NAMES[i], AXIS_COLORS[i], group=f"axis{i}", legend=True,
                 meta=f"v{i + 1}") for i in range(2)),
        _point(study.point, "p, F(p)", legend=True, label="p", meta="p"),
        _lines(study.grid_image, "F(grid)", GRID_COLOR, width=1.2, group="grid", legend=False, meta="F(grid)", **RIGHT),
        _lines(_line_ends(study.grid_linear), "L(grid)", LINEAR_COLOR, width=1, dash="dash", group="linear",
               legend=False, opacity=LINEAR_GRID_OPACITY, meta="L(grid)", **RIGHT),
        _lines(study.circle_image, "F(circle)", CIRCLE_COLOR, width=LINE_WIDTH, group="circle", legend=False,
               meta="F(circle)", **RIGHT),
        _lines(study.circle_linear, "L(x) = F(p) + J·(x − p)", LINEAR_COLOR, width=LINE_WIDTH, dash="dash",
               group="linear", meta="L(circle)", **RIGHT),
        *(_arrow(study.value, study.singular_values[i] * r * study.left[:, i], f"σ{i + 1}·r·u{i + 1}", AXIS_COLORS[i],
                 group=f"axis{i}", legend=False, meta=f"s{i + 1}u{i + 1}", **RIGHT) for i in range(2)),
        _point(study.value, "F(p)", legend=False, label="F(p)", meta="F(p)", **RIGHT),
    ]
    return go.Figure(traces, layout=_panels_layout(study, height))


def _panels_layout(study: PlaneStudy, height: int) -> dict:
    """Two square panels side by side, each with equal aspect, titled above and with one legend below."""
    r = study.radius
    x_in, y_in = _square_ranges(np.stack([study.point - r, study.point + r], axis=1), r)
    x_out, y_out = _square_ranges(_image_box(study.grid_image, study.grid_linear, r), MIN_EXTENT * r)
    spec = layout(x_title="x1", y_title="x2", height=height)
    titles = (f"near p: grid and circle, r = {r:g}", "images under F (solid), L (dashed)")
    return {
        **spec,
        # at the foot of the figure, under the axis titles, whatever the font size (classroom type is larger)
        "legend": {"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "xanchor": "left", "x": 0},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 110},
        "xaxis": {**spec["xaxis"], "domain": [0, 0.45], "range": x_in, "automargin": True},
        "yaxis": {**spec["yaxis"], "range": y_in, "scaleanchor": "x", "scaleratio": 1},
        "xaxis2": {"domain": [0.55, 1], "range": x_out, "anchor": "y2", "automargin": True,
                   "title": {"text": "u = F₁"}},
        "yaxis2": {"range": y_out, "anchor": "x2", "scaleanchor": "x2", "scaleratio": 1, "title": {"text": "v = F₂"}},
        "annotations": [{"text": text, "xref": "paper", "yref": "paper", "x": x, "y": 1.0, "xanchor": "center",
                         "yanchor": "bottom", "showarrow": False}
                        for text, x in zip(titles, (0.225, 0.775), strict=True)],
    }


def _warp_points(study: PlaneStudy, t: float) -> list[np.ndarray]:
    """The warp figure's moving traces at time t, as (2, K) points: F's grid and circle, L's ellipse, the point."""
    return [
        warp(study.grid, study.grid_image, t),
        warp(study.circle, study.circle_image, t),
        warp(study.circle, study.circle_linear, t),
        warp(study.point, study.value, t)[:, None],
    ]


def _warp_traces(study: PlaneStudy) -> list[go.Scatter]:
    """The moving traces, styled, at t = 1."""
    grid, circle, ellipse, moving = _warp_points(study, 1.0)
    return [
        _lines(grid, WARP_GRID, GRID_COLOR, width=1.4, group="warp", legend=False, animated=True),
        _lines(circle, "(1 − t)·x + t·F(x)", CIRCLE_COLOR, width=LINE_WIDTH, group="warp", animated=True),
        _lines(ellipse, "(1 − t)·x + t·L(x)", LINEAR_COLOR, width=LINE_WIDTH, dash="dash", group="linear",
               animated=True),
        _point(moving[:, 0], "p → F(p)", legend=True, label="(1 − t)·p + t·F(p)"),
    ]


def _warp_frame(study: PlaneStudy, t: float) -> go.Frame:
    """Only x and y change (float32 halves the bytes; plotly.js merges them into the styled traces)."""
    data = [go.Scatter(x=xy[0].astype(np.float32), y=xy[1].astype(np.float32)) for xy in _warp_points(study, t)]
    return go.Frame(name=f"t={t:.1f}", data=data, traces=list(WARPED))


def _warp_controls() -> dict:
    """Play runs every frame from t = 0, easing linearly between frames; the slider jumps to one t."""
    steps = [
        {"label": f"{t:.1f}", "method": "animate",
         "args": [[f"t={t:.1f}"], {**JUMP, "transition": {"duration": 0}}]}
        for t in WARP_TIMES
    ]
    play = {"frame": {"duration": FRAME_MS, "redraw": False}, "fromcurrent": False, "mode": "immediate",
            "transition": {"duration": FRAME_MS, "easing": "linear"}}
    return {
        "updatemenus": [{"type": "buttons", "direction": "right", "showactive": False, "x": 0, "y": -0.2,
                         "xanchor": "left", "yanchor": "top",
                         "buttons": [{"label": "▶ Play t: 0 → 1", "method": "animate", "args": [None, play]},
                                     {"label": "❚❚ Pause", "method": "animate",
                                      "args": [[None], JUMP]}]}],
        "sliders": [{"active": len(WARP_TIMES) - 1, "x": 0, "y": -0.3, "len": 1.0, "currentvalue": {"prefix": "t = "},
                     "pad": {"t": 10}, "steps": steps}],
    }


def warp_figure(study: PlaneStudy, *, height: int = 720) -> go.Figure:
    """The plane deforming from the identity (t = 0) to F (t = 1) along x ↦ (1 − t)·x + t·F(x), with the circle's
    image under the same warp of the linear map L (dashed); a faint copy of the grid at t = 0 stays put.

    Shown at t = 1. Play runs t from 0 to 1 through ``len(WARP_TIMES)`` frames, which replace traces 1–4 (x and y
    only) and are eased into each other by plotly.js.
    """
    start = _lines(study.grid, "t = 0 (identity)", COLORS["sky"], width=1, group="start", opacity=0.6)
    box = np.concatenate([np.stack([study.point - study.radius, study.point + study.radius], axis=1),
                          _image_box(study.grid_image, study.circle_linear, study.radius)], axis=1)
    x_range, y_range = _square_ranges(np.stack([box.min(axis=1), box.max(axis=1)], axis=1), study.radius)
    spec = layout(x_title="x1, then u = F₁", y_title="x2, then v = F₂", height=height)
    spec.update(xaxis={**spec["xaxis"], "range": x_range}, margin={"l": 60, "r": 20, "t": 80, "b": 250},
                yaxis={**spec["yaxis"], "range": y_range, "scaleanchor": "x", "scaleratio": 1}, **_warp_controls())
    return go.Figure([start, *_warp_traces(study)], layout=spec,
                     frames=[_warp_frame(study, float(t)) for t in WARP_TIMES])


def gap_figure(study: PlaneStudy, *, height: int = 480) -> go.Figure:
    """max |F(x) − L(x)| on the circle |x − p| = r against r (log–log), an O(r²) guide and the current r.

    Gaps of zero cannot sit on a log axis and are left out; when every gap is round-off, the figure says F is affine.
    The guide is drawn when the study could fit the gap's order.
    """
    radii, gaps = study.sweep_radii, study.sweep_gaps
    traces = [go.Scatter(x=radii, y=np.where(gaps > 0, gaps, np.nan), mode="lines+markers",
                         name="max |F − L| on the circle", line={"color": CIRCLE_COLOR, "width": LINE_WIDTH},
                         marker={"size": 6},
                         hovertemplate="r = %{x:.2e}<br>gap = %{y:.2e}<extra></extra>")]
    annotations = []
    if math.isfinite(study.gap_order):
        anchor = int(np.argmin(np.abs(np.log(radii) - np.log(1e-2))))
        traces.append(go.Scatter(x=radii, y=3 * gaps[anchor] * (radii / radii[anchor]) ** 2, mode="lines", name="O(r²)",
                                 hoverinfo="skip", line={"color": COLORS["grey"], "dash": "dash", "width": 2}))
    if study.affine:
        annotations.append({"text": "F is affine here: the linear map is F itself (gaps are round-off only)",
                            "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False})
    if math.isfinite(study.gap) and study.gap > 0:
        traces.append(go.Scatter(x=[study.radius], y=[study.gap], mode="markers", name=f"current r = {study.radius:g}",
                                 marker={"symbol": "star", "size": 18, "color": LINEAR_COLOR,
                                         "line": {"width": 1, "color": "black"}},
                                 hovertemplate="r = %{x:g}<br>gap = %{y:.3e}<extra></extra>"))
    spec = layout(x_title="neighbourhood radius r", y_title="max |F(x) − L(x)| on the circle", height=height)
    spec.update(
        xaxis={**spec["xaxis"], "type": "log", "exponentformat": "power"},
        yaxis={**spec["yaxis"], "type": "log", "exponentformat": "power"},
        annotations=annotations,
        shapes=[{"type": "line", "xref": "x", "yref": "paper", "x0": study.radius, "x1": study.radius,
                 "y0": 0, "y1": 1, "line": {"color": COLORS["grey"], "dash": "dot", "width": 2}}],
    )
    return go.Figure(traces, layout=spec)
