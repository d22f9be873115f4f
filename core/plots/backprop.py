"""The Backprop page's figure: the computational graph, layered left to right, with each node's operation, value
and adjoint, each edge's local derivative, both passes' order, and a step slider (▶) walking the forward pass and
then the backward pass. Every trace is a scatter, and the frames send only the four traces that change (values and
adjoints, the highlighted node, the ``+=`` marks, the step's sentence) with ``redraw: false``."""

from __future__ import annotations

import plotly.graph_objects as go

from core.backprop_lab import BackpropStudy, Step, format_number
from core.plots.style import COLORS, FONT_SIZE, assemble, trace

__all__ = ["FRAME_MS", "HEIGHT", "graph_figure", "graph_spec", "node_positions"]

FRAME_MS = 700  # per step while playing: long enough to read the step's sentence
ANIMATED = [4, 5, 6, 7]  # indices of the traces the frames replace
MAX_HEIGHT = 620  # px: the graph and its slider stay beside the controls on the first screen of a 1440×900 laptop
MARGIN = {"l": 10, "r": 10, "t": 30, "b": 70}  # px: the legend above, the slider and ▶ below
NODE = 36  # px: a node's square marker
HIGHLIGHT = 48  # px: the "computed now" square around it
LINE = 14  # px: one line of the small labels (F·B above a node, v and ā below it)
CAPTION = 30  # px: the step's sentence, above the top row
# px a node needs in its column: its F·B line, the highlight square, its label lines below (v, and ā when active)
NEED = {True: LINE + HIGHLIGHT + 2 * LINE + 6, False: LINE + HIGHLIGHT + LINE + 6}
ABOVE = LINE + HIGHLIGHT / 2 + 3  # px from a node's centre to the top of its F·B line
MIN_HEIGHT = 440  # px: a small graph's figure
HEIGHT = MAX_HEIGHT  # the tallest figure (kept for callers sizing the chart slot)
_KIND_COLORS = {"input": COLORS["blue"], "constant": COLORS["grey"], "operation": COLORS["orange"]}


def node_positions(study: BackpropStudy) -> list[tuple[float, float]]:
    """(x, y) per node: x = its layer; y in px of the plotting area. Within a layer, nodes are ordered by the mean
    height of their operands (fewer crossings) and stacked around 0, each given the room its labels need (NEED: an
    active node has two label lines, a constant one); a column that would pass MAX_HEIGHT is squeezed evenly."""
    graph = study.graph
    layers: dict[int, list[int]] = {}
    for node in graph.nodes:
        layers.setdefault(node.layer, []).append(node.index)
    y = [0.0] * len(graph.nodes)
    for layer in sorted(layers):
        members = layers[layer]
        if layer > 0:
            members.sort(key=lambda i: -sum(y[c] for c in graph.nodes[i].children) / len(graph.nodes[i].children)
                         if graph.nodes[i].children else _parent_hint(study, i, y))
        needs = [NEED[graph.nodes[i].active] for i in members]
        # only a column taller than the figure allows is squeezed (its nodes' distances, not their labels)
        room = MAX_HEIGHT - MARGIN["t"] - MARGIN["b"] - CAPTION - max(needs)
        squeeze = min(1.0, room / max(sum(needs) - max(needs), 1.0))
        top = sum(needs) / 2
        for i, need in zip(members, needs):
            y[i] = (top - ABOVE) * squeeze
            top -= need
    return [(float(graph.nodes[i].layer), y[i]) for i in range(len(graph.nodes))]


def _parent_hint(study: BackpropStudy, i: int, y: list[float]) -> float:
    return 1e6 + i  # constants in a later layer: below the operations, in order


def _kind(study: BackpropStudy, i: int) -> str:
    node = study.graph.nodes[i]
    return "input" if node.kind == "var" else "constant" if not node.children else "operation"


def _label(study: BackpropStudy, i: int, known_value: bool, adjoint: float | None) -> str:
    if not known_value:
        return ""
    text = f"v = {format_number(study.values[i])}"
    if adjoint is not None:
        text += f"<br>ā = {format_number(adjoint)}"
    return text


def _state(study: BackpropStudy, upto: int) -> tuple[list[bool], list[float | None]]:
    """After step ``upto`` (index into study.steps): which values are known, and each node's adjoint so far."""
    known = [False] * len(study.graph.nodes)
    adjoint: list[float | None] = [None] * len(study.graph.nodes)
    for step in study.steps[: upto + 1]:
        known[step.node] = known[step.node] or step.phase == "forward"
        if step.phase == "backward":
            if adjoint[step.node] is None:
                adjoint[step.node] = study.adjoints[step.node]
            for child, so_far in step.received:
                adjoint[child] = so_far
    if upto >= len(study.graph.nodes) and study.graph.nodes[study.graph.output].active:
        adjoint[study.graph.output] = study.adjoints[study.graph.output]
    return known, adjoint


def _extent(study: BackpropStudy, xy: list[tuple[float, float]]) -> tuple[float, float]:
    """The y range (px) holding every node with its labels, and the step's sentence above."""
    low = min(y - (NEED[study.graph.nodes[i].active] - ABOVE) for i, (_, y) in enumerate(xy))
    high = max(y for _, y in xy) + ABOVE + CAPTION
    short = MIN_HEIGHT - MARGIN["t"] - MARGIN["b"] - (high - low)  # a small graph: centred in the smallest figure
    return (low - short / 2, high + short / 2) if short > 0 else (low, high)


def _animated_traces(study: BackpropStudy, xy: list[tuple[float, float]], upto: int) -> list[dict]:
    known, adjoint = _state(study, upto)
    half = HIGHLIGHT / 2 + 3  # clear of the highlight square and its 4 px line
    step: Step = study.steps[upto]
    xs, ys = zip(*xy)
    values = trace("scatter", x=list(xs), y=[y - half for y in ys], mode="text", hoverinfo="skip",
                   showlegend=False, textposition="bottom center",
                   text=[_label(study, i, known[i], adjoint[i]) for i in range(len(xy))],
                   textfont={"size": FONT_SIZE - 3, "color": COLORS["black"]}, name="values")
    color = COLORS["blue"] if step.phase == "forward" else COLORS["vermillion"]
    here = trace("scatter", x=[xy[step.node][0]], y=[xy[step.node][1]], mode="markers", hoverinfo="skip",
                 marker={"size": HIGHLIGHT, "symbol": "square-open", "line": {"width": 4, "color": color}},
                 name="computed now", showlegend=True)
    twice = list(step.accumulated)
    plus = trace("scatter", x=[xy[i][0] - 0.25 for i in twice], y=[xy[i][1] for i in twice], cliponaxis=False,
                 mode="text", textposition="middle left", text=["+="] * len(twice),
                 textfont={"size": FONT_SIZE + 6, "color": COLORS["vermillion"]},
                 hoverinfo="skip", showlegend=False, name="+=")
    caption = trace("scatter", x=[min(xs) - 0.45], y=[_extent(study, xy)[1] - CAPTION / 2], mode="text",
                    text=[step.text],
                    textposition="middle right", textfont={"size": FONT_SIZE - 1, "color": color}, hoverinfo="skip",
                    showlegend=False, name="step")
    return [values, here, plus, caption]


def _edges(study: BackpropStudy, xy: list[tuple[float, float]]) -> tuple[dict, dict]:
    lx: list[float | None] = []
    ly: list[float | None] = []
    mx: list[float] = []
    my: list[float] = []
    texts: list[str] = []
    for node in study.graph.nodes:
        for slot, child in enumerate(node.children):
            (x0, y0), (x1, y1) = xy[child], xy[node.index]
            lx += [x0, x1, None]
            ly += [y0, y1, None]
            if study.graph.nodes[child].active:
                # in the gap before the operation, clear of both columns' boxes and labels, just above the line
                share = 1.0 if x1 == x0 else 1 - 0.5 / (x1 - x0)
                mx.append(x0 + share * (x1 - x0))
                my.append(y0 + share * (y1 - y0) + 8)
                texts.append(f"∂ {format_number(study.local[node.index][slot])}")
    lines = trace("scatter", x=lx, y=ly, mode="lines", line={"width": 2, "color": COLORS["grey"]}, hoverinfo="skip",
                  showlegend=False, name="edges")
    labels = trace("scatter", x=mx, y=my, mode="text", text=texts, hoverinfo="skip", showlegend=False,
                   textfont={"size": FONT_SIZE - 4, "color": COLORS["purple"]}, name="local derivatives")
    return lines, labels


def _nodes(study: BackpropStudy, xy: list[tuple[float, float]]) -> tuple[dict, dict]:
    graph = study.graph
    backward_number = {node: k + 1 for k, node in enumerate(study.backward_order)}
    hover = [f"{n.text}<br>value {format_number(study.values[n.index])}"
             + (f"<br>adjoint ∂f/∂· {format_number(study.adjoints[n.index])}" if n.active else "")
             for n in graph.nodes]
    markers = trace(
        "scatter", x=[p[0] for p in xy], y=[p[1] for p in xy], mode="markers+text",
        text=[n.op for n in graph.nodes], textfont={"size": FONT_SIZE + 2, "color": "white"},
        marker={"size": NODE, "symbol": "square", "color": [_KIND_COLORS[_kind(study, i)] for i in range(len(xy))],
                "line": {"width": 1, "color": COLORS["black"]}},
        hovertext=hover, hoverinfo="text", showlegend=False, name="nodes")
    orders = trace(
        "scatter", x=[p[0] for p in xy], y=[p[1] + HIGHLIGHT / 2 + 3 for p in xy], mode="text", hoverinfo="skip",
        showlegend=False, textposition="top center",
        text=[f"F{i + 1}" + (f" · B{backward_number[i]}" if i in backward_number else "") for i in range(len(xy))],
        textfont={"size": FONT_SIZE - 5, "color": COLORS["grey"]}, name="order")
    return markers, orders


def _slider(study: BackpropStudy) -> dict:
    labels = [f"F{s.number}" if s.phase == "forward" else f"B{s.number}" for s in study.steps]
    return {
        "active": len(study.steps) - 1, "x": 0.08, "len": 0.92, "y": 0, "pad": {"t": 10},
        "currentvalue": {"prefix": "step ", "font": {"size": FONT_SIZE - 2}},
        "steps": [{"label": label, "method": "animate",
                   "args": [[str(k)], {"mode": "immediate", "frame": {"duration": 0, "redraw": False},
                                       "transition": {"duration": 0}}]} for k, label in enumerate(labels)],
    }


def _play() -> dict:
    return {
        "type": "buttons", "showactive": False, "x": 0, "y": 0, "xanchor": "left", "yanchor": "top", "pad": {"t": 20},
        "buttons": [{"label": "▶", "method": "animate",
                     "args": [None, {"frame": {"duration": FRAME_MS, "redraw": False}, "fromcurrent": True,
                                     "transition": {"duration": 0}, "mode": "immediate"}]}],
    }


def graph_spec(study: BackpropStudy) -> dict:
    """The graph figure as a plain spec for :func:`core.plots.style.assemble`.

    Traces: 0 edges, 1 local derivatives on the edges, 2 nodes (blue inputs, grey constants, orange operations) with
    their operation, 3 the passes' order (F forward, B backward), and the animated 4 values (v) and adjoints (ā),
    5 the node computed at the step, 6 ``+=`` where a node is reached again, 7 the step's sentence. The figure opens
    at the last step (everything computed); frame k is ``study.steps[k]``.
    """
    if not study.drawable:
        raise ValueError("graph_figure: the graph is too large to draw; check study.drawable first")
    xy = node_positions(study)
    edges, edge_labels = _edges(study, xy)
    nodes, orders = _nodes(study, xy)
    last = len(study.steps) - 1
    frames = [{"name": str(k), "data": _animated_traces(study, xy, k), "traces": ANIMATED}
              for k in range(len(study.steps))]
    xs = [p[0] for p in xy]
    low, high = _extent(study, xy)
    layout = {  # the plotting area is exactly high − low px tall: y is in px, so the labels' offsets are px too
        "height": round(high - low) + MARGIN["t"] + MARGIN["b"], "font": {"size": FONT_SIZE}, "margin": MARGIN,
        "xaxis": {"visible": False, "range": [min(xs) - 0.6, max(xs) + 0.5], "fixedrange": True},
        "yaxis": {"visible": False, "range": [low, high], "fixedrange": True},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        "plot_bgcolor": "rgba(0,0,0,0)", "hovermode": "closest",
        "sliders": [_slider(study)], "updatemenus": [_play()],
    }
    return {"data": [edges, edge_labels, nodes, orders, *_animated_traces(study, xy, last)], "layout": layout,
            "frames": frames}


def graph_figure(study: BackpropStudy) -> go.Figure:
    """:func:`graph_spec` as a Plotly figure (assembled without plotly.py's per-property checks)."""
    return assemble(graph_spec(study))
