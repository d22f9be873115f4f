"""core.derivative_lab and its figures: the Derivative page's numbers against closed forms and the tutorial."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.derivative_lab import ANIMATION_STEPS, METHODS, PRESETS, ParameterError, study_derivative
from core.expressions import ExpressionError
from core.plots.derivative import error_figure, tangent_figure
from core.presentation import number, study_table

TEXTBOOK = 1e-12  # relative: the page's stencils are the textbook formulas, evaluated in the same float64 arithmetic
SLOPE_TOLERANCE = 0.15  # fitted log-log slopes of truncation error against the theoretical orders 1, 2, 4
X_RANGE = (-8.0, 12.0)

STENCILS = {  # the textbook formulas, written out independently of core.differences
    "forward": lambda f, x, h: (f(x + h) - f(x)) / h,
    "backward": lambda f, x, h: (f(x) - f(x - h)) / h,
    "central": lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h),
    "five-point": lambda f, x, h: (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h),
}


def test_tutorial_example_a():
    study = study_derivative("(x + 2)(x - 6)", x0=5.0, h=1e-6, method="central")
    assert study.fx0 == -7.0 and study.exact == 6.0
    assert number(study.estimate("central").value) == "6.000"
    assert study.trend == "increasing"
    assert study.derivative_latex == "2 x - 4"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("h", [1e-1, 1e-4, 1e-9], ids=["h=1e-1", "h=1e-4", "h=1e-9"])
def test_estimates_are_the_textbook_stencils_at_the_chosen_step(method, h):
    study = study_derivative("sin(x) + x^3/7", x0=1.3, h=h, method=method)
    f = study.expression.func  # the same float64 function: at h = 1e-9 one ulp of f moves a stencil by 1e-7
    assert study.estimate(method).value == pytest.approx(STENCILS[method](f, 1.3, h), rel=TEXTBOOK)
    np.testing.assert_allclose(f(np.array([0.3, 2.0])), np.sin([0.3, 2.0]) + np.array([0.3, 2.0]) ** 3 / 7, rtol=1e-15)


@pytest.mark.parametrize(("method", "order"), [("forward", 1), ("backward", 1), ("central", 2), ("five-point", 4)])
def test_error_sweep_shows_each_methods_order(method, order):
    study = study_derivative("exp(x)", x0=0.5, h=1e-3, method="central")
    steps, errors = study.sweep.steps, study.sweep.errors[study.sweep.methods.index(method)]
    truncation = (steps >= 1e-2) & (steps <= 1e-1) if order == 4 else (steps >= 1e-3) & (steps <= 1e-1)
    slope = np.polyfit(np.log(steps[truncation]), np.log(errors[truncation]), 1)[0]
    assert slope == pytest.approx(order, abs=SLOPE_TOLERANCE)


def test_round_off_upturn_and_best_step():
    study = study_derivative("exp(x)", x0=0.5, h=1e-3, method="central")
    central = study.estimate("central")
    assert 1e-7 <= central.best_step <= 1e-4  # theory: (3 eps / |f'''|)^(1/3) ≈ 7e-6
    errors = study.sweep.errors[study.sweep.methods.index("central")]
    assert errors[0] > 1e3 * central.best_error  # at h = 1e-12 round-off dominates
    assert study.estimate("five-point").best_step > central.best_step > study.estimate("forward").best_step


def test_secant_frames_converge_to_the_tangent():
    study = study_derivative("(x + 2)(x - 6)", x0=5.0, h=1e-6, method="forward")
    slopes = np.array([frame.slope for frame in study.frames])
    np.testing.assert_allclose(slopes, 6.0 + ANIMATION_STEPS, rtol=TEXTBOOK)  # forward on a quadratic: f' + h


def test_formula_shows_the_numbers():
    study = study_derivative("(x + 2)(x - 6)", x0=5.0, h=1e-6, method="central")
    assert r"\frac{f(x_0 + h) - f(x_0 - h)}{2h}" in study.formula_latex
    assert "-6.999994" in study.formula_latex and r"2 \cdot 10^{-6}" in study.formula_latex


@pytest.mark.parametrize(
    ("text", "x0", "trend"), [("x^2", -1.0, "decreasing"), ("x^2", 0.0, "stationary"), ("e^x", 0.0, "increasing")]
)
def test_trend(text, x0, trend):
    assert study_derivative(text, x0=x0, h=1e-6, method="central").trend == trend


CLOSED_FORMS = {  # each preset's rule, evaluated at its x0
    "(x+2)(x-6)": lambda x: 2 * x - 4, "3": lambda x: 0.0, "x^3": lambda x: 3 * x**2, "ln(x)": lambda x: 1 / x,
    "e^x": math.exp, "2^x": lambda x: 2**x * math.log(2), "sin(x)": math.cos, "cos(x)": lambda x: -math.sin(x),
    "tan(x)": lambda x: 1 / math.cos(x) ** 2,
}


@pytest.mark.parametrize("preset", PRESETS, ids=[p.formula for p in PRESETS])
def test_presets_reproduce_their_rule(preset):
    study = study_derivative(preset.formula, x0=preset.x0, h=1e-6, method="central")
    assert study.exact == pytest.approx(CLOSED_FORMS[preset.formula](preset.x0), rel=1e-14, abs=1e-15)
    assert study.estimate("central").abs_error < 1e-8


def test_stencil_leaving_the_domain_is_named():
    study = study_derivative("ln(x)", x0=0.5, h=1.0, method="central")
    assert any("central" in note and "one-sided" in note for note in study.notes)
    # second order, like central, on the defined side
    one_sided = (-3 * np.log(0.5) + 4 * np.log(1.5) - np.log(2.5)) / 2.0
    assert study.estimate("central").value == pytest.approx(one_sided, rel=TEXTBOOK)


@pytest.mark.parametrize(
    ("kwargs", "error", "parameter", "message"),
    [
        ({"text": "ln(x)", "x0": -1.0}, ParameterError, "x0", "not defined at x0 = -1"),
        ({"text": "1/x", "x0": 0.0}, ParameterError, "x0", "not defined"),
        ({"text": "x", "method": "sideways"}, ParameterError, "method", "method must be one of"),
        ({"text": "x", "h": 0.0}, ParameterError, "h", r"h must be a step in \(0, 1\]"),
        ({"text": "x", "h": 2.0}, ParameterError, "h", "h must be"),
        ({"text": "x", "x0": math.inf}, ParameterError, "x0", "finite"),
        ({"text": "x", "x_range": (3.0, 1.0)}, ParameterError, "x_range", "low < high"),
        ({"text": "x +"}, ExpressionError, None, "ends too early"),
    ],
    ids=["log-neg", "pole", "method", "h-zero", "h-large", "x0-inf", "range", "formula"],
)
def test_bad_settings(kwargs, error, parameter, message):
    settings = {"x0": 1.0, "h": 1e-3, "method": "central", **kwargs}
    with pytest.raises(error, match=message) as caught:
        study_derivative(settings.pop("text"), **settings)
    assert parameter is None or caught.value.parameter == parameter


def _xy(trace: dict) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(trace.x, dtype=float), np.asarray(trace.y, dtype=float)


def test_tangent_figure_holds_the_tangent_and_secant():
    study = study_derivative("(x + 2)(x - 6)", x0=5.0, h=0.5, method="central")
    figure = tangent_figure(study, x_range=X_RANGE)
    names = [trace.name for trace in figure.data]
    assert names == ["f(x)", "tangent", "secant", "stencil points", "x0"]
    x, y = _xy(figure.data[1])
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(6.0) and y[0] + 6.0 * (5.0 - x[0]) == pytest.approx(-7.0)
    sx, sy = _xy(figure.data[3])
    np.testing.assert_allclose(sx, [4.5, 5.5])
    assert len(figure.frames) == len(ANIMATION_STEPS)
    assert all(frame.traces == (2, 3) for frame in figure.frames)
    assert len(figure.to_json()) < 300_000


def test_error_figure_has_every_method_guides_and_current_step():
    study = study_derivative("exp(x)", x0=0.5, h=1e-4, method="central")
    figure = error_figure(study)
    names = [trace.name for trace in figure.data]
    assert set(METHODS) <= set(names) and {"O(h)", "O(h²)", "O(h⁴)"} <= set(names)
    assert figure.layout.xaxis.type == "log" and figure.layout.yaxis.type == "log"
    assert any(shape.x0 == 1e-4 for shape in figure.layout.shapes)


def test_table_prints_words_not_nan():
    study = study_derivative("ln(x)", x0=0.5, h=1.0, method="central")
    rows = study_table(study)
    assert [row["method"] for row in rows] == ["forward", "backward", "central ◀", "five-point", "complex step",
                                               "forward mode"]
    assert "nan" not in str(rows).lower()


def test_no_guide_through_pure_round_off():
    study = study_derivative("(x + 2)(x - 6)", x0=5.0, h=1e-6, method="central")  # central is exact on quadratics
    names = {trace.name for trace in error_figure(study).data}
    assert "O(h)" in names and not {"O(h²)", "O(h⁴)"} & names
