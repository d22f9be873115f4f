"""Benchmark: the Taylor page's work, printed as figures (never asserted).

    .venv/bin/python tests/benchmarks/bench_taylor.py

1. A rerun at the page's worst settings (order 12, a new formula: SymPy's cache cleared first), as CPU seconds split
   into the symbolic part (derivatives and singular points, core.taylor_lab.taylor_series), the numbers at x0
   (study_taylor) and the two figures; and what order the page could show.
2. Moving x0 with the derivatives cached (what a click or the x0 box costs).
3. The figures' JSON sizes (plotly.io.to_json) against the issue's 300 KB, frames included.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import plotly.io as pio  # noqa: E402
import sympy as sp  # noqa: E402

from core.plots.taylor import polynomials_figure, remainder_figure  # noqa: E402
from core.taylor_lab import MAX_ORDER, study_taylor, taylor_series  # noqa: E402

LONG = " + ".join(f"sin({k}x)^2/(x^2 + {k})" for k in range(1, 12))  # a long typed formula, ~200 parts
WORST = {  # f, x0, plot range: the presets' hardest, deep compositions, high-degree poles, an unsolvable equation
    "e^x (default)": ("e^x", 0.0, (-3.0, 3.0)),
    "1/(1+x^2)": ("1/(1+x^2)", 0.0, (-3.0, 3.0)),
    "tan(x)": ("tan(x)", 0.3, (-50.0, 50.0)),
    "1/(x^7 - x + 1)": ("1/(x^7 - x + 1)", 0.0, (-2.0, 2.0)),
    "sin(cos(tan(x)))": ("sin(cos(tan(x)))", 0.5, (-1.0, 1.0)),
    "x^x^x": ("x^x^x", 1.0, (0.1, 2.0)),
    "1/(sin(x)+cos(2x)+0.5)": ("1/(sin(x)+cos(2x)+0.5)", 0.0, (-3.0, 3.0)),
    "long formula": (LONG, 1.0, (-3.0, 3.0)),
}
REPEATS = 3


def cpu(func) -> tuple[float, object]:
    """CPU seconds of one call and its result."""
    start = time.process_time()
    result = func()
    return time.process_time() - start, result


def worst() -> None:
    print(f"1. a rerun at order {MAX_ORDER} on a new formula (SymPy's cache cleared), CPU s")
    print(f"   {'f':26s} {'series':>7s} {'study':>7s} {'figures':>8s} {'total':>7s}  order  radius")
    for label, (text, x0, x_range) in WORST.items():
        sp.core.cache.clear_cache()
        series_s, series = cpu(lambda text=text: taylor_series(text, order=MAX_ORDER))
        study_s, study = cpu(lambda series=series, x0=x0, x_range=x_range: study_taylor(series, x0=x0,
                                                                                       x_range=x_range))
        figures_s, _ = cpu(lambda study=study: (polynomials_figure(study), remainder_figure(study)))
        total = series_s + study_s + figures_s
        print(f"   {label:26s} {series_s:7.3f} {study_s:7.3f} {figures_s:8.3f} {total:7.3f}  {study.order:5d}  "
              f"{study.radius.value:.4g}")


def moving_x0() -> None:
    series = taylor_series("ln(x)", order=8)
    best = min(cpu(lambda: polynomials_figure(study_taylor(series, x0=1.3, x_range=(-0.5, 3.0))))[0]
               for _ in range(REPEATS))
    print(f"2. moving x0 (ln x, order 8, derivatives cached): study + polynomials figure {best * 1e3:.1f} ms CPU")


def sizes() -> None:
    print("3. figure sizes (JSON, frames included), KB")
    for text, x0, order, x_range in (("e^x", 0.0, 4, (-3.0, 3.0)), ("ln(x)", 1.0, 8, (-0.5, 3.0)),
                                     ("1/(1-x)", 0.999, MAX_ORDER, (-50.0, 50.0)),
                                     ("1/(1+x^2)", 0.0, MAX_ORDER, (-3.0, 3.0)),
                                     ("tan(x)", 0.3, MAX_ORDER, (-50.0, 50.0))):
        study = study_taylor(taylor_series(text, order=order), x0=x0, x_range=x_range)
        polynomials = len(pio.to_json(polynomials_figure(study)).encode()) / 1e3
        remainder = len(pio.to_json(remainder_figure(study)).encode()) / 1e3
        print(f"   {text:10s} x0 = {x0:<6g} n = {order:2d}: polynomials {polynomials:6.1f} "
              f"({len(study.frames)} frames), remainder {remainder:5.1f}")


if __name__ == "__main__":
    worst()
    moving_x0()
    sizes()
