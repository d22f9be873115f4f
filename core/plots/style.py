"""Shared look of every figure: colour-blind-safe colours (Okabe–Ito), projector-sized type and lines."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

__all__ = [
    "COLORS", "FONT_SIZE", "LINE_WIDTH", "PROJECTOR_SCALE", "SECONDARY_TEXT", "assemble", "base_layout", "layout",
    "play_controls", "projector", "trace",
]

COLORS = {  # Okabe & Ito (2008): distinguishable with every common colour-vision deficiency
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#222222",
    "grey": "#7F7F7F",
}
FONT_SIZE = 16  # readable from the back of a classroom
LINE_WIDTH = 3
PROJECTOR_SCALE = 1.5  # classroom mode: type and lines this much larger, for the back row of a lecture hall
SECONDARY_TEXT = 0.85  # tick labels and legend entries, relative to the projector's body text


def layout(*, x_title: str, y_title: str, height: int = 520) -> dict:
    """Axis titles, legend on top, projector-sized fonts, as a layout dict (cheapest to pass to ``go.Figure``)."""
    return {
        "height": height,
        "font": {"size": FONT_SIZE},
        "margin": {"l": 60, "r": 20, "t": 60, "b": 60},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}},
        "hovermode": "closest",
    }


def base_layout(figure: go.Figure, *, x_title: str, y_title: str, height: int = 520) -> go.Figure:
    """Apply :func:`layout` to a figure; returns the same figure."""
    figure.update_layout(layout(x_title=x_title, y_title=y_title, height=height))
    return figure


def trace(kind: str, **properties) -> dict:
    """A trace as a plain dict for :func:`assemble`: ``trace("scatter", x=..., y=...)`` reads like ``go.Scatter``."""
    return {"type": kind, **properties}


def play_controls(frames: Sequence[tuple[str, str]], *, active: int, prefix: str, frame_ms: int, y: float,
                  slider_x: float) -> dict:
    """Layout entries for an animation: ▶ and ❚❚ buttons at the left of row ``y`` (a fraction of the plot's height,
    below it when negative), and a slider from ``slider_x`` to the right edge with a step per frame (``frames``:
    (frame name, slider label) pairs), at ``active``, its current value shown after ``prefix``. Frames are played
    without redraw: they must hold scatter traces only (anything else belongs in a picture, core.plots.raster)."""
    still = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    steps = [{"label": label, "method": "animate", "args": [[name], still]} for name, label in frames]
    play = {"frame": {"duration": frame_ms, "redraw": False}, "fromcurrent": True, "transition": {"duration": 0}}
    return {
        "sliders": [{"active": active, "x": slider_x, "len": 1 - slider_x, "y": y, "yanchor": "top", "steps": steps,
                     "pad": {"t": 10, "b": 0}, "currentvalue": {"prefix": prefix, "xanchor": "right"}}],
        "updatemenus": [{"type": "buttons", "direction": "left", "x": 0, "y": y, "xanchor": "left", "yanchor": "top",
                         "pad": {"t": 22}, "showactive": False,
                         "buttons": [{"label": "▶", "method": "animate", "args": [None, play]},
                                     {"label": "❚❚", "method": "animate",
                                      "args": [[None], {"mode": "immediate", "frame": {"duration": 0,
                                                                                        "redraw": False}}]}]}],
    }


def assemble(spec: dict) -> go.Figure:
    """A figure from a plain spec (``data``, ``layout``, ``frames`` as dicts) without plotly.py's per-property checks.

    Building traces and frames property by property costs plotly.py 20–40 ms per figure, and a page builds its figures
    anew whenever the point moves; the same spec as a dict costs well under a millisecond. The specs are checked
    instead by the tests, which rebuild each builder's output with full validation and compare the JSON. Frames are
    attached the same way (plotly.py's ``frames`` setter validates every frame whatever the figure's setting).
    """
    figure = go.Figure({key: value for key, value in spec.items() if key != "frames"}, _validate=False)
    if spec.get("frames"):
        figure._frame_objs = tuple(go.Frame(frame, _validate=False) for frame in spec["frames"])
    return figure


def _thicker(trace: dict, scale: float) -> None:
    line = trace.get("line")
    if isinstance(line, dict) and isinstance(line.get("width"), int | float):
        line["width"] = line["width"] * scale


def projector(figure: go.Figure, *, scale: float = PROJECTOR_SCALE) -> go.Figure:
    """A copy of ``figure`` for a projector: fonts and line widths times ``scale``, in the traces and in every
    animation frame (so an animated line keeps its width while it plays). Tick labels, axis titles and the legend get
    explicit sizes too: Streamlit's chart theme fixes them at ~15 px otherwise, too small for the back row.
    Returns a new figure."""
    spec = figure.to_plotly_json()
    font = spec["layout"].setdefault("font", {})
    font["size"] = font.get("size", FONT_SIZE) * scale
    small = round(font["size"] * SECONDARY_TEXT)
    for name, axis in spec["layout"].items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            axis.setdefault("tickfont", {})["size"] = small
            axis.setdefault("title", {}).setdefault("font", {})["size"] = font["size"]
    spec["layout"].setdefault("legend", {}).setdefault("font", {})["size"] = small
    spec["layout"]["height"] = int(spec["layout"].get("height", 520) * 1.15)
    for trace in spec["data"]:
        _thicker(trace, scale)
    for frame in spec.get("frames", []):
        for trace in frame.get("data", []):
            _thicker(trace, scale)
    return assemble(spec)
