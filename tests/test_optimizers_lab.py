"""core.optimizers_lab and core.optimizer_text: the Optimizers page's computation against independent truths.

The presets' minima against SymPy (written out here by hand, not read through our parser); the race against
core.optimizers.minimize run alone with SymPy's gradient; each rule's first step on f = ½·x1² + 2·x2² worked by hand;
the ravine's eigenvalue analysis against Goh's closed forms; tuning on x1² + x2², where the best rate is known
exactly; the budget against a hand count of formula operations.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from core.budget import RACE
from core.errors import ParameterError
from core.expressions import ExpressionError, parse
from core.gradient_lab import Window
from core.optimizer_text import quadratic_sentence, race_rows, step_latex
from core.optimizers import METHODS, Run, minimize
from core.optimizers_lab import (
    EARLY_FRAMES,
    MAX_FRAMES,
    MAX_STEPS,
    NEWTON_RATES,
    PRESETS,
    RATES,
    frame_steps,
    known_surface,
    method_options,
    operations_per_step,
    preset_settings,
    runs_for,
    step_detail,
    study_race,
    tune_rates,
)

X1, X2 = sp.symbols("x1 x2")
WINDOW = Window(-2.0, 2.0, -2.0, 2.0)
HAND = 1e-12  # hand-worked decimals (0.9, 1 − 0.99, …) are exact to a few ulps of numbers near 1
SAME_FORMULA = 1e-12  # our parser's f against the SymPy written here, relative: the same formula, two evaluations
# Himmelblau's three irrational minima are given to 6 decimals, truncated as the usual table lists them (3.131312
# for 3.1313125…, −1.848126 for −1.8481265…): each coordinate is off by less than 1e-6, so ‖δ‖ < 1.5e-6 and
# ‖∇f‖ <= ‖H‖·‖δ‖ < 134 · 1.5e-6 ≈ 2e-4 (‖H‖₂ is 81, 134 and 105 there), f − 0 <= ½‖H‖‖δ‖² < 1.5e-10.
# (The brief's 1e-5 would need a seventh decimal: the gradient there is up to 4.2e-5.)
ROUNDED_GRADIENT = 2e-4
ROUNDED_VALUE = 1.5e-10
SIX_DECIMALS = 1e-6  # a 6-decimal truncation is within one unit of the 6th decimal
CROSS_CHECK = 1e-9  # race vs minimize alone: the same rule, the formula evaluated in another order (rounding only;
#                    observed <= 1e-13 over 200 steps on every preset)


# ---------------------------------------------------------------------------------------------------- presets
# Each preset's formula as SymPy, written here from the mathematics (not parsed by core.expressions).
SYMPY = {
    "Rosenbrock": (1 - X1) ** 2 + 100 * (X2 - X1**2) ** 2,
    "Beale": (sp.Rational(3, 2) - X1 + X1 * X2) ** 2 + (sp.Rational(9, 4) - X1 + X1 * X2**2) ** 2
    + (sp.Rational(21, 8) - X1 + X1 * X2**3) ** 2,
    "Himmelblau": (X1**2 + X2 - 11) ** 2 + (X1 + X2**2 - 7) ** 2,
    "saddle between two minima": X1**4 - 2 * X1**2 + X2**2,
    "ravine 0.1·x1² + 5·x2²": sp.Rational(1, 10) * X1**2 + 5 * X2**2,
    "Rastrigin": 20 + X1**2 - 10 * sp.cos(2 * sp.pi * X1) + X2**2 - 10 * sp.cos(2 * sp.pi * X2),
}
BY_LABEL = {p.label: p for p in PRESETS}
PRESET_CASES = [pytest.param(p, id=p.label) for p in PRESETS]
RAVINE = BY_LABEL["ravine 0.1·x1² + 5·x2²"]


def test_every_preset_has_its_formula_written_here():
    assert set(SYMPY) == set(BY_LABEL)


@pytest.mark.parametrize("preset", PRESET_CASES)
def test_the_preset_formula_is_the_mathematics_written_here(preset):
    ours = parse(preset.formula, ("x1", "x2")).func
    theirs = sp.lambdify((X1, X2), SYMPY[preset.label], "numpy")
    a, b = np.meshgrid(np.linspace(-3, 3, 13), np.linspace(-2.5, 2.5, 11))
    np.testing.assert_allclose(ours(a, b), theirs(a, b), rtol=SAME_FORMULA, atol=SAME_FORMULA)


def _exact(value: float) -> sp.Rational:
    return sp.Rational(repr(value))  # "3.584428" → 3584428/1000000: the decimal as written, exactly


@pytest.mark.parametrize("preset", PRESET_CASES)
def test_preset_minima_are_stationary_minima_with_the_stated_value(preset):
    f = SYMPY[preset.label]
    gradient = [sp.diff(f, v) for v in (X1, X2)]
    hessian = sp.hessian(f, (X1, X2))
    rounded = preset.label == "Himmelblau"
    for point in preset.minima:
        at = {X1: _exact(point[0]), X2: _exact(point[1])}
        g = [float(gi.subs(at)) for gi in gradient]
        value = float(f.subs(at))
        if rounded and point != (3.0, 2.0):  # (3, 2) is Himmelblau's one exact minimum
            assert np.linalg.norm(g) <= ROUNDED_GRADIENT, (point, g)
            assert value == pytest.approx(preset.minimum, abs=ROUNDED_VALUE)
            # and the decimals are the true minimiser's to 6 places: Newton's solve of ∇f = 0 from there
            true = sp.nsolve(gradient, (X1, X2), point, prec=30)
            assert abs(float(true[0]) - point[0]) <= SIX_DECIMALS and abs(float(true[1]) - point[1]) <= SIX_DECIMALS
        else:
            assert g == [0.0, 0.0], (point, g)
            assert value == preset.minimum
        eigenvalues = np.linalg.eigvalsh(np.array(hessian.subs(at).evalf(), dtype=float))
        assert eigenvalues.min() > 0, (point, eigenvalues)  # a strict minimum, not a saddle


@pytest.mark.parametrize("preset", PRESET_CASES)
def test_preset_start_lies_in_its_window_and_has_a_rate_for_every_method(preset):
    w = preset.window
    assert w.x1_low < preset.start[0] < w.x1_high and w.x2_low < preset.start[1] < w.x2_high
    assert set(preset.rates) == set(METHODS)
    settings = preset_settings(preset.label)
    assert settings["f"] == preset.formula and (settings["x1"], settings["x2"]) == preset.start
    assert settings["x1_range"] == (w.x1_low, w.x1_high) and settings["x2_range"] == (w.x2_low, w.x2_high)
    assert known_surface(f"  {preset.formula} ") is preset


@pytest.mark.parametrize("preset", [pytest.param(p, id=p.label) for p in PRESETS])
def test_preset_rates_are_on_the_rate_sliders_grid(preset):
    off_grid = {m: r for m, r in preset.rates.items() if r not in (NEWTON_RATES if m == "newton" else RATES)}
    assert off_grid == {}


def test_no_preset_for_other_text():
    assert preset_settings(None) == {} and preset_settings("nope") == {}
    assert known_surface("x1^2 + x2^2") is None


# ------------------------------------------------------------------------------------------------------ the race
def race(text, runs, *, start=(1.0, 1.0), steps=50, window=WINDOW, **known):
    return study_race(text, start=start, window=window, runs=runs, steps=steps, **known)


def test_pure_newton_solves_the_ravine_in_one_step():
    # f = 0.1·x1² + 5·x2², ∇f = (0.2·x1, 10·x2), H = diag(0.2, 10): H⁻¹∇f = (x1, x2), so x1 = x0 − x0 = (0, 0)
    study = race(RAVINE.formula, [Run("newton", 1.0)], start=RAVINE.start, steps=3, window=RAVINE.window,
                 minima=RAVINE.minima, minimum=RAVINE.minimum)
    newton = study.trajectory("newton")
    np.testing.assert_allclose(newton.points[1:], np.zeros((3, 2)), rtol=0, atol=HAND)
    assert newton.values[1] == pytest.approx(0.0, abs=HAND) and study.arrived_at(newton) == 1
    row = race_rows(study)[0]
    assert row["method"] == "Newton" and row["arrived at step"] == "1" and row["stopped"] == ""
    assert row["steps"] == 3 and row["f − f*"] == pytest.approx(0.0, abs=HAND)


@pytest.mark.parametrize("preset", PRESET_CASES)
def test_the_race_is_each_method_run_alone_with_sympys_gradient(preset):
    f = SYMPY[preset.label]
    grad = sp.lambdify((X1, X2), [sp.diff(f, v) for v in (X1, X2)], "numpy")
    hess = sp.lambdify((X1, X2), sp.hessian(f, (X1, X2)), "numpy")
    study = race(preset.formula, runs_for(METHODS, preset.rates, {}), start=preset.start, steps=200,
                 window=preset.window)
    assert study.steps == 200 and [p.method for p in study.trajectories] == list(METHODS)
    for path in study.trajectories:
        alone = minimize(lambda x: np.array(grad(*x), dtype=float), preset.start, method=path.method, lr=path.lr,
                         steps=200, hessian=lambda x: np.array(hess(*x), dtype=float))
        assert path.steps == alone.steps and path.diverged_at == alone.diverged_at
        np.testing.assert_allclose(path.points, alone.points, rtol=CROSS_CHECK, atol=CROSS_CHECK)
        sampled = path.points[::40]
        np.testing.assert_allclose(path.values[::40], sp.lambdify((X1, X2), f, "numpy")(*sampled.T),
                                   rtol=CROSS_CHECK, atol=CROSS_CHECK)


def test_operations_per_step_is_the_hand_count_of_nodes():
    # f = x1·x2 + x1: Add(Mul(x1, x2), x1) is 5 nodes, + 4 per entry = 9; ∇f = (x2 + 1, x1): 3 + 4 and 1 + 4 = 12;
    # one method group's loop: 20. Total 41. With H = [[0, 1], [1, 0]] (4 entries of 1 node + 4 = 20) and two
    # groups: 9 + 12 + 40 + 20 = 81.
    from core import symbolic

    expression = parse("x1 x2 + x1", ("x1", "x2"))
    gradient, hessian = symbolic.gradient(expression), symbolic.hessian(expression)
    assert operations_per_step(expression, gradient, None, groups=1) == 41
    assert operations_per_step(expression, gradient, hessian, groups=2) == 81


LARGE = " + ".join(f"sin({k}x1 + x2)^2" for k in range(1, 16))  # 15 terms: ~600 formula operations a step


@pytest.mark.parametrize("methods", [("gd", "adam"), ("gd", "newton")], ids=["first-order", "with-newton"])
def test_a_large_formula_caps_the_steps_within_the_budget(methods):
    runs = runs_for(methods, {"gd": 1e-3, "adam": 1e-3, "newton": 1.0}, {})
    study = race(LARGE, runs, start=(0.3, 0.2), steps=MAX_STEPS)
    per_step = operations_per_step(study.expression, study.gradient, study.hessian if "newton" in methods else None,
                                   groups=len(methods))
    assert per_step * MAX_STEPS > RACE.limit  # the case really is over budget
    (cap,) = study.caps
    assert cap.control == "steps" and cap.requested == MAX_STEPS and cap.allowed == study.steps
    assert cap.cost == per_step * cap.allowed <= RACE.limit < per_step * (cap.allowed + 1)  # the most that fits
    assert "steps" in cap.message and f"from {MAX_STEPS:,} to {cap.allowed:,}" in cap.message
    assert f"{per_step:,} a step" in cap.message
    assert all(p.steps == cap.allowed for p in study.trajectories)
    assert study.frames[-1] == cap.allowed


def test_a_small_race_is_not_capped():
    study = race("x1^2 + x2^2", [Run("gd", 0.1)], steps=100)
    assert study.caps == () and study.steps == 100


# ------------------------------------------------------------------------------------------------------- frames
@given(st.integers(min_value=1, max_value=MAX_STEPS))
def test_frame_steps_properties(steps):
    frames = frame_steps(steps)
    assert frames[0] == 0 and frames[-1] == steps
    assert np.all(np.diff(frames) > 0)  # ascending, distinct
    assert len(frames) <= MAX_FRAMES + 1
    assert set(range(min(EARLY_FRAMES, steps) + 1)) <= set(frames.tolist())  # every early step is a frame


@pytest.mark.parametrize(("steps", "expected"), [
    pytest.param(1, [0, 1], id="1"),
    pytest.param(3, [0, 1, 2, 3], id="3"),
    pytest.param(EARLY_FRAMES, list(range(EARLY_FRAMES + 1)), id="EARLY_FRAMES"),
    pytest.param(EARLY_FRAMES + 1, list(range(EARLY_FRAMES + 2)), id="EARLY_FRAMES + 1"),
])
def test_frame_steps_of_short_races_are_every_step(steps, expected):
    assert frame_steps(steps).tolist() == expected


# ---------------------------------------------------------------------------------------------- the first step
# f = ½·x1² + 2·x2²: ∇f = (x1, 4·x2), H = diag(1, 4). From x0 = (1, 1): g1 = (1, 4). lr = 0.1 (Newton: 1).
HAND_F = "0.5x1^2 + 2x2^2"
LR = 0.1
ONE = np.ones(2)
FIRST_STEP = [
    # gd: x1 = (1 − 0.1·1, 1 − 0.1·4) = (0.9, 0.6)
    pytest.param("gd", [0.9, 0.6], {}, [LR, LR], id="gd"),
    # momentum: b1 = g1 = (1, 4), x1 = x0 − 0.1·b1 = (0.9, 0.6)
    pytest.param("momentum", [0.9, 0.6], {"momentum_buffer": [1, 4]}, [LR, LR], id="momentum"),
    # nesterov: b1 = (1, 4), step g1 + 0.9·b1 = (1.9, 7.6), x1 = (1 − 0.19, 1 − 0.76) = (0.81, 0.24)
    pytest.param("nesterov", [0.81, 0.24], {"momentum_buffer": [1, 4]}, [LR, LR], id="nesterov"),
    # adagrad: s1 = g1² = (1, 16), rate lr/(√s + ε) = (0.1/(1 + 1e-10), 0.1/(4 + 1e-10)) ≈ (0.1, 0.025),
    # x1 = x0 − rate·g1 ≈ (0.9, 0.9)
    pytest.param("adagrad", ONE - [LR / (1 + 1e-10), 4 * LR / (4 + 1e-10)], {"sum": [1, 16]},
                 [LR / (1 + 1e-10), LR / (4 + 1e-10)], id="adagrad"),
    # rmsprop: v1 = 0.01·g1² = (0.01, 0.16), √v1 = (0.1, 0.4), rate = 0.1/(√v1 + 1e-8) ≈ (1, 0.25),
    # x1 = x0 − rate·g1 = (1 − 0.1/(0.1 + 1e-8), 1 − 0.4/(0.4 + 1e-8)) ≈ (1e-7, 2.5e-8): ε's trace on a full step
    pytest.param("rmsprop", ONE - [LR / (0.1 + 1e-8), 4 * LR / (0.4 + 1e-8)], {"square_avg": [0.01, 0.16]},
                 [LR / (0.1 + 1e-8), LR / (0.4 + 1e-8)], id="rmsprop"),
    # adam: m1 = 0.1·g1 = (0.1, 0.4), v1 = 0.001·g1² = (0.001, 0.016), m̂ = g1, v̂ = g1², rate = 0.1/(|g1| + 1e-8),
    # x1 = x0 − rate·m̂ = (1 − 0.1/(1 + 1e-8), 1 − 0.4/(4 + 1e-8)) ≈ (0.9, 0.9)
    pytest.param("adam", ONE - [LR / (1 + 1e-8), 4 * LR / (4 + 1e-8)], {"exp_avg": [0.1, 0.4],
                 "exp_avg_sq": [0.001, 0.016]}, [LR / (1 + 1e-8), LR / (4 + 1e-8)], id="adam"),
    # newton (lr 1): H⁻¹g1 = (1/1, 4/4) = (1, 1), x1 = (0, 0)
    pytest.param("newton", [0.0, 0.0], {}, None, id="newton"),
]


@pytest.fixture(scope="module")
def hand_race():
    return race(HAND_F, runs_for(METHODS, {m: 1.0 if m == "newton" else LR for m in METHODS}, {}), steps=5)


@pytest.mark.parametrize(("method", "after", "state", "step_size"), FIRST_STEP)
def test_step_detail_of_the_first_step_is_hand_worked(hand_race, method, after, state, step_size):
    detail = step_detail(hand_race, method, 1)
    assert detail.method == method and detail.t == 1 and detail.lr == (1.0 if method == "newton" else LR)
    np.testing.assert_array_equal(detail.before, [1.0, 1.0])
    np.testing.assert_allclose(detail.gradient, [1.0, 4.0], rtol=HAND)
    np.testing.assert_allclose(detail.after, after, rtol=0, atol=HAND)
    assert set(detail.state_after) == set(state)
    for name, value in state.items():
        np.testing.assert_array_equal(detail.state_before[name], [0.0, 0.0])  # PyTorch's state starts at zero
        np.testing.assert_allclose(detail.state_after[name], value, rtol=HAND)
    if step_size is None:
        assert detail.step_size is None
        np.testing.assert_allclose(detail.hessian, [[1, 0], [0, 4]], rtol=HAND)
        np.testing.assert_allclose(detail.eigenvalues, [1, 4], rtol=HAND)
    else:
        np.testing.assert_allclose(detail.step_size, step_size, rtol=HAND)
        assert detail.hessian is None


def test_step_detail_clips_the_step_to_the_run(hand_race):
    assert step_detail(hand_race, "gd", 0).t == 1
    assert step_detail(hand_race, "gd", 10**6).t == 5


def test_step_detail_of_a_run_that_took_no_step_is_none():
    # f = x1²: H = diag(2, 0) is singular, so Newton cannot take its first step
    study = race("x1^2", [Run("gd", 0.1), Run("newton", 1.0)])
    assert study.trajectory("newton").steps == 0 and "singular" in study.trajectory("newton").reason
    assert step_detail(study, "newton", 3) is None


HEAD = r"g_{1} = \nabla f(x_{0}) = \begin{pmatrix}1\\4\end{pmatrix},\quad x_{0} = \begin{pmatrix}1\\1\end{pmatrix}"
LATEX = [  # the numbers of FIRST_STEP's comments, as step_latex prints them (4 significant digits)
    pytest.param("gd", [r"x_{1} = x_{0} - \mathrm{lr}\, g_{1} = \begin{pmatrix}0.9\\0.6\end{pmatrix}"], id="gd"),
    pytest.param("momentum", [r"b_{1} = g_{1} = \begin{pmatrix}1\\4\end{pmatrix}",
                              r"x_{1} = x_{0} - \mathrm{lr}\, b_{1} = \begin{pmatrix}0.9\\0.6\end{pmatrix}"],
                 id="momentum"),
    pytest.param("nesterov", [r"(g_{1} + \mu\, b_{1}) = \begin{pmatrix}0.81\\0.24\end{pmatrix}"], id="nesterov"),
    pytest.param("adagrad", [r"s_{1} = s_{0} + g_{1}^2 = \begin{pmatrix}1\\16\end{pmatrix}",
                             r"= \begin{pmatrix}0.1\\0.025\end{pmatrix}", r"= \begin{pmatrix}0.9\\0.9\end{pmatrix}"],
                 id="adagrad"),
    pytest.param("rmsprop", [r"= \begin{pmatrix}0.01\\0.16\end{pmatrix}", r"= \begin{pmatrix}1\\0.25\end{pmatrix}",
                             r"= \begin{pmatrix}1\cdot 10^{-7}\\2.5\cdot 10^{-8}\end{pmatrix}"], id="rmsprop"),
    pytest.param("adam", [r"m_{1} = \beta_1 m_{0} + (1 - \beta_1) g_{1} = \begin{pmatrix}0.1\\0.4\end{pmatrix}",
                          r"= \begin{pmatrix}0.001\\0.016\end{pmatrix}",
                          r"\hat m_{1} = \frac{m_{1}}{1 - \beta_1^{1}} = \begin{pmatrix}1\\4\end{pmatrix}",
                          r"= \begin{pmatrix}1\\16\end{pmatrix}", r"= \begin{pmatrix}0.9\\0.9\end{pmatrix}"],
                 id="adam"),
    pytest.param("newton", [r"H(x_{0}) = \begin{pmatrix}1 & 0\\0 & 4\end{pmatrix}",
                            r"\lambda(H) = \begin{pmatrix}1\\4\end{pmatrix}"], id="newton"),
]


@pytest.mark.parametrize(("method", "pieces"), LATEX)
def test_step_latex_shows_the_hand_worked_numbers(hand_race, method, pieces):
    lines = step_latex(step_detail(hand_race, method, 1))
    text = "\n".join(lines)
    assert lines[0].startswith(HEAD)
    for piece in pieces:
        assert piece in text, piece


def test_step_latex_of_momentums_second_step(hand_race):
    # x1 = (0.9, 0.6), g2 = (0.9, 2.4), b2 = 0.9·(1, 4) + (0.9, 2.4) = (1.8, 6), x2 = (0.9 − 0.18, 0.6 − 0.6)
    text = "\n".join(step_latex(step_detail(hand_race, "momentum", 2)))
    assert (r"b_{2} = \mu\, b_{1} + g_{2} = 0.9\cdot\begin{pmatrix}1\\4\end{pmatrix} + "
            r"\begin{pmatrix}0.9\\2.4\end{pmatrix} = \begin{pmatrix}1.8\\6\end{pmatrix}") in text
    assert r"x_{2} = x_{1} - \mathrm{lr}\, b_{2} = \begin{pmatrix}0.72\\" in text


# --------------------------------------------------------------------------------------- the quadratic analysis
def test_the_ravines_eigenvalue_analysis_is_goh_s_closed_form():
    # H = diag(0.2, 10): κ = 50, GD stable for lr < 2/10 = 0.2, momentum's optimum lr = (2/(√0.2 + √10))²,
    # μ = ((√50 − 1)/(√50 + 1))²
    study = race(RAVINE.formula, runs_for(("gd", "momentum"), RAVINE.rates, {}), start=RAVINE.start,
                 window=RAVINE.window, minima=RAVINE.minima, minimum=RAVINE.minimum)
    np.testing.assert_allclose(study.eigenvalues, [0.2, 10.0], rtol=HAND)
    q = study.quadratic
    assert q.condition == pytest.approx(50, rel=HAND) and q.stable_lr == pytest.approx(0.2, rel=HAND)
    momentum_lr = (2 / (math.sqrt(0.2) + math.sqrt(10))) ** 2
    mu = ((math.sqrt(50) - 1) / (math.sqrt(50) + 1)) ** 2
    assert q.momentum_lr == pytest.approx(momentum_lr, rel=HAND) and q.momentum == pytest.approx(mu, rel=HAND)
    sentence = quadratic_sentence(study)
    assert "2/λmax = **0.2**" in sentence  # the stability limit's value, in bold
    assert f"**{momentum_lr:.4g}**" in sentence and f"**{mu:.4f}**" in sentence and "κ = λmax/λmin = 50" in sentence
    assert "GD here runs at lr = 0.15" in sentence  # the preset's GD rate, under the limit: it zig-zags (1 − 1.5)


@pytest.mark.parametrize(("text", "methods"), [
    pytest.param("(1 - x1)^2 + 100(x2 - x1^2)^2", ("gd", "newton"), id="Rosenbrock with Newton (H computed)"),
    pytest.param("x1^4 + x2^2", ("gd",), id="quartic without Newton (H not computed)"),
    pytest.param("sin(x1) + x2^2", ("gd", "newton"), id="sine"),
])
def test_a_non_constant_hessian_gives_no_quadratic_analysis(text, methods):
    study = race(text, [Run(m, 1.0 if m == "newton" else 1e-3) for m in methods])
    assert study.quadratic is None and study.eigenvalues is None and quadratic_sentence(study) is None


def test_an_indefinite_quadratic_is_said_to_have_no_minimum():
    study = race("x1^2 - x2^2", [Run("gd", 0.1)])  # H = diag(2, −2)
    np.testing.assert_allclose(study.eigenvalues, [-2, 2], rtol=HAND)
    assert study.quadratic is None and "no minimum" in quadratic_sentence(study)


def test_a_semidefinite_quadratic_is_not_said_to_have_no_minimum():
    study = race("x1^2", [Run("gd", 0.1)])  # H = diag(2, 0): f = x1² has its minimum 0 on the line x1 = 0
    np.testing.assert_allclose(study.eigenvalues, [0, 2], atol=HAND)
    sentence = quadratic_sentence(study)
    assert "semidefinite" in sentence and "a whole line of minima" in sentence and "has no minimum" not in sentence


# ------------------------------------------------------------------------------------------------- race_rows
def test_race_rows_name_a_diverged_run_and_where_it_stopped():
    # GD at lr 0.5 on the ravine: x2 is multiplied by 1 − 0.5·10 = −4 a step, so f ≈ 5·(1.5·4^t)² = 11.25·16^t,
    # finite at t = 255 (11.25·2^1020 < 2^1024) and inf at t = 256: the run stops at step 256, 255 steps taken
    study = race(RAVINE.formula, [Run("gd", 0.5), Run("newton", 1.0)], start=RAVINE.start, steps=400,
                 window=RAVINE.window, minima=RAVINE.minima, minimum=RAVINE.minimum)
    gd, newton = race_rows(study)
    assert gd["method"] == "GD" and gd["steps"] == 255 and gd["stopped"] == "f(x₂₅₆) is not finite"
    assert gd["arrived at step"] == "—" and gd["lr"] == 0.5
    assert newton["arrived at step"] == "1" and newton["steps"] == 400 and (newton["x1"], newton["x2"]) == (0.0, 0.0)


def test_race_rows_without_a_known_minimum_have_no_gap_column():
    study = race("x1^2 + 3x2^2", [Run("newton", 1.0)])
    (row,) = race_rows(study)
    assert "f − f*" not in row and row["arrived at step"] == "—"  # no known minimiser: nothing to arrive at
    assert row["f"] == pytest.approx(0.0, abs=HAND)


# ------------------------------------------------------------------------------------------------------ tuning
@pytest.fixture(scope="module")
def bowl_tuning():
    # f = x1² + x2² (λ = 2 twice) from (1, 1), f0 = 2: GD multiplies x by 1 − 2·lr a step
    return tune_rates("x1^2 + x2^2", start=(1.0, 1.0), methods=("gd", "newton"), steps=20)


def test_tuning_finds_gds_exact_rate_on_a_round_bowl(bowl_tuning):
    gd = bowl_tuning.methods.index("gd")
    rates, finals = bowl_tuning.rates[gd], bowl_tuning.finals[gd]
    assert rates.tolist() == list(RATES) and bowl_tuning.steps == 20 and bowl_tuning.caps == ()
    closest = min(RATES, key=lambda r: abs(math.log(r) - math.log(0.5)))  # 1/λ = 0.5: x1 = x0 − 0.5·2·x0 = 0
    assert closest == 0.5 and bowl_tuning.best[gd] == 0.5
    assert finals[rates == 0.5][0] == 0.0
    beyond = rates >= 1.0  # 2/λ = 1: |1 − 2·lr| >= 1, the error never shrinks
    assert np.all(~np.isfinite(finals[beyond]) | (finals[beyond] >= 2.0))
    assert np.all(finals[~beyond] < 2.0)  # below the limit every rate makes progress


def test_tuning_finds_pure_newton(bowl_tuning):
    newton = bowl_tuning.methods.index("newton")
    assert bowl_tuning.rates[newton].tolist() == list(NEWTON_RATES)
    assert bowl_tuning.best[newton] == 1.0 and bowl_tuning.finals[newton][-1] == 0.0


def test_tuning_with_every_run_stopped_has_no_best():
    # f = √x1 + x2² at (0, 1): f = 1 is finite, but ∂f/∂x1 = 1/(2√x1) is infinite there, so every run stops at step 1
    tuned = tune_rates("sqrt(x1) + x2^2", start=(0.0, 1.0), methods=("gd", "adam"), steps=5)
    assert tuned.best == (None, None)
    assert all(np.isinf(finals).all() for finals in tuned.finals)


# --------------------------------------------------------------------------------------------------- bad input
GOOD = {"text": "x1^2 + x2^2", "start": (1.0, 1.0), "methods": ("gd", "adam"), "steps": 20}
BAD = [
    pytest.param({"text": "x1 + y"}, ExpressionError, None, "Unknown name 'y'", id="typed formula error"),
    pytest.param({"text": "(x1"}, ExpressionError, None, "never closed", id="unclosed bracket"),
    pytest.param({"start": (math.nan, 1.0)}, ParameterError, "x1", "finite", id="nan x1"),
    pytest.param({"start": (0.0, math.inf)}, ParameterError, "x2", "finite", id="infinite x2"),
    pytest.param({"methods": ()}, ParameterError, "methods", "at least one method", id="no methods"),
    pytest.param({"methods": ("gd", "gd")}, ParameterError, "methods", "once", id="a method twice"),
    pytest.param({"steps": 0}, ParameterError, "steps", "from 1 to 5,000", id="steps 0"),
    pytest.param({"steps": 6000}, ParameterError, "steps", "from 1 to 5,000", id="steps 6000"),
    pytest.param({"text": "ln(x1) + x2^2", "start": (-1.0, 0.0)}, ParameterError, "x1", "not defined at the start",
                 id="f undefined at the start"),
]


def _race_call(text, start, methods, steps):
    return study_race(text, start=start, window=WINDOW, runs=[Run(m, 0.01) for m in methods], steps=steps)


def _tune_call(text, start, methods, steps):
    return tune_rates(text, start=start, methods=methods, steps=steps)


@pytest.mark.parametrize("call", [_race_call, _tune_call], ids=["study_race", "tune_rates"])
@pytest.mark.parametrize(("change", "error", "parameter", "message"), BAD)
def test_bad_input_names_its_parameter(call, change, error, parameter, message):
    with pytest.raises(error, match=message) as caught:
        call(**{**GOOD, **change})
    if parameter is not None:
        assert caught.value.parameter == parameter


def test_a_bad_rate_names_its_method():
    with pytest.raises(ParameterError, match="learning rate") as caught:
        study_race("x1^2", start=(1.0, 1.0), window=WINDOW, runs=[Run("adam", 0.0)], steps=5)
    assert caught.value.parameter == "lr_adam"


# ------------------------------------------------------------------------------------------------ small helpers
def test_runs_for_keeps_methods_order_and_options():
    runs = runs_for(["adam", "gd", "momentum"], {"adam": 0.1, "gd": 0.2, "momentum": 0.3},
                    method_options({"momentum": 0.5, "beta1": 0.8}))
    assert [r.method for r in runs] == ["gd", "momentum", "adam"]  # METHODS order, whatever the order chosen
    assert runs[1].settings == {"momentum": 0.5} and runs[2].settings["betas"] == (0.8, 0.999)
    assert runs[0].settings == {} and [r.lr for r in runs] == [0.2, 0.3, 0.1]
