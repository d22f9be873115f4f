"""Shared look of every figure: colour-blind-safe colours (Okabe–Ito), projector-sized type and lines."""

from __future__ import annotations

import plotly.graph_objects as go

__all__ = ["COLORS", "FONT_SIZE", "LINE_WIDTH", "base_layout", "layout"]

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
