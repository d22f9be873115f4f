"""Whole numbers as Unicode sub- and superscripts, for the figures' and messages' plain text (x₁₂, 10⁻⁸)."""

from __future__ import annotations

__all__ = ["subscript", "superscript"]

_SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def subscript(k: int) -> str:
    """An integer as subscript digits: 12 → "₁₂", -3 → "₋₃"."""
    return str(k).translate(_SUBSCRIPTS)


def superscript(k: int) -> str:
    """An integer as superscript digits: 12 → "¹²", -8 → "⁻⁸"."""
    return str(k).translate(_SUPERSCRIPTS)
