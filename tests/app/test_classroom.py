"""AppTest of the classroom features: scenario links, classroom mode, the copy-a-link box and exports."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qsl

import pytest

from core.catalog import PAGES, SCENARIOS, view_link
from core.plots.style import FONT_SIZE, PROJECTOR_SCALE
from tests.app.support import chart, open_page

PAGE_OF = {p.url_path: p.path for p in PAGES}
WIDGET_READERS = ("text_input", "number_input", "select_slider", "selectbox", "slider", "toggle", "segmented_control",
                  "radio", "button_group")


def widget_value(at, key: str):
    for kind in WIDGET_READERS:
        for element in at.get(kind):
            if getattr(element, "key", None) == key:
                return element.value
    raise KeyError(key)


def expected(raw: list[str], current):
    if isinstance(current, bool):
        return raw[-1] == "true"
    if isinstance(current, (tuple, list)):  # a range (two numbers) or several choices (words)
        return tuple(raw) if all(isinstance(v, str) for v in current) else tuple(float(v) for v in raw)
    if isinstance(current, (int, float)):
        return float(raw[-1])
    return raw[-1]


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.url_path in PAGE_OF], ids=lambda s: s.title[:30])
def test_each_scenario_opens_its_page_in_the_state_it_sets(scenario):
    query: dict[str, list[str]] = {}
    for key, value in scenario.params:
        query.setdefault(key, []).append(value)
    at = open_page({k: v if len(v) > 1 else v[0] for k, v in query.items()}, page=PAGE_OF[scenario.url_path])
    assert not at.exception
    for key, raw in query.items():
        current = widget_value(at, key)
        want = expected(raw, current)
        if isinstance(want, tuple) and all(isinstance(v, str) for v in want):
            assert tuple(current) == want, key
        elif isinstance(want, (float, tuple)):
            assert current == pytest.approx(want), key
        else:
            assert current == want, key
    assert not [e.value for e in at.error if "Link parameter" in e.value]


def test_learning_rate_scenario_names_the_problem():
    scenario = next(s for s in SCENARIOS if s.title == "Learning rate too high")
    at = open_page(dict(scenario.params), page=PAGE_OF["sgd"])
    assert any("Learning rate too high" in e.value for e in at.error)


def test_classroom_mode_enlarges_figures_and_folds_controls():
    at = open_page({"classroom": "true"}, page=PAGE_OF["derivative"])
    spec = chart(at)
    assert spec["layout"]["font"]["size"] == pytest.approx(FONT_SIZE * PROJECTOR_SCALE)
    widths = [t["line"]["width"] for t in spec["data"] if isinstance(t.get("line"), dict) and "width" in t["line"]]
    assert widths and min(widths) >= 3 * PROJECTOR_SCALE - 1e-9
    frame_widths = [t["line"]["width"] for t in spec["frames"][0]["data"] if "line" in t]
    assert frame_widths and frame_widths[0] == pytest.approx(3 * PROJECTOR_SCALE)
    assert [e.label for e in at.expander] == ["Presets", "Plot range"]


def test_copy_link_box_carries_the_view():
    at = open_page({"f": "sin(x)", "x0": "1.5"}, page=PAGE_OF["derivative"])
    link = at.sidebar.code[0].value
    assert dict(parse_qsl(link.split("?", 1)[1])) == {"f": "sin(x)", "x0": "1.5"}


def test_view_link_repeats_range_values():
    assert view_link("http://host/gradient", {"x1_range": ["-2", "2"], "f": "x1"}) == "http://host/gradient?x1_range=-2&x1_range=2&f=x1"
    assert view_link("http://host/", {}) == "http://host/"


def test_sgd_exports_the_run_and_its_settings():
    at = open_page({"steps": "100"}, page=PAGE_OF["sgd"])
    buttons = at.get("download_button")
    assert len(buttons) == 2
    from core.sgd_lab import SgdSettings, history_csv, run_sgd, settings_json

    settings = SgdSettings(steps=100)
    rows = list(csv.DictReader(io.StringIO(history_csv(run_sgd(settings)))))
    assert len(rows) == 101 and rows[0]["step"] == "0" and rows[-1]["step"] == "100"
    assert set(rows[0]) == {"step", "beta1", "beta2", "loss", "accuracy"}
    assert json.loads(settings_json(settings))["steps"] == 100
