"""Figures of the Newton page: f with Newton's tangents walked step by step (animated on a step slider, with
bisection's bracket shrinking along the bottom), and the correct digits of both methods against the step.

The 2-D comparison is the Optimizers page's race figure (core.plots.optimizers.race_figure) on the study of
core.newton_lab.study_plane.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.newton_lab import NewtonStudy
from core.plots.style import COLORS, LINE_WIDTH, assemble, layout, trace
from core.roots import MAX_DIGITS, number_text, subscript

__all__ = ["HEIGHT", "digits_figure", "newton_figure"]

HEIGHT = 560  # px: beside the controls, with the formula line above it, on a laptop's first screen
FRAME_MS = 700  # a step every 0.7 s: time to follow the tangent to its zero
LABEL_GAP = 0.04  # iterate labels closer than this fraction of the view to a labelled one are left out
STRIP = 0.12  # a strip this fraction of the y-range is added below the view for bisection's bracket, drawn in its
#               middle (clear of the curve and of a flat tangent at the bottom)
CONTROLS_Y = -0.12
NEWTON = COLORS["vermillion"]
BISECTION = COLORS["orange"]
_MOVING = ("bisection bracket", "tangent at xₖ", "step k", "xₖ on the curve", "xₖ₊₁", "off the plot")  # names


def _gaps(segments: list[tuple[list[float], list[float]]]) -> tuple[np.ndarray, np.ndarray]:
    """Line segments as one trace's x, y with nan between them (a gap in plotly.js)."""
    if not segments:
        return np.array([]), np.array([])
    xs = np.concatenate([np.append(x, np.nan) for x, _ in segments])
    ys = np.concatenate([np.append(y, np.nan) for _, y in segments])
    return xs, ys


def _labels(points: np.ndarray, window: tuple[float, float]) -> list[str]:
    """x₀, x₁, … for the iterates, blank for one too close to an iterate already labelled (a converged run piles its
    last iterates on one spot)."""
    gap = LABEL_GAP * (window[1] - window[0])
    labelled, texts = [], []
    for j, x in enumerate(points):
        clear = all(abs(x - other) > gap for other in labelled)
        texts.append(f"x{subscript(j)}" if clear else "")
        if clear:
            labelled.append(x)
    return texts


def _tangent(study: NewtonStudy, k: int) -> tuple[list[float], list[float]]:
    """The tangent at x_k across the whole view (empty when f′(x_k) is not finite)."""
    run, (low, high) = study.run, study.window
    x, fx, slope = run.points[k], run.values[k], run.slopes[k]
    if not (math.isfinite(slope) and math.isfinite(fx)):
        return [], []
    return [low, high], [fx + slope * (low - x), fx + slope * (high - x)]


def _off_plot(study: NewtonStudy, k: int) -> tuple[list[float], list[float], list[str], list[str]]:
    """The latest iterate up to x_{k+1} that lies outside the view, as a marker at the view's edge that says where it
    went; empty when there is none."""
    run, (low, high) = study.run, study.window
    last = min(k + 1, run.steps)
    outside = [j for j in range(last + 1) if not low <= run.points[j] <= high]
    if not outside:
        return [], [], [], []
    j = outside[-1]
    x = run.points[j]
    right = x > high
    text = f"x{subscript(j)} = {number_text(x)} →" if right else f"← x{subscript(j)} = {number_text(x)}"
    return [high if right else low], [0.0], [text], ["triangle-right" if right else "triangle-left"]


def _path(study: NewtonStudy) -> list[dict]:
    """The whole walk, faint and fixed: each tangent from (x_j, f(x_j)) to its zero x_{j+1}, the dotted drop from
    each iterate to the curve, and the iterates on the axis with their labels."""
    pts, vals = study.run.points, study.run.values
    tangents = _gaps([([pts[j], pts[j + 1]], [vals[j], 0.0]) for j in range(len(pts) - 1)])
    drops = _gaps([([x, x], [0.0, v]) for x, v in zip(pts, vals)])
    return [
        trace("scatter", x=tangents[0], y=tangents[1], mode="lines", name="Newton's steps", opacity=0.45,
              line={"color": NEWTON, "width": 2}, hoverinfo="skip"),
        trace("scatter", x=drops[0], y=drops[1], mode="lines", name="drop lines", showlegend=False,
              line={"color": COLORS["grey"], "width": 1.5, "dash": "dot"}, hoverinfo="skip"),
        trace("scatter", x=pts, y=np.zeros(len(pts)), mode="markers+text", name="iterates", showlegend=False,
              text=_labels(pts, study.window), textposition="bottom center",
              textfont={"color": COLORS["black"]},  # the layout's size: the projector scales it
              marker={"symbol": "line-ns", "size": 14, "line": {"width": 2.5, "color": COLORS["black"]}},
              customdata=np.arange(len(pts)), hovertemplate="x%{customdata}: %{x:.15g}<extra></extra>"),
    ]


def _moving(study: NewtonStudy, k: int, *, full: bool) -> list[dict]:
    """The traces that change with the step k (0 … the run's steps), in the order of _MOVING: bisection's bracket
    after k halvings, the tangent at x_k across the view, its step to x_{k+1} in bold, x_k on the curve, x_{k+1} on
    the axis and an iterate that left the view. ``full=False`` gives only what changes (x, y, text, name, marker
    symbol, and the type): plotly.js merges a frame's traces into the drawn ones, so the styles are sent once."""
    run = study.run
    k, shown = min(k, run.steps), k  # bisection may run longer: Newton then rests at its last iterate
    x, fx = run.points[k], run.values[k]
    bar_y = study.y_range[0] - STRIP / 2 * (study.y_range[1] - study.y_range[0])
    bracket = ([], [])
    if study.bisection is not None:
        b = min(shown, study.bisection.steps)
        bracket = ([study.bisection.lows[b], study.bisection.highs[b]], [bar_y, bar_y])
    line = _tangent(study, k)
    step = ([x, run.points[k + 1]], [fx, 0.0]) if k < run.steps else ([], [])
    after = ([run.points[k + 1]], [0.0], [f"x{subscript(k + 1)}"]) if k < run.steps else ([], [], [])
    off_x, off_y, off_text, off_symbol = _off_plot(study, k)
    moved = [
        {"x": bracket[0], "y": bracket[1]},
        {"x": line[0], "y": line[1]},
        {"x": step[0], "y": step[1]},
        {"x": [x], "y": [fx], "name": f"x{subscript(k)} on the curve"},
        {"x": after[0], "y": after[1], "text": after[2]},
        {"x": off_x, "y": off_y, "text": off_text, "marker": {"symbol": off_symbol},
         "textposition": "top left" if off_x and off_x[0] >= study.window[1] else "top right"},
    ]
    if not full:  # the type too, so that the frame is what plotly.py's validation makes of it
        return [{"type": "scatter", **data} for data in moved]
    styles = [
        {"mode": "lines+markers", "line": {"color": BISECTION, "width": 8},
         "marker": {"symbol": "line-ns", "size": 18, "line": {"width": 3, "color": BISECTION}},
         "hovertemplate": "bisection's bracket<br>%{x:.12g}<extra></extra>"},
        {"mode": "lines", "line": {"color": NEWTON, "width": 2, "dash": "dash"}, "hoverinfo": "skip"},
        {"mode": "lines", "line": {"color": NEWTON, "width": LINE_WIDTH + 1}, "showlegend": False,
         "hoverinfo": "skip"},
        {"mode": "markers", "showlegend": False,
         "marker": {"color": NEWTON, "size": 15, "line": {"width": 2, "color": "white"}},
         "hovertemplate": "%{fullData.name}<br>x = %{x:.15g}<br>f = %{y:.6g}<extra></extra>"},
        {"mode": "markers+text", "showlegend": False, "textposition": "top center",
         "textfont": {"color": NEWTON},
         "marker": {"color": "white", "size": 13, "line": {"width": 3, "color": NEWTON}},
         "hovertemplate": "%{text} = %{x:.15g}<extra></extra>"},
        {"mode": "markers+text", "showlegend": False, "textfont": {"color": NEWTON},
         "marker": {"color": NEWTON, "size": 16}, "hoverinfo": "skip"},
    ]
    return [trace("scatter", **{"name": name, **_merged(style, data)})
            for name, style, data in zip(_MOVING, styles, moved)]


def _merged(style: dict, data: dict) -> dict:
    """A trace's fixed style with its moving data on top (their markers merged)."""
    merged = {**style, **data}
    if "marker" in style and "marker" in data:
        merged["marker"] = {**style["marker"], **data["marker"]}
    return merged


def _controls(steps: int) -> dict:
    frame = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    play = {"frame": {"duration": FRAME_MS, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"}
    return {
        "sliders": [{"active": steps, "x": 0.16, "len": 0.84, "y": CONTROLS_Y, "yanchor": "top", "pad": {"t": 10},
                     "currentvalue": {"prefix": "step k = ", "xanchor": "right"},
                     "steps": [{"label": str(k), "method": "animate", "args": [[f"k={k}"], frame]}
                               for k in range(steps + 1)]}],
        "updatemenus": [{"type": "buttons", "direction": "left", "showactive": False, "x": 0, "y": CONTROLS_Y,
                         "xanchor": "left", "yanchor": "top", "pad": {"t": 22},
                         "buttons": [{"label": "▶ Play", "method": "animate",
                                      "args": [[f"k={k}" for k in range(steps + 1)], play]},
                                     {"label": "❚❚", "method": "animate", "args": [[None], frame]}]}],
    }


def newton_figure(study: NewtonStudy, *, height: int = HEIGHT) -> go.Figure:
    """f(x) on the study's view with Newton's whole walk faint (each tangent from (x_j, f(x_j)) to its zero x_{j+1},
    the iterates on the axis) and at step k in bold: the tangent at x_k (dashed, across the view), its step to
    x_{k+1}, x_k on the curve, an iterate that left the view as a marker at its edge, and bisection's bracket
    [a_k, b_k] along the bottom. Frames k = 0 … the longer run's steps (Newton rests at its last iterate while
    bisection goes on) carry only the moving traces' x, y, text and names
    (the figure stays small at 100 steps); it opens at the last step, and ▶ Play walks from x₀."""
    run = study.run
    data = [trace("scatter", x=study.curve_x, y=study.curve_y, mode="lines", name="f(x)", connectgaps=False,
                  line={"color": COLORS["blue"], "width": LINE_WIDTH},
                  hovertemplate="x = %{x:.6g}<br>f(x) = %{y:.6g}<extra></extra>")]
    if study.root is not None and study.window[0] <= study.root <= study.window[1]:
        data.append(trace("scatter", x=[float(study.root)], y=[0.0], mode="markers", name="root x*",
                          marker={"symbol": "star", "size": 18, "color": COLORS["yellow"],
                                  "line": {"width": 1.5, "color": COLORS["black"]}},
                          hovertemplate="x* = %{x:.16g}<extra></extra>"))
    data += _path(study)
    first = len(data)
    last = max(run.steps, study.bisection.steps if study.bisection is not None else 0)
    data += _moving(study, last, full=True)
    spec = layout(x_title="x", y_title="f(x)", height=height)
    spec.update(margin={"l": 70, "r": 20, "t": 50, "b": 120}, **_controls(last))
    spec["legend"].update(y=1.0, yanchor="bottom")
    spec["xaxis"].update(range=list(study.window))
    low, high = study.y_range
    spec["yaxis"].update(range=[low - STRIP * (high - low), high], zeroline=True, zerolinecolor=COLORS["black"],
                         zerolinewidth=2)
    frames = [{"name": f"k={k}", "data": _moving(study, k, full=False), "traces": list(range(first, len(data)))}
              for k in range(last + 1)]
    return assemble({"data": data, "layout": spec, "frames": frames})


def digits_figure(study: NewtonStudy) -> go.Figure:
    """The correct digits of Newton's iterates and of bisection's midpoints against the step k (each labelled with
    its count: Newton's double, bisection gains log₁₀2 ≈ 0.3 a step), with double precision's 16 digits as a ceiling.
    Without a root to count against, an empty plot that says so."""
    data = []
    for name, digits, color, symbol in (("Newton", study.digits, NEWTON, "circle"),
                                        ("bisection", study.bisection_digits, BISECTION, "square")):
        if digits is None:
            continue
        k = np.arange(len(digits))
        data.append(trace("scatter", x=k, y=digits, mode="lines+markers+text", name=name,
                          text=[f"{d:.1f}" if d < MAX_DIGITS else "16" for d in digits], textposition="top left",
                          textfont={"color": color}, line={"color": color, "width": LINE_WIDTH},
                          marker={"symbol": symbol, "size": 10, "color": color},
                          hovertemplate=f"{name}<br>step %{{x}}<br>%{{y:.2f}} correct digits<extra></extra>"))
    spec = layout(x_title="step k", y_title="correct digits of xₖ", height=HEIGHT)
    spec["yaxis"].update(range=[0, MAX_DIGITS + 1.5], dtick=2)
    spec["xaxis"].update(rangemode="tozero")
    spec["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": MAX_DIGITS, "y1": MAX_DIGITS,
                       "line": {"color": COLORS["grey"], "width": 2, "dash": "dash"}}]
    spec["annotations"] = [{"text": "16 digits: all that double precision holds", "xref": "paper", "x": 1,
                            "xanchor": "right", "y": MAX_DIGITS, "yanchor": "top", "showarrow": False,
                            "font": {"color": COLORS["grey"]}}]
    if not data:
        spec["annotations"].append({"text": "No root to count digits against (see the verdict)", "xref": "paper",
                                    "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False})
    return assemble({"data": data, "layout": spec})
