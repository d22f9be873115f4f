"""Figures of the Taylor page: f with its Taylor polynomials of every order up to n (order n bold) and x0 sliding
along the curve as an animation, and the remainder |f − Pₙ| against the distance |x − x0| on log–log axes."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from core.plots.style import COLORS, LINE_WIDTH, assemble, layout, trace
from core.taylor_lab import REAL, TaylorStudy, exact, subscript, superscript

__all__ = ["HEIGHT", "ORDER_SCALE", "polynomials_figure", "remainder_figure"]

HEIGHT = 600  # px: beside the controls, on a laptop's first screen
ORDER_SCALE = "Viridis"  # the lower orders, dark (order 0) to green (order n − 1): sequential and colour-blind safe
ORDER_SPAN = 0.8  # of the scale: its last fifth is a yellow too pale on white
CHOSEN = COLORS["vermillion"]  # order n, bold: no viridis colour is near it
FRAME_MS = 150
CONTROLS_Y = -0.16  # below the x axis's tick labels and title
LEGEND_FONT = 13  # px: thirteen orders listed beside the plot leave it most of the width
SPIKE = 1e3  # a curve spanning more than this × its middle 96 % has a pole in view: the y-range leaves its spike out
BAND = "rgba(86, 180, 233, 0.18)"  # Okabe–Ito sky, faint: the interval where the series converges
DECADE = 10.0  # the remainder plot's y-range reaches a decade beyond the data


def _y_range(study: TaylorStudy) -> list[float]:
    """f's values on the plot range (the middle 96 % when a pole throws a spike), padded: the polynomials that fly
    off beyond the radius leave the figure, as they do."""
    finite = study.curve_y[np.isfinite(study.curve_y)]
    values = np.append(finite, study.fx0)
    low, high = float(values.min()), float(values.max())
    if finite.size > 10:
        middle_low, middle_high = np.percentile(finite, [2, 98])
        if high - low > SPIKE * max(middle_high - middle_low, 1e-12):
            low, high = min(middle_low, study.fx0), max(middle_high, study.fx0)
    pad = 0.12 * (high - low) or 1.0
    return [low - pad, high + pad]


def _grid(study: TaylorStudy) -> dict:
    """The curve grid as x0 and dx (evenly spaced): only y arrays travel, in the figure and in every frame."""
    x = study.curve_x
    return {"x0": float(x[0]), "dx": float(x[1] - x[0])}


def _band(low: float, high: float, radius: float, centre: float) -> dict:
    """The convergence interval |x − x0| < R as a filled box (empty when R is not a finite number)."""
    if not math.isfinite(radius):
        return {"x": [], "y": []}
    a, b = centre - radius, centre + radius
    return {"x": [a, b, b, a, a], "y": [low, low, high, high, low]}


def _order_color(k: int, n: int) -> str:
    return sample_colorscale(ORDER_SCALE, [ORDER_SPAN * k / max(n, 1)])[0]


def _orders(study: TaylorStudy) -> list[dict]:
    """Taylor order 0 … n − 1 (thin, viridis) and order n (bold)."""
    n = study.order
    traces = [trace("scatter", **_grid(study), y=study.polynomials[k], mode="lines", name=f"Taylor order {k}",
                    line={"color": _order_color(k, n), "width": 1.5}, opacity=0.9,
                    hovertemplate=f"P{k}(%{{x:.3g}}) = %{{y:.4g}}<extra></extra>") for k in range(n)]
    traces.append(trace("scatter", **_grid(study), y=study.polynomials[n], mode="lines", name=f"Taylor order {n}",
                        line={"color": CHOSEN, "width": LINE_WIDTH + 1.5},
                        hovertemplate=f"P{n}(%{{x:.3g}}) = %{{y:.4g}}<extra></extra>"))
    return traces


def _singular_lines(study: TaylorStudy, y_range: list[float]) -> list[dict]:
    """A dotted vertical line at each real singular point in the plot range (ln x at 0, 1/(1 − x) at 1)."""
    low, high = study.x_range
    points = sorted({round(s.point.real, 12) for s in study.series.singularities.points
                     if abs(s.point.imag) <= REAL and low <= s.point.real <= high})
    return [trace("scatter", x=[p, p], y=y_range, mode="lines", name=f"singular at x = {p:.4g}",
                  line={"color": COLORS["black"], "width": 2, "dash": "dot"},
                  hovertemplate=f"f is singular at x = {p:.4g}<extra></extra>") for p in points]


def _click_targets(study: TaylorStudy) -> dict:
    """Invisible markers along f: plotly.js reports a click only on a point with a marker, and a click there moves
    x0 (the page reads the selection)."""
    return trace("scatter", **_grid(study), y=study.curve_y, mode="markers", name="click to move x0 here",
                 showlegend=False, marker={"size": 12, "opacity": 0, "color": COLORS["blue"]},
                 hovertemplate="move x0 to %{x:.3g}<extra></extra>")


def _point(x: float, y: float) -> dict:
    return {"x": [x], "y": [y]}


def _slide_controls(study: TaylorStudy, names: list[str]) -> dict:
    """Play (every position left to right, then back to x0) and a slider over the positions of x0."""
    move = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    steps = [{"label": f"{frame.x0:.3g}", "method": "animate", "args": [[name], move]}
             for frame, name in zip(study.frames, names)]
    play = {"frame": {"duration": FRAME_MS, "redraw": True}, "transition": {"duration": 0}, "mode": "immediate"}
    return {
        "sliders": [{"active": study.active, "x": 0.34, "len": 0.66, "y": CONTROLS_Y, "yanchor": "top", "steps": steps,
                     "pad": {"t": 10, "b": 0}, "currentvalue": {"prefix": "x0 = ", "xanchor": "right"}}],
        "updatemenus": [{"type": "buttons", "direction": "left", "x": 0, "y": CONTROLS_Y, "xanchor": "left",
                         "yanchor": "top", "pad": {"t": 22}, "showactive": False,
                         "buttons": [{"label": "▶ slide x0", "method": "animate",
                                      "args": [[*names, names[study.active]], play]},
                                     {"label": "❚❚", "method": "animate", "args": [[None], move]}]}],
    }


def polynomials_figure(study: TaylorStudy, *, height: int = HEIGHT) -> go.Figure:
    """f and its Taylor polynomials P_0 … P_n around x0 (P_n bold), the interval |x − x0| < R where the series
    converges, f's real singular points, and x0; ▶ slides x0 across the plot range with P_n following it.

    Traces, in order: the convergence interval (when R is finite), ``f(x)``, ``Taylor order 0`` … ``Taylor order n``,
    the singular points, invisible click targets along f, ``x0``. A frame sends only what changes: the interval,
    P_n's y values, the point, and the lower orders hidden (they belong to x0, not to the slid point) or shown again
    at x0 itself.
    """
    y_range = _y_range(study)
    low, high = y_range
    banded = math.isfinite(study.radius.value) or any(math.isfinite(f.radius) for f in study.frames)
    data = []
    if banded:
        data.append(trace("scatter", **_band(low, high, study.radius.value, study.x0), mode="lines", fill="toself",
                          fillcolor=BAND, line={"width": 0}, name="|x − x0| < R",
                          hoverinfo="skip"))
    data.append(trace("scatter", **_grid(study), y=study.curve_y, mode="lines", name="f(x)",
                      line={"color": COLORS["blue"], "width": LINE_WIDTH + 0.5}, connectgaps=False,
                      hovertemplate="f(%{x:.3g}) = %{y:.4g}<extra></extra>"))
    first_order = len(data)
    data += _orders(study)
    data += _singular_lines(study, y_range)
    data.append(_click_targets(study))
    data.append(trace("scatter", **_point(study.x0, study.fx0), mode="markers", name="x0",
                      marker={"color": CHOSEN, "size": 14, "line": {"width": 2, "color": "white"}},
                      hovertemplate="x0 = %{x:.4g}<br>f(x0) = %{y:.4g}<extra></extra>"))
    chosen, point, lower = first_order + study.order, len(data) - 1, list(range(first_order, first_order + study.order))
    names = [f"x0 #{i}" for i in range(len(study.frames))]
    frames = []
    for i, (frame, name) in enumerate(zip(study.frames, names)):
        shown = True if i == study.active else "legendonly"
        moved = [{"y": frame.polynomial}, _point(frame.x0, frame.fx0), *({"visible": shown} for _ in lower)]
        indices = [chosen, point, *lower]
        if banded:
            moved.append(_band(low, high, frame.radius, frame.x0))
            indices.append(0)
        frames.append({"name": name, "data": moved, "traces": indices})
    spec = layout(x_title="x", y_title="f(x) and its Taylor polynomials", height=height)
    spec.update(legend={"orientation": "v", "x": 1.01, "y": 1, "xanchor": "left", "yanchor": "top",
                        "font": {"size": LEGEND_FONT}, "itemwidth": 30},
                margin={"l": 70, "r": 10, "t": 30, "b": 140}, clickmode="event+select",
                **(_slide_controls(study, names) if frames else {}))
    spec["xaxis"]["range"] = list(study.x_range)
    spec["yaxis"]["range"] = y_range
    return assemble({"data": data, "layout": spec, "frames": frames})


# ------------------------------------------------------------------------------------------ remainder
def _positive(values: np.ndarray) -> np.ndarray:
    """Values a log axis can show: exact zeros (and nan) become gaps."""
    with np.errstate(invalid="ignore"):
        return np.where(values > 0, values, np.nan)


def _log_range(study: TaylorStudy) -> tuple[float, float]:
    """The y-range (data units) spanning the remainder and its floor, a decade beyond each end."""
    shown = np.concatenate([_positive(study.remainder).ravel(), _positive(study.floor).ravel()])
    shown = shown[np.isfinite(shown)]
    if shown.size == 0:
        return 1e-17, 1.0
    return float(shown.min() / DECADE), float(shown.max() * DECADE)


def _guide(study: TaylorStudy, low: float, high: float) -> list[dict]:
    """The remainder's leading term |c_m|·d^m, the slope m (= n + 1 unless c_{n+1} = 0), within the y-range."""
    m, c = study.next_power, study.next_coefficient
    if not m or not math.isfinite(c):
        return []
    with np.errstate(over="ignore", under="ignore"):
        y = abs(c) * study.distances**m
    term = f"|c{subscript(m)}|·|x − x0|{superscript(m)}"
    label = f"slope {m} = n + 1: {term}" if m == study.order + 1 else \
        f"slope {m} (c{subscript(study.order + 1)} = 0): {term}"
    return [trace("scatter", x=study.distances, y=np.where((y >= low) & (y <= high), y, np.nan), mode="lines",
                  name=label, line={"color": COLORS["black"], "width": 2, "dash": "dash"}, hoverinfo="skip")]


def _marks(study: TaylorStudy) -> dict:
    """The radius as a vertical line (where the series stops converging) and the fitted stretch as a shaded band."""
    shapes, notes = [], []
    d = study.distances
    r = study.radius.value
    if math.isfinite(r) and d[0] <= r <= d[-1]:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": r, "x1": r, "y0": 0, "y1": 1,
                       "line": {"color": CHOSEN, "width": 2.5, "dash": "dash"}})
        notes.append({"x": math.log10(r), "xref": "x", "yref": "paper", "y": 1, "yanchor": "bottom",
                      "text": f"R = {r:.3g}", "showarrow": False, "font": {"color": CHOSEN}})
    if math.isfinite(study.fitted_slope):
        a, b = study.fit_range
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": a, "x1": b, "y0": 0, "y1": 1,
                       "fillcolor": BAND, "line": {"width": 0}, "layer": "below"})
        notes.append({"x": math.log10(math.sqrt(a * b)), "xref": "x", "yref": "paper", "y": 0.02,
                      "yanchor": "bottom", "text": f"fit: slope {study.fitted_slope:.2f}", "showarrow": False})
    return {"shapes": shapes, "annotations": notes} if shapes else {}


def remainder_figure(study: TaylorStudy, *, height: int = HEIGHT) -> go.Figure:
    """|f(x) − Pₙ(x)| against |x − x0| on log–log axes, right and left of x0; the rounding floor
    ε·(|f| + Σ|c_k||x − x0|^k) where the curves flatten; the leading term's slope; R, where the series stops
    converging; the stretch where the slope was fitted."""
    low, high = _log_range(study)
    d = study.distances
    sides = (("x0 + d (right of x0)", COLORS["blue"]), ("x0 − d (left of x0)", COLORS["orange"]))
    data = [trace("scatter", x=d, y=_positive(row), mode="lines+markers", name=name,
                  line={"color": color, "width": LINE_WIDTH}, marker={"size": 5},
                  hovertemplate=f"{name}<br>d = %{{x:.3g}}<br>|f − P| = %{{y:.3g}}<extra></extra>")
            for row, (name, color) in zip(study.remainder, sides)]
    data.append(trace("scatter", x=d, y=np.fmax(*study.floor), mode="lines",
                      name="rounding floor ε·(|f| + Σ|cₖ||x − x0|ᵏ)",
                      line={"color": COLORS["grey"], "width": 2, "dash": "dot"}, hoverinfo="skip"))
    data += _guide(study, low, high)
    title = f"|f(x) − P{subscript(study.order)}(x)|" + (" (P is f: rounding only)" if exact(study) else "")
    spec = layout(x_title="distance |x − x0|", y_title=title, height=height)
    spec["margin"]["l"] = 95  # power-of-ten tick labels and the axis title beside them
    spec["xaxis"].update(type="log", exponentformat="power")
    spec["yaxis"].update(type="log", exponentformat="power", range=[math.log10(low), math.log10(high)])
    spec.update(_marks(study))
    return assemble({"data": data, "layout": spec})
