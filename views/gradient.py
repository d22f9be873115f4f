"""Gradient: f(x1, x2) on a contour with its gradient, partial derivatives, level curve, field and tangent plane."""

import streamlit as st

from core.derivative_lab import METHODS, STEP_CHOICES
from core.expressions import MAX_LENGTH
from core.gradient_lab import PRESETS, Window, study_gradient
from core.plots.gradient import contour_figure, surface_figure
from core.presentation import gradient_readouts
from core.urlparams import BoolParam, ChoiceParam, FloatParam, LogStepParam, RangeParam, TextParam
from views.common import beside_figure, computed_or_stop, controls, init_from_url, show_chart, show_problem

TUTORIAL = PRESETS[0]
URL = {
    "f": TextParam(TUTORIAL.formula),
    "x1": FloatParam(TUTORIAL.point[0], -1e6, 1e6),
    "x2": FloatParam(TUTORIAL.point[1], -1e6, 1e6),
    "x1_range": RangeParam((-5.0, 5.0), -100.0, 100.0),
    "x2_range": RangeParam((-5.0, 5.0), -100.0, 100.0),
    "scale": FloatParam(0.1, 0.001, 10.0),
    "angle": FloatParam(45.0, -180.0, 180.0),
    "method": ChoiceParam("central", METHODS),
    "h": LogStepParam(1e-6, STEP_CHOICES),
    "field": BoolParam(False),
    "surface": BoolParam(False),
}


@st.cache_resource(max_entries=64, show_spinner=False)  # shared read-only: no copy, no rebuild for the next student
def study(f, point, window, method, h, angle):
    return study_gradient(f, point=point, window=window, method=method, step=h, angle=angle)


@st.cache_resource(max_entries=64, show_spinner=False)
def contour(f, point, window, method, h, angle, scale, field):
    return contour_figure(study(f, point, window, method, h, angle), scale=scale, show_field=field)


@st.cache_resource(max_entries=16, show_spinner=False)
def surface(f, point, window, method, h, angle):
    return surface_figure(study(f, point, window, method, h, angle))


def load_preset():
    preset = next(p for p in PRESETS if p.label == st.session_state.gradient_preset)
    w = preset.window
    st.session_state.update(f=preset.formula, x1=preset.point[0], x2=preset.point[1], scale=preset.scale,
                            x1_range=(w.x1_low, w.x1_high), x2_range=(w.x2_low, w.x2_high))


def move_point():
    points = st.session_state.contour.selection.points
    if points:
        st.session_state.update(x1=round(points[0]["x"], 4), x2=round(points[0]["y"], 4))


problems = init_from_url(URL, page="gradient")
st.title("Gradient")
st.caption("∂f/∂x1 and ∂f/∂x2 are slopes along each axis with the other variable held fixed; together they form ∇f, "
           "which points uphill fastest and is perpendicular to the level curve. Click the contour to move the point.")
side, main = beside_figure()
with side:
    st.text_input("f(x1, x2) =", URL["f"].default, key="f", bind="query-params", max_chars=MAX_LENGTH)
    slots = {"f": st.container()}
    x1_col, x2_col = st.columns(2)
    x1_col.number_input("x1", URL["x1"].low, URL["x1"].high, value=URL["x1"].default, key="x1", bind="query-params",
                        step=0.1, format="%.4g")
    slots["x1"] = x1_col.container()
    x2_col.number_input("x2", URL["x2"].low, URL["x2"].high, value=URL["x2"].default, key="x2", bind="query-params",
                        step=0.1, format="%.4g")
    slots["x2"] = x2_col.container()
    metrics_slot = st.container()
    show_field = st.toggle("Show the gradient field", URL["field"].default, key="field", bind="query-params")
    with controls("Presets"):
        st.pills("Presets", [p.label for p in PRESETS], key="gradient_preset", on_change=load_preset)
with st.expander("View window, arrows and finite differences", expanded=False):
    a, b = st.columns(2)
    a.slider("x1 range (horizontal)", -100.0, 100.0, URL["x1_range"].default, step=0.5, key="x1_range",
             bind="query-params")
    slots["x1_range"] = a.container()
    b.slider("x2 range (vertical)", -100.0, 100.0, URL["x2_range"].default, step=0.5, key="x2_range",
             bind="query-params")
    slots["x2_range"] = b.container()
    a.number_input("arrow length scale", min_value=0.001, max_value=10.0, value=URL["scale"].default, key="scale",
                   bind="query-params", format="%.3g")
    slots["scale"] = a.container()
    b.slider("direction u: angle from the x1 axis (degrees)", -180.0, 180.0, URL["angle"].default, step=5.0,
             key="angle", bind="query-params")
    slots["angle"] = b.container()
    a.segmented_control("method", METHODS, default=URL["method"].default, key="method", bind="query-params",
                        required=True)
    slots["method"] = a.container()
    b.select_slider("step h", options=STEP_CHOICES, value=URL["h"].default, key="h", bind="query-params",
                    format_func=lambda v: f"{v:.0e}")
    slots["h"] = b.container()
for name, message in problems.items():
    show_problem(slots[name], message)

window = Window(*st.session_state.x1_range, *st.session_state.x2_range)
point = (float(st.session_state.x1), float(st.session_state.x2))
settings = (st.session_state.f, point, window, st.session_state.method, st.session_state.h,
            float(st.session_state.angle))
result = computed_or_stop(lambda: study(*settings), slots)

readouts = gradient_readouts(result)
for col, (label, value) in zip(metrics_slot.columns(2) * 2, readouts.metrics):
    col.metric(label, value)
for note in result.notes:
    side.info(note)
with main:
    st.latex(readouts.function)
    show_chart(contour(*settings, float(st.session_state.scale), show_field), name="gradient-contour", theme=None,
               key="contour", on_select=move_point, selection_mode="points")
for line in readouts.latex:
    st.latex(line)
st.page_link("views/jacobian.py", label="∇f is f's 1×2 Jacobian: open the map x ↦ ∇f(x) on the Jacobian page",
             icon=":material/grid_on:",
             query_params={"grad": st.session_state.f, "x1": str(point[0]), "x2": str(point[1])})
if st.toggle("Show the 3D surface with the tangent plane", URL["surface"].default, key="surface", bind="query-params"):
    show_chart(surface(*settings), name="gradient-surface", theme=None, key="surface_chart")
