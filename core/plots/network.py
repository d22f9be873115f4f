"""Figures of the Network page: the decision surface beside the network drawn as TensorFlow Playground draws it (a
small picture of every neuron's output over the plane, edges coloured and sized by the weights), animated over
training on one step slider, and the loss and accuracy curves.

Everything that changes from frame to frame is either a picture (a layout image: the decision surface and the
neurons' tiles, sent as tiny palette PNGs) or the x/y of a few scatter traces (the edges, grouped by sign and width),
so frames play without redraw (core.plots.style.play_controls): a frame's ``layout.images`` replaces the pictures'
sources in place. Each frame also names trace 0 (the training points of class 0, unchanged): plotly.js removes the
drawn traces of a subplot that none of a frame's traces is on, and without it the points vanished on ▶.

The frames' size is what bounds the figure (a 7-feature, 6 × 8 network has 56 tiles and 384 edges a frame): they are
measured as they are built and, past MAX_BYTES, dropped evenly (:func:`network_figure`).
"""

from __future__ import annotations

import base64
import functools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.io.json import to_json_plotly

from core.network_lab import NetworkStudy, neuron_name, weight_label
from core.plots.raster import UNDEFINED, finer, palette_png_uri, sample_palette
from core.plots.style import COLORS, LINE_WIDTH, assemble, layout, play_controls, trace

__all__ = [
    "BLUE",
    "EDGE_TRACE",
    "EDGE_WIDTHS",
    "GREY",
    "MAX_BYTES",
    "ORANGE",
    "clicked_weight",
    "curves_figure",
    "edge_style",
    "edge_widths",
    "largest_weight",
    "network_figure",
    "surface_picture",
    "tile_picture",
    "tile_scales",
    "weight_order",
]

# TensorFlow Playground's two classes: orange for class 0 (and negative values), blue for class 1 (and positive).
ORANGE = "#f59322"
BLUE = "#0877bd"
WHITE = "#ffffff"
GREY = "#9e9e9e"  # an edge whose weight is 0 or not a finite number
DIVERGING = ((0.0, ORANGE), (0.5, WHITE), (1.0, BLUE))
BOUNDARY = (34, 34, 34)  # the decision boundary p = 0.5 in the surface's picture
SURFACE_BANDS = 10  # P(y = 1 | x) in bands of 0.1: p = 0.5 is a band edge
SURFACE_FACTOR = 3  # the 48 × 48 surface drawn 3 times finer (linear interpolation): smooth band edges
TILE_BANDS = 10  # each neuron's 16 × 16 tile in 10 bands of the diverging scale
# Edge widths (px): |w| / (the run's largest |w|) rounded to one of these, so a frame moves each edge between a few
# traces (one per sign and width) instead of restyling one trace per weight.
EDGE_WIDTHS = (0.8, 2.0, 3.2, 4.4, 5.6)
CROWDED = 4  # beyond 4 neurons in a column the widths above the thinnest shrink by 4/rows (at least by half)
EDGE_OPACITY = 0.8
MAX_BYTES = 300_000  # the figure's JSON with its animation: frames are dropped (evenly) to stay under this
RESERVE = 1_000  # bytes kept free for what the size estimate leaves out (the note on dropped frames)
MAX_DRAWN = 2_500  # training points and test points drawn, each (an evenly spaced subset beyond that)
HEIGHT = 480  # px: at the page's ~620 px width beside the controls (1440×900) the panels fill it; above the fold
FRAME_MS = 150
MARGIN = {"l": 55, "r": 24, "t": 72, "b": 126}  # t: the legend and the caption (under the modebar)
CONTROLS_Y = -0.17  # top of the ▶ buttons and the step slider, below the x1 axis title (fraction of the plot)
SLIDER_X = 0.1  # the slider's left end (the buttons before it)
DATA_DOMAIN = (0.0, 0.46)  # the decision surface's panel (its axes are square: it may use less)
NET_DOMAIN = (0.52, 1.0)  # the network's panel
NET_ASPECT = 1.0  # the network panel's width over its height (0.7 at ~620 px wide, 1.2 at 1000): columns spread to it
# The diagram in its own units, chosen so that every edge's end is a whole number (shortest in a frame's JSON): tiles
# of side TILE, rows TILE_ROW apart, columns a whole number COLUMN_MIN … COLUMN_MAX apart.
TILE = 4
TILE_ROW = 6
COLUMN_MIN, COLUMN_MAX = 8, 17
MIN_ROWS = 4  # the diagram's height is that of at least 4 rows: one neuron alone is not drawn huge
NAMED_ROWS = 5  # hidden neurons are named under their tiles up to 5 a layer (then the hover of a weight names them)
LABEL_FONT = 11
LONG_HEADS = 4  # columns named "features", "hidden 1" … "output" up to 4 columns, "in", "h1" … "out" beyond
LABEL_CHAR = 0.6  # a label's character is about this many font sizes wide (for the room left of the features)
POINT_SIZE = 7
CURVES_HEIGHT = 320
MAX_TICKS = 6  # on the loss's log axis
FEW_RECORDS = 20  # up to this many records, the curves mark each one (a diverged run may have 2)

_BUCKETS = len(EDGE_WIDTHS) * 2  # edge traces, one per width and sign (thin first: thick on top), and a grey one
_FIRST_EDGE = 5  # data: train class 0, train class 1, test class 0, test class 1, tile borders, then the edges
EDGE_TRACE = _FIRST_EDGE + _BUCKETS + 1  # the clickable weights: one marker per weight (see network_figure)


# ----------------------------------------------------------------------------------------------- pictures
# Palettes (uint8 RGB rows): a tile's bands then UNDEFINED; the surface's bands, UNDEFINED and the boundary's colour.
_TILE_PALETTE = np.vstack([sample_palette(DIVERGING, TILE_BANDS), UNDEFINED]).round().astype(np.uint8)
_SURFACE_PALETTE = np.vstack([sample_palette(DIVERGING, SURFACE_BANDS), UNDEFINED, BOUNDARY]).round().astype(np.uint8)
_SURFACE_UNDEFINED, _SURFACE_BOUNDARY = SURFACE_BANDS, SURFACE_BANDS + 1


def _bands(t: np.ndarray, bands: int, undefined: int) -> np.ndarray:
    """The band 0 … bands − 1 of each t in [0, 1] (clipped), ``undefined`` where t is not finite."""
    with np.errstate(invalid="ignore"):
        band = np.clip(np.floor(np.nan_to_num(t, nan=0.0) * bands), 0, bands - 1).astype(np.int64)
    return np.where(np.isfinite(t), band, undefined)


def surface_picture(p: np.ndarray) -> str:
    """P(y = 1 | x) on the surface's grid (rows along x2, the lowest first) as a PNG data URI, SURFACE_FACTOR times
    finer: bands of 0.1 from orange (p = 0) through white (0.5) to blue (1), the boundary p = 0.5 dark, UNDEFINED
    grey where p is not a finite number (a diverged run)."""
    z = finer(np.asarray(p, dtype=np.float64), SURFACE_FACTOR)
    index = _bands(z, SURFACE_BANDS, _SURFACE_UNDEFINED)
    defined = index != _SURFACE_UNDEFINED
    side = index >= SURFACE_BANDS // 2
    cross = np.zeros(z.shape, dtype=bool)  # a pixel of the boundary: its right or upper neighbour is on the other side
    cross[:, :-1] |= (side[:, :-1] != side[:, 1:]) & defined[:, :-1] & defined[:, 1:]
    cross[:-1, :] |= (side[:-1, :] != side[1:, :]) & defined[:-1, :] & defined[1:, :]
    return palette_png_uri(np.where(cross, _SURFACE_BOUNDARY, index)[::-1], _SURFACE_PALETTE)


def tile_picture(values: np.ndarray, *, centre: float, scale: float) -> str:
    """One neuron's output on the tile grid (rows along x2) as a PNG data URI: t = ½ + ½ (a − centre) / scale on the
    diverging scale (t = 0 orange, ½ white, 1 blue, clipped), in TILE_BANDS bands; UNDEFINED grey where a is not
    finite."""
    with np.errstate(invalid="ignore", over="ignore"):
        t = 0.5 + 0.5 * (np.asarray(values, dtype=np.float64) - centre) / scale
    return palette_png_uri(_bands(t, TILE_BANDS, TILE_BANDS)[::-1], _TILE_PALETTE)


def _finite_max(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    largest = float(finite.max()) if finite.size else 0.0
    return largest if largest > 0 else 1.0


def tile_scales(study: NetworkStudy) -> list[list[tuple[float, float]]]:
    """(centre, scale) of every neuron's tile, per layer (see :func:`tile_picture`):

    - features: centre 0, scale the feature's largest |value| over the window (x1² is white at 0 to blue);
    - tanh: centre 0, scale 1 (−1 orange, 0 white, +1 blue);
    - sigmoid, and the output P(y = 1 | x): centre ½, scale ½ (0 orange, ½ white, 1 blue: the surface's scale);
    - ReLU and linear: centre 0, scale the layer's largest |a| over the whole run (ReLU: white at 0 to blue; a dead
      unit is white), so a tile's colours compare across frames and across the layer's neurons.
    """
    activation = study.architecture.activation
    last = len(study.tiles) - 1
    scales = []
    for layer, tiles in enumerate(study.tiles):
        width = tiles.shape[1]
        if layer == 0:
            scales.append([(0.0, _finite_max(tiles[0, i])) for i in range(width)])
        elif layer == last or activation == "sigmoid":
            scales.append([(0.5, 0.5)] * width)
        elif activation == "tanh":
            scales.append([(0.0, 1.0)] * width)
        else:
            scales.append([(0.0, _finite_max(tiles))] * width)
    return scales


# ----------------------------------------------------------------------------------------------- the diagram
class _Diagram:
    """Where the network is drawn, in the units of the axes x2/y2 (equal scale): column c at x = c · dx, neuron i of a
    layer of n at y = ((n − 1)/2 − i) · TILE_ROW (centred, the first at the top), tiles of side TILE; the features'
    names left of their tiles, the other neurons' under them, the layers' above."""

    def __init__(self, sizes: Sequence[int], features: Sequence[str], *, height: int, font: int) -> None:
        rows = max(max(sizes), MIN_ROWS)
        half = (rows - 1) / 2 * TILE_ROW + TILE / 2
        self.y_range = (-half - 2.6, half + 2.2)  # room for the names under the tiles, the layers' names above
        span = self.y_range[1] - self.y_range[0]
        px = (height - MARGIN["t"] - MARGIN["b"]) / span  # px per unit (the panel is as high as the plot)
        left = TILE / 2 + 0.6 + (LABEL_CHAR * font * max(map(len, features)) + 4) / px
        right = TILE / 2 + 1.5
        columns = len(sizes)
        self.dx = min(max(round((NET_ASPECT * span - left - right) / (columns - 1)), COLUMN_MIN), COLUMN_MAX)
        self.x = [c * self.dx for c in range(columns)]
        self.x_range = (-left, self.x[-1] + right)
        self.y = [((n - 1) / 2 - np.arange(n)) * TILE_ROW for n in sizes]
        self.top = half

    def edges(self, sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For every weight in θ's order (layer, i, j): the segment from the source tile's right border to the
        target's left border, x and y as (E, 3) with a nan third column (a gap in a line trace), and the (E, 2)
        position of its marker: at 0.25 + 0.5 (j + ½)/n_next along the segment (spread by the target j, since the
        midpoints of i → j and i′ → j′ coincide whenever i + j = i′ + j′)."""
        xs, ys, beads = [], [], []
        for layer in range(len(sizes) - 1):
            n, m = sizes[layer], sizes[layer + 1]
            i, j = np.divmod(np.arange(n * m), m)
            x0, x1 = self.x[layer] + TILE / 2, self.x[layer + 1] - TILE / 2
            y0, y1 = self.y[layer][i], self.y[layer + 1][j]
            xs.append(np.column_stack([np.full(n * m, x0), np.full(n * m, x1), np.full(n * m, np.nan)]))
            ys.append(np.column_stack([y0, y1, np.full(n * m, np.nan)]))
            t = 0.25 + 0.5 * (j + 0.5) / m
            beads.append(np.column_stack([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]))
        return np.vstack(xs), np.vstack(ys), np.vstack(beads)


def weight_order(architecture) -> list[tuple[int, int, int]]:
    """Every weight's (layer, i, j) in θ's order: the order of the clickable trace's points (point_index k is the
    k-th) and of :meth:`Architecture.weight_index` restricted to the weights."""
    s = architecture.sizes
    return [(layer, i, j) for layer in range(len(s) - 1) for i in range(s[layer]) for j in range(s[layer + 1])]


def clicked_weight(architecture, point: Mapping) -> tuple[int, int, int] | None:
    """The weight (layer, i, j) a selection point from st.plotly_chart(on_select=…, selection_mode="points") on
    :func:`network_figure` names, or None when the point is not on the weights' trace (EDGE_TRACE) or names no weight
    of ``architecture``. Reads the point's ``customdata`` [layer, i, j]; without it, its ``point_index`` (or
    ``point_number``) in θ's order (:func:`weight_order`)."""
    if point.get("curve_number") != EDGE_TRACE:
        return None
    data = point.get("customdata")
    s = architecture.sizes
    if isinstance(data, Sequence) and not isinstance(data, str) and len(data) >= 3:
        try:
            layer, i, j = (int(v) for v in data[:3])
        except (TypeError, ValueError):
            return None
        if 0 <= layer < len(s) - 1 and 0 <= i < s[layer] and 0 <= j < s[layer + 1]:
            return layer, i, j
        return None
    index = point.get("point_index", point.get("point_number"))
    order = weight_order(architecture)
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(order):
        return order[index]
    return None


def _weights(study: NetworkStudy, record: int) -> np.ndarray:
    """The weights (not the biases) of θ at a record, in θ's order (E,)."""
    params = study.architecture.unflatten(study.training.thetas[record])
    return np.concatenate([w.ravel() for w in params.weights])


def largest_weight(study: NetworkStudy) -> float:
    """The run's largest finite |w| over every recorded θ (1 if none): the edges' widths are |w| over this."""
    architecture = study.architecture
    mask = np.zeros(architecture.n_params, dtype=bool)
    for start, stop in architecture.offsets():
        mask[start:stop] = True
    return _finite_max(study.training.thetas[:, mask])


def edge_widths(sizes: Sequence[int]) -> tuple[float, ...]:
    """The edges' widths (px) for a network of these layer sizes: EDGE_WIDTHS, the steps above the thinnest shrunk by
    CROWDED / (the tallest column) beyond CROWDED neurons (at least half), so thick edges do not bury small tiles."""
    scale = max(min(1.0, CROWDED / max(sizes)), 0.5)
    return tuple(round(EDGE_WIDTHS[0] + (w - EDGE_WIDTHS[0]) * scale, 2) for w in EDGE_WIDTHS)


def edge_style(w: np.ndarray, largest: float) -> np.ndarray:
    """Each weight's edge trace (an index among the edge traces, thin first): its sign's colour (BLUE for w > 0,
    ORANGE for w < 0) at the level of :func:`edge_widths` nearest |w| / largest (0 … 1 spread evenly over the
    levels); the last trace (GREY, thinnest) for w = 0 or not finite."""
    with np.errstate(invalid="ignore"):
        level = np.clip(np.rint(np.abs(w) / largest * (len(EDGE_WIDTHS) - 1)), 0, len(EDGE_WIDTHS) - 1)
    bucket = 2 * np.nan_to_num(level).astype(np.int64) + (w < 0)
    return np.where(np.isfinite(w) & (w != 0), bucket, _BUCKETS)


def _plain(values: np.ndarray) -> list:
    """Whole-number coordinates as a plain list, None for nan (a gap): shorter in JSON than a typed array's base64,
    and a trace with few edges costs next to nothing."""
    return [None if math.isnan(v) else int(v) for v in values.tolist()]


def _edge_data(buckets: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> list[dict]:
    """x and y of every edge trace (the grey one last) for one frame: its edges' segments, None-separated."""
    return [{"x": _plain(xs[buckets == b].ravel()), "y": _plain(ys[buckets == b].ravel())}
            for b in range(_BUCKETS + 1)]


# ----------------------------------------------------------------------------------------------- network_figure
def _typed(values) -> dict:
    """A float32 array as plotly's typed-array spec, as plotly.py would send a NumPy array (built here so that the
    figure's size can be measured on the plain spec)."""
    return {"dtype": "f4", "bdata": base64.b64encode(np.asarray(values, dtype="<f4").tobytes()).decode("ascii")}


def _points(study: NetworkStudy) -> list[dict]:
    """Training points filled in their class's colour with a thin white outline, test points with a dark one (at most
    MAX_DRAWN of each, evenly spaced), on the surface's axes. Four traces always (empty when a class is absent)."""
    traces = []
    for name, X, y, outline in (("train", study.X_train, study.y_train, {"color": "white", "width": 1}),
                                ("test", study.X_test, study.y_test, {"color": "#222222", "width": 1.5})):
        shown = np.unique(np.linspace(0, len(y) - 1, min(len(y), MAX_DRAWN)).round().astype(int))
        X, y = X[shown], y[shown]
        for label, color in ((0, ORANGE), (1, BLUE)):
            mine = X[y == label]
            traces.append(trace(
                "scatter", x=_typed(mine[:, 0]), y=_typed(mine[:, 1]), mode="markers", name=f"{name} class {label}",
                legendgroup=name, marker={"color": color, "size": POINT_SIZE, "line": outline},
                unselected={"marker": {"opacity": 1}},  # a clicked weight must not fade the data
                hovertemplate=f"{name}, class {label}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"))
    return traces


def _borders(diagram: _Diagram, sizes: Sequence[int]) -> dict:
    """Thin grey squares around the tiles (a tile near white would vanish into the page otherwise)."""
    h = TILE / 2
    xs, ys = [], []
    for layer in range(len(sizes)):
        for y in diagram.y[layer]:
            x = diagram.x[layer]
            xs += [x - h, x + h, x + h, x - h, x - h, np.nan]
            ys += [y - h, y - h, y + h, y + h, y - h, np.nan]
    return trace("scatter", x=_typed(xs), y=_typed(ys), mode="lines",
                 name="tiles", showlegend=False, hoverinfo="skip", line={"color": "#8c8c8c", "width": 1},
                 xaxis="x2", yaxis="y2")


def _image(source: str, x: float, y: float) -> dict:
    """A tile's layout image centred at (x, y) of the diagram."""
    return {"source": source, "xref": "x2", "yref": "y2", "x": x - TILE / 2, "y": y + TILE / 2, "sizex": TILE,
            "sizey": TILE, "sizing": "stretch", "layer": "below"}


def _caption(activation: str) -> str:
    """What the diagram's colours mean, in lines short enough for its panel at ~300 px."""
    scale = {"tanh": "−1 orange, 0 white, +1 blue", "sigmoid": "0 orange, ½ white, 1 blue",
             "relu": "0 white, blue to the layer's largest", "linear": "orange −, white 0, blue +"}[activation]
    return (f"tiles: each neuron's output over the plane<br>{activation}: {scale}<br>"
            "edges: weights, blue +, orange −, width ∝ |w|")


class _Frames:
    """The animation's frames, each built (and its share of the figure's JSON measured) once, when first asked for:
    dropping frames to fit the figure's size then encodes only what it keeps, and a few samples."""

    def __init__(self, study: NetworkStudy, diagram: _Diagram, largest: float, scales) -> None:
        self.study, self.largest = study, largest
        self.xs, self.ys, _ = diagram.edges(study.architecture.sizes)
        self.bands = []  # per hidden layer and the output: (frames, width, rows, columns) palette indices, row 0 on top
        for layer in range(1, len(study.tiles)):
            centre, scale = (np.array(v)[:, None, None] for v in zip(*scales[layer]))
            with np.errstate(invalid="ignore", over="ignore"):
                t = 0.5 + 0.5 * (study.tiles[layer] - centre) / scale
            self.bands.append(_bands(t, TILE_BANDS, TILE_BANDS)[:, :, ::-1])
        self.specs: dict[int, dict] = {}
        self.sizes: dict[int, int] = {}

    def spec(self, k: int) -> dict:
        """Frame k: named by its step; trace 0 (unchanged: plotly.js drops the drawn traces of a subplot that none of
        a frame's traces is on) and the edge traces' x/y; the surface's and the non-feature tiles' sources."""
        if k not in self.specs:
            study = self.study
            record = int(study.frames[k])
            edges = _edge_data(edge_style(_weights(study, record), self.largest), self.xs, self.ys)
            sources = [surface_picture(study.surfaces[k])]
            sources += [palette_png_uri(tile, _TILE_PALETTE) for layer in self.bands for tile in layer[k]]
            self.specs[k] = {"name": str(int(study.training.steps[record])), "data": [{}, *edges],
                             "traces": [0, *range(_FIRST_EDGE, EDGE_TRACE)],
                             "layout": {"images": [{"source": s} for s in sources]}}
        return self.specs[k]

    def size(self, k: int) -> int:
        """Bytes frame k adds to the figure's JSON: the frame and its slider step, a comma after each."""
        if k not in self.sizes:
            name = self.spec(k)["name"]
            step = play_controls([(name, name)], active=0, prefix="", frame_ms=FRAME_MS, y=0, slider_x=0)
            self.sizes[k] = len(to_json_plotly(self.spec(k))) + len(to_json_plotly(step["sliders"][0]["steps"]))
        return self.sizes[k]


def _evenly(count: int, keep: int, active: int) -> list[int]:
    """``keep`` indices of 0 … count − 1, evenly spaced (first and last in), ``active`` instead of its nearest."""
    chosen = set(np.linspace(0, count - 1, max(keep, 1)).round().astype(int).tolist())
    if active not in chosen:
        chosen.remove(min(chosen, key=lambda k: (abs(k - active), k)))
        chosen.add(active)
    return sorted(chosen)


def _kept(frames: _Frames, count: int, active: int, room: int) -> list[int]:
    """The most frames, evenly spaced with ``active`` among them (at least that one), whose bytes fit in ``room``:
    estimated from a few frames, then adjusted on the frames themselves."""
    def fits(keep: int) -> bool:
        return sum(frames.size(k) for k in _evenly(count, keep, active)) <= room

    sample = sorted({0, count // 2, count - 1, active})
    keep = min(count, max(1, int(room // max(frames.size(k) for k in sample))))
    while keep > 1 and not fits(keep):
        keep -= 1
    while keep < count and fits(keep + 1):
        keep += 1
    return _evenly(count, keep, active) if fits(keep) else [active]


@functools.cache
def _template_bytes() -> int:
    """What plotly's default template adds to a figure's JSON (it is not in the specs built here)."""
    return len(go.Figure().to_json()) - len('{"data":[],"layout":{}}') + 1


def network_figure(study: NetworkStudy, *, active: int, max_bytes: int = MAX_BYTES, height: int = HEIGHT,
                   label_font: int = LABEL_FONT) -> go.Figure:
    """The Network page's picture, animated over training: the decision surface with the data (left) and the network
    (right), one frame per entry of ``study.frames`` on one step slider with ▶/❚❚.

    Parameters
    ----------
    study : NetworkStudy
    active : int
        The frame (an index into ``study.frames``) shown first: the figure's pictures and edges are that frame's and
        the slider stands there.
    max_bytes : int
        A bound on the figure's JSON (``len(fig.to_json())``). When all frames do not fit, as many as fit are kept,
        evenly spaced from the first to the last with ``active`` always among them; the figure then says so beside
        the slider. ``layout.meta`` is ``{"frames": kept, "of": len(study.frames)}`` either way.
    height : int
        In px.
    label_font : int
        The diagram's text (neuron and layer names, the colours' caption) in px: larger in classroom mode, where
        core.plots.style.projector leaves annotations with their own size as they are.

    Returns
    -------
    go.Figure
        Left (axes x/y, equal scale): P(y = 1 | x) over ``study.window`` as a picture (bands of 0.1, orange at 0
        through white at ½ to blue at 1, the boundary p = ½ dark, core.plots.raster's UNDEFINED grey where p is not
        a number); training points filled in their class's colour with a white outline, test points with a dark one.

        Right (axes x2/y2, hidden): a column of tiles per layer (features, hidden layers, output), each a 16 × 16
        picture of the neuron's output over the window, coloured as :func:`tile_scales` says (UNDEFINED grey where
        the output is not a number); the features named left of their tiles, the other neurons
        (core.network_lab.neuron_name) under theirs when a layer has at most NAMED_ROWS; edges from tile border to
        tile border coloured by the weight's sign (BLUE +, ORANGE −) with a width (:func:`edge_widths`) growing with
        |w| / (the run's largest |w|), drawn by a trace per colour and width (:func:`edge_style`).

        Traces, in order: 0–3 training class 0, class 1, test class 0, class 1; 4 the tiles' borders;
        5 … EDGE_TRACE − 1 the edges (one per colour and width, the grey one last); EDGE_TRACE (the last, on top)
        the weights, name "weights": one marker per weight on its edge, in θ's order (:func:`weight_order`), its
        hover text the page's name for it (core.network_lab.weight_label, e.g. "W1 x1 → h1,2") and its
        ``customdata`` the plain list [layer, i, j]. A click on one (st.plotly_chart(on_select=…,
        selection_mode="points")) names the weight: :func:`clicked_weight` reads it from the selection's point.

        Layout images, in order: the surface; the hidden layers' and the output's tiles (layer by layer, neuron by
        neuron, from the top); the features' tiles (they never change). Frames are named by their step (str) and set
        the sources of all images but the features' (the frame's ``layout.images``) and the edge traces' x/y.
    """
    count = len(study.frames)
    if not (isinstance(active, int | np.integer) and not isinstance(active, bool) and 0 <= active < count):
        raise ValueError(f"active must be a frame index in [0, {count - 1}]; got {active!r}")
    active = int(active)
    architecture = study.architecture
    sizes = architecture.sizes
    diagram = _Diagram(sizes, architecture.features, height=height, font=label_font)
    scales = tile_scales(study)
    frames = _Frames(study, diagram, largest_weight(study), scales)
    first = frames.spec(active)
    h = TILE / 2
    w = study.window

    images = [{"source": first["layout"]["images"][0]["source"], "xref": "x", "yref": "y", "x": w[0], "y": w[3],
               "sizex": w[1] - w[0], "sizey": w[3] - w[2], "sizing": "stretch", "layer": "below"}]
    tiles = [(layer, i) for layer in range(1, len(sizes)) for i in range(sizes[layer])]
    images += [_image(s["source"], diagram.x[layer], diagram.y[layer][i])
               for s, (layer, i) in zip(first["layout"]["images"][1:], tiles)]
    images += [_image(tile_picture(study.tiles[0][0, i], centre=c, scale=s), diagram.x[0], diagram.y[0][i])
               for i, (c, s) in enumerate(scales[0])]

    order = weight_order(architecture)
    _, _, beads = diagram.edges(sizes)
    crowd = max(a * b for a, b in zip(sizes, sizes[1:]))  # the most edges between two columns
    styles = [*((color, width) for width in edge_widths(sizes) for color in (BLUE, ORANGE)), (GREY, EDGE_WIDTHS[0])]
    names = [*(f"w {'> 0' if c == BLUE else '< 0'}, {wd:g} px" for c, wd in styles[:-1]), "w = 0 or undefined"]
    data = [
        *_points(study),
        _borders(diagram, sizes),
        *(trace("scatter", **first["data"][1 + b], mode="lines", name=names[b], showlegend=False, hoverinfo="skip",
                opacity=EDGE_OPACITY, line={"color": color, "width": width}, xaxis="x2", yaxis="y2")
          for b, (color, width) in enumerate(styles)),
        trace("scatter", x=_typed(beads[:, 0]), y=_typed(beads[:, 1]), mode="markers", name="weights",
              showlegend=False, xaxis="x2", yaxis="y2", customdata=[list(where) for where in order],
              hovertext=[weight_label(architecture, *where) for where in order],
              hovertemplate="%{hovertext}<br>click: its value and gradient<extra></extra>",
              marker={"size": 8 if crowd <= 16 else 6, "color": "#333333", "opacity": 0.45,
                      "line": {"width": 1, "color": "white"}},
              selected={"marker": {"size": 13, "color": "#000000", "opacity": 1}},
              unselected={"marker": {"opacity": 0.45}}),
    ]

    font = {"size": label_font}
    notes = [{"x": diagram.x[0] - h - 0.4, "y": y, "xref": "x2", "yref": "y2", "xanchor": "right", "text": name,
              "showarrow": False, "font": font} for name, y in zip(architecture.features, diagram.y[0])]
    named = range(1, len(sizes)) if max(sizes[1:]) <= NAMED_ROWS else [len(sizes) - 1]  # no room under small tiles
    notes += [{"x": diagram.x[layer], "y": y - h - 0.15, "xref": "x2", "yref": "y2", "yanchor": "top",
               "text": neuron_name(architecture, layer, i), "showarrow": False, "font": font}
              for layer in named for i, y in enumerate(diagram.y[layer])]
    heads = (["features", *[f"hidden {layer}" for layer in range(1, len(sizes) - 1)], "output"]
             if len(sizes) <= LONG_HEADS else ["in", *[f"h{layer}" for layer in range(1, len(sizes) - 1)], "out"])
    notes += [{"x": x, "y": diagram.top + 0.6, "xref": "x2", "yref": "y2", "yanchor": "bottom", "text": head,
               "showarrow": False, "font": {"size": label_font, "color": COLORS["grey"]}}
              for x, head in zip(diagram.x, heads)]
    notes.append({"x": 1.0, "y": 1.0, "xref": "paper", "yref": "paper", "yanchor": "bottom", "xanchor": "right",
                  "text": _caption(architecture.activation), "showarrow": False, "align": "right",
                  "font": {"size": label_font, "color": "#444444"}})

    spec = layout(x_title="x1", y_title="x2", height=height)
    top = MARGIN["t"] + 3 * max(label_font - LABEL_FONT, 0)  # the caption's three lines grow with its font
    spec.update(margin={**MARGIN, "t": top}, dragmode=False, clickmode="event+select", plot_bgcolor="white",
                legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "xanchor": "left",
                        "font": {"size": 13}})
    spec["xaxis"].update(range=[w[0], w[1]], domain=list(DATA_DOMAIN), showgrid=False, zeroline=False,
                         constrain="domain", constraintoward="left", ticks="outside")
    spec["yaxis"].update(range=[w[2], w[3]], scaleanchor="x", showgrid=False, zeroline=False, constrain="domain",
                         ticks="outside")
    hidden = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True, "constrain": "domain"}
    spec["xaxis2"] = {**hidden, "range": list(diagram.x_range), "domain": list(NET_DOMAIN), "anchor": "y2"}
    spec["yaxis2"] = {**hidden, "range": list(diagram.y_range), "anchor": "x2", "scaleanchor": "x2"}
    spec["images"] = images
    spec["annotations"] = notes
    spec.update(play_controls([], active=0, prefix="step ", frame_ms=FRAME_MS, y=CONTROLS_Y, slider_x=SLIDER_X))
    spec["meta"] = {"frames": count, "of": count}

    base = len(to_json_plotly({"data": data, "layout": spec})) + _template_bytes() + len(',"frames":[]')
    kept = _kept(frames, count, active, max_bytes - base - RESERVE)
    if len(kept) < count:
        notes.append({"x": 1.0, "y": CONTROLS_Y, "xref": "paper", "yref": "paper", "xanchor": "right",
                      "yanchor": "bottom", "showarrow": False, "font": {"size": label_font, "color": "#444444"},
                      "text": f"the animation plays {len(kept)} of {count} frames (the figure is kept under "
                              f"{max_bytes / 1000:,.0f} kB)"})
    spec["meta"] = {"frames": len(kept), "of": count}
    names = [frames.spec(k)["name"] for k in kept]
    spec.update(play_controls([(name, name) for name in names], active=kept.index(active), prefix="step ",
                              frame_ms=FRAME_MS, y=CONTROLS_Y, slider_x=SLIDER_X))
    return assemble({"data": data, "layout": spec, "frames": [frames.spec(k) for k in kept]})


# ----------------------------------------------------------------------------------------------- curves_figure
def _log_ticks(low: float, high: float) -> list[float] | None:
    """Tick values for a short log axis from ``low`` to ``high`` (> 0), at most MAX_TICKS: the powers of ten between
    them, or 1, 2, 5 times them, or every digit, the first of these with two ticks or more; None (plotly's own) when
    none has (the panel is too short for plotly's labels of every digit, which overlap)."""
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    for digits in ((1, 2, 5), (1,), range(1, 10)):
        ticks = [float(f"{d}e{k}") for k in decades for d in digits if low <= d * 10.0**k <= high]
        if 2 <= len(ticks) <= MAX_TICKS:
            return ticks
    return None


def curves_figure(study: NetworkStudy, *, step: int, height: int = CURVES_HEIGHT) -> go.Figure:
    """Training and test loss (top) and accuracy (bottom) against the step, the two panels sharing the step axis,
    and a dotted vertical line at ``step``.

    The loss axis is logarithmic when every loss (training and test) is a positive finite number, linear otherwise;
    a run that diverged says so on the figure ("diverged at step …": its last losses are not numbers and are not
    drawn). Traces: 0 training loss, 1 test loss, 2 training accuracy, 3 test accuracy, their x the recorded steps
    and their y the training's arrays as recorded (markers too when there are few records).
    """
    t = study.training
    steps = np.asarray(t.steps)
    mode = "lines" if len(steps) > FEW_RECORDS else "lines+markers"
    styles = {"training": {"color": BLUE, "width": LINE_WIDTH},
              "test": {"color": ORANGE, "width": LINE_WIDTH, "dash": "dash"}}
    data = []
    for quantity, axis, arrays in (("loss", "y", (t.losses, t.test_losses)),
                                   ("accuracy", "y2", (t.accuracies, t.test_accuracies))):
        for (name, line), values in zip(styles.items(), arrays):
            data.append(trace("scatter", x=steps, y=np.asarray(values), mode=mode, name=name, legendgroup=name,
                              showlegend=axis == "y", line=line, marker={"size": 6}, xaxis="x", yaxis=axis,
                              hovertemplate=f"{name} {quantity}<br>step %{{x}}<br>%{{y:.4f}}<extra></extra>"))
    losses = np.concatenate([t.losses, t.test_losses])
    logarithmic = bool(np.all(np.isfinite(losses)) and np.all(losses > 0))
    spec = layout(x_title="step", y_title="loss", height=height)
    spec.update(margin={"l": 70, "r": 20, "t": 34, "b": 50},
                legend={"orientation": "h", "x": 1, "y": 1.0, "xanchor": "right", "yanchor": "bottom"})
    spec["xaxis"].update(anchor="y2", range=[0, max(int(steps[-1]), 1)])
    spec["yaxis"].update(domain=[0.56, 1.0], type="log" if logarithmic else "linear", nticks=4)
    if logarithmic:
        ticks = _log_ticks(float(losses.min()), float(losses.max()))
        spec["yaxis"].update(tickformat=".2~g", **({"tickvals": ticks} if ticks else {}))
    spec["yaxis2"] = {"domain": [0.0, 0.44], "anchor": "x", "title": {"text": "accuracy"}, "range": [0, 1.04],
                      "dtick": 0.5}
    spec["shapes"] = [{"type": "line", "xref": "x", "yref": "paper", "x0": step, "x1": step, "y0": 0, "y1": 1,
                       "line": {"color": COLORS["black"], "width": 1.5, "dash": "dot"}}]
    right = step <= 0.5 * max(int(steps[-1]), 1)  # the note on the line's roomier side
    notes = [{"x": step, "y": 1.0, "xref": "x", "yref": "paper", "yanchor": "top", "xanchor": "left" if right else
              "right", "xshift": 4 if right else -4, "text": f"step {step}", "showarrow": False, "font": {"size": 13}}]
    if t.diverged_at is not None:
        notes.append({"x": 0.5, "y": 0.78, "xref": "paper", "yref": "paper", "showarrow": False,
                      "font": {"size": 14, "color": COLORS["vermillion"]},
                      "text": f"diverged at step {t.diverged_at}: the loss is no longer a finite number"})
    elif not logarithmic:
        notes.append({"x": 0.5, "y": 0.78, "xref": "paper", "yref": "paper", "showarrow": False,
                      "font": {"size": 13}, "text": "a loss is 0 or not finite: linear loss axis"})
    spec["annotations"] = notes
    return assemble({"data": data, "layout": spec})
