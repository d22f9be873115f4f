"""The Backprop page's computation: a typed f(x1, x2) as a computational graph, its forward and backward passes step
by step, colah's sum over paths, and how computers differentiate the same f (differences, complex step, dual
numbers, reverse mode, symbolic) side by side."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core import autodiff, differences, symbolic
from core.errors import ParameterError
from core.expressions import Expression, ExpressionError, parse

__all__ = [
    "MAX_DRAWN",
    "MAX_PATHS",
    "PRESETS",
    "VARIABLES",
    "BackpropPreset",
    "BackpropStudy",
    "MethodRow",
    "Path",
    "PathSum",
    "Step",
    "format_number",
    "method_rows",
    "preset_settings",
    "readouts",
    "study_backprop",
    "why_reverse_mode",
]

VARIABLES = ("x1", "x2")
MAX_DRAWN = 40  # graph nodes drawn: beyond this the labels overlap at 1440 px wide, and the page shows the numbers
MAX_PATHS = 12  # paths from an input to the output listed in the path-sum view (their number can grow exponentially)
POINT_LIMIT = 1e6  # |x1|, |x2| above this: the boxes' bounds


@dataclass(frozen=True)
class BackpropPreset:
    """A one-click example: ``label``, ``formula`` in x1, x2, and the point."""

    label: str
    formula: str
    x1: float
    x2: float
    note: str


PRESETS = (
    BackpropPreset("colah: (x1 + x2)(x2 + 1)", "(x1 + x2)(x2 + 1)", 2.0, 1.0,
                   "colah's e = (a + b)(b + 1) with a = x1, b = x2: ∂e/∂b = 1·2 + 1·3 = 5, two paths summed."),
    BackpropPreset("Logistic loss of one point", "log(1 + e^(-1(0.5x1 - 1.2x2)))", 2.0, 1.0,
                   "log(1 + e^(−y·(β·x))) for the point x = (0.5, −1.2), y = 1, with the weights β1, β2 as x1, x2."),
    BackpropPreset("Neuron tanh(w·x + b)", "tanh(0.8x1 - 1.5x2 + 0.3)", 0.5, -0.2,
                   "one neuron tanh(w1·x1 + w2·x2 + b) with w = (0.8, −1.5), b = 0.3."),
    BackpropPreset("Tutorial's f (Gradient page)", "(x1 + 2)(x1 - 5) + (x2 + 1)(x2 - 3)", -3.0, -2.0,
                   "the tutorial's f at (−3, −2): ∇f = (−9, −6)."),
)


def preset_settings(label: str | None) -> dict[str, object]:
    """The page's control values for the preset called ``label`` (formula and point), or {} for none."""
    chosen = next((p for p in PRESETS if p.label == label), None)
    if chosen is None:
        return {}
    return {"f": chosen.formula, "x1": chosen.x1, "x2": chosen.x2}


@dataclass(frozen=True)
class Step:
    """One step of the walk through both passes.

    ``phase`` is ``"forward"`` or ``"backward"``; ``node`` the node computed; ``number`` its position within its pass
    (from 1); ``accumulated`` the nodes that received a ``+=`` at this step; ``received`` each (node, adjoint so far)
    that got a contribution at this step; ``text`` a sentence with the numbers.
    """

    phase: str
    node: int
    number: int
    accumulated: tuple[int, ...]
    received: tuple[tuple[int, float], ...]
    text: str


@dataclass(frozen=True)
class Path:
    """One path from an input to the output: its ``nodes`` and the local derivative on each edge (``factors``)."""

    nodes: tuple[int, ...]
    factors: tuple[float, ...]
    product: float


@dataclass(frozen=True)
class PathSum:
    """colah's view of ∂f/∂``variable``: the paths from the input to the output (at most MAX_PATHS listed of
    ``count``), the product along each, and their sum (equal to the adjoint)."""

    variable: str
    paths: tuple[Path, ...]
    count: int
    total: float


@dataclass(frozen=True)
class MethodRow:
    """One way to differentiate: both partials, the largest error against the exact gradient, and the cost."""

    method: str
    d1: float
    d2: float
    error: float | None
    cost: str


@dataclass(frozen=True)
class BackpropStudy:
    """Everything the page shows for one f and point.

    Attributes
    ----------
    expression, graph : the parsed formula and its graph.
    point : (x1, x2).
    values, adjoints : per node, floats (an inactive node's adjoint is nan: it gets none).
    local : per node, the local derivative of each operand slot.
    backward_order : the active operations, output first.
    steps : the forward steps then the backward steps.
    gradient : (∂f/∂x1, ∂f/∂x2) from the backward pass.
    exact : the exact gradient (SymPy), or None when SymPy ran out of time (``exact_note`` says so).
    path_sums : one per input.
    methods : the comparison table's rows.
    problems : nodes outside their domain, named.
    drawable : whether the graph is small enough to draw (MAX_DRAWN nodes).
    """

    expression: Expression
    graph: autodiff.Graph
    point: tuple[float, float]
    values: tuple[float, ...]
    adjoints: tuple[float, ...]
    local: tuple[tuple[float, ...], ...]
    backward_order: tuple[int, ...]
    steps: tuple[Step, ...]
    gradient: tuple[float, float]
    exact: tuple[float, float] | None
    exact_note: str | None
    path_sums: tuple[PathSum, ...]
    methods: tuple[MethodRow, ...]
    problems: tuple[str, ...]
    drawable: bool

    @property
    def value(self) -> float:
        return self.values[self.graph.output]

    @property
    def too_large(self) -> str | None:
        """A sentence when the graph is not drawn, else None."""
        if self.drawable:
            return None
        return (f"This formula's graph has {len(self.graph.nodes)} nodes, too many to draw legibly (at most "
                f"{MAX_DRAWN}); the numbers of both passes are below.")


def format_number(value: float) -> str:
    """Three decimals (the tutorial's), scientific notation for very large or small values; nan and ±inf in words."""
    if math.isnan(value):
        return "nan (undefined)"
    if math.isinf(value):
        return "+inf" if value > 0 else "−inf"
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
        return f"{value:.3e}"
    return f"{value:.3f}"


def _check(formula: str, x1: float, x2: float) -> Expression:
    for name, value in (("x1", x1), ("x2", x2)):
        if not isinstance(value, int | float) or not math.isfinite(value) or abs(value) > POINT_LIMIT:
            raise ParameterError(name, f"{name} must be a finite number between −1e6 and 1e6")
    if not isinstance(formula, str):
        raise ParameterError("f", "The formula must be text")
    return parse(formula, VARIABLES)


def study_backprop(formula: str, *, x1: float, x2: float) -> BackpropStudy:
    """Build the graph of f(x1, x2) as typed, run both passes at (x1, x2), and compare every way to differentiate.

    Parameters
    ----------
    formula : f in x1, x2, read by :func:`core.expressions.parse` (a bad one raises ExpressionError).
    x1, x2 : keyword-only, the point, |x| ≤ 1e6.

    Returns
    -------
    BackpropStudy
        ``gradient`` = the inputs' adjoints after one backward pass; ``exact`` = SymPy's ∇f at the point.
    """
    expression = _check(formula, x1, x2)
    graph = autodiff.build_graph(expression)
    forward = autodiff.forward_pass(graph, (x1, x2))
    backward = autodiff.backward_pass(graph, forward)
    values = tuple(float(v) for v in forward.values)
    adjoints = tuple(float(a) if n.active else math.nan for a, n in zip(backward.adjoints, graph.nodes))
    local = tuple(tuple(float(s) for s in slopes) for slopes in backward.local)
    gradient = (float(backward.gradient[0]), float(backward.gradient[1]))
    exact, exact_note = _exact(expression, x1, x2)
    return BackpropStudy(
        expression=expression, graph=graph, point=(x1, x2), values=values, adjoints=adjoints, local=local,
        backward_order=backward.order, steps=_steps(graph, values, backward), gradient=gradient, exact=exact,
        exact_note=exact_note, path_sums=tuple(_path_sum(graph, local, k) for k in range(len(VARIABLES))),
        methods=method_rows(expression, (x1, x2), gradient, exact),
        problems=tuple(p.message for p in backward.problems),
        drawable=len(graph.nodes) <= MAX_DRAWN,
    )


def _exact(expression: Expression, x1: float, x2: float) -> tuple[tuple[float, float] | None, str | None]:
    try:
        exact = symbolic.gradient(expression, typeset=False).func(x1, x2)
    except ExpressionError as error:
        return None, f"The exact gradient is not available: {error}"
    return (float(exact[0]), float(exact[1])), None


def _steps(graph: autodiff.Graph, values: tuple[float, ...], backward: autodiff.BackwardPass) -> tuple[Step, ...]:
    steps = [Step("forward", node.index, node.index + 1, (), (), _forward_sentence(node, values[node.index]))
             for node in graph.nodes]
    for number, step in enumerate(backward.steps, start=1):
        twice = tuple(c.child for c in step.contributions if c.accumulated)
        node = graph.nodes[step.node]
        shares = "; ".join(
            f"{'+=' if c.accumulated else '='} {format_number(float(step.adjoint))}·{format_number(float(c.local))}"
            f" to {graph.nodes[c.child].text}" for c in step.contributions)
        text = f"Backward {number}: ∂f/∂({node.text}) = {format_number(float(step.adjoint))} sends {shares}"
        received = tuple((c.child, float(c.adjoint_after)) for c in step.contributions)
        steps.append(Step("backward", step.node, number, twice, received, text))
    return tuple(steps)


def _forward_sentence(node: autodiff.GraphNode, value: float) -> str:
    what = "input" if node.kind == "var" else "constant" if not node.children else "computes"
    return f"Forward {node.index + 1}: {what} {node.text} = {format_number(value)}"


def _path_sum(graph: autodiff.Graph, local: tuple[tuple[float, ...], ...], k: int) -> PathSum:
    start = graph.inputs[k]
    counts = _path_counts(graph)
    paths: list[Path] = []

    def walk(node: int, nodes: tuple[int, ...], factors: tuple[float, ...]) -> None:
        if len(paths) >= MAX_PATHS:
            return
        if node == graph.output:
            paths.append(Path(nodes, factors, math.prod(factors)))
            return
        for parent, slot in graph.parents[node]:
            walk(parent, (*nodes, parent), (*factors, local[parent][slot]))

    if counts[start]:
        walk(start, (start,), ())
    with np.errstate(all="ignore"):
        total = float(np.sum([p.product for p in paths])) if counts[start] <= MAX_PATHS else math.nan
    return PathSum(VARIABLES[k], tuple(paths), counts[start], total if counts[start] else 0.0)


def _path_counts(graph: autodiff.Graph) -> list[int]:
    """Number of paths from each node to the output (dynamic programming in backward order)."""
    counts = [0] * len(graph.nodes)
    counts[graph.output] = 1
    for node in reversed(graph.nodes):
        for parent, _ in graph.parents[node.index]:
            counts[node.index] += counts[parent]
    return counts


def _error(d1: float, d2: float, exact: tuple[float, float] | None) -> float | None:
    if exact is None:
        return None
    return max(abs(d1 - exact[0]), abs(d2 - exact[1]))


def method_rows(expression: Expression, point: tuple[float, float], gradient: tuple[float, float],
                exact: tuple[float, float] | None) -> tuple[MethodRow, ...]:
    """The "How computers differentiate" table: ∇f at ``point`` six ways, with its error and its cost.

    Costs for n = 2 inputs: central differences 2n evaluations of f, auto (Richardson) 6n + 1 or more, complex step n
    complex evaluations, forward mode n passes of dual numbers, reverse mode one forward and one backward pass.
    """
    rows = [_differences_row(expression, point, exact, method) for method in ("central", "auto")]
    rows.append(_complex_row(expression, point, exact))
    duals = [autodiff.dual_derivative(expression, dict(zip(VARIABLES, point)), direction={v: 1.0}).derivative
             for v in VARIABLES]
    rows.append(MethodRow("Forward mode (dual numbers)", float(duals[0]), float(duals[1]),
                          _error(float(duals[0]), float(duals[1]), exact), "n = 2 forward passes (one per input)"))
    rows.append(MethodRow("Reverse mode (backprop)", *gradient, _error(*gradient, exact),
                          "1 forward + 1 backward pass, whatever n"))
    if exact is not None:
        rows.append(MethodRow("Symbolic (SymPy)", *exact, 0.0, "n derivative formulas, then evaluated (the reference)"))
    return tuple(rows)


def _differences_row(expression: Expression, point, exact, method: str) -> MethodRow:
    func: Callable = expression.func
    estimate = differences.gradient(lambda x: func(x[0], x[1]), np.array(point, dtype=float), method=method)
    d1, d2 = (float(v) for v in estimate.value)
    label = "Finite differences, central" if method == "central" else "Finite differences, auto (Richardson)"
    per = "2n" if method == "central" else "6n or more"
    cost = f"{int(np.max(estimate.evaluations))} evaluations of f ({per}, plus f itself)"
    return MethodRow(label, d1, d2, _error(d1, d2, exact), cost)


def _complex_row(expression: Expression, point, exact) -> MethodRow:
    at = dict(zip(VARIABLES, point))
    steps = [autodiff.complex_step(expression, at, variable=v) for v in VARIABLES]
    if not steps[0].applicable:
        return MethodRow("Complex step", math.nan, math.nan, None, steps[0].reason)
    d1, d2 = float(steps[0].value), float(steps[1].value)
    return MethodRow("Complex step, h = 1e-20", d1, d2, _error(d1, d2, exact), "n = 2 complex evaluations of f")


def readouts(study: BackpropStudy) -> list[tuple[str, str, str | None]]:
    """(label, value, note) for the page's metrics: f, and each partial with its gap to the exact one."""
    rows: list[tuple[str, str, str | None]] = [("f(x1, x2)", format_number(study.value), None)]
    for k, name in enumerate(VARIABLES):
        note = None
        if study.exact is not None:
            gap = abs(study.gradient[k] - study.exact[k])
            note = f"exact {format_number(study.exact[k])}, gap {gap:.1e}" if math.isfinite(gap) else "exact: nan"
        rows.append((f"∂f/∂{name} (backward pass)", format_number(study.gradient[k]), note))
    return rows


def why_reverse_mode() -> str:
    """The sentence on why every deep-learning framework uses reverse mode."""
    return ("Differences and forward mode cost one or two evaluations **per input**, so a network with n = 10⁶ "
            "weights needs 10⁶ passes for one gradient; reverse mode gets all n partials of a scalar loss from "
            "**one** backward pass, at a few times the cost of evaluating the loss — that is why SGD trains with "
            "backpropagation.")
