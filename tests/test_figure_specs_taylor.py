"""The Taylor page's figures, built from plain specs (core.plots.style.assemble skips plotly.py's per-property
checks), are exactly what plotly.py's full validation makes of them, also through the projector styling; the
polynomials figure with its animation frames stays under 300 KB at the largest order and widest range."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from core.plots.style import projector
from core.plots.taylor import polynomials_figure, remainder_figure
from core.taylor_lab import MAX_ORDER, study_taylor, taylor_series

FIGURE_BYTES = 300_000  # issue 12's ceiling for a figure, animation frames included

CASES = {  # f, x0, n, plot range: the default, the Home scenario, a pole at the edge of a wide range, an exact
    # polynomial, a singular x0 (order 0), no radius (|x|), the Runge function at the top order, a complex radius
    "default-exp": ("e^x", 0.0, 4, (-3.0, 3.0)),
    "scenario-ln": ("ln(x)", 1.0, 8, (-0.5, 3.0)),
    "pole-wide": ("1/(1-x)", 0.999, MAX_ORDER, (-50.0, 50.0)),
    "tutorial-exact": ("(x+2)(x-6)", 5.0, 3, (-8.0, 12.0)),
    "singular-x0": ("sqrt(x)", 0.0, 4, (-1.0, 2.0)),
    "no-radius": ("abs(x)", 1.0, 2, (-2.0, 2.0)),
    "runge-top-order": ("1/(1+x^2)", 0.0, MAX_ORDER, (-3.0, 3.0)),
    "tan-poles": ("tan(x)", 0.3, MAX_ORDER, (-50.0, 50.0)),
}


def study(case):
    text, x0, order, x_range = case
    return study_taylor(taylor_series(text, order=order), x0=x0, x_range=x_range)


def validated(figure: go.Figure) -> dict:
    """The figure as plotly.py's fully validating constructor rebuilds it, as JSON."""
    return json.loads(pio.to_json(go.Figure(figure.to_dict())))


def as_sent(figure: go.Figure) -> dict:
    """The figure's JSON with each frame's trace given the type of the drawn trace it updates (frames send only what
    changes; plotly.py's validation fills in scatter, which every trace of these figures is)."""
    spec = json.loads(pio.to_json(figure))
    for frame in spec.get("frames", []):
        for index, data in zip(frame["traces"], frame["data"]):
            data.setdefault("type", spec["data"][index]["type"])
    return spec


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_polynomials_figure_survives_full_validation_unchanged(case):
    result = study(case)
    figure = polynomials_figure(result)
    shown = as_sent(figure)
    assert shown == validated(figure)
    assert as_sent(projector(figure)) == validated(projector(figure))
    names = [t.get("name") for t in shown["data"]]
    assert [n for n in names if n.startswith("Taylor order")] == [f"Taylor order {k}" for k in range(result.order + 1)]
    assert len(shown["frames"]) == len(result.frames)
    assert ("|x − x0| < R" in names) == any(f.radius < float("inf") for f in result.frames)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_remainder_figure_survives_full_validation_unchanged(case):
    figure = remainder_figure(study(case))
    shown = json.loads(pio.to_json(figure))
    assert shown == validated(figure)
    assert json.loads(pio.to_json(projector(figure))) == validated(projector(figure))
    assert shown["layout"]["xaxis"]["type"] == shown["layout"]["yaxis"]["type"] == "log"


@pytest.mark.parametrize("case", [CASES["pole-wide"], CASES["runge-top-order"], CASES["tan-poles"]],
                         ids=["pole-wide", "runge-top-order", "tan-poles"])
def test_polynomials_figure_is_under_300_kb(case):
    figure = polynomials_figure(study(case))
    size = len(pio.to_json(figure).encode())
    assert size < FIGURE_BYTES, f"{size:,} bytes"
