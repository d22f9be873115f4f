"""The Backprop page's figure: the computational graph, layered left to right, with each node's operation, value
and adjoint, each edge's local derivative, both passes' order, and a step slider (▶) walking the forward pass and
then the backward pass. Every trace is a scatter, and the frames send only the four traces that change (values and
adjoints, the highlighted node, the ``+=`` marks, the step's sentence) with ``redraw: false``."""

from __future__ import annotations

import plotly.graph_objects as go

from core.backprop_lab import BackpropStudy, Step, format_number
from core.plots.style import COLORS, FONT_SIZE, assemble, trace

__all__ = ["FRAME_MS", "HEIGHT", "graph_figure", "graph_spec", "node_positions"]

HEIGHT = 540  # px: the graph and its slider fit beside the controls on a 1440×900 screen
FRAME_MS = 700  # per step while playing: long enough to read the step's sentence
ANIMATED = [4, 5, 6, 7]
NODE_PIXELS = 24  # half a node's marker (46 px), in px: where its labels start
PLOT_PIXELS = HEIGHT - 100  # the plotting area's height (margins off)  # indices of the traces the frames replace
_KIND_COLORS = {"input": COLORS["blue"], "constant": COLORS["grey"], "operation": COLORS["orange"]}


def node_positions(study: BackpropStudy) -> list[tuple[float, float]]:
    """(x, y) per node: x = its layer; within a layer, nodes ordered by the mean height of their operands (fewer
    crossings), spread evenly around 0."""
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
        for rank, i in enumerate(members):
            y[i] = (len(members) - 1) / 2 - rank
    return [(float(graph.nodes[i].layer), y[i]) for i in range(len(graph.nodes))]


def _parent_hint(study: BackpropStudy, i: int, y: list[float]) -> float:
    return 1.0 + i / max(len(study.graph.nodes), 1)  # constants in a later layer: below the operations, in order


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


def _half(xy: list[tuple[float, float]]) -> float:
    """Half a node's height in y units (the y range is the rows plus a margin)."""
    ys = [p[1] for p in xy]
    return NODE_PIXELS * (max(ys) - min(ys) + 1.8) / PLOT_PIXELS


def _animated_traces(study: BackpropStudy, xy: list[tuple[float, float]], upto: int) -> list[dict]:
    known, adjoint = _state(study, upto)
    half = _half(xy)
    step: Step = study.steps[upto]
    xs, ys = zip(*xy)
    values = trace("scatter", x=list(xs), y=[y - half for y in ys], mode="text", hoverinfo="skip",
                   showlegend=False, textposition="bottom center",
                   text=[_label(study, i, known[i], adjoint[i]) for i in range(len(xy))],
                   textfont={"size": FONT_SIZE - 3, "color": COLORS["black"]}, name="values")
    color = COLORS["blue"] if step.phase == "forward" else COLORS["vermillion"]
    here = trace("scatter", x=[xy[step.node][0]], y=[xy[step.node][1]], mode="markers", hoverinfo="skip",
                 marker={"size": 62, "symbol": "square-open", "line": {"width": 5, "color": color}},
                 name="computed now", showlegend=True)
    twice = list(step.accumulated)
    plus = trace("scatter", x=[xy[i][0] + 0.2 for i in twice], y=[xy[i][1] + 0.2 for i in twice],
                 mode="text", text=["+="] * len(twice), textfont={"size": FONT_SIZE + 6, "color": COLORS["vermillion"]},
                 hoverinfo="skip", showlegend=False, name="+=")
    caption = trace("scatter", x=[min(xs) - 0.45], y=[max(ys) + 0.85], mode="text", text=[step.text],
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
                share = 0.42 if len(node.children) < 2 else 0.42 + 0.08 * slot
                mx.append(x0 + share * (x1 - x0))
                my.append(y0 + share * (y1 - y0) + 0.1)
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
        marker={"size": 46, "symbol": "square", "color": [_KIND_COLORS[_kind(study, i)] for i in range(len(xy))],
                "line": {"width": 1, "color": COLORS["black"]}},
        hovertext=hover, hoverinfo="text", showlegend=False, name="nodes")
    orders = trace(
        "scatter", x=[p[0] for p in xy], y=[p[1] + _half(xy) for p in xy], mode="text", hoverinfo="skip",
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
    ys = [p[1] for p in xy]
    layout = {
        "height": HEIGHT, "font": {"size": FONT_SIZE}, "margin": {"l": 10, "r": 10, "t": 30, "b": 70},
        "xaxis": {"visible": False, "range": [min(xs) - 0.55, max(xs) + 0.55], "fixedrange": True},
        "yaxis": {"visible": False, "range": [min(ys) - 0.75, max(ys) + 1.05], "fixedrange": True},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        "plot_bgcolor": "rgba(0,0,0,0)", "hovermode": "closest",
        "sliders": [_slider(study)], "updatemenus": [_play()],
    }
    return {"data": [edges, edge_labels, nodes, orders, *_animated_traces(study, xy, last)], "layout": layout,
            "frames": frames}


def graph_figure(study: BackpropStudy) -> go.Figure:
    """:func:`graph_spec` as a Plotly figure (assembled without plotly.py's per-property checks)."""
    return assemble(graph_spec(study))
