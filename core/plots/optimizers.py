"""Figures of the Optimizers page: the race on f's contour (every method's path in its own colour, animated on one
step slider, with the inspected method's step drawn), f − f* against the step, and the tuning plot (final f against
the learning rate per method, with the stability limit on a quadratic)."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.optimizers import LABELS
from core.optimizers_lab import RaceStudy, StepDetail, Tuning
from core.plots.style import COLORS, LINE_WIDTH, assemble, layout, trace

__all__ = ["METHOD_COLORS", "METHOD_DASHES", "loss_figure", "race_figure", "tuning_figure"]

METHOD_COLORS = {"gd": COLORS["blue"], "momentum": COLORS["green"], "nesterov": COLORS["purple"],
                 "adagrad": COLORS["vermillion"], "rmsprop": COLORS["sky"], "adam": COLORS["orange"],
                 "newton": COLORS["black"]}
METHOD_DASHES = {"gd": "solid", "momentum": "solid", "nesterov": "dash", "adagrad": "dot", "rmsprop": "dashdot",
                 "adam": "solid", "newton": "longdash"}  # colour and dash: two cues for each path
LIGHT = [[0.0, "#ffffff"], [0.5, "#d5dde6"], [1.0, "#93a3b5"]]  # a light ground: seven coloured paths stand out on it
HEIGHT = 600  # px: beside the controls, on a laptop's first screen
FRAME_MS = 120
PATH_POINTS = 300  # points of each full path drawn (all early steps, then evenly spaced)
TAIL_POINTS = 6  # points of the bold tail a frame redraws (the stretch since the previous frame)
CLICK_GRID = 21  # invisible markers per axis that turn a click on the contour into a start (as on the Gradient page)
MODEL_GRID = 41  # the Newton step's quadratic model, per axis, around x_{t−1}
CONTROLS_Y = -0.1
WIDE_TICKS = 95  # px of left margin for power-of-ten tick labels and the axis title beside them
ZERO_FLOOR = 1e-32  # where an exact f − f* = 0 is drawn on a log axis (below anything a double difference shows)


def _thin(steps: int, most: int) -> np.ndarray:
    """Indices 0 … steps, every one up to ``most``/4, then evenly spaced: at most ``most`` + 1, ascending."""
    early = np.arange(0, min(steps, most // 4) + 1)
    return np.unique(np.concatenate([early, np.linspace(early[-1], steps, most - len(early) + 1).round().astype(int)]))


def _log_levels(study: RaceStudy) -> np.ndarray:
    """log₁₀(f − min f + δ) on the grid, δ a thousandth of f's range there: level curves spread over every scale."""
    z = study.grid_f
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return z
    low, spread = float(finite.min()), float(finite.max() - finite.min())
    with np.errstate(invalid="ignore"):
        return np.log10(z - low + max(1e-3 * spread, 1e-12))


def _click_grid(study: RaceStudy) -> dict:
    w = study.window
    a, b = np.meshgrid(np.linspace(w.x1_low, w.x1_high, CLICK_GRID), np.linspace(w.x2_low, w.x2_high, CLICK_GRID))
    return trace("scatter", x=a.ravel(), y=b.ravel(), mode="markers", name="click to start here", showlegend=False,
                 marker={"size": 12, "opacity": 0}, hovertemplate="start at (%{x:.2f}, %{y:.2f})<extra></extra>")


def _path(study: RaceStudy, method: str) -> dict:
    path = study.trajectory(method)
    shown = path.points[_thin(path.steps, PATH_POINTS)]
    return trace("scatter", x=shown[:, 0], y=shown[:, 1], mode="lines",
                 name=path.label, legendgroup=method, opacity=0.8,
                 line={"color": METHOD_COLORS[method], "width": 2.5, "dash": METHOD_DASHES[method]},
                 hovertemplate=f"{path.label}<br>(%{{x:.3f}}, %{{y:.3f}})<extra></extra>")


def _moving(study: RaceStudy, step: int, previous: int, *, full: bool = True) -> list[dict]:
    """For each method: the stretch from the previous frame's step to ``step`` in bold, and its point at ``step``
    (a cross once the run has stopped). ``full=False`` gives only what changes from frame to frame (points, name,
    marker symbol): plotly.js merges a frame's traces into the drawn ones, so the styles are sent once."""
    traces = []
    for path in study.trajectories:
        end, start = min(step, path.steps), min(previous, path.steps)
        tail = path.points[np.unique(np.linspace(start, end, TAIL_POINTS).round().astype(int))]
        head = path.points[end]
        symbol = "x" if path.diverged_at is not None and step >= path.diverged_at else "circle"
        moved = [{"x": tail[:, 0], "y": tail[:, 1]},
                 {"x": [head[0]], "y": [head[1]], "name": f"{path.label} at step {end}", "marker": {"symbol": symbol}}]
        if full:
            color = METHOD_COLORS[path.method]
            moved[0] = trace("scatter", **moved[0], mode="lines", legendgroup=path.method, showlegend=False,
                             line={"color": color, "width": LINE_WIDTH + 1}, hoverinfo="skip")
            moved[1] = trace("scatter", **{**moved[1], "marker": {"color": color, "size": 13, "symbol": symbol,
                                                                  "line": {"width": 2, "color": "white"}}},
                             mode="markers", legendgroup=path.method, showlegend=False,
                             hovertemplate="%{fullData.name}<br>(%{x:.4g}, %{y:.4g})<extra></extra>")
        traces += moved
    return traces


def _arrow(start, end, name: str, color: str, *, dash: str = "solid") -> dict:
    return trace("scatter", x=[start[0], end[0]], y=[start[1], end[1]], mode="lines+markers", name=name,
                 line={"color": color, "width": LINE_WIDTH, "dash": dash},
                 marker={"symbol": "arrow", "angleref": "previous", "size": [0, 16], "color": color},
                 hovertemplate=f"{name}<extra></extra>")


def _model(study: RaceStudy, detail: StepDetail) -> list[dict]:
    """Newton's quadratic model q(x) = f + ∇f·d + ½dᵀHd (d = x − x_{t−1}) as dashed level curves around x_{t−1},
    and its stationary point x_{t−1} − H⁻¹∇f (where the pure step would land)."""
    w = study.window
    reach = 0.25 * min(w.x1_high - w.x1_low, w.x2_high - w.x2_low)
    a, b = np.meshgrid(np.linspace(detail.before[0] - reach, detail.before[0] + reach, MODEL_GRID),
                       np.linspace(detail.before[1] - reach, detail.before[1] + reach, MODEL_GRID))
    d = np.stack([a - detail.before[0], b - detail.before[1]])
    h = detail.hessian
    value = float(study.expression.func(*detail.before))
    q = value + detail.gradient @ d.reshape(2, -1) + 0.5 * np.einsum("ik,ij,jk->k", d.reshape(2, -1), h,
                                                                       d.reshape(2, -1))
    traces = [trace("contour", x=a[0], y=b[:, 0], z=q.reshape(a.shape).astype(np.float32), showscale=False,
                    name="Newton's quadratic model", showlegend=True, ncontours=10, hoverinfo="skip",
                    contours={"coloring": "none", "showlabels": False},
                    line={"color": COLORS["black"], "width": 1.5, "dash": "dash"})]
    if detail.eigenvalues is not None and abs(detail.eigenvalues).min() > 0:
        centre = detail.before - np.linalg.solve(h, detail.gradient)
        kind = "minimum" if detail.eigenvalues[0] > 0 else ("maximum" if detail.eigenvalues[-1] < 0 else "saddle")
        traces.append(trace("scatter", x=[centre[0]], y=[centre[1]], mode="markers", name=f"the model's {kind}",
                            marker={"symbol": "star", "size": 15, "color": COLORS["yellow"],
                                    "line": {"width": 1.5, "color": COLORS["black"]}}))
    return traces


def _inspected(study: RaceStudy, detail: StepDetail) -> list[dict]:
    """The inspected method's step t: the move x_{t−1} → x_t, and what plain gradient descent at the same rate would
    have done (−lr·∇f), so momentum's velocity and the adaptive methods' rescaling show as the gap between them."""
    label = study.trajectory(detail.method).label
    color = METHOD_COLORS[detail.method]
    traces = [_arrow(detail.before, detail.after, f"{label}'s step {detail.t}", color)]
    if detail.method in ("momentum", "nesterov"):  # the velocity's share: the step against GD's at the same rate
        plain = detail.before - detail.lr * detail.gradient
        traces.append(_arrow(detail.before, plain, f"GD's step −lr·∇f (lr = {detail.lr:g})", COLORS["grey"],
                             dash="dot"))
    elif detail.method in ("adagrad", "rmsprop", "adam"):  # per-coordinate rates turn the step away from −∇f
        length = float(np.linalg.norm(detail.after - detail.before))
        norm = float(np.linalg.norm(detail.gradient))
        if norm > 0 and length > 0:
            plain = detail.before - length * detail.gradient / norm
            traces.append(_arrow(detail.before, plain, "−∇f's direction, at the step's length", COLORS["grey"],
                                 dash="dot"))
    if detail.method == "newton" and detail.hessian is not None:
        traces += _model(study, detail)
    return traces


def _controls(frames: np.ndarray, active: int) -> dict:
    steps = [{"label": str(int(s)), "method": "animate",
              "args": [[f"step {s}"], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                       "transition": {"duration": 0}}]} for s in frames]
    play = {"frame": {"duration": FRAME_MS, "redraw": True}, "fromcurrent": True, "transition": {"duration": 0}}
    return {
        "sliders": [{"active": active, "x": 0.12, "len": 0.88, "y": CONTROLS_Y, "yanchor": "top", "steps": steps,
                     "pad": {"t": 10, "b": 0}, "currentvalue": {"prefix": "step ", "xanchor": "right"}}],
        "updatemenus": [{"type": "buttons", "direction": "left", "x": 0, "y": CONTROLS_Y, "xanchor": "left",
                         "yanchor": "top", "pad": {"t": 22}, "showactive": False,
                         "buttons": [{"label": "▶", "method": "animate",
                                      "args": [[f"step {s}" for s in frames], {**play}]},
                                     {"label": "❚❚", "method": "animate",
                                      "args": [[None], {"mode": "immediate", "frame": {"duration": 0,
                                                                                        "redraw": True}}]}]}],
    }


def race_figure(study: RaceStudy, *, detail: StepDetail | None = None, height: int = HEIGHT) -> go.Figure:
    """The contour of f (log-spaced levels) with every method's whole path, faint, and for each method a bold tail
    and its point at the slider's step; Play animates all methods on that one slider (frames at ``study.frames``
    and the inspected step). ``detail``: the inspected method's step drawn (its move, GD's move for comparison,
    Newton's quadratic model)."""
    t = detail.t if detail is not None else int(study.frames[-1])
    frames = np.unique(np.append(study.frames, t))
    active = int(np.flatnonzero(frames == t)[0])
    previous = {int(s): int(p) for s, p in zip(frames, np.concatenate([[0], frames[:-1]]))}
    w = study.window
    data = [
        trace("contour", x=study.grid_x1, y=study.grid_x2, z=_log_levels(study).astype(np.float32),
              colorscale=LIGHT, ncontours=30, name="f", showscale=False,
              hovertemplate="x1 %{x:.3f}<br>x2 %{y:.3f}<br>log₁₀(f − min) %{z:.2f}<extra></extra>"),
        _click_grid(study),
        *[_path(study, path.method) for path in study.trajectories],
        trace("scatter", x=[study.start[0]], y=[study.start[1]], mode="markers", name="start",
              marker={"symbol": "square", "size": 12, "color": "white", "line": {"width": 2.5, "color": "#222"}}),
    ]
    if study.minima:
        minima = np.asarray(study.minima)
        data.append(trace("scatter", x=minima[:, 0], y=minima[:, 1], mode="markers", name="minimum",
                          marker={"symbol": "star", "size": 14, "color": "white",
                                  "line": {"width": 1.5, "color": "#222"}}))
    if detail is not None:
        data += _inspected(study, detail)
    first_moving = len(data)
    data += _moving(study, t, previous[t])
    moving = list(range(first_moving, len(data)))
    spec = layout(x_title="x1", y_title="x2", height=height)
    spec.update(legend={"orientation": "h", "x": 0, "y": 1.01, "yanchor": "bottom", "xanchor": "left"},
                margin={"l": 60, "r": 20, "t": 75, "b": 110}, clickmode="event+select", dragmode="pan",
                **_controls(frames, active))
    spec["xaxis"].update(range=[w.x1_low, w.x1_high])
    spec["yaxis"].update(range=[w.x2_low, w.x2_high])
    specs = [{"name": f"step {s}", "data": _moving(study, int(s), previous[int(s)], full=False), "traces": moving}
             for s in frames]
    return assemble({"data": data, "layout": spec, "frames": specs})


def loss_figure(study: RaceStudy) -> go.Figure:
    """f(x_t) − f* (log axis) against the step t for every method, or f itself when f* is unknown (linear axis); a
    run that diverged ends in a cross at its last finite step."""
    data = []
    for path in study.trajectories:
        y = study.gap(path)
        steps = _thin(path.steps, 1000)
        color = METHOD_COLORS[path.method]
        data.append(trace("scatter", x=steps, y=y[steps], mode="lines", name=path.label,
                          line={"color": color, "width": LINE_WIDTH, "dash": METHOD_DASHES[path.method]},
                          hovertemplate=f"{path.label}<br>step %{{x}}<br>%{{y:.4g}}<extra></extra>"))
        if path.diverged_at is not None:
            data.append(trace("scatter", x=[path.steps], y=[y[-1]], mode="markers", showlegend=False,
                              name=f"{path.label} diverged", hovertemplate=f"{path.label}: {path.reason}<extra></extra>",
                              marker={"symbol": "x", "size": 14, "color": color}))
    known = study.minimum is not None
    spec = layout(x_title="step t", y_title="f(x_t) − f*" if known else "f(x_t)", height=HEIGHT)
    spec["margin"]["l"] = WIDE_TICKS
    if known:
        spec["yaxis"].update(type="log", exponentformat="power")
    return assemble({"data": data, "layout": spec})


def tuning_figure(tuning: Tuning, *, minimum: float | None, stable_lr: float | None = None,
                  momentum_lr: float | None = None) -> go.Figure:
    """Final f − f* (or f) after ``tuning.steps`` steps against the learning rate, per method, on log axes; each
    method's best rate starred; runs that diverged as crosses along the top. On a quadratic the stability limit
    lr = 2/λmax of gradient descent and momentum's optimal rate are drawn as vertical lines."""
    data, top = [], 0.0
    finite_all = [f for finals in tuning.finals for f in finals if math.isfinite(f)]
    shift = minimum if minimum is not None else 0.0
    if finite_all:
        top = max(f - shift for f in finite_all)
    for method, rates, finals, best in zip(tuning.methods, tuning.rates, tuning.finals, tuning.best):
        color = METHOD_COLORS[method]
        label = LABELS[method]
        y = np.where(np.isfinite(finals), finals - shift, np.nan)
        exact = np.flatnonzero(y == 0) if minimum is not None else np.array([], dtype=int)
        if exact.size:  # f* reached to the last bit: a log axis has no 0, so these sit on its floor, said so
            data.append(trace("scatter", x=rates[exact], y=[ZERO_FLOOR] * exact.size, mode="markers",
                              name=f"{label}: f − f* = 0 exactly (drawn at {ZERO_FLOOR:g})", legendgroup=method,
                              marker={"symbol": "triangle-down", "size": 11, "color": color}))
            y = np.where(y == 0, ZERO_FLOOR, y)
        data.append(trace("scatter", x=rates, y=y, mode="lines+markers", name=label,
                          line={"color": color, "width": 2, "dash": METHOD_DASHES[method]}, marker={"size": 7},
                          hovertemplate=f"{label}<br>lr %{{x:g}}<br>%{{y:.3g}}<extra></extra>"))
        gone = ~np.isfinite(finals)
        if gone.any():
            data.append(trace("scatter", x=rates[gone], y=[max(top, 1e-300) * 10] * int(gone.sum()), mode="markers",
                              showlegend=False, name=f"{label} diverged", marker={"symbol": "x", "size": 9,
                                                                                   "color": color},
                              hovertemplate=f"{label} diverged at lr %{{x:g}}<extra></extra>"))
        if best is not None:
            i = int(np.flatnonzero(rates == best)[0])
            data.append(trace("scatter", x=[best], y=[y[i]], mode="markers", showlegend=False,
                              name=f"{label}'s best rate", marker={"symbol": "star", "size": 16, "color": color,
                                                                   "line": {"width": 1, "color": "#222"}},
                              hovertemplate=f"{label}'s best: lr %{{x:g}}<extra></extra>"))
    shapes, notes = [], []
    for value, text in ((stable_lr, "2/λmax: GD's limit"), (momentum_lr, "momentum's optimal lr")):
        if value is not None:
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": value, "x1": value, "y0": 0, "y1": 1,
                           "line": {"color": COLORS["grey"], "width": 2, "dash": "dash"}})
            notes.append({"x": math.log10(value), "xref": "x", "yref": "paper", "y": 1.0, "yanchor": "bottom",
                          "text": text, "showarrow": False, "font": {"size": 13}})
    spec = layout(x_title="learning rate lr", y_title=(f"f − f* after {tuning.steps} steps" if minimum is not None
                                                       else f"f after {tuning.steps} steps"), height=HEIGHT)
    spec["margin"]["l"] = WIDE_TICKS
    spec["xaxis"].update(type="log", exponentformat="power")
    spec["yaxis"].update(type="log" if minimum is not None else "linear", exponentformat="power")
    if shapes:  # no empty lists: plotly's own validation would drop them
        spec.update(shapes=shapes, annotations=notes)
    return assemble({"data": data, "layout": spec})
