"""Widget glue shared by the pages (the only page-side helper): controls whose values live in the URL."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import streamlit as st

from core.catalog import PAGES
from core.errors import ParameterError
from core.expressions import MAX_LENGTH, ExpressionError
from core.plots.style import projector
from core.urlparams import Param, read_params

# The picture first: Streamlit's 6rem top padding and wide gaps push a page's figure below a laptop's fold.
PAGE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.2rem; padding-bottom: 3rem; }
[data-testid="stMainBlockContainer"] h1 { padding-top: 0; padding-bottom: 0.25rem; }
/* a narrow controls column: button groups (single choice: radiogroup; several: toolbar) wrap, not scroll */
[data-testid="stButtonGroup"] :is([role="radiogroup"], [role="toolbar"]) { flex-wrap: wrap; }
</style>
"""
CLASSROOM_CSS = """
<style>
html { font-size: 20px; }                                   /* Streamlit sizes everything in rem */
[data-testid="stToolbar"], [data-testid="stDecoration"] { display: none; }
[data-testid="stMainBlockContainer"] { padding-top: 3rem; padding-bottom: 3rem; max-width: 100%; }
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
    return st.columns([1.3, 2.7], gap="medium")


def figure_tabs(labels: Sequence[str], *, page: str):
    """The main column's figures as lazy tabs: only the open tab's figure is computed and sent (so a change of the
    point costs one figure in the browser, not every figure of the page); the open tab is in the URL as
    ``<page>_tab``. Use each tab as ``if tab.open: with tab: ...``."""
    return st.tabs(list(labels), key=f"{page}_tab", bind="query-params")


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


# ----------------------------------------------------------------------------------------------- shared controls
def number_box(label: str, *, key: str, default: float, **options):
    """A number input bound to the URL parameter ``key``; returns the slot right under it, for its problem.

    ``default`` is the URL default, so Streamlit drops the parameter from the URL exactly when the value equals the
    default the page restores (Streamlit's own default would be 0: x2 = 0 would vanish from a shared link and come
    back as the page's default). ``options`` go to st.number_input (step 0.1 and format "%.4g" unless given)."""
    st.number_input(label, key=key, value=default, bind="query-params", **{"step": 0.1, "format": "%.4g", **options})
    return st.container()


def spec_box(label: str, *, key: str, spec, **options):
    """:func:`number_box` for the URL parameter ``key`` read by ``spec`` (a FloatParam or IntParam): its default, and
    its bounds as the box's, so a link's value the page refused is not what the box takes (a bound box drops a
    value outside its bounds, as the page does). Whole numbers step by 1. Returns the slot under the box."""
    whole = {"step": 1, "format": "%d"} if isinstance(spec.default, int) else {}
    return number_box(label, key=key, default=spec.default, min_value=spec.low, max_value=spec.high,
                      **{**whole, **options})


def formula_box(label: str, *, key: str, default: str, unselects: str | None = None):
    """A formula box bound to the URL parameter ``key`` (at most the parser's MAX_LENGTH characters); typing in it
    unselects the preset pills ``unselects``, so a link does not claim a preset that is no longer shown. Returns the
    slot right under it, for its problem."""
    st.text_input(label, key=key, value=default, bind="query-params", max_chars=MAX_LENGTH,
                  on_change=unselect if unselects else None, args=(unselects,) if unselects else None)
    return st.container()


def unselect(key: str) -> None:
    """A callback: clear the choice of the control ``key`` (preset pills, when the student types their own)."""
    st.session_state[key] = None


def preset_pills(label: str, options: Sequence[str], *, key: str,
                 settings: Callable[[str | None], Mapping[str, object]], bind: bool = True):
    """Preset pills, folded away in classroom mode: a click sets the controls to ``settings(choice)`` (control name →
    value). Bound to the URL parameter ``key`` unless ``bind`` is false. Returns the slot under them, for a problem."""
    with controls(label):
        st.pills(label, options, key=key, bind="query-params" if bind else None, on_change=_apply_preset,
                 args=(key, settings))
        return st.container()


def _apply_preset(key: str, settings: Callable[[str | None], Mapping[str, object]]) -> None:
    st.session_state.update(settings(st.session_state[key]))


T = TypeVar("T")


def computed_or_stop(compute: Callable[[], T], slots: Mapping[str, object], *, formula: str = "f") -> T:
    """``compute()``; when it raises a formula error or a ParameterError, the message goes under its control (the
    formula box ``formula`` when the control has no slot) and the page stops there."""
    try:
        return compute()
    except ExpressionError as error:
        show_problem(slots[formula], str(error))
    except ParameterError as error:
        show_problem(slots.get(error.parameter, slots[formula]), str(error))
    st.stop()


def show_problems(slots: Mapping[str, object], problems: Mapping[str, str]) -> None:
    """Each problem under its control (``slots``: control name → slot); problems of controls not shown are left out."""
    for name, message in problems.items():
        if name in slots:
            show_problem(slots[name], message)


def link_to_page(url_path: str, *, label: str, icon: str, query_params: Mapping[str, str]) -> None:
    """A link that opens the page at ``url_path`` with ``query_params``, when that page is registered (else nothing)."""
    page = next((p for p in PAGES if p.url_path == url_path), None)
    if page is not None:
        st.page_link(page.path, label=label, icon=icon, query_params=dict(query_params))
