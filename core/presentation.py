"""Numbers as people read them: the tutorial's three decimals, scientific notation for errors, and words (never
"nan") for values that do not exist."""

from __future__ import annotations

import math

from core.derivative_lab import DerivativeStudy

__all__ = ["headline_latex", "number", "study_table", "trend_sentence"]


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
