"""Jacobian: F: R² → R² near a point (J exact and numerical, det J, singular values, the neighbourhood under F and
under its linear map, the warp from the identity to F), and Jacobian tables of F: Rⁿ → Rᵐ (views/jacobian_table.py)."""

from functools import partial

import streamlit as st

from core.errors import ParameterError
from core.jacobian_lab import (
    DEFAULTS,
    MODES,
    PRESET_KINDS,
    RADIUS_CHOICES,
    SOURCES,
    compile_plane,
    ellipse_sentence,
    find_preset,
    gap_sentence,
    link_settings,
    picked_settings,
    plane_metrics,
    study_plane,
)
from core.plots.jacobian import gap_figure, neighbourhood_figure, warp_figure
from core.urlparams import ChoiceParam, FloatParam, IntParam, LogStepParam, TextParam
from views.common import (
    arriving_on,
    beside_figure,
    figure_tabs,
    formula_box,
    init_from_url,
    number_box,
    preset_pills,
    returning,
    show_chart,
    show_problem,
    show_problems,
    unselect,
)
from views.jacobian_table import (
    FORMULA_KEYS,
    POINT_KEYS,
    show_entries,
    show_formulas,
    show_gradient_row,
    show_jacobian_at_p,
    table_view,
)

PAGE = "jacobian"
FIGURES = ("Neighbourhood under F and J", "Warp from the identity", "Gap as r shrinks")
LABELS = {kind: tuple(p.label for p in presets) for kind, presets in PRESET_KINDS.items()}
URL = {
    "mode": ChoiceParam(DEFAULTS["mode"], MODES),
    "preset": ChoiceParam(None, LABELS["preset"]),
    "source": ChoiceParam(DEFAULTS["source"], SOURCES),
    **{key: TextParam(DEFAULTS[key]) for key in ("u", "v", "grad")},
    **{key: FloatParam(DEFAULTS[key], -1e6, 1e6) for key in POINT_KEYS},
    "r": LogStepParam(DEFAULTS["r"], RADIUS_CHOICES),
    "table_preset": ChoiceParam(None, LABELS["table_preset"]),
    "n": IntParam(DEFAULTS["n"], 1, len(POINT_KEYS)),
    "m": IntParam(DEFAULTS["m"], 1, len(FORMULA_KEYS)),
    **{key: TextParam(DEFAULTS[key]) for key in FORMULA_KEYS},
}


@st.cache_resource(max_entries=64, show_spinner="Differentiating F exactly …")  # shown past 0.5 s only
def compiled(source, u, v, grad):
    return compile_plane(source=source, u=u, v=v, grad=grad)


@st.cache_resource(max_entries=64, show_spinner=False)  # shared read-only: no copy, no rebuild for the next student
def view(source, u, v, grad, point, r):
    result = study_plane(compiled(source, u, v, grad), point=point, radius=r)
    return result, neighbourhood_figure(result), warp_figure(result), gap_figure(result)


def plane_controls(slots):
    """F's source and formulas, the point and the radius, down the narrow column beside the figure."""
    st.segmented_control("F =", SOURCES, key="source", default=DEFAULTS["source"], bind="query-params", required=True,
                         on_change=unselect, args=("preset",),
                         help="Type F's two components, or let F be the gradient map of a function f.")
    slots["source"] = st.container()
    if st.session_state.source == "∇f":
        slots["grad"] = formula_box("f(x1, x2) =  (F = ∇f = (∂f/∂x1, ∂f/∂x2))", key="grad", default=DEFAULTS["grad"],
                                    unselects="preset")
    else:
        slots["u"] = formula_box("u(x1, x2) =", key="u", default=DEFAULTS["u"], unselects="preset")
        slots["v"] = formula_box("v(x1, x2) =", key="v", default=DEFAULTS["v"], unselects="preset")
    for column, key in zip(st.columns(2), ("x1", "x2")):
        with column:
            slots[key] = number_box(f"point p: {key}", key=key, default=DEFAULTS[key], min_value=URL[key].low,
                                    max_value=URL[key].high)
    slots["point"] = st.container()
    st.select_slider("neighbourhood radius r (shrink it: F straightens into its linear map)", RADIUS_CHOICES,
                     key="r", value=DEFAULTS["r"], bind="query-params", format_func=lambda v: f"{v:g}")
    slots["r"] = st.container()


def plane_view(problems, slots, preset):
    controls_col, figure_col = beside_figure()
    with controls_col:
        plane_controls(slots)
    show_problems(slots, problems)
    state = st.session_state
    point = (float(state.x1), float(state.x2))
    settings = (state.source, state.get("u", ""), state.get("v", ""), state.get("grad", ""), point, state.r)
    try:
        result, neighbourhood, warp_chart, gap = view(*settings)
    except ParameterError as error:
        show_problem(slots.get(error.parameter, slots["point"]), str(error))
        st.stop()
    if result.domain_note:
        slots["r"].info(result.domain_note)
    with figure_col:
        near, warp_tab, gap_tab = figure_tabs(FIGURES, page=PAGE)
        if near.open:
            with near:
                show_chart(neighbourhood, name="jacobian-neighbourhood", key="neighbourhood_chart")
        if warp_tab.open:
            with warp_tab:
                st.caption("x ↦ (1 − t)·x + t·F(x) as t runs from 0 to 1, beside the same warp of the linear map "
                           "(dashed).")
                show_chart(warp_chart, name="jacobian-warp", key="warp_chart")
        if gap_tab.open:
            with gap_tab:
                st.caption(gap_sentence(result))
                show_chart(gap, name="jacobian-gap-vs-radius", key="gap_chart")
        if result.singular_note:
            st.warning(result.singular_note, icon=":material/warning:")
        if preset is not None:
            st.caption(preset.note)
        for note in result.notes:
            st.info(note)
    show_jacobian_at_p(result, one_line=True)
    for col, (label, value) in zip(st.columns(5), plane_metrics(result)):
        col.metric(label, value)
    st.markdown(ellipse_sentence(result))
    show_formulas(result)
    if result.gradient is not None:
        show_gradient_row(result.gradient, state.grad, result.point)
    show_entries(result, key="plane_entries", names=("u", "v") if result.gradient is None else ("F1", "F2"))


arriving = arriving_on(PAGE)
url_problems = init_from_url(URL, page=PAGE)
if arriving and not returning(URL, page=PAGE):  # a link, not a return from another page as the student left it
    st.session_state.update(link_settings(given=set(st.query_params), current=st.session_state))
st.title("Jacobian")
st.caption("Near a point p a differentiable map F looks like a linear map: F(x) ≈ F(p) + J·(x − p). Column j of J "
           "is where a small step along xj goes; |det J| is the factor by which F scales small areas; the singular "
           "values are the longest and shortest stretch.")
mode_col, presets_col = beside_figure()
mode_col.segmented_control("View", MODES, key="mode", default=DEFAULTS["mode"], bind="query-params", required=True,
                           help="plane: F: R² → R² drawn as a map of the plane. table: F: Rⁿ → Rᵐ (n, m ≤ 6) as its "
                                "m×n Jacobian.")
show_problem(mode_col.container(), url_problems.get("mode"))
kind = "table_preset" if st.session_state.mode == "table" else "preset"
with presets_col:
    header_slots = {kind: preset_pills("Presets", LABELS[kind], key=kind, settings=partial(picked_settings, kind=kind))}
chosen = find_preset(st.session_state[kind], presets=PRESET_KINDS[kind])
(table_view if st.session_state.mode == "table" else plane_view)(url_problems, header_slots, chosen)
