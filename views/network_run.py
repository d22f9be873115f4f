"""The Network page's sections under its figure (not a page of their own): a weight's value, gradient and chain rule
at the shown step, with the link to the Backprop page; the loss, the curves and the exports."""

import streamlit as st

from core.network_lab import (
    NetworkSettings,
    NetworkStudy,
    loss_latex,
    run_csv,
    settings_json,
    study_network,
    update_latex,
    weight_detail,
    weight_labels,
    weights_json,
)
from core.plots.network import curves_figure
from views.common import link_to_page, show_chart


@st.cache_resource(max_entries=16, show_spinner=False)  # shared read-only: the next student's same run is free
def run(settings):
    return study_network(settings)


@st.cache_resource(max_entries=64, show_spinner=False)  # a backprop pass over the training set: once per weight
def detail_of(settings, layer, i, j, step, point):
    return weight_detail(run(settings), layer=layer, i=i, j=j, step=step, point=point)


def show_weight(study: NetworkStudy, *, label: str, step: int) -> None:
    """The weight named ``label`` (core.network_lab.weight_labels) at the recorded step nearest ``step``: w, ∂L/∂w,
    SGD's rule with its numbers, the chain at a chosen training point, and the Backprop page's link."""
    st.subheader(f"The weight {label} at step {step}")
    layer, i, j = weight_labels(study.architecture)[label]
    point = int(st.session_state.get("point", 0))  # the page keeps it within the training points
    detail = detail_of(study.settings, layer, i, j, step, point)
    value_col, grad_col, point_col = st.columns(3)
    value_col.metric("w", f"{detail.value:.5g}")
    grad_col.metric("∂L/∂w (all training points)", f"{detail.gradient:.4g}")
    point_col.number_input("chain at training point #", 0, len(study.y_train) - 1, key="point", bind="query-params",
                           value=0)
    for line in update_latex(study, detail):
        st.latex(line)
    st.markdown(f"**The chain rule at point #{detail.point}** x = ({detail.x[0]:.3f}, {detail.x[1]:.3f}), "
                f"y = {detail.label}: ∂ℓ/∂w = {detail.point_gradient:.4g}")
    for line in detail.latex:
        st.latex(line)
    if detail.formula is not None:
        link_to_page("backprop", label="Follow this chain on the Backprop page (x1 = w, x2 = its input)",
                     icon=":material/account_tree:",
                     query_params={"f": detail.formula, "x1": f"{detail.value:.6g}", "x2": f"{detail.input:.6g}",
                                   "wrt": "x1"})
    else:
        st.caption(detail.formula_note)


def show_run(study: NetworkStudy, settings: NetworkSettings, *, step: int) -> None:
    """The objective in LaTeX, the loss and accuracy curves with ``step`` marked, and the three downloads."""
    st.latex(loss_latex(study))
    st.subheader("Loss and accuracy")
    show_chart(curves_figure(study, step=step), name="network-curves", theme=None, key="curves")
    run_col, settings_col, weights_col = st.columns(3)
    run_col.download_button("The run (CSV)", run_csv(study), file_name="gradient-lab-network-run.csv",
                            mime="text/csv", icon=":material/download:")
    settings_col.download_button("The settings (JSON)", settings_json(settings),
                                 file_name="gradient-lab-network-settings.json", mime="application/json",
                                 icon=":material/download:")
    weights_col.download_button(f"The weights at step {step} (JSON)",
                                weights_json(study, step=step), file_name="gradient-lab-network-weights.json",
                                mime="application/json", icon=":material/download:")
