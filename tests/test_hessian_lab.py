"""core.hessian_lab: the Hessian page's numbers against hand-worked Hessians, SymPy, SciPy, the reference's
second-derivative test examples, the quadratic model's r³ gap, and the eigen-decomposition's own identities."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.differentiate import hessian as scipy_hessian

from core import symbolic
from core.errors import ParameterError
from core.gradient_lab import Window
from core.hessian_lab import (
    AXIS_REACH,
    KINDS,
    MODEL_LEVELS,
    PRESETS,
    SHAPES,
    SLICE_ANGLES,
    STATIONARY_RTOL,
    ZERO_RTOL,
    compile_hessian,
    curvature,
    find_preset,
    gap_sentence,
    preset_settings,
    readouts,
    stationary_tolerance,
    study_hessian,
)

EXACT = 1e-12  # relative: SymPy's derivatives evaluated in float64 against closed forms
# Central second differences with h = ε^¼·min(|x|, 1) ≈ 1.2e-4: truncation h²·|f''''|/12 ≈ 1e-9·|f''''|, round-off
# ~4ε·|f|/h² ≈ 6e-8·|f|; relative to |f| + ‖H‖ + 1 the error stays below 1e-6 at these points.
CENTRAL = 1e-6
SCIPY = 1e-8  # scipy.differentiate.hessian's own default tolerances (rtol ~ √ε on its iterated derivative)
SLOPE = 0.1  # fitted log–log slope of the gaps against the theoretical orders 3 and 2
HALVING = 0.05  # relative: gap(r)/gap(r/2) against 2³ = 8 at r = 0.01 (the r⁴ term is ~r/… of the r³ one)
WINDOW = Window(-2.0, 2.0, -2.0, 2.0)
E2 = math.e**2


def study(text: str, point, window: Window = WINDOW):
    return study_hessian(compile_hessian(text), point=point, window=window)


# ----------------------------------------------------------------------------------------------- hand-worked
HAND_WORKED = {  # f, p, f(p), ∇f(p), H(p), each worked by hand from the formula
    "issue-quartic": ("x1^4 + x1^2(1 - 2x2) + x2^2 - 4x1 + 4", (0.0, 1.0), 5.0, (-4.0, 2.0), ((-2.0, 0.0), (0.0, 2.0))),
    # the tutorial's example B: ∂f/∂x1 = 2x1 − 3, ∂f/∂x2 = 2x2 − 2, H = 2I
    "tutorial-b": ("(x1+2)(x1-5) + (x2+1)(x2-3)", (-3.0, -2.0), 13.0, (-9.0, -6.0), ((2.0, 0.0), (0.0, 2.0))),
    # Rosenbrock: H = [[2 − 400(x2 − 3x1²), −400x1], [−400x1, 200]] = [[802, −400], [−400, 200]] at (1, 1)
    "rosenbrock-minimum": ("(1 - x1)^2 + 100(x2 - x1^2)^2", (1.0, 1.0), 0.0, (0.0, 0.0),
                           ((802.0, -400.0), (-400.0, 200.0))),
    # monkey saddle: ∇f = (3x1² − 3x2², −6x1x2), H = [[6x1, −6x2], [−6x2, −6x1]]; at (1, 2): f = 1 − 12
    "monkey-at-(1,2)": ("x1^3 - 3x1 x2^2", (1.0, 2.0), -11.0, (-9.0, -12.0), ((6.0, -12.0), (-12.0, -6.0))),
    # e^(x1x2): ∇f = e^(x1x2)(x2, x1), H = e^(x1x2)[[x2², 1 + x1x2], [1 + x1x2, x1²]]
    "exp-product": ("e^(x1 x2)", (1.0, 2.0), E2, (2 * E2, E2), ((4 * E2, 3 * E2), (3 * E2, E2))),
    # sin x1 cos x2: H = [[−sin a cos b, −cos a sin b], [−cos a sin b, −sin a cos b]]
    "sin-cos": ("sin(x1) cos(x2)", (0.5, 0.8), math.sin(0.5) * math.cos(0.8),
                (math.cos(0.5) * math.cos(0.8), -math.sin(0.5) * math.sin(0.8)),
                ((-math.sin(0.5) * math.cos(0.8), -math.cos(0.5) * math.sin(0.8)),
                 (-math.cos(0.5) * math.sin(0.8), -math.sin(0.5) * math.cos(0.8)))),
}


@pytest.mark.parametrize("case", HAND_WORKED.values(), ids=HAND_WORKED.keys())
def test_hand_worked_value_gradient_and_hessian(case):
    text, point, value, gradient, hessian = case
    result = study(text, point, Window(-3.0, 3.0, -3.0, 3.0))
    assert result.value == pytest.approx(value, rel=EXACT, abs=EXACT)
    np.testing.assert_allclose(result.gradient, gradient, rtol=EXACT, atol=EXACT)
    np.testing.assert_allclose(result.exact, hessian, rtol=EXACT, atol=EXACT)
    np.testing.assert_allclose(result.hessian, hessian, rtol=EXACT, atol=EXACT)
    assert result.exact_gradient and result.hessian_latex


def test_the_issue_example_reads_as_the_issue_states():
    result = study(*HAND_WORKED["issue-quartic"][:2], PRESETS[0].window)
    shown = readouts(result)
    assert dict(shown.metrics) == {"f(x1, x2)": "5.000", "∂f/∂x1": "-4.000", "∂f/∂x2": "2.000", "det H": "-4.000"}
    assert r"\begin{bmatrix} -2.000 & 0.000 \\ 0.000 & 2.000 \end{bmatrix}" in shown.exact  # no "-0.000"
    np.testing.assert_allclose(result.centre, (-2.0, 0.0))  # p − H⁻¹∇f = (0, 1) − (−4/−2, 2/2)
    assert result.curvature.kind == "indefinite" and not result.curvature.stationary


# ----------------------------------------------------------------------------------------------- SymPy
X1, X2 = sp.symbols("x1 x2", real=True)
SYMPY_CASES = {  # the formula as typed, the same function built in SymPy here, and points
    "implicit-products": ("3x1^2 x2 - 2x1 x2^3 + x2", 3 * X1**2 * X2 - 2 * X1 * X2**3 + X2, [(0.5, -1.0), (2.0, 3.0)]),
    "log-sqrt": ("log(1 + x1^2) + sqrt(x2^2 + 1)", sp.log(1 + X1**2) + sp.sqrt(X2**2 + 1), [(0.3, 0.7), (-2.0, 1.5)]),
    "quotient": ("x1/(1 + x2^2) + atan(x1 x2)", X1 / (1 + X2**2) + sp.atan(X1 * X2), [(1.0, 1.0), (-0.4, 2.2)]),
    "trig-exp": ("exp(-x1^2) cos(3x2) + tanh(x1 - x2)", sp.exp(-X1**2) * sp.cos(3 * X2) + sp.tanh(X1 - X2),
                 [(0.2, -0.1), (1.1, 0.9)]),
}


@pytest.mark.parametrize("case", SYMPY_CASES.values(), ids=SYMPY_CASES.keys())
def test_exact_hessian_matches_sympys_own(case):
    text, expr, points = case
    reference = sp.lambdify((X1, X2), sp.hessian(expr, (X1, X2)).tolist(), "math")
    compiled = compile_hessian(text)
    for point in points:
        result = study_hessian(compiled, point=point, window=Window(-3.0, 3.0, -3.0, 3.0))
        np.testing.assert_allclose(result.exact, np.array(reference(*point), dtype=float), rtol=EXACT, atol=EXACT)


@pytest.mark.parametrize("case", SYMPY_CASES.values(), ids=SYMPY_CASES.keys())
def test_central_differences_are_close_to_scipys_hessian(case):
    text, expr, points = case
    compiled = compile_hessian(text)
    f = sp.lambdify((X1, X2), expr, "numpy")
    for point in points:
        result = study_hessian(compiled, point=point, window=Window(-3.0, 3.0, -3.0, 3.0))
        reference = scipy_hessian(lambda x: f(x[0], x[1]), np.asarray(point, dtype=float)).ddf
        scale = 1 + abs(result.value) + float(np.abs(reference).max())
        assert np.abs(result.numerical - reference).max() <= CENTRAL * scale
        assert np.abs(result.exact - reference).max() <= SCIPY * scale
        assert result.numerical_error <= CENTRAL * scale  # the page's own error figure is small


# ----------------------------------------------------------------------------------------------- the test
SECOND_DERIVATIVE_TEST = {  # the reference's examples and the ones the page names; f, p, verdict
    "saddle x1²−x2² at 0": ("x1^2 - x2^2", (0.0, 0.0), "saddle"),
    "monkey saddle at 0": ("x1^3 - 3x1 x2^2", (0.0, 0.0), "degenerate"),
    "x1⁴+x2⁴ at 0 (a minimum the test cannot see)": ("x1^4 + x2^4", (0.0, 0.0), "degenerate"),
    "Rosenbrock at (1, 1)": ("(1 - x1)^2 + 100(x2 - x1^2)^2", (1.0, 1.0), "minimum"),
    "tutorial B at its minimum (1.5, 1)": ("(x1+2)(x1-5) + (x2+1)(x2-3)", (1.5, 1.0), "minimum"),
    "hill cos·cos at 0": ("cos(x1) cos(x2)", (0.0, 0.0), "maximum"),
    "−x1² − 3x2² + x1x2 at 0": ("-x1^2 - 3x2^2 + x1 x2", (0.0, 0.0), "maximum"),
    "x1² + x2³ at 0 (H = diag(2, 0))": ("x1^2 + x2^3", (0.0, 0.0), "degenerate"),
    "a constant added": ("1000000 + x1^2 - x2^2", (0.0, 0.0), "saddle"),
    "sin·cos at (π/2, 0)": ("sin(x1) cos(x2)", (math.pi / 2, 0.0), "maximum"),
}


@pytest.mark.parametrize("case", SECOND_DERIVATIVE_TEST.values(), ids=SECOND_DERIVATIVE_TEST.keys())
def test_second_derivative_test_names_the_point(case):
    text, point, verdict = case
    result = study(text, point)
    assert result.curvature.stationary and result.curvature.kind == verdict
    assert f"**{verdict}**" in result.curvature.sentence
    assert "det H" in result.curvature.sentence  # the test stated in words, with det H and the eigenvalues
    if verdict == "degenerate":
        assert "inconclusive" in result.curvature.sentence


SHAPE_CASES = {  # not stationary: H's shape is described, no verdict on the point
    "tutorial B at (−3, −2)": ("(x1+2)(x1-5) + (x2+1)(x2-3)", (-3.0, -2.0), "convex"),
    "the issue's quartic at (0, 1)": ("x1^4 + x1^2(1 - 2x2) + x2^2 - 4x1 + 4", (0.0, 1.0), "indefinite"),
    "cos·cos off the top": ("cos(x1) cos(x2)", (0.3, -0.2), "concave"),
    "x1⁴ + x2² at (1, 0): H = diag(12, 2)": ("x1^4 + x2^2", (1.0, 0.0), "convex"),
    "x1² + x2 (H singular)": ("x1^2 + x2", (0.5, 0.5), "singular"),
    # sin x1 cos x2 near (π/2, 0), typed to five digits: ∇f = (cos 1.5708, 0) ≈ (−3.7e-6, 0) is not zero
    "typed near a maximum": ("sin(x1) cos(x2)", (1.5708, 0.0), "concave"),
}


@pytest.mark.parametrize("case", SHAPE_CASES.values(), ids=SHAPE_CASES.keys())
def test_curvature_is_described_where_the_gradient_is_not_zero(case):
    text, point, shape = case
    result = study(text, point)
    assert not result.curvature.stationary and result.curvature.kind == shape
    assert "not a stationary point" in result.curvature.sentence


MATRICES = {  # H, stationary, kind: the test's cases on matrices given directly
    "positive definite": (((2.0, 1.0), (1.0, 3.0)), True, "minimum"),
    "negative definite": (((-2.0, 1.0), (1.0, -3.0)), True, "maximum"),
    "indefinite": (((1.0, 2.0), (2.0, 1.0)), True, "saddle"),  # λ = −1, 3
    "singular": (((1.0, 1.0), (1.0, 1.0)), True, "degenerate"),  # λ = 0, 2
    "zero": (((0.0, 0.0), (0.0, 0.0)), True, "degenerate"),
    "within the round-off of the largest": (((1.0, 0.0), (0.0, 1e-12)), True, "degenerate"),
    "small but real": (((1.0, 0.0), (0.0, 1e-6)), True, "minimum"),
    "convex": (((2.0, 0.0), (0.0, 5.0)), False, "convex"),
    "indefinite shape": (((0.0, 1.0), (1.0, 0.0)), False, "indefinite"),
}


@pytest.mark.parametrize("case", MATRICES.values(), ids=MATRICES.keys())
def test_curvature_of_a_given_matrix(case):
    hessian, stationary, kind = case
    result = curvature(np.array(hessian), stationary=stationary)
    assert result.kind == kind and result.kind in (KINDS if stationary else SHAPES)


def test_an_uncertain_eigenvalue_counts_as_zero():
    """A finite-difference H with error bound 1e-6 cannot tell an eigenvalue of 1e-7 from 0."""
    h = np.diag([1e-7, 1.0])
    assert curvature(h, stationary=True).kind == "minimum"
    assert curvature(h, stationary=True, uncertainty=1e-6).kind == "degenerate"


def test_stationary_tolerance_is_relative_to_curvature_and_point():
    h = np.array([[802.0, -400.0], [-400.0, 200.0]])
    assert stationary_tolerance(point=(1.0, 1.0), hessian=h) == pytest.approx(STATIONARY_RTOL * np.linalg.norm(h, 2))
    assert stationary_tolerance(point=(0.0, 0.0), hessian=h) == 0.0  # at 0 only an exact zero
    assert stationary_tolerance(point=(10.0, -20.0), hessian=h, gradient_error=1e-3) == pytest.approx(
        STATIONARY_RTOL * np.linalg.norm(h, 2) * 20 + 1e-3)


# ----------------------------------------------------------------------------------------------- eigen
def check_eigen(h: np.ndarray, result) -> None:
    """H v = λ v for unit, orthogonal v, λ ascending, det = λ₁λ₂, and each v's largest component positive."""
    values, vectors = result.eigenvalues, result.eigenvectors
    scale = 1 + np.abs(h).max()
    for i in range(2):
        np.testing.assert_allclose(h @ vectors[:, i], values[i] * vectors[:, i], atol=1e-12 * scale + ZERO_RTOL * scale)
        assert np.linalg.norm(vectors[:, i]) == pytest.approx(1.0, rel=1e-14)
        assert vectors[np.argmax(np.abs(vectors[:, i]) * (1.0, 1.0 - 1e-12)), i] > 0
    assert abs(vectors[:, 0] @ vectors[:, 1]) < 1e-12
    assert values[0] <= values[1]
    assert result.determinant == pytest.approx(np.linalg.det(h), rel=1e-9, abs=ZERO_RTOL * scale**2)


@pytest.mark.parametrize("preset", PRESETS, ids=[p.label for p in PRESETS])
def test_eigen_decomposition_of_every_preset(preset):
    result = study(preset.formula, preset.point, preset.window)
    check_eigen(result.hessian, result.curvature)


@settings(max_examples=60, deadline=None)
@given(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3), st.floats(-1e3, 1e3))
def test_eigen_decomposition_of_symmetric_matrices(a, b, c):
    h = np.array([[a, b], [b, c]])
    check_eigen(h, curvature(h, stationary=False))


# ----------------------------------------------------------------------------------------------- the model
GAP_CASES = {  # f, p, the model's gap order (3, or 4 where f's third derivatives vanish at p), the plane's
    "the issue's quartic": ("x1^4 + x1^2(1 - 2x2) + x2^2 - 4x1 + 4", (0.0, 1.0), 3, 2),
    "sin·cos": ("sin(x1) cos(x2)", (0.5, 0.8), 3, 2),
    "exp-product": ("e^(x1 x2)", (0.3, -0.4), 3, 2),
    "Rosenbrock at (1, 1)": ("(1 - x1)^2 + 100(x2 - x1^2)^2", (1.0, 1.0), 3, 2),
    "cos·cos at 0 (even: no cubic terms)": ("cos(x1) cos(x2)", (0.0, 0.0), 4, 2),
    "x1⁴ + x2⁴ at 0": ("x1^4 + x2^4", (0.0, 0.0), 4, 4),
    "monkey saddle at 0 (the model is flat)": ("x1^3 - 3x1 x2^2", (0.0, 0.0), 3, 3),
}


@pytest.mark.parametrize("case", GAP_CASES.values(), ids=GAP_CASES.keys())
def test_gap_to_the_quadratic_model_falls_like_r_cubed(case):
    text, point, model_order, plane_order = case
    result = study(text, point)
    assert result.model_order == pytest.approx(model_order, abs=SLOPE)
    assert result.plane_order == pytest.approx(plane_order, abs=SLOPE)
    assert not result.quadratic


@pytest.mark.parametrize("case", list(GAP_CASES.values())[:4], ids=list(GAP_CASES)[:4])
def test_halving_r_divides_the_gap_by_eight(case):
    """Measured here, independently of the study's fit: f itself against the study's model on two circles."""
    text, point = case[:2]
    result = study(text, point)
    f = compile_hessian(text).expression.func
    angles = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    unit = np.stack([np.cos(angles), np.sin(angles)])

    def gap(r: float) -> float:
        d = r * unit
        return float(np.abs(f(point[0] + d[0], point[1] + d[1]) - result.model(d)).max())

    assert gap(0.01) / gap(0.005) == pytest.approx(8.0, rel=HALVING)


@pytest.mark.parametrize("text", ["(x1+2)(x1-5) + (x2+1)(x2-3)", "x1^2 - x2^2", "3x1^2 + 2x1 x2 - x2 + 7"])
def test_a_quadratic_is_its_own_model(text):
    result = study(text, (0.7, -0.4))
    assert result.quadratic and math.isnan(result.model_order)
    assert result.plane_order == pytest.approx(2, abs=SLOPE)
    assert "f is quadratic" in gap_sentence(result)
    np.testing.assert_allclose(result.disc_model, result.disc_f, rtol=1e-12, atol=1e-12)


def test_model_levels_and_axes():
    """Levels f(p) + kΔ away from a stationary point, f(p) ± k²Δ at one; axes ∝ 1/√|λ|, the longer at AXIS_REACH·R."""
    moving = study(*HAND_WORKED["issue-quartic"][:2], PRESETS[0].window)
    assert moving.level_index(moving.value + 3 * moving.level_step) == pytest.approx(3)
    assert np.nanmax(np.abs(moving.level_index(moving.disc_model))) == pytest.approx(MODEL_LEVELS)
    still = study("(1 - x1)^2 + 100(x2 - x1^2)^2", (1.0, 1.0), Window(-2, 2, -1, 3))
    assert still.level_index(still.value - 9 * still.level_step) == pytest.approx(-3)
    assert np.nanmax(still.level_index(still.disc_model)) == pytest.approx(MODEL_LEVELS)
    lengths, values = still.axis_lengths, still.curvature.eigenvalues
    assert lengths.max() == pytest.approx(AXIS_REACH * still.radius)
    assert lengths[0] / lengths[1] == pytest.approx(math.sqrt(values[1] / values[0]))
    flat = study("x1^3 - 3x1 x2^2", (0.0, 0.0))
    assert flat.model_flat and flat.flat_axes.all() and np.all(flat.axis_lengths == flat.radius)


def test_slices_and_their_parabolas():
    """θ = 0 slices along x1, θ = 90° along x2: f(p + t e_i) and the parabola with curvature H_ii."""
    text, point = HAND_WORKED["sin-cos"][:2]
    result = study(text, point)
    h, t = result.hessian, result.slice_t
    at = {angle: k for k, angle in enumerate(SLICE_ANGLES)}
    np.testing.assert_allclose(result.slice_f[at[0.0]], np.sin(point[0] + t) * np.cos(point[1]), rtol=EXACT)
    np.testing.assert_allclose(result.slice_f[at[90.0]], np.sin(point[0]) * np.cos(point[1] + t), atol=EXACT)
    assert result.slice_curvature[at[0.0]] == pytest.approx(h[0, 0], rel=EXACT)
    assert result.slice_curvature[at[90.0]] == pytest.approx(h[1, 1], rel=EXACT)
    values = result.curvature.eigenvalues  # uᵀHu lies between λ₁ and λ₂ for every unit u
    assert np.all(result.slice_curvature >= values[0] - EXACT) and np.all(result.slice_curvature <= values[1] + EXACT)
    g = result.gradient
    np.testing.assert_allclose(result.slice_model[at[0.0]], result.value + g[0] * t + 0.5 * h[0, 0] * t**2, rtol=EXACT)


# ----------------------------------------------------------------------------------------------- fallbacks
def test_without_sympy_in_time_the_finite_difference_hessian_is_used_and_said(monkeypatch):
    monkeypatch.setattr(symbolic, "MATRIX_SECONDS", 0.0)  # every symbolic Hessian runs out of time at once
    compiled = compile_hessian("(1 - x1)^2 + 100(x2 - x1^2)^2")
    assert compiled.hessian is None and compiled.gradient is None
    result = study_hessian(compiled, point=(1.0, 1.0), window=Window(-2, 2, -1, 3))
    assert any("exact Hessian is not available" in note for note in result.notes)
    assert np.isnan(result.exact).all() and not result.hessian_latex and not result.exact_gradient
    np.testing.assert_allclose(result.hessian, [[802.0, -400.0], [-400.0, 200.0]], rtol=1e-9)
    assert 0 < result.uncertainty < 1e-6
    assert result.curvature.kind == "minimum"  # ∇f = 0 to the differences' own error estimate
    shown = readouts(result)
    assert r"H\left(1,\ 1\right) \approx" in shown.exact and "Richardson" in shown.error


BAD_INPUT = {  # text, point, window, the control named, words of the message
    "unknown name": ("x1 + y", (0.0, 0.0), WINDOW, "f", "Unknown name 'y'"),
    "unreadable": ("(x1", (0.0, 0.0), WINDOW, "f", "never closed"),
    "outside the domain": ("log(x1) + x2", (-1.0, 0.0), WINDOW, "x1", "not defined at (-1, 0)"),
    "a kink": ("abs(x1) + x2^2", (0.0, 0.0), WINDOW, "x1", "not twice differentiable"),
    "a cone's tip": ("sqrt(x1^2 + x2^2)", (0.0, 0.0), WINDOW, "x1", "not twice differentiable"),
    "x2 not a number": ("x1^2", (0.0, math.inf), WINDOW, "x2", "x2 must be a finite number"),
    "an empty window": ("x1^2", (0.0, 0.0), Window(1.0, 1.0, -1.0, 1.0), "window", "low < high"),
}


@pytest.mark.parametrize("case", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_names_its_control(case):
    text, point, window, control, words = case
    with pytest.raises(ParameterError) as raised:
        study(text, point, window)
    assert raised.value.parameter == control and words in str(raised.value)


def test_point_out_of_view_and_domain_edges_are_said():
    assert any("outside the view window" in n for n in study("x1^2 + x2^2", (5.0, 0.0)).notes)
    edge = study("log(x1) + x2^2", (0.5, 0.0))  # the disc (R = 1) reaches past x1 = 0: f undefined there
    assert np.isnan(edge.disc_f).any() and np.isnan(edge.model_gaps).any()
    assert math.isfinite(edge.model_order)  # small circles stay inside the domain


# ----------------------------------------------------------------------------------------------- presets
@pytest.mark.parametrize("preset", PRESETS, ids=[p.label for p in PRESETS])
def test_presets_set_every_control_and_study(preset):
    settings_ = preset_settings(preset.label)
    assert set(settings_) == {"f", "x1", "x2", "x1_range", "x2_range"}
    assert find_preset(preset.label) is preset and preset_settings(None) == {}
    result = study(preset.formula, preset.point, preset.window)
    assert result.curvature.kind in KINDS + SHAPES


def test_every_kind_is_reachable_by_a_preset():
    kinds = {study(p.formula, p.point, p.window).curvature.kind for p in PRESETS}
    assert set(KINDS) <= kinds
