"""Widget glue shared by the pages (the only page-side helper): controls whose values live in the URL."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from core.plots.style import projector
from core.urlparams import Param, read_params

# The picture first: Streamlit's 6rem top padding and wide gaps push a page's figure below a laptop's fold.
PAGE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.2rem; padding-bottom: 3rem; }
[data-testid="stMainBlockContainer"] h1 { padding-top: 0; padding-bottom: 0.25rem; }
</style>
"""
CLASSROOM_CSS = """
<style>
html { font-size: 20px; }                                   /* Streamlit sizes everything in rem */
[data-testid="stToolbar"], [data-testid="stDecoration"] { display: none; }
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; padding-bottom: 3rem; max-width: 100%; }
[data-testid="stMainBlockContainer"] h1 { padding-top: 0; padding-bottom: 0.2rem; }
</style>
"""


def arriving_on(page: str) -> bool:
    """True on the first run of ``page`` since the session came to it (a link opened, or a switch from another page)."""
    return st.session_state.get("_url_page") != page


def init_from_url(specs: Mapping[str, Param], *, page: str) -> dict[str, str]:
    """Give each URL-bound control its starting value: from the link when it is usable, else the default, and
    on a return from another page (no parameter of this page in the URL) the values the session left here.

    Runs when the session arrives on ``page`` (pages share names such as ``f`` for their URL parameters, so a value
    left by another page must not leak in) and for any control that has no value yet. Call before the widgets are
    created; create them with ``key=name, bind="query-params"`` and no ``value``.
    Returns {control name: why the link's value was refused}, to show next to those controls.
    """
    arriving = arriving_on(page)
    st.session_state["_url_page"] = page
    raw = {name: st.query_params.get_all(name) for name in st.query_params}
    problems = {}
    if arriving and returning(specs, page=page):
        st.session_state.update(st.session_state[_left_here(page)])
    else:
        for name, reading in read_params(raw, specs).items():
            if arriving or name not in st.session_state:
                st.session_state[name] = reading.value
                if reading.problem:
                    problems[name] = reading.problem
    st.session_state[_left_here(page)] = {name: st.session_state[name] for name in specs}
    return problems


def returning(specs: Mapping[str, Param], *, page: str) -> bool:
    """Whether the session comes back to ``page`` from another one: it has been here before, and the URL (which
    Streamlit empties on a switch in the sidebar) carries none of the page's parameters."""
    return _left_here(page) in st.session_state and not any(name in st.query_params for name in specs)


def _left_here(page: str) -> str:
    """The session-state key of the values the session's controls had on ``page`` when it last ran there."""
    return f"_left_on_{page}"


def show_problem(slot, message: str | None) -> None:
    """An error under the control it belongs to (``slot`` is a container placed right after that control)."""
    if message:
        slot.error(message, icon=":material/error:")


def classroom() -> bool:
    """Whether the sidebar's classroom mode (large type, thick lines, folded controls) is on."""
    return bool(st.session_state.get("classroom", False))


def classroom_link() -> bool:
    """Whether the link itself asks for classroom mode (``?classroom=true``): readable before the toggle exists."""
    return st.query_params.get("classroom", "").lower() == "true"


def beside_figure():
    """The first screen of a page: a narrow column for the controls that set the picture, the main figure beside
    it (so the figure, the formula box and the point are all above the fold, 1440×900 and 1920×1080)."""
    return st.columns([1, 2.9], gap="medium")


def controls(label: str):
    """Where a page puts its secondary controls: folded into an expander in classroom mode, in view otherwise."""
    return st.expander(label, expanded=False) if classroom() else st.container()


def show_chart(figure, *, name: str, **kwargs):
    """st.plotly_chart with the projector styling in classroom mode and a meaningful PNG file name in Plotly's
    toolbar (``gradient-lab-<name>.png``); keyword arguments go to st.plotly_chart."""
    image = {"format": "png", "filename": f"gradient-lab-{name}", "scale": 2}
    config = {"toImageButtonOptions": image, "displaylogo": False}
    shown = projector(figure) if classroom() else figure
    return st.plotly_chart(shown, width="stretch", config=config, **kwargs)
