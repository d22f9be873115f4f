"""Benchmark: the Hessian page's work, printed as figures (never asserted).

    .venv/bin/python tests/benchmarks/bench_hessian.py

1. Per preset and for a formula near the parser's bounds: the CPU of a new formula (core.hessian_lab.compile_hessian:
   parse + the SymPy Hessian under core.symbolic.MATRIX_SECONDS + the gradient), of a new point (study_hessian), of
   building each figure and of its to_json (what st.plotly_chart does), and each figure's JSON size against 300 KB.
2. The fallback when SymPy runs out of time (the finite-difference Hessian and gradient): the same figures.
3. Whole-page reruns with cold caches (AppTest, app.py first, as tests/benchmarks/bench_worst.py does) at the worst
   settings: the heavy formula, the widest window, each of the three tabs; CPU and wall seconds against 1 s.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import plotly.io as pio  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from core import symbolic  # noqa: E402
from core.gradient_lab import Window  # noqa: E402
from core.hessian_lab import PRESETS, compile_hessian, study_hessian  # noqa: E402
from core.plots.hessian import contour_figure, gap_figure, slice_figure  # noqa: E402
from tests.benchmarks.bench_worst import BUDGET_S, TIMEOUT, heavy_formula, run_case  # noqa: E402

FIGURES = (contour_figure, slice_figure, gap_figure)
FIGURE_BYTES = 300_000
REPEATS = 3
WIDE = Window(-100.0, 100.0, -100.0, 100.0)
TABS = ("Curvature axes and quadratic model", "Slices along a direction", "Gap as r shrinks")


def slow_formula(salt: int) -> str:
    """A short formula whose second derivatives SymPy cannot finish within MATRIX_SECONDS: nested exponentials of
    sines multiplied together (each product rule doubles the terms), a constant changed by ``salt``."""
    return " * ".join(f"exp(sin({k + salt % 7}x1 + x2^{k}))" for k in range(1, 8))


def cpu_of(action) -> tuple[float, object]:
    """The least CPU seconds of REPEATS calls (the machine is shared: the least disturbed), and the last result."""
    best, result = float("inf"), None
    for _ in range(REPEATS):
        start = time.process_time()
        result = action()
        best = min(best, time.process_time() - start)
    return best, result


def core_row(label: str, text: str, point, window: Window) -> None:
    compile_s, compiled = cpu_of(lambda: compile_hessian(text))
    study_s, study = cpu_of(lambda: study_hessian(compiled, point=point, window=window))
    cells = []
    for figure in FIGURES:
        build_s, built = cpu_of(lambda figure=figure: figure(study))
        json_s, spec = cpu_of(lambda built=built: pio.to_json(built))
        size = len(spec.encode())
        flag = "" if size < FIGURE_BYTES else " (over 300 KB)"
        cells.append(f"{build_s * 1e3:5.1f}+{json_s * 1e3:5.1f} ms {size / 1e3:5.0f} kB{flag}")
    exact = "exact H" if compiled.hessian is not None else "differences"
    print(f"  {label[:34]:34s} {exact:11s} compile {compile_s * 1e3:6.1f} ms  study {study_s * 1e3:5.1f} ms  | "
          + " | ".join(cells))


def core() -> None:
    print("1. core CPU (least of 3) and figures: build + to_json, JSON size  [contour | slices | gaps]")
    for preset in PRESETS:
        core_row(preset.label, preset.formula, preset.point, preset.window)
    core_row("heavy f (parser bounds), ±100", heavy_formula(("x1", "x2"), 1), (0.5, -0.3), WIDE)
    core_row("SymPy-bound f, ±100", slow_formula(1), (0.5, -0.3), WIDE)
    print("2. SymPy out of time: finite-difference H and ∇f")
    saved = symbolic.MATRIX_SECONDS
    symbolic.MATRIX_SECONDS = 0.0
    try:
        core_row("issue's quartic, no exact H", PRESETS[0].formula, PRESETS[0].point, PRESETS[0].window)
        core_row("heavy f, no exact H, ±100", heavy_formula(("x1", "x2"), 2), (0.5, -0.3), WIDE)
    finally:
        symbolic.MATRIX_SECONDS = saved


def worst(salt: int, tab: str, formula) -> dict:
    return {"f": formula(salt), "x1": str(0.5 + salt * 1e-3), "x2": "-0.3", "x1_range": ["-100", "100"],
            "x2_range": ["-100", "100"], "hessian_tab": tab}


FORMULAS = {"heavy f": lambda salt: heavy_formula(("x1", "x2"), salt), "SymPy-bound f": slow_formula}


def pages() -> None:
    warm = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    warm.run()  # imports (SymPy, Plotly, pandas) once, outside the measurements
    print(f"3. whole page, cold caches, ±100 window: CPU and wall seconds (budget {BUDGET_S:g} s of CPU)")
    salt = 100
    for (name, formula), tab in ((item, tab) for item in FORMULAS.items() for tab in TABS):
        cpus, walls, problems = [], [], set()
        for _ in range(2):
            salt += 1
            cpu, wall, problem = run_case("views/hessian.py", worst(salt, tab, formula))
            cpus.append(cpu)
            walls.append(wall)
            if problem:
                problems.add(problem)
        verdict = "ERROR" if problems else "within" if max(cpus) <= BUDGET_S else "OVER"
        print(f"  {verdict:6s} {name:13s} {tab:36s} cpu {', '.join(f'{c:.2f}' for c in cpus)} s   "
              f"wall {', '.join(f'{w:.2f}' for w in walls)} s")
        for problem in sorted(problems):
            print(f"         shown: {problem}")


if __name__ == "__main__":
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    core()
    pages()
