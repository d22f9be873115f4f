"""Figures built from plain specs (core.plots.style.assemble skips plotly.py's per-property checks for speed) are
exactly what plotly.py's full validation makes of them: same JSON, so no invalid property reaches the browser."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from core.derivative_lab import study_derivative
from core.plots.derivative import error_figure, tangent_figure
from core.plots.style import projector

X_RANGE = (-8.0, 12.0)
DERIVATIVE_CASES = {  # f, x0, h, method: a polynomial, a domain edge, a kink, a pole nearby, a tiny step
    "tutorial": ("(x+2)(x-6)", 5.0, 1e-6, "central"),
    "log-edge": ("ln(x)", 0.001, 0.01, "central"),
    "kink": ("abs(x)", 0.0, 1e-4, "backward"),
    "pole": ("1/(x-1)", 1.5, 1e-2, "five-point"),
    "forward": ("sin(x)", 1.0, 1e-12, "forward"),
}


def validated(figure: go.Figure) -> dict:
    """The figure as plotly.py's fully validating constructor rebuilds it, as JSON."""
    return json.loads(pio.to_json(go.Figure(figure.to_dict())))


@pytest.mark.parametrize("case", DERIVATIVE_CASES.values(), ids=DERIVATIVE_CASES.keys())
def test_derivative_figures_survive_full_validation_unchanged(case):
    f, x0, h, method = case
    study = study_derivative(f, x0=x0, h=h, method=method, x_range=X_RANGE)
    for figure in (tangent_figure(study, x_range=X_RANGE), error_figure(study)):
        shown = json.loads(pio.to_json(figure))
        assert shown == validated(figure)
        assert json.loads(pio.to_json(projector(figure))) == validated(projector(figure))
        assert shown["data"] and shown["layout"]["template"]  # plotly's default template is applied as before
