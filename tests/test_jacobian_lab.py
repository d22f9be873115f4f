"""core.jacobian_lab and its figures: the Jacobian page's numbers against closed forms, SymPy and the tutorial."""

from __future__ import annotations

import base64
import json
import math
import re

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from core import symbolic
from core.expressions import ExpressionError
from core.jacobian_lab import (
    CIRCLE_POINTS,
    DEFAULTS,
    MAX_DIMENSION,
    MODES,
    PLANE_PRESETS,
    PRESET_KINDS,
    RADIUS_CHOICES,
    SOURCES,
    TABLE_PRESETS,
    WARP_TIMES,
    ParameterError,
    compile_gradient_map,
    compile_map,
    compile_plane,
    component_names,
    ellipse_sentence,
    entry_rows,
    find_preset,
    gap_sentence,
    gradient_page_query,
    link_settings,
    matrix_latex,
    picked_settings,
    plane_metrics,
    preset_settings,
    study_plane,
    study_table,
    table_sentence,
    variables,
    warp,
)
from core.plots.jacobian import gap_figure, neighbourhood_figure, warp_figure

EXACT = 1e-12  # relative: exact Jacobians are SymPy's derivatives evaluated in float64, against closed forms
# Central differences with h = 1e-6: truncation ~h²·|F'''| ≈ 1e-12, round-off ~eps·|F|/h ≈ 2e-10·|F|.
NUMERICAL = 1e-8
SLOPE = 0.1  # fitted log-log slope of the linearisation gap against the theoretical order 2
SAMPLING = 1e-3  # relative: the 121-point circle's largest distance misses the true maximum by at most 1 − cos(1.5°)
SMALL_RADIUS = 0.01
AREA = 1e-3  # relative: area ratio against |det J| at r = 0.01 (the gap is O(r²); polygons cancel in the ratio)
FIGURE_BYTES = 250_000  # the warp figure's JSON: its frames must stay light for a classroom network
TUTORIAL_F_TEXT = "(x1+2)(x1-5) + (x2+1)(x2-3)"  # every plane preset's f for F = ∇f


def polar(r_value: float, theta: float):
    return compile_map(["x1 cos(x2)", "x1 sin(x2)"], n=2, names=("u", "v")), (r_value, theta)


def polar_jacobian(r_value: float, theta: float) -> np.ndarray:
    return np.array([[math.cos(theta), -r_value * math.sin(theta)], [math.sin(theta), r_value * math.cos(theta)]])


def rotation_scaling(s: float, phi: float):
    u = f"{s!r} (cos({phi!r}) x1 - sin({phi!r}) x2)"
    v = f"{s!r} (sin({phi!r}) x1 + cos({phi!r}) x2)"
    return compile_map([u, v], n=2, names=("u", "v"))


POLAR_POINTS = [(2.0, 0.5), (1.0, 0.0), (0.3, 2.5), (3.0, -1.2)]


@pytest.mark.parametrize(("r_value", "theta"), POLAR_POINTS, ids=[f"r={r},θ={t}" for r, t in POLAR_POINTS])
def test_polar_jacobian_is_the_closed_form(r_value, theta):
    compiled, point = polar(r_value, theta)
    study = study_plane(compiled, point=point, radius=0.5)
    expected = polar_jacobian(r_value, theta)
    np.testing.assert_allclose(study.exact, expected, rtol=EXACT, atol=EXACT)
    np.testing.assert_allclose(study.numerical, expected, rtol=NUMERICAL, atol=NUMERICAL)
    assert study.determinant == pytest.approx(r_value, rel=EXACT)  # det J = r
    np.testing.assert_allclose(study.singular_values, [max(r_value, 1), min(r_value, 1)], rtol=EXACT)  # R(θ)·diag(1, r)
    cartesian = [r_value * math.cos(theta), r_value * math.sin(theta)]
    np.testing.assert_allclose(study.value, cartesian, rtol=EXACT, atol=EXACT)


ROTATIONS = [(1.5, math.pi / 6), (0.5, 2.0), (3.0, -1.0), (1.0, 0.0)]


@pytest.mark.parametrize(("s", "phi"), ROTATIONS, ids=[f"s={s},φ={p:.3g}" for s, p in ROTATIONS])
def test_rotation_scaling_is_s_times_a_rotation(s, phi):
    study = study_plane(rotation_scaling(s, phi), point=(0.7, -0.4), radius=0.5)
    expected = s * np.array([[math.cos(phi), -math.sin(phi)], [math.sin(phi), math.cos(phi)]])
    np.testing.assert_allclose(study.exact, expected, rtol=EXACT, atol=EXACT)
    np.testing.assert_allclose(study.numerical, expected, rtol=NUMERICAL, atol=NUMERICAL)
    assert study.determinant == pytest.approx(s**2, rel=EXACT)
    np.testing.assert_allclose(study.singular_values, [s, s], rtol=EXACT)
    assert study.area_ratio == pytest.approx(s**2, rel=EXACT)  # a linear map scales every area by det J exactly
    assert study.affine and math.isnan(study.gap_order) and study.gap < 1e-12  # its linearisation is itself


def closed_form_singular_values(j: np.ndarray) -> np.ndarray:
    """σ₁,₂ of a 2×2 matrix: the square roots of the eigenvalues of JᵀJ, (‖J‖² ± sqrt(‖J‖⁴ − 4 det²)) / 2."""
    frobenius, det = float(np.sum(j**2)), float(np.linalg.det(j))
    root = math.sqrt(max(frobenius**2 - 4 * det**2, 0.0))
    return np.sqrt([(frobenius + root) / 2, max((frobenius - root) / 2, 0.0)])


entries = st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 3))


@settings(max_examples=25)
@given(a=entries, b=entries, c=entries, d=entries)
def test_linear_maps_have_their_matrix_as_jacobian(a, b, c, d):
    compiled = compile_map([f"{a} x1 + ({b}) x2", f"{c} x1 + ({d}) x2"], n=2, names=("u", "v"))
    study = study_plane(compiled, point=(0.3, -0.2), radius=0.2)
    matrix = np.array([[a, b], [c, d]])
    np.testing.assert_allclose(study.exact, matrix, atol=EXACT)
    assert study.determinant == pytest.approx(a * d - b * c, abs=1e-12)
    # 1e-7: the closed form takes the square root of a difference, which loses half the digits when σ₁ ≈ σ₂
    np.testing.assert_allclose(study.singular_values, closed_form_singular_values(matrix), atol=1e-7)


@pytest.mark.parametrize(
    ("u", "v", "point"),
    [("x1 cos(x2)", "x1 sin(x2)", (2.0, 0.5)), (PLANE_PRESETS[3].u, PLANE_PRESETS[3].v, (0.8, 0.3)),
     ("exp(x1) - x2^2", "x1 x2 + sin(x2)", (0.2, 1.0))],
    ids=["polar", "swirl", "mixed"],
)
def test_linearisation_gap_shrinks_like_r_squared(u, v, point):
    compiled = compile_map([u, v], n=2, names=("u", "v"))
    radii = [0.01, 0.02, 0.05, 0.1]
    gaps = [study_plane(compiled, point=point, radius=r).gap for r in radii]
    slope = np.polyfit(np.log(radii), np.log(gaps), 1)[0]
    assert slope == pytest.approx(2.0, abs=SLOPE)
    study = study_plane(compiled, point=point, radius=0.5)
    assert study.gap_order == pytest.approx(2.0, abs=SLOPE) and not study.affine


def test_gap_is_the_distance_to_the_closed_form_tangent_map():
    compiled, point = polar(2.0, 0.5)
    study = study_plane(compiled, point=point, radius=0.3)
    angles = np.linspace(0, 2 * np.pi, CIRCLE_POINTS)
    r_values, thetas = 2.0 + 0.3 * np.cos(angles), 0.5 + 0.3 * np.sin(angles)
    exact_image = np.stack([r_values * np.cos(thetas), r_values * np.sin(thetas)])
    tangent = study.value[:, None] + polar_jacobian(2.0, 0.5) @ np.stack([r_values - 2.0, thetas - 0.5])
    assert study.gap == pytest.approx(np.linalg.norm(exact_image - tangent, axis=0).max(), rel=1e-12)


@pytest.mark.parametrize(
    ("preset", "radius"), [(PLANE_PRESETS[0], 0.5), (PLANE_PRESETS[2], 0.2), (PLANE_PRESETS[3], 1.0)],
    ids=["polar", "shear", "swirl"],
)
def test_ellipse_axes_are_singular_values_times_radius(preset, radius):
    study = study_plane(compile_map([preset.u, preset.v], n=2, names=("u", "v")), point=preset.point, radius=radius)
    offsets = study.circle_linear - study.value[:, None]
    distances = np.linalg.norm(offsets, axis=0)
    sigma = study.singular_values
    assert distances.max() == pytest.approx(sigma[0] * radius, rel=SAMPLING)
    assert distances.min() == pytest.approx(sigma[1] * radius, rel=SAMPLING)
    # every point lies on the ellipse with semi-axes σᵢ·r along the left singular vectors uᵢ
    coordinates = study.left.T @ offsets / (sigma[:, None] * radius)
    np.testing.assert_allclose(np.sum(coordinates**2, axis=0), 1.0, rtol=1e-12)
    # and J maps each input direction r·vᵢ onto the semi-axis σᵢ·r·uᵢ
    np.testing.assert_allclose(study.jacobian @ study.right * radius, study.left * sigma * radius, atol=1e-12)


@pytest.mark.parametrize(
    ("u", "v", "point"),
    [("x1 + x2^2", "x1 x2", (1.0, 0.5)), ("x1 cos(x2)", "x1 sin(x2)", (2.0, 0.5)), ("x2 + sin(x1)", "x1", (0.3, 0.1))],
    ids=["quadratic", "polar", "orientation-reversing"],
)
def test_area_ratio_tends_to_det_j(u, v, point):
    study = study_plane(compile_map([u, v], n=2, names=("u", "v")), point=point, radius=SMALL_RADIUS)
    assert study.area_ratio == pytest.approx(study.determinant, rel=AREA)  # signed: negative when orientation flips


def test_swirl_keeps_area_far_from_linear():
    swirl = PLANE_PRESETS[3]
    study = study_plane(compile_map([swirl.u, swirl.v], n=2, names=("u", "v")), point=swirl.point, radius=0.5)
    assert study.gap > 0.05  # far from its linear map at this radius ...
    assert study.determinant == pytest.approx(1.0, rel=EXACT)
    assert study.area_ratio == pytest.approx(1.0, rel=AREA)  # ... yet area-preserving: det J = 1 everywhere


def test_gradient_map_of_the_tutorial_f():
    compiled = compile_gradient_map("(x1+2)(x1-5) + (x2+1)(x2-3)")
    study = study_plane(compiled, point=(-3.0, -2.0), radius=0.5)
    np.testing.assert_array_equal(study.value, [-9.0, -6.0])  # the tutorial's ∇f(−3, −2)
    np.testing.assert_array_equal(study.exact, [[2.0, 0.0], [0.0, 2.0]])  # J of ∇f is f's Hessian
    np.testing.assert_allclose(study.gradient.numerical, [-9.0, -6.0], rtol=NUMERICAL)
    np.testing.assert_array_equal(study.gradient.exact, [-9.0, -6.0])


def test_gradient_map_jacobian_is_the_hessian():
    study = study_plane(compile_gradient_map("sin(x1) x2^2"), point=(0.4, 1.5), radius=0.2)
    x1, x2 = 0.4, 1.5
    hessian = [[-math.sin(x1) * x2**2, 2 * x2 * math.cos(x1)], [2 * x2 * math.cos(x1), 2 * math.sin(x1)]]
    np.testing.assert_allclose(study.exact, hessian, rtol=EXACT)
    np.testing.assert_allclose(study.numerical, hessian, rtol=NUMERICAL, atol=NUMERICAL)
    np.testing.assert_allclose(study.value, [math.cos(x1) * x2**2, 2 * x2 * math.sin(x1)], rtol=EXACT)


@pytest.mark.parametrize(
    ("u", "v", "point", "rank", "words"),
    [("x1 cos(x2)", "x1 sin(x2)", (0.0, 0.7), 1, "onto a line"), ("x1^2", "x2^2", (0.0, 0.0), 0, "to a single point")],
    ids=["polar-origin", "zero-jacobian"],
)
def test_singular_jacobian_is_named(u, v, point, rank, words):
    study = study_plane(compile_map([u, v], n=2, names=("u", "v")), point=point, radius=0.5)
    assert study.rank == rank and study.determinant == 0.0
    assert "det J = 0" in study.singular_note and words in study.singular_note


def test_regular_jacobian_has_no_singular_note():
    compiled, point = polar(2.0, 0.5)
    study = study_plane(compiled, point=point, radius=0.5)
    assert study.rank == 2 and study.singular_note is None and study.notes == () and study.domain_note is None


def test_undefined_part_of_the_neighbourhood_is_noted():
    study = study_plane(compile_map(["sqrt(x1)", "x2"], n=2, names=("u", "v")), point=(0.1, 0.0), radius=0.5)
    assert "not defined on part of this neighbourhood" in study.domain_note and study.notes == ()
    assert np.isnan(study.grid_image).any() and np.isfinite(study.grid_image).any()


def test_missing_exact_jacobian_falls_back_to_the_numerical_one(monkeypatch):
    def too_slow(expressions):
        raise ExpressionError("Differentiating these formulas took longer than 1 s and was stopped", hint="")

    monkeypatch.setattr(symbolic, "jacobian", too_slow)
    compiled, point = polar(2.0, 0.5)
    study = study_plane(compiled, point=point, radius=0.5)
    assert np.isnan(study.exact).all() and study.jacobian_latex == ""
    np.testing.assert_allclose(study.jacobian, polar_jacobian(2.0, 0.5), rtol=NUMERICAL, atol=NUMERICAL)
    assert any("exact Jacobian is not available" in note for note in study.notes)


def sympy_jacobian(components: list[sp.Expr], symbols: list[sp.Symbol], point: tuple[float, ...]) -> np.ndarray:
    matrix = sp.Matrix(components).jacobian(symbols)
    return np.array(matrix.subs(dict(zip(symbols, point, strict=True))).evalf(30), dtype=float)


X = sp.symbols("x1:7", real=True)
TABLE_CASES = {  # the formulas as typed, and the same written in SymPy independently of the parser
    "R3-R2": (list(TABLE_PRESETS[0].components), [X[0] * X[1] + X[2] ** 2, sp.sin(X[0]) + X[1] * sp.exp(X[2])],
              (2.0, 0.5, 1.0)),
    "gradient-row": (["(x1+2)(x1-5) + (x2+1)(x2-3)"], [(X[0] + 2) * (X[0] - 5) + (X[1] + 1) * (X[1] - 3)],
                     (-3.0, -2.0)),
    "spherical": (list(TABLE_PRESETS[2].components),
                  [X[0] * sp.sin(X[1]) * sp.cos(X[2]), X[0] * sp.sin(X[1]) * sp.sin(X[2]), X[0] * sp.cos(X[1])],
                  (2.0, 0.8, 0.5)),
    "R6-R1": (["x1 x2 x3 x4 x5 x6"], [sp.Mul(*X)], (1.0, 2.0, 0.5, -1.0, 3.0, 0.25)),
    "R1-R6": (["x1", "x1^2", "sin(x1)", "exp(-x1)", "log(x1)", "1/x1"],
              [X[0], X[0] ** 2, sp.sin(X[0]), sp.exp(-X[0]), sp.log(X[0]), 1 / X[0]], (0.7,)),
    "R4-R3": (["tanh(x1 + 2x2) x3", "x4^3 - x1 x3", "sqrt(x1^2 + x2^2 + 1)"],
              [sp.tanh(X[0] + 2 * X[1]) * X[2], X[3] ** 3 - X[0] * X[2], sp.sqrt(X[0] ** 2 + X[1] ** 2 + 1)],
              (0.3, -0.2, 1.5, 0.8)),
}


@pytest.mark.parametrize("case", TABLE_CASES.values(), ids=TABLE_CASES.keys())
def test_table_matches_sympy(case):
    texts, components, point = case
    n = len(point)
    study = study_table(compile_map(texts, n=n, names=[f"f{i + 1}" for i in range(len(texts))]), point=point)
    expected = sympy_jacobian(components, list(X[:n]), point)
    assert study.exact.shape == (len(texts), n)
    np.testing.assert_allclose(study.exact, expected, rtol=EXACT, atol=EXACT)
    np.testing.assert_allclose(study.numerical, expected, rtol=NUMERICAL, atol=NUMERICAL)


def test_tutorial_gradient_is_the_one_row_jacobian():
    study = study_table(compile_map([TABLE_PRESETS[1].components[0]], n=2, names=["f1"]), point=(-3.0, -2.0))
    np.testing.assert_array_equal(study.exact, [[-9.0, -6.0]])
    assert matrix_latex(study.numerical) == r"\begin{bmatrix} -9.000 & -6.000 \end{bmatrix}"  # the tutorial's printout


def test_spherical_determinant_and_softmax_rank():
    names = ["f1", "f2", "f3"]
    spherical = study_table(compile_map(list(TABLE_PRESETS[2].components), n=3, names=names), point=(2.0, 0.8, 0.5))
    assert spherical.determinant == pytest.approx(4.0 * math.sin(0.8), rel=EXACT)  # ρ² sin θ
    softmax = study_table(compile_map(list(TABLE_PRESETS[3].components), n=3, names=names), point=(1.0, 2.0, 0.5))
    s = np.exp([1.0, 2.0, 0.5]) / np.exp([1.0, 2.0, 0.5]).sum()
    np.testing.assert_allclose(softmax.exact, np.diag(s) - np.outer(s, s), atol=EXACT)
    assert softmax.rank == 2


DETERMINANTS = {  # square maps, a point, and det J there in closed form
    "polar": (["x1 cos(x2)", "x1 sin(x2)"], (2.0, 0.5), 2.0),  # det J = r
    "polar-origin": (["x1 cos(x2)", "x1 sin(x2)"], (0.0, 0.7), 0.0),  # singular where r = 0
    # det [[2, 1, 0], [0, 1, -1], [1, 0, 4]] = 2·4 − 1·1
    "linear-3x3": (["2x1 + x2", "x2 - x3", "x1 + 4x3"], (0.3, -1.0, 2.0), 7.0),
    "reflection": (["x2", "x1"], (1.0, 2.0), -1.0),  # swapping the axes reverses orientation
    "one-by-one": (["x1^3"], (2.0,), 12.0),  # 3 x1²
}


@pytest.mark.parametrize("case", DETERMINANTS.values(), ids=DETERMINANTS.keys())
def test_table_determinant_is_the_closed_form(case):
    texts, point, expected = case
    study = study_table(compile_map(texts, n=len(point), names=component_names(len(texts))), point=point)
    assert study.determinant == pytest.approx(expected, rel=EXACT, abs=EXACT)


def test_table_determinant_only_for_square_and_defined_jacobians():
    wide = TABLE_PRESETS[0]
    study = study_table(compile_map(list(wide.components), n=3, names=component_names(2)), point=wide.point)
    assert study.determinant is None  # 2×3: no determinant
    # |x| has no derivative at the origin: J's second row is nan, and so is det J (LU alone would return 0 here)
    kink = study_table(compile_map(["x2", "sqrt(x1^2 + x2^2)"], n=2, names=component_names(2)), point=(0.0, 0.0))
    assert np.isnan(kink.exact[1]).all() and math.isnan(kink.determinant)
    # |x| at 0: central differences see (h - h) / 2h = 0, so σ and the rank come from the numerical J, and say so
    assert kink.rank == 1 and any("those of the numerical J" in note for note in kink.notes)


def test_entry_rows_hold_numbers():
    study = study_table(compile_map(["x1 x2"], n=2, names=["f1"]), point=(3.0, 4.0))
    rows = entry_rows(study.exact, study.numerical)
    assert [row["entry"] for row in rows] == ["∂f1/∂x1", "∂f1/∂x2"]
    assert [row["exact"] for row in rows] == [4.0, 3.0]
    assert all(row["|difference|"] < NUMERICAL for row in rows)


@pytest.mark.parametrize("preset", PLANE_PRESETS, ids=[p.label for p in PLANE_PRESETS])
def test_plane_preset_settings_are_its_fields(preset):
    settings = preset_settings(preset)
    assert set(settings) == {"source", "u", "v", "grad", "x1", "x2", "r"}  # the plane view's URL parameters
    assert (settings["source"], settings["u"], settings["v"], settings["grad"]) == (
        preset.source, preset.u, preset.v, preset.grad)
    assert (settings["x1"], settings["x2"]) == preset.point and settings["r"] == preset.radius


@pytest.mark.parametrize("preset", TABLE_PRESETS, ids=[p.label for p in TABLE_PRESETS])
def test_table_preset_settings_are_its_fields(preset):
    settings = preset_settings(preset)
    m, n = settings["m"], settings["n"]
    assert (m, n) == (len(preset.components), len(preset.point))
    assert tuple(settings[f"f{i}"] for i in range(1, m + 1)) == preset.components
    assert tuple(settings[f"x{j}"] for j in range(1, n + 1)) == preset.point
    assert len(settings) == 2 + m + n  # the boxes past m and n keep what they hold


def test_preset_settings_needs_a_preset():
    with pytest.raises(ValueError, match="preset must be a PlanePreset or a TablePreset; got str"):
        preset_settings("polar")


def test_defaults_cover_every_control_and_start_on_the_polar_map():
    names = {"mode", "source", "u", "v", "grad", "r", "n", "m", *variables(MAX_DIMENSION),
             *component_names(MAX_DIMENSION)}
    assert set(DEFAULTS) == names
    polar_preset, table_preset = PLANE_PRESETS[0], TABLE_PRESETS[0]
    assert DEFAULTS["mode"] == MODES[0] == "plane" and DEFAULTS["source"] == SOURCES[0] == "u, v"
    assert {k: DEFAULTS[k] for k in preset_settings(polar_preset)} == preset_settings(polar_preset)  # (2, 0.5), r = 0.5
    # the table view opens on its first preset: R³ → R² at (2, 0.5, 1); x4 … x6 and f3 … f6 wait for n, m to grow
    assert {k: DEFAULTS[k] for k in ("n", "m", "f1", "f2", "x3")} == {
        k: v for k, v in preset_settings(table_preset).items() if k in ("n", "m", "f1", "f2", "x3")}
    assert (DEFAULTS["x4"], DEFAULTS["f3"], DEFAULTS["f6"]) == (1.0, "x1^2 - x2", "x1 + 2x2")
    assert DEFAULTS["r"] in RADIUS_CHOICES
    with pytest.raises(TypeError):
        DEFAULTS["x1"] = 0.0  # read-only: no module-level state a session could change for the others


@pytest.mark.parametrize(("kind", "label"), [("preset", p.label) for p in PLANE_PRESETS]
                         + [("table_preset", p.label) for p in TABLE_PRESETS])
def test_a_click_on_a_preset_sets_its_settings(kind, label):
    preset = find_preset(label, presets=PRESET_KINDS[kind])
    assert preset is not None and preset.label == label
    assert picked_settings(label, kind=kind) == preset_settings(preset)


def test_no_preset_or_an_unknown_one_sets_nothing():
    assert find_preset(None, presets=PLANE_PRESETS) is None and find_preset("spiral", presets=PLANE_PRESETS) is None
    assert picked_settings(None, kind="preset") == {} and picked_settings("spiral", kind="table_preset") == {}
    assert picked_settings("polar", kind="table_preset") == {}  # a plane preset's label is not a table preset
    with pytest.raises(KeyError):
        picked_settings("polar", kind="plane")


@pytest.mark.parametrize(
    ("given", "current", "expected"),
    [
        ({"x1"}, {"preset": None, "table_preset": None}, {}),  # no shortcut: the link's values alone
        ({"preset"}, {"preset": "shear"}, {"source": "u, v", "u": "x1 + 1.5 x2", "v": "x2", "grad": TUTORIAL_F_TEXT,
                                           "x1": 0.5, "x2": 0.5, "r": 0.5}),
        ({"preset", "x1", "r"}, {"preset": "shear"},  # the link's own x1 and r win over the preset's
         {"source": "u, v", "u": "x1 + 1.5 x2", "v": "x2", "grad": TUTORIAL_F_TEXT, "x2": 0.5}),
        ({"grad", "x1"}, {}, {"source": "∇f"}),  # /jacobian?grad=<f>: F = ∇f
        ({"grad", "source"}, {}, {}),  # the link says where F comes from itself
        ({"table_preset", "mode", "x1"}, {"table_preset": "spherical → cartesian"},
         {"n": 3, "m": 3, "f1": "x1 sin(x2) cos(x3)", "f2": "x1 sin(x2) sin(x3)", "f3": "x1 cos(x2)", "x2": 0.8,
          "x3": 0.5}),
        ({"preset", "grad"}, {"preset": "polar"},  # the preset fills source, but grad without source still means ∇f
         {"source": "∇f", "u": "x1 cos(x2)", "v": "x1 sin(x2)", "x1": 2.0, "x2": 0.5, "r": 0.5}),
    ],
    ids=["plain", "preset", "preset-and-own-values", "gradient-link", "gradient-with-source", "table-preset",
         "preset-and-gradient"],
)
def test_link_shortcuts(given, current, expected):
    assert link_settings(given=given, current=current) == expected


def test_compile_plane_follows_the_source():
    typed = compile_plane(source="u, v", u="x1 x2", v="x1 + x2", grad="x1^3")
    assert typed.names == ("u", "v") and typed.potential is None
    np.testing.assert_allclose(typed.jacobian.func(2.0, 3.0), [[3.0, 2.0], [1.0, 1.0]], atol=EXACT)
    gradient = compile_plane(source="∇f", u="x1 + y", v="", grad="x1^3 x2")  # u, v are not read for ∇f
    np.testing.assert_allclose(gradient(np.array([2.0, 3.0])), [36.0, 8.0], rtol=EXACT)  # ∇f = (3 x1² x2, x1³)
    np.testing.assert_allclose(gradient.jacobian.func(2.0, 3.0), [[36.0, 12.0], [12.0, 0.0]], atol=EXACT)  # Hessian
    with pytest.raises(ParameterError) as error:
        compile_plane(source="polar", u="x1", v="x2", grad="x1")
    assert error.value.parameter == "source"
    with pytest.raises(ParameterError) as error:
        compile_plane(source="u, v", u="x1", v="x2 +", grad="x1")
    assert error.value.parameter == "v"


def test_gradient_page_query_keeps_the_formula_and_the_point():
    assert gradient_page_query("x1^2 x2", point=(1.0, -0.25)) == {"f": "x1^2 x2", "x1": "1", "x2": "-0.25"}


def test_plane_metrics_are_the_study_numbers():
    compiled, point = polar(2.0, 0.5)
    study = study_plane(compiled, point=point, radius=0.5)
    metrics = dict(plane_metrics(study))
    assert list(metrics) == ["det J", "σ₁ (longest stretch)", "σ₂ (shortest stretch)", "area ratio at r = 0.5",
                             "max |F − L| at r = 0.5"]
    assert metrics["det J"] == "2.000" and metrics["σ₁ (longest stretch)"] == "2.000"  # det J = r; σ = (r, 1)
    assert metrics["σ₂ (shortest stretch)"] == "1.000"
    assert float(metrics["max |F − L| at r = 0.5"]) == pytest.approx(study.gap, rel=1e-2)
    singular = study_plane(compiled, point=(0.0, 0.5), radius=0.1)  # r = 0: the θ-line lands on the origin
    assert dict(plane_metrics(singular))["det J"] == "0.000"  # never "-0.000"


def test_ellipse_sentence_gives_the_closed_form_axes_and_area():
    sentence = ellipse_sentence(study_plane(rotation_scaling(1.5, math.pi / 6), point=(0.7, -0.4), radius=0.5))
    assert "radius r = 0.5 " in sentence and "σ₁·r = 0.750 and σ₂·r = 0.750" in sentence  # σ₁ = σ₂ = s = 1.5
    assert "|det J| = 2.250 times" in sentence and "signed area 2.250 times" in sentence  # s², exact: L is F
    assert "flips orientation" not in sentence


def test_ellipse_sentence_says_when_orientation_flips():
    sentence = ellipse_sentence(study_plane(compile_map(["x2", "x1"], n=2, names=("u", "v")), point=(0.3, 0.1),
                                            radius=0.5))
    assert "|det J| = 1.000 times" in sentence and "signed area -1.000 times" in sentence  # a reflection: det J = −1
    assert sentence.endswith("det J is negative: the map flips orientation (the image of the circle runs the other "
                             "way round).")


def test_gap_sentence_gives_the_fitted_order_only_when_there_is_one():
    compiled, point = polar(2.0, 0.5)
    curved = gap_sentence(study_plane(compiled, point=point, radius=0.5))
    assert float(re.search(r"The fitted slope is (\d+\.\d\d): halving r quarters", curved)[1]) == pytest.approx(
        2.0, abs=SLOPE)
    affine = gap_sentence(study_plane(rotation_scaling(1.5, 0.3), point=(0.0, 0.0), radius=0.5))
    assert affine.endswith("falls like r².")  # L is F: no slope to fit


def test_table_sentence_reads_shape_determinant_rank_and_stretches():
    spherical = TABLE_PRESETS[2]
    study = study_table(compile_map(list(spherical.components), n=3, names=component_names(3)), point=spherical.point)
    sentence = table_sentence(study)
    # J = R·diag(1, ρ, ρ sin θ) with R a rotation: det J = ρ² sin θ, σ = (ρ, ρ sin θ, 1) at (ρ, θ) = (2, 0.8)
    assert sentence.startswith("J is 3×3: row i holds")
    stretches = f"2.000, {2 * math.sin(0.8):.3f}, 1.000"
    assert f"det J = {4 * math.sin(0.8):.3f}. Rank 3; singular values {stretches}." in sentence
    wide = study_table(compile_map(list(TABLE_PRESETS[0].components), n=3, names=component_names(2)),
                       point=TABLE_PRESETS[0].point)
    assert "J is 2×3" in table_sentence(wide) and "det J" not in table_sentence(wide)


def test_table_sentence_says_undefined():
    study = study_table(compile_map(["sqrt(x1) + sqrt(-x1)"], n=1, names=["f1"]), point=(0.0,))  # nan on both sides
    assert "det J = undefined. Rank undefined; singular values undefined." in table_sentence(study)


def test_names_follow_the_page_controls():
    assert component_names(3) == ("f1", "f2", "f3") and variables(3) == ("x1", "x2", "x3")


def test_matrix_latex_says_undefined():
    assert matrix_latex(np.array([[1.0, math.nan]])) == r"\begin{bmatrix} 1.000 & \text{undefined} \end{bmatrix}"


def _compile_u(u: str):
    return compile_map([u, "x2"], n=2, names=("u", "v"))


@pytest.mark.parametrize(
    ("make", "parameter", "message"),
    [
        (lambda: _compile_u("x1 + y"), "u", "Unknown name 'y'"),
        (lambda: compile_map(["x1", "sin(x2"], n=2, names=("u", "v")), "v", "never closed"),
        (lambda: compile_map(["x1", ""], n=2, names=("u", "v")), "v", "empty"),
        (lambda: compile_gradient_map("x1 +* x2"), "grad", "cannot stand here"),
        (lambda: compile_map(["x4"], n=3, names=["f1"]), "f1", "Unknown name 'x4'"),
        (lambda: study_plane(_compile_u("log(x1)"), point=(-1.0, 0.0), radius=0.5), "point",
         "not defined at p = \\(-1, 0\\)"),
        (lambda: study_plane(_compile_u("sqrt(x1)"), point=(0.0, 0.0), radius=0.5), "point", "not differentiable"),
        (lambda: study_plane(_compile_u("x1"), point=(math.nan, 0.0), radius=0.5), "point", "finite"),
        (lambda: study_plane(_compile_u("x1"), point=(0.0, 0.0), radius=0.0), "r", "r must be a radius"),
        (lambda: study_plane(_compile_u("x1"), point=(0.0, 0.0), radius=math.inf), "r", "r must be a radius"),
        (lambda: compile_map(["x1"] * 7, n=2, names=[f"f{i}" for i in range(7)]), "m",
         "m must be a whole number from 1 to 6"),
        (lambda: compile_map(["x1"], n=0, names=["f1"]), "n", "n must be a whole number from 1 to 6"),
        (lambda: study_table(compile_map(["x1"], n=2, names=["f1"]), point=(1.0,)), "point", "needs 2 coordinates"),
    ],
    ids=["unknown-variable", "unclosed", "empty", "gradient-syntax", "table-variable", "undefined-point",
         "not-differentiable", "nan-point", "zero-radius", "infinite-radius", "seven-outputs", "zero-inputs",
         "short-point"],
)
def test_bad_settings_name_their_control(make, parameter, message):
    with pytest.raises(ParameterError, match=message) as caught:
        make()
    assert caught.value.parameter == parameter


def test_plane_view_needs_a_map_of_the_plane():
    with pytest.raises(ValueError, match="needs F: R² → R²"):
        study_plane(compile_map(["x1", "x2", "x3"], n=3, names=["f1", "f2", "f3"]), point=(0.0, 0.0, 0.0), radius=0.5)


def test_warp_runs_from_the_identity_to_f():
    start, end = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[5.0, 6.0], [7.0, 8.0]])
    np.testing.assert_array_equal(warp(start, end, 0.0), start)
    np.testing.assert_array_equal(warp(start, end, 1.0), end)
    np.testing.assert_array_equal(warp(start, end, 0.25), [[2.0, 3.0], [4.0, 5.0]])


def decode(values) -> np.ndarray:
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).astype(float)
    return np.asarray(values, dtype=float)


def test_warp_figure_frames_go_from_the_grid_to_its_image():
    compiled, point = polar(2.0, 0.5)
    study = study_plane(compiled, point=point, radius=0.5)
    text = warp_figure(study).to_json()
    spec = json.loads(text)
    assert len(text) < FIGURE_BYTES
    assert [frame["name"] for frame in spec["frames"]] == [f"t={t:.1f}" for t in WARP_TIMES]
    first, last = spec["frames"][0]["data"][0], spec["frames"][-1]["data"][0]
    np.testing.assert_allclose(decode(first["x"]), study.grid[0], rtol=1e-6)  # float32 frames
    np.testing.assert_allclose(decode(last["y"]), study.grid_image[1], rtol=1e-6)
    assert spec["layout"]["yaxis"]["scaleanchor"] == "x"


def test_neighbourhood_figure_draws_the_ellipse_axes_with_equal_aspect():
    compiled, point = polar(2.0, 0.5)
    study = study_plane(compiled, point=point, radius=0.5)
    figure = neighbourhood_figure(study)
    traces = {trace.meta: trace for trace in figure.data}
    for i, name in enumerate(("s1u1", "s2u2")):
        x, y = np.asarray(traces[name].x), np.asarray(traces[name].y)
        assert math.hypot(x[1] - x[0], y[1] - y[0]) == pytest.approx(study.singular_values[i] * 0.5, rel=EXACT)
    assert traces["F(p)"].xaxis == "x2" and traces["p"].x == (2.0,)
    layout = figure.layout
    assert layout.yaxis.scaleanchor == "x" and layout.yaxis2.scaleanchor == "x2"
    assert layout.xaxis.title.text == "x1" and layout.yaxis.title.text == "x2"  # x1 horizontal


def test_gap_figure_has_the_r_squared_guide_or_says_affine():
    compiled, point = polar(2.0, 0.5)
    curved = gap_figure(study_plane(compiled, point=point, radius=0.5))
    assert "O(r²)" in [trace.name for trace in curved.data]
    affine = gap_figure(study_plane(rotation_scaling(1.5, 0.3), point=(0.0, 0.0), radius=0.5))
    assert "O(r²)" not in [trace.name for trace in affine.data]
    assert "affine" in affine.layout.annotations[0].text


@pytest.mark.parametrize("preset", PLANE_PRESETS, ids=[p.label for p in PLANE_PRESETS])
def test_plane_presets_keep_their_promises(preset):
    if preset.source == "∇f":
        compiled = compile_gradient_map(preset.grad)
    else:
        compiled = compile_map([preset.u, preset.v], n=2, names=("u", "v"))
    study = study_plane(compiled, point=preset.point, radius=preset.radius)
    promised = {  # det J and σ as each preset's note states them
        "polar": (preset.point[0], None),
        "rotation-scaling": (2.25, (1.5, 1.5)),
        "shear": (1.0, None),
        "swirl": (1.0, None),
        "gradient map": (4.0, (2.0, 2.0)),
    }[preset.label]
    assert study.determinant == pytest.approx(promised[0], rel=EXACT)
    if promised[1] is not None:
        np.testing.assert_allclose(study.singular_values, promised[1], rtol=EXACT)
    assert study.notes == () and study.singular_note is None
    assert preset.radius in RADIUS_CHOICES  # else the radius slider would silently fall back to its default


def test_a_jacobian_past_its_symbolic_budget_falls_back_to_the_numerical_one_and_says_so(monkeypatch):
    """The whole matrix shares one bound (symbolic.MATRIX_SECONDS), so six typed components cannot cost 36 times a
    single derivative's bound; past it the page shows the numerical J and a note (issue 11: capped, never silently).
    The bound is shrunk here so that the check does not depend on this machine's speed."""
    monkeypatch.setattr(symbolic, "MATRIX_SECONDS", 1e-4)
    texts = tuple(f"sin(x{k} x{k % 6 + 1}) exp(-x{k}^2/{k + 1}) + cos(x{k % 6 + 1}^3)/(2 + x{k}^2)"
                  for k in range(1, 7))
    compiled = compile_map(texts, n=6, names=tuple(f"f{k}" for k in range(1, 7)))
    assert compiled.jacobian is None
    assert compiled.note.startswith("The exact Jacobian is not available (") and "numerical" in compiled.note
    result = study_table(compiled, point=(0.5, -0.3, 0.2, 1.0, -1.0, 0.7))
    assert np.all(np.isfinite(result.numerical)) and result.numerical.shape == (6, 6)
