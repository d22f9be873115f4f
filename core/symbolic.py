"""Exact derivatives, gradients, Jacobians and Hessians of parsed expressions, with SymPy, under a time bound.

Every result carries the SymPy object, its LaTeX, and a vectorised NumPy callable (picklable, real-valued:
complex or undefined values are nan). SymPy work runs under :func:`core.expressions.time_limit`; a formula whose
derivative takes too long raises :class:`core.expressions.ExpressionError` instead of holding the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from core.expressions import Expression, NumpyFunction, time_limit

__all__ = ["MATRIX_SECONDS", "SYMBOLIC_SECONDS", "Symbolic", "SymbolicMatrix", "derivative", "gradient", "hessian",
           "jacobian"]

SYMBOLIC_SECONDS = 1.0  # bound on one differentiation (plus its LaTeX)
MATRIX_SECONDS = 0.7  # bound on a whole Jacobian or Hessian (up to 36 entries), so that with its page's other work a
# rerun stays near one second (issue 11's budget, tests/benchmarks/bench_worst.py); past it the page says so and uses
# the numerical matrix


@dataclass(frozen=True)
class Symbolic:
    """An exact scalar result: ``sympy`` expression, ``latex``, and ``func(*arrays)`` (one array per variable)."""

    sympy: sp.Expr
    latex: str
    func: NumpyFunction


@dataclass(frozen=True)
class SymbolicMatrix:
    """An exact vector or matrix result of ``shape`` (n,) or (m, n).

    ``func(*arrays)`` returns an array of shape ``shape + broadcast(arrays).shape``.
    """

    sympy: sp.ImmutableMatrix
    latex: str
    entries: tuple[NumpyFunction, ...]
    shape: tuple[int, ...]

    def func(self, *arrays: np.ndarray | float) -> np.ndarray:
        values = np.stack([entry(*arrays) for entry in self.entries])
        return values.reshape(self.shape + values.shape[1:])


def _differentiate(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> sp.Expr:
    """SymPy's derivative as it comes (no ``simplify``: it is slow, and the product/quotient-rule form is the one
    students are taught)."""
    return sp.diff(expr, *symbols)


def _symbol(expression: Expression, variable: str | None) -> sp.Symbol:
    name = expression.variables[0] if variable is None else variable
    if name not in expression.variables:
        raise ValueError(f"variable: {name!r} is not one of the expression's variables {expression.variables}")
    return expression.symbols[expression.variables.index(name)]


def derivative(expression: Expression, *, variable: str | None = None, order: int = 1) -> Symbolic:
    """Exact ``order``-th derivative d^k f / d v^k of a parsed expression.

    Parameters
    ----------
    expression : from :func:`core.expressions.parse`.
    variable : the variable to differentiate by; default the first declared one.
    order : k ≥ 1.

    Returns
    -------
    Symbolic
        ``func(*arrays)`` evaluates the derivative with the same broadcasting rules as ``expression.func``.
    """
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"order: must be a whole number ≥ 1; got {order!r}")
    symbol = _symbol(expression, variable)
    with time_limit(SYMBOLIC_SECONDS, what="Differentiating this formula"):
        result = _differentiate(expression.sympy, [symbol] * order)
        latex = sp.latex(result)
    return Symbolic(result, latex, NumpyFunction(result, expression.symbols))


def _matrix(rows: list[list[sp.Expr]], symbols: tuple[sp.Symbol, ...], shape: tuple[int, ...], *,
            typeset: bool = True) -> SymbolicMatrix:
    matrix = sp.ImmutableMatrix(rows)
    flat = tuple(NumpyFunction(entry, symbols) for entry in matrix)
    return SymbolicMatrix(matrix, sp.latex(matrix) if typeset else "", flat, shape)


def gradient(expression: Expression, *, typeset: bool = True) -> SymbolicMatrix:
    """Exact gradient ∇f = (∂f/∂x1, …, ∂f/∂xn) of a scalar expression; ``shape`` is (n,). ``typeset=False`` skips
    the LaTeX (``latex`` is "") for a page that only evaluates it: SymPy's printer can take longer than the
    differentiation."""
    symbols = expression.symbols
    with time_limit(SYMBOLIC_SECONDS, what="Differentiating this formula"):
        return _matrix([[_differentiate(expression.sympy, [s]) for s in symbols]], symbols, (len(symbols),),
                       typeset=typeset)


def jacobian(expressions: Sequence[Expression]) -> SymbolicMatrix:
    """Exact Jacobian J[i, j] = ∂F_i/∂x_j of F = (F_1, …, F_m); all components share their variables.

    Returns a :class:`SymbolicMatrix` of ``shape`` (m, n).
    """
    if not expressions:
        raise ValueError("expressions: at least one component is needed")
    symbols = expressions[0].symbols
    if any(e.variables != expressions[0].variables for e in expressions):
        raise ValueError("expressions: all components must be parsed with the same variables")
    with time_limit(MATRIX_SECONDS, what="Differentiating these formulas"):
        entries = [[_differentiate(e.sympy, [s]) for s in symbols] for e in expressions]
        return _matrix(entries, symbols, (len(expressions), len(symbols)))


def hessian(expression: Expression, *, typeset: bool = True) -> SymbolicMatrix:
    """Exact Hessian H[i, j] = ∂²f/∂x_i∂x_j of a scalar expression; ``shape`` is (n, n), symmetric. ``typeset=False``
    skips the LaTeX, as for :func:`gradient`."""
    symbols = expression.symbols
    n = len(symbols)
    with time_limit(MATRIX_SECONDS, what="Differentiating this formula twice"):
        first = [sp.diff(expression.sympy, s) for s in symbols]
        upper = {(i, j): _differentiate(first[i], [symbols[j]]) for i in range(n) for j in range(i, n)}
        rows = [[upper[min(i, j), max(i, j)] for j in range(n)] for i in range(n)]
        return _matrix(rows, symbols, (n, n), typeset=typeset)
