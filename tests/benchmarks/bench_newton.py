"""Benchmark: the Newton page's work, printed as figures (never asserted).

    .venv/bin/python tests/benchmarks/bench_newton.py

1. The 1-D study (core.newton_lab.study_newton: parse, SymPy's f′, Newton, bisection, the 60-digit reference root)
   per preset, and at its worst: the longest formula the parser takes, a triple root (Newton and bisection both run
   all 100 steps, the refinement has the most evaluations to do), CPU seconds against the one-second budget.
2. The reference root alone (core.roots.refine) on the worst formula: its CPU bound (REFINE_SECONDS) is what holds it.
3. The 2-D race (study_plane) per preset, and at 2,000 steps on the longest formula (core.budget.RACE caps it).
4. The figures: build + JSON encoding time and size against the issue's 300 KB, default and worst.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import plotly.io as pio  # noqa: E402
import sympy as sp  # noqa: E402

from core import roots, symbolic  # noqa: E402
from core.expressions import ExpressionError, parse  # noqa: E402
from core.newton_lab import MAX_PLANE_STEPS, MAX_STEPS, PLANE_PRESETS, PRESETS, study_newton, study_plane  # noqa: E402
from core.optimizers_lab import step_detail  # noqa: E402
from core.plots.newton import digits_figure, newton_figure  # noqa: E402
from core.plots.optimizers import race_figure  # noqa: E402
from tests.benchmarks.bench_optimizers import cpu  # noqa: E402  (the least CPU seconds of three calls)

# The longest 1-D formula the parser reads (~400 nodes): a triple root at 1 times a positive factor of many terms.
FACTOR = " + ".join(f"{k}sin({k}x)^2/(1 + x^2)" for k in range(1, 21))  # 495 characters in all
WORST = f"(x - 1)^3 (3 + {FACTOR})"
WORST_PLANE = "(1 - x1)^2 + 100(x2 - x1^2)^2 + " + " + ".join(f"sin({k}x1 + x2)^2/{k + 1}" for k in range(1, 16))


def line() -> None:
    print("1. the 1-D study, CPU s (budget ≈ 1 s a rerun)")
    for preset in PRESETS:
        seconds = cpu(lambda p=preset: study_newton(p.formula, x0=p.x0, steps=p.steps, bracket=p.bracket))
        result = study_newton(preset.formula, x0=preset.x0, steps=preset.steps, bracket=preset.bracket)
        print(f"   {preset.label:32s} {seconds:.3f}   {result.verdict.title}")
    worst = None

    def run_worst():
        nonlocal worst
        worst = study_newton(WORST, x0=2.0, steps=MAX_STEPS, bracket=(-0.5, 3.0))

    seconds = cpu(run_worst)
    nodes = sum(1 for _ in sp.preorder_traversal(worst.expression.sympy))
    print(f"   worst: {nodes} SymPy nodes, triple root, {MAX_STEPS} steps   {seconds:.3f}   Newton {worst.run.steps} "
          f"steps ({worst.verdict.title}), bisection {worst.bisection.steps} steps, x* "
          f"{'found' if worst.root is not None else 'not found: ' + worst.root_source}")


def reference() -> None:
    expression = parse(WORST, ("x",))
    derivative = symbolic.derivative(expression)
    outcome = "x* found"

    def refine():
        nonlocal outcome
        try:
            found = roots.refine(expression.sympy, derivative.sympy, expression.symbols[0], 1.3)
            outcome = "x* found" if found is not None else "no root"
        except ExpressionError as error:
            outcome = str(error).split(".")[0]

    print(f"2. the 60-digit reference root from 1.3 on the worst formula: {cpu(refine):.3f} s CPU ({outcome}; "
          f"bound {roots.REFINE_SECONDS} s)")


def plane() -> None:
    print("3. the 2-D race (GD and Newton), CPU s")
    for preset in PLANE_PRESETS:
        seconds = cpu(lambda p=preset: study_plane(p.formula, start=p.start, lr=p.lr, steps=MAX_PLANE_STEPS))
        print(f"   {preset.label:32s} {seconds:.3f}   at {MAX_PLANE_STEPS} steps")
    race = study_plane(WORST_PLANE, start=(-1.5, 2.0), lr=1e-3, steps=MAX_PLANE_STEPS)
    seconds = cpu(lambda: study_plane(WORST_PLANE, start=(-1.5, 2.0), lr=1e-3, steps=MAX_PLANE_STEPS))
    capped = race.caps[0].message if race.caps else "not capped"
    print(f"   worst (a long typed f, {MAX_PLANE_STEPS} steps asked) {seconds:.3f}   ran {race.steps} steps: {capped}")


def sizes() -> None:
    print("4. figures: build + encode CPU s, JSON size (issue's bound: 300 KB)")
    default = study_newton(PRESETS[0].formula, x0=PRESETS[0].x0, steps=PRESETS[0].steps)
    worst = study_newton(WORST, x0=2.0, steps=MAX_STEPS, bracket=(-0.5, 3.0))
    for name, study in (("default (Newton's example)", default), (f"worst ({MAX_STEPS} steps both)", worst)):
        for kind, build in (("tangents", newton_figure), ("digits", digits_figure)):
            seconds = cpu(lambda b=build, s=study: pio.to_json(b(s)))
            size = len(pio.to_json(build(study)).encode())
            print(f"   {name:30s} {kind:9s} {seconds:.3f} s  {size / 1e3:6.0f} KB")
    preset = PLANE_PRESETS[0]
    race = study_plane(preset.formula, start=preset.start, lr=preset.lr, steps=MAX_PLANE_STEPS)
    seconds = cpu(lambda: pio.to_json(race_figure(race, detail=step_detail(race, "newton", 1))))
    size = len(pio.to_json(race_figure(race, detail=step_detail(race, "newton", 1))).encode())
    print(f"   {'2-D race, Rosenbrock':30s} {'race':9s} {seconds:.3f} s  {size / 1e3:6.0f} KB")


if __name__ == "__main__":
    line()
    reference()
    plane()
    sizes()
