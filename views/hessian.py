"""Hessian: f(x1, x2) at a point: H exact and by differences, its eigenvectors as curvature axes, the second-derivative
test, the quadratic model over f's contour, slices along a turning direction, and the gap shrinking like r³."""

import streamlit as st

from core.errors import ParameterError
from core.gradient_lab import Window
from core.hessian_lab import (
    PRESETS,
    compile_hessian,
    find_preset,
    gap_sentence,
    preset_settings,
    readouts,
    study_hessian,
)
from core.plots.hessian import contour_figure, gap_figure, slice_figure
from core.urlparams import FloatParam, RangeParam, TextParam
from views.common import (
    beside_figure,
    figure_tabs,
    formula_box,
    init_from_url,
    number_box,
    preset_pills,
    show_chart,
    show_problem,
    show_problems,
)

PAGE = "hessian"
DEFAULT = PRESETS[0]
FIGURES = ("Curvature axes and quadratic model", "Slices along a direction", "Gap as r shrinks")
URL = {
    "f": TextParam(DEFAULT.formula),
    "x1": FloatParam(DEFAULT.point[0], -1e6, 1e6),
    "x2": FloatParam(DEFAULT.point[1], -1e6, 1e6),
    "x1_range": RangeParam((DEFAULT.window.x1_low, DEFAULT.window.x1_high), -100.0, 100.0),
    "x2_range": RangeParam((DEFAULT.window.x2_low, DEFAULT.window.x2_high), -100.0, 100.0),
}


@st.cache_resource(max_entries=64, show_spinner="Differentiating f twice …")  # shown past 0.5 s only
def compiled(f):
    return compile_hessian(f)


@st.cache_resource(max_entries=64, show_spinner=False)  # shared read-only: the next student's same view is free
def study(f, point, window):
    return study_hessian(compiled(f), point=point, window=window)


@st.cache_resource(max_entries=64, show_spinner=False)
def contour(f, point, window):
    return contour_figure(study(f, point, window))


@st.cache_resource(max_entries=16, show_spinner=False)
def slices(f, point, window):
    return slice_figure(study(f, point, window))


@st.cache_resource(max_entries=16, show_spinner=False)
def gaps(f, point, window):
    return gap_figure(study(f, point, window))


def move_point():
    points = st.session_state.hessian_chart.selection.points
    if points:
        st.session_state.update(x1=round(points[0]["x"], 4), x2=round(points[0]["y"], 4))


problems = init_from_url(URL, page=PAGE)
state = st.session_state
st.title("Hessian")
st.caption("H holds the second partial derivatives: how the slope itself changes. Its eigenvectors are the directions "
           "of most and least curvature, its eigenvalues that curvature; where ∇f = 0 their signs decide minimum, "
           "maximum or saddle. Click the contour to move the point.")
side, main = beside_figure()
with side:
    slots = {"f": formula_box("f(x1, x2) =", key="f", default=URL["f"].default, unselects="hessian_preset")}
    for column, key in zip(st.columns(2), ("x1", "x2")):
        with column:
            slots[key] = number_box(key, key=key, default=URL[key].default)
    metrics_slot, verdict_slot = st.container(), st.container()
    slots["hessian_preset"] = preset_pills("Presets", [p.label for p in PRESETS], key="hessian_preset",
                                           settings=preset_settings, bind=False)
with st.expander("View window", expanded=False):
    for column, key, label in zip(st.columns(2), ("x1_range", "x2_range"), ("x1 range (horizontal)",
                                                                          "x2 range (vertical)")):
        column.slider(label, -100.0, 100.0, URL[key].default, step=0.5, key=key, bind="query-params")
        slots[key] = column.container()
slots["window"] = slots["x1_range"]
show_problems(slots, problems)

settings = (state.f, (float(state.x1), float(state.x2)), Window(*state.x1_range, *state.x2_range))
try:
    with main:
        result = study(*settings)
except ParameterError as error:
    show_problem(slots.get(error.parameter, slots["f"]), str(error))
    st.stop()

text = readouts(result)
for column, (label, value) in zip(metrics_slot.columns(2) * 2, text.metrics):
    column.metric(label, value)
verdict_slot.info(result.curvature.sentence, icon=":material/blur_circular:")
with main:
    st.latex(text.function)
    axes_tab, slice_tab, gap_tab = figure_tabs(FIGURES, page=PAGE)
    if axes_tab.open:
        with axes_tab:
            show_chart(contour(*settings), name="hessian-contour", theme=None, key="hessian_chart",
                       on_select=move_point, selection_mode="points")
    if slice_tab.open:
        with slice_tab:
            st.caption("▶ turns the direction u around p: f along the line p + t·u and its quadratic model, a "
                       "parabola with curvature uᵀHu (largest along v₂, smallest along v₁).")
            show_chart(slices(*settings), name="hessian-slices", theme=None, key="slice_chart")
    if gap_tab.open:
        with gap_tab:
            st.caption(gap_sentence(result))
            show_chart(gaps(*settings), name="hessian-gap-vs-radius", theme=None, key="gap_chart")
    if (preset := find_preset(state.get("hessian_preset"))) is not None:
        st.caption(preset.note)
for note in result.notes:
    st.warning(note, icon=":material/warning:")
st.latex(text.gradient)
exact_col, numerical_col = st.columns(2)
with exact_col:
    st.markdown("**The Hessian, exact**")
    st.latex(text.exact_formula)
    st.latex(text.exact)
with numerical_col:
    st.markdown("**… and by central differences**")
    st.latex(text.numerical)
    st.caption(text.error)
st.latex(text.eigen)
