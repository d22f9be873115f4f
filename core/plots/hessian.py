"""Figures of the Hessian page: f's contour with the curvature axes (H's eigenvectors) and the quadratic model's level
curves over f's own near the point; slices of f along a turning direction with the model's parabola (animated); and
the gaps f − q and f − (tangent plane) against the radius, falling like r³ and r²."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from core.hessian_lab import MODEL_LEVELS, SLICE_ANGLES, HessianStudy
from core.plots.gradient import CLICK_GRID
from core.plots.raster import banded_image, picture
from core.plots.style import COLORS, LINE_WIDTH, assemble, layout, play_controls, trace

__all__ = ["AXIS_COLORS", "FRAME_MS", "HEIGHT", "contour_figure", "gap_figure", "slice_figure"]

HEIGHT = 600  # px: beside the controls, on a laptop's first screen (1440×900) with the title above it
WHITENING = 0.5  # f's ground: viridis mixed half with white, so black and coloured lines read on all of it


def _lighter(color: str, share: float) -> str:
    """``color`` ("#rrggbb") mixed with white, ``share`` of the white."""
    channels = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "rgb({}, {}, {})".format(*(round(c + (255 - c) * share) for c in channels))


# viridis, lightened (still ordered by lightness, so readable in grey and by colour-blind students); the colour bar
# shows the same colours as the map (a trace's opacity would pale the map only)
GROUND = [[position, _lighter(color, WHITENING)] for position, color in get_colorscale("Viridis")]
AXIS_COLORS = (COLORS["blue"], COLORS["green"])  # v₁ (the smaller eigenvalue) and v₂
MODEL_COLOR = COLORS["vermillion"]  # dashed: the model; f's own level curves are solid black
F_LEVEL_COLOR = COLORS["black"]
GRADIENT_COLOR = COLORS["orange"]
FRAME_MS = 150  # per direction while the slice animation plays (36 directions: about 5 s for a half turn)
SLICE_HEIGHT = 540  # px: the slices and their Play controls under the tab's caption
SLICE_LEVELS = 25  # bands of f in the slice figure's picture
GAP_HEIGHT = 520  # px: the gap plot under its caption
CONTROLS_Y = -0.2  # the slice animation's Play button and slider, under the plot area
_SUBSCRIPTS = ("₁", "₂")
# at the foot of the figure, under the axis title, whatever the font size (classroom type is larger)
FOOT_LEGEND = {"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "xanchor": "left", "x": 0}


def _line(points: np.ndarray, name: str, color: str, **properties) -> dict:
    return trace("scatter", x=points[:, 0], y=points[:, 1], mode="lines", name=name,
                 line={"color": color, "width": LINE_WIDTH, **properties.pop("line", {})}, **properties)


def _point(study: HessianStudy, **properties) -> dict:
    return trace("scatter", x=[study.point[0]], y=[study.point[1]], mode="markers", name="point",
                 marker={"color": "white", "size": 13, "line": {"width": 3, "color": COLORS["black"]}},
                 hovertemplate="p = (%{x:.3f}, %{y:.3f})<extra></extra>", **properties)


def _filled(x: np.ndarray, y: np.ndarray, z: np.ndarray, **properties) -> dict:
    return trace("contour", x=x, y=y, z=z.astype(np.float32), colorscale=GROUND, ncontours=25, name="f",
                 hovertemplate="x1 %{x:.3f}<br>x2 %{y:.3f}<br>f %{z:.4g}<extra></extra>", **properties)


def _levels(study: HessianStudy, z: np.ndarray, name: str, color: str, dash: str, width: float) -> dict:
    """The drawn levels (the same for f and for the model) on the disc: the integers k, |k| ≤ MODEL_LEVELS, of
    ``study.level_index(z)``."""
    return trace("contour", x=study.disc_x1, y=study.disc_x2, z=study.level_index(z).astype(np.float32), name=name,
                 showlegend=True, showscale=False, hoverinfo="skip",
                 contours={"coloring": "none", "start": -MODEL_LEVELS, "end": MODEL_LEVELS, "size": 1,
                           "showlabels": False},
                 line={"color": color, "width": width, "dash": dash})


def _axis_label(study: HessianStudy, i: int) -> str:
    value = study.curvature.eigenvalues[i]
    return f"λ{_SUBSCRIPTS[i]} = {value + 0.0:.3f}" + (" (flat)" if value == 0 else "")


def _curvature_axes(study: HessianStudy) -> tuple[list[dict], list[dict]]:
    """Each eigenvector vᵢ as a segment p ± aᵢvᵢ (aᵢ ∝ 1/√|λᵢ|: the shape of the model's level curves), and its
    eigenvalue as a label at the end."""
    p, traces, labels = study.point, [], []
    for i in range(2):
        v = study.curvature.eigenvectors[:, i]
        a = float(study.axis_lengths[i])
        ends = np.stack([p - a * v, p + a * v])
        flat = ", flat: drawn to R" if study.flat_axes[i] else ""
        traces.append(_line(ends, f"v{_SUBSCRIPTS[i]} ({_axis_label(study, i)})", AXIS_COLORS[i],
                            line={"width": LINE_WIDTH + 1},
                            hovertemplate=(f"curvature axis v{_SUBSCRIPTS[i]} = ({v[0]:.3f}, {v[1]:.3f}), half-length "
                                           f"∝ 1/√|λ{_SUBSCRIPTS[i]}|{flat}<extra></extra>")))
        end, outward = _label_end(study, ends)
        labels.append({"x": end[0], "y": end[1], "text": _axis_label(study, i), "showarrow": False,
                       "xanchor": "left" if outward[0] >= 0 else "right", "yanchor": "bottom",
                       "font": {"color": AXIS_COLORS[i]}, "bgcolor": "rgba(255,255,255,0.85)"})
    return traces, labels


def _label_end(study: HessianStudy, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The end of an axis (2, 2) to label: the one in view (the + end when both are), pulled into the window when
    neither is (an annotation is drawn even outside the plot area); and its direction from p."""
    w = study.window
    low, high = np.array([w.x1_low, w.x2_low]), np.array([w.x1_high, w.x2_high])
    outside = [float(np.sum(np.clip(low - e, 0, None) + np.clip(e - high, 0, None))) for e in ends]
    end = ends[1] if outside[1] <= outside[0] else ends[0]
    return np.clip(end, low, high), end - study.point


def _gradient_arrow(study: HessianStudy) -> list[dict]:
    """∇f's direction at 0.6 R (its size in the name): the model's level curves are shifted against it."""
    norm = float(np.hypot(*study.gradient))
    if study.curvature.stationary or norm == 0:
        return []
    end = study.point + 0.6 * study.radius * study.gradient / norm
    return [trace("scatter", x=[study.point[0], end[0]], y=[study.point[1], end[1]], mode="lines+markers",
                  name="∇f's direction", line={"color": GRADIENT_COLOR, "width": LINE_WIDTH},
                  marker={"symbol": "arrow", "angleref": "previous", "size": [0, 16], "color": GRADIENT_COLOR},
                  hovertemplate=f"∇f's direction, |∇f| = {norm:.3f}<extra></extra>")]


def _centre(study: HessianStudy) -> list[dict]:
    """The model's stationary point p − H⁻¹∇f, where it is in view."""
    c, w = study.centre, study.window
    if c is None or not (w.x1_low <= c[0] <= w.x1_high and w.x2_low <= c[1] <= w.x2_high):
        return []
    kind = {"convex": "minimum", "concave": "maximum", "indefinite": "saddle"}[study.curvature.kind]
    return [trace("scatter", x=[c[0]], y=[c[1]], mode="markers", name=f"model's {kind}",
                  marker={"symbol": "star", "size": 16, "color": COLORS["yellow"],
                          "line": {"width": 1.5, "color": COLORS["black"]}},
                  hovertemplate=f"the model's {kind} p − H⁻¹∇f<br>(%{{x:.3f}}, %{{y:.3f}})<extra></extra>")]


def _disc_edge(study: HessianStudy) -> dict:
    angles = np.linspace(0.0, 2 * np.pi, 73)
    edge = study.point + study.radius * np.column_stack([np.cos(angles), np.sin(angles)])
    return _line(edge, f"model disc |x − p| = R = {study.radius:g}", COLORS["grey"], showlegend=False,
                 line={"width": 1.5, "dash": "dot"}, hoverinfo="skip")


def _click_grid(study: HessianStudy) -> dict:
    w = study.window
    a, b = np.meshgrid(np.linspace(w.x1_low, w.x1_high, CLICK_GRID), np.linspace(w.x2_low, w.x2_high, CLICK_GRID))
    return trace("scatter", x=a.ravel(), y=b.ravel(), mode="markers", name="click to move the point", showlegend=False,
                 marker={"size": 12, "opacity": 0},
                 hovertemplate="move the point to (%{x:.2f}, %{y:.2f})<extra></extra>")


def _equal_axes(spec: dict, study: HessianStudy, x: str = "xaxis", y: str = "yaxis") -> None:
    w = study.window
    spec[x].update(range=[w.x1_low, w.x1_high], constrain="domain")
    spec[y].update(range=[w.x2_low, w.x2_high], scaleanchor=x.replace("axis", ""), scaleratio=1, constrain="domain")


def contour_figure(study: HessianStudy, *, height: int = HEIGHT) -> go.Figure:
    """f's filled contour (x1 horizontal, equal scale) with, on the disc |x − p| ≤ R, f's level curves (white) and
    the quadratic model's (dashed) at the same levels f(p) + kΔ; H's eigenvectors as curvature axes through p,
    labelled with their eigenvalues; ∇f's direction; the model's stationary point p − H⁻¹∇f; an invisible grid of
    markers that turns a click into a new point."""
    axes, labels = _curvature_axes(study)
    data = [
        _filled(study.grid_x1, study.grid_x2, study.grid_f,
                colorbar={"title": {"text": "f"}, "thickness": 18}),
        _levels(study, study.disc_f, "f's level curves", F_LEVEL_COLOR, "solid", 1.5),
    ]
    if not study.model_flat:
        data.append(_levels(study, study.disc_model, "quadratic model q", MODEL_COLOR, "dash", 2.5))
    data += [_disc_edge(study), *axes, *_gradient_arrow(study), *_centre(study), _point(study, showlegend=False),
             _click_grid(study)]
    spec = layout(x_title="x1", y_title="x2", height=height)
    spec.update(legend=FOOT_LEGEND, margin={**spec["margin"], "r": 20, "t": 20, "b": 130},
                clickmode="event+select", dragmode="pan", annotations=labels)
    _equal_axes(spec, study)
    return assemble({"data": data, "layout": spec})


# ----------------------------------------------------------------------------------------------- slices
def _direction(study: HessianStudy, k: int) -> np.ndarray:
    theta = math.radians(float(SLICE_ANGLES[k]))
    return np.array([math.cos(theta), math.sin(theta)])


def _moving(study: HessianStudy, k: int, *, full: bool = True) -> list[dict]:
    """The three traces a frame changes: the line p + t·u on the contour, the slice f(p + t·u) and the parabola.
    ``full=False``: only what changes (coordinates and names); plotly.js merges them into the styled traces."""
    u, t = _direction(study, k), study.slice_t
    line = study.point + np.outer(t[[0, -1]], u)
    bend = float(study.slice_curvature[k]) + 0.0
    moved = [
        {"x": line[:, 0], "y": line[:, 1]},
        {"x": t, "y": study.slice_f[k].astype(np.float32), "name": "f(p + t·u)"},
        {"x": t, "y": study.slice_model[k].astype(np.float32), "name": f"model, uᵀHu = {bend:.3f}"},
    ]
    if not full:  # the slices share their t (x) in every frame: only y and the name change
        return [moved[0], *({key: m[key] for key in ("y", "name")} for m in moved[1:])]
    return [
        trace("scatter", **moved[0], mode="lines", name="direction u", xaxis="x", yaxis="y",
              line={"color": COLORS["black"], "width": LINE_WIDTH}, hoverinfo="skip"),
        trace("scatter", **moved[1], mode="lines", xaxis="x2", yaxis="y2",
              line={"color": COLORS["blue"], "width": LINE_WIDTH},
              hovertemplate="t %{x:.3f}<br>f %{y:.4g}<extra></extra>"),
        trace("scatter", **moved[2], mode="lines", xaxis="x2", yaxis="y2",
              line={"color": MODEL_COLOR, "width": LINE_WIDTH, "dash": "dash"},
              hovertemplate="t %{x:.3f}<br>f(p) + (∇f·u)t + ½(uᵀHu)t² = %{y:.4g}<extra></extra>"),
    ]


def _slice_range(study: HessianStudy) -> list[float]:
    """One y-range for every frame: the slices' and parabolas' finite values, padded by 5%."""
    values = np.concatenate([study.slice_f.ravel(), study.slice_model.ravel()])
    values = values[np.isfinite(values)]
    low, high = (float(values.min()), float(values.max())) if values.size else (study.value - 1, study.value + 1)
    pad = 0.05 * (high - low) if high > low else max(abs(low), 1.0) * 0.05
    return [low - pad, high + pad]


def _slice_layout(study: HessianStudy, height: int) -> dict:
    spec = layout(x_title="x1", y_title="x2", height=height)
    spec["xaxis"].update(domain=[0, 0.42])
    _equal_axes(spec, study)
    r = study.radius
    spec.update(
        xaxis2={"domain": [0.58, 1], "anchor": "y2", "range": [-r, r], "title": {"text": "t (distance along u)"}},
        yaxis2={"anchor": "x2", "range": _slice_range(study), "title": {"text": "f along the line"}},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "xanchor": "left"},
        margin={"l": 60, "r": 20, "t": 40, "b": 130},
        **play_controls([(f"θ={a:g}", f"{a:g}°") for a in SLICE_ANGLES], active=0, prefix="direction θ = ",
                        frame_ms=FRAME_MS, y=CONTROLS_Y, slider_x=0.12),
    )
    return spec


def slice_figure(study: HessianStudy, *, height: int = SLICE_HEIGHT) -> go.Figure:
    """Left: f's contour with the curvature axes and the line p + t·u(θ). Right: f along that line against t, with
    the model's parabola f(p) + (∇f·u)t + ½(uᵀHu)t² (uᵀHu in its name). ▶ turns u through SLICE_ANGLES (frames
    send only the three moving traces' coordinates and names); shown at θ = 0."""
    axes, _ = _curvature_axes(study)
    for axis in axes:
        axis["showlegend"] = False
    data = [
        *axes, _point(study, showlegend=False),
        trace("scatter", x=[0.0], y=[study.value], mode="markers", name="f(p) at t = 0", xaxis="x2", yaxis="y2",
              showlegend=False, marker={"color": "white", "size": 11, "line": {"width": 2.5, "color": COLORS["black"]}},
              hovertemplate="f(p) = %{y:.4g}<extra></extra>"),
    ]
    first = len(data)
    data += _moving(study, 0)
    moving = list(range(first, len(data)))
    frames = [{"name": f"θ={a:g}", "data": _moving(study, k, full=False), "traces": moving}
              for k, a in enumerate(SLICE_ANGLES)]
    spec = _slice_layout(study, height)
    w = study.window  # f's levels as a picture: an animation never redraws it (a contour trace would blink)
    spec["images"] = [picture(banded_image(study.grid_f, levels=SLICE_LEVELS, colorscale=GROUND),
                              x=(w.x1_low, w.x1_high), y=(w.x2_low, w.x2_high))]
    spec["xaxis"].update(showgrid=False, zeroline=False)
    spec["yaxis"].update(showgrid=False, zeroline=False)
    return assemble({"data": data, "layout": spec, "frames": frames})


# ----------------------------------------------------------------------------------------------- gaps
def _gap_trace(radii: np.ndarray, gaps: np.ndarray, name: str, color: str, dash: str) -> dict:
    return trace("scatter", x=radii, y=np.where(gaps > 0, gaps, np.nan), mode="lines+markers", name=name,
                 line={"color": color, "width": LINE_WIDTH, "dash": dash}, marker={"size": 6},
                 hovertemplate="r = %{x:.2e}<br>gap = %{y:.2e}<extra></extra>")


def _guide(radii: np.ndarray, gaps: np.ndarray, power: int, color: str) -> list[dict]:
    """c·rᵖ through the gap at r ≈ 1e-2 (three times above it, so the two do not hide each other)."""
    finite = np.isfinite(gaps) & (gaps > 0)
    if not finite.any():
        return []
    anchor = int(np.argmin(np.where(finite, np.abs(np.log(radii) - np.log(1e-2)), np.inf)))
    return [trace("scatter", x=radii, y=3 * gaps[anchor] * (radii / radii[anchor]) ** power, mode="lines",
                  name=f"O(r{'²' if power == 2 else '³'})", hoverinfo="skip",
                  line={"color": color, "dash": "dot", "width": 2})]


def gap_figure(study: HessianStudy, *, height: int = GAP_HEIGHT) -> go.Figure:
    """max |f − q| (quadratic model) and max |f − L| (tangent plane) on the circles |x − p| = r against r, log–log,
    with O(r³) and O(r²) guides and the model disc's radius R marked. Gaps of zero cannot sit on a log axis and are
    left out; when f is quadratic (every model gap round-off) the figure says so."""
    radii = study.sweep_radii
    data = [_gap_trace(radii, study.model_gaps, "quadratic model: max |f − q|", MODEL_COLOR, "solid"),
            _gap_trace(radii, study.plane_gaps, "tangent plane: max |f − L|", COLORS["sky"], "solid")]
    if not study.quadratic and math.isfinite(study.model_order):
        data += _guide(radii, study.model_gaps, 3, COLORS["vermillion"])
    if math.isfinite(study.plane_order):
        data += _guide(radii, study.plane_gaps, 2, COLORS["blue"])
    spec = layout(x_title="radius r = |x − p|", y_title="largest gap on the circle", height=height)
    spec["margin"].update(l=95, t=30)  # power-of-ten tick labels; the legend sits in the empty upper left
    spec["legend"] = {"x": 0.01, "y": 0.99, "xanchor": "left", "yanchor": "top", "bgcolor": "rgba(255,255,255,0.85)"}
    spec["xaxis"].update(type="log", exponentformat="power")
    spec["yaxis"].update(type="log", exponentformat="power")
    spec["shapes"] = [{"type": "line", "xref": "x", "yref": "paper", "x0": study.radius, "x1": study.radius,
                       "y0": 0, "y1": 1, "line": {"color": COLORS["grey"], "dash": "dot", "width": 2}}]
    notes = [{"x": math.log10(study.radius), "xref": "x", "yref": "paper", "y": 1.0, "yanchor": "bottom",
              "xanchor": "right", "text": f"R = {study.radius:g} (the disc drawn)", "showarrow": False}]
    if study.quadratic:
        notes.append({"text": "f is quadratic: q is f itself (model gaps are round-off only)", "xref": "paper",
                      "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False, "bgcolor": "rgba(255,255,255,0.85)"})
    spec["annotations"] = notes
    return assemble({"data": data, "layout": spec})
