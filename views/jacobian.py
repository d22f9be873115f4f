"""Jacobian: F: R² → R² near a point (J exact and numerical, det J, singular values, the neighbourhood under F and
under its linear map, the warp from the identity to F), and Jacobian tables of F: Rⁿ → Rᵐ."""

import streamlit as st

from core.catalog import PAGES
from core.derivative_lab import step_latex
from core.errors import ParameterError
from core.expressions import MAX_LENGTH
from core.jacobian_lab import (
    MAX_DIMENSION,
    NUMERICAL_STEP,
    PLANE_PRESETS,
    RADIUS_CHOICES,
    TABLE_PRESETS,
    compile_gradient_map,
    compile_map,
    component_names,
    ellipse_sentence,
    entry_rows,
    gap_sentence,
    matrix_latex,
    preset_settings,
    study_plane,
    study_table,
    table_sentence,
    variables,
)
from core.plots.jacobian import gap_figure, neighbourhood_figure, warp_figure
from core.presentation import number
from core.urlparams import ChoiceParam, FloatParam, IntParam, LogStepParam, TextParam
from views.common import arriving_on, controls, init_from_url, returning, show_chart, show_problem

PAGE = "jacobian"
MODES = ("plane", "table")
SOURCES = ("u, v", "∇f")
POLAR, TABLE_DEFAULT = PLANE_PRESETS[0], TABLE_PRESETS[0]
FORMULA_KEYS, POINT_KEYS = component_names(MAX_DIMENSION), variables(MAX_DIMENSION)
POINT_DEFAULTS = (*POLAR.point, *TABLE_DEFAULT.point[2:], 1.0, 1.0, 1.0)  # x1, x2 of the plane view; x3 … x6
FORMULA_DEFAULTS = (*TABLE_DEFAULT.components, "x1^2 - x2", "log(1 + x1^2)", "x2/(1 + x1^2)", "x1 + 2x2")
URL = {
    "mode": ChoiceParam("plane", MODES),
    "preset": ChoiceParam(None, tuple(p.label for p in PLANE_PRESETS)),
    "source": ChoiceParam(POLAR.source, SOURCES),
    "u": TextParam(POLAR.u),
    "v": TextParam(POLAR.v),
    "grad": TextParam(POLAR.grad),
    **{key: FloatParam(value, -1e6, 1e6) for key, value in zip(POINT_KEYS, POINT_DEFAULTS, strict=True)},
    "r": LogStepParam(POLAR.radius, RADIUS_CHOICES),
    "table_preset": ChoiceParam(None, tuple(p.label for p in TABLE_PRESETS)),
    "n": IntParam(len(TABLE_DEFAULT.point), 1, MAX_DIMENSION),
    "m": IntParam(len(TABLE_DEFAULT.components), 1, MAX_DIMENSION),
    **{key: TextParam(text) for key, text in zip(FORMULA_KEYS, FORMULA_DEFAULTS, strict=True)},
}
NO_EXACT_FORM = r"\text{(exact form not available)}"
NUMERICAL_LATEX = rf"\text{{central differences, }} h = {step_latex(NUMERICAL_STEP)}"
ENTRY_COLUMNS = {
    "exact": st.column_config.NumberColumn(format="%.10g"),
    "numerical": st.column_config.NumberColumn(format="%.10g"),
    "|difference|": st.column_config.NumberColumn(format="%.2e"),
}


@st.cache_resource(max_entries=64, show_spinner="Differentiating F exactly …")  # shown past 0.5 s only
def compiled_map(texts, n, names):
    return compile_map(texts, n=n, names=names)


@st.cache_resource(max_entries=64, show_spinner="Differentiating f exactly …")
def compiled_gradient(text):
    return compile_gradient_map(text)


@st.cache_resource(max_entries=64, show_spinner=False)  # shared read-only: no copy, no rebuild for the next student
def plane(source, u, v, grad, point, r):
    compiled = compiled_gradient(grad) if source == "∇f" else compiled_map((u, v), 2, ("u", "v"))
    return study_plane(compiled, point=point, radius=r)


@st.cache_resource(max_entries=64, show_spinner=False)
def plane_figures(source, u, v, grad, point, r):
    result = plane(source, u, v, grad, point, r)
    return neighbourhood_figure(result), warp_figure(result), gap_figure(result)


@st.cache_data(max_entries=128, show_spinner=False)
def table(texts, n, point):
    return study_table(compiled_map(texts, n, FORMULA_KEYS[: len(texts)]), point=point)


# ----------------------------------------------------------------------------------------------- presets and links
PRESET_KINDS = (("preset", PLANE_PRESETS), ("table_preset", TABLE_PRESETS))


def chosen_preset(key, presets):
    return next((p for p in presets if p.label == st.session_state[key]), None)


def load_preset(key, presets):
    chosen = chosen_preset(key, presets)
    if chosen is not None:
        st.session_state.update(preset_settings(chosen))


def forget_preset(key):
    """Typing a formula of one's own unselects the preset, so the link does not claim one that is not shown."""
    st.session_state[key] = None


def follow_link_shortcuts():
    """On arrival, a link's preset fills every setting the link does not give itself, and a link with ``grad`` but
    no ``source`` means F = ∇f (so /jacobian?grad=<f> is all the Gradient page needs to link here)."""
    given = set(st.query_params)
    for key, presets in PRESET_KINDS:
        chosen = chosen_preset(key, presets)
        if chosen is not None:
            st.session_state.update({k: v for k, v in preset_settings(chosen).items() if k not in given})
    if "grad" in given and "source" not in given:
        st.session_state.source = "∇f"


def gradient_link(f, point):
    """A link that opens f, and the point, on the Gradient page (when that page is registered)."""
    page = next((p for p in PAGES if p.url_path == "gradient"), None)
    if page is not None:
        st.page_link(page.path, label="Open this f on the Gradient page", icon=":material/explore:",
                     query_params={"f": f, "x1": f"{point[0]:g}", "x2": f"{point[1]:g}"})


def number_box(column, key, label):
    """A number input bound to the URL. ``value`` is the URL default, so Streamlit drops the parameter from the URL
    exactly when the value equals the default this page restores (its own default would be 0: x2 = 0 would vanish
    from a shared link and come back as 0.5)."""
    column.number_input(label, key=key, value=URL[key].default, bind="query-params", step=0.1, format="%.4g")
    return column.container()


def formula_box(column, key, label, preset_key):
    column.text_input(label, key=key, value=URL[key].default, bind="query-params", max_chars=MAX_LENGTH,
                      on_change=forget_preset, args=(preset_key,))
    return column.container()


def presets(key, options):
    """The preset pills (folded away in classroom mode), a slot for their problems, and the chosen preset's note."""
    with controls("Presets"):
        st.pills("Presets", [p.label for p in options], key=key, bind="query-params", on_change=load_preset,
                 args=(key, options))
        slot = st.container()
    chosen = chosen_preset(key, options)
    if chosen is not None:
        st.caption(chosen.note)
    return slot


def formulas(result):
    """F(x) and the exact J(x), each on its own line (a long J(x) scrolls sideways instead of crowding F)."""
    st.latex(rf"F(x) = {result.function_latex}")
    st.latex(rf"J(x) = {result.jacobian_latex or NO_EXACT_FORM}")


# ----------------------------------------------------------------------------------------------- plane view
def plane_controls(problems):
    slots = {"preset": presets("preset", PLANE_PRESETS)}
    source_col, formula_col = st.columns([1, 4])
    source_col.segmented_control("F =", SOURCES, key="source", default=URL["source"].default, bind="query-params",
                                 required=True, on_change=forget_preset, args=("preset",),
                                 help="Type F's two components, or let F be the gradient map of a function f.")
    slots["source"] = source_col.container()
    if st.session_state.source == "∇f":
        slots["grad"] = formula_box(formula_col, "grad", "f(x1, x2) =  (F = ∇f = (∂f/∂x1, ∂f/∂x2))", "preset")
    else:
        u_col, v_col = formula_col.columns(2)
        slots["u"] = formula_box(u_col, "u", "u(x1, x2) =", "preset")
        slots["v"] = formula_box(v_col, "v", "v(x1, x2) =", "preset")
    point_col, radius_col = st.columns([2, 3])
    x1_col, x2_col = point_col.columns(2)
    slots["x1"], slots["x2"] = number_box(x1_col, "x1", "point p: x1"), number_box(x2_col, "x2", "point p: x2")
    slots["point"] = point_col.container()
    radius_col.select_slider("neighbourhood radius r (shrink it: F straightens into its linear map)", RADIUS_CHOICES,
                             key="r", value=URL["r"].default, bind="query-params", format_func=lambda v: f"{v:g}")
    slots["r"] = radius_col.container()
    for name, message in problems.items():
        if name in slots:
            show_problem(slots[name], message)
    return slots


def plane_readouts(result, slots):
    if result.singular_note:
        slots["point"].warning(result.singular_note, icon=":material/warning:")
    for note in result.notes:
        st.info(note)
    if result.domain_note:
        slots["r"].info(result.domain_note)
    formulas(result)
    st.latex(rf"J(p) = {matrix_latex(result.exact)}\ \text{{exact}} \qquad \approx {matrix_latex(result.numerical)}"
             rf"\ {NUMERICAL_LATEX}")
    sigma, r = result.singular_values, result.radius
    cols = st.columns(5)
    cols[0].metric("det J", number(result.determinant + 0.0))  # + 0.0: no "-0.000"
    cols[1].metric("σ₁ (longest stretch)", number(sigma[0]))
    cols[2].metric("σ₂ (shortest stretch)", number(sigma[1]))
    cols[3].metric(f"area ratio at r = {r:g}", number(result.area_ratio))
    cols[4].metric(f"max |F − L| at r = {r:g}", number(result.gap, digits=2, scientific=True))
    st.markdown(ellipse_sentence(result))


def gradient_readouts(result, grad_text):
    row = result.gradient
    st.markdown("**The gradient is a Jacobian.** f: R² → R has a 1×2 Jacobian, the row ∇f(p). F = ∇f stacks its "
                "entries into a map R² → R², and the Jacobian of F is f's Hessian.")
    st.latex(rf"f(x) = {row.latex}")
    st.latex(rf"J_f(p) = \nabla f(p) = {matrix_latex(row.exact[None])}\ \text{{exact}}"
             rf"\ \approx {matrix_latex(row.numerical[None])}\ \text{{central differences}}")
    gradient_link(grad_text, result.point)


def plane_view(problems):
    slots = plane_controls(problems)
    state = st.session_state
    point = (float(state.x1), float(state.x2))
    settings = (state.source, state.get("u", ""), state.get("v", ""), state.get("grad", ""), point, state.r)
    try:
        result = plane(*settings)
    except ParameterError as error:
        show_problem(slots.get(error.parameter, slots["point"]), str(error))
        st.stop()
    plane_readouts(result, slots)
    neighbourhood, warp_chart, gap = plane_figures(*settings)
    show_chart(neighbourhood, name="jacobian-neighbourhood", key="neighbourhood_chart")
    if result.gradient is not None:
        gradient_readouts(result, state.grad)
    warp_col, gap_col = st.columns(2)
    with warp_col:
        st.subheader("Warp: from the identity to F")
        st.caption("x ↦ (1 − t)·x + t·F(x) as t runs from 0 to 1, beside the same warp of the linear map (dashed).")
        show_chart(warp_chart, name="jacobian-warp", key="warp_chart")
    with gap_col:
        st.subheader("The linear map gets better as r shrinks")
        st.caption(gap_sentence(result))
        show_chart(gap, name="jacobian-gap-vs-radius", key="gap_chart")
    names = ("u", "v") if result.gradient is None else ("F1", "F2")
    st.dataframe(entry_rows(result.exact, result.numerical, names=names), hide_index=True, width="stretch",
                 column_config=ENTRY_COLUMNS, key="plane_entries")


# ----------------------------------------------------------------------------------------------- table view
def table_controls(problems):
    slots = {"table_preset": presets("table_preset", TABLE_PRESETS)}
    n_col, m_col, _ = st.columns([1, 1, 3])
    for key, col, label in (("n", n_col, "inputs n (x1 … xn)"), ("m", m_col, "outputs m (f1 … fm)")):
        col.number_input(label, min_value=1, max_value=MAX_DIMENSION, step=1, key=key, value=URL[key].default,
                         bind="query-params", on_change=forget_preset, args=("table_preset",))
        slots[key] = col.container()
    n, m = int(st.session_state.n), int(st.session_state.m)
    names = ", ".join(POINT_KEYS[:n])
    columns = st.columns(3)
    for i, key in enumerate(FORMULA_KEYS[:m]):
        slots[key] = formula_box(columns[i % 3], key, f"{key}({names}) =", "table_preset")
    point_columns = st.columns(MAX_DIMENSION)
    for column, key in zip(point_columns, POINT_KEYS[:n], strict=False):  # the first n of six columns
        slots[key] = number_box(column, key, f"point p: {key}")
    slots["point"] = st.container()
    for name, message in problems.items():
        if name in slots:
            show_problem(slots[name], message)
    return slots, n, m


def table_readouts(result):
    for note in result.notes:
        st.info(note)
    formulas(result)
    st.latex(rf"J(p) = {matrix_latex(result.exact)}\ \text{{exact}}")
    st.latex(rf"J(p) \approx {matrix_latex(result.numerical)}\ {NUMERICAL_LATEX}")
    st.caption(table_sentence(result))


def table_view(problems):
    slots, n, m = table_controls(problems)
    state = st.session_state
    texts = tuple(state[key] for key in FORMULA_KEYS[:m])
    point = tuple(float(state[key]) for key in POINT_KEYS[:n])
    try:
        result = table(texts, n, point)
    except ParameterError as error:
        show_problem(slots.get(error.parameter, slots["point"]), str(error))
        st.stop()
    table_readouts(result)
    if m == 1:
        st.success("With one output the Jacobian is a single row: the gradient ∇f1(p). The gradient of f: Rⁿ → R is "
                   "its 1×n Jacobian.", icon=":material/lightbulb:")
        if n == 2:
            gradient_link(texts[0], point)
    st.dataframe(entry_rows(result.exact, result.numerical), hide_index=True, width="stretch",
                 column_config=ENTRY_COLUMNS, key="table_entries")


arriving = arriving_on(PAGE)
url_problems = init_from_url(URL, page=PAGE)
if arriving and not returning(URL, page=PAGE):  # a link, not a return from another page as the student left it
    follow_link_shortcuts()
st.title("Jacobian")
st.caption("Near a point p a differentiable map F looks like a linear map: F(x) ≈ F(p) + J·(x − p). Column j of J "
           "is where a small step along xj goes; |det J| is the factor by which F scales small areas; the singular "
           "values are the longest and shortest stretch.")
st.segmented_control("View", MODES, key="mode", default=URL["mode"].default, bind="query-params", required=True,
                     help="plane: F: R² → R² drawn as a map of the plane. table: F: Rⁿ → Rᵐ (n, m ≤ 6) as its "
                          "m×n Jacobian.")
show_problem(st.container(), url_problems.get("mode"))
if st.session_state.mode == "table":
    table_view(url_problems)
else:
    plane_view(url_problems)
