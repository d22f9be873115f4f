"""Backprop: a typed f(x1, x2) as a computational graph, its forward values and backward adjoints step by step,
colah's sum over paths, and how computers differentiate the same f, side by side."""

import streamlit as st

from core.backprop_lab import (
    PRESETS,
    VARIABLES,
    format_number,
    preset_settings,
    readouts,
    study_backprop,
    why_reverse_mode,
)
from core.plots.backprop import graph_figure
from core.urlparams import ChoiceParam, FloatParam, TextParam
from views.common import (
    beside_figure,
    computed_or_stop,
    formula_box,
    init_from_url,
    preset_pills,
    show_chart,
    show_problems,
    spec_box,
)

URL = {
    "f": TextParam(PRESETS[0].formula),
    "x1": FloatParam(PRESETS[0].x1, -1e6, 1e6),
    "x2": FloatParam(PRESETS[0].x2, -1e6, 1e6),
    "wrt": ChoiceParam("x2", VARIABLES),
}


@st.cache_resource(max_entries=64, show_spinner=False)  # shared read-only: the next student's same view is free
def study(f, x1, x2):
    return study_backprop(f, x1=x1, x2=x2)


@st.cache_resource(max_entries=64, show_spinner=False)
def figure(f, x1, x2):
    return graph_figure(study(f, x1, x2))


problems = init_from_url(URL, page="backprop")
state = st.session_state
st.title("Backprop")
st.caption("The forward pass computes every node's value v, inputs first; the backward pass sends ā = ∂f/∂v back "
           "along each edge times its local derivative ∂, output first, and sums (+=) where a node feeds several "
           "others. ▶ walks both passes.")
side, main = beside_figure()
with side:
    slots = {"f": formula_box("f(x1, x2) =", key="f", default=URL["f"].default, unselects="backprop_preset")}
    left, right = st.columns(2)
    with left:
        slots["x1"] = spec_box("x1", key="x1", spec=URL["x1"])
    with right:
        slots["x2"] = spec_box("x2", key="x2", spec=URL["x2"])
    metrics_slot = st.container()
    slots["backprop_preset"] = preset_pills("Presets", [p.label for p in PRESETS], key="backprop_preset",
                                            settings=preset_settings, bind=False)
show_problems(slots, problems)

settings = (state.f, float(state.x1), float(state.x2))
with main, st.spinner("Differentiating f …"):
    result = computed_or_stop(lambda: study(*settings), slots)
for message in result.problems:
    slots["f"].warning(f"Outside the domain: {message}. What depends on it is not a number (nan or ∞).",
                       icon=":material/warning:")
if result.exact_note:
    slots["f"].warning(result.exact_note, icon=":material/warning:")
for label, value, note in readouts(result):
    metrics_slot.metric(label, value)
    if note:
        metrics_slot.caption(f"{label.split(' ')[0]}: {note}")

with main:
    if result.drawable:
        show_chart(figure(*settings), name="backprop-graph", theme=None, key="backprop_chart")
    else:
        st.info(result.too_large, icon=":material/info:")
        st.dataframe([{"node": n.text, "value": format_number(result.values[n.index]),
                       "adjoint": format_number(result.adjoints[n.index])} for n in result.graph.nodes],
                     hide_index=True, width="stretch")

st.subheader("colah's view: the chain rule summed over paths")
wrt = st.segmented_control("paths from", VARIABLES, key="wrt", bind="query-params", default=URL["wrt"].default)
chosen = result.path_sums[VARIABLES.index(wrt or URL["wrt"].default)]
for path in chosen.paths:
    route = " → ".join(result.graph.nodes[i].text for i in path.nodes)
    factors = " · ".join(format_number(v) for v in path.factors)
    st.markdown(f"- {route}: {factors} = **{format_number(path.product)}**")
if chosen.count > len(chosen.paths):
    st.markdown(f"… and {chosen.count - len(chosen.paths)} more paths; the backward pass sums them all without "
                "listing them.")
st.markdown(f"Sum over {chosen.count} path(s): ∂f/∂{chosen.variable} = **{format_number(chosen.total)}**"
            f" — the backward pass gives {format_number(result.gradient[VARIABLES.index(chosen.variable)])}.")

st.subheader("How computers differentiate")
st.dataframe([{"method": r.method, "∂f/∂x1": format_number(r.d1), "∂f/∂x2": format_number(r.d2),
               "error": "—" if r.error is None else f"{r.error:.1e}", "cost": r.cost} for r in result.methods],
             hide_index=True, width="stretch")
st.markdown(why_reverse_mode())
