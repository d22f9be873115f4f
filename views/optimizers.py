"""Optimizers: GD, momentum, Nesterov, AdaGrad, RMSProp, Adam and Newton race from one start on one surface."""

import streamlit as st

from core.gradient_lab import Window
from core.optimizer_text import quadratic_sentence, race_rows, run_warnings, step_latex
from core.optimizers import LABELS, METHODS
from core.optimizers_lab import (
    DEFAULT_METHODS,
    DEFAULT_STEPS,
    MAX_STEPS,
    NEWTON_RATES,
    OPTION_CONTROLS,
    PRESETS,
    RATES,
    known_surface,
    method_options,
    preset_settings,
    runs_for,
    step_detail,
    study_race,
)
from core.plots.optimizers import loss_figure, race_figure
from core.urlparams import ChoiceParam, ChoicesParam, FloatParam, IntParam, LogStepParam, RangeParam, TextParam
from views.common import (
    beside_figure,
    computed_or_stop,
    controls,
    figure_tabs,
    formula_box,
    init_from_url,
    number_box,
    preset_pills,
    show_chart,
    show_problems,
    spec_box,
)
from views.optimizers_tuning import show_tuning

ROSENBROCK = PRESETS[0]
NAMES = tuple(LABELS[m] for m in METHODS)  # a bound button group writes its options' labels into the URL
METHOD_OF = {LABELS[m]: m for m in METHODS}
URL = {
    "f": TextParam(ROSENBROCK.formula), "x1": FloatParam(ROSENBROCK.start[0], -1e6, 1e6),
    "x2": FloatParam(ROSENBROCK.start[1], -1e6, 1e6), "x1_range": RangeParam((-2.0, 2.0), -100.0, 100.0),
    "x2_range": RangeParam((-1.0, 3.0), -100.0, 100.0), "steps": IntParam(DEFAULT_STEPS, 1, MAX_STEPS),
    "methods": ChoicesParam(tuple(LABELS[m] for m in DEFAULT_METHODS), NAMES),
    **{f"lr_{m}": LogStepParam(ROSENBROCK.rates[m], NEWTON_RATES if m == "newton" else RATES) for m in METHODS},
    **{name: FloatParam(default, 0.0, 0.999) for name, (_, default, _) in OPTION_CONTROLS.items()},
    "inspect": ChoiceParam("Adam", NAMES), "t": IntParam(10, 1, MAX_STEPS),
}


@st.cache_resource(max_entries=32, show_spinner=False)  # shared read-only: the next student's same view is free
def race(f, start, window, runs, steps):
    surface = known_surface(f)
    return study_race(f, start=start, window=window, runs=runs, steps=steps,
                      minima=surface.minima if surface else (), minimum=surface.minimum if surface else None)


@st.cache_resource(max_entries=32, show_spinner=False)
def contour(settings, inspect, t):
    result = race(*settings)
    return race_figure(result, detail=step_detail(result, inspect, t))


def start_from_click():
    points = st.session_state.race_chart.selection.points
    if points:
        st.session_state.update(x1=round(points[0]["x"], 3), x2=round(points[0]["y"], 3))


problems = init_from_url(URL, page="optimizers")
state = st.session_state
st.title("Optimizers")
st.caption("Every chosen method starts from the same point with its own learning rate; ▶ plays the race. "
           "Click the contour to start somewhere else.")
side, main = beside_figure()
with side:
    slots = {"f": formula_box("f(x1, x2) =", key="f", default=URL["f"].default, unselects="surface")}
    slots["surface"] = preset_pills("Surfaces", [p.label for p in PRESETS], key="surface", settings=preset_settings,
                                    bind=False)
    left, right = st.columns(2)
    with left:
        slots["x1"] = spec_box("start x1", key="x1", spec=URL["x1"])
    with right:
        slots["x2"] = spec_box("start x2", key="x2", spec=URL["x2"])
    st.pills("methods", NAMES, selection_mode="multi", default=URL["methods"].default, key="methods",
             bind="query-params")
    slots["methods"] = st.container()
    slots["steps"] = spec_box("steps", key="steps", spec=URL["steps"], step=100)
    chosen = [METHOD_OF[name] for name in NAMES if name in state.methods]
    with controls("Learning rates"):
        for m in chosen:
            st.select_slider(f"lr · {LABELS[m]}", options=URL[f"lr_{m}"].options, value=URL[f"lr_{m}"].default,
                             key=f"lr_{m}", bind="query-params", format_func=lambda v: f"{v:g}")
            slots[f"lr_{m}"] = st.container()
    with controls("Method options"):
        for name, (label, default, users) in OPTION_CONTROLS.items():
            if any(m in chosen for m in users):
                slots[name] = number_box(label, key=name, default=default, min_value=0.0, max_value=0.999,
                                         step=0.01, format="%.3g")
with st.expander("View window", expanded=False):
    a, b = st.columns(2)
    a.slider("x1 range", -100.0, 100.0, URL["x1_range"].default, step=0.5, key="x1_range", bind="query-params")
    b.slider("x2 range", -100.0, 100.0, URL["x2_range"].default, step=0.5, key="x2_range", bind="query-params")
    slots["x1_range"], slots["x2_range"] = a.container(), b.container()
show_problems(slots, problems)

options = method_options({name: state[name] for name in OPTION_CONTROLS if name in state})
runs = computed_or_stop(lambda: runs_for(chosen, {m: state[f"lr_{m}"] for m in chosen}, options), slots)
settings = (state.f, (float(state.x1), float(state.x2)), Window(*state.x1_range, *state.x2_range), runs,
            int(state.steps))
with main, st.spinner("Racing …"):
    result = computed_or_stop(lambda: race(*settings), slots)

for cap in result.caps:
    slots["steps"].info(cap.message, icon=":material/speed:")
for method, text in run_warnings(result):
    slots[f"lr_{method}"].warning(text, icon=":material/warning:")
shown = [p.label for p in result.trajectories]
if state.get("inspect") not in shown:  # a method no longer in the race: inspect the first one
    state.inspect = shown[0]
with main:
    race_tab, loss_tab, tune_tab = figure_tabs(["Race", "f against the step", "Tune learning rates"], page="optimizers")
    if race_tab.open:
        with race_tab:
            chart_slot = st.container()
            pick, step = st.columns([3, 2])
            pick.segmented_control("inspect the update of", shown, key="inspect", bind="query-params",
                                   default=URL["inspect"].default if URL["inspect"].default in shown else shown[0],
                                   required=True)
            step.number_input("at step t", 1, MAX_STEPS, key="t", bind="query-params", value=URL["t"].default)
            inspect = METHOD_OF[state.inspect]
            with chart_slot:
                show_chart(contour(settings, inspect, int(state.t)), name="optimizers-race", theme=None,
                           key="race_chart", on_select=start_from_click, selection_mode="points")
            if (detail := step_detail(result, inspect, int(state.t))) is not None:
                st.markdown(f"**{LABELS[inspect]}, step {detail.t}** (PyTorch's rule, with this step's numbers)")
                for line in step_latex(detail):
                    st.latex(line)
            for note in result.trajectory(inspect).notes:
                st.warning(note, icon=":material/warning:")
    if loss_tab.open:
        with loss_tab:
            show_chart(loss_figure(result), name="optimizers-loss", theme=None, key="loss_chart")
    if tune_tab.open:
        with tune_tab:
            show_tuning(result, f=state.f, options=options)

if (surface := known_surface(state.f)) is not None:
    st.caption(surface.story)
if sentence := quadratic_sentence(result):
    st.info(sentence, icon=":material/functions:")
st.dataframe(race_rows(result), hide_index=True, width="stretch",
             column_config={name: st.column_config.NumberColumn(format=form) for name, form in
                            (("lr", "%g"), ("f", "%.4g"), ("f − f*", "%.3e"), ("x1", "%.4f"), ("x2", "%.4f"))})
