"""Benchmark: page reruns and figure sizes (run on demand, prints figures).

    python3 dev.py bench tests/benchmarks/bench_pages.py

Targets: Derivative — a rerun after a slider change ≤ 150 ms median, the animated figure's JSON ≤ 300 KB.
SGD — a default page rerun ≤ 300 ms median; the animated figure ≤ 200 KB of JSON.
Gradient — the 200×200 contour, 25×25 field and readouts computed in ≤ 50 ms; a rerun after moving the point
≤ 150 ms median. Each rerun moves the point to a new value, so no cache hides the work.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from core.derivative_lab import study_derivative  # noqa: E402
from core.gradient_lab import PRESETS, study_gradient  # noqa: E402
from core.plots.derivative import error_figure, tangent_figure  # noqa: E402
from core.plots.gradient import contour_figure  # noqa: E402
from core.plots.sgd import descent_figure  # noqa: E402
from core.sgd_lab import SgdSettings, run_sgd  # noqa: E402

RERUNS = 15


def verdict(value: float, target: float) -> str:
    return f"{'PASS' if value <= target else 'FAIL'} (target ≤ {target:g})"


def rerun_times(page: str, key: str, values: list[float]) -> list[float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(page).run()
    times = []
    for value in values:
        start = time.perf_counter()
        at.number_input(key=key).set_value(value).run()
        times.append((time.perf_counter() - start) * 1000)
        assert not at.exception, at.exception
    return times


def best_ms(call, repeats: int = 7) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def main() -> None:
    study = study_derivative("(x+2)(x-6)", x0=5.0, h=1e-6, method="central")
    tangent_json = len(tangent_figure(study, x_range=(-8.0, 12.0)).to_json())
    error_json = len(error_figure(study).to_json())
    print(f"derivative: study "
          f"{best_ms(lambda: study_derivative('sin(x) exp(-x^2/4)', x0=1.3, h=1e-4, method='five-point')):.1f} ms; "
          f"animated figure JSON {tangent_json / 1000:.0f} KB {verdict(tangent_json / 1000, 300)}; "
          f"error figure {error_json / 1000:.0f} KB")
    times = rerun_times("views/derivative.py", "x0", [5.0 + 0.1 * i for i in range(1, RERUNS + 1)])
    print(f"derivative: rerun after moving x0: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms "
          f"{verdict(statistics.median(times), 150)}")

    tutorial = PRESETS[0]
    rosenbrock = PRESETS[2]
    study_gradient(rosenbrock.formula, point=rosenbrock.point,
                   window=rosenbrock.window)  # parse + SymPy once (cached on the page)
    ms = best_ms(lambda: study_gradient(rosenbrock.formula, point=(0.3, 0.7), window=rosenbrock.window))
    print(f"gradient: 200×200 contour + 25×25 field + readouts (Rosenbrock): {ms:.1f} ms {verdict(ms, 50)}")
    g = study_gradient(tutorial.formula, point=tutorial.point, window=tutorial.window)
    print(f"gradient: contour figure JSON {len(contour_figure(g, scale=0.1, show_field=True).to_json()) / 1000:.0f} KB")
    times = rerun_times("views/gradient.py", "x1", [-3.0 + 0.1 * i for i in range(1, RERUNS + 1)])
    print(f"gradient: rerun after moving the point: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms "
          f"{verdict(statistics.median(times), 150)}")


def sgd() -> None:
    import numpy as np

    study = run_sgd(SgdSettings())
    size = len(descent_figure(study, rng=np.random.default_rng(0)).to_json()) / 1000
    ms = best_ms(lambda: run_sgd(SgdSettings(seed=5)))
    print(f"sgd: tutorial run (train + loss grid + checks) {ms:.0f} ms; "
          f"animated figure JSON {size:.0f} KB {verdict(size, 200)}")
    times = rerun_times("views/sgd.py", "seed", list(range(1, RERUNS + 1)))
    print(f"sgd: default page rerun with a new seed: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms "
          f"{verdict(statistics.median(times), 300)}")


if __name__ == "__main__":
    main()
    sgd()
