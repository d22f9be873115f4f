"""Three independent derivatives of random smooth formulas drawn from the grammar agree: SymPy's exact one (through
our parser), core.differences' numerical one, and scipy.differentiate's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.differentiate
from hypothesis import given, settings
from hypothesis import strategies as st

from core import differences, symbolic
from core.expressions import ExpressionError, parse

POINTS = np.array([-1.3, -0.4, 0.35, 1.1, 2.2])
AUTO = 1e-9  # relative to max(|f'|, 1): auto with refine=True on smooth compositions of moderate size
CHEAP = 1e-7  # the default auto (7 evaluations, one step): up to ~4e-9 seen on steep rational compositions
SCIPY = 1e-8  # scipy.differentiate's default tolerances on the same functions (where it reports success)


def _smooth(depth: int = 3) -> st.SearchStrategy[str]:
    """Formulas in x built from functions that are smooth on the whole real line, with bounded growth."""
    atoms = st.sampled_from(["x", "0.5x", "2", "0.3", "pi/4", "(x-1)"])

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
            st.tuples(st.sampled_from(["sin", "cos", "tanh", "atan", "exp"]), inner).map(
                lambda t: f"{t[0]}(0.5({t[1]}))"),
            inner.map(lambda s: f"1/(1+({s})^2)"),
            inner.map(lambda s: f"({s})^2"),
        )

    return st.recursive(atoms, extend, max_leaves=8)


@settings(max_examples=60, deadline=None)
@given(_smooth())
def test_numeric_symbolic_and_scipy_agree(text):
    try:
        expression = parse(text, ("x",))
        exact = symbolic.derivative(expression).func(POINTS)
    except ExpressionError:
        return  # a formula over the CPU bound: rejected cleanly, nothing to compare
    values = expression.func(POINTS)
    if not (np.all(np.isfinite(values)) and np.all(np.isfinite(exact)) and np.max(np.abs(values)) < 1e6):
        return
    scale = np.maximum(np.abs(exact), 1.0)
    refined = differences.derivative(expression.func, POINTS, refine=True)
    np.testing.assert_array_less(np.abs(refined.value - exact) / scale, AUTO)
    cheap = differences.derivative(expression.func, POINTS)
    np.testing.assert_array_less(np.abs(cheap.value - exact) / scale, CHEAP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        reference = scipy.differentiate.derivative(expression.func, POINTS)
    ok = reference.success
    np.testing.assert_array_less(np.abs(reference.df[ok] - exact[ok]) / scale[ok], SCIPY)


@pytest.mark.parametrize("method", ["forward", "backward", "central", "five-point"])
def test_textbook_stencils_against_symbolic_on_a_composite(method):
    expression = parse("exp(sin(x)) / (2 + cos(x)^2)", ("x",))
    exact = symbolic.derivative(expression).func(POINTS)
    bound = {"forward": 1e-6, "backward": 1e-6, "central": 1e-9, "five-point": 1e-11}[method]  # default steps
    result = differences.derivative(expression.func, POINTS, method=method)
    np.testing.assert_array_less(np.abs(result.value - exact) / np.maximum(np.abs(exact), 1.0), bound)
