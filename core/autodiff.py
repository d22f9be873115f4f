"""Automatic differentiation over the parser's own syntax tree: reverse mode, forward mode, and the complex step.

The formula is differentiated *as typed* (``core.expressions.Node``), not in SymPy's reordered form, so that a
student sees the graph of what they wrote. The graph has one node per input variable (shared by every use of it, so
``x·x`` and colah's ``(a + b)(b + 1)`` reach an input twice) and one node per constant and per operation of the
tree. Node indices are the forward order: the inputs first, then the tree in post-order (every operand before its
operation).

Reverse mode (backpropagation)::

    forward:   v_i = op_i(v_children)                                  for i = 0, 1, …, N − 1
    backward:  adj_out = 1;  adj_c += adj_i · ∂op_i/∂v_c               for i = N − 1, …, 0, each operand c of i

so one backward pass gives all n partial derivatives, ∂f/∂x_k = adj of input k. A node that feeds several others
receives several contributions; the second and later ones are the ``+=`` (the sum over paths of the chain rule).

Forward mode carries dual numbers (v, v̇) through the same tree: v̇_i = Σ_c ∂op_i/∂v_c · v̇_c, giving ∇f·d for one
direction d per pass. The complex step evaluates f(x + i·h·e_k) with complex arithmetic and takes Im(·)/h: exact to
rounding for any h (no subtraction), but only for complex-analytic formulas (``abs`` is not).

Every whitelisted function has its local derivative; out of its domain the local derivative is nan (``log`` at
x ≤ 0, ``sqrt`` at x < 0, ``asin`` at |x| > 1, ``abs`` at 0, a division by zero), and the passes name the node.
Nothing here evaluates text: the tree comes from :func:`core.expressions.parse`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from core.errors import ParameterError
from core.expressions import Expression, Node

__all__ = [
    "DEFAULT_COMPLEX_STEP",
    "FUNCTION_DERIVATIVES",
    "BackwardPass",
    "BackwardStep",
    "ComplexStep",
    "Contribution",
    "Dual",
    "ForwardPass",
    "Graph",
    "GraphNode",
    "Problem",
    "analytic",
    "backward_pass",
    "build_graph",
    "complex_step",
    "dual_derivative",
    "formula_text",
    "forward_pass",
    "reverse_gradient",
]

DEFAULT_COMPLEX_STEP = 1e-20  # far below rounding: Im f(x + ih)/h has no subtraction, so h can be tiny

_CONSTANTS = {"pi": np.pi, "e": np.e}
_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷", "^": "^", "neg": "−"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}

# Derivative of each whitelisted function f(a), as a formula (for the page) — the code is in _function_slope.
FUNCTION_DERIVATIVES: dict[str, str] = {
    "sin": "cos(a)", "cos": "−sin(a)", "tan": "1/cos(a)^2", "sec": "sec(a)·tan(a)", "csc": "−csc(a)·cot(a)",
    "cot": "−1/sin(a)^2", "asin": "1/sqrt(1 − a^2)", "acos": "−1/sqrt(1 − a^2)", "atan": "1/(1 + a^2)",
    "sinh": "cosh(a)", "cosh": "sinh(a)", "tanh": "1 − tanh(a)^2", "exp": "exp(a)", "log": "1/a", "ln": "1/a",
    "sqrt": "1/(2·sqrt(a))", "abs": "sign(a) (none at 0)",
}

# Why a node's value or slope is not finite, by operation.
_DOMAINS: dict[str, str] = {
    "log": "log needs an argument > 0", "ln": "ln needs an argument > 0",
    "sqrt": "sqrt needs an argument ≥ 0, and its slope is infinite at 0",
    "asin": "asin needs an argument in [−1, 1], and its slope is infinite at ±1",
    "acos": "acos needs an argument in [−1, 1], and its slope is infinite at ±1",
    "tan": "tan is undefined where cos = 0", "sec": "sec is undefined where cos = 0",
    "csc": "csc is undefined where sin = 0", "cot": "cot is undefined where sin = 0",
    "abs": "abs has no derivative at 0 (its slope jumps from −1 to 1)",
    "/": "a division by zero", "^": "a power needs a positive base unless its exponent is a constant whole number",
}


# ----------------------------------------------------------------------------------------------- the graph
@dataclass(frozen=True)
class GraphNode:
    """One node of the computational graph.

    Attributes
    ----------
    index : position in the forward order (inputs first).
    kind : the tree's kind: ``"var"`` (an input), ``"num"``, ``"const"``, ``"neg"``, ``"+"``, ``"-"``, ``"*"``,
        ``"/"``, ``"^"`` or ``"call"``.
    op : what the node shows: the input's name, the number, ``π``/``e``, an operator symbol or the function name.
    children : the operands' node indices, left to right (an index may repeat: ``x·x``).
    pos : 0-based character of the formula the node comes from (−1 for an input not used in the formula).
    layer : 0 for inputs; one more than the deepest operand for operations; constants sit one left of their user.
    active : whether the node depends on an input (only active nodes get adjoints).
    text : the sub-formula the node computes, e.g. ``x1 + x2``.
    """

    index: int
    kind: str
    op: str
    children: tuple[int, ...]
    pos: int
    layer: int
    active: bool
    text: str


@dataclass(frozen=True)
class Graph:
    """A formula's computational graph.

    Attributes
    ----------
    nodes : every node, in forward order (``nodes[i].index == i``).
    variables : the input names, in order; ``inputs[k]`` is the node of ``variables[k]``.
    inputs : node index per variable.
    output : the node whose value is f.
    parents : per node, its uses as ``(parent, slot)`` pairs (an input used twice has two).
    text : the formula as typed.
    """

    nodes: tuple[GraphNode, ...]
    variables: tuple[str, ...]
    inputs: tuple[int, ...]
    output: int
    parents: tuple[tuple[tuple[int, int], ...], ...]
    text: str

    @property
    def operations(self) -> tuple[int, ...]:
        """The operation nodes (neither input nor constant), in forward order."""
        return tuple(n.index for n in self.nodes if n.children)


def formula_text(node: Node) -> str:
    """The sub-formula of a tree node as readable text with only the brackets it needs (``(x1 + x2)·(x2 + 1)``)."""
    kind = node.kind
    if kind in ("num", "var"):
        return node.value
    if kind == "const":
        return "π" if node.value == "pi" else node.value
    if kind == "call":
        return f"{node.value}({formula_text(node.children[0])})"
    if kind == "neg":
        return "−" + _bracket(node.children[0], _PRECEDENCE["neg"], strict=False)
    left, right = node.children
    prec = _PRECEDENCE[kind]
    if kind == "^":
        return f"{_bracket(left, prec, strict=True)}^{_bracket(right, 5, strict=False)}"
    sign = {"+": " + ", "-": " − ", "*": "·", "/": "/"}[kind]
    return _bracket(left, prec, strict=False) + sign + _bracket(right, prec, strict=kind in ("-", "/", "*"))


def _bracket(node: Node, prec: int, *, strict: bool) -> str:
    inner = _PRECEDENCE.get(node.kind, 5)
    text = formula_text(node)
    return f"({text})" if inner < prec or (strict and inner == prec) else text


def _op_label(node: Node) -> str:
    if node.kind == "var" or node.kind == "num":
        return node.value
    if node.kind == "const":
        return "π" if node.value == "pi" else "e"
    return node.value if node.kind == "call" else _SYMBOLS[node.kind]


def build_graph(expression: Expression) -> Graph:
    """The computational graph of a parsed formula, as typed.

    Parameters
    ----------
    expression : from :func:`core.expressions.parse`; its ``tree`` is walked (never its text).

    Returns
    -------
    Graph
        ``n`` input nodes (one per declared variable, shared by all its uses), then one node per constant and
        operation of the tree in post-order, so that ``range(len(nodes))`` is a valid forward order.
    """
    if not isinstance(expression, Expression):
        raise ParameterError("f", "build_graph needs a parsed Expression")
    variables = expression.variables
    uses = _first_uses(expression.tree)
    nodes: list[GraphNode] = [
        GraphNode(k, "var", name, (), uses.get(name, -1), 0, True, name) for k, name in enumerate(variables)
    ]
    output = _add_subtree(expression.tree, nodes, {name: k for k, name in enumerate(variables)})
    nodes = _place_constants(nodes)
    parents: list[list[tuple[int, int]]] = [[] for _ in nodes]
    for node in nodes:
        for slot, child in enumerate(node.children):
            parents[child].append((node.index, slot))
    return Graph(tuple(nodes), variables, tuple(range(len(variables))), output,
                 tuple(tuple(p) for p in parents), expression.text)


def _first_uses(tree: Node) -> dict[str, int]:
    found: dict[str, int] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.kind == "var":
            found[node.value] = min(found.get(node.value, node.pos), node.pos)
        stack.extend(node.children)
    return found


def _add_subtree(node: Node, nodes: list[GraphNode], inputs: dict[str, int]) -> int:
    if node.kind == "var":
        return inputs[node.value]
    children = tuple(_add_subtree(child, nodes, inputs) for child in node.children)
    active = any(nodes[c].active for c in children)
    layer = 1 + max((nodes[c].layer for c in children), default=-1)
    nodes.append(GraphNode(len(nodes), node.kind, _op_label(node), children, node.pos, max(layer, 0), active,
                           formula_text(node)))
    return len(nodes) - 1


def _place_constants(nodes: list[GraphNode]) -> list[GraphNode]:
    """Move each constant subtree to just left of the operation that uses it (not to the far left)."""
    placed = list(nodes)
    for node in reversed(nodes):
        for child in node.children:
            if not placed[child].active:
                placed[child] = _with_layer(placed[child], placed[node.index].layer - 1)
                _shift_constant_subtree(placed, child)
    return placed


def _with_layer(node: GraphNode, layer: int) -> GraphNode:
    return GraphNode(node.index, node.kind, node.op, node.children, node.pos, max(layer, 0), node.active, node.text)


def _shift_constant_subtree(placed: list[GraphNode], index: int) -> None:
    for child in placed[index].children:
        placed[child] = _with_layer(placed[child], placed[index].layer - 1)
        _shift_constant_subtree(placed, child)


# ----------------------------------------------------------------------------------------------- arithmetic
def _real_function(name: str, a: np.ndarray) -> np.ndarray:
    if name in ("log", "ln"):
        return np.log(a)
    if name == "sec":
        return 1.0 / np.cos(a)
    if name == "csc":
        return 1.0 / np.sin(a)
    if name == "cot":
        return 1.0 / np.tan(a)
    return _NUMPY[name](a)


_NUMPY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs,
}


def _apply_real(node: GraphNode, args: list[np.ndarray]) -> np.ndarray:
    kind = node.kind
    if kind == "call":
        return _real_function(node.op, args[0])
    if kind == "neg":
        return -args[0]
    a, b = args
    if kind == "+":
        return a + b
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    if kind == "/":
        return a / b
    return np.power(a, b)


def _function_slope(name: str, a: np.ndarray, value: np.ndarray) -> np.ndarray:
    """d name(a) / da, nan outside the function's domain (and for abs at 0)."""
    if name in ("log", "ln"):
        return np.where(a > 0, 1.0 / a, np.nan)
    if name == "abs":
        return np.where(a != 0, np.sign(a), np.nan)
    table: dict[str, Callable[[], np.ndarray]] = {
        "sin": lambda: np.cos(a), "cos": lambda: -np.sin(a), "tan": lambda: 1.0 / np.cos(a) ** 2,
        "sec": lambda: value * np.tan(a), "csc": lambda: -value / np.tan(a), "cot": lambda: -1.0 / np.sin(a) ** 2,
        "asin": lambda: 1.0 / np.sqrt(1.0 - a * a), "acos": lambda: -1.0 / np.sqrt(1.0 - a * a),
        "atan": lambda: 1.0 / (1.0 + a * a), "sinh": lambda: np.cosh(a), "cosh": lambda: np.sinh(a),
        "tanh": lambda: 1.0 - value * value, "exp": lambda: value, "sqrt": lambda: 0.5 / value,
    }
    return table[name]()


def _local_slopes(node: GraphNode, args: list[np.ndarray], value: np.ndarray,
                  active: Sequence[bool]) -> tuple[np.ndarray, ...]:
    """∂node/∂operand for each operand (an inactive operand's slope is not needed and is given as 0)."""
    kind = node.kind
    one = np.ones_like(value)
    if kind == "call":
        return (_function_slope(node.op, args[0], value),)
    if kind == "neg":
        return (-one,)
    a, b = args
    if kind == "+":
        slopes = (one, one)
    elif kind == "-":
        slopes = (one, -one)
    elif kind == "*":
        slopes = (b * one, a * one)
    elif kind == "/":
        slopes = (one / b, -a / (b * b))
    else:
        slopes = (b * np.power(a, b - 1.0) if active[0] else one, value * np.log(a) if active[1] else one)
    return tuple(s if on else np.zeros_like(value) for s, on in zip(slopes, active))


# ----------------------------------------------------------------------------------------------- points
def _point_arrays(graph: Graph, point: Mapping[str, ArrayLike] | Sequence[ArrayLike]) -> list[np.ndarray]:
    """One float array per variable, broadcast to a common shape; ParameterError naming ``point`` otherwise."""
    if isinstance(point, Mapping):
        missing = [v for v in graph.variables if v not in point]
        if missing:
            raise ParameterError("point", f"point: no value for {', '.join(missing)}")
        values = [point[v] for v in graph.variables]
    else:
        values = list(point)
        if len(values) != len(graph.variables):
            raise ParameterError("point", f"point: expected {len(graph.variables)} values, got {len(values)}")
    try:
        arrays = [np.asarray(v, dtype=float) for v in values]
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
    except (TypeError, ValueError) as exc:
        raise ParameterError("point", f"point: {exc}") from None
    return [np.array(np.broadcast_to(a, shape)) for a in arrays]


def _constant(node: GraphNode, shape: tuple[int, ...], dtype: type = float) -> np.ndarray:
    number = _CONSTANTS[node.op.replace("π", "pi")] if node.kind == "const" else float(node.op)
    return np.full(shape, number, dtype=dtype)


# ----------------------------------------------------------------------------------------------- reverse mode
@dataclass(frozen=True)
class Problem:
    """Where a pass met a value or a slope that is not finite: the ``node``, and a ``message`` naming it."""

    node: int
    message: str


@dataclass(frozen=True, eq=False)
class ForwardPass:
    """The forward pass: ``values[i]`` (broadcast shape of the point) for every node, in ``order``; f is
    ``values[output]``.

    ``problems`` names each node whose value is not finite although its operands are (a point outside the domain, or
    an undefined constant part such as log(-1)), in forward order.
    """

    values: tuple[np.ndarray, ...]
    order: tuple[int, ...]
    problems: tuple[Problem, ...]
    output: int

    @property
    def value(self) -> np.ndarray:
        """f at the point (the output node's value)."""
        return self.values[self.output]


@dataclass(frozen=True, eq=False)
class Contribution:
    """One edge's share of the backward pass: ``adjoint[child] += adjoint[parent] · local``.

    ``amount`` = adjoint[parent] · local; ``accumulated`` is True when ``child`` already had a contribution (the
    ``+=`` of a node reached twice); ``adjoint_after`` is the child's adjoint once this one is added.
    """

    parent: int
    slot: int
    child: int
    local: np.ndarray
    amount: np.ndarray
    accumulated: bool
    adjoint_after: np.ndarray


@dataclass(frozen=True, eq=False)
class BackwardStep:
    """One node of the backward pass: its (final) ``adjoint`` sent to its active operands."""

    node: int
    adjoint: np.ndarray
    contributions: tuple[Contribution, ...]


@dataclass(frozen=True, eq=False)
class BackwardPass:
    """The backward pass.

    Attributes
    ----------
    adjoints : per node, ∂f/∂v_i (broadcast shape of the point); inactive nodes (constants) keep 0.
    local : per node, one local derivative ∂v_i/∂v_c per operand slot (0 for an inactive operand).
    order : the active operations in backward order (reverse topological: the output first).
    steps : the same order, each with the contributions it sends.
    accumulations : ``(step, child)`` pairs where a contribution was added with ``+=`` (the child had one already);
        ``step`` is the position in ``order``.
    gradient : ndarray, shape (n, ...): the inputs' adjoints, ∂f/∂x_k.
    problems : the forward pass's problems, then every active edge whose local derivative is not finite while the
        values are (``abs`` at 0, ``sqrt`` at 0), in backward order.
    """

    adjoints: tuple[np.ndarray, ...]
    local: tuple[tuple[np.ndarray, ...], ...]
    order: tuple[int, ...]
    steps: tuple[BackwardStep, ...]
    accumulations: tuple[tuple[int, int], ...]
    gradient: np.ndarray
    problems: tuple[Problem, ...]


def forward_pass(graph: Graph, point: Mapping[str, ArrayLike] | Sequence[ArrayLike]) -> ForwardPass:
    """Evaluate every node, inputs first, each operation after its operands.

    Parameters
    ----------
    graph : from :func:`build_graph`.
    point : a value (or broadcastable arrays) per variable, by name or in the graph's variable order.

    Returns
    -------
    ForwardPass
        ``values[i]``, shape ``broadcast(point)``; domain problems named (``log(x1) at character 1: log needs an
        argument > 0 (here −2)``).
    """
    if not isinstance(graph, Graph):
        raise ParameterError("graph", "forward_pass needs a Graph from build_graph")
    arrays = _point_arrays(graph, point)
    shape = arrays[0].shape if arrays else ()
    values: list[np.ndarray] = []
    problems: list[Problem] = []
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            if node.kind == "var":
                values.append(arrays[node.index])
                continue
            if not node.children:
                values.append(_constant(node, shape))
                continue
            args = [values[c] for c in node.children]
            value = np.asarray(_apply_real(node, args), dtype=float)
            values.append(np.array(np.broadcast_to(value, shape)))
            if _newly_bad(value, args):  # a constant part too (log(-1), 1/0): f is then undefined everywhere
                problems.append(Problem(node.index, _problem_message(graph, node, args, "value")))
    return ForwardPass(tuple(values), tuple(range(len(graph.nodes))), tuple(problems), graph.output)


def _newly_bad(result: np.ndarray, args: Sequence[np.ndarray]) -> bool:
    fine = np.logical_and.reduce([np.isfinite(a) for a in args]) if args else True
    return bool(np.any(fine & ~np.isfinite(result)))


def _problem_message(graph: Graph, node: GraphNode, args: Sequence[np.ndarray], what: str) -> str:
    name = node.op if node.kind == "call" else node.kind
    reason = _DOMAINS.get(name, "the result overflows or is undefined")
    where = f"'{node.text}' (character {node.pos + 1})"
    here = ""
    if all(a.size == 1 for a in args):
        here = " (here " + ", ".join(f"{float(a.reshape(-1)[0]):.4g}" for a in args) + ")"
    thing = "is not a finite number" if what == "value" else "has no finite slope"
    return f"{where} {thing}: {reason}{here}"


def backward_pass(graph: Graph, forward: ForwardPass) -> BackwardPass:
    """Send adjoints from the output back to the inputs in reverse topological order.

    adj_out = 1; for each active operation i (output first) and each active operand c in slot s:
    ``adj_c += adj_i · local[i][s]``. A node with several uses (``x·x``, ``b`` in ``(a + b)(b + 1)``) sums one
    contribution per use: the chain rule summed over paths.

    Parameters
    ----------
    graph : from :func:`build_graph`.
    forward : from :func:`forward_pass` on the same graph.

    Returns
    -------
    BackwardPass
        ``gradient`` of shape ``(n, ...)``; nan where a local derivative on the way is (the node is named in
        ``problems``).
    """
    if not isinstance(graph, Graph) or not isinstance(forward, ForwardPass) or len(forward.values) != len(graph.nodes):
        raise ParameterError("graph", "backward_pass needs a Graph and the ForwardPass of that graph")
    values = forward.values
    shape = values[0].shape if values else ()
    local, problems = _all_local(graph, values)
    adjoints = [np.zeros(shape) for _ in graph.nodes]
    if graph.nodes[graph.output].active:
        adjoints[graph.output] = np.ones(shape)
    reached = [False] * len(graph.nodes)
    order = tuple(i for i in reversed(forward.order) if graph.nodes[i].children and graph.nodes[i].active)
    steps: list[BackwardStep] = []
    accumulations: list[tuple[int, int]] = []
    with np.errstate(all="ignore"):
        for number, i in enumerate(order):
            sent: list[Contribution] = []
            for slot, child in enumerate(graph.nodes[i].children):
                if not graph.nodes[child].active:
                    continue
                amount = adjoints[i] * local[i][slot]
                again = reached[child]
                adjoints[child] = adjoints[child] + amount
                reached[child] = True
                if again:
                    accumulations.append((number, child))
                sent.append(Contribution(i, slot, child, local[i][slot], amount, again, adjoints[child]))
            steps.append(BackwardStep(i, adjoints[i], tuple(sent)))
    gradient = np.stack([adjoints[k] for k in graph.inputs]) if graph.inputs else np.zeros((0, *shape))
    return BackwardPass(tuple(adjoints), tuple(local), order, tuple(steps), tuple(accumulations), gradient,
                        (*forward.problems, *problems))


def _all_local(graph: Graph, values: Sequence[np.ndarray]) -> tuple[list[tuple[np.ndarray, ...]], list[Problem]]:
    local: list[tuple[np.ndarray, ...]] = []
    problems: list[Problem] = []
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            if not node.children:
                local.append(())
                continue
            args = [values[c] for c in node.children]
            active = [graph.nodes[c].active for c in node.children]
            slopes = _local_slopes(node, args, values[node.index], active)
            local.append(tuple(np.array(np.broadcast_to(s, values[node.index].shape), dtype=float) for s in slopes))
            if node.active and _newly_bad_slope(values[node.index], args, slopes, active):
                problems.append(Problem(node.index, _problem_message(graph, node, args, "slope")))
    return local, problems


def _newly_bad_slope(value, args, slopes, active) -> bool:
    fine = np.isfinite(value) & np.logical_and.reduce([np.isfinite(a) for a in args])
    bad = np.logical_or.reduce([~np.isfinite(s) for s, on in zip(slopes, active) if on])
    return bool(np.any(fine & bad))


def reverse_gradient(expression: Expression, point: Mapping[str, ArrayLike] | Sequence[ArrayLike]) -> np.ndarray:
    """∇f at ``point`` by reverse mode: one forward and one backward pass, whatever the number of variables.

    Parameters
    ----------
    expression : from :func:`core.expressions.parse`.
    point : a value (or broadcastable arrays) per variable, by name or in order.

    Returns
    -------
    ndarray, shape (n, ...)
        ∂f/∂x_k for each declared variable (0 for one the formula does not use).
    """
    graph = build_graph(expression)
    return backward_pass(graph, forward_pass(graph, point)).gradient


# ----------------------------------------------------------------------------------------------- forward mode
@dataclass(frozen=True, eq=False)
class Dual:
    """f and its directional derivative ∇f·d, both of the point's broadcast shape."""

    value: np.ndarray
    derivative: np.ndarray


def dual_derivative(expression: Expression, point: Mapping[str, ArrayLike], *,
                    direction: Mapping[str, float]) -> Dual:
    """Forward mode: carry dual numbers (v, v̇) through the tree, v̇ = Σ_c ∂op/∂v_c · v̇_c, in one pass.

    Parameters
    ----------
    expression : from :func:`core.expressions.parse`.
    point : a value (or broadcastable arrays) per variable.
    direction : keyword-only, the seed v̇ of each input (a missing variable is 0); e.g. ``{"x1": 1.0}`` gives
        ∂f/∂x1, so n passes give the gradient.

    Returns
    -------
    Dual
        ``value`` = f(point), ``derivative`` = ∇f(point)·direction.
    """
    graph = build_graph(expression)
    unknown = [name for name in direction if name not in graph.variables]
    if unknown:
        raise ParameterError("direction", f"direction: {', '.join(map(str, unknown))} is not a variable")
    arrays = _point_arrays(graph, point)
    shape = arrays[0].shape if arrays else ()
    values: list[np.ndarray] = []
    dots: list[np.ndarray] = []
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            if node.kind == "var":
                values.append(arrays[node.index])
                dots.append(np.full(shape, float(direction.get(node.op, 0.0))))
            elif not node.children:
                values.append(_constant(node, shape))
                dots.append(np.zeros(shape))
            else:
                args = [values[c] for c in node.children]
                active = [graph.nodes[c].active for c in node.children]
                value = np.array(np.broadcast_to(_apply_real(node, args), shape), dtype=float)
                slopes = _local_slopes(node, args, value, active)
                dot = sum((s * dots[c] for s, c, on in zip(slopes, node.children, active) if on), np.zeros(shape))
                values.append(value)
                dots.append(np.asarray(dot, dtype=float))
    return Dual(values[graph.output], dots[graph.output])


# ----------------------------------------------------------------------------------------------- complex step
@dataclass(frozen=True, eq=False)
class ComplexStep:
    """Im f(x + i·h·e_var)/h (``value``), or all nan with the ``reason`` when the formula is not analytic."""

    value: np.ndarray
    applicable: bool
    reason: str | None


def analytic(expression: Expression) -> str | None:
    """None when every operation on the inputs is complex-analytic, else a sentence naming the first that is not.

    Parameters
    ----------
    expression : from :func:`core.expressions.parse`.

    Returns
    -------
    str or None
        Only ``abs`` of the whitelist is not analytic (|z| depends on z's conjugate); ``abs`` of a constant is.
    """
    graph = build_graph(expression)
    for node in graph.nodes:
        if node.kind == "call" and node.op == "abs" and node.active:
            return (f"The complex step does not apply: '{node.text}' (character {node.pos + 1}) is not "
                    "complex-analytic — |z| depends on z's conjugate, so Im f(x + ih)/h is not f′(x) there")
    return None


def _complex_function(name: str, z: np.ndarray) -> np.ndarray:
    real = z.real
    nan = np.nan + 0j
    if name in ("log", "ln"):
        return np.where(real > 0, np.log(z), nan)
    if name == "sqrt":
        return np.where(real > 0, np.sqrt(z), np.where(real == 0, np.sqrt(z.real) + 0j, nan))
    if name in ("asin", "acos"):
        return np.where(np.abs(real) < 1, _NUMPY[name](z), nan)
    return _real_function(name, z)


def _complex_power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    whole = (b.imag == 0) & (b.real == np.round(b.real))
    return np.where(whole | (a.real > 0), np.power(a, b), np.nan + 0j)


def _apply_complex(node: GraphNode, args: list[np.ndarray]) -> np.ndarray:
    if node.kind == "call":
        return _complex_function(node.op, args[0])
    if node.kind == "^":
        return _complex_power(*args)
    return _apply_real(node, args)


def complex_step(expression: Expression, point: Mapping[str, ArrayLike], *, variable: str,
                 step: float | ArrayLike = DEFAULT_COMPLEX_STEP) -> ComplexStep:
    """∂f/∂variable ≈ Im f(x + i·h·e_var)/h, evaluated over the tree with NumPy's complex functions.

    No subtraction, so no cancellation: the error is truncation only, ~h²·|f‴|/6, and h = 1e-20 gives f′ to
    rounding. Needs every operation on the inputs to be complex-analytic (:func:`analytic`); where the real formula
    is outside its domain (log of a negative number, …) the value is nan.

    Parameters
    ----------
    expression : from :func:`core.expressions.parse`.
    point : a value (or broadcastable arrays) per variable.
    variable : keyword-only, the variable to differentiate by.
    step : keyword-only, h > 0, broadcast with the point (default ``DEFAULT_COMPLEX_STEP``).

    Returns
    -------
    ComplexStep
        ``value`` of shape ``broadcast(point, step)``.
    """
    graph = build_graph(expression)
    if variable not in graph.variables:
        raise ParameterError("variable", f"variable: {variable!r} is not one of {graph.variables}")
    h = np.asarray(step, dtype=float)
    if not np.all(np.isfinite(h) & (h > 0)):
        raise ParameterError("step", "step: h must be a positive finite number")
    arrays = _point_arrays(graph, point)
    shape = np.broadcast_shapes(arrays[0].shape if arrays else (), h.shape)
    reason = analytic(expression)
    if reason is not None:
        return ComplexStep(np.full(shape, np.nan), False, reason)
    values: list[np.ndarray] = []
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            if node.kind == "var":
                shift = 1j * h if node.op == variable else 0j
                values.append(np.broadcast_to(arrays[node.index] + shift, shape).astype(complex))
            elif not node.children:
                values.append(_constant(node, shape, complex))
            else:
                values.append(np.asarray(_apply_complex(node, [values[c] for c in node.children]), dtype=complex))
        result = np.broadcast_to(values[graph.output], shape)
        value = np.where(np.isfinite(result.real), result.imag / h, np.nan)
    return ComplexStep(np.array(value, dtype=float), True, None)
