"""Figures of the Derivative page: the curve with tangent and secant (animated as h shrinks), and error against h."""

from __future__ import annotations

import math
import re

import numpy as np
import plotly.graph_objects as go

from core.derivative_lab import COMPLEX_STEP, METHODS, ORDERS, DerivativeStudy, SecantFrame
from core.plots.style import COLORS, LINE_WIDTH, assemble, layout

__all__ = ["error_figure", "tangent_figure"]

METHOD_COLORS = {"forward": COLORS["orange"], "backward": COLORS["sky"], "central": COLORS["blue"],
                 "five-point": COLORS["vermillion"]}
COMPLEX_STEP_COLOR = COLORS["green"]
EXACT_FLOOR = 0.5  # an error of exactly 0 is drawn at half an ulp of |f'(x0)|: a log axis has no 0, and a gap would
# read as "no data"; its hover says the error is 0
LAST_IN_LEGEND = 2000  # legendrank (default 1000): the complex step is drawn first but listed after the stencils
FRAME_MS = 120
ROUNDOFF_MARGIN = 100  # a guide needs the error at h = 0.1 this far above round-off (eps·|f|/h) to be truncation
_SECANT, _STENCIL = 2, 3  # trace indices the animation frames replace


def _y_range(y: np.ndarray, *extra: float) -> list[float]:
    """The plot's y-range: all of a bounded curve, the central 96% of one with a pole (so the pole is not all
    you see)."""
    finite = y[np.isfinite(y)]
    values = np.concatenate([finite, [v for v in extra if math.isfinite(v)]])
    spread = np.ptp(finite) if finite.size else 0.0
    low, high = np.percentile(values, [2, 98]) if spread > 1e6 else (values.min(), values.max())
    pad = 0.08 * (high - low) or 1.0
    return [float(low - pad), float(high + pad)]


def _line(x_range: tuple[float, float], x0: float, y0: float, slope: float) -> tuple[list[float], list[float]]:
    xs = [x_range[0], x_range[1]]
    return xs, [y0 + slope * (x - x0) for x in xs]


def _secant_traces(frame: SecantFrame, x_range: tuple[float, float], method: str) -> list[dict]:
    """The secant line and its stencil points, as plain dicts: a figure validates dicts far faster than it builds
    ``go.Scatter`` objects, which matters for 31 animation frames."""
    xs, ys = _line(x_range, frame.anchor_x, frame.anchor_y, frame.slope)
    dash = "dash" if math.isfinite(frame.slope) else "dot"
    return [
        {"type": "scatter", "x": xs, "y": ys, "mode": "lines", "name": "secant",
         "line": {"color": COLORS["purple"], "width": LINE_WIDTH, "dash": dash},
         "customdata": [frame.slope, frame.slope],
         "hovertemplate": f"secant ({method}, h = {frame.step:.2g})<br>slope %{{customdata:.6g}}<extra></extra>"},
        {"type": "scatter", "x": frame.points_x, "y": frame.points_y, "mode": "markers", "name": "stencil points",
         "marker": {"color": COLORS["purple"], "size": 11, "symbol": "diamond"}},
    ]


def _animation_controls(study: DerivativeStudy) -> dict:
    steps = [
        {"label": f"{frame.step:.2g}", "method": "animate",
         "args": [[f"h={frame.step:.3g}"],
                  {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}]}
        for frame in study.frames
    ]
    play = {"frame": {"duration": FRAME_MS, "redraw": False}, "fromcurrent": True, "transition": {"duration": 0}}
    return {
        "updatemenus": [{"type": "buttons", "showactive": False,
                         "x": 0, "y": -0.16, "xanchor": "left", "yanchor": "top",
                         "buttons": [{"label": "▶ Play h → 0", "method": "animate", "args": [None, play]},
                                     {"label": "❚❚ Pause", "method": "animate",
                                      "args": [[None],
                                               {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}]}]}],
        "sliders": [{"active": 0, "x": 0.22, "y": -0.12, "len": 0.78, "currentvalue": {"prefix": "secant step h = "},
                     "pad": {"t": 10}, "steps": steps}],
    }


def tangent_figure(study: DerivativeStudy, *, x_range: tuple[float, float]) -> go.Figure:
    """f(x), the exact tangent at x0, the chosen method's secant at h, and frames of the secant as h shrinks 1 → 10⁻³.

    Traces, in order: ``f(x)``, ``tangent``, ``secant``, ``stencil points``, ``x0``. Frames replace the secant and
    stencil points only, so the animation costs a few kB.
    """
    tangent_x, tangent_y = _line(x_range, study.x0, study.fx0, study.exact if math.isfinite(study.exact) else 0.0)
    data = [
        {"type": "scatter", "x": study.curve_x, "y": np.where(np.isfinite(study.curve_y), study.curve_y, np.nan),
         "mode": "lines", "name": "f(x)", "line": {"color": COLORS["blue"], "width": LINE_WIDTH}, "connectgaps": False},
        {"type": "scatter", "x": tangent_x, "y": tangent_y, "mode": "lines", "name": "tangent",
         "visible": True if math.isfinite(study.exact) else "legendonly",
         "line": {"color": COLORS["orange"], "width": LINE_WIDTH}},
        *_secant_traces(study.secant, x_range, study.method),
        {"type": "scatter", "x": [study.x0], "y": [study.fx0], "mode": "markers", "name": "x0",
         "marker": {"color": COLORS["vermillion"], "size": 14},
         "hovertemplate": "x0 = %{x:.6g}<br>f(x0) = %{y:.6g}<extra></extra>"},
    ]
    spec = layout(x_title="x", y_title="f(x)")
    spec["xaxis"]["range"] = list(x_range)
    spec["yaxis"]["range"] = _y_range(study.curve_y, study.fx0)
    spec["margin"]["b"] = 150
    frames = [{"name": f"h={frame.step:.3g}", "data": _secant_traces(frame, x_range, study.method),
               "traces": [_SECANT, _STENCIL]} for frame in study.frames]
    return assemble({"data": data, "layout": {**spec, **_animation_controls(study)}, "frames": frames})


def _guide(steps: np.ndarray, order: int, anchor_step: float, anchor_error: float) -> np.ndarray:
    return anchor_error * (steps / anchor_step) ** order


def error_figure(study: DerivativeStudy) -> go.Figure:
    """|estimate − exact| against h on log–log axes for every method, with O(h), O(h²), O(h⁴) guides, each method's
    best h (a star) and the current h (a vertical line); and the complex step's error against h (the first trace,
    drawn under the rest, ``complex step``; last in the legend), flat at rounding level where the stencils'
    round-off grows like ε/h, or its legend entry and a note saying it does not apply. The stencils' zero errors
    (exact stencils) cannot sit on a log axis and are left out; the complex step's are drawn at half an ulp of
    f'(x0), since its curve is the point of the figure.
    """
    sweep = study.sweep
    errors = np.full((len(sweep.methods), len(sweep.steps)), np.nan) if sweep.errors is None else sweep.errors
    data = [{"type": "scatter", "x": sweep.steps, "y": np.where(row > 0, row, np.nan), "mode": "lines", "name": method,
             "line": {"color": METHOD_COLORS[method], "width": LINE_WIDTH},
             "hovertemplate": f"{method}<br>h = %{{x:.2e}}<br>error = %{{y:.2e}}<extra></extra>"}
            for method, row in zip(sweep.methods, errors)]
    data += [{"type": "scatter", "x": [estimate.best_step], "y": [estimate.best_error], "mode": "markers",
              "name": f"best h ({estimate.method})",
              "marker": {"symbol": "star", "size": 16, "color": METHOD_COLORS[estimate.method],
                         "line": {"width": 1, "color": "black"}},
              "showlegend": False,
              "hovertemplate": f"best h for {estimate.method}: %{{x:.1e}}<br>error %{{y:.1e}}<extra></extra>"}
             for estimate in study.estimates if math.isfinite(estimate.best_error) and estimate.best_error > 0]
    data += _guides(study, errors)
    data.insert(0, _complex_step_trace(study))  # first, so drawn under: its O(h²) part can lie on central's
    spec = layout(x_title="step h", y_title="|estimate − exact f′(x0)|", height=480)
    for axis in ("xaxis", "yaxis"):
        spec[axis].update(type="log", exponentformat="power")
    spec["shapes"] = [{"type": "line", "x0": study.h, "x1": study.h, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                       "line": {"color": COLORS["grey"], "dash": "dot", "width": 2}}]
    spec["annotations"] = [{"text": f"h = {study.h:.0e}", "showarrow": False, "x": study.h, "xref": "x",
                            "xanchor": "left", "xshift": 4, "y": 1, "yref": "y domain", "yanchor": "top"}]
    if not study.complex_step.applicable:
        spec["annotations"].append({"text": f"complex step does not apply: {_short_reason(study)}",
                                    "showarrow": False, "x": 0.01, "xref": "paper", "xanchor": "left", "y": 0.02,
                                    "yref": "paper", "yanchor": "bottom",
                                    "font": {"color": COMPLEX_STEP_COLOR}})
    return assemble({"data": data, "layout": spec})


def _short_reason(study: DerivativeStudy) -> str:
    """The operation the engine's sentence quotes (e.g. 'abs(x)'), short enough for the plot; the whole sentence is
    under the figure."""
    quoted = re.search(r"'([^']{1,40})'", study.complex_step.reason or "")
    return f"{quoted.group(1)} is not complex-analytic" if quoted else "f is not complex-analytic"


def _complex_step_trace(study: DerivativeStudy) -> dict:
    """|Im f(x0 + ih)/h − f'(x0)| against h (exact zeros drawn at ``EXACT_FLOOR`` ulp, their hover saying 0), or an
    empty trace whose legend entry and hover say the method does not apply."""
    cs, steps = study.complex_step, study.sweep.steps
    if not cs.applicable:
        return {"type": "scatter", "x": steps, "y": np.full(len(steps), np.nan), "mode": "lines",
                "name": f"{COMPLEX_STEP} (does not apply)", "legendrank": LAST_IN_LEGEND,
                "line": {"color": COMPLEX_STEP_COLOR, "width": LINE_WIDTH, "dash": "dot"}, "hoverinfo": "skip"}
    floor = EXACT_FLOOR * np.spacing(max(abs(study.exact), 1.0)) if math.isfinite(study.exact) else math.nan
    errors = cs.errors
    shown = np.where(errors > 0, errors, floor)
    return {"type": "scatter", "x": steps, "y": np.where(np.isfinite(shown), shown, np.nan), "mode": "lines",
            "name": COMPLEX_STEP, "customdata": errors, "legendrank": LAST_IN_LEGEND,
            "line": {"color": COMPLEX_STEP_COLOR, "width": LINE_WIDTH + 1},
            "hovertemplate": f"{COMPLEX_STEP} Im f(x0 + ih)/h<br>h = %{{x:.2e}}<br>error = %{{customdata:.2e}}"
                             "<extra></extra>"}


def _guides(study: DerivativeStudy, errors: np.ndarray) -> list[dict]:
    """Dashed reference slopes h^p, drawn through each order's method at h = 0.1 where truncation dominates there.

    A method that is exact on f (central on a quadratic) has only round-off error, ~eps·|f|/h: no guide for it,
    since a slope drawn through round-off would teach the wrong picture."""
    steps = study.sweep.steps
    anchor = int(np.argmin(np.abs(np.log10(steps) + 1)))
    roundoff = ROUNDOFF_MARGIN * np.finfo(float).eps * max(abs(study.fx0), 1.0) / steps[anchor]
    drawn, traces = set(), []
    for method in METHODS:
        order = ORDERS[method]
        error = errors[study.sweep.methods.index(method), anchor]
        if order in drawn or not (math.isfinite(error) and error > roundoff):
            continue
        drawn.add(order)
        label = {1: "O(h)", 2: "O(h²)", 4: "O(h⁴)"}[order]
        guide = _guide(steps, order, steps[anchor], error * 3)
        traces.append({"type": "scatter", "x": steps, "y": np.where(guide > 1e-18, guide, np.nan), "mode": "lines",
                       "name": label, "line": {"color": COLORS["grey"], "dash": "dash", "width": 1.5},
                       "hoverinfo": "skip"})
    return traces
