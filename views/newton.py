"""Newton: tangents to a root with the digits doubling, bisection beside it, failures named; Newton vs GD in 2-D."""

import streamlit as st

from core.newton_lab import (
    DEFAULT_BRACKET,
    DEFAULT_STEPS,
    MAX_STEPS,
    PRESETS,
    alert_kind,
    bisection_rows,
    first_step_latex,
    headline_latex,
    newton_rows,
    preset_settings,
    story,
    study_newton,
)
from core.plots.newton import digits_figure, newton_figure
from core.urlparams import FloatParam, IntParam, TextParam
from views.common import (
    beside_figure,
    computed_or_stop,
    controls,
    figure_tabs,
    formula_box,
    init_from_url,
    preset_pills,
    show_chart,
    show_problem,
    show_problems,
    spec_box,
)
from views.newton_plane import PLANE_URL, show_plane

NEWTONS = PRESETS[0]
URL = {
    "f": TextParam(NEWTONS.formula), "x0": FloatParam(NEWTONS.x0, -1e6, 1e6),
    "steps": IntParam(DEFAULT_STEPS, 1, MAX_STEPS), "a": FloatParam(DEFAULT_BRACKET[0], -1e6, 1e6),
    "b": FloatParam(DEFAULT_BRACKET[1], -1e6, 1e6), **PLANE_URL,
}


@st.cache_resource(max_entries=32, show_spinner=False)  # shared read-only: the next student's same view is free
def study(f, x0, steps, bracket):
    return study_newton(f, x0=x0, steps=steps, bracket=bracket)


@st.cache_resource(max_entries=32, show_spinner=False)
def line_chart(settings, which):  # the open tab's figure: "tangents" or "digits"
    return {"tangents": newton_figure, "digits": digits_figure}[which](study(*settings))


def line_controls() -> tuple[dict, object]:
    """The 1-D controls; returns their slots and the slot for the verdict."""
    slots = {"f": formula_box("f(x) =", key="f", default=URL["f"].default, unselects="preset")}
    left, right = st.columns(2)
    with left:
        slots["x0"] = spec_box("x0", key="x0", spec=URL["x0"])
    with right:
        slots["steps"] = spec_box("steps", key="steps", spec=URL["steps"])
    verdict_slot = st.container()
    slots["preset"] = preset_pills("Presets", [p.label for p in PRESETS], key="preset", settings=preset_settings,
                                   bind=False)
    with controls("Bisection bracket"):
        left, right = st.columns(2)
        with left:
            slots["a"] = spec_box("bisection from a", key="a", spec=URL["a"])
        with right:
            slots["b"] = spec_box("to b", key="b", spec=URL["b"])
    return slots, verdict_slot


def show_line(side, headline, tangent_tab, digits_tab) -> None:
    """Newton's tangents on f(x) (or the correct digits), the run named beside the controls, and both tables."""
    with side:
        slots, verdict_slot = line_controls()
    show_problems(slots, problems)
    settings = (state.f, float(state.x0), int(state.steps), (float(state.a), float(state.b)))
    with headline, st.spinner("Following the tangents …"):
        result = computed_or_stop(lambda: study(*settings), slots)
    getattr(verdict_slot, alert_kind(result.verdict))(result.verdict.sentence)
    if result.bracket_problem:
        show_problem(slots[result.bracket_problem[0]], result.bracket_problem[1])
    headline.latex(headline_latex(result))
    for tab, which in ((tangent_tab, "tangents"), (digits_tab, "digits")):
        if tab.open:
            with tab:
                show_chart(line_chart(settings, which), name=f"newton-{which}", key=f"{which}_chart")
    if told := story(state.f):
        st.caption(told)
    if step := first_step_latex(result):
        st.latex(step)
    st.caption(result.root_source)
    tables = ((f"Newton from x0 = {result.x0:g}", newton_rows(result)),
              ("Bisection from [{:g}, {:g}]".format(*result.bracket), bisection_rows(result)))
    for column, (title, rows) in zip(st.columns(2), tables):
        column.markdown(f"**{title}**")
        if rows:
            column.dataframe(rows, hide_index=True, width="stretch",
                             column_config={"k": st.column_config.NumberColumn(width=40)})
    for note in (result.bisection_note, *result.notes):
        if note:
            st.warning(note)


problems = init_from_url(URL, page="newton")
state = st.session_state
st.title("Newton's method")
st.caption("Newton follows the tangent at xₖ down to its zero, xₖ₊₁ = xₖ − f(xₖ)/f′(xₖ); ▶ plays the steps, and the "
           "orange bar is bisection's bracket, halved each step. In 2-D it jumps to the stationary point of f's "
           "quadratic model.")
side, main = beside_figure()
with main:
    headline = st.container()
    tangent_tab, digits_tab, plane_tab = figure_tabs(
        ("Tangents", "Correct digits", "2-D: Newton vs gradient descent"), page="newton")
if plane_tab.open:
    show_plane(side, headline, plane_tab, problems=problems)
else:
    show_line(side, headline, tangent_tab, digits_tab)
