"""Figures of the SGD page: the loss surface with the animated descent beside the data and its decision boundary
(one figure, one iteration slider for both), the loss and accuracy curves, and the spread of mini-batch gradients."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale
from plotly.subplots import make_subplots

from core.plots.raster import banded_image, finer, picture
from core.plots.style import COLORS, FONT_SIZE, LINE_WIDTH, layout
from core.sgd_lab import SgdStudy

__all__ = ["ARROW_EVERY", "MAX_POINTS_SHOWN", "curves_figure", "descent_figure", "spread_figure"]

ARROW_EVERY = 50  # the tutorial draws the path as arrows between the β recorded every 50 steps
MAX_POINTS_SHOWN = 2000  # data points drawn (a fixed random subset beyond that keeps the figure light)
# Plotted arrays go out as float32: 7 significant digits are far below a pixel, at half the bytes of float64.
FRAME_MS = 150
# The descent figure fits the first screen beside the controls (1440×900; 1920×1080 in classroom mode, where
# core.plots.style.projector makes it 15% taller): HEIGHT px in all, of which MARGIN_TOP holds the two-row legend and
# the panel titles and MARGIN_BOTTOM the axis titles, the iteration slider and the Play button.
HEIGHT = 600
MARGIN_TOP = 95
MARGIN_BOTTOM = 182
SPACING = 0.2  # between the panels, as a fraction of the width: the colorbar and the data's x2 axis sit in it
CONTROLS_Y = -0.25  # top of the buttons and the slider, below the axis titles (a fraction of the panels' height)
RAIL_PAD = 42  # px from the top of the slider to its rail: the Play and pause buttons sit above the rail's left end
CIVIDIS = get_colorscale("Cividis")
LEVELS = 30  # bands of the loss in its picture
PICTURE_FACTOR = 5  # the loss grid drawn 5 times finer (linear interpolation): smooth band edges at ~300 px
_MOVING = ("path so far", "β at this step", "decision boundary")


def _boundary(beta: np.ndarray, box: tuple[float, float, float, float]) -> tuple[list[float], list[float]]:
    """The line β1 x1 + β2 x2 + b = 0 across the data's box (empty when β is zero or not finite)."""
    b1, b2 = float(beta[0]), float(beta[1])
    b = float(beta[2]) if len(beta) == 3 else 0.0
    if not all(math.isfinite(v) for v in (b1, b2, b)) or b1 == b2 == 0:
        return [], []
    x_low, x_high, y_low, y_high = box
    if abs(b2) >= abs(b1):
        xs = [x_low, x_high]
        return xs, [-(b + b1 * x) / b2 for x in xs]
    ys = [y_low, y_high]
    return [-(b + b2 * v) / b1 for v in ys], ys


def _box(study: SgdStudy) -> tuple[float, float, float, float]:
    low, high = study.X.min(axis=0), study.X.max(axis=0)
    pad = 0.05 * (high - low)
    return float(low[0] - pad[0]), float(high[0] + pad[0]), float(low[1] - pad[1]), float(high[1] + pad[1])


def _moving_traces(study: SgdStudy, frame: int, box) -> list[dict]:
    """What changes from frame to frame: the path up to this record, the current β, and its decision boundary."""
    shown = study.frames[study.frames <= frame]
    betas = study.history.betas.astype(np.float32)
    bx, by = _boundary(betas[frame], box)
    step = int(study.history.steps[frame])
    return [
        {"type": "scatter", "x": betas[shown, 0], "y": betas[shown, 1], "mode": "lines", "name": "path so far",
         "showlegend": False, "line": {"color": "white", "width": LINE_WIDTH}, "xaxis": "x", "yaxis": "y"},
        {"type": "scatter", "x": betas[frame:frame + 1, 0], "y": betas[frame:frame + 1, 1], "mode": "markers",
         "name": "β at this step",
         "marker": {"color": COLORS["orange"], "size": 14, "line": {"width": 2, "color": "black"}},
         "hovertemplate": f"step {step}<br>β = (%{{x:.3f}}, %{{y:.3f}})<extra></extra>", "xaxis": "x", "yaxis": "y"},
        {"type": "scatter", "x": bx, "y": by, "mode": "lines", "name": "decision boundary",
         "line": {"color": COLORS["black"], "width": LINE_WIDTH, "dash": "dash"}, "xaxis": "x2", "yaxis": "y2"},
    ]


def _loss_picture(study: SgdStudy) -> dict:
    """The loss over β as a picture under the left panel (bands and level curves in Cividis): an animation never
    redraws a layout image, where a contour trace blinks out on every frame (see core.plots.raster)."""
    rgb = banded_image(finer(study.grid_loss, PICTURE_FACTOR), levels=LEVELS, colorscale=CIVIDIS)
    return picture(rgb, x=(float(study.grid_b1[0]), float(study.grid_b1[-1])),
                   y=(float(study.grid_b2[0]), float(study.grid_b2[-1])))


def _loss_hover(study: SgdStudy) -> go.Scatter:
    """Invisible markers on the loss grid: the loss on hover, and a click there starts the run (trace 0)."""
    b1, b2 = np.meshgrid(study.grid_b1, study.grid_b2)
    return go.Scatter(x=b1.ravel().astype(np.float32), y=b2.ravel().astype(np.float32), mode="markers",
                      name="loss", showlegend=False, marker={"size": 9, "opacity": 0},
                      customdata=study.grid_loss.ravel().astype(np.float32),
                      hovertemplate="β1 %{x:.2f}<br>β2 %{y:.2f}<br>loss %{customdata:.4f}<extra></extra>")


def _colorbar(study: SgdStudy) -> go.Scatter:
    """The picture's colour bar, carried by a trace with no points (a picture has none of its own)."""
    finite = study.grid_loss[np.isfinite(study.grid_loss)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return go.Scatter(x=[None], y=[None], mode="markers", name="loss scale", showlegend=False, hoverinfo="skip",
                      marker={"color": [low, high], "cmin": low, "cmax": high, "colorscale": "Cividis",
                              "showscale": True, "colorbar": {"title": {"text": "loss"}, "x": (1 - SPACING) / 2 + 0.01,
                                                              "len": 0.9, "thickness": 14}})


def _static_traces(study: SgdStudy, shown_points: np.ndarray) -> list[go.BaseTraceType]:
    betas, steps = study.history.betas.astype(np.float32), study.history.steps
    arrows = np.flatnonzero((steps % ARROW_EVERY == 0) | (np.arange(len(steps)) == len(steps) - 1))
    final, loss = betas[-1], study.history.losses[-1]
    X, y = study.X[shown_points].astype(np.float32), study.y[shown_points]
    return [
        _loss_hover(study),
        _colorbar(study),
        go.Scatter(x=betas[:, 0], y=betas[:, 1], mode="lines", name="full path",
                   line={"color": "rgba(255,255,255,0.45)", "width": 1.5}),
        go.Scatter(x=betas[arrows, 0], y=betas[arrows, 1], mode="lines+markers", name=f"every {ARROW_EVERY} steps",
                   line={"color": COLORS["sky"], "width": 2},
                   marker={"symbol": "arrow", "angleref": "previous", "size": 14, "color": COLORS["sky"]}),
        go.Scatter(x=betas[:1, 0], y=betas[:1, 1], mode="markers", name="β0",
                   marker={"color": "white", "size": 12, "symbol": "circle-open", "line": {"width": 3}}),
        go.Scatter(x=[final[0]], y=[final[1]], mode="markers+text", name="final β",
                   text=[f"loss {loss:.4f}" if math.isfinite(loss) else "loss not finite"],
                   textposition="top center", textfont={"color": "white", "size": FONT_SIZE},
                   marker={"color": COLORS["vermillion"], "size": 14, "symbol": "x"}),
        go.Scatter(x=X[y == 0, 0], y=X[y == 0, 1], mode="markers", name="y = 0",
                   marker={"color": COLORS["blue"], "size": 5, "symbol": "circle"}, xaxis="x2", yaxis="y2"),
        go.Scatter(x=X[y == 1, 0], y=X[y == 1, 1], mode="markers", name="y = 1",
                   marker={"color": COLORS["orange"], "size": 6, "symbol": "triangle-up"}, xaxis="x2", yaxis="y2"),
    ]


def _slider(study: SgdStudy) -> dict:
    steps = [{"label": str(int(study.history.steps[f])), "method": "animate",
              "args": [[f"record {f}"],
                       {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}]}
             for f in study.frames]
    play = {"frame": {"duration": FRAME_MS, "redraw": False}, "fromcurrent": True, "transition": {"duration": 0}}
    return {
        "sliders": [{"active": len(steps) - 1, "x": 0, "y": CONTROLS_Y, "len": 1, "yanchor": "top",
                     "pad": {"t": RAIL_PAD, "b": 0}, "steps": steps,
                     "currentvalue": {"prefix": "iteration ", "xanchor": "right"}}],  # clear of the β1 axis title
        "updatemenus": [{"type": "buttons", "direction": "left", "x": 0, "y": CONTROLS_Y, "xanchor": "left",
                         "yanchor": "top", "pad": {"t": 0}, "showactive": False,
                         "buttons": [{"label": "▶ Play", "method": "animate",
                                      "args": [[f"record {f}" for f in study.frames], play]},
                                     {"label": "❚❚", "method": "animate",
                                      "args": [[None],
                                               {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}]}]}],
    }


def descent_figure(study: SgdStudy, *, rng: np.random.Generator) -> go.Figure:
    """Left: the loss over (β1, β2) with the whole path, arrows every ARROW_EVERY steps, β0 and the final β with its
    loss. Right: the data and the decision boundary x·β = 0. One iteration slider (and Play) moves the current β
    on the left and the boundary on the right together; frames carry only those scatter traces, drawn without redraw
    over the loss's picture. ``rng`` picks the data points shown when there are more than MAX_POINTS_SHOWN.
    """
    n = len(study.y)
    shown = np.sort(rng.choice(n, MAX_POINTS_SHOWN, replace=False)) if n > MAX_POINTS_SHOWN else np.arange(n)
    box = _box(study)
    figure = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=SPACING,
                           subplot_titles=("loss over β (β1 horizontal)", "data and decision boundary"))
    figure.update_annotations(font_size=None)  # the panel titles in the figure's font (larger on a projector)
    for trace in _static_traces(study, shown):
        figure.add_trace(trace)
    last = int(study.frames[-1])
    figure.add_traces(_moving_traces(study, last, box))
    moving = list(range(len(figure.data) - 3, len(figure.data)))
    figure.update_layout(layout(x_title="β1", y_title="β2", height=HEIGHT), **_slider(study),
                         margin={"l": 60, "r": 20, "b": MARGIN_BOTTOM, "t": MARGIN_TOP})
    figure.update_layout(legend={"y": 1.09})
    figure.update_layout(xaxis2={"title": {"text": "x1"}, "range": box[:2]},
                         yaxis2={"title": {"text": "x2"}, "range": box[2:]},
                         xaxis={"range": [study.grid_b1[0], study.grid_b1[-1]], "showgrid": False, "zeroline": False},
                         yaxis={"range": [study.grid_b2[0], study.grid_b2[-1]], "showgrid": False, "zeroline": False},
                         images=[_loss_picture(study)])
    figure.frames = [{"name": f"record {f}", "data": _moving_traces(study, int(f), box), "traces": moving}
                     for f in study.frames]
    return figure


def curves_figure(study: SgdStudy) -> go.Figure:
    """Loss (left axis) and accuracy (right axis) against the step."""
    history = study.history
    figure = go.Figure([
        go.Scatter(x=history.steps, y=history.losses, mode="lines", name="loss",
                   line={"color": COLORS["vermillion"], "width": LINE_WIDTH}),
        go.Scatter(x=history.steps, y=history.accuracies, mode="lines", name="accuracy", yaxis="y2",
                   line={"color": COLORS["blue"], "width": LINE_WIDTH, "dash": "dot"}),
    ])
    figure.update_layout(layout(x_title="step", y_title="loss", height=380),
                         yaxis2={"title": {"text": "accuracy"}, "overlaying": "y", "side": "right", "range": [0, 1.02],
                                 "dtick": 0.2})
    return figure


def spread_figure(study: SgdStudy) -> go.Figure:
    """Mini-batch gradients (∂L/∂β1, ∂L/∂β2) at the final β around the full gradient: their spread is SGD's noise."""
    figure = go.Figure([
        go.Scatter(x=study.spread[:, 0], y=study.spread[:, 1], mode="markers", name=f"batches of {study.batch_size}",
                   marker={"color": COLORS["sky"], "size": 7, "opacity": 0.6}),
        go.Scatter(x=study.full[:1], y=study.full[1:2], mode="markers", name="full gradient",
                   marker={"color": COLORS["vermillion"], "size": 16, "symbol": "x"}),
    ])
    figure.update_layout(layout(x_title="∂L/∂β1", y_title="∂L/∂β2", height=420))
    figure.update_yaxes(scaleanchor="x", scaleratio=1)
    return figure
