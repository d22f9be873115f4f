"""Bounded work: every control combination costs at most about one second of computation per rerun.

One process serves a whole class, so a single student's N = 100,000, T = 100,000, batch = 100,000 must not hold the
server for half a minute. Each quantity whose cost grows with a control (steps × batch, grid cells × N, ...) has a
named :class:`Budget` in units of work a student can read ("gradient evaluations"); :func:`allow` returns the largest
count of the control that fits, and the sentence the page shows beside that control when the count was reduced.
Nothing is reduced silently: a capped result carries its :class:`Allowance`.

The limits are calibrated by measurement on the deployment-sized machine (two shared cores; see
tests/benchmarks/bench_worst.py): each is the work its slowest code path does in roughly a fifth of a second of CPU,
so that all of a page's budgets together, plus building the figures, stay near one second.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import ParameterError
from core.glyphs import superscript

__all__ = ["CURVES", "NETWORK", "RACE", "SPREAD", "SURFACE", "TRAINING", "Allowance", "Budget", "allow", "power_of_ten"]


@dataclass(frozen=True)
class Budget:
    """A named ceiling on one kind of work per rerun.

    Attributes
    ----------
    unit : str
        What is counted, as the page says it ("gradient evaluations per run").
    limit : int
        The most units one rerun may do, >= 1.
    reason : str
        Where the limit comes from (the measured cost per unit), for the reader of the code.
    """

    unit: str
    limit: int
    reason: str


# Mini-batch SGD costs up to ~42 ns per counted point-gradient (B ≈ 100: an epoch's permutation and gather of all N
# points, plus four NumPy calls a step, counted as STEP_OVERHEAD points); 6·10⁶ of them ≈ 0.25 s. Full batch is
# cheaper per point (~5 ns), and one-point SGD (~0.5 µs a step) never comes near the limit at T ≤ 100,000. The other
# optimizers step through core.optimizers (~30 µs a step, counted as OPTIMIZER_STEP_OVERHEAD = 750 points, ~35 ns a
# batch point beyond; core.sgd_lab), so the same limit holds them to about a quarter second too.
TRAINING = Budget("gradient evaluations per run", 6 * 10**6,
                  "≈ 42 ns per counted point-gradient on the slowest (mini-batch) path")
# The loss and accuracy at each recorded β over all N points: up to ~60 ns per point when β is far out and the loss
# is summed point by point; 2·10⁶ ≈ 0.12 s at worst, ~0.03 s usually.
CURVES = Budget("loss evaluations per run for the curves", 2 * 10**6,
                "≈ 60 ns per point and recorded β at worst (far-out β, summed point by point)")
# The loss surface, one point's loss per grid cell: ~0.6 ns on the product path, ~24 ns when the grid reaches far
# (|x·β| > ~350) and every cell is summed point by point; 8·10⁶ ≈ 0.19 s at worst. The tutorial's 61 × 61 grid on
# its N = 2,000 points (7.4·10⁶) fits.
SURFACE = Budget("loss evaluations per run for the loss surface", 8 * 10**6,
                 "≈ 24 ns per point and cell at worst (grids reaching past |x·β| ≈ 350)")
# Mini-batch gradients for the spread figure: ~70 ns per point (a sample without replacement, then a gather);
# 10⁶ ≈ 0.07 s.
SPREAD = Budget("gradient evaluations per run for the spread", 10**6,
                "≈ 70 ns per point of a drawn batch (sampling without replacement, then a gather)")

# The Optimizers page's race (and its tuning race): a step evaluates f, ∇f (and H for Newton) on every run's point by
# running their compiled formulas, 0.8–1.3 µs per SymPy node with each method's update counted in (20 operations a
# method, core.optimizers_lab.operations_per_step); 2·10⁵ operations ≈ 0.16–0.25 s measured.
RACE = Budget("formula operations per run", 2 * 10**5,
              "≈ 0.8–1.3 µs per formula operation (a SymPy node evaluated, or a twentieth of a method's update)")

# The Network page: SGD steps, the recorded losses and the frames' pictures, counted in multiply-adds of the network's
# products, with each NumPy call's fixed cost and each neuron's elementwise work (tanh costs ~4 ns a value) counted
# in as the multiply-adds they take as long as (core.network_lab.step_cost, point_cost): ~0.3 ns each measured
# (0.26–0.34 ns on large batches; small batches' fixed costs are counted so that they come out the same).
NETWORK = Budget("network operations per run", 15 * 10**8,
                 "≈ 0.3 ns per counted operation (a multiply-add, or the fixed cost of a NumPy call counted as such)")



@dataclass(frozen=True)
class Allowance:
    """What a control asked for under a budget, and what it gets.

    Attributes
    ----------
    budget : Budget
        The budget that applies.
    control : str
        The control concerned (its widget key / URL parameter, e.g. "steps"), so a page can show ``message`` in its
        slot.
    requested, allowed : int
        The count asked for and the count granted, ``allowed <= requested``.
    cost : int
        The units of work of ``allowed`` (<= ``budget.limit`` whenever it was capped).
    message : str or None
        The sentence to show beside the control, or None when nothing was capped.
    """

    budget: Budget
    control: str
    requested: int
    allowed: int
    cost: int
    message: str | None

    @property
    def capped(self) -> bool:
        return self.allowed < self.requested


def power_of_ten(value: int) -> str:
    """An integer as the page prints a budget: 10000000 -> "10⁷", 200000000 -> "2·10⁸", 2500000 -> "2.5·10⁶",
    small numbers (< 10,000) and ones with more digits as "12,345"."""
    if value < 10_000:
        return f"{value:,}"
    exponent = int(math.log10(value))
    while 10**exponent > value:  # log10 rounding just below a power of ten
        exponent -= 1
    mantissa = value / 10**exponent
    if mantissa == 1:
        return f"10{superscript(exponent)}"
    if round(mantissa, 1) * 10**exponent == value:
        return f"{mantissa:g}·10{superscript(exponent)}"
    return f"{value:,}"


def allow(
    budget: Budget,
    *,
    control: str,
    label: str,
    requested: int,
    cost: Callable[[int], int],
    given: str = "",
    least: int = 1,
    shown: Callable[[int], str] = "{:,}".format,
) -> Allowance:
    """The largest count k <= ``requested`` whose work ``cost(k)`` fits ``budget.limit``, and what to say if k is less.

    Parameters
    ----------
    budget : Budget
        The ceiling.
    control : str
        The control the count belongs to (widget key), named in the result and in a ParameterError.
    label : str
        How the page names the count in the sentence ("T", "the loss-surface grid").
    requested : int
        The count asked for, >= ``least``.
    cost : callable
        Units of work of a count k, non-decreasing in k (e.g. ``lambda t: t * batch``; ``lambda k: k * k * n`` for a
        k × k grid).
    given : str
        What the cost depends on besides the count, ending the sentence ("at batch 100,000").
    least : int
        The smallest usable count (>= 1).
    shown : callable
        How a count is printed (default "100,000"; ``lambda k: f"{k}×{k}"`` for a grid).

    Returns
    -------
    Allowance
        ``allowed = max{k in [least, requested] : cost(k) <= limit}`` (``requested`` when it fits), and the sentence
        "At most {limit} {unit}: {label} reduced from {requested} to {allowed} {given}." when it was reduced.

    Raises
    ------
    ParameterError
        Naming ``control`` when even ``least`` does not fit (the budget cannot honour the smallest usable run), or
        when ``requested`` < ``least``.
    """
    if not least >= 1:
        raise ParameterError("least", f"the smallest usable count must be at least 1; got {least!r}")
    if requested < least:
        raise ParameterError(control, f"{label} must be at least {shown(least)}; got {shown(requested)}")
    limit = power_of_ten(budget.limit)
    if cost(requested) <= budget.limit:
        return Allowance(budget, control, requested, requested, cost(requested), None)
    if cost(least) > budget.limit:
        raise ParameterError(control, f"At most {limit} {budget.unit}: even {label} = {shown(least)} needs "
                                      f"{cost(least):,} {given}".rstrip() + ".")
    low, high = least, requested  # cost(low) fits, cost(high) does not: bisect on the non-decreasing cost
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if cost(middle) <= budget.limit else (low, middle)
    message = f"At most {limit} {budget.unit}: {label} reduced from {shown(requested)} to {shown(low)} {given}"
    return Allowance(budget, control, requested, low, cost(low), message.rstrip() + ".")
