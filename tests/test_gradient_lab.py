"""core.gradient_lab and its figures against the tutorial's example B, closed forms and geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.errors import ParameterError
from core.expressions import ExpressionError
from core.gradient_lab import GRID, PRESETS, QUIVER, Window, study_gradient
from core.plots.gradient import contour_figure, surface_figure
from core.presentation import gradient_readouts

TUTORIAL = PRESETS[0]
CENTRAL = 1e-8  # absolute: central differences with h = 1e-6 on these O(1)–O(100) gradients
EXACT = 1e-12
WINDOW = Window(-5, 5, -5, 5)


def test_tutorial_example_b():
    study = study_gradient(TUTORIAL.formula, point=(-3.0, -2.0), window=WINDOW)
    assert study.value == 13.0
    np.testing.assert_array_equal(study.exact, [-9.0, -6.0])
    np.testing.assert_allclose(study.numeric, [-9.0, -6.0], atol=CENTRAL)
    assert [m[1] for m in gradient_readouts(study).metrics] == ["13.000", "-9.000", "-6.000", "10.817"]


CLOSED = {  # (formula, gradient closed form)
    "saddle": ("x1^2 - x2^2", lambda a, b: (2 * a, -2 * b)),
    "rosenbrock": ("(1 - x1)^2 + 100(x2 - x1^2)^2",
                   lambda a, b: (-2 * (1 - a) - 400 * a * (b - a**2), 200 * (b - a**2))),
    "himmelblau": ("(x1^2 + x2 - 11)^2 + (x1 + x2^2 - 7)^2",
                   lambda a, b: (4 * a * (a**2 + b - 11) + 2 * (a + b**2 - 7),
                                 2 * (a**2 + b - 11) + 4 * b * (a + b**2 - 7))),
    "ravine": ("0.1x1^2 + 5x2^2", lambda a, b: (0.2 * a, 10 * b)),
    "trig": ("sin(x1) cos(x2)", lambda a, b: (math.cos(a) * math.cos(b), -math.sin(a) * math.sin(b))),
}


@pytest.mark.parametrize("name", CLOSED)
@pytest.mark.parametrize("point", [(0.7, -1.3), (-1.1, 0.4)], ids=["p1", "p2"])
def test_gradient_matches_closed_forms(name, point):
    formula, closed = CLOSED[name]
    study = study_gradient(formula, point=point, window=WINDOW, method="five-point", step=1e-3)
    np.testing.assert_allclose(study.exact, closed(*point), rtol=EXACT)
    np.testing.assert_allclose(study.numeric, closed(*point), rtol=1e-9, atol=1e-9)


def test_gradient_is_perpendicular_to_the_level_curve_tangent():
    study = study_gradient("(1 - x1)^2 + 100(x2 - x1^2)^2", point=(-1.0, 1.5), window=WINDOW)
    assert study.tangent @ study.exact == pytest.approx(0.0, abs=1e-12)
    assert np.hypot(*study.tangent) == pytest.approx(1.0)


@pytest.mark.parametrize("angle", [0.0, 90.0, 30.0, -135.0])
def test_directional_derivative(angle):
    study = study_gradient(TUTORIAL.formula, point=(-3.0, -2.0), window=WINDOW, angle=angle)
    t = math.radians(angle)
    assert study.directional == pytest.approx(-9 * math.cos(t) - 6 * math.sin(t), rel=EXACT, abs=EXACT)


def test_grid_orientation_rows_along_x2():
    window = Window(-2, 4, 10, 11)
    study = study_gradient("x1 + 100 x2", point=(0.0, 10.5), window=window)
    assert study.grid_f.shape == (GRID, GRID)
    assert study.grid_f[0, -1] == pytest.approx(4 + 1000) and study.grid_f[-1, 0] == pytest.approx(-2 + 1100)
    assert study.field_g1.shape == (QUIVER, QUIVER)
    np.testing.assert_allclose(study.field_g1, 1.0) and np.testing.assert_allclose(study.field_g2, 100.0)


def test_tangent_plane_touches_the_surface():
    study = study_gradient("x1^2 - x2^2", point=(1.0, 0.5), window=WINDOW)
    gap = np.abs(study.patch_f - study.patch_plane)
    centre = gap.shape[0] // 2
    assert gap[centre, centre] == pytest.approx(0.0, abs=1e-12)
    assert gap.max() > 0.01  # a saddle bends away from its tangent plane


def test_stationary_point_is_named():
    study = study_gradient("x1^2 + x2^2", point=(0.0, 0.0), window=WINDOW)
    assert any("stationary point" in note for note in study.notes)


@pytest.mark.parametrize(
    ("formula", "kwargs", "error", "message"),
    [
        ("y + x1", {}, ExpressionError, "Unknown name 'y'"),
        ("log(x1)", {"point": (-1.0, 0.0)}, ParameterError, "not defined at"),
        ("x1", {"method": "up"}, ParameterError, "method must be"),
        ("x1", {"window": Window(1, 1, 0, 2)}, ParameterError, "view window"),
        ("x1", {"point": (math.nan, 0.0)}, ParameterError, "x1 must be a finite"),
        ("x1", {"step": -1.0}, ParameterError, "h must be"),
    ],
    ids=["unknown-variable", "outside-domain", "method", "window", "nan-point", "step"],
)
def test_bad_settings(formula, kwargs, error, message):
    settings = {"point": (0.5, 0.5), "window": WINDOW, **kwargs}
    with pytest.raises(error, match=message):
        study_gradient(formula, **settings)


def test_contour_figure_x1_horizontal_and_arrows():
    study = study_gradient(TUTORIAL.formula, point=(-3.0, -2.0), window=WINDOW)
    figure = contour_figure(study, scale=0.1, show_field=True)
    assert figure.layout.xaxis.title.text == "x1" and figure.layout.yaxis.title.text == "x2"
    by_name = {trace.name: trace for trace in figure.data}
    gradient = by_name["gradient"]
    np.testing.assert_allclose([gradient.x[1] - gradient.x[0], gradient.y[1] - gradient.y[0]], [-0.9, -0.6])
    np.testing.assert_allclose([by_name["∂f/∂x1"].x[1], by_name["∂f/∂x1"].y[1]], [-3.9, -2.0])
    np.testing.assert_allclose([by_name["∂f/∂x2"].x[1], by_name["∂f/∂x2"].y[1]], [-3.0, -2.6])
    assert "gradient field" in by_name and by_name["f"].z.shape == (GRID, GRID)
    assert len(figure.to_json()) < 700_000


def test_surface_figure_has_the_tangent_plane():
    study = study_gradient(TUTORIAL.formula, point=(-3.0, -2.0), window=WINDOW)
    names = [trace.name for trace in surface_figure(study).data]
    assert names == ["f", "tangent plane", "point"]
