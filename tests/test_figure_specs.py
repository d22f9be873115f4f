"""Figures built from plain specs (core.plots.style.assemble skips plotly.py's per-property checks for speed) are
exactly what plotly.py's full validation makes of them: same JSON, so no invalid property reaches the browser."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from core.derivative_lab import study_derivative
from core.gradient_lab import Window, study_gradient
from core.optimizers import LABELS, METHODS
from core.optimizers_lab import (
    DEFAULT_METHODS,
    DEFAULT_RATES,
    DEFAULT_STEPS,
    MAX_STEPS,
    PRESETS,
    runs_for,
    step_detail,
    study_race,
    tune_rates,
)
from core.plots.derivative import error_figure, tangent_figure
from core.plots.gradient import contour_figure
from core.plots.optimizers import loss_figure, race_figure, tuning_figure
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


# ------------------------------------------------------------------------------------------------- Optimizers
FIGURE_BYTES = 300_000  # issue 12: a race figure, animation frames included, stays under 300 KB
ROSENBROCK = PRESETS[0]
SADDLE = next(p for p in PRESETS if p.label.startswith("saddle"))
RAVINE = next(p for p in PRESETS if p.label.startswith("ravine"))


def as_sent(figure: go.Figure) -> dict:
    """The figure's JSON with each animation frame's trace given the type of the drawn trace it updates: the race's
    frames send only what changes (plotly.js merges a frame's trace into the drawn one, type included), and
    plotly.py's validation fills in its default type, scatter, which must then be the drawn trace's type."""
    spec = json.loads(pio.to_json(figure))
    for frame in spec.get("frames", []):
        for index, data in zip(frame["traces"], frame["data"]):
            data.setdefault("type", spec["data"][index]["type"])
    return spec


def optimizers_race(preset=ROSENBROCK, *, methods=DEFAULT_METHODS, steps=DEFAULT_STEPS, rates=None, start=None,
                    text=None):
    known = text is None
    return study_race(text or preset.formula, start=start or preset.start, window=preset.window,
                      runs=runs_for(methods, rates or preset.rates, {}), steps=steps,
                      minima=preset.minima if known else (), minimum=preset.minimum if known else None)


RACE_CASES = {  # preset, methods, inspected method and step, what the drawn detail must contain
    "no-detail": (ROSENBROCK, DEFAULT_METHODS, None, 0, []),
    "momentum": (ROSENBROCK, ("gd", "momentum", "nesterov"), "momentum", 12, ["GD's step −lr·∇f (lr = 0.001)"]),
    "adam": (ROSENBROCK, ("adagrad", "rmsprop", "adam"), "adam", 10, ["−∇f's direction, at the step's length"]),
    # the preset's start (0.3, 1.5): ∂²f/∂x1² = 12·0.09 − 4 < 0, H indefinite, the model's stationary point a saddle
    "newton-indefinite": (SADDLE, ("gd", "newton"), "newton", 1, ["Newton's quadratic model", "the model's saddle"]),
    "every-method": (RAVINE, METHODS, "nesterov", 3, ["Nesterov's step 3"]),
}


@pytest.mark.parametrize("case", RACE_CASES.values(), ids=RACE_CASES.keys())
def test_optimizers_race_figure_survives_full_validation_unchanged(case):
    preset, methods, inspect, t, names = case
    study = optimizers_race(preset, methods=methods, steps=200)
    detail = step_detail(study, inspect, t) if inspect else None
    figure = race_figure(study, detail=detail)
    shown = as_sent(figure)
    assert shown == validated(figure)
    assert as_sent(projector(figure)) == validated(projector(figure))
    drawn = {trace.get("name") for trace in shown["data"]}
    assert {LABELS[m] for m in methods} <= drawn and set(names) <= drawn
    assert len(shown["frames"]) >= len(study.frames)


def test_optimizers_race_figure_with_a_diverged_run_survives_full_validation():
    study = optimizers_race(methods=("gd", "adam"), rates={"gd": 10.0, "adam": 0.05}, steps=300)
    assert study.trajectory("gd").diverged_at is not None  # GD at 10 on Rosenbrock leaves the numbers
    figure = race_figure(study, detail=step_detail(study, "adam", 300))  # the slider at the last step
    shown = as_sent(figure)
    assert shown == validated(figure)
    heads = {t["name"]: t for t in shown["data"] if " at step " in str(t.get("name"))}
    gd = study.trajectory("gd")  # its head stays where it stopped, a cross
    assert heads[f"GD at step {gd.steps}"]["marker"]["symbol"] == "x"
    assert heads["Adam at step 300"]["marker"]["symbol"] == "circle"


LOSS_CASES = {  # a preset (f* known: log axis of f − f*) and a typed f (f itself), one with a diverged run
    "known-minimum": dict(methods=METHODS),
    "typed-f": dict(text="x1^2 + 3x2^2 + sin(x1)", methods=("gd", "adam", "newton")),
    "diverged": dict(methods=("gd", "momentum"), rates={"gd": 10.0, "momentum": 1e-3}),
}


@pytest.mark.parametrize("case", LOSS_CASES.values(), ids=LOSS_CASES.keys())
def test_optimizers_loss_figure_survives_full_validation_unchanged(case):
    study = optimizers_race(steps=300, **case)
    figure = loss_figure(study)
    shown = json.loads(pio.to_json(figure))
    assert shown == validated(figure)
    assert json.loads(pio.to_json(projector(figure))) == validated(projector(figure))
    assert shown["layout"]["yaxis"].get("type") == ("log" if study.minimum is not None else None)


TUNING_CASES = [  # f, start, methods, minimum, with the quadratic's stability lines
    pytest.param((RAVINE.formula, RAVINE.start, ("gd", "momentum", "newton"), 0.0, True), id="ravine-with-lines"),
    pytest.param((ROSENBROCK.formula, ROSENBROCK.start, ("gd", "adam"), 0.0, False), id="rosenbrock-no-lines"),
    pytest.param(("x1^2 + x2^2", (1.0, 1.0), ("gd", "newton"), 0.0, True), id="exact-zero-on-log-axis"),  # GD at 0.5
    pytest.param(("x1^2 + x2^2 + x1", (1.0, 1.0), ("gd", "rmsprop"), None, False), id="typed-no-minimum"),
]


@pytest.mark.parametrize("case", TUNING_CASES)
def test_optimizers_tuning_figure_survives_full_validation_unchanged(case):
    text, start, methods, minimum, lines = case
    tuned = tune_rates(text, start=start, methods=methods, steps=100)
    quadratic = study_race(text, start=start, window=RAVINE.window, runs=runs_for(methods, DEFAULT_RATES, {}),
                           steps=1).quadratic if lines else None
    assert (quadratic is not None) == lines
    figure = tuning_figure(tuned, minimum=minimum, stable_lr=quadratic.stable_lr if quadratic else None,
                           momentum_lr=quadratic.momentum_lr if quadratic else None)
    shown = json.loads(pio.to_json(figure))
    assert shown == validated(figure)
    assert json.loads(pio.to_json(projector(figure))) == validated(projector(figure))
    assert len(shown["layout"].get("shapes", [])) == (2 if lines else 0)


SIZE_CASES = {  # the page's default view (Adam inspected at step 10), and the largest race the page allows
    "default": dict(),
    "7-methods-5000-steps": dict(methods=METHODS, steps=MAX_STEPS),
}


@pytest.mark.parametrize("case", SIZE_CASES.values(), ids=SIZE_CASES.keys())
def test_optimizers_race_figure_is_under_300_kb(case):
    study = optimizers_race(**case)
    figure = race_figure(study, detail=step_detail(study, "adam", 10))
    size = len(pio.to_json(figure).encode())
    assert size < FIGURE_BYTES, f"{size:,} bytes"
