"""AppTest of the Backprop page: colah's example by default (the graph's node values and adjoints, ∂f/∂x2 = 5 as the
sum of two paths), every preset, the URL round trip, a point outside the domain named, a formula too large to draw,
and bad input explained beside its control.

Until core/catalog.py lists the page, it is opened from its own file (views/backprop.py); once it is listed, from
app.py like every other page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.backprop_lab import PRESETS
from core.catalog import PAGES
from tests.app.support import TIMEOUT, decode, metrics, open_page, slot_after

PAGE = "views/backprop.py"
VIEW = str(Path(__file__).resolve().parents[2] / PAGE)


def open_backprop(query: dict[str, str] | None = None) -> AppTest:
    if any(p.path == PAGE for p in PAGES):
        return open_page(query, page=PAGE)
    at = AppTest.from_file(VIEW, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def graph(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_default_is_colahs_example_with_both_passes_on_the_graph():
    at = open_backprop()
    shown = metrics(at)
    assert shown["f(x1, x2)"] == "6.000"
    assert shown["∂f/∂x1 (backward pass)"] == "2.000"
    assert shown["∂f/∂x2 (backward pass)"] == "5.000"
    spec = graph(at)
    nodes = next(t for t in spec["data"] if t["name"] == "nodes")
    assert nodes["text"] == ["x1", "x2", "+", "1", "+", "×"]
    values = next(t for t in spec["data"] if t["name"] == "values")
    assert "v = 1.000<br>ā = 5.000" in values["text"]  # x2: value 1, adjoint 2 + 3
    assert "v = 6.000<br>ā = 1.000" in values["text"]
    assert len(spec["frames"]) == 6 + 3  # six nodes forward, three operations backward
    plus = [f for f in spec["frames"] if f["data"][2]["text"]]
    assert len(plus) == 1 and plus[0]["data"][2]["text"] == ["+="]  # x2 reached twice: one +=
    assert any("Sum over 2 path(s): ∂f/∂x2 = **5.000**" in m.value for m in at.markdown)
    table = at.dataframe[0].value
    assert list(table["method"])[-2:] == ["Reverse mode (backprop)", "Symbolic (SymPy)"]


@pytest.mark.parametrize("preset", PRESETS, ids=[p.label for p in PRESETS])
def test_every_preset_loads_with_a_gradient_matching_the_exact_one(preset):
    at = open_backprop({"f": preset.formula, "x1": str(preset.x1), "x2": str(preset.x2)})
    assert not at.error
    for label, value in metrics(at).items():
        assert "nan" not in value, label
    assert all("gap" in c.value for c in at.caption if c.value.startswith("∂f/∂"))
    x = decode(graph(at)["data"][2]["x"])
    assert x.min() == 0  # layered left to right, inputs at layer 0


def test_a_preset_pill_sets_formula_and_point():
    at = open_backprop()
    at.pills(key="backprop_preset").set_value(PRESETS[3].label).run()
    assert not at.exception
    assert at.text_input(key="f").value == PRESETS[3].formula
    assert metrics(at)["∂f/∂x1 (backward pass)"] == "-9.000"


def test_typing_a_formula_and_point_updates_the_page():
    at = open_backprop()
    at.text_input(key="f").set_value("x1 x1 + sin(x2)").run()
    at.number_input(key="x1").set_value(3.0).run()
    assert not at.exception
    assert metrics(at)["∂f/∂x1 (backward pass)"] == "6.000"


def test_a_point_outside_the_domain_names_the_node():
    at = open_backprop({"f": "log(x1) + x2", "x1": "-1", "x2": "0"})
    assert "'log(x1)' (character 1)" in slot_after(at, "f")
    assert metrics(at)["∂f/∂x1 (backward pass)"] == "nan (undefined)"


def test_a_formula_too_large_to_draw_shows_the_numbers():
    big = " + ".join(f"sin({k}x1 x2)" for k in range(1, 12))
    at = open_backprop({"f": big, "x1": "0.3", "x2": "0.2"})
    assert not at.get("plotly_chart")
    assert any("too many to draw" in i.value for i in at.info)
    assert len(at.dataframe) == 2


@pytest.mark.parametrize(("query", "control", "words"), [
    ({"f": "x1 +"}, "f", "ends too early"),
    ({"f": "y^2"}, "f", "Unknown name"),
    ({"x1": "abc"}, "x1", "x1"),
], ids=["incomplete", "unknown-name", "bad-x1"])
def test_bad_input_is_explained_beside_its_control(query, control, words):
    at = open_backprop(query)
    assert words in slot_after(at, control)
