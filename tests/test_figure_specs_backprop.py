"""The Backprop graph figure, built from a plain spec, is what plotly.py's full validation makes of it (also through
the projector styling), its frames replace only the scatter traces that change, with redraw false, and it stays under
300 KB at the largest drawable graph."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from core.backprop_lab import MAX_DRAWN, PRESETS, study_backprop
from core.plots.backprop import ANIMATED, graph_figure
from core.plots.style import projector

FIGURE_BYTES = 300_000  # issue 12's ceiling for a figure, animation frames included
LARGEST = " + ".join(["sin(x1 x2)"] * 12)  # 38 nodes: just under MAX_DRAWN

CASES = {p.label: (p.formula, p.x1, p.x2) for p in PRESETS} | {"largest": (LARGEST, 0.3, 0.2)}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_spec_equals_validated_figure_and_is_small(case):
    formula, x1, x2 = case
    study = study_backprop(formula, x1=x1, x2=x2)
    assert study.drawable and len(study.graph.nodes) <= MAX_DRAWN
    figure = graph_figure(study)
    for shown in (figure, projector(figure)):
        assert json.loads(pio.to_json(go.Figure(shown.to_dict()))) == json.loads(pio.to_json(shown))
    assert len(pio.to_json(figure)) < FIGURE_BYTES
    for frame in figure.to_dict()["frames"]:
        assert list(frame["traces"]) == ANIMATED
        assert all(t["type"] == "scatter" for t in frame["data"])
    for control in (figure.layout.sliders[0].steps[0].args[1], figure.layout.updatemenus[0].buttons[0].args[1]):
        assert control["frame"]["redraw"] is False


def test_largest_case_is_near_the_limit():
    assert len(study_backprop(LARGEST, x1=0.3, x2=0.2).graph.nodes) > MAX_DRAWN - 5
