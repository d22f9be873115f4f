"""Numbers as people read them: the tutorial's three decimals, scientific notation for errors, and words (never
"nan") for values that do not exist."""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.derivative_lab import DerivativeStudy, step_latex
from core.gradient_lab import GradientStudy

__all__ = ["GradientReadouts", "gradient_readouts", "headline_latex", "number", "study_table", "trend_sentence"]


def number(value: float, *, digits: int = 3, scientific: bool = False) -> str:
    """``value`` with ``digits`` decimals (or significant digits in scientific notation); "undefined" for nan,
    "∞"/"−∞" for infinities; tiny and huge magnitudes switch to scientific notation by themselves.
    """
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if scientific or (value != 0 and not 1e-3 <= abs(value) < 1e7):
        return f"{value:.{digits}e}"
    return f"{value:.{digits}f}"


def study_table(study: DerivativeStudy) -> list[dict[str, str]]:
    """One row per method: its estimate at h, absolute and relative error, and the best step over the sweep."""
    return [
        {
            "method": e.method + (" ◀" if e.method == study.method else ""),
            "estimate": number(e.value, digits=10),
            "absolute error": number(e.abs_error, digits=2, scientific=True),
            "relative error": number(e.rel_error, digits=2, scientific=True),
            "best h": f"{e.best_step:.1e}",
            "error at best h": number(e.best_error, digits=1, scientific=True),
        }
        for e in study.estimates
    ]


def headline_latex(study: DerivativeStudy) -> str:
    """f(x) = … and f′(x) = … side by side."""
    derivative = study.derivative_latex or r"\text{(not available)}"
    return rf"f(x) = {study.expression.latex} \qquad f'(x) = {derivative}"


def trend_sentence(study: DerivativeStudy) -> str:
    """The tutorial's reading of the sign of f′: increasing, decreasing or stationary at x0."""
    if study.trend == "undefined":
        return f"At x0 = {study.x0:g} the exact slope is undefined."
    sign = ">" if study.exact > 0 else "<" if study.exact < 0 else "="
    return f"At x0 = {study.x0:g}, f is **{study.trend}** (f′(x0) {sign} 0)."


@dataclass(frozen=True)
class GradientReadouts:
    """What the Gradient page prints: f in LaTeX, metric (label, value) pairs, and LaTeX lines with the numbers."""

    function: str
    metrics: tuple[tuple[str, str], ...]
    latex: tuple[str, ...]


def _vector(values) -> str:
    return r"\left(" + r",\ ".join(number(float(v)) for v in values) + r"\right)"


def _partial_line(study: GradientStudy, i: int) -> str:
    symbol = rf"\frac{{\partial f}}{{\partial x_{i + 1}}}"
    exact = rf" = {study.partial_latex[i]} = {number(float(study.exact[i]))}" if study.partial_latex[i] else ""
    numeric = rf"\qquad \text{{{study.method}, }} h = {step_latex(study.step)}\text{{: }} {float(study.numeric[i]):.10g}"
    return f"{symbol}{exact}{numeric}"


def gradient_readouts(study: GradientStudy) -> GradientReadouts:
    """f, its partials (exact and numerical), |∇f|, and the directional derivative along u with steepest directions."""
    g, u, norm = study.best, study.direction, study.norm
    p = rf"\left({study.point[0]:g},\ {study.point[1]:g}\right)"
    ascent = _vector(g / norm) if norm > 0 else r"\text{none (}\nabla f = 0\text{)}"
    descent = _vector(-g / norm) if norm > 0 else ascent
    lines = (
        _partial_line(study, 0),
        _partial_line(study, 1),
        rf"\nabla f{p} = {_vector(g)}, \qquad \lVert \nabla f \rVert = {number(norm)}",
        rf"D_u f = \nabla f \cdot u = {_vector(g)} \cdot {_vector(u)} = {number(study.directional)}",
        rf"\text{{steepest ascent }} \frac{{\nabla f}}{{\lVert \nabla f \rVert}} = {ascent}, \qquad \text{{steepest descent }} {descent}",
    )
    metrics = (("f(x1, x2)", number(study.value)), ("∂f/∂x1", number(float(g[0]))), ("∂f/∂x2", number(float(g[1]))), ("|∇f|", number(norm)))
    return GradientReadouts(rf"f(x_1, x_2) = {study.expression.latex}", metrics, lines)
