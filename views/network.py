"""Network: a small neural network trained on 2-D data — TensorFlow Playground's controls, with the calculus shown."""

import streamlit as st

from core.network_lab import (
    ACTIVATIONS,
    DATASETS,
    DEFAULT,
    FEATURES,
    MAX_POINTS,
    MAX_STEPS,
    NetworkSettings,
    frame_at,
    layers_text,
    metrics,
    parse_layers,
    weight_label,
    weight_labels,
)
from core.plots.network import clicked_weight, network_figure
from core.sgd_lab import MAX_ROWS
from core.urlparams import ChoiceParam, ChoicesParam, FloatParam, IntParam, LogStepParam, TextParam, log_steps
from views.common import (
    beside_figure,
    classroom,
    computed_or_stop,
    controls,
    init_from_url,
    show_chart,
    show_problems,
    spec_box,
)
from views.network_run import run, show_run, show_weight

RATES = log_steps(low_exponent=-4, high_exponent=1, mantissas=(1, 3))  # TensorFlow Playground's 1-3 steps
PENALTIES = ("0", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10")  # TensorFlow Playground's
PROJECTOR_FIGURE = {"height": 600, "label_font": 15}  # classroom mode: 1920×1080 has room for a taller figure
URL = {
    "data": ChoiceParam(DEFAULT.data, (*DATASETS, "upload")), "boundary": TextParam(DEFAULT.boundary),
    "features": ChoicesParam(DEFAULT.features, FEATURES), "layers": TextParam(layers_text(DEFAULT.layers)),
    "activation": ChoiceParam(DEFAULT.activation, ACTIVATIONS), "lr": LogStepParam(DEFAULT.lr, RATES),
    "steps": IntParam(DEFAULT.steps, 1, MAX_STEPS), "batch": IntParam(DEFAULT.batch, 1, MAX_ROWS),
    "n": IntParam(DEFAULT.n, 20, MAX_POINTS), "noise": FloatParam(DEFAULT.noise, 0.0, 0.5),
    "test_ratio": FloatParam(DEFAULT.test_ratio, 0.1, 0.9), "seed": IntParam(DEFAULT.seed, 0, 2**31 - 1),
    "l2": ChoiceParam("0", PENALTIES), "l1": ChoiceParam("0", PENALTIES),
    "t": IntParam(MAX_STEPS, 0, MAX_STEPS), "weight": TextParam(""), "point": IntParam(0, 0, MAX_ROWS),
}


@st.cache_resource(max_entries=32, show_spinner=False)
def picture(settings, active, large):
    return network_figure(run(settings), active=active, **(PROJECTOR_FIGURE if large else {}))


def weight_from_click():
    points = st.session_state.network_chart.selection.points
    architecture = run(st.session_state["_network_run"]).architecture  # the run the chart shows (cached)
    if points and (where := clicked_weight(architecture, points[0])) is not None:
        st.session_state.weight = weight_label(architecture, *where)


problems = init_from_url(URL, page="network")
state = st.session_state
st.title("Network")
st.caption("A small neural network learns to separate two classes: the decision surface and every neuron's output "
           "over the plane, step by step (▶). Click an edge's dot to see that weight's gradient.")
side, main = beside_figure()
with side:
    st.selectbox("dataset", (*DATASETS, "upload"), key="data", bind="query-params")
    slots = {"data": st.container()}
    if state.data == "function":
        st.text_input("boundary x2 = g(x1)", key="boundary", bind="query-params", value=URL["boundary"].default)
    slots["boundary"] = st.container()
    upload = st.file_uploader("CSV: x1, x2, label (0/1)", type="csv") if state.data == "upload" else None
    slots["upload"] = st.container()
    st.pills("features", FEATURES, selection_mode="multi", default=URL["features"].default, key="features",
             bind="query-params")
    slots["features"] = st.container()
    st.text_input("hidden layers (e.g. 4,4; 0 = none)", key="layers", bind="query-params",
                  value=URL["layers"].default, max_chars=40)
    slots["layers"] = st.container()
    st.segmented_control("activation", ACTIVATIONS, key="activation", bind="query-params",
                         default=URL["activation"].default, required=True)
    slots["activation"] = st.container()
    st.select_slider("learning rate α", options=RATES, value=URL["lr"].default, key="lr", bind="query-params",
                     format_func=lambda v: f"{v:g}")
    slots["lr"] = st.container()
    left, right = st.columns(2)
    with left:
        slots["steps"] = spec_box("steps", key="steps", spec=URL["steps"], step=100)
    with right:
        slots["batch"] = spec_box("batch size", key="batch", spec=URL["batch"])
    with controls("Data and regularisation"):
        st.slider("label noise", 0.0, 0.5, URL["noise"].default, step=0.01, key="noise", bind="query-params")
        st.slider("test share", 0.1, 0.9, URL["test_ratio"].default, step=0.05, key="test_ratio",
                  bind="query-params")
        slots["noise"], slots["test_ratio"] = st.container(), st.container()
        left, right = st.columns(2)
        with left:
            slots["n"] = spec_box("N points", key="n", spec=URL["n"], step=100)
        with right:
            slots["seed"] = spec_box("seed", key="seed", spec=URL["seed"])
        st.select_slider("L2 λ₂", options=PENALTIES, value="0", key="l2", bind="query-params")
        slots["l2"] = st.container()
        st.select_slider("L1 λ₁", options=PENALTIES, value="0", key="l1", bind="query-params")
        slots["l1"] = st.container()
show_problems(slots, problems)

if upload is not None:
    state["network_csv"] = upload.getvalue()
layers = computed_or_stop(lambda: parse_layers(state.layers), slots, formula="layers")
settings = NetworkSettings(
    data=state.data, n=int(state.n), noise=float(state.noise), seed=int(state.seed),
    csv=state.get("network_csv") if state.data == "upload" and upload is not None else None,
    boundary=state.get("boundary", DEFAULT.boundary), test_ratio=float(state.test_ratio),
    features=tuple(f for f in FEATURES if f in (state.features or ())), layers=layers,
    activation=state.activation or DEFAULT.activation, lr=float(state.lr), steps=int(state.steps),
    batch=int(state.batch), l2=float(state.l2), l1=float(state.l1),
)
with main, st.spinner("Training …"):
    study = computed_or_stop(lambda: run(settings), slots, formula="data")
for control in dict.fromkeys(cap.control for cap in study.caps):  # each reduced count, beside its control
    slots[control].info("\n\n".join(c.message for c in study.caps if c.control == control), icon=":material/speed:")
if study.diagnosis:
    slots["lr"].warning(study.diagnosis, icon=":material/warning:")
if study.dropped:
    slots["boundary"].info(f"{study.dropped} points left out where g(x1) is undefined.")
if study.sampled:
    slots["upload"].info(f"A seeded random {len(study.y_train) + len(study.y_test):,} of the file's rows are used "
                         f"({study.sampled:,} left out).", icon=":material/speed:")

if state.get("_network_run") not in (None, settings):  # a new run: show its end
    state.t = study.frame_steps[-1]
state["_network_run"] = settings
state.t = study.frame_steps[frame_at(study, int(state.t))]  # the recorded frame nearest the link's step
state.point = min(int(state.get("point", 0)), len(study.y_train) - 1)  # a link's point beyond this run's data
labels = list(weight_labels(study.architecture))
if state.get("weight") not in labels:
    state.weight = labels[0]
with main:
    for column, (label, value) in zip(st.columns(4), metrics(study, step=int(state.t))):
        column.metric(label, value)
    show_chart(picture(settings, frame_at(study, int(state.t)), classroom()), name="network", theme=None,
               key="network_chart", on_select=weight_from_click, selection_mode="points")
    step_col, weight_col = st.columns([3, 2])
    step_col.select_slider("show step", options=study.frame_steps, value=study.frame_steps[-1], key="t",
                           bind="query-params", help="The readouts, the weight below and the curves' marker follow "
                                                     "this slider; ▶ in the figure plays the training in the browser.")
    weight_col.selectbox("weight", labels, key="weight", bind="query-params")

show_weight(study, label=state.weight, step=int(state.t))
show_run(study, settings, step=int(state.t))
