"""core.optimizers: every rule's first steps against values worked by hand from torch.optim's documented formulas,
Newton against Newton's own example, divergence and the stability limit against closed forms, and Distill's
momentum analysis against the runs it predicts.

The surface for the hand-worked steps is f(x) = x1² + 10·x2², ∇f = (2·x1, 20·x2), H = diag(2, 20), from x0 = (1, 1)
with lr = 0.05; each expected number is worked in the comment above it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.errors import ParameterError
from core.optimizers import (
    DEFAULTS,
    FIRST_ORDER,
    METHODS,
    STATE_NAMES,
    Run,
    minimize,
    quadratic_rates,
    race,
)

HAND = 1e-12  # hand-worked decimals are exact to rounding (a few ulps of numbers near 1)
ROUNDED = 5e-7  # hand-worked values carried to six or seven significant digits
EPS_EFFECT = 1e-9  # where a hand value drops ε (1e-10 … 1e-8 against √s ≈ 0.2 … 20), it moves by at most ~5e-8·lr


def grad(x):
    return np.array([2 * x[0], 20 * x[1]])


def hess(x):
    return np.diag([2.0, 20.0])


def f(x):
    return float(x[0] ** 2 + 10 * x[1] ** 2)


def run(method, steps=2, lr=0.05, **options):
    return minimize(grad, [1.0, 1.0], method=method, lr=lr, steps=steps, hessian=hess, f=f, **options)


HAND_WORKED = [
    # gd: x1 = (1 − 0.05·2, 1 − 0.05·20) = (0.9, 0); x2 = (0.9 − 0.05·1.8, 0) = (0.81, 0)
    pytest.param("gd", [[0.9, 0.0], [0.81, 0.0]], HAND, id="gd"),
    # momentum: b1 = g1 = (2, 20), x1 = (0.9, 0); g2 = (1.8, 0), b2 = 0.9·(2, 20) + (1.8, 0) = (3.6, 18),
    # x2 = (0.9 − 0.05·3.6, 0 − 0.05·18) = (0.72, −0.9)
    pytest.param("momentum", [[0.9, 0.0], [0.72, -0.9]], HAND, id="momentum"),
    # nesterov: b1 = (2, 20), step g + μb = (3.8, 38), x1 = (1 − 0.19, 1 − 1.9) = (0.81, −0.9);
    # g2 = (1.62, −18), b2 = 0.9·(2, 20) + (1.62, −18) = (3.42, 0), step = (1.62 + 3.078, −18) = (4.698, −18),
    # x2 = (0.81 − 0.2349, −0.9 + 0.9) = (0.5751, 0)
    pytest.param("nesterov", [[0.81, -0.9], [0.5751, 0.0]], HAND, id="nesterov"),
    # adagrad: s1 = (4, 400), x1 = 1 − 0.05·g/√s = (0.95, 0.95); g2 = (1.9, 19), s2 = (7.61, 761),
    # x2 = 0.95 − 0.05·1.9/√7.61 = 0.95 − 0.0344378… = 0.9155622 (and 0.95 − 0.95/√761 = 0.9155622: the same)
    pytest.param("adagrad", [[0.95, 0.95], [0.9155622, 0.9155622]], ROUNDED, id="adagrad"),
    # rmsprop: v1 = 0.01·(4, 400) = (0.04, 4), x1 = 1 − 0.05·(2/0.2, 20/2) = (0.5, 0.5); g2 = (1, 10),
    # v2 = 0.99·(0.04, 4) + 0.01·(1, 100) = (0.0496, 4.96), x2 = 0.5 − 0.05/√0.0496 = 0.5 − 0.2245066 = 0.2754934
    pytest.param("rmsprop", [[0.5, 0.5], [0.2754934, 0.2754934]], ROUNDED, id="rmsprop"),
    # adam: m1 = 0.1·g, v1 = 0.001·g², m̂ = g, v̂ = g², x1 = 1 − 0.05·sign(g) = (0.95, 0.95); g2 = (1.9, 19):
    # m2 = 0.9·0.2 + 0.1·1.9 = 0.37, v2 = 0.999·0.004 + 0.001·3.61 = 0.007606, m̂ = 0.37/0.19 = 1.9473684,
    # v̂ = 0.007606/0.001999 = 3.8049025, x2 = 0.95 − 0.05·1.9473684/1.9506159 = 0.95 − 0.0499168 = 0.9000832
    pytest.param("adam", [[0.95, 0.95], [0.9000832, 0.9000832]], ROUNDED, id="adam"),
    # newton: H⁻¹g = (2·1/2, 20·1/20) = (1, 1), x1 = 1 − 0.05 = (0.95, 0.95); x2 = 0.95·0.95 = 0.9025
    pytest.param("newton", [[0.95, 0.95], [0.9025, 0.9025]], HAND, id="newton"),
]


@pytest.mark.parametrize(("method", "expected", "tolerance"), HAND_WORKED)
def test_first_two_steps_match_the_documented_rule(method, expected, tolerance):
    path = run(method)
    assert path.points[0].tolist() == [1.0, 1.0]
    np.testing.assert_allclose(path.points[1:], expected, rtol=0, atol=tolerance + EPS_EFFECT)
    np.testing.assert_allclose(path.values, [f(p) for p in path.points], rtol=HAND)
    np.testing.assert_allclose(path.gradients, [grad(p) for p in path.points[:-1]], rtol=HAND)
    assert path.diverged_at is None and path.reason is None and path.steps == 2


def test_state_is_recorded_after_each_step_under_pytorchs_names():
    momentum = run("momentum")
    np.testing.assert_allclose(momentum.state["momentum_buffer"], [[2, 20], [3.6, 18]], rtol=HAND)
    adagrad = run("adagrad")
    np.testing.assert_allclose(adagrad.state["sum"], [[4, 400], [7.61, 761]], rtol=EPS_EFFECT)
    # the per-coordinate rate lr/(√s + ε): (0.05/2, 0.05/20) then (0.05/√7.61, 0.05/√761)
    np.testing.assert_allclose(adagrad.step_sizes, [[0.025, 0.0025], [0.05 / math.sqrt(7.61), 0.05 / math.sqrt(761)]],
                               rtol=1e-9)
    adam = run("adam")
    np.testing.assert_allclose(adam.state["exp_avg"], [[0.2, 2], [0.37, 3.7]], rtol=EPS_EFFECT)
    np.testing.assert_allclose(adam.state["exp_avg_sq"], [[0.004, 0.4], [0.007606, 0.7606]], rtol=EPS_EFFECT)
    assert run("gd").state == {} and run("gd").step_sizes.tolist() == [[0.05, 0.05]] * 2
    np.testing.assert_allclose(run("newton").state["eigenvalues"], [[2, 20], [2, 20]], rtol=HAND)
    assert run("newton").step_sizes is None
    for method in METHODS:
        assert tuple(run(method).state) == STATE_NAMES[method]


def test_defaults_are_pytorchs_documented_ones():
    # torch.optim: Adagrad eps=1e-10; RMSprop alpha=0.99, eps=1e-8; Adam betas=(0.9, 0.999), eps=1e-8.
    # Momentum 0.9 is this app's choice for the momentum methods (PyTorch's SGD defaults to 0, which is "gd").
    assert dict(DEFAULTS["adagrad"]) == {"eps": 1e-10}
    assert dict(DEFAULTS["rmsprop"]) == {"alpha": 0.99, "eps": 1e-8}
    assert dict(DEFAULTS["adam"]) == {"betas": (0.9, 0.999), "eps": 1e-8}
    assert DEFAULTS["momentum"]["momentum"] == DEFAULTS["nesterov"]["momentum"] == 0.9
    assert dict(run("adam").options) == {"betas": (0.9, 0.999), "eps": 1e-8}


def test_options_change_the_rule():
    # momentum μ = 0.5: b2 = 0.5·(2, 20) + (1.8, 0) = (2.8, 10), x2 = (0.9 − 0.14, −0.5)
    np.testing.assert_allclose(run("momentum", momentum=0.5).points[2], [0.76, -0.5], rtol=0, atol=HAND)
    # rmsprop α = 0.9: v1 = 0.1·(4, 400), x1 = 1 − 0.05·2/√0.4 = 1 − 0.1581139 = 0.8418861 (both coordinates)
    np.testing.assert_allclose(run("rmsprop", alpha=0.9).points[1], [0.8418861] * 2, rtol=0, atol=ROUNDED)
    # adam betas (0.5, 0.5): m̂1 = g, v̂1 = g² again: the first step is lr·sign(g) whatever the betas
    np.testing.assert_allclose(run("adam", betas=[0.5, 0.5]).points[1], [0.95, 0.95], rtol=0, atol=EPS_EFFECT)


def test_newton_reproduces_newtons_own_example():
    # Newton's method on f′(x) = x³ − 2x − 5 (the minimisation of f = x⁴/4 − x² − 5x) from 2: 2.1, 2.094568121…,
    # 2.0945514817…, 2.0945514815423265 (Newton's own example; the root of x³ − 2x − 5)
    path = minimize(lambda x: x**3 - 2 * x - 5, [2.0], method="newton", lr=1.0, steps=4,
                    hessian=lambda x: np.array([[3 * x[0] ** 2 - 2]]))
    assert path.points[1, 0] == pytest.approx(2.1, abs=1e-15)
    assert path.points[2, 0] == pytest.approx(2.094568121, abs=1e-9)
    assert path.points[3, 0] == pytest.approx(2.0945514817, abs=1e-10)
    assert path.points[4, 0] == pytest.approx(2.0945514815423265, abs=4e-16)


def test_pure_newton_solves_a_quadratic_in_one_step():
    # f = ½xᵀAx − bᵀx, ∇f = Ax − b, H = A: x1 = A⁻¹b from anywhere
    a = np.array([[3.0, 1.0, 0.0], [1.0, 4.0, 1.0], [0.0, 1.0, 5.0]])
    b = np.array([1.0, -2.0, 3.0])
    path = minimize(lambda x: a @ x - b, [10.0, -7.0, 3.0], method="newton", lr=1.0, steps=1, hessian=lambda x: a)
    np.testing.assert_allclose(path.points[1], np.linalg.solve(a, b), rtol=1e-12)


def test_newton_heads_for_a_saddle_and_says_so():
    # f = x1² − x2² from (1, 0.5): one pure Newton step lands on the saddle (0, 0); H = diag(2, −2) is indefinite
    path = minimize(lambda x: np.array([2 * x[0], -2 * x[1]]), [1.0, 0.5], method="newton", lr=1.0, steps=2,
                    hessian=lambda x: np.diag([2.0, -2.0]))
    np.testing.assert_allclose(path.points[1], [0.0, 0.0], atol=HAND)
    assert len(path.notes) == 1 and "Step 1" in path.notes[0] and "not positive definite" in path.notes[0]


def test_newton_uphill_on_a_concave_function_is_named():
    # f = −x² from 1: H = −2, H⁻¹g = (−2)/(−2) = 1, x1 = 0 (the maximum); ∇f·Δx = (−2)·(−1) = 2 > 0: uphill
    path = minimize(lambda x: -2 * x, [1.0], method="newton", lr=1.0, steps=1, hessian=lambda x: np.array([[-2.0]]))
    assert path.points[1, 0] == 0.0 and "uphill" in path.notes[0]


def test_newton_at_a_singular_hessian_stops_and_names_it():
    # f = x1² + x2 has H = diag(2, 0): H⁻¹ does not exist
    path = minimize(lambda x: np.array([2 * x[0], 1.0]), [1.0, 1.0], method="newton", lr=1.0, steps=5,
                    hessian=lambda x: np.diag([2.0, 0.0]))
    assert path.diverged_at == 1 and path.steps == 0 and "singular" in path.reason


@pytest.mark.parametrize(("lr", "diverges_at"), [
    # f = x² from 1 with lr: x_t = (1 − 2·lr)^t. lr = 1.5: x_t = (−2)^t, f = 4^t overflows first at
    # t = ⌈log(max double)/log 4⌉ = ⌈709.78/1.386⌉ = 512
    pytest.param(1.5, 512, id="lr=1.5 (past 2/λ = 1)"),
    # lr = 5.5: x_t = (−10)^t, f = 100^t > 1.8e308 at t = ⌈308.25/2⌉ = 155
    pytest.param(5.5, 155, id="lr=5.5"),
])
def test_divergence_stops_at_the_first_non_finite_value(lr, diverges_at):
    path = minimize(lambda x: 2 * x, [1.0], method="gd", lr=lr, steps=1000, f=lambda x: float(x[0] ** 2))
    assert path.diverged_at == diverges_at and path.steps == diverges_at - 1
    assert np.isfinite(path.points).all() and np.isfinite(path.values).all()
    subscript = str(diverges_at).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
    assert path.reason == f"f(x{subscript}) is not finite"


def test_a_gradient_that_is_not_finite_stops_the_run():
    # f = (4/5)·x^(5/2) on x >= 0: ∇f = 2·x^(3/2), nan for x < 0; from 1 with lr = 1: x1 = 1 − 2 = −1, stop at step 2
    path = minimize(lambda x: 2 * np.power(x, 1.5), [1.0], method="gd", lr=1.0, steps=10)
    assert path.points.ravel().tolist() == [1.0, -1.0]
    assert path.diverged_at == 2 and path.reason == "∇f is not finite at x₁"


def test_stability_limit_of_gradient_descent():
    # on f = x², each step multiplies x by 1 − 2·lr: just under lr = 1 (= 2/λ) |x| shrinks, just over it grows
    below = minimize(lambda x: 2 * x, [1.0], method="gd", lr=0.99, steps=200)
    above = minimize(lambda x: 2 * x, [1.0], method="gd", lr=1.01, steps=200)
    assert abs(below.points[-1, 0]) == pytest.approx(0.98**200, rel=1e-9)
    assert abs(above.points[-1, 0]) == pytest.approx(1.02**200, rel=1e-9)


def test_distill_optimal_momentum_converges_at_the_predicted_rate():
    # f = ½(λmin x1² + λmax x2²) with λ = (1, 100): κ = 100, the optimal momentum's error shrinks by
    # (√κ − 1)/(√κ + 1) = 9/11 per step (times a polynomial factor: the two eigenvalues of each mode coincide)
    rates = quadratic_rates(lambda_min=1.0, lambda_max=100.0)
    assert rates.stable_lr == 0.02 and rates.gd_lr == pytest.approx(2 / 101)
    assert rates.momentum_lr == pytest.approx((2 / 11) ** 2) and rates.momentum == pytest.approx((9 / 11) ** 2)
    lam = np.array([1.0, 100.0])
    path = minimize(lambda x: lam * x, [1.0, 1.0], method="momentum", lr=rates.momentum_lr, steps=400,
                    momentum=rates.momentum)
    error = np.linalg.norm(path.points, axis=1)
    observed = (error[400] / error[200]) ** (1 / 200)
    assert observed == pytest.approx(rates.momentum_rate, rel=0.01)
    gd = minimize(lambda x: lam * x, [1.0, 1.0], method="gd", lr=rates.gd_lr, steps=400)
    gd_error = np.linalg.norm(gd.points, axis=1)
    assert (gd_error[400] / gd_error[200]) ** (1 / 200) == pytest.approx(rates.gd_rate, rel=1e-6)  # 99/101


def test_race_runs_every_setting_as_it_would_run_alone():
    def vector_grad(x):  # Rosenbrock's gradient on columns (2, R)
        return np.stack([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])

    def vector_hess(x):
        return np.array([[2 - 400 * x[1] + 1200 * x[0] ** 2, -400 * x[0]], [-400 * x[0], 200 + 0 * x[0]]])

    runs = [Run(m, lr) for m in METHODS for lr in (1e-4, 1e-3)] + [Run("momentum", 1e-4, (("momentum", 0.5),))]
    together = race(vector_grad, [-1.5, 2.0], runs=runs, steps=50, hessian=vector_hess)
    for spec, path in zip(runs, together):
        alone = minimize(lambda x: vector_grad(x[:, None])[:, 0], [-1.5, 2.0], method=spec.method, lr=spec.lr,
                         steps=50, hessian=lambda x: vector_hess(x[:, None])[:, :, 0], **dict(spec.options))
        np.testing.assert_array_equal(path.points, alone.points)
        assert path.method == spec.method and path.lr == spec.lr


def test_a_diverging_run_does_not_stop_the_others():
    # without f, x_t = (−2)^t is finite up to |x₁₀₂₃| = 2^1023, whose gradient 2·x₁₀₂₃ = ±2^1024 overflows: step 1024
    # cannot be taken. The other run halves x each step.
    paths = race(lambda x: 2 * x, [1.0], runs=[Run("gd", 1.5), Run("gd", 0.25)], steps=1100)
    assert paths[0].diverged_at == 1024 and paths[0].reason == "∇f is not finite at x₁₀₂₃"
    assert paths[1].diverged_at is None and paths[1].steps == 1100 and paths[1].points[600, 0] == 0.5**600


BAD = [
    pytest.param(dict(method="sgd"), "method", "must be one of", id="unknown method"),
    pytest.param(dict(method="gd", lr=0.0), "lr_gd", "learning rate", id="zero rate"),
    pytest.param(dict(method="adam", lr=math.inf), "lr_adam", "learning rate", id="infinite rate"),
    pytest.param(dict(method="gd", steps=0), "steps", "from 1 to", id="no steps"),
    pytest.param(dict(method="gd", steps=10**6), "steps", "from 1 to", id="too many steps"),
    pytest.param(dict(method="momentum", momentum=1.0), "momentum", r"in \[0, 1\)", id="momentum 1"),
    pytest.param(dict(method="rmsprop", alpha=-0.1), "alpha", r"in \[0, 1\)", id="negative alpha"),
    pytest.param(dict(method="adam", betas=(0.9,)), "betas", "pair", id="one beta"),
    pytest.param(dict(method="adam", eps=0.0), "eps", r"in \(0, 1\]", id="zero eps"),
    pytest.param(dict(method="gd", momentum=0.9), "momentum", "has no option", id="option of another method"),
    pytest.param(dict(method="newton", hessian=None), "hessian", "needs the Hessian", id="newton without H"),
    pytest.param(dict(method="gd", x0=[1.0, math.nan]), "x0", "finite", id="nan start"),
]


@pytest.mark.parametrize(("settings", "parameter", "message"), BAD)
def test_bad_settings_name_their_parameter(settings, parameter, message):
    arguments = {"lr": 0.1, "steps": 5, "hessian": hess, "x0": [1.0, 1.0], **settings}
    x0 = arguments.pop("x0")
    with pytest.raises(ParameterError, match=message) as caught:
        minimize(grad, x0, **arguments)
    assert caught.value.parameter == parameter


def test_the_first_order_methods_are_the_sgd_pages():
    assert FIRST_ORDER == ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
