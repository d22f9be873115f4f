"""Benchmark of the Jacobian page (run on demand, prints figures).

    python tests/benchmarks/bench_jacobian.py

Targets (issue 5): the page's core computation ≤ 50 ms; a page rerun after moving the point ≤ 150 ms median.
Measured three ways: the core alone (parse + SymPy Jacobian + study, what a new formula costs; and the study alone,
what a new point costs, the compiled map being cached), the figures (build, and the to_json that st.plotly_chart
does), and real AppTest reruns of the whole app after moving the point. The machine's load average is printed
with the figures: the 2-core machine is shared, and a busy neighbour shows up in every number.
"""

from __future__ import annotations

import functools
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from core.jacobian_lab import (  # noqa: E402
    PLANE_PRESETS,
    TABLE_PRESETS,
    compile_gradient_map,
    compile_map,
    study_plane,
    study_table,
)
from core.plots.jacobian import gap_figure, neighbourhood_figure, warp_figure  # noqa: E402

CORE_TARGET_MS, RERUN_TARGET_MS = 50.0, 150.0
REPEATS = 15
RERUNS = 20
FIGURES = (neighbourhood_figure, warp_figure, gap_figure)
SIX_BY_SIX = [f"sin(x{i}) x{i % 6 + 1} + x{i}^2/(1 + x{i % 6 + 1}^2)" for i in range(1, 7)]


def median_ms(action, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def compile_preset(preset):
    if preset.source == "∇f":
        return compile_gradient_map(preset.grad)
    return compile_map([preset.u, preset.v], n=2, names=("u", "v"))


def plane_from_text(preset):
    return study_plane(compile_preset(preset), point=preset.point, radius=preset.radius)


def table_from_text(texts, point):
    return study_table(compile_map(texts, n=len(point), names=[f"f{i + 1}" for i in range(len(texts))]), point=point)


def build_figures(study):
    return [figure(study) for figure in FIGURES]


def serialise(figures):
    return [figure.to_json() for figure in figures]


def plane_rows() -> float:
    print(f"{'plane preset':<18} {'compile+study':>14} {'study':>8} {'figures':>9} {'to_json':>9} {'JSON kB':>8}")
    worst = 0.0
    for preset in PLANE_PRESETS:
        cold = median_ms(functools.partial(plane_from_text, preset))
        compiled = compile_preset(preset)
        warm = median_ms(functools.partial(study_plane, compiled, point=preset.point, radius=preset.radius))
        study = study_plane(compiled, point=preset.point, radius=preset.radius)
        build = median_ms(functools.partial(build_figures, study))
        figures = build_figures(study)
        to_json = median_ms(functools.partial(serialise, figures))
        size = sum(len(text) for text in serialise(figures)) / 1000
        worst = max(worst, cold)
        print(f"{preset.label:<18} {cold:11.1f} ms {warm:5.1f} ms {build:6.1f} ms {to_json:6.1f} ms {size:8.0f}")
    return worst


def table_rows() -> float:
    print(f"{'table preset':<24} {'compile+study':>14}")
    cases = [(p.label, list(p.components), p.point) for p in TABLE_PRESETS]
    cases.append(("6×6 typed", SIX_BY_SIX, (0.5,) * 6))
    worst = 0.0
    for label, texts, point in cases:
        cold = median_ms(functools.partial(table_from_text, texts, point))
        worst = max(worst, cold)
        print(f"{label:<24} {cold:11.1f} ms")
    return worst


def page_reruns() -> float:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/jacobian.py").run()
    times = []
    for k in range(RERUNS):
        widget = at.number_input(key="x1" if k % 2 else "x2")
        widget.set_value(round(widget.value + 0.05, 4))
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
        assert not at.exception and not at.error
    return statistics.median(times), min(times), max(times)


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "FAIL"


def main() -> None:
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    worst = max(plane_rows(), table_rows())
    print(f"slowest core computation: {worst:.1f} ms "
          f"(target ≤ {CORE_TARGET_MS:.0f} ms: {verdict(worst, CORE_TARGET_MS)})")
    median, fastest, slowest = page_reruns()
    print(f"AppTest rerun after moving the point ({RERUNS} moves): median {median:.0f} ms, min {fastest:.0f} ms, "
          f"max {slowest:.0f} ms (target ≤ {RERUN_TARGET_MS:.0f} ms median: {verdict(median, RERUN_TARGET_MS)})")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
