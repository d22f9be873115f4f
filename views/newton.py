"""Newton: tangents to a root with the digits doubling, bisection beside it, failures named; Newton vs GD in 2-D."""

import streamlit as st

from core.newton_lab import (DEFAULT_BRACKET, DEFAULT_PLANE_STEPS, DEFAULT_STEPS, MAX_PLANE_STEPS, MAX_STEPS,
                             PLANE_PRESETS, PRESETS, RATES, alert_kind, bisection_rows, first_step_latex,
                             headline_latex, model_alert, model_sentence, newton_rows, plane_latex, plane_notes,
                             plane_settings, preset_settings, story, study_newton, study_plane)
from core.optimizer_text import step_latex
from core.optimizers_lab import step_detail
from core.plots.newton import digits_figure, newton_figure
from core.plots.optimizers import race_figure
from core.urlparams import FloatParam, IntParam, LogStepParam, TextParam
from views.common import (beside_figure, computed_or_stop, controls, figure_tabs, formula_box, init_from_url,
                          number_box, preset_pills, show_chart, show_problem, show_problems)

NEWTONS, PLANE = PRESETS[0], PLANE_PRESETS[0]
URL = {
    "f": TextParam(NEWTONS.formula), "x0": FloatParam(NEWTONS.x0, -1e6, 1e6),
    "steps": IntParam(DEFAULT_STEPS, 1, MAX_STEPS), "a": FloatParam(DEFAULT_BRACKET[0], -1e6, 1e6),
    "b": FloatParam(DEFAULT_BRACKET[1], -1e6, 1e6), "g": TextParam(PLANE.formula),
    "x1": FloatParam(PLANE.start[0], -1e6, 1e6), "x2": FloatParam(PLANE.start[1], -1e6, 1e6),
    "lr": LogStepParam(PLANE.lr, RATES), "steps2": IntParam(DEFAULT_PLANE_STEPS, 1, MAX_PLANE_STEPS),
    "t": IntParam(1, 1, MAX_PLANE_STEPS),
}
PLANE_CONTROL = {"steps": "steps2", "methods": "g", "f": "g"}  # the race's names for the 2-D controls → ours


@st.cache_resource(max_entries=32, show_spinner=False)  # shared read-only: the next student's same view is free
def study(f, x0, steps, bracket):
    return study_newton(f, x0=x0, steps=steps, bracket=bracket)


@st.cache_resource(max_entries=32, show_spinner=False)
def line_chart(settings, which):  # the open tab's figure: "tangents" or "digits"
    return {"tangents": newton_figure, "digits": digits_figure}[which](study(*settings))


@st.cache_resource(max_entries=16, show_spinner=False)
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


def box(label: str, *, key: str):
    """A number box bound to the URL parameter ``key`` within its bounds (a refused link value is not what runs)."""
    spec = URL[key]
    whole = {"step": 1, "format": "%d"} if isinstance(spec, IntParam) else {}
    return number_box(label, key=key, default=spec.default, min_value=spec.low, max_value=spec.high, **whole)


def plane_controls() -> dict:
    """The 2-D controls (in the side column while the 2-D tab is open); returns their slots."""
    slots = {"g": formula_box("f(x1, x2) =", key="g", default=URL["g"].default, unselects="plane")}
    left, right = st.columns(2)
    with left:
        slots["x1"] = box("start x1", key="x1")
        slots["steps2"] = box("2-D steps", key="steps2")
    with right:
        slots["x2"] = box("start x2", key="x2")
        slots["t"] = box("model at step t", key="t")
    st.select_slider("gradient descent's learning rate", options=RATES, value=URL["lr"].default, key="lr",
                     bind="query-params", format_func=lambda v: f"{v:g}")
    slots["lr_gd"] = st.container()
    slots["model"] = st.container()
    slots["plane"] = preset_pills("2-D surfaces", [p.label for p in PLANE_PRESETS], key="plane",
                                  settings=plane_settings, bind=False)
    return slots


def show_plane(side, headline, tab) -> None:
    """Newton's path beside gradient descent's on one contour, the quadratic model of Newton's step t, and what H
    says about it."""
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


def line_controls() -> tuple[dict, object]:
    """The 1-D controls; returns their slots and the slot for the verdict."""
    slots = {"f": formula_box("f(x) =", key="f", default=URL["f"].default, unselects="preset")}
    left, right = st.columns(2)
    with left:
        slots["x0"] = box("x0", key="x0")
    with right:
        slots["steps"] = box("steps", key="steps")
    verdict_slot = st.container()
    slots["preset"] = preset_pills("Presets", [p.label for p in PRESETS], key="preset", settings=preset_settings,
                                   bind=False)
    with controls("Bisection bracket"):
        left, right = st.columns(2)
        with left:
            slots["a"] = box("bisection from a", key="a")
        with right:
            slots["b"] = box("to b", key="b")
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
    show_plane(side, headline, plane_tab)
else:
    show_line(side, headline, tangent_tab, digits_tab)
