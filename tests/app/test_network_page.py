"""AppTest of the Network page: the default run's numbers, the URL round trip, bad input explained beside its control,
the budget's reduced steps, a clicked weight with its gradient and its Backprop link, the Home scenarios, the step
slider."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import parse_qs

import pytest

from core.catalog import SCENARIOS
from core.network import FEATURES
from core.network_lab import (
    DEFAULT,
    NetworkSettings,
    frame_at,
    metrics,
    study_network,
    weight_detail,
    weight_labels,
)
from core.plots.network import EDGE_TRACE
from tests.app.support import chart, open_page, slot_after

PAGE = "views/network.py"
LINK = {  # every control of the page set by a link
    "data": "spiral", "features": ["x1", "sin(x1)"], "layers": "8,8", "activation": "relu", "lr": "0.03",
    "steps": "500", "batch": "20", "l2": "0.001", "noise": "0.1", "test_ratio": "0.3", "seed": "3", "n": "300",
}
LINKED = NetworkSettings(data="spiral", n=300, noise=0.1, seed=3, test_ratio=0.3, features=("x1", "sin(x1)"),
                         layers=(8, 8), activation="relu", lr=0.03, steps=500, batch=20, l2=0.001)
NETWORK_SCENARIOS = [s for s in SCENARIOS if s.url_path == "network"]


def shown(at) -> dict[str, str]:
    """The page's readouts, label → value (the four run metrics, then the weight's)."""
    return {m.label: m.value for m in at.metric}


def run_metrics(at) -> dict[str, str]:
    return {label: value for label, value in shown(at).items()
            if label in ("training loss", "test loss", "training accuracy", "test accuracy")}


def ran(at) -> NetworkSettings:
    """The settings of the run the page trained and shows (the page keeps them in its session)."""
    return at.session_state["_network_run"]


def query(params) -> dict[str, str | list[str]]:
    """(name, value) pairs of a link as AppTest's query params (a repeated name becomes a list)."""
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}


def click_edge(at, customdata) -> None:
    """What the browser sends when an edge's midpoint dot is clicked: the chart's selection, one point of the edge
    trace with the weight's (layer, i, j) in its customdata. AppTest cannot click a chart and a selection put in
    st.session_state runs no callback, so the selection goes in as the widget state the frontend would send."""
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("network_chart"))
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = chart.proto.id
    state.string_value = json.dumps({"selection": {
        "points": [{"curve_number": EDGE_TRACE, "point_number": 0, "point_index": 0, "customdata": list(customdata)}],
        "point_indices": [0], "box": [], "lasso": []}})
    at._run(states)


def check_weight_section(at, study, label: str) -> None:
    """The weight section shows ``label``'s value and gradient at the shown step, and its link to Backprop."""
    layer, i, j = weight_labels(study.architecture)[label]
    step = int(at.select_slider(key="t").value)
    detail = weight_detail(study, layer=layer, i=i, j=j, step=step, point=0)
    assert at.selectbox(key="weight").value == label
    assert any(h.value == f"The weight {label} at step {step}" for h in at.subheader)
    readouts = shown(at)
    assert readouts["w"] == f"{detail.value:.5g}"
    assert readouts["∂L/∂w (all training points)"] == f"{detail.gradient:.4g}"
    assert detail.formula is not None  # one hidden layer: every weight's chain fits the Backprop page
    (link,) = at.get("page_link")
    assert link.proto.page == "backprop"
    assert parse_qs(link.proto.query_string) == {"f": [detail.formula], "x1": [f"{detail.value:.6g}"],
                                                 "x2": [f"{detail.input:.6g}"], "wrt": ["x1"]}


# ----------------------------------------------------------------------------------------------- the default run
def test_default_view_shows_the_studys_numbers():
    at = open_page(page=PAGE)
    study = study_network(DEFAULT)
    assert ran(at) == DEFAULT
    assert run_metrics(at) == dict(metrics(study, step=study.frame_steps[-1]))  # the end of the run
    assert at.select_slider(key="t").value == study.frame_steps[-1] == DEFAULT.steps
    assert at.selectbox(key="weight").options == list(weight_labels(study.architecture))
    assert not at.error and not at.info and not at.warning  # not capped, nothing diagnosed
    assert len(at.get("plotly_chart")) == 2  # the network and the loss curves
    figure = chart(at, "network_chart")
    sizes = study.architecture.sizes  # (2, 4, 1)
    assert len(figure["layout"]["images"]) == 1 + sum(sizes)  # the decision surface and a tile per neuron
    assert [f["name"] for f in figure["frames"]] == [str(s) for s in study.frame_steps]  # every frame, by its step
    weights = figure["data"][EDGE_TRACE]
    assert weights["name"] == "weights"
    assert [tuple(c) for c in weights["customdata"]] == list(weight_labels(study.architecture).values())
    assert len(at.get("download_button")) == 3


# ----------------------------------------------------------------------------------------------- the URL
def test_a_link_sets_every_control_and_the_run():
    at = open_page(LINK, page=PAGE)
    assert at.selectbox(key="data").value == "spiral"
    assert at.button_group(key="features").value == ["x1", "sin(x1)"]
    assert at.text_input(key="layers").value == "8,8"
    assert at.button_group(key="activation").value == "relu"
    assert at.select_slider(key="lr").value == 0.03
    assert (at.number_input(key="steps").value, at.number_input(key="batch").value) == (500, 20)
    assert (at.number_input(key="n").value, at.number_input(key="seed").value) == (300, 3)
    assert (at.slider(key="noise").value, at.slider(key="test_ratio").value) == (0.1, 0.3)
    assert at.select_slider(key="l2").value == "0.001" and at.select_slider(key="l1").value == "0"
    assert ran(at) == LINKED  # exactly the link's settings trained
    study = study_network(LINKED)
    assert study.architecture.n_weights == 2 * 8 + 8 * 8 + 8
    assert len(at.selectbox(key="weight").options) == study.architecture.n_weights
    assert run_metrics(at) == dict(metrics(study, step=study.frame_steps[-1]))
    assert at.select_slider(key="t").value == 500
    assert {name: at.query_params[name] for name in LINK} == LINK  # the page keeps the link it was opened with
    # with two hidden layers after it, the first weight's chain is too long for the Backprop page: said, no link
    assert not at.get("page_link")
    assert any("longer than the 500 characters" in c.value for c in at.caption)


def test_changing_a_control_retrains_and_the_page_writes_the_url():
    at = open_page(LINK, page=PAGE)
    at.text_input(key="layers").set_value("4").run()  # the browser writes a typed value to the URL itself
    assert not at.exception
    assert ran(at) == replace(LINKED, layers=(4,))
    study = study_network(ran(at))
    assert len(at.selectbox(key="weight").options) == study.architecture.n_weights == 2 * 4 + 4
    assert run_metrics(at) == dict(metrics(study, step=500))
    at.select_slider(key="t").set_value(study.frame_steps[3]).run()
    at.number_input(key="steps").set_value(800).run()  # a new run shows its end: the slider's default, so the URL
    assert at.select_slider(key="t").value == 800 and "t" not in at.query_params  # drops t (no t: the end)
    click_edge(at, (1, 2, 0))  # what the page sets itself goes to the URL too
    assert not at.exception
    assert at.selectbox(key="weight").value == "W2 h1,3 → out" and at.query_params["weight"] == "W2 h1,3 → out"


# ----------------------------------------------------------------------------------------------- bad input
BAD = [  # link, the control whose slot explains it, what it says, whether the page goes on (with the default)
    pytest.param({"layers": "4,x"}, "layers", "'x' is not a whole number", False, id="layers 4,x"),
    pytest.param({"layers": "9"}, "layers", "Each hidden layer has 1 to 8 neurons; got 9", False, id="layers 9"),
    pytest.param({"layers": "1,1,1,1,1,1,1"}, "layers", "At most 6 hidden layers; got 7", False, id="7 layers"),
    pytest.param({"data": "function", "boundary": "x1^"}, "boundary", "The formula ends too early", False,
                 id="boundary x1^"),
    pytest.param({"features": ""}, "features", "Choose at least one input feature", False, id="no features"),
    pytest.param({"lr": "1e9"}, "lr", "Link parameter lr='1e9' is outside 0.0001 … 10; using the default 0.3",
                 True, id="lr 1e9"),
    pytest.param({"steps": "0"}, "steps", "Link parameter steps='0' is outside 1 … 100000; using the default 2000",
                 True, id="steps 0"),
]


@pytest.mark.parametrize(("link", "control", "message", "goes_on"), BAD)
def test_bad_input_is_explained_beside_its_control(link, control, message, goes_on):
    at = open_page(link, page=PAGE)
    assert not at.exception
    assert message in slot_after(at, control)
    assert len(at.error) == 1  # that one message, nothing else (no fallback "something went wrong")
    if goes_on:  # the refused value is replaced by the default: the default run, all of it
        assert ran(at) == DEFAULT
        study = study_network(DEFAULT)
        assert run_metrics(at) == dict(metrics(study, step=DEFAULT.steps))
        assert len(at.get("plotly_chart")) == 2
    else:  # the page stops cleanly at the control: no run, no figure, no readouts, no weight section
        assert "_network_run" not in at.session_state
        assert not at.get("plotly_chart") and not at.metric and not at.subheader
        assert not at.get("download_button")


def test_a_typed_bad_layers_stops_the_page_and_a_good_one_brings_it_back():
    at = open_page(page=PAGE)
    at.text_input(key="layers").set_value("4,x").run()
    assert not at.exception and "'x' is not a whole number" in slot_after(at, "layers")
    assert not at.get("plotly_chart") and not at.metric
    at.text_input(key="layers").set_value("4,4").run()
    assert not at.exception and not at.error
    assert ran(at).layers == (4, 4) and len(at.get("plotly_chart")) == 2


# ----------------------------------------------------------------------------------------------- the budget
def test_heavy_settings_run_fewer_steps_and_say_so_beside_the_steps():
    link = {"layers": "8,8,8,8,8,8", "features": list(FEATURES), "steps": "100000", "batch": "1"}
    at = open_page(link, page=PAGE)
    assert not at.exception and not at.error
    settings = NetworkSettings(features=FEATURES, layers=(8,) * 6, steps=100_000, batch=1)
    assert ran(at) == settings
    study = study_network(settings)
    trained = next(c for c in study.caps if c.requested == 100_000)  # T (the frames and records ask for fewer)
    assert trained.allowed < 100_000
    said = slot_after(at, "steps")
    assert f"T reduced from 100,000 to {trained.allowed:,}" in said
    assert said == "\n\n".join(c.message for c in study.caps if c.control == "steps")
    assert at.number_input(key="steps").value == 100_000  # the box keeps what the student typed; the page what ran
    assert at.select_slider(key="t").value == study.frame_steps[-1] == trained.allowed
    assert run_metrics(at) == dict(metrics(study, step=trained.allowed))


# ----------------------------------------------------------------------------------------------- a clicked weight
def test_a_click_on_an_edge_shows_that_weights_gradient_and_its_backprop_link():
    at = open_page(page=PAGE)
    study = study_network(DEFAULT)
    check_weight_section(at, study, "W1 x1 → h1,1")  # the first weight until one is clicked
    clicked = chart(at, "network_chart")["data"][EDGE_TRACE]["customdata"][6]  # the dot a student clicks
    assert clicked == [0, 1, 2]
    click_edge(at, clicked)  # from x2 to the third neuron of the hidden layer
    assert not at.exception
    check_weight_section(at, study, "W1 x2 → h1,3")
    at.run()  # the choice stays on the next run
    check_weight_section(at, study, "W1 x2 → h1,3")


def test_the_weight_box_and_the_step_pick_the_weight_shown():
    at = open_page({"t": "1000"}, page=PAGE)
    study = study_network(DEFAULT)
    at.selectbox(key="weight").set_value("W2 h1,2 → out").run()
    assert not at.exception
    assert at.select_slider(key="t").value == 1030  # 1000 is not a recorded frame: the nearest is
    check_weight_section(at, study, "W2 h1,2 → out")
    assert run_metrics(at) == dict(metrics(study, step=1030))


def test_a_click_elsewhere_keeps_the_weight():
    at = open_page({"weight": "W1 x2 → h1,4"}, page=PAGE)
    study = study_network(DEFAULT)
    check_weight_section(at, study, "W1 x2 → h1,4")
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("network_chart"))
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = chart.proto.id
    state.string_value = json.dumps({"selection": {"points": [{"curve_number": EDGE_TRACE + 1, "point_number": 0,
                                                               "point_index": 0, "x": 0.1, "y": 0.2}],
                                                   "point_indices": [0], "box": [], "lasso": []}})
    at._run(states)
    assert not at.exception
    check_weight_section(at, study, "W1 x2 → h1,4")


# ----------------------------------------------------------------------------------------------- Home's scenarios
def test_home_lists_the_network_scenarios():
    assert len(NETWORK_SCENARIOS) == 4


def expected_settings(params) -> NetworkSettings:
    values = query(params)
    converted = {"data": values.get("data", DEFAULT.data), "lr": float(values.get("lr", DEFAULT.lr)),
                 "steps": int(values.get("steps", DEFAULT.steps))}
    if "layers" in values:
        converted["layers"] = tuple(int(w) for w in values["layers"].split(",") if w != "0")
    if "features" in values:
        converted["features"] = tuple(f for f in FEATURES if f in values["features"])
    for name, kind in (("n", int), ("batch", int), ("noise", float), ("activation", str)):
        if name in values:
            converted[name] = kind(values[name])
    return NetworkSettings(**converted)


@pytest.mark.parametrize("scenario", NETWORK_SCENARIOS, ids=[s.title for s in NETWORK_SCENARIOS])
def test_each_scenario_opens_and_shows_what_its_blurb_names(scenario):
    at = open_page(query(scenario.params), page=PAGE)
    assert not at.exception and not at.error
    settings = expected_settings(scenario.params)
    assert ran(at) == settings  # what the blurb describes is what ran
    study = study_network(settings)
    numbers = run_metrics(at)
    assert numbers == dict(metrics(study, step=settings.steps))  # the end of the run
    test_accuracy = float(numbers["test accuracy"])
    diagnosis = slot_after(at, "lr")
    if settings.layers == () and settings.data == "xor":  # logistic regression on xor: near chance
        assert test_accuracy < 0.7 and float(numbers["training accuracy"]) < 0.7
        at.text_input(key="layers").set_value("4").run()  # "Type 4 as the hidden layers": it bends the boundary
        assert not at.exception and float(run_metrics(at)["test accuracy"]) > 0.9
    elif settings.data == "spiral":  # squares and sines let two layers of 8 wind around the arms
        assert test_accuracy > 0.85
    elif "Over-fitting" in scenario.title:
        assert diagnosis.startswith("Over-fitting: the test loss was lowest at step")
        assert float(numbers["training loss"]) < 0.05 and float(numbers["test loss"]) > 1
    elif settings.activation == "relu":
        assert "ReLU units are dead" in diagnosis
        assert diagnosis == study.diagnosis
    else:
        pytest.fail(f"no check for the scenario {scenario.title!r}")


# ----------------------------------------------------------------------------------------------- the step slider
def test_the_step_slider_offers_the_frames_and_a_link_snaps_to_the_nearest():
    at = open_page({"t": "777"}, page=PAGE)
    study = study_network(DEFAULT)
    slider = at.select_slider(key="t")
    assert slider.options == [str(step) for step in study.frame_steps]
    nearest = study.frame_steps[frame_at(study, 777)]
    assert nearest == min(study.frame_steps, key=lambda s: abs(s - 777)) == 770
    assert slider.value == nearest
    assert run_metrics(at) == dict(metrics(study, step=nearest))
    at.run()  # Streamlit drops the refused 777 from the URL on the first run and writes the snapped step on the next
    assert at.query_params["t"] == str(nearest) and at.select_slider(key="t").value == nearest
    assert any(h.value.endswith(f"at step {nearest}") for h in at.subheader)
    figure = chart(at, "network_chart")  # the figure's slider stands at that frame
    assert figure["layout"]["sliders"][0]["steps"][figure["layout"]["sliders"][0]["active"]]["label"] == "770"
    at.select_slider(key="t").set_value(study.frame_steps[0]).run()
    assert not at.exception and run_metrics(at) == dict(metrics(study, step=0))
