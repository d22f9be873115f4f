"""The Jacobian page's table view and the pieces both its views show (a helper of views/jacobian.py, not a page):
F: Rⁿ → Rᵐ (n, m ≤ 6) typed as components, its m×n Jacobian at a point, exact against numerical."""

import streamlit as st

from core.derivative_lab import step_latex
from core.errors import ParameterError
from core.jacobian_lab import (
    DEFAULTS,
    MAX_DIMENSION,
    NUMERICAL_STEP,
    compile_map,
    component_names,
    entry_rows,
    gradient_page_query,
    matrix_latex,
    study_table,
    table_sentence,
    variables,
)
from views.common import beside_figure, formula_box, link_to_page, number_box, show_problem, show_problems, unselect

FORMULA_KEYS, POINT_KEYS = component_names(MAX_DIMENSION), variables(MAX_DIMENSION)
NO_EXACT_FORM = r"\text{(exact form not available)}"
# under "numerical": the method and its step, on two short lines (a 6×6 J(p) still fits beside them)
NUMERICAL_LATEX = (rf"\begin{{array}}{{l}} \text{{central differences,}} \\ h = {step_latex(NUMERICAL_STEP)}"
                   r" \end{array}")
ENTRY_COLUMNS = {
    "exact": st.column_config.NumberColumn(format="%.10g"),
    "numerical": st.column_config.NumberColumn(format="%.10g"),
    "|difference|": st.column_config.NumberColumn(format="%.2e"),
}


POINT_LIMIT = 1e6  # as the page's URL reads a point (views/jacobian.py): a bound box drops a link's value beyond it


@st.cache_resource(max_entries=64, show_spinner="Differentiating F exactly …")  # shown past 0.5 s only
def compiled_table(texts, n):
    return compile_map(texts, n=n, names=FORMULA_KEYS[: len(texts)])


@st.cache_data(max_entries=128, show_spinner=False)
def table(texts, n, point):
    return study_table(compiled_table(texts, n), point=point)


def show_formulas(result):
    """F(x) and the exact J(x), each on its own line (a long J(x) scrolls sideways instead of crowding F)."""
    st.latex(rf"F(x) = {result.function_latex}")
    st.latex(rf"J(x) = {result.jacobian_latex or NO_EXACT_FORM}")


def show_jacobian_at_p(result, *, one_line=False):
    """J(p) exact and numerical: side by side on one line, or on two (an m×n table can be wide)."""
    exact = rf"J(p) = {matrix_latex(result.exact)}\ \text{{exact}}"
    numerical = rf"{matrix_latex(result.numerical)}\ {NUMERICAL_LATEX}"
    if one_line:
        st.latex(rf"{exact} \qquad \approx {numerical}")
    else:
        st.latex(exact)
        st.latex(rf"J(p) \approx {numerical}")


def show_entries(result, *, key, names=None):
    """One row per entry ∂fᵢ/∂xⱼ: exact, numerical and their difference."""
    st.dataframe(entry_rows(result.exact, result.numerical, names=names), hide_index=True, width="stretch",
                 column_config=ENTRY_COLUMNS, key=key)


def show_gradient_row(row, f, point):
    """For F = ∇f: f's own Jacobian at p, the row ∇f(p), and a link to f on the Gradient page."""
    st.markdown("**The gradient is a Jacobian.** f: R² → R has a 1×2 Jacobian, the row ∇f(p). F = ∇f stacks its "
                "entries into a map R² → R², and the Jacobian of F is f's Hessian.")
    st.latex(rf"f(x) = {row.latex}")
    st.latex(rf"J_f(p) = \nabla f(p) = {matrix_latex(row.exact[None])}\ \text{{exact}}"
             rf"\ \approx {matrix_latex(row.numerical[None])}\ \text{{central differences}}")
    gradient_link(f, point)


def gradient_link(f, point):
    link_to_page("gradient", label="Open this f on the Gradient page", icon=":material/explore:",
                 query_params=gradient_page_query(f, point=point))


def table_controls(slots):
    """n and m, the m formulas and the point's n coordinates, down the narrow column."""
    n_col, m_col = st.columns(2)
    for key, col, label in (("n", n_col, "inputs n (x1 … xn)"), ("m", m_col, "outputs m (f1 … fm)")):
        with col:
            slots[key] = number_box(label, key=key, default=DEFAULTS[key], min_value=1, max_value=MAX_DIMENSION,
                                    step=1, format=None, on_change=unselect, args=("table_preset",))
    n, m = int(st.session_state.n), int(st.session_state.m)
    names = ", ".join(POINT_KEYS[:n])
    for key in FORMULA_KEYS[:m]:
        slots[key] = formula_box(f"{key}({names}) =", key=key, default=DEFAULTS[key], unselects="table_preset")
    point_columns = st.columns(2)
    for i, key in enumerate(POINT_KEYS[:n]):
        with point_columns[i % 2]:
            slots[key] = number_box(f"point p: {key}", key=key, default=DEFAULTS[key], min_value=-POINT_LIMIT,
                                    max_value=POINT_LIMIT)
    slots["point"] = st.container()
    return n, m


def table_view(problems, slots, preset):
    """The controls down the left; J(p), what it says, and its entries beside them."""
    controls_col, readouts_col = beside_figure()
    with controls_col:
        n, m = table_controls(slots)
    show_problems(slots, problems)
    texts = tuple(st.session_state[key] for key in FORMULA_KEYS[:m])
    point = tuple(float(st.session_state[key]) for key in POINT_KEYS[:n])
    try:
        result = table(texts, n, point)
    except ParameterError as error:
        show_problem(slots.get(error.parameter, slots["point"]), str(error))
        st.stop()
    with readouts_col:
        if preset is not None:
            st.caption(preset.note)
        for note in result.notes:
            st.info(note)
        show_jacobian_at_p(result)
        st.caption(table_sentence(result))
        if m == 1:
            st.success("With one output the Jacobian is a single row: the gradient ∇f1(p). The gradient of f: Rⁿ → R "
                       "is its 1×n Jacobian.", icon=":material/lightbulb:")
            if n == 2:
                gradient_link(texts[0], point)
        show_entries(result, key="table_entries")
        show_formulas(result)
