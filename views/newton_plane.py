"""The Newton page's 2-D tab (not a page of its own): Newton's path beside gradient descent's from one start on f's
contour, the quadratic model of Newton's step t, and what the Hessian says about it."""

import streamlit as st

from core.newton_lab import (
    DEFAULT_PLANE_STEPS,
    MAX_PLANE_STEPS,
    PLANE_PRESETS,
    RATES,
    model_alert,
    model_sentence,
    plane_latex,
    plane_notes,
    plane_settings,
    story,
    study_plane,
)
from core.optimizer_text import step_latex
from core.optimizers_lab import step_detail
from core.plots.optimizers import race_figure
from core.urlparams import FloatParam, IntParam, LogStepParam, TextParam
from views.common import computed_or_stop, formula_box, preset_pills, show_chart, show_problems, spec_box

PLANE = PLANE_PRESETS[0]
PLANE_URL = {
    "g": TextParam(PLANE.formula), "x1": FloatParam(PLANE.start[0], -1e6, 1e6),
    "x2": FloatParam(PLANE.start[1], -1e6, 1e6), "lr": LogStepParam(PLANE.lr, RATES),
    "steps2": IntParam(DEFAULT_PLANE_STEPS, 1, MAX_PLANE_STEPS), "t": IntParam(1, 1, MAX_PLANE_STEPS),
}
PLANE_CONTROL = {"steps": "steps2", "methods": "g", "f": "g"}  # the race's names for the 2-D controls → ours


@st.cache_resource(max_entries=16, show_spinner=False)  # shared read-only: the next student's same view is free
def plane(g, start, lr, steps):
    return study_plane(g, start=start, lr=lr, steps=steps)


@st.cache_resource(max_entries=16, show_spinner=False)
def plane_chart(settings, t):
    race = plane(*settings)
    return race_figure(race, detail=step_detail(race, "newton", t))


def start_from_click():
    points = st.session_state.plane_chart.selection.points
    if points:
        st.session_state.update(x1=round(points[0]["x"], 3), x2=round(points[0]["y"], 3))


def plane_controls() -> dict:
    """The 2-D controls (in the side column while the 2-D tab is open); returns their slots."""
    slots = {"g": formula_box("f(x1, x2) =", key="g", default=PLANE_URL["g"].default, unselects="plane")}
    left, right = st.columns(2)
    with left:
        slots["x1"] = spec_box("start x1", key="x1", spec=PLANE_URL["x1"])
        slots["steps2"] = spec_box("2-D steps", key="steps2", spec=PLANE_URL["steps2"])
    with right:
        slots["x2"] = spec_box("start x2", key="x2", spec=PLANE_URL["x2"])
        slots["t"] = spec_box("model at step t", key="t", spec=PLANE_URL["t"])
    st.select_slider("gradient descent's learning rate", options=RATES, value=PLANE_URL["lr"].default, key="lr",
                     bind="query-params", format_func=lambda v: f"{v:g}")
    slots["lr_gd"] = st.container()
    slots["model"] = st.container()
    slots["plane"] = preset_pills("2-D surfaces", [p.label for p in PLANE_PRESETS], key="plane",
                                  settings=plane_settings, bind=False)
    return slots


def show_plane(side, headline, tab, *, problems: dict) -> None:
    """The tab: controls in ``side``, the race's LaTeX in ``headline``, the figure in ``tab``, then the model's
    step in LaTeX and the race's notes; ``problems`` are the link's refused values."""
    state = st.session_state
    with side:
        slots = plane_controls()
    show_problems(slots, problems)
    settings = (state.g, (float(state.x1), float(state.x2)), float(state.lr), int(state.steps2))
    slots.update({race_name: slots[ours] for race_name, ours in PLANE_CONTROL.items()})
    with tab, st.spinner("Racing …"):
        race = computed_or_stop(lambda: plane(*settings), slots, formula="g")
    for cap in race.caps:
        slots["steps2"].info(cap.message, icon=":material/speed:")
    headline.latex(plane_latex(race))
    detail = step_detail(race, "newton", int(state.t))
    if detail is not None:
        getattr(slots["model"], model_alert(detail))(model_sentence(detail))
    with tab:
        show_chart(plane_chart(settings, int(state.t)), name="newton-vs-gd", theme=None, key="plane_chart",
                   on_select=start_from_click, selection_mode="points")
    if told := story(state.g):
        st.caption(told)
    for line in step_latex(detail) if detail is not None else ():
        st.latex(line)
    for note in plane_notes(race):
        st.warning(note, icon=":material/warning:")
