"""Home: what Gradient Lab is, one card per page, and a formula preview box."""

import streamlit as st

from core.catalog import PAGES, SCENARIOS, scenario_query
from core.expressions import MAX_LENGTH, ExpressionError, parse

VARIABLE_SETS = {"x": ("x",), "x1, x2": ("x1", "x2")}


@st.cache_data(max_entries=512, show_spinner=False)
def read_formula(text: str, variables: tuple[str, ...]):
    return parse(text, variables)


st.title("Gradient Lab")
st.markdown(
    "See the calculus behind machine learning: type a function, move a point, and watch tangents, "
    "gradients, Jacobians, Taylor polynomials and Hessians respond; watch gradient descent, six other optimizers "
    "and Newton's method race, backpropagation run the chain rule backwards, and a small neural network learn to "
    "separate two classes, every neuron drawn. Built on the worked examples of "
    "*Partial Derivatives and Jacobian Matrix in Stochastic Gradient Descent* (PyImageSearch, 2025) and its part 2."
)

cards = [p for p in PAGES if p.section]
if cards:
    st.subheader("Pages")
    for column, info in zip(st.columns(min(len(cards), 3)) * len(cards), cards):
        with column.container(border=True):
            st.page_link(info.path, label=info.title, icon=info.icon)
            st.caption(info.blurb)

st.subheader("Formula preview")
st.caption("Type a formula to see how Gradient Lab reads it. "
           "`x^2`, `2x`, `(x+2)(x-6)`, `3 sin(x)`, `e^x`, `ln(x)` all work.")
left, right = st.columns([3, 1])
names = right.radio("Variables", list(VARIABLE_SETS), key="preview_vars", horizontal=True)
text = left.text_input("f =", value="(x+2)(x-6)", key="preview", max_chars=MAX_LENGTH)
try:
    expression = read_formula(text, VARIABLE_SETS[names])
except ExpressionError as error:
    st.error(str(error), icon=":material/error:")
else:
    st.latex(rf"f({', '.join(expression.variables)}) = {expression.latex}")
    if expression.warning:
        st.warning(expression.warning)

st.subheader("Scenarios")
st.caption("Each opens a page in a prepared state. The address under each is a plain link to paste into slides.")
pages = {p.url_path: p for p in PAGES}
base = (st.context.url or "").rstrip("/")
for column, scenario in zip(st.columns(2) * len(SCENARIOS), (s for s in SCENARIOS if s.url_path in pages)):
    with column.container(border=True):
        st.page_link(pages[scenario.url_path].path, label=scenario.title, icon=pages[scenario.url_path].icon,
                     query_params=list(scenario.params))
        st.caption(scenario.blurb)
        st.code(f"{base}/{scenario.url_path}?{scenario_query(scenario)}", language=None, wrap_lines=True)
