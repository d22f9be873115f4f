"""The Network page's figures: built from plain specs (core.plots.style.assemble skips plotly.py's checks), they are
exactly what plotly.py's full validation makes of them, frames included and through the projector styling; their
pictures, edges and clickable weights say what the run's numbers say; and the animated figure stays under 300 KB at
the largest network."""

from __future__ import annotations

import base64
import json
import struct
import zlib

import numpy as np
import plotly.io as pio
import pytest

from core.network_lab import FEATURES, NetworkSettings, neuron_name, study_network, weight_label
from core.plots.network import (
    BLUE,
    EDGE_TRACE,
    EDGE_WIDTHS,
    GREY,
    MAX_BYTES,
    ORANGE,
    clicked_weight,
    curves_figure,
    edge_widths,
    network_figure,
    weight_order,
)
from core.plots.raster import UNDEFINED
from core.plots.style import projector
from tests.test_figure_specs import validated

WORST = NetworkSettings(layers=(8,) * 6, features=FEATURES, steps=2000)  # 7 features, 6 × 8 hidden, 40 frames
DIVERGED = NetworkSettings(activation="linear", lr=10.0, layers=(4, 4))  # θ is no longer finite at step 10
FIRST_EDGE = 5  # traces 0–3 the points, 4 the tiles' borders


@pytest.fixture(scope="module")
def default():
    return study_network(NetworkSettings())


@pytest.fixture(scope="module")
def worst():
    return study_network(WORST)


@pytest.fixture(scope="module")
def diverged():
    study = study_network(DIVERGED)
    assert study.training.diverged_at is not None
    return study


def sent(figure) -> dict:
    return json.loads(pio.to_json(figure))


def with_types(spec: dict) -> dict:
    """Frames send only what changes; plotly.js takes a frame trace's type from the drawn trace it updates, and
    plotly.py's validation fills in scatter, which must then be that trace's type."""
    for frame in spec.get("frames", []):
        for index, data in zip(frame["traces"], frame["data"]):
            data.setdefault("type", spec["data"][index]["type"])
    return spec


def values(array) -> np.ndarray:
    """A plotted array as sent: a typed array's spec ({"dtype", "bdata"}) or a plain list (None for a gap)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).astype(float)
    return np.array([np.nan if v is None else v for v in array], dtype=float)


def pixels(source: str) -> np.ndarray:
    """The RGB pixels (rows, columns, 3) of a data-URI PNG as these figures write them: 8-bit palette, no filter."""
    png = base64.b64decode(source.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(png):
        (length,), kind = struct.unpack(">I", png[at: at + 4]), png[at + 4: at + 8]
        chunks[kind] = chunks.get(kind, b"") + png[at + 8: at + 8 + length]
        at += 12 + length
    columns, rows, depth, color_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color_type) == (8, 3)
    palette = np.frombuffer(chunks[b"PLTE"], dtype=np.uint8).reshape(-1, 3)
    scanlines = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(rows, columns + 1)
    assert (scanlines[:, 0] == 0).all()
    return palette[scanlines[:, 1:]]


def edges_at(spec: dict, data: list[dict]) -> dict[tuple, int]:
    """Which edge trace draws each segment (x0, y0, x1, y1) of a frame's (or the figure's) edge traces' data."""
    where = {}
    for offset, trace in enumerate(data):
        x, y = values(trace["x"]).reshape(-1, 3), values(trace["y"]).reshape(-1, 3)
        for (x0, x1, _), (y0, y1, _) in zip(x, y):
            assert (x0, y0, x1, y1) not in where
            where[(x0, y0, x1, y1)] = FIRST_EDGE + offset
    return where


def tile_boxes(study, spec: dict) -> dict[tuple[int, int], dict]:
    """Each neuron's layout image by (layer, i): after the surface, the hidden layers' and the output's, then the
    features'."""
    sizes = study.architecture.sizes
    order = [(layer, i) for layer in range(1, len(sizes)) for i in range(sizes[layer])]
    order += [(0, i) for i in range(sizes[0])]
    return dict(zip(order, spec["layout"]["images"][1:]))


def segment(boxes, layer: int, i: int, j: int) -> tuple:
    """The edge from neuron i of ``layer`` to neuron j of the next, from tile border to tile border."""
    a, b = boxes[(layer, i)], boxes[(layer + 1, j)]
    return (a["x"] + a["sizex"], a["y"] - a["sizey"] / 2, b["x"], b["y"] - b["sizey"] / 2)


# ----------------------------------------------------------------------------------------------- the specs
@pytest.mark.parametrize("case", ["default", "diverged", "worst"])
def test_network_figures_survive_full_validation_unchanged(case, request):
    study = request.getfixturevalue(case)
    for figure in (network_figure(study, active=len(study.frames) - 1),
                   curves_figure(study, step=study.frame_steps[0])):
        assert with_types(sent(figure)) == with_types(validated(figure))
        styled = projector(figure)
        assert with_types(sent(styled)) == with_types(validated(styled))


def test_one_frame_per_recorded_frame_named_by_its_step(default):
    active = 7
    spec = sent(network_figure(default, active=active))
    names = [str(s) for s in default.frame_steps]
    assert [frame["name"] for frame in spec["frames"]] == names
    slider = spec["layout"]["sliders"][0]
    assert [step["args"][0] for step in slider["steps"]] == [[name] for name in names]
    assert slider["active"] == active
    assert spec["layout"]["meta"] == {"frames": len(names), "of": len(names)}
    for button in spec["layout"]["updatemenus"][0]["buttons"]:  # played without redraw: the pictures stay drawn
        assert button["args"][1]["frame"]["redraw"] is False


def test_an_image_per_neuron_and_the_surface_and_frames_replace_all_but_the_features(worst):
    spec = sent(network_figure(worst, active=0))
    sizes = worst.architecture.sizes
    assert len(spec["layout"]["images"]) == 1 + sum(sizes)
    surface = spec["layout"]["images"][0]
    w = worst.window
    assert (surface["xref"], surface["x"], surface["y"], surface["sizex"]) == ("x", w[0], w[3], w[1] - w[0])
    for frame in spec["frames"]:
        assert len(frame["layout"]["images"]) == 1 + sum(sizes[1:])
        assert 0 in frame["traces"]  # see network_figure: a frame must touch the data's subplot to keep its points
    assert len(pixels(tile_boxes(worst, spec)[(1, 0)]["source"])) == 16


@pytest.mark.parametrize("active", [0, 13, 39])
def test_the_figure_opens_on_the_active_frame(default, active):
    spec = sent(network_figure(default, active=active))
    frame = spec["frames"][active]
    assert frame["name"] == str(default.frame_steps[active])
    shown = [image["source"] for image in spec["layout"]["images"][: len(frame["layout"]["images"])]]
    assert shown == [image["source"] for image in frame["layout"]["images"]]
    for index, data in zip(frame["traces"], frame["data"]):
        for axis in data:
            assert values(spec["data"][index][axis]).tolist() == pytest.approx(values(data[axis]).tolist(),
                                                                               nan_ok=True)
    other = spec["frames"][(active + 20) % 40]  # training changes the pictures
    assert other["layout"]["images"][0]["source"] != frame["layout"]["images"][0]["source"]


# ----------------------------------------------------------------------------------------------- the edges
@pytest.mark.parametrize("k", [0, 20, 39])
def test_each_edge_shows_its_weights_sign_and_its_width_grows_with_its_size(worst, k):
    figure = network_figure(worst, active=k, max_bytes=10**7)  # every frame
    spec = sent(figure)
    architecture = worst.architecture
    frame = spec["frames"][k]
    edge_traces = [index for index in frame["traces"] if index >= FIRST_EDGE]
    assert edge_traces == list(range(FIRST_EDGE, EDGE_TRACE))
    drawn = edges_at(spec, frame["data"][1:])
    boxes = tile_boxes(worst, spec)
    weights = architecture.unflatten(worst.training.thetas[worst.frames[k]]).weights
    sizes, widths = [], []
    for layer, i, j in weight_order(architecture):
        trace = spec["data"][drawn.pop(segment(boxes, layer, i, j))]
        w = weights[layer][i, j]
        assert trace["line"]["color"] == (BLUE if w > 0 else ORANGE)
        sizes.append(abs(w))
        widths.append(trace["line"]["width"])
    assert not drawn  # every segment drawn is a weight's, once
    by_size = np.array(widths)[np.argsort(sizes)]
    assert (np.diff(by_size) >= 0).all() and set(widths) <= set(edge_widths(architecture.sizes))
    assert by_size[0] >= EDGE_WIDTHS[0]  # the smallest weight still shows


def test_widths_compare_across_frames(default):
    """The widths are |w| over the run's largest |w|: the same |w| has the same width in every frame, and the weight
    that is the run's largest is drawn at the widest."""
    spec = sent(network_figure(default, active=0))
    architecture = default.architecture
    boxes = tile_boxes(default, spec)
    thetas = default.training.thetas[default.frames]
    order = weight_order(architecture)
    indices = [architecture.weight_index(*where) for where in order]
    k, e = np.unravel_index(np.argmax(np.abs(thetas[:, indices])), (len(thetas), len(indices)))
    drawn = edges_at(spec, spec["frames"][k]["data"][1:])
    assert spec["data"][drawn[segment(boxes, *order[e])]]["line"]["width"] == edge_widths(architecture.sizes)[-1]


def test_crowded_columns_get_thinner_edges():
    assert edge_widths((2, 4, 1)) == EDGE_WIDTHS
    crowded = edge_widths((7, 8, 8, 1))
    assert crowded[0] == EDGE_WIDTHS[0] and crowded[-1] < EDGE_WIDTHS[-1] and list(crowded) == sorted(set(crowded))


def test_a_diverged_run_draws_grey_and_raises_nothing(diverged):
    last = len(diverged.frames) - 1
    spec = sent(network_figure(diverged, active=last))
    surface = pixels(spec["layout"]["images"][0]["source"])
    assert not np.isfinite(diverged.surfaces[last]).any()
    assert (surface == UNDEFINED).all()
    boxes = tile_boxes(diverged, spec)
    assert (pixels(boxes[(3, 0)]["source"]) == UNDEFINED).all()  # the output
    assert not (pixels(boxes[(0, 0)]["source"]) == UNDEFINED).all(axis=2).any()  # the features are still numbers
    theta = diverged.training.thetas[diverged.frames[last]]
    weights = np.concatenate([w.ravel() for w in diverged.architecture.unflatten(theta).weights])
    grey = spec["data"][EDGE_TRACE - 1]
    assert grey["line"]["color"] == GREY
    assert len(values(grey["x"])) == 3 * int(np.count_nonzero(~np.isfinite(weights) | (weights == 0)))
    curves = sent(curves_figure(diverged, step=diverged.frame_steps[last]))
    assert curves["layout"]["yaxis"]["type"] == "linear"
    assert any("diverged" in note["text"] for note in curves["layout"]["annotations"])


# ----------------------------------------------------------------------------------------------- clicking a weight
def test_the_clickable_trace_names_every_weight_once(worst):
    spec = sent(network_figure(worst, active=0))
    architecture = worst.architecture
    weights = spec["data"][EDGE_TRACE]
    assert EDGE_TRACE == len(spec["data"]) - 1 and weights["name"] == "weights"
    order = weight_order(architecture)
    assert [tuple(c) for c in weights["customdata"]] == order
    assert len(set(order)) == architecture.n_weights
    positions = sorted(architecture.weight_index(*c) for c in weights["customdata"])
    assert positions == [p for start, stop in architecture.offsets() for p in range(start, stop)]
    assert weights["hovertext"] == [weight_label(architecture, *where) for where in order]
    assert weights["hovertext"][0] == f"W1 {neuron_name(architecture, 0, 0)} → h1,1"
    boxes = tile_boxes(worst, spec)
    bx, by = values(weights["x"]), values(weights["y"])
    for k, where in enumerate(order):  # each marker lies on its own edge, between its ends
        x0, y0, x1, y1 = segment(boxes, *where)
        assert x0 < bx[k] < x1
        assert by[k] == pytest.approx(y0 + (bx[k] - x0) / (x1 - x0) * (y1 - y0), abs=1e-4)
    assert len(set(zip(bx.tolist(), by.tolist()))) == len(order)  # no two markers on top of each other


def test_clicked_weight_reads_a_selection_point(default):
    architecture = default.architecture
    order = weight_order(architecture)
    assert clicked_weight(architecture, {"curve_number": EDGE_TRACE, "point_index": 5,
                                         "customdata": list(order[5])}) == order[5]
    assert clicked_weight(architecture, {"curve_number": EDGE_TRACE, "point_index": 7}) == order[7]
    assert clicked_weight(architecture, {"curve_number": EDGE_TRACE, "point_number": 2}) == order[2]
    assert clicked_weight(architecture, {"curve_number": 0, "point_index": 1, "customdata": [0, 0, 0]}) is None
    assert clicked_weight(architecture, {"curve_number": EDGE_TRACE, "customdata": [5, 0, 0]}) is None
    assert clicked_weight(architecture, {"curve_number": EDGE_TRACE, "point_index": len(order)}) is None


# ----------------------------------------------------------------------------------------------- the pictures
def test_the_surface_is_blue_where_p_is_near_1_and_orange_where_near_0(default):
    active = len(default.frames) - 1
    spec = sent(network_figure(default, active=active))
    image = pixels(spec["layout"]["images"][0]["source"]).astype(int)
    p = default.surfaces[active]
    rows, columns = image.shape[:2]
    factor = (rows - 1) // (p.shape[0] - 1)
    for target, blue in ((p.max(), True), (p.min(), False)):
        r, c = np.argwhere(p == target)[0]
        red, _, bluish = image[rows - 1 - factor * r, factor * c]
        assert (bluish > red + 100) if blue else (red > bluish + 100), (target, red, bluish)
    assert p.max() > 0.95 and p.min() < 0.05
    boundary = (image == (34, 34, 34)).all(axis=2)  # p = 0.5 is drawn dark
    assert boundary.any() and boundary.mean() < 0.1


def test_a_tanh_tile_is_blue_where_the_neuron_is_near_1(default):
    spec = sent(network_figure(default, active=len(default.frames) - 1))
    tile = default.tiles[1][-1, 0]  # neuron h1,1 at the last frame, rows along x2
    image = pixels(tile_boxes(default, spec)[(1, 0)]["source"]).astype(int)
    for target, blue in ((tile.max(), True), (tile.min(), False)):
        r, c = np.argwhere(tile == target)[0]
        red, _, bluish = image[15 - r, c]
        assert abs(target) > 0.8
        assert (bluish > red + 100) if blue else (red > bluish + 100)


# ----------------------------------------------------------------------------------------------- size
def test_the_largest_network_stays_under_300_kb_and_says_what_it_dropped(worst):
    active = 17
    figure = network_figure(worst, active=active)
    size = len(figure.to_json())
    print(f"worst settings: {size:,} bytes, {len(figure.frames)} of {len(worst.frames)} frames")
    assert size <= MAX_BYTES
    assert len(projector(figure).to_json()) <= MAX_BYTES
    spec = sent(figure)
    kept = [worst.frame_steps.index(int(frame["name"])) for frame in spec["frames"]]
    assert active in kept and kept[0] == 0 and kept[-1] == len(worst.frames) - 1 and len(kept) >= 5
    evenly = set(np.linspace(0, len(worst.frames) - 1, len(kept)).round().astype(int).tolist())
    assert set(kept) - {active} <= evenly  # evenly spaced, the active one in place of its nearest
    assert spec["layout"]["sliders"][0]["active"] == kept.index(active)
    assert spec["layout"]["meta"] == {"frames": len(kept), "of": len(worst.frames)}
    assert any(f"{len(kept)} of {len(worst.frames)} frames" in note["text"] for note in spec["layout"]["annotations"])


def test_the_default_network_is_small_with_every_frame(default):
    figure = network_figure(default, active=0)
    size = len(figure.to_json())
    print(f"default settings: {size:,} bytes")
    assert len(figure.frames) == len(default.frames) and size < 200_000
    assert not any("frames" in note["text"] for note in sent(figure)["layout"]["annotations"])


def test_a_tighter_bound_keeps_fewer_frames(default):
    figure = network_figure(default, active=3, max_bytes=100_000)
    assert len(figure.to_json()) <= 100_000 and 3 <= len(figure.frames) < len(default.frames)


def test_projector_keeps_the_pictures(default):
    figure = network_figure(default, active=5)
    styled = sent(projector(figure))
    assert styled["layout"]["images"] == sent(figure)["layout"]["images"]
    assert [f["layout"] for f in styled["frames"]] == [f["layout"] for f in sent(figure)["frames"]]
    assert styled["data"][FIRST_EDGE]["line"]["width"] > EDGE_WIDTHS[0]
    assert 440 <= figure.layout.height <= 560  # on the first screen beside the page's controls


def test_a_frame_index_outside_the_run_is_refused(default):
    with pytest.raises(ValueError, match="active"):
        network_figure(default, active=len(default.frames))


# ----------------------------------------------------------------------------------------------- curves
def test_curves_are_the_training_record(default):
    step = default.frame_steps[10]
    spec = sent(curves_figure(default, step=step))
    t = default.training
    expected = (t.losses, t.test_losses, t.accuracies, t.test_accuracies)
    assert [d["yaxis"] for d in spec["data"]] == ["y", "y", "y2", "y2"]
    for data, array in zip(spec["data"], expected):
        assert values(data["x"]).tolist() == t.steps.tolist()
        assert values(data["y"]) == pytest.approx(array)
    assert spec["layout"]["yaxis"]["type"] == "log"
    line = spec["layout"]["shapes"][0]
    assert line["x0"] == line["x1"] == step and (line["y0"], line["y1"]) == (0, 1)
    assert spec["layout"]["xaxis"]["anchor"] == "y2"  # one step axis under both panels
