"""Optimizers: GD, momentum, Nesterov, AdaGrad, RMSProp, Adam and Newton race from one start on one surface."""

import streamlit as st

from core.errors import ParameterError
from core.expressions import ExpressionError
from core.gradient_lab import Window
from core.optimizer_text import quadratic_sentence, race_rows, step_latex
from core.optimizers import LABELS, METHODS
from core.optimizers_lab import (DEFAULT_METHODS, DEFAULT_STEPS, MAX_STEPS, NEWTON_RATES, PRESETS, RATES,
                                 known_surface, runs_for, step_detail, study_race, tune_rates)
from core.plots.optimizers import loss_figure, race_figure, tuning_figure
from core.urlparams import ChoiceParam, ChoicesParam, FloatParam, IntParam, LogStepParam, RangeParam, TextParam
from views.common import (beside_figure, controls, figure_tabs, formula_box, init_from_url, number_box,
                          preset_pills, show_chart, show_problem, show_problems)

ROSENBROCK = PRESETS[0]
OPTIONS = {"momentum": ("momentum μ (Momentum, Nesterov)", 0.9), "alpha": ("RMSProp's α", 0.99),
           "beta1": ("Adam's β1", 0.9), "beta2": ("Adam's β2", 0.999)}
URL = {
    "f": TextParam(ROSENBROCK.formula), "x1": FloatParam(ROSENBROCK.start[0], -1e6, 1e6),
    "x2": FloatParam(ROSENBROCK.start[1], -1e6, 1e6), "x1_range": RangeParam((-2.0, 2.0), -100.0, 100.0),
    "x2_range": RangeParam((-1.0, 3.0), -100.0, 100.0), "steps": IntParam(DEFAULT_STEPS, 1, MAX_STEPS),
    "methods": ChoicesParam(DEFAULT_METHODS, METHODS),
    **{f"lr_{m}": LogStepParam(ROSENBROCK.rates[m], NEWTON_RATES if m == "newton" else RATES) for m in METHODS},
    **{name: FloatParam(default, 0.0, 0.999) for name, (_, default) in OPTIONS.items()},
    "inspect": ChoiceParam("adam", METHODS), "t": IntParam(10, 1, MAX_STEPS),
}


@st.cache_resource(max_entries=32, show_spinner=False)  # shared read-only: the next student's same view is free
def race(f, start, window, runs, steps):
    surface = known_surface(f)
    return study_race(f, start=start, window=window, runs=runs, steps=steps,
                      minima=surface.minima if surface else (), minimum=surface.minimum if surface else None)


@st.cache_resource(max_entries=32, show_spinner=False)
def contour(settings, inspect, t):
    result = race(*settings)
    shown = inspect if inspect in {p.method for p in result.trajectories} else result.trajectories[0].method
    return race_figure(result, detail=step_detail(result, shown, t))


@st.cache_resource(max_entries=16, show_spinner=False)
def tuning(f, start, methods, steps, options):
    return tune_rates(f, start=start, methods=methods, steps=steps, options=dict(options))


def preset(label):
    chosen = next((p for p in PRESETS if p.label == label), None)
    if chosen is None:
        return {}
    w = chosen.window
    return {"f": chosen.formula, "x1": chosen.start[0], "x2": chosen.start[1], "x1_range": (w.x1_low, w.x1_high),
            "x2_range": (w.x2_low, w.x2_high), **{f"lr_{m}": chosen.rates[m] for m in METHODS}}


def start_from_click():
    points = st.session_state.race_chart.selection.points
    if points:
        st.session_state.update(x1=round(points[0]["x"], 3), x2=round(points[0]["y"], 3))


def use_best(result):
    st.session_state.update({f"lr_{m}": best for m, best in zip(result.methods, result.best) if best is not None})


problems = init_from_url(URL, page="optimizers")
state = st.session_state
st.title("Optimizers")
st.caption("Every chosen method starts from the same point with its own learning rate; ▶ plays the race. "
           "Click the contour to start somewhere else.")
side, main = beside_figure()
with side:
    slots = {"f": formula_box("f(x1, x2) =", key="f", default=URL["f"].default, unselects="surface")}
    slots["surface"] = preset_pills("Surfaces", [p.label for p in PRESETS], key="surface", settings=preset, bind=False)
    left, right = st.columns(2)
    with left:
        slots["x1"] = number_box("start x1", key="x1", default=URL["x1"].default)
    with right:
        slots["x2"] = number_box("start x2", key="x2", default=URL["x2"].default)
    st.pills("methods", METHODS, selection_mode="multi", default=DEFAULT_METHODS, format_func=LABELS.get,
             key="methods", bind="query-params")
    slots["methods"] = st.container()
    slots["steps"] = number_box("steps", key="steps", default=DEFAULT_STEPS, min_value=1, max_value=MAX_STEPS,
                                step=100, format="%d")
    with controls("Learning rates"):
        for m in (m for m in METHODS if m in state.methods):
            st.select_slider(f"lr · {LABELS[m]}", options=URL[f"lr_{m}"].options, value=URL[f"lr_{m}"].default,
                             key=f"lr_{m}", bind="query-params", format_func=lambda v: f"{v:g}")
            slots[f"lr_{m}"] = st.container()
    with controls("Method options"):
        for name, (label, default) in OPTIONS.items():
            slots[name] = number_box(label, key=name, default=default, min_value=0.0, max_value=0.999, step=0.01,
                                     format="%.3g")
with st.expander("View window", expanded=False):
    a, b = st.columns(2)
    a.slider("x1 range", -100.0, 100.0, URL["x1_range"].default, step=0.5, key="x1_range", bind="query-params")
    b.slider("x2 range", -100.0, 100.0, URL["x2_range"].default, step=0.5, key="x2_range", bind="query-params")
    slots["x1_range"], slots["x2_range"] = a.container(), b.container()
show_problems(slots, problems)

options = {"momentum": (("momentum", float(state.momentum)),), "nesterov": (("momentum", float(state.momentum)),),
           "rmsprop": (("alpha", float(state.alpha)),), "adam": (("betas", (float(state.beta1), float(state.beta2))),)}
start = (float(state.x1), float(state.x2))
try:
    runs = runs_for(state.methods, {m: state[f"lr_{m}"] for m in state.methods}, options)
    settings = (state.f, start, Window(*state.x1_range, *state.x2_range), runs, int(state.steps))
    with main, st.spinner("Racing …"):
        result = race(*settings)
except ExpressionError as error:
    show_problem(slots["f"], str(error))
    st.stop()
except ParameterError as error:
    show_problem(slots.get(error.parameter, slots["f"]), str(error))
    st.stop()

for cap in result.caps:
    slots["steps"].info(cap.message, icon=":material/speed:")
for path in result.trajectories:
    if path.reason:
        slots[f"lr_{path.method}"].warning(f"**{path.label} stopped at step {path.diverged_at}**: {path.reason}.")
surface = known_surface(state.f)
race_tab, loss_tab, tune_tab = figure_tabs(["Race", "f against the step", "Tune learning rates"], page="optimizers")
with main:
    if race_tab.open:
        with race_tab:
            shown = [p.method for p in result.trajectories]
            pick, step = st.columns([3, 2])
            pick.segmented_control("inspect the update of", shown, format_func=LABELS.get, key="inspect",
                                   bind="query-params", default=URL["inspect"].default)
            step.number_input("at step t", 1, max(result.steps, 1), key="t", bind="query-params", value=10)
            inspect = state.inspect if state.inspect in shown else shown[0]
            show_chart(contour(settings, inspect, int(state.t)), name="optimizers-race", theme=None,
                       key="race_chart", on_select=start_from_click, selection_mode="points")
    if loss_tab.open:
        with loss_tab:
            show_chart(loss_figure(result), name="optimizers-loss", theme=None, key="loss_chart")
    if tune_tab.open:
        with tune_tab:
            methods = tuple(p.method for p in result.trajectories)
            tuned = tuning(state.f, start, methods, result.steps, tuple((m, options.get(m, ())) for m in methods))
            st.button("Use the best rates", on_click=use_best, args=(tuned,), icon=":material/tune:", type="primary")
            for cap in tuned.caps:
                st.info(cap.message, icon=":material/speed:")
            quadratic = result.quadratic
            show_chart(tuning_figure(tuned, minimum=surface.minimum if surface else None,
                                     stable_lr=quadratic.stable_lr if quadratic else None,
                                     momentum_lr=quadratic.momentum_lr if quadratic else None),
                       name="optimizers-tuning", theme=None, key="tuning_chart")
            st.caption(f"Each method ran {tuned.steps} steps from the same start at every rate of its grid; the star "
                       "is its lowest final f (ties go to the run that got there sooner).")

if race_tab.open:
    detail = step_detail(result, inspect, int(state.t))
    st.markdown(f"**{LABELS[inspect]}, step {detail.t}** (PyTorch's rule, with this step's numbers)")
    for line in step_latex(detail):
        st.latex(line)
    for note in result.trajectory(inspect).notes:
        st.warning(note, icon=":material/warning:")
if surface is not None:
    st.caption(surface.story)
sentence = quadratic_sentence(result)
if sentence:
    st.info(sentence, icon=":material/functions:")
st.dataframe(race_rows(result), hide_index=True, width="stretch",
             column_config={"lr": st.column_config.NumberColumn(format="%g"),
                            "f": st.column_config.NumberColumn(format="%.4g"),
                            "f − f*": st.column_config.NumberColumn(format="%.3e"),
                            "x1": st.column_config.NumberColumn(format="%.4f"),
                            "x2": st.column_config.NumberColumn(format="%.4f")})
