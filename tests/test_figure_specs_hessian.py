"""The Hessian page's figures, built from plain specs (core.plots.style.assemble skips plotly.py's per-property checks),
are exactly what plotly.py's full validation makes of them, also through the projector styling; their frames send only
what changes, and each figure stays under the 300 KB a page may send."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from core import symbolic
from core.gradient_lab import Window
from core.hessian_lab import PRESETS, SLICE_ANGLES, compile_hessian, study_hessian
from core.plots.hessian import contour_figure, gap_figure, slice_figure
from core.plots.style import projector
from tests.app.support import decode

FIGURE_BYTES = 300_000  # a figure, animation frames included, stays under 300 KB (the house rule)
FIGURES = (contour_figure, slice_figure, gap_figure)
CASES = {  # f, point, window: every preset, and the awkward ones
    **{p.label: (p.formula, p.point, p.window) for p in PRESETS},
    "domain edge in the disc": ("log(x1) + x2^2", (0.5, 0.0), Window(-2.0, 2.0, -2.0, 2.0)),
    "pole in the window": ("1/(x1^2 + x2^2)", (1.0, 1.0), Window(-2.0, 2.0, -2.0, 2.0)),
    "point out of view": ("x1^2 + 3x2^2", (4.0, 0.5), Window(-2.0, 2.0, -2.0, 2.0)),
    "wide window": ("sin(x1) cos(x2) + 0.01x1^2", (10.0, -20.0), Window(-100.0, 100.0, -50.0, 50.0)),
    "singular, not stationary": ("x1^2 + x2", (0.5, 0.5), Window(-2.0, 2.0, -2.0, 2.0)),
}


def validated(figure: go.Figure) -> dict:
    """The figure as plotly.py's fully validating constructor rebuilds it, as JSON."""
    return json.loads(pio.to_json(go.Figure(figure.to_dict())))


def as_sent(figure: go.Figure) -> dict:
    """The figure's JSON with each frame's trace given the type of the drawn trace it updates (frames send only what
    changes; plotly.js merges them into the drawn traces, type included, and plotly.py's validation fills in its
    default type, scatter, which must then be the drawn trace's)."""
    spec = json.loads(pio.to_json(figure))
    for frame in spec.get("frames", []):
        for index, data in zip(frame["traces"], frame["data"]):
            data.setdefault("type", spec["data"][index]["type"])
    return spec


def study(case):
    text, point, window = case
    return study_hessian(compile_hessian(text), point=point, window=window)


@pytest.mark.parametrize("figure", FIGURES, ids=[f.__name__ for f in FIGURES])
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hessian_figures_survive_full_validation_unchanged(case, figure):
    built = figure(study(case))
    shown = as_sent(built)
    assert shown == validated(built)
    assert as_sent(projector(built)) == validated(projector(built))
    assert len(pio.to_json(built).encode()) < FIGURE_BYTES
    assert shown["layout"]["template"]  # plotly's default template is applied as before


def test_figures_survive_validation_without_the_exact_hessian(monkeypatch):
    monkeypatch.setattr(symbolic, "MATRIX_SECONDS", 0.0)  # SymPy out of time: the finite-difference H is drawn
    result = study(("x1^4 + x1^2(1 - 2x2) + x2^2 - 4x1 + 4", (0.0, 1.0), PRESETS[0].window))
    assert any("exact Hessian is not available" in note for note in result.notes)
    for figure in FIGURES:
        built = figure(result)
        assert as_sent(built) == validated(built)


def names(spec: dict) -> list[str]:
    return [t.get("name") for t in spec["data"]]


def test_contour_draws_the_model_the_axes_and_a_click_grid():
    shown = as_sent(contour_figure(study(CASES[PRESETS[0].label])))
    drawn = names(shown)
    assert {"f", "f's level curves", "quadratic model q", "v₁ (λ₁ = -2.000)", "v₂ (λ₂ = 2.000)", "∇f's direction",
            "model's saddle", "point", "click to move the point"} <= set(drawn)
    assert shown["layout"]["yaxis"]["scaleanchor"] == "x"  # equal scale: the axes look perpendicular
    assert shown["layout"]["xaxis"]["title"]["text"] == "x1"  # x1 horizontal
    assert [a["text"] for a in shown["layout"]["annotations"]] == ["λ₁ = -2.000", "λ₂ = 2.000"]


def test_a_flat_model_draws_no_model_curves():
    shown = as_sent(contour_figure(study(CASES["monkey saddle x1³ − 3x1x2²"])))
    assert "quadratic model q" not in names(shown) and "f's level curves" in names(shown)


def test_slice_frames_send_only_the_moving_traces():
    shown = as_sent(slice_figure(study(CASES[PRESETS[0].label])))
    frames = shown["frames"]
    assert [f["name"] for f in frames] == [f"θ={a:g}" for a in SLICE_ANGLES]
    moving = frames[0]["traces"]
    assert [shown["data"][i]["name"] for i in moving][0] == "direction u"
    assert all(set(d) <= {"x", "y", "name", "type"} for f in frames for d in f["data"])
    play = shown["layout"]["updatemenus"][0]["buttons"][0]["args"][1]
    assert play["frame"]["redraw"] is False  # scatter-only frames: f's levels are a picture, which frames leave be
    assert not [t for t in shown["data"] if t["type"] == "contour"] and len(shown["layout"]["images"]) == 1


def test_gap_figure_marks_the_radius_and_leaves_zero_gaps_out():
    quadratic = as_sent(gap_figure(study(CASES["saddle x1² − x2²"])))
    model = decode(next(t for t in quadratic["data"] if t["name"].startswith("quadratic model"))["y"])
    assert np.all(np.isnan(model) | (model > 0))  # a zero gap has no place on a log axis: left out (nan)
    assert "O(r³)" not in names(quadratic) and "O(r²)" in names(quadratic)
    assert any("f is quadratic" in a["text"] for a in quadratic["layout"]["annotations"])
    cubic = as_sent(gap_figure(study(CASES[PRESETS[0].label])))
    assert {"O(r³)", "O(r²)"} <= set(names(cubic))
    assert cubic["layout"]["shapes"][0]["x0"] == pytest.approx(1.5)  # R = a quarter of the 6-wide window
