"""Figures built from plain specs (core.plots.style.assemble skips plotly.py's per-property checks for speed) are
exactly what plotly.py's full validation makes of them: same JSON, so no invalid property reaches the browser."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from core.derivative_lab import study_derivative
from core.gradient_lab import Window, study_gradient
from core.plots.derivative import error_figure, tangent_figure
from core.plots.gradient import contour_figure
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


GRADIENT_CASES = {  # f, point, window, field: the tutorial, a saddle with its field, a wide window, a pole
    "tutorial": ("(x1+2)(x1-5) + (x2+1)(x2-3)", (-3.0, -2.0), Window(-5.0, 5.0, -5.0, 5.0), False),
    "saddle-field": ("x1^2 - x2^2", (0.8, 0.3), Window(-2.0, 2.0, -2.0, 2.0), True),
    "wide": ("sin(x1) cos(x2)", (10.0, -20.0), Window(-100.0, 100.0, -50.0, 50.0), True),
    "pole": ("1/(x1^2 + x2^2)", (1.0, 1.0), Window(-2.0, 2.0, -2.0, 2.0), False),
}


@pytest.mark.parametrize("case", GRADIENT_CASES.values(), ids=GRADIENT_CASES.keys())
def test_gradient_contour_survives_full_validation_unchanged(case):
    f, point, window, field = case
    study = study_gradient(f, point=point, window=window, method="central", step=1e-6, angle=30.0)
    figure = contour_figure(study, scale=0.1, show_field=field)
    assert json.loads(pio.to_json(figure)) == validated(figure)
    assert json.loads(pio.to_json(projector(figure))) == validated(projector(figure))
