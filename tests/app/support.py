"""Helpers shared by the AppTest files: open a page from the entrypoint and read back what it rendered."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 30  # seconds: a cold SymPy import alone can exceed AppTest's default 3 s


def open_page(query: dict[str, str | list[str]] | None = None, *, page: str) -> AppTest:
    """Run app.py with the URL's ``query``, switch to ``page`` (e.g. "views/sgd.py"), and check no exception."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def decode(values) -> np.ndarray:
    """A Plotly array from a chart spec: a plain list, or NumPy's {"dtype", "bdata"} base64 form."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).astype(float)
    return np.asarray(values, dtype=float)


def chart(at: AppTest, which: int | str = 0) -> dict:
    """The spec of a rendered Plotly chart: the ``which``-th, or the one created with key ``which``."""
    charts = at.get("plotly_chart")
    element = charts[which] if isinstance(which, int) else next(c for c in charts if which in c.proto.id)
    return json.loads(element.proto.spec)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def slot_after(at, key: str) -> str:
    """The text of the messages in the slot right after the widget ``key`` (where the page explains that control)."""

    def find(block):
        children = list(getattr(block, "children", {}).values())
        for i, child in enumerate(children):
            if getattr(child, "key", None) == key:
                return children[i + 1]
            found = find(child)
            if found is not None:
                return found
        return None

    slot = find(at.main)
    assert slot is not None, f"no widget {key!r} on the page"
    return " ".join(str(getattr(alert, "value", "")) for alert in getattr(slot, "children", {}).values())
