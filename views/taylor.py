"""Taylor: f's Taylor polynomials around x0 up to order n, the remainder against the distance with its slope n + 1,
the radius of convergence, and x0 sliding along the curve."""

import streamlit as st

from core.plots.taylor import polynomials_figure, remainder_figure
from core.taylor_lab import (
    MAX_ORDER,
    PRESETS,
    coefficient_rows,
    polynomial_latex,
    preset_settings,
    radius_sentences,
    readouts,
    remainder_sentence,
    study_taylor,
    taylor_series,
)
from core.urlparams import FloatParam, IntParam, RangeParam, TextParam
from views.common import (
    beside_figure,
    computed_or_stop,
    controls,
    figure_tabs,
    formula_box,
    init_from_url,
    preset_pills,
    show_chart,
    show_problems,
    spec_box,
)

URL = {
    "f": TextParam("e^x"),
    "x0": FloatParam(0.0, -1e6, 1e6),
    "order": IntParam(4, 0, MAX_ORDER),
    "x_range": RangeParam((-3.0, 3.0), -50.0, 50.0),
}


@st.cache_resource(max_entries=32, show_spinner=False)  # the derivatives do not depend on x0: moving it is free
def series(f, order):
    return taylor_series(f, order=order)


@st.cache_resource(max_entries=64, show_spinner=False)  # shared read-only: the next student's same view is free
def study(f, order, x0, x_range):
    return study_taylor(series(f, order), x0=x0, x_range=x_range)


@st.cache_resource(max_entries=64, show_spinner=False)
def polynomials(*settings):
    return polynomials_figure(study(*settings))


@st.cache_resource(max_entries=32, show_spinner=False)
def remainder(*settings):
    return remainder_figure(study(*settings))


def move_x0():
    points = st.session_state.taylor_chart.selection.points
    if points:
        st.session_state.x0 = round(points[0]["x"], 3)


problems = init_from_url(URL, page="taylor")
state = st.session_state
st.title("Taylor")
st.caption("Pₙ matches f and its first n derivatives at x0: f⁽ᵏ⁾(x0)/k! is the coefficient of (x − x0)ᵏ. "
           "It follows f only within the radius of convergence. Click a curve to move x0; ▶ slides it.")
side, main = beside_figure()
with side:
    slots = {"f": formula_box("f(x) =", key="f", default=URL["f"].default, unselects="taylor_preset")}
    slots["x0"] = spec_box("x0", key="x0", spec=URL["x0"])
    st.slider("order n", 0, MAX_ORDER, value=URL["order"].default, key="order", bind="query-params")
    slots["order"] = st.container()
    metrics_slot = st.container()
    slots["taylor_preset"] = preset_pills("Presets", [p.label for p in PRESETS], key="taylor_preset",
                                          settings=preset_settings, bind=False)
    with controls("Plot range"):
        st.slider("plot range", -50.0, 50.0, URL["x_range"].default, step=0.5, key="x_range", bind="query-params")
        slots["x_range"] = st.container()
show_problems(slots, problems)

settings = (state.f, int(state.order), float(state.x0), tuple(state.x_range))
with main, st.spinner("Differentiating f …"):
    result = computed_or_stop(lambda: study(*settings), slots)
for note in result.notes:
    slots[note.control].warning(note.message, icon=":material/warning:")
for column, (label, value) in zip(metrics_slot.columns(2), readouts(result)):
    column.metric(label, value)

with main:
    polynomial_tab, remainder_tab = figure_tabs(["Polynomials", "Remainder against distance"], page="taylor")
    if polynomial_tab.open:
        with polynomial_tab:
            show_chart(polynomials(*settings), name="taylor-polynomials", theme=None, key="taylor_chart",
                       on_select=move_x0, selection_mode="points")
    if remainder_tab.open:
        with remainder_tab:
            show_chart(remainder(*settings), name="taylor-remainder", theme=None, key="remainder_chart")
            st.caption(remainder_sentence(result))
st.latex(polynomial_latex(result))
for sentence in radius_sentences(result):
    st.markdown(sentence)
st.dataframe(coefficient_rows(result), hide_index=True, width="stretch")
