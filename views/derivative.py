"""Derivative: f(x), a point, a step h and a stencil; the tangent, the secant as h → 0, and error against h."""

import streamlit as st

from core.derivative_lab import METHODS, PRESETS, STEP_CHOICES, study_derivative
from core.expressions import MAX_LENGTH
from core.plots.derivative import error_figure, tangent_figure
from core.presentation import complex_step_sentence, headline_latex, number, study_table, trend_sentence
from core.urlparams import ChoiceParam, FloatParam, LogStepParam, RangeParam, TextParam
from views.common import beside_figure, computed_or_stop, controls, figure_tabs, init_from_url, show_chart, show_problem

URL = {
    "f": TextParam("(x+2)(x-6)"),
    "x0": FloatParam(5.0, -1e6, 1e6),
    "h": LogStepParam(1e-6, STEP_CHOICES),
    "method": ChoiceParam("central", METHODS),
    "x_range": RangeParam((-8.0, 12.0), -50.0, 50.0),
}


@st.cache_resource(max_entries=64, show_spinner=False)  # shared read-only: no copy, no rebuild for the next student
def view(f, x0, h, method, x_range):
    result = study_derivative(f, x0=x0, h=h, method=method, x_range=x_range)
    return result, tangent_figure(result, x_range=x_range), error_figure(result)


def follow_slider():
    st.session_state.x0 = st.session_state.x0_slider


def load_preset():
    preset = next(p for p in PRESETS if p.label == st.session_state.preset)
    st.session_state.f, st.session_state.x0 = preset.formula, preset.x0


url_problems = init_from_url(URL, page="derivative")
st.title("Derivative")
st.caption("The derivative is the slope of the tangent. "
           "A finite difference estimates it with a secant through nearby points.")
side, main = beside_figure()
with side:
    st.text_input("f(x) =", URL["f"].default, key="f", bind="query-params", max_chars=MAX_LENGTH)
    f_slot = st.container()
    st.number_input("x0", URL["x0"].low, URL["x0"].high, value=URL["x0"].default, key="x0", bind="query-params",
                    step=0.1, format="%.4g")
    x0_slot = st.container()
    x_range = st.session_state.get("x_range", URL["x_range"].default)
    st.session_state.x0_slider = min(max(float(st.session_state.x0), x_range[0]), x_range[1])  # follows the box
    st.slider("drag x0", *x_range, step=0.01, key="x0_slider", on_change=follow_slider)
    st.select_slider("step h", options=STEP_CHOICES, value=URL["h"].default, key="h", bind="query-params",
                     format_func=lambda v: f"{v:.0e}")
    h_slot = st.container()
    st.segmented_control("method", METHODS, default=URL["method"].default, key="method", bind="query-params",
                         required=True)
    method_slot = st.container()
    metrics_slot = st.container()
    with controls("Presets"):
        st.pills("Presets", [p.label for p in PRESETS], key="preset", on_change=load_preset)
    with controls("Plot range"):
        x_range = st.slider("plot range", -50.0, 50.0, URL["x_range"].default, step=0.5, key="x_range",
                            bind="query-params")
        range_slot = st.container()
for name, slot in {"f": f_slot, "x0": x0_slot, "h": h_slot, "method": method_slot, "x_range": range_slot}.items():
    show_problem(slot, url_problems.get(name))

result, tangent, errors = computed_or_stop(
    lambda: view(st.session_state.f, float(st.session_state.x0), st.session_state.h, st.session_state.method, x_range),
    {"f": f_slot, "x0": x0_slot, "h": h_slot, "method": method_slot})

chosen = result.estimate(result.method)
cols = metrics_slot.columns(2) * 2
cols[0].metric("f(x0)", number(result.fx0))
cols[1].metric("exact f′(x0)", number(result.exact))
cols[2].metric(f"{result.method} estimate", number(chosen.value))
cols[3].metric("absolute error", number(chosen.abs_error, digits=2, scientific=True))
with main:
    st.latex(headline_latex(result))
    tangent_tab, error_tab = figure_tabs(("Tangent and secant", "Error against step h"), page="derivative")
    if tangent_tab.open:
        with tangent_tab:
            show_chart(tangent, name="derivative-tangent", key="tangent_chart")
    if error_tab.open:
        with error_tab:
            st.caption("Truncation error shrinks like hᵖ as h falls; round-off grows like ε/h. "
                       "Each star is a method's best step.")
            show_chart(errors, name="derivative-error-vs-step", key="error_chart")
            st.markdown(complex_step_sentence(result))
            st.dataframe(study_table(result), hide_index=True, width="stretch")
st.markdown(trend_sentence(result))
for note in result.notes:
    st.warning(note)
st.latex(result.formula_latex)
