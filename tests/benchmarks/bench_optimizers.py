"""Benchmark: the Optimizers page's work, printed as figures (never asserted).

    .venv/bin/python tests/benchmarks/bench_optimizers.py

1. All seven methods × 1,000 steps on a typed f, through core.optimizers.race directly (no budget), and the same
   race one method at a time (what vectorising the methods saves), as CPU seconds and µs per step.
2. The formula evaluation that dominates a step: the compiled program (core.expressions.NumpyFunction) per call.
3. The page's race under the budget (core.optimizers_lab.study_race) and the tuning race (tune_rates) per preset.
4. The figures' JSON sizes (plotly.io.to_json) against the issue's 300 KB, default view and 7 methods × 5,000 steps.
"""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import plotly.io as pio  # noqa: E402

from core import optimizers, symbolic  # noqa: E402
from core.expressions import parse  # noqa: E402
from core.optimizers import METHODS, Run  # noqa: E402
from core.optimizers_lab import DEFAULT_RATES, PRESETS, runs_for, step_detail, study_race, tune_rates  # noqa: E402
from core.plots.optimizers import loss_figure, race_figure, tuning_figure  # noqa: E402
from tests.benchmarks.timing import least_cpu  # noqa: E402

TYPED = "sin(x1) cos(x2) + 0.1(x1^2 + x2^2) + exp(-(x1 - 1)^2 - x2^2)"  # a typed f: trig, exp, a quadratic bowl
STEPS = 1000
REPEATS = 3


def cpu(func) -> float:
    """The least CPU seconds of REPEATS calls (the machine is shared: the minimum is the least disturbed)."""
    return least_cpu(func, repeats=REPEATS)


def engine() -> None:
    expression = parse(TYPED, ("x1", "x2"))
    gradient, hessian = symbolic.gradient(expression), symbolic.hessian(expression)
    grad = lambda x: gradient.func(x[0], x[1])  # noqa: E731
    hess = lambda x: hessian.func(x[0], x[1])  # noqa: E731
    f = lambda x: expression.func(x[0], x[1])  # noqa: E731
    runs = [Run(m, DEFAULT_RATES[m]) for m in METHODS]
    together = cpu(lambda: optimizers.race(grad, [1.5, -0.5], runs=runs, steps=STEPS, hessian=hess, f=f))
    apart = cpu(lambda: [optimizers.race(grad, [1.5, -0.5], runs=[r], steps=STEPS, hessian=hess, f=f) for r in runs])
    print(f"1. race, 7 methods x {STEPS} steps on f = {TYPED}")
    print(f"   together {together:.3f} s ({together / STEPS * 1e6:.0f} µs a step); one method at a time "
          f"{apart:.3f} s; ratio {apart / together:.2f}")
    x1, x2 = np.random.default_rng(0).uniform(-2, 2, (2, 7))
    per_call = {name: cpu(lambda fn=fn: [fn(x1, x2) for _ in range(1000)]) * 1e3
                for name, fn in (("f", expression.func), ("∇f", gradient.func), ("H", hessian.func))}
    print("2. compiled formula, per call on 7 points: " + ", ".join(f"{k} {v:.1f} µs" for k, v in per_call.items()))


def timed(func) -> tuple[float, object]:
    """The least CPU seconds of REPEATS calls of ``func`` (as :func:`cpu`), and what it returned."""
    results = []
    seconds = cpu(lambda: results.append(func()))
    return seconds, results[-1]


def page() -> None:
    print("3. the page's race (default methods, budget applied) and the tuning race (all 7 methods), CPU s")
    for preset in PRESETS:
        runs = runs_for(("gd", "momentum", "adam", "newton"), preset.rates, {})
        race_s, result = timed(functools.partial(study_race, preset.formula, start=preset.start,
                                                 window=preset.window, runs=runs, steps=500, minima=preset.minima,
                                                 minimum=preset.minimum))
        tune_s, tuning = timed(functools.partial(tune_rates, preset.formula, start=preset.start, methods=METHODS,
                                                 steps=500))
        print(f"   {preset.label:28s} race {race_s:.3f} ({result.steps} steps)   tuning {tune_s:.3f} "
              f"({len(METHODS)} methods, {tuning.steps} steps, {sum(len(r) for r in tuning.rates)} runs)")


def sizes() -> None:
    rosenbrock = PRESETS[0]
    cases = {"default view (4 methods, 500 steps)": (("gd", "momentum", "adam", "newton"), 500),
             "7 methods x 5,000 steps requested": (METHODS, 5000)}
    print("4. figure JSON sizes (issue's bound: 300 KB)")
    for name, (methods, steps) in cases.items():
        result = study_race(rosenbrock.formula, start=rosenbrock.start, window=rosenbrock.window,
                            runs=runs_for(methods, rosenbrock.rates, {}), steps=steps, minima=rosenbrock.minima,
                            minimum=rosenbrock.minimum)
        start = time.process_time()
        race = pio.to_json(race_figure(result, detail=step_detail(result, "newton", 2)))
        built = time.process_time() - start
        loss = pio.to_json(loss_figure(result))
        print(f"   {name:38s} race {len(race) / 1e3:.0f} KB ({len(result.frames)} frames, built and encoded in "
              f"{built:.3f} s), loss {len(loss) / 1e3:.0f} KB")
    tuning = tune_rates(rosenbrock.formula, start=rosenbrock.start, methods=METHODS, steps=500)
    print(f"   tuning figure {len(pio.to_json(tuning_figure(tuning, minimum=0.0))) / 1e3:.0f} KB")


if __name__ == "__main__":
    engine()
    page()
    sizes()
