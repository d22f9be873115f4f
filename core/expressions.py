"""The only way user text becomes math: a whitelist parser, SymPy trees, and NumPy evaluation.

Text is tokenised and parsed by a small recursive-descent parser into our own syntax tree, checked against
bounds (length, node count, nesting depth, number sizes), and only then turned into a SymPy expression whose
symbols come from the *declared* variable names. Nothing here calls ``eval``, ``exec``, ``sympify`` or
``parse_expr``, and no ``Symbol`` is ever built from user text.

Grammar (``^`` and ``**`` are both powers, right-associative; implicit multiplication binds like ``*``)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary | <implicit> power)*
    unary   := ("-" | "+") unary | power
    power   := atom ("^" unary)?
    atom    := NUMBER | NAME | FUNC "(" expr ")" | FUNC "^" INTEGER "(" expr ")" | "(" expr ")"
"""

from __future__ import annotations

import inspect
import itertools
import math
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

import numpy as np
import sympy as sp

__all__ = [
    "MAX_LENGTH",
    "Expression",
    "ExpressionError",
    "FUNCTIONS",
    "Node",
    "NumpyFunction",
    "make_symbols",
    "parse",
    "time_limit",
]

MAX_LENGTH = 500  # characters of input text
MAX_NODES = 400  # syntax-tree nodes: bounds the work of building, whatever the characters are
MAX_DEPTH = 30  # nested parentheses / unary signs / powers
MAX_INTEGER_DIGITS = 15  # an integer literal longer than this is a typo or an attack
MAX_COEFFICIENT_DIGITS = 400  # bound on exact numbers SymPy may build while folding constants
PARSE_SECONDS = 0.035  # CPU bound on building the SymPy tree (typical formulas take 0.1–10 ms)
LATEX_SECONDS = 0.01  # CPU bound on SymPy's LaTeX printer; past it the formula is shown as typed
CLOCK_EVERY = 32  # trace calls between reads of the CPU clock
_WARM_UP = ("(x+2)(x-6)/e^x", "sqrt(x^2+1) sin(x)^2 - log(abs(x))/3", "2^x tan(x) atan(x) sec(x) cosh(x)")

FUNCTIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sec": sp.sec, "csc": sp.csc, "cot": sp.cot,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs,
}
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "e": sp.E}
_BOUNDED_LIBRARIES = re.compile(r"[\\/](sympy|mpmath)[\\/]")
_EXAMPLE = "for example  3x^2 + sin(x)  or  (x+2)(x-6)"


class ExpressionError(ValueError):
    """A formula that cannot be read, with the 0-based ``position`` it applies to and a ``hint``."""

    def __init__(self, message: str, *, position: int | None = None, hint: str = _EXAMPLE) -> None:
        where = f" (at character {position + 1})" if position is not None else ""
        super().__init__(f"{message}{where}. Try {hint}." if hint else f"{message}{where}.")
        self.position = position
        self.hint = hint


_SUSPENDABLE = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR  # frames that can be closed


class _TimeUp(BaseException):
    """Raised inside traced SymPy code; a BaseException so that SymPy's ``except Exception`` cannot swallow it."""


@contextmanager
def time_limit(seconds: float, *, what: str) -> Iterator[None]:
    """Bound the CPU time of pure-Python work (SymPy) in the *current thread*.

    A trace function checks the thread's CPU clock at every Python call and aborts the work with an
    :class:`ExpressionError` once ``seconds`` of CPU have been spent. CPU time, not wall-clock time, so that a
    legitimate formula is not rejected because forty other students keep the server busy; other threads are
    not affected. Long C-level operations cannot be interrupted, which is why the parser bounds the size of
    every number before SymPy sees it.
    """
    deadline = time.thread_time() + seconds
    previous = sys.gettrace()

    calls = itertools.count()

    def tracer(frame: FrameType, event: str, arg: object) -> None:
        # The CPU clock is a system call: read it every CLOCK_EVERY calls (a few microseconds of SymPy work).
        # Only abort inside SymPy/mpmath frames: an exception raised in a garbage-collector callback or a __del__
        # that happens to run meanwhile would be swallowed by Python, and the trace function removed with it.
        # Nor inside a generator or coroutine frame: one may be running its cleanup (close() from the garbage
        # collector), where Python prints "Exception ignored" and drops the trace function, so that the work would
        # go on unbounded; the next ordinary SymPy call raises instead.
        if (next(calls) % CLOCK_EVERY == 0 and time.thread_time() > deadline
                and not frame.f_code.co_flags & _SUSPENDABLE
                and _BOUNDED_LIBRARIES.search(frame.f_code.co_filename)):
            raise _TimeUp

    sys.settrace(tracer)
    try:
        yield
        if time.thread_time() > deadline and sys.gettrace() is not tracer:
            raise _TimeUp  # the bound was lost on the way: still refuse
    except _TimeUp:
        raise ExpressionError(f"{what} took longer than {seconds:g} s and was stopped",
                              hint="a shorter formula") from None
    finally:
        sys.settrace(previous)


# ----------------------------------------------------------------------------------------------- tokens
_TRANSLATE = str.maketrans({"−": "-", "–": "-", "·": "*", "×": "*", "÷": "/", "²": "^2", "³": "^3", "π": "pi"})
_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^()])|(?P<bad>\S))"
)


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "name", "op", "end"
    text: str
    pos: int


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind is None:
            continue
        value = m.group(kind)
        out.append(_Token(kind, "^" if value == "**" else value, m.start(kind)))
    out.append(_Token("end", "", len(text)))
    return out


def _bad_character_message(ch: str) -> str:
    if ch == "=":
        return "Write only the right-hand side, without 'y =' or 'f(x) ='"
    if ch == ",":
        return "Functions here take one argument; a comma is not allowed"
    if ch in "[]{}":
        return f"Use round brackets ( ) instead of '{ch}'"
    if not ch.isprintable():
        return f"An invisible character (U+{ord(ch):04X}) is not allowed"
    return f"The character '{ch}' is not allowed"


# ----------------------------------------------------------------------------------------------- syntax tree
@dataclass(frozen=True)
class Node:
    """One node of the parser's own syntax tree: the formula as typed (before SymPy reorders or folds it).

    Attributes
    ----------
    kind : ``"num"``, ``"var"``, ``"const"``, ``"neg"``, ``"+"``, ``"-"``, ``"*"``, ``"/"``, ``"^"`` or ``"call"``.
    pos : 0-based position in the (translated) text where the node starts or its operator stands.
    value : the number's text, the variable's or constant's name, or the called function's name; else ``""``.
    children : the operands, left to right (one for ``neg`` and ``call``, two for binary operators).
    """

    kind: str  # "num", "var", "const", "neg", "+", "-", "*", "/", "^", "call"
    pos: int
    value: str = ""
    children: tuple[Node, ...] = ()


class _Parser:
    """Recursive descent over the token list, counting nodes and depth as it goes."""

    def __init__(self, tokens: list[_Token], variables: tuple[str, ...]) -> None:
        self.tokens, self.variables, self.i, self.nodes, self.depth = tokens, variables, 0, 0, 0

    @property
    def tok(self) -> _Token:
        tok = self.tokens[self.i]
        if tok.kind == "bad":  # reported when reached, so the first problem in reading order is the one named
            raise ExpressionError(_bad_character_message(tok.text), position=tok.pos)
        return tok

    def advance(self) -> _Token:
        tok = self.tok
        self.i += 1
        return tok

    def node(self, kind: str, pos: int, value: str = "", children: tuple[Node, ...] = ()) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(f"This formula is too long (more than {MAX_NODES} parts)", position=pos)
        return Node(kind, pos, value, children)

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ExpressionError("The formula is empty", position=None)
        tree = self.expr()
        if self.tok.kind != "end":
            raise self.unexpected()
        return tree

    def expr(self) -> Node:
        left = self.term()
        while self.tok.text in ("+", "-") and self.tok.kind == "op":
            op = self.advance()
            left = self.node(op.text, op.pos, children=(left, self.term()))
        return left

    def term(self) -> Node:
        left = self.unary()
        while True:
            tok = self.tok
            if tok.kind == "op" and tok.text in ("*", "/"):
                self.advance()
                left = self.node(tok.text, tok.pos, children=(left, self.unary()))
            elif tok.kind == "num" or tok.kind == "name" or tok.text == "(":
                if tok.kind == "num":
                    raise ExpressionError(
                        f"A number cannot follow directly here; write an operator before '{tok.text}'", position=tok.pos
                    )
                left = self.node("*", tok.pos, children=(left, self.power()))
            else:
                return left

    def unary(self) -> Node:
        tok = self.tok
        if tok.kind == "op" and tok.text in ("-", "+"):
            self.advance()
            with self.nested(tok.pos):
                operand = self.unary()
            return self.node("neg", tok.pos, children=(operand,)) if tok.text == "-" else operand
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.tok.text == "^" and self.tok.kind == "op":
            op = self.advance()
            with self.nested(op.pos):
                exponent = self.unary()
            return self.node("^", op.pos, children=(base, exponent))
        return base

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self.advance()
            return self.node("num", tok.pos, tok.text)
        if tok.kind == "name":
            self.advance()
            return self.name(tok)
        if tok.text == "(":
            self.advance()
            with self.nested(tok.pos):
                inner = self.expr()
            self.expect_close(tok.pos)
            return inner
        raise self.unexpected()

    def name(self, tok: _Token) -> Node:
        if tok.text in FUNCTIONS:
            return self.call(tok)
        if tok.text in self.variables:
            return self.node("var", tok.pos, tok.text)
        if tok.text in CONSTANTS:
            return self.node("const", tok.pos, tok.text)
        parts = _split_name(tok.text, self.variables)
        if parts is None:
            raise ExpressionError(_unknown_name_message(tok.text, self.variables), position=tok.pos,
                                  hint=_name_hint(self.variables))
        nodes = [self.node("var" if p in self.variables else "const", tok.pos, p) for p in parts]
        product = nodes[0]
        for n in nodes[1:]:
            product = self.node("*", tok.pos, children=(product, n))
        return product

    def call(self, tok: _Token) -> Node:
        exponent = None
        ahead = self.tokens[self.i + 1 : self.i + 3]
        if self.tok.text == "^" and [t.kind for t in ahead] == ["num", "op"] and ahead[1].text == "(":
            self.advance()
            exponent = self.advance()
        if self.tok.text == "^":
            raise ExpressionError(
                f"Write a power of {tok.text} as {tok.text}(x)^2; "
                f"for the inverse function use a{tok.text}(x) where it exists",
                position=self.tok.pos, hint=f"{tok.text}(x)^2",
            )
        if self.tok.text != "(":
            raise ExpressionError(f"'{tok.text}' needs its argument in brackets", position=tok.pos,
                                  hint=f"{tok.text}(x)")
        open_tok = self.advance()
        with self.nested(open_tok.pos):
            argument = self.expr()
        self.expect_close(open_tok.pos)
        called = self.node("call", tok.pos, tok.text, (argument,))
        if exponent is None:
            return called
        if not exponent.text.isdigit():
            raise ExpressionError(
                f"Write {tok.text}(x)^{exponent.text} for a power; "
                f"{tok.text}^{exponent.text}(x) takes whole numbers only",
                position=exponent.pos, hint=f"{tok.text}(x)^2",
            )
        return self.node("^", exponent.pos, children=(called, self.node("num", exponent.pos, exponent.text)))

    def expect_close(self, open_pos: int) -> None:
        if self.tok.text != ")":
            raise ExpressionError("A bracket '(' is never closed", position=open_pos)
        self.advance()

    @contextmanager
    def nested(self, pos: int) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"This formula is nested too deeply (more than {MAX_DEPTH} levels)", position=pos)
        yield
        self.depth -= 1

    def unexpected(self) -> ExpressionError:
        tok = self.tok
        if tok.kind == "end":
            return ExpressionError("The formula ends too early: something is missing at the end", position=tok.pos)
        if tok.text == ")" and self.i > 0 and self.tokens[self.i - 1].text == "(":
            return ExpressionError("The brackets '()' are empty: put a formula inside", position=tok.pos)
        if tok.text == ")":
            return ExpressionError("There is a ')' without a matching '('", position=tok.pos)
        return ExpressionError(f"'{tok.text}' cannot stand here", position=tok.pos)


def _split_name(name: str, variables: tuple[str, ...]) -> list[str] | None:
    """Read a run of letters like ``xy`` or ``x1x2`` as a product, when exactly one reading exists."""
    known = sorted(set(variables) | set(CONSTANTS), key=len, reverse=True)

    def readings(rest: str) -> list[list[str]]:
        if not rest:
            return [[]]
        return [[k, *tail] for k in known if rest.startswith(k) for tail in readings(rest[len(k):])]

    found = readings(name) if len(name) <= 12 else []
    return found[0] if len(found) == 1 else None


def _unknown_name_message(name: str, variables: tuple[str, ...]) -> str:
    for fname in sorted(FUNCTIONS, key=len, reverse=True):
        if name.startswith(fname) and len(name) > len(fname):
            return f"Unknown name '{name}': write {fname}({name[len(fname):]}) with brackets"
    allowed = ", ".join(variables) if variables else "no variables"
    return (f"Unknown name '{name}': this box knows the variables {allowed}, "
            "the constants pi and e, and functions like sin, exp, log")


def _name_hint(variables: tuple[str, ...]) -> str:
    v = variables[0] if variables else "1"
    return f"{v}^2 or 2{v} or sin({v})"


# ----------------------------------------------------------------------------------------------- to SymPy
@dataclass(frozen=True)
class _Built:
    expr: sp.Expr
    digits: float  # upper bound on log10 of the largest exact number SymPy may build from this subtree


def _number(node: Node) -> _Built:
    text = node.value
    if re.fullmatch(r"\d+", text):
        if len(text.lstrip("0")) > MAX_INTEGER_DIGITS:
            raise ExpressionError(
                f"The number {text[:12]}… has more than {MAX_INTEGER_DIGITS} digits",
                position=node.pos, hint="scientific notation such as 1e20",
            )
        value = int(text)
        return _Built(sp.Integer(value), math.log10(max(value, 1)))
    value = float(text)
    if not math.isfinite(value):
        raise ExpressionError(f"The number {text} is too large for a computer's floating point",
                              position=node.pos, hint="a number below 1e308")
    return _Built(sp.Float(text, 15), math.log10(max(abs(value), 1.0)))


def _exponent_size(exponent: sp.Expr, pos: int) -> float:
    """|exponent| when it is a constant (used to bound the size of the numbers a power can create), else 1."""
    if exponent.free_symbols:
        return 1.0
    size = abs(float(NumpyFunction(exponent, ())()))
    if math.isnan(size):  # complex or undefined exponent (log(-1)): SymPy keeps such powers symbolic
        return 1.0
    if math.isinf(size):
        raise ExpressionError("This exponent is not a finite number", position=pos, hint="an exponent such as 2 or 0.5")
    return size


def _power(base: _Built, exponent: _Built, pos: int) -> _Built:
    digits = base.digits * _exponent_size(exponent.expr, pos) + exponent.digits
    if digits > MAX_COEFFICIENT_DIGITS:
        raise ExpressionError(
            f"This power is too large: it would create a number of about {digits:.3g} digits",
            position=pos, hint="a smaller exponent, or exp(...) for exponentials",
        )
    return _Built(base.expr**exponent.expr, digits)


def _operands(node: Node, kinds: tuple[str, str]) -> list[tuple[bool, Node]]:
    """Flatten a chain like a - b + c (or a * b / c) into [(False, a), (True, b), (False, c)]; True = minus / divide."""
    if node.kind not in kinds:
        return [(False, node)]
    left, right = node.children
    flip = node.kind == kinds[1]
    return [*_operands(left, kinds), *((flip != inverted, n) for inverted, n in _operands(right, kinds))]


def _chain(node: Node, symbols: dict[str, sp.Symbol]) -> _Built:
    """Build a whole sum or product in one SymPy call (pairwise building is quadratic in the number of terms)."""
    is_sum = node.kind in ("+", "-")
    parts = [(inverted, _build(child, symbols))
             for inverted, child in _operands(node, ("+", "-") if is_sum else ("*", "/"))]
    if is_sum:
        expr = sp.Add(*(-b.expr if inverted else b.expr for inverted, b in parts))
        return _Built(expr, max(b.digits for _, b in parts) + math.log10(len(parts)))
    expr = sp.Mul(*(1 / b.expr if inverted else b.expr for inverted, b in parts))
    return _Built(expr, sum(b.digits for _, b in parts))


def _build(node: Node, symbols: dict[str, sp.Symbol]) -> _Built:
    kind = node.kind
    if kind == "num":
        return _number(node)
    if kind == "var":
        return _Built(symbols[node.value], 0.0)
    if kind == "const":
        return _Built(CONSTANTS[node.value], 0.5)
    if kind in ("+", "-", "*", "/"):
        return _chain(node, symbols)
    parts = [_build(child, symbols) for child in node.children]
    if kind == "neg":
        return _Built(-parts[0].expr, parts[0].digits)
    if kind == "call":
        return _Built(FUNCTIONS[node.value](parts[0].expr), parts[0].digits)
    return _power(parts[0], parts[1], node.pos)


# ----------------------------------------------------------------------------------------------- NumPy evaluation
# A SymPy tree is compiled once into a flat postfix program of (operation, argument) pairs whose operations are
# module-level functions (so the program pickles). Running it does the same NumPy operations in the same order as a
# walk of the tree would, without SymPy's per-node checks and number conversions on every call (~3x faster).


def _sec(a: np.ndarray) -> np.ndarray:
    return 1.0 / np.cos(a)


def _csc(a: np.ndarray) -> np.ndarray:
    return 1.0 / np.sin(a)


def _cot(a: np.ndarray) -> np.ndarray:
    return 1.0 / np.tan(a)


def _dirac(a: np.ndarray) -> np.ndarray:
    return np.where(a == 0, np.nan, 0.0)


_NUMPY_FUNCS: dict[type, Callable[[np.ndarray], np.ndarray]] = {
    sp.sin: np.sin, sp.cos: np.cos, sp.tan: np.tan, sp.sec: _sec, sp.csc: _csc, sp.cot: _cot,
    sp.asin: np.arcsin, sp.acos: np.arccos, sp.atan: np.arctan,
    sp.sinh: np.sinh, sp.cosh: np.cosh, sp.tanh: np.tanh,
    sp.exp: np.exp, sp.log: np.log, sp.Abs: np.abs, sp.sign: np.sign, sp.DiracDelta: _dirac,
}
_SPECIAL_VALUES = {sp.zoo: np.nan, sp.nan: np.nan, sp.oo: np.inf, -sp.oo: -np.inf, sp.I: np.nan}


def _push_variable(stack: list, index: int, values: Sequence[np.ndarray]) -> None:
    stack.append(values[index])


def _push_constant(stack: list, value: float, values: Sequence[np.ndarray]) -> None:
    stack.append(value)


def _add(stack: list, count: int, values: Sequence[np.ndarray]) -> None:
    args = stack[-count:]
    del stack[-count:]
    stack.append(sum(args[1:], args[0]))


def _multiply(stack: list, count: int, values: Sequence[np.ndarray]) -> None:
    args = stack[-count:]
    del stack[-count:]
    stack.append(math.prod(args[1:], start=args[0]))


def _raise(stack: list, unused: None, values: Sequence[np.ndarray]) -> None:
    exponent = stack.pop()
    stack.append(np.power(np.asarray(stack.pop(), dtype=float), exponent))


def _apply(stack: list, func: Callable[[np.ndarray], np.ndarray], values: Sequence[np.ndarray]) -> None:
    stack.append(func(stack.pop()))


def _cannot(stack: list, name: str, values: Sequence[np.ndarray]) -> None:
    raise ExpressionError(f"Cannot evaluate '{name}' numerically", hint="")


def _compile(expr: sp.Expr, symbols: tuple[sp.Symbol, ...]) -> tuple[tuple[Callable, object], ...]:
    """The postfix program that evaluates ``expr`` for one array per symbol (real-valued: complex parts are nan)."""
    index = {symbol: i for i, symbol in enumerate(symbols)}
    program: list[tuple[Callable, object]] = []

    def emit(e: sp.Expr) -> None:
        if e.is_Symbol:
            program.append((_push_variable, index[e]))
        elif e in _SPECIAL_VALUES:
            program.append((_push_constant, _SPECIAL_VALUES[e]))
        elif e.is_Number or e.is_NumberSymbol:
            program.append((_push_constant, float(e)))
        elif e.is_Pow and e.exp == sp.S.Half:
            emit(e.base)
            program.append((_apply, np.sqrt))
        else:
            for arg in e.args:
                emit(arg)
            if e.is_Add:
                program.append((_add, len(e.args)))
            elif e.is_Mul:
                program.append((_multiply, len(e.args)))
            elif e.is_Pow:
                program.append((_raise, None))
            elif e.func in _NUMPY_FUNCS and len(e.args) == 1:
                program.append((_apply, _NUMPY_FUNCS[e.func]))
            else:  # fails when called, as evaluating it would
                program.append((_cannot, e.func.__name__))

    emit(expr)
    return tuple(program)


@dataclass(frozen=True)
class NumpyFunction:
    """A vectorised real function of the declared variables, made from a SymPy tree; picklable.

    ``f(*arrays)`` takes one array per variable (any broadcastable shapes) and returns a new float array
    of the broadcast shape, also for a constant. Domain errors give nan/inf as the math does
    (``log(-1)`` → nan, ``1/x`` at 0 → inf), without warnings. The tree is compiled once, at construction.
    """

    expr: sp.Expr
    symbols: tuple[sp.Symbol, ...]
    program: tuple[tuple[Callable, object], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "program", _compile(self.expr, self.symbols))

    def __call__(self, *arrays: np.ndarray | float) -> np.ndarray:
        if len(arrays) != len(self.symbols):
            raise ValueError(f"arrays: expected {len(self.symbols)} (one per variable), got {len(arrays)}")
        values = [np.asarray(a, dtype=float) for a in arrays]
        shape = np.broadcast_shapes(*(v.shape for v in values))
        stack: list = []
        with np.errstate(all="ignore"):
            for operation, argument in self.program:
                operation(stack, argument, values)
        return np.array(np.broadcast_to(np.asarray(stack[0], dtype=float), shape))


# ----------------------------------------------------------------------------------------------- public entry
@dataclass(frozen=True)
class Expression:
    """A parsed formula.

    Attributes
    ----------
    text : the text as typed.
    variables : the declared variable names, in order.
    sympy : the SymPy expression (symbols are real and named after ``variables``).
    latex : LaTeX of ``sympy``.
    func : vectorised NumPy callable, one array argument per variable.
    warning : set when part of the formula is undefined for real numbers (``1/0``, ``log(-1)``).
    tree : the parser's own syntax tree of the formula as typed (see :class:`Node`).
    """

    text: str
    variables: tuple[str, ...]
    sympy: sp.Expr
    latex: str
    func: NumpyFunction = field(repr=False)
    warning: str | None = None
    tree: Node = field(kw_only=True, repr=False, compare=False)

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return self.func.symbols


_VARIABLE_NAME = re.compile(r"[a-z][a-z0-9]{0,3}")


def _check_variables(variables: Sequence[str]) -> tuple[str, ...]:
    names = tuple(variables)
    for name in names:
        if not isinstance(name, str) or not _VARIABLE_NAME.fullmatch(name) or name in FUNCTIONS or name in CONSTANTS:
            raise ValueError(f"variables: {name!r} is not a valid variable name")
    if len(set(names)) != len(names):
        raise ValueError(f"variables: names must be distinct; got {names}")
    return names


def make_symbols(variables: Sequence[str]) -> tuple[sp.Symbol, ...]:
    """Real SymPy symbols for the declared (programmer-chosen, never user-typed) variable names."""
    return tuple(sp.Symbol(name, real=True) for name in _check_variables(variables))


def parse(text: str, variables: Sequence[str]) -> Expression:
    """Read a formula typed by a user, allowing only the whitelisted grammar.

    Parameters
    ----------
    text : the formula, at most ``MAX_LENGTH`` characters. ``^`` and ``**`` are powers; ``2x``, ``x(x+1)``,
        ``(x+1)(x-1)``, ``3 sin(x)`` are products; ``sin^2(x)`` is ``sin(x)^2``.
    variables : the allowed variable names in order, e.g. ``("x",)`` or ``("x1", "x2")``.

    Returns
    -------
    Expression

    Raises
    ------
    ExpressionError
        With a message for a student, the position and an example, for anything outside the grammar or bounds.
    """
    names = _check_variables(variables)
    if not isinstance(text, str):
        raise ExpressionError("The formula must be text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"The formula is too long ({len(text)} characters; the limit is {MAX_LENGTH})",
                              position=MAX_LENGTH)
    clean = text.translate(_TRANSLATE)
    if "=" in clean:  # "y = x^2", "f(x) = ...": the most common slip, named before anything else
        raise ExpressionError(_bad_character_message("="), position=clean.index("="))
    tree = _Parser(_tokens(clean), names).parse()
    symbols = make_symbols(names)
    with time_limit(PARSE_SECONDS, what="Reading this formula"):
        try:
            expr = _build(tree, dict(zip(names, symbols))).expr
        except (ArithmeticError, ValueError, TypeError, RecursionError) as exc:
            if isinstance(exc, ExpressionError):
                raise
            raise ExpressionError(f"This formula cannot be worked with ({type(exc).__name__})",
                                  hint="a simpler formula") from None
    return Expression(
        text=text, variables=names, sympy=expr, latex=_latex(expr, clean), func=NumpyFunction(expr, symbols),
        warning=_undefined_parts(expr), tree=tree,
    )


def _latex(expr: sp.Expr, text: str) -> str:
    """SymPy's LaTeX, or the text as typed (verbatim) when the printer's own simplifications run too long."""
    try:
        with time_limit(LATEX_SECONDS, what="Typesetting"):
            return sp.latex(expr)
    except ExpressionError:
        return rf"\verb|{text.strip()}|"  # '|' cannot occur: the tokenizer rejects it


def _undefined_parts(expr: sp.Expr) -> str | None:
    if expr.has(sp.zoo, sp.nan):
        return ("Part of this formula is undefined (a division by zero, or tan/log at a pole), "
                "so its value is not a number")
    if expr.has(sp.I):
        return "Part of this formula is not a real number (such as log(-1) or sqrt(-1)), so its value is not a number"
    return None


def _warm_up() -> None:
    """Pay SymPy's one-time lazy imports and caches at import, so no user's first formula hits the time bound."""
    for text in _WARM_UP:
        expr = _build(_Parser(_tokens(text), ("x",)).parse(), {"x": sp.Symbol("x", real=True)}).expr
        sp.latex(expr)


_warm_up()
