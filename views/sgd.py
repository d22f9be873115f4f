"""SGD: logistic regression trained live; the descent over the loss surface, linked to the data by one slider."""

import numpy as np
import streamlit as st

from core.errors import ParameterError
from core.plots.sgd import curves_figure, descent_figure, spread_figure
from core.presentation import sgd_readouts
from core.sgd_lab import DATASETS, MAX_ROWS, OPTIMIZERS, STARTS, SgdSettings, history_csv, run_sgd, settings_json
from core.urlparams import BoolParam, ChoiceParam, FloatParam, IntParam, LogStepParam, log_steps
from views.common import beside_figure, controls, init_from_url, show_chart, show_problem

RATES = log_steps(low_exponent=-3, high_exponent=2)
CHECK_TOLERANCE = 1e-6  # the bar for analytic against finite-difference gradients
URL = {
    "data": ChoiceParam("tutorial", (*DATASETS, "upload")),
    "n": IntParam(2000, 100, MAX_ROWS),
    "noise": FloatParam(0.0, 0.0, 0.5),
    "seed": IntParam(0, 0, 2**31 - 1),
    "optimizer": ChoiceParam("gd", OPTIMIZERS),
    "lr": LogStepParam(2.0, RATES),
    "steps": IntParam(500, 1, 100_000),
    "batch": IntParam(1, 1, MAX_ROWS),
    "bias": BoolParam(False),
    "start": ChoiceParam("random", STARTS),
    "b1": FloatParam(-8.0, -1e3, 1e3),
    "b2": FloatParam(8.0, -1e3, 1e3),
}
# A bound choice's shown text (format_func's) is what Streamlit writes into the URL: show the URL words, say more aside.
START_CAPTIONS = {"random": "U(−10, 10)² from the seed", "typed": "below, or a click on the loss surface"}
OPTIMIZER_HELP = ("gd: the tutorial's plain SGD. momentum, nesterov, adagrad, rmsprop, adam: PyTorch's rules and "
                  "defaults on the same mini-batches, from the same seed.")


@st.cache_resource(max_entries=16, show_spinner=False)  # shared read-only: no copy, no rebuild for the next student
def train(settings):
    return run_sgd(settings)


@st.cache_resource(max_entries=16, show_spinner=False)
def figures(settings):
    result = train(settings)
    descent = descent_figure(result, rng=np.random.default_rng(settings.seed))
    return descent, curves_figure(result), spread_figure(result)


def start_from_click():
    points = st.session_state.descent.selection.points
    if points and points[0].get("curve_number", 0) == 0:
        st.session_state.update(start="typed", b1=round(points[0]["x"], 3), b2=round(points[0]["y"], 3))


def number(label, name, low, high, **options):
    """A number box bound to the URL parameter ``name``; returns the slot under it (for its problem or cap)."""
    st.number_input(label, low, high, URL[name].default, key=name, bind="query-params", **options)
    return st.container()


problems = init_from_url(URL, page="sgd")
st.title("SGD: logistic regression")
st.caption("Each step moves β against the gradient of one point's loss (or a mini-batch's): the path over the loss "
           "surface and the decision boundary on the data, step by step. Click the loss surface to start there.")
slots = {}
controls_col, figure_col = beside_figure()
with controls_col:
    st.selectbox("dataset", (*DATASETS, "upload"), index=0, key="data", bind="query-params")
    slots["data"] = st.container()
    upload = None
    if st.session_state.data == "upload":
        upload = st.file_uploader("CSV: x1, x2, label (0/1)", type="csv", key="csv_file")
    slots["upload"] = st.container()
    st.selectbox("optimizer", OPTIMIZERS, index=0, key="optimizer", bind="query-params", help=OPTIMIZER_HELP)
    slots["optimizer"] = st.container()
    st.select_slider("learning rate α", options=RATES, value=URL["lr"].default, key="lr", bind="query-params",
                     format_func=lambda v: f"{v:g}")
    slots["lr"] = st.container()
    slots["steps"] = number("steps T", "steps", 1, 100_000)
    slots["batch"] = number("batch size (1 = SGD, N = full batch)", "batch", 1, MAX_ROWS)
    with controls("Data options"):
        slots["n"] = number("N points", "n", 100, MAX_ROWS, step=100)
        st.slider("label noise", 0.0, 0.5, URL["noise"].default, step=0.01, key="noise", bind="query-params")
        slots["noise"] = st.container()
        slots["seed"] = number("seed", "seed", 0, 2**31 - 1)
        st.toggle("bias term", URL["bias"].default, key="bias", bind="query-params")
        slots["bias"] = st.container()
    with controls("Start β0"):
        st.radio("start β0", STARTS, index=0, key="start", bind="query-params",
                 captions=[START_CAPTIONS[s] for s in STARTS])
        slots["start"] = st.container()
        typed = st.session_state.start == "typed"
        left, right = st.columns(2)
        with left:
            slots["b1"] = number("β0 (1)", "b1", -1e3, 1e3, disabled=not typed)
        with right:
            slots["b2"] = number("β0 (2)", "b2", -1e3, 1e3, disabled=not typed)
for name, message in problems.items():
    show_problem(slots[name], message)

if upload is not None:
    st.session_state["csv_candidate"] = upload.getvalue()
state = st.session_state
settings = SgdSettings(
    data=state.data, n=int(state.n), noise=float(state.noise), seed=int(state.seed),
    csv=state.get("csv_candidate"), lr=float(state.lr), steps=int(state.steps), batch=int(state.batch),
    bias=bool(state.bias), start=state.start, b1=float(state.b1), b2=float(state.b2), optimizer=state.optimizer,
)
try:
    with figure_col, st.spinner("Training …"):
        result = train(settings)
    if settings.data == "upload":
        st.session_state["csv_good"] = settings.csv
except ParameterError as error:
    show_problem(slots.get(error.parameter, slots["data"]), str(error))
    if error.parameter != "upload" or st.session_state.get("csv_good") is None:
        st.stop()
    slots["upload"].info("Showing the last file that was read correctly.")
    settings = SgdSettings(**{**settings.__dict__, "csv": st.session_state["csv_good"]})
    result = train(settings)

for control in dict.fromkeys(cap.control for cap in result.caps):  # each reduced count, beside its control
    slots[control].info("\n\n".join(cap.message for cap in result.caps if cap.control == control),
                        icon=":material/speed:")
if result.diagnosis:
    title = "Diverged" if result.history.diverged_at is not None else "Learning rate too high"
    slots["lr"].error(f"**{title}**: {result.diagnosis}")
readouts = sgd_readouts(result, tolerance=CHECK_TOLERANCE)
descent, curves, spread = figures(settings)
with figure_col:
    for col, (label, value) in zip(st.columns(len(readouts.metrics)), readouts.metrics):
        col.metric(label, value)
    show_chart(descent, name="sgd-descent", theme=None, key="descent", on_select=start_from_click,
               selection_mode="points")
st.latex(readouts.update_rule)
(st.success if readouts.check_passed else st.warning)(readouts.check)
left, right = st.columns(2)
left.subheader("Loss and accuracy")
with left:
    show_chart(curves, name="sgd-loss-accuracy", key="curves")
right.subheader(f"Mini-batch gradients (B = {result.batch_size}) at the final β")
with right:
    show_chart(spread, name="sgd-minibatch-gradients", key="spread")
right.caption(readouts.spread)

export_csv, export_json, _ = st.columns([1, 1, 2])
export_csv.download_button("Download the run (CSV)", history_csv(result), file_name="gradient-lab-sgd-run.csv",
                           mime="text/csv", icon=":material/download:")
export_json.download_button("Download the settings (JSON)", settings_json(settings),
                            file_name="gradient-lab-sgd-settings.json", mime="application/json",
                            icon=":material/download:")
