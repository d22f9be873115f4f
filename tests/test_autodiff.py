"""core.autodiff: reverse mode, forward mode (dual numbers) and the complex step against SymPy, colah's example,
hand-worked reuse (x·x, a + a), and domain edges named by node."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from core import autodiff, symbolic
from core.errors import ParameterError
from core.expressions import FUNCTIONS, ExpressionError, Node, parse

VARS = ("x1", "x2")
EXACT = 1e-12  # relative: a chain of float64 products against SymPy's derivative in float64, smooth formulas
RANDOM = 1e-9  # relative to max(|grad|, 1): random compositions of up to 10 leaves (rounding grows with depth)
POINTS = {"x1": np.array([-1.3, -0.4, 0.35, 1.1]), "x2": np.array([0.7, -2.1, 1.6, 0.2])}


def _exact_gradient(text: str, point: dict) -> np.ndarray:
    return symbolic.gradient(parse(text, VARS)).func(point["x1"], point["x2"])


# ----------------------------------------------------------------------------------------------- the tree
def test_the_parser_keeps_its_tree_public():
    tree = parse("(x1 + x2)(x2 + 1)", VARS).tree
    assert isinstance(tree, Node)
    assert tree.kind == "*"
    assert [c.kind for c in tree.children] == ["+", "+"]
    assert tree.children[1].children[1] == Node("num", 15, "1")


# ----------------------------------------------------------------------------------------------- colah
def test_colah_example_values_adjoints_and_the_two_paths():
    """e = (a + b)(b + 1) at a = 2, b = 1: c = 3, d = 2, e = 6, ∂e/∂a = 2, ∂e/∂b = 1·2 + 1·3 = 5."""
    graph = autodiff.build_graph(parse("(x1 + x2)(x2 + 1)", VARS))
    forward = autodiff.forward_pass(graph, {"x1": 2.0, "x2": 1.0})
    backward = autodiff.backward_pass(graph, forward)
    by_text = {n.text: n.index for n in graph.nodes}
    c, d, e = by_text["x1 + x2"], by_text["x2 + 1"], by_text["(x1 + x2)·(x2 + 1)"]
    assert [float(forward.values[i]) for i in (c, d, e)] == [3.0, 2.0, 6.0]
    np.testing.assert_array_equal(backward.gradient, [2.0, 5.0])
    assert backward.order == (e, d, c)  # reverse topological: output first
    # b is reached twice: first from d (2·1 = 2 ... then += 3·1 from c) — exactly one accumulation, on b
    assert backward.accumulations == ((2, graph.inputs[1]),)
    b_shares = [float(k.amount) for s in backward.steps for k in s.contributions if k.child == graph.inputs[1]]
    assert sorted(b_shares) == [2.0, 3.0]
    assert float(backward.adjoints[c]) == 2.0 and float(backward.adjoints[d]) == 3.0
    local_e = [float(v) for v in backward.local[e]]
    assert local_e == [2.0, 3.0]  # ∂e/∂c = d, ∂e/∂d = c


# ----------------------------------------------------------------------------------------------- reuse
REUSE = [  # (formula, point, gradient by hand, accumulations on x1)
    ("x1*x1", (3.0, 0.0), (6.0, 0.0), 1),
    ("x1 + x1", (3.0, 0.0), (2.0, 0.0), 1),
    ("x1*x1*x1", (2.0, 0.0), (12.0, 0.0), 2),
    ("x1 x2 + x1", (2.0, 5.0), (6.0, 2.0), 1),
    ("sin(x1) cos(x1)", (0.5, 0.0), (np.cos(1.0), 0.0), 1),
    ("x2", (1.0, 4.0), (0.0, 1.0), 0),
]


@pytest.mark.parametrize(("text", "point", "by_hand", "twice"), REUSE, ids=[r[0] for r in REUSE])
def test_a_node_used_twice_accumulates(text, point, by_hand, twice):
    graph = autodiff.build_graph(parse(text, VARS))
    backward = autodiff.backward_pass(graph, autodiff.forward_pass(graph, point))
    np.testing.assert_allclose(backward.gradient, by_hand, rtol=EXACT)
    assert sum(child == graph.inputs[0] for _, child in backward.accumulations) == twice


# ----------------------------------------------------------------------------------------------- every function
FUNCTION_POINTS = {"asin": 0.3, "acos": -0.4, "log": 1.7, "ln": 0.6, "sqrt": 2.5}


@pytest.mark.parametrize("name", sorted(FUNCTIONS), ids=sorted(FUNCTIONS))
def test_every_whitelisted_function_has_its_local_derivative(name):
    x = FUNCTION_POINTS.get(name, 0.8)
    text = f"{name}(x1) + x2"
    exact = _exact_gradient(text, {"x1": x, "x2": 0.0})
    np.testing.assert_allclose(autodiff.reverse_gradient(parse(text, VARS), {"x1": x, "x2": 0.0}), exact, rtol=EXACT)
    dual = autodiff.dual_derivative(parse(text, VARS), {"x1": x, "x2": 0.0}, direction={"x1": 1.0})
    np.testing.assert_allclose(dual.derivative, exact[0], rtol=EXACT)
    assert autodiff.FUNCTION_DERIVATIVES[name]


# ----------------------------------------------------------------------------------------------- random formulas
def _formulas() -> st.SearchStrategy[str]:
    """Formulas in x1, x2 from the grammar: every operator, implicit products, powers, and all functions whose
    domain is the whole line (plus log/sqrt/asin made total by their arguments)."""
    atoms = st.sampled_from(["x1", "x2", "2", "0.5", "pi", "e", "3x1", "x1x2", "(x2 - 1)"])

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", ""]), inner).map(
                lambda t: f"({t[0]}){t[1]}(1 + ({t[2]})^2)" if t[1] == "/" else f"({t[0]}){t[1]}({t[2]})"),
            st.tuples(st.sampled_from(["sin", "cos", "tanh", "atan", "exp", "sinh", "cosh"]), inner).map(
                lambda t: f"{t[0]}(0.3({t[1]}))"),
            inner.map(lambda s: f"log(1 + ({s})^2)"),
            inner.map(lambda s: f"sqrt(2 + sin({s}))"),
            inner.map(lambda s: f"asin(0.5 tanh({s}))"),
            st.tuples(inner, st.sampled_from(["2", "3", "-1", "0.5"])).map(
                lambda t: f"(1 + ({t[0]})^2)^{t[1]}"),
            inner.map(lambda s: f"-({s})"),
        )

    return st.recursive(atoms, extend, max_leaves=10)


def _finite_case(text: str) -> tuple | None:
    try:
        expression = parse(text, VARS)
        exact = symbolic.gradient(expression).func(POINTS["x1"], POINTS["x2"])
    except ExpressionError:
        return None  # over the parser's or SymPy's bounds: rejected cleanly
    values = expression.func(POINTS["x1"], POINTS["x2"])
    if not (np.all(np.isfinite(exact)) and np.all(np.isfinite(values)) and np.max(np.abs(values)) < 1e6):
        return None
    return expression, exact


@settings(max_examples=80, deadline=None)
@given(_formulas())
def test_adjoints_equal_sympys_gradient_on_random_formulas(text):
    case = _finite_case(text)
    if case is None:
        return
    expression, exact = case
    scale = np.maximum(np.abs(exact), 1.0)
    graph = autodiff.build_graph(expression)
    forward = autodiff.forward_pass(graph, POINTS)
    np.testing.assert_allclose(forward.value, expression.func(POINTS["x1"], POINTS["x2"]), rtol=RANDOM, atol=RANDOM)
    gradient = autodiff.backward_pass(graph, forward).gradient
    np.testing.assert_array_less(np.abs(gradient - exact) / scale, RANDOM)


@settings(max_examples=60, deadline=None)
@given(_formulas(), st.sampled_from([(1.0, 0.0), (0.0, 1.0), (0.6, -0.8)]))
def test_dual_numbers_and_complex_step_equal_sympy(text, direction):
    case = _finite_case(text)
    if case is None:
        return
    expression, exact = case
    scale = np.maximum(np.abs(exact), 1.0)
    dual = autodiff.dual_derivative(expression, POINTS, direction=dict(zip(VARS, direction)))
    along = direction[0] * exact[0] + direction[1] * exact[1]
    np.testing.assert_array_less(np.abs(dual.derivative - along) / np.maximum(np.abs(along), 1.0), RANDOM)
    for k, name in enumerate(VARS):
        step = autodiff.complex_step(expression, POINTS, variable=name)
        assert step.applicable
        np.testing.assert_array_less(np.abs(step.value - exact[k]) / scale[k], RANDOM)


# ----------------------------------------------------------------------------------------------- domain edges
EDGES = [  # (formula, x1, the node named, what is wrong)
    ("log(x1) + x2", -1.0, "'log(x1)' (character 1)", "not a finite number: log needs an argument > 0"),
    ("ln(x1 - 1)", 1.0, "'ln(x1 − 1)' (character 1)", "not a finite number"),
    ("sqrt(x1) x2", 0.0, "'sqrt(x1)' (character 1)", "no finite slope: sqrt"),
    ("asin(x1)", 2.0, "'asin(x1)' (character 1)", "[−1, 1]"),
    ("x2/x1", 0.0, "'x2/x1' (character 3)", "division by zero"),
    ("abs(x1) + 1", 0.0, "'abs(x1)' (character 1)", "no derivative at 0"),
    ("x1^0.5", -4.0, "'x1^0.5' (character 3)", "positive base"),
]


@pytest.mark.parametrize(("text", "x1", "named", "why"), EDGES, ids=[r[0] for r in EDGES])
def test_outside_the_domain_the_adjoint_is_nan_and_the_node_named(text, x1, named, why):
    graph = autodiff.build_graph(parse(text, VARS))
    backward = autodiff.backward_pass(graph, autodiff.forward_pass(graph, {"x1": x1, "x2": 1.0}))
    assert not np.isfinite(backward.gradient[0])
    assert backward.problems, "no node named"
    message = backward.problems[0].message
    assert named in message and why in message, message


def test_inside_the_domain_nothing_is_named():
    graph = autodiff.build_graph(parse("log(x1) + sqrt(x2) + abs(x1 - 3)", VARS))
    backward = autodiff.backward_pass(graph, autodiff.forward_pass(graph, {"x1": 2.0, "x2": 4.0}))
    assert backward.problems == ()
    np.testing.assert_allclose(backward.gradient, [0.5 - 1.0, 0.25], rtol=EXACT)


# ----------------------------------------------------------------------------------------------- complex step
ANALYTIC = [  # (formula, a word the reason must contain, or None)
    ("abs(x1) + x2", "abs(x1)"),
    ("sin(x1) abs(x2 - 1)", "abs(x2 − 1)"),
    ("abs(-2) x1", None),  # abs of a constant is a constant
    ("exp(x1) log(x2) + x1^x2", None),
]


@pytest.mark.parametrize(("text", "named"), ANALYTIC, ids=[r[0] for r in ANALYTIC])
def test_analytic_names_the_first_non_analytic_operation(text, named):
    reason = autodiff.analytic(parse(text, VARS))
    if named is None:
        assert reason is None
    else:
        assert named in reason and "not complex-analytic" in reason
        step = autodiff.complex_step(parse(text, VARS), {"x1": 1.0, "x2": 3.0}, variable="x1")
        assert not step.applicable and step.reason == reason and np.all(np.isnan(step.value))


def test_complex_step_is_exact_for_tiny_steps_and_broadcasts_over_them():
    """d/dx e^x sin x at 1.5 = e^1.5 (sin 1.5 + cos 1.5); no cancellation, so h = 1e-300 is as good as 1e-8."""
    steps = np.array([1e-8, 1e-20, 1e-100, 1e-300])
    step = autodiff.complex_step(parse("exp(x1) sin(x1)", VARS), {"x1": 1.5, "x2": 0.0}, variable="x1", step=steps)
    exact = np.exp(1.5) * (np.sin(1.5) + np.cos(1.5))
    assert step.value.shape == (4,)
    np.testing.assert_allclose(step.value, exact, rtol=EXACT)


def test_complex_step_with_a_negative_base_and_whole_exponent():
    step = autodiff.complex_step(parse("x1^3 + x1^(-2)", VARS), {"x1": -2.0, "x2": 0.0}, variable="x1")
    np.testing.assert_allclose(step.value, 3 * 4 + (-2) * (-2.0) ** -3, rtol=EXACT)


def test_complex_step_outside_the_real_domain_is_nan():
    step = autodiff.complex_step(parse("log(x1)", VARS), {"x1": -1.0, "x2": 0.0}, variable="x1")
    assert step.applicable and np.isnan(step.value)


# ----------------------------------------------------------------------------------------------- shapes, errors
def test_reverse_gradient_broadcasts_over_points():
    gradient = autodiff.reverse_gradient(parse("x1^2 x2", VARS), {"x1": np.arange(5.0), "x2": 2.0})
    assert gradient.shape == (2, 5)
    np.testing.assert_array_equal(gradient, [4 * np.arange(5.0), np.arange(5.0) ** 2])


def test_matches_sympy_gradient_on_the_tutorials_f_and_logistic_loss():
    for text, point in [("(x1 + 2)(x1 - 5) + (x2 + 1)(x2 - 3)", (-3.0, -2.0)),
                        ("log(1 + e^(-1(0.8x1 - 1.5x2)))", (0.4, 1.2))]:
        exact = _exact_gradient(text, {"x1": point[0], "x2": point[1]})
        np.testing.assert_allclose(autodiff.reverse_gradient(parse(text, VARS), point), exact, rtol=EXACT)
    np.testing.assert_array_equal(
        autodiff.reverse_gradient(parse("(x1 + 2)(x1 - 5) + (x2 + 1)(x2 - 3)", VARS), (-3.0, -2.0)), [-9.0, -6.0])


BAD = [
    (lambda e: autodiff.reverse_gradient(e, {"x1": 1.0}), "point"),
    (lambda e: autodiff.reverse_gradient(e, (1.0, 2.0, 3.0)), "point"),
    (lambda e: autodiff.complex_step(e, {"x1": 1.0, "x2": 1.0}, variable="y"), "variable"),
    (lambda e: autodiff.complex_step(e, {"x1": 1.0, "x2": 1.0}, variable="x1", step=0.0), "step"),
    (lambda e: autodiff.dual_derivative(e, {"x1": 1.0, "x2": 1.0}, direction={"z": 1.0}), "direction"),
]


@pytest.mark.parametrize(("call", "parameter"), BAD, ids=[b[1] + str(i) for i, b in enumerate(BAD)])
def test_bad_arguments_name_their_parameter(call, parameter):
    with pytest.raises(ParameterError) as caught:
        call(parse("x1 x2", VARS))
    assert caught.value.parameter == parameter


def test_layers_run_left_to_right_and_formula_text_brackets_only_where_needed():
    graph = autodiff.build_graph(parse("-(x1 - (x2 - 1))^2 / 2^x1", VARS))
    for node in graph.nodes:
        assert all(graph.nodes[c].layer < node.layer for c in node.children)
    assert graph.nodes[graph.output].text == "−(x1 − (x2 − 1))^2/2^x1"
    assert sp.simplify(parse(graph.nodes[graph.output].text.replace("−", "-"), VARS).sympy
                       - parse("-(x1 - (x2 - 1))^2 / 2^x1", VARS).sympy) == 0
