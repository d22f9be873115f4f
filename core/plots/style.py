"""Shared look of every figure: colour-blind-safe colours (Okabe–Ito), projector-sized type and lines."""

from __future__ import annotations

import plotly.graph_objects as go

__all__ = ["COLORS", "FONT_SIZE", "LINE_WIDTH", "base_layout"]

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


def base_layout(figure: go.Figure, *, x_title: str, y_title: str, height: int = 520) -> go.Figure:
    """Axis titles, legend on top, projector-sized fonts; returns the same figure."""
    figure.update_layout(
        height=height,
        font={"size": FONT_SIZE},
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        xaxis_title=x_title,
        yaxis_title=y_title,
        hovermode="closest",
    )
    return figure
