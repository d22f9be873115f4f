"""Benchmark: core.autodiff against core.differences.gradient and the symbolic gradient, printed (never asserted).

    .venv/bin/python tests/benchmarks/bench_autodiff.py

For the presets and for formulas near the parser's bounds (up to ~400 nodes): CPU of building the graph, one forward
and one backward pass (reverse mode), n dual passes (forward mode), central and auto differences, and SymPy's
gradient (differentiation + compilation + evaluation); then a whole study_backprop and the graph figure's JSON size.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import plotly.io as pio  # noqa: E402

from core import autodiff, differences, symbolic  # noqa: E402
from core.backprop_lab import PRESETS, study_backprop  # noqa: E402
from core.expressions import ExpressionError, parse  # noqa: E402
from core.plots.backprop import graph_figure  # noqa: E402
from tests.benchmarks.timing import least_cpu  # noqa: E402

REPEATS = 5
LARGE = {
    "sum of 24 sines": " + ".join(f"sin({k}x1 x2)" for k in range(1, 25)),
    "deep nest": "tanh(" * 25 + "x1 x2" + ")" * 25,
    "polynomial": " + ".join(f"{k}x1^{k % 5} x2^{k % 3}" for k in range(1, 30)),
}


def cpu(call) -> float:
    """The least CPU milliseconds of REPEATS calls."""
    return least_cpu(call, repeats=REPEATS) * 1000


def main() -> None:
    cases = {p.label: (p.formula, (p.x1, p.x2)) for p in PRESETS} | {k: (v, (0.3, 0.2)) for k, v in LARGE.items()}
    print(f"{'formula':32} {'nodes':>5} {'reverse':>8} {'dual×n':>8} {'central':>8} {'auto':>8} {'sympy':>8} "
          f"{'study':>8} {'fig KB':>7}   (ms of CPU, best of 5)")
    for name, (text, point) in cases.items():
        measure(name, text, point)


def measure(name: str, text: str, point: tuple[float, float]) -> None:
    """One row of the table."""
    try:
        e = parse(text, ("x1", "x2"))
    except ExpressionError as error:
        print(f"{name:32} rejected: {error}")
        return
    at = dict(zip(("x1", "x2"), point))
    p = np.array(point)
    nodes = len(autodiff.build_graph(e).nodes)
    reverse = cpu(lambda: autodiff.reverse_gradient(e, at))
    dual = cpu(lambda: [autodiff.dual_derivative(e, at, direction={v: 1.0}) for v in ("x1", "x2")])
    central = cpu(lambda: differences.gradient(lambda x: e.func(x[0], x[1]), p, method="central"))
    auto = cpu(lambda: differences.gradient(lambda x: e.func(x[0], x[1]), p, method="auto"))
    try:
        sym = cpu(lambda: symbolic.gradient(e, typeset=False).func(*point))
    except ExpressionError:
        sym = float("nan")
    study = cpu(lambda: study_backprop(text, x1=point[0], x2=point[1]))
    result = study_backprop(text, x1=point[0], x2=point[1])
    size = len(pio.to_json(graph_figure(result))) / 1000 if result.drawable else float("nan")
    print(f"{name[:32]:32} {nodes:5d} {reverse:8.2f} {dual:8.2f} {central:8.2f} {auto:8.2f} {sym:8.2f} "
          f"{study:8.2f} {size:7.1f}")


if __name__ == "__main__":
    main()
