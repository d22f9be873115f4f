"""Figures of the Optimizers page: the race on f's contour (every method's path in its own colour, animated on one
step slider, with the inspected method's step drawn), f − f* against the step, and the tuning plot (final f against
the learning rate per method, with the stability limit on a quadratic)."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.optimizers import LABELS
from core.optimizers_lab import RaceStudy, StepDetail, Tuning
from core.plots.raster import banded_image, level_curves, picture
from core.plots.style import COLORS, LINE_WIDTH, assemble, layout, play_controls, trace

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
LEVELS = 30  # bands of log₁₀(f − min) in the picture
MODEL_LEVELS = 10  # level curves of Newton's model drawn near the step
DASH = 5  # pixels: the side of the checkerboard that dashes the model's curves
CONTROLS_Y = -0.14  # top of the Play buttons and the step slider, below the x1 axis title (fraction of the plot)
WIDE_TICKS = 95  # px of left margin for power-of-ten tick labels and the axis title beside them
CEILING_FACTOR = 100  # the tuning plot shows finals up to 100 times the start's distance from f* (or size of f)
ZERO_FLOOR = 1e-32  # where an exact f − f* = 0 is drawn on a log axis, or lower: a tenth of the smallest gap shown


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
                 marker={"size": 12, "opacity": 0}, customdata=study.expression.func(a, b).ravel(),
                 hovertemplate="f(%{x:.2f}, %{y:.2f}) = %{customdata:.4g}<br>click to start here<extra></extra>")


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


def _arrow(start, end, name: str, color: str, *, dash: str = "solid", note: str = "") -> dict:
    return trace("scatter", x=[start[0], end[0]], y=[start[1], end[1]], mode="lines+markers", name=name,
                 line={"color": color, "width": LINE_WIDTH, "dash": dash},
                 marker={"symbol": "arrow", "angleref": "previous", "size": [0, 16], "color": color},
                 hovertemplate=f"{name}{'<br>' + note if note else ''}<extra></extra>")


def _state_note(detail: StepDetail) -> str:
    """The rule's state behind step t, for the step arrow's hover: momentum's velocity, the per-coordinate rates."""
    pair = "({:.4g}, {:.4g})".format
    if "momentum_buffer" in detail.state_after:
        step = "−lr·(gₜ + μ·bₜ)" if detail.method == "nesterov" else "−lr·bₜ"
        return f"velocity bₜ = {pair(*detail.state_after['momentum_buffer'])}; the step is {step}"
    if detail.step_size is not None and detail.method != "gd":
        return f"per-coordinate rates {pair(*detail.step_size)} (lr = {detail.lr:g})"
    return ""


def _model_values(study: RaceStudy, detail: StepDetail) -> np.ndarray:
    """Newton's quadratic model q(x) = f(x_{t−1}) + ∇f·d + ½dᵀHd, d = x − x_{t−1}, on the picture's grid; nan beyond
    a quarter of the window from x_{t−1} (the model is local: its curves are drawn near the step only)."""
    w = study.window
    reach = 0.25 * min(w.x1_high - w.x1_low, w.x2_high - w.x2_low)
    a, b = np.meshgrid(study.grid_x1 - detail.before[0], study.grid_x2 - detail.before[1])
    h, g = detail.hessian, detail.gradient
    q = float(study.expression.func(*detail.before)) + g[0] * a + g[1] * b + 0.5 * (
        h[0, 0] * a * a + 2 * h[0, 1] * a * b + h[1, 1] * b * b)
    return np.where(np.hypot(a, b) <= reach, q, np.nan)


def _model_marks(detail: StepDetail) -> list[dict]:
    """The legend's entry for the model's curves (drawn in the picture), and the model's stationary point
    x_{t−1} − H⁻¹∇f, where the pure Newton step lands, named minimum, maximum or saddle."""
    marks = [trace("scatter", x=[None], y=[None], mode="lines", name="Newton's quadratic model",
                   line={"color": COLORS["black"], "width": 1.5, "dash": "dash"})]
    if detail.eigenvalues is not None and abs(detail.eigenvalues).min() > 0:
        centre = detail.before - np.linalg.solve(detail.hessian, detail.gradient)
        kind = "minimum" if detail.eigenvalues[0] > 0 else ("maximum" if detail.eigenvalues[-1] < 0 else "saddle")
        marks.append(trace("scatter", x=[centre[0]], y=[centre[1]], mode="markers", name=f"the model's {kind}",
                           marker={"symbol": "star", "size": 15, "color": COLORS["yellow"],
                                   "line": {"width": 1.5, "color": COLORS["black"]}}))
    return marks


def _background(study: RaceStudy, detail: StepDetail | None) -> dict:
    """f's level sets as a layout image (log-spaced levels, light bands, darker curves), with Newton's model's
    level curves dashed in black over them when the inspected step is Newton's: a picture, which an animation never
    redraws (a contour trace blinks out on every frame that redraws, and vanishes on frames that do not)."""
    rgb = banded_image(_log_levels(study), levels=LEVELS, colorscale=LIGHT)
    if detail is not None and detail.method == "newton" and detail.hessian is not None:
        curves = level_curves(_model_values(study, detail), levels=MODEL_LEVELS)[::-1]
        curves[1:] |= curves[:-1].copy()  # two pixels wide
        curves[:, 1:] |= curves[:, :-1].copy()
        rows, columns = np.indices(curves.shape)
        dashes = (rows // DASH + columns // DASH) % 2 == 0  # a checkerboard: dashed in every direction
        rgb[curves & dashes] = (34, 34, 34)
    w = study.window
    return picture(rgb, x=(w.x1_low, w.x1_high), y=(w.x2_low, w.x2_high))


def _inspected(study: RaceStudy, detail: StepDetail) -> list[dict]:
    """The inspected method's step t: the move x_{t−1} → x_t, and what plain gradient descent at the same rate would
    have done (−lr·∇f), so momentum's velocity and the adaptive methods' rescaling show as the gap between them."""
    label = study.trajectory(detail.method).label
    color = METHOD_COLORS[detail.method]
    traces = [_arrow(detail.before, detail.after, f"{label}'s step {detail.t}", color, note=_state_note(detail))]
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
        traces += _model_marks(detail)
    return traces


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
        _click_grid(study),
        *[_path(study, path.method) for path in study.trajectories],
        trace("scatter", x=[study.start[0]], y=[study.start[1]], mode="markers", name="start",
              marker={"symbol": "square", "size": 12, "color": "white", "line": {"width": 2.5, "color": "#222"}}),
    ]
    if detail is not None:
        data += _inspected(study, detail)
    first_moving = len(data)
    data += _moving(study, t, previous[t])
    moving = list(range(first_moving, len(data)))
    if study.minima:  # last: over the points that reach them
        minima = np.asarray(study.minima)
        data.append(trace("scatter", x=minima[:, 0], y=minima[:, 1], mode="markers", name="minimum",
                          marker={"symbol": "star-open", "size": 16, "color": "#222", "line": {"width": 2}}))
    spec = layout(x_title="x1", y_title="x2", height=height)
    spec.update(legend={"orientation": "h", "x": 0, "y": 1.01, "yanchor": "bottom", "xanchor": "left"},
                margin={"l": 60, "r": 20, "t": 75, "b": 125}, clickmode="event+select", dragmode="pan",
                **play_controls([(f"step {s}", str(int(s))) for s in frames], active=active, prefix="step ",
                                frame_ms=FRAME_MS, y=CONTROLS_Y, slider_x=0.16))
    spec["xaxis"].update(range=[w.x1_low, w.x1_high], showgrid=False, zeroline=False)
    spec["yaxis"].update(range=[w.x2_low, w.x2_high], showgrid=False, zeroline=False)
    spec["images"] = [_background(study, detail)]
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
                              name=f"{path.label} diverged",
                              hovertemplate=f"{path.label}: {path.reason}<extra></extra>",
                              marker={"symbol": "x", "size": 14, "color": color}))
    known = study.minimum is not None
    spec = layout(x_title="step t", y_title="f(xₜ) − f*" if known else "f(xₜ)", height=HEIGHT)
    spec["margin"]["l"] = WIDE_TICKS
    if known:
        spec["yaxis"].update(type="log", exponentformat="power")
    return assemble({"data": data, "layout": spec})


def _ceiling(tuning: Tuning, minimum: float | None) -> float:
    """The top of the tuning plot's y axis: CEILING_FACTOR × f's distance above f* at the start (log axis), or the
    start's f plus CEILING_FACTOR × its size (linear axis, f* unknown). Finals above it are drawn on it, marked."""
    if minimum is not None:
        return max(CEILING_FACTOR * (tuning.initial - minimum), 10 * ZERO_FLOOR)
    return tuning.initial + CEILING_FACTOR * max(abs(tuning.initial), 1.0)


def _floor(tuning: Tuning, minimum: float | None) -> float:
    """Where an exact f − f* = 0 is drawn on the log axis: ZERO_FLOOR, or a tenth of the smallest positive gap."""
    if minimum is None:
        return ZERO_FLOOR
    gaps = [f - minimum for finals in tuning.finals for f in finals if math.isfinite(f) and f > minimum]
    return min([ZERO_FLOOR] + [g / 10 for g in gaps])


def _tuning_method(tuning: Tuning, i: int, minimum: float | None, ceiling: float, floor: float) -> list[dict]:
    """One method's line of final f (− f*) against the rate, its best rate starred, and marked points for what the
    axis cannot show: an exact f − f* = 0 (on the floor), finals above the ceiling and diverged runs (on it)."""
    method, rates, finals, best = tuning.methods[i], tuning.rates[i], tuning.finals[i], tuning.best[i]
    color, label = METHOD_COLORS[method], LABELS[method]
    y = finals - (minimum if minimum is not None else 0.0)
    marked = []

    def mark(where: np.ndarray, height: float, symbol: str, text: str) -> None:
        if where.any():
            marked.append(trace("scatter", x=rates[where], y=[height] * int(where.sum()), mode="markers",
                                legendgroup=method, showlegend=False, name=f"{label}: {text}",
                                customdata=finals[where], marker={"symbol": symbol, "size": 11, "color": color},
                                hovertemplate=f"{label}, lr %{{x:g}}: {text} (f = %{{customdata:.4g}})<extra></extra>"))

    mark(np.isfinite(y) & (y == 0) & (minimum is not None), floor, "triangle-down", "f − f* = 0 exactly")
    mark(np.isfinite(y) & (y > ceiling), ceiling, "triangle-up", "above the chart")
    mark(~np.isfinite(y), ceiling, "x", "diverged")
    shown = np.where(np.isfinite(y) & (y <= ceiling), y, np.nan)
    if minimum is not None:
        shown = np.where(shown == 0, floor, shown)
    lines = [trace("scatter", x=rates, y=shown, mode="lines+markers", name=label, legendgroup=method,
                   line={"color": color, "width": 2, "dash": METHOD_DASHES[method]}, marker={"size": 7},
                   hovertemplate=f"{label}<br>lr %{{x:g}}<br>%{{y:.3g}}<extra></extra>")]
    if best is not None:
        at = float(shown[int(np.flatnonzero(rates == best)[0])])
        lines.append(trace("scatter", x=[best], y=[at], mode="markers", showlegend=False, legendgroup=method,
                           name=f"{label}'s best rate", marker={"symbol": "star", "size": 16, "color": color,
                                                                "line": {"width": 1, "color": "#222"}},
                           hovertemplate=f"{label}'s best: lr %{{x:g}}<extra></extra>"))
    return lines + marked


def _rate_lines(stable_lr: float | None, momentum_lr: float | None) -> tuple[list[dict], list[dict]]:
    """Vertical dashed lines at the quadratic's rates, each labelled on the side away from the other."""
    shapes, notes = [], []
    marks = [(v, text) for v, text in ((stable_lr, "2/λmax: GD's limit"), (momentum_lr, "momentum's best lr"))
             if v is not None]
    for k, (value, text) in enumerate(marks):
        other = [v for j, (v, _) in enumerate(marks) if j != k]
        side = "right" if other and other[0] > value else "left"  # the text on the far side from the other line
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": value, "x1": value, "y0": 0, "y1": 1,
                       "line": {"color": COLORS["grey"], "width": 2, "dash": "dash"}})
        notes.append({"x": math.log10(value), "xref": "x", "yref": "paper", "y": 1.0, "yanchor": "bottom",
                      "xanchor": side, "text": text, "showarrow": False, "font": {"size": 13}})
    return shapes, notes


def tuning_figure(tuning: Tuning, *, minimum: float | None, stable_lr: float | None = None,
                  momentum_lr: float | None = None) -> go.Figure:
    """Final f − f* (log axis; f on a linear axis when f* is unknown) after ``tuning.steps`` steps against the
    learning rate (log axis), per method, its best rate starred. What the axis cannot show is marked, not dropped:
    an exact f − f* = 0 on the floor (▼), finals beyond the ceiling (▲) and diverged runs (×) on the ceiling (see
    :func:`_ceiling`). On a quadratic, gradient descent's stability limit 2/λmax and momentum's optimal rate are
    vertical lines."""
    ceiling, floor = _ceiling(tuning, minimum), _floor(tuning, minimum)
    data = [t for i in range(len(tuning.methods)) for t in _tuning_method(tuning, i, minimum, ceiling, floor)]
    spec = layout(x_title="learning rate lr", y_title=(f"f − f* after {tuning.steps} steps" if minimum is not None
                                                       else f"f after {tuning.steps} steps"), height=HEIGHT)
    spec["margin"]["l"] = WIDE_TICKS
    spec["xaxis"].update(type="log", exponentformat="power")
    if minimum is not None:
        spec["yaxis"].update(type="log", exponentformat="power")
    else:
        finite = [f for finals in tuning.finals for f in finals if math.isfinite(f) and f <= ceiling]
        low = min(finite + [tuning.initial])
        spec["yaxis"].update(range=[low - 0.05 * (ceiling - low), ceiling + 0.05 * (ceiling - low)])
    shapes, notes = _rate_lines(stable_lr, momentum_lr)
    if shapes:  # no empty lists: plotly's own validation would drop them
        spec.update(shapes=shapes, annotations=notes)
    return assemble({"data": data, "layout": spec})
