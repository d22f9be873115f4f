"""Widget glue shared by the pages (the only page-side helper): controls whose values live in the URL."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from core.urlparams import Param, read_params


def init_from_url(specs: Mapping[str, Param]) -> dict[str, str]:
    """Give each URL-bound control its starting value once: from the link when it is usable, else the default.

    Call before the widgets are created; create them with ``key=name, bind="query-params"`` and no ``value``.
    Returns {control name: why the link's value was refused}, to show next to those controls.
    """
    readings = read_params(st.query_params.to_dict(), specs)
    problems = {}
    for name, reading in readings.items():
        if name not in st.session_state:
            st.session_state[name] = reading.value
            if reading.problem:
                problems[name] = reading.problem
    return problems


def show_problem(slot, message: str | None) -> None:
    """An error under the control it belongs to (``slot`` is a container placed right after that control)."""
    if message:
        slot.error(message, icon=":material/error:")
