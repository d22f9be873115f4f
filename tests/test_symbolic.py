"""core.symbolic: exact derivatives against the tutorial, closed forms and SymPy's own results."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import sympy as sp

from core import symbolic
from core.expressions import ExpressionError, parse

EXACT = 1e-12  # relative: exact derivatives evaluated in float64 agree with closed forms to round-off
POINTS = np.array([0.3, 0.9, 1.7, 2.6])  # inside every domain below, away from poles


def test_tutorial_a_derivative():
    d = symbolic.derivative(parse("(x + 2)(x - 6)", ("x",)))
    assert d.sympy == 2 * sp.Symbol("x", real=True) - 4
    assert d.func(5.0) == pytest.approx(6.0, abs=0)
    assert d.latex == "2 x - 4"


def test_tutorial_b_gradient():
    g = symbolic.gradient(parse("(x1 + 2)(x1 - 5) + (x2 + 1)(x2 - 3)", ("x1", "x2")))
    np.testing.assert_array_equal(g.func(-3.0, -2.0), [-9.0, -6.0])
    assert g.shape == (2,)


RULES = [  # the tutorial's table of common derivatives: (f, f')
    ("7", lambda x: 0 * x),
    ("x^5", lambda x: 5 * x**4),
    ("ln(x)", lambda x: 1 / x),
    ("e^x", np.exp),
    ("3^x", lambda x: 3**x * np.log(3)),
    ("sin(x)", np.cos),
    ("cos(x)", lambda x: -np.sin(x)),
    ("tan(x)", lambda x: 1 / np.cos(x) ** 2),
    ("sqrt(x)", lambda x: 0.5 / np.sqrt(x)),
    ("1/(1+x^2)", lambda x: -2 * x / (1 + x**2) ** 2),
    ("asin(x/3)", lambda x: 1 / np.sqrt(9 - x**2)),
    ("abs(x - 1)", lambda x: np.sign(x - 1)),
]


@pytest.mark.parametrize(("text", "closed_form"), RULES, ids=[r[0] for r in RULES])
def test_derivative_rules(text, closed_form):
    d = symbolic.derivative(parse(text, ("x",)))
    np.testing.assert_allclose(d.func(POINTS), closed_form(POINTS), rtol=EXACT, atol=EXACT)


def test_higher_order_and_named_variable():
    e = parse("x1^3 x2^2", ("x1", "x2"))
    np.testing.assert_allclose(symbolic.derivative(e, variable="x2", order=2).func(POINTS, 1.0), 2 * POINTS**3)
    np.testing.assert_allclose(symbolic.derivative(e, order=3).func(1.0, POINTS), 6 * POINTS**2)


def test_polar_jacobian():
    variables = ("x1", "x2")  # (r, θ)
    jac = symbolic.jacobian([parse("x1 cos(x2)", variables), parse("x1 sin(x2)", variables)])
    r, t = np.array([0.5, 2.0, 3.0]), np.array([0.1, 1.2, -2.0])
    expected = np.array([[np.cos(t), -r * np.sin(t)], [np.sin(t), r * np.cos(t)]])
    assert jac.shape == (2, 2)
    np.testing.assert_allclose(jac.func(r, t), expected, rtol=EXACT)


def test_rosenbrock_hessian_is_symmetric_and_exact():
    h = symbolic.hessian(parse("100(x2 - x1^2)^2 + (1 - x1)^2", ("x1", "x2")))
    a, b = POINTS, POINTS[::-1]
    expected = np.array([[1200 * a**2 - 400 * b + 2, -400 * a], [-400 * a, np.full_like(a, 200.0)]])
    np.testing.assert_allclose(h.func(a, b), expected, rtol=EXACT)


def test_matches_sympy_diff_on_a_composite():
    e = parse("exp(sin(x)) / (2 + cos(x)^2)", ("x",))
    x = sp.Symbol("x", real=True)
    reference = sp.lambdify(x, sp.diff(sp.exp(sp.sin(x)) / (2 + sp.cos(x) ** 2), x), "numpy")
    np.testing.assert_allclose(symbolic.derivative(e).func(POINTS), reference(POINTS), rtol=EXACT)


def test_results_pickle():
    jac = symbolic.jacobian([parse("x1 x2", ("x1", "x2")), parse("x1 + x2", ("x1", "x2"))])
    restored = pickle.loads(pickle.dumps(jac))
    np.testing.assert_array_equal(restored.func(2.0, 3.0), [[3.0, 2.0], [1.0, 1.0]])


def test_runaway_differentiation_is_stopped():
    product = "*".join(f"sin({i}x+{i})" for i in range(1, 40))
    with pytest.raises(ExpressionError, match="took longer than"):
        symbolic.derivative(parse(product, ("x",)), order=3)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: symbolic.derivative(parse("x", ("x",)), order=0), "order"),
        (lambda: symbolic.derivative(parse("x", ("x",)), variable="y"), "variable"),
        (lambda: symbolic.jacobian([]), "at least one"),
        (lambda: symbolic.jacobian([parse("x", ("x",)), parse("x1", ("x1", "x2"))]), "same variables"),
    ],
    ids=["order", "variable", "empty", "mixed"],
)
def test_invalid_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
