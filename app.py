"""Gradient Lab: the entrypoint. Page config, the st.navigation router and the shared sidebar frame."""

# First of all: a fresh server runs many sessions' first runs at once, and whatever they import or build on first use
# can race (core/warmup.py). Importing the warm-up here makes every other first run wait until it has finished.
import core.warmup  # noqa: F401

# isort: split
import gc
import logging

import streamlit as st

# Streamlit's own lazy imports (st.dataframe's lazy-frame adapters, icon and emoji names), done once before any page.
import streamlit.dataframe.lazy_df_adapters  # noqa: F401
import streamlit.emojis  # noqa: F401
import streamlit.material_icon_names  # noqa: F401
from streamlit.errors import FragmentHandledException

from core.catalog import PAGES, SECTIONS, view_link
from views.common import CLASSROOM_CSS, PAGE_CSS, classroom, classroom_link

# Classroom mode gives the figure the sidebar's room: a projected link opens with the sidebar collapsed.
st.set_page_config(page_title="Gradient Lab", page_icon=":material/insights:", layout="wide",
                   initial_sidebar_state="collapsed" if classroom_link() else "auto")


UNEXPECTED_ERROR = ("Something went wrong on this page. Change the last input you touched back to what it was, "
                    "or reload the page.")


@st.cache_resource
def _freeze_imported_objects() -> bool:
    """Once per server process: move the objects of the modules imported so far (SymPy, NumPy, Plotly: hundreds of
    thousands) out of the garbage collector's reach, so a full collection walks only what the sessions create."""
    gc.collect()
    gc.freeze()
    return True


_freeze_imported_objects()


def _page(info):
    return st.Page(info.path, title=info.title, icon=info.icon, url_path=info.url_path, default=info.section == "")


navigation = {"": [_page(p) for p in PAGES if p.section == ""]}
for section in SECTIONS:
    members = [_page(p) for p in PAGES if p.section == section]
    if members:
        navigation[section] = members

current = st.navigation(navigation)
with st.sidebar:
    st.toggle("Classroom mode", key="classroom", bind="query-params",
              help="Large type and thick lines for a projector; secondary controls fold away.")
st.html(CLASSROOM_CSS if classroom() else PAGE_CSS)
try:
    current.run()
except FragmentHandledException:  # a fragment has shown its own error
    raise
except Exception:  # st.stop and st.rerun raise BaseExceptions (StopException, RerunException): they pass through
    # No student sees a traceback: a plain message on the page, the whole story in the server's log.
    logging.getLogger("gradient_lab").exception("Unexpected error on the %s page", current.title)
    st.error(UNEXPECTED_ERROR, icon=":material/error:")
with st.sidebar:
    st.caption("Copy link to this view")
    params = {name: st.query_params.get_all(name) for name in st.query_params}
    st.code(view_link(st.context.url or "", params), language=None, wrap_lines=True)
    st.caption("Gradient Lab — see calculus for machine learning.")
