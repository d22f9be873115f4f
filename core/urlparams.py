"""Reading view settings from a URL: every control's value lives in the query string, so a link reproduces a view.

A URL is typed or pasted by people (teachers write them into slides), so each parameter is read leniently where
the meaning is clear (``h=1e-6`` snaps to the slider's ``1e-06``) and refused with a reason where it is not
(``x0=abc``, ``n=0``); a refused parameter falls back to the control's default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["BoolParam", "ChoiceParam", "ChoicesParam", "FloatParam", "IntParam", "LogStepParam", "Param", "RangeParam",
           "Reading", "TextParam", "log_steps", "read_params"]

MAX_TEXT = 500  # characters: the formula boxes' own limit


@dataclass(frozen=True)
class Reading:
    """The value to use for a control, and why the URL's value was refused (``None`` when it was fine or absent)."""

    value: object
    problem: str | None = None


def _refuse(name: str, raw: str, why: str, default: object) -> Reading:
    shown = raw if len(raw) <= 40 else raw[:40] + "…"
    return Reading(default, f"Link parameter {name}={shown!r} {why}; using the default {default!r} instead.")


@dataclass(frozen=True)
class FloatParam:
    """A real number in [low, high]."""

    default: float
    low: float
    high: float

    def read(self, name: str, raw: str) -> Reading:
        try:
            value = float(raw)
        except ValueError:
            return _refuse(name, raw, "is not a number", self.default)
        if not math.isfinite(value) or not self.low <= value <= self.high:
            return _refuse(name, raw, f"is outside {self.low:g} … {self.high:g}", self.default)
        return Reading(value)


@dataclass(frozen=True)
class IntParam:
    """A whole number in [low, high]."""

    default: int
    low: int
    high: int

    def read(self, name: str, raw: str) -> Reading:
        try:
            value = int(raw)
        except ValueError:
            return _refuse(name, raw, "is not a whole number", self.default)
        if not self.low <= value <= self.high:
            return _refuse(name, raw, f"is outside {self.low} … {self.high}", self.default)
        return Reading(value)


@dataclass(frozen=True)
class ChoiceParam:
    """One of a fixed list of words (a hand-typed link may differ in case: ``adam`` reads as ``Adam``)."""

    default: str
    options: tuple[str, ...]

    def read(self, name: str, raw: str) -> Reading:
        option = _option(raw, self.options)
        if option is None:
            return _refuse(name, raw, f"is not one of {', '.join(self.options)}", self.default)
        return Reading(option)


def _option(raw: str, options: tuple[str, ...]) -> str | None:
    """The option ``raw`` names: itself, or the one option equal to it but for case; else None."""
    if raw in options:
        return raw
    matches = [option for option in options if option.casefold() == raw.casefold()]
    return matches[0] if len(matches) == 1 else None


@dataclass(frozen=True)
class LogStepParam:
    """A value on a log-scale slider: any number within the slider's range snaps to the nearest step."""

    default: float
    options: tuple[float, ...]

    def read(self, name: str, raw: str) -> Reading:
        try:
            value = float(raw)
        except ValueError:
            return _refuse(name, raw, "is not a number", self.default)
        low, high = min(self.options), max(self.options)
        if not math.isfinite(value) or not low * (1 - 1e-9) <= value <= high * (1 + 1e-9):
            return _refuse(name, raw, f"is outside {low:g} … {high:g}", self.default)
        return Reading(min(self.options, key=lambda o: abs(math.log(o) - math.log(value))))


@dataclass(frozen=True)
class TextParam:
    """Free text such as a formula (its own parser checks it later); only its length is bounded here."""

    default: str
    max_length: int = MAX_TEXT

    def read(self, name: str, raw: str) -> Reading:
        if len(raw) > self.max_length:
            return _refuse(name, raw, f"is longer than {self.max_length} characters", self.default)
        return Reading(raw)


@dataclass(frozen=True)
class RangeParam:
    """A (low, high) pair within [low, high] bounds, written in a URL as two values: ``x1_range=-5&x1_range=5``."""

    default: tuple[float, float]
    low: float
    high: float

    def read(self, name: str, raw: str | Sequence[str]) -> Reading:
        values = [raw] if isinstance(raw, str) else list(raw)
        shown = ",".join(values)
        try:
            pair = tuple(float(v) for v in values)
        except ValueError:
            return _refuse(name, shown, "is not two numbers", self.default)
        if len(pair) != 2 or not all(math.isfinite(v) for v in pair) or not self.low <= pair[0] < pair[1] <= self.high:
            return _refuse(name, shown, f"is not two numbers low < high within {self.low:g} … {self.high:g}",
                           self.default)
        return Reading(pair)


@dataclass(frozen=True)
class BoolParam:
    """On or off: true/false (as Streamlit writes a toggle), also 1/0, yes/no, on/off."""

    default: bool

    def read(self, name: str, raw: str) -> Reading:
        word = raw.strip().lower()
        if word in ("true", "1", "yes", "on"):
            return Reading(True)
        if word in ("false", "0", "no", "off"):
            return Reading(False)
        return _refuse(name, raw, "is not true or false", self.default)


@dataclass(frozen=True)
class ChoicesParam:
    """Several of a fixed list of words, written in a URL as repeated values: ``methods=GD&methods=Adam`` (any case)."""

    default: tuple[str, ...]
    options: tuple[str, ...]

    def read(self, name: str, raw: str | Sequence[str]) -> Reading:
        values = [v for v in ([raw] if isinstance(raw, str) else raw) if v != ""]  # "methods=": none chosen
        unknown = [v for v in values if _option(v, self.options) is None]
        if unknown:
            return _refuse(name, ",".join(values), f"has {', '.join(unknown)}, not one of {', '.join(self.options)}",
                           self.default)
        return Reading(tuple(dict.fromkeys(_option(v, self.options) for v in values)))


Param = FloatParam | IntParam | ChoiceParam | ChoicesParam | LogStepParam | TextParam | RangeParam | BoolParam


def read_params(raw: Mapping[str, str | Sequence[str]], specs: Mapping[str, Param]) -> dict[str, Reading]:
    """Read every parameter in ``specs`` from the URL's query mapping (absent → the default).

    ``raw`` maps a name to its value, or to all its values (a range is written twice); single-valued parameters
    take the last. Returns a mapping from name to :class:`Reading`, in the order of ``specs``.
    """
    readings = {}
    for name, spec in specs.items():
        values = raw.get(name)
        if values is None or (not isinstance(values, str) and not values):
            readings[name] = Reading(spec.default)
        elif isinstance(spec, (RangeParam, ChoicesParam)) or isinstance(values, str):
            readings[name] = spec.read(name, values)
        else:
            readings[name] = spec.read(name, values[-1])
    return readings


def log_steps(*, low_exponent: int, high_exponent: int, mantissas: Sequence[int] = (1, 2, 5)) -> tuple[float, ...]:
    """The 1-2-5 steps from 10**low_exponent to 10**high_exponent inclusive, ascending: 1e-12, 2e-12, 5e-12, … 1.

    With one-digit mantissas each step prints exactly with ``f"{v:.0e}"`` (and always with ``f"{v:g}"``), so a
    slider's label, its URL value and the number agree.
    """
    if low_exponent >= high_exponent:
        raise ValueError(f"low_exponent: must be below high_exponent; got {low_exponent} ≥ {high_exponent}")
    steps = [float(f"{m}e{k}") for k in range(low_exponent, high_exponent) for m in mantissas]
    return (*steps, float(f"1e{high_exponent}"))
