"""Benchmark: every page at its worst settings, against the budget of about 1 s of computation per rerun.

    .venv/bin/python tests/benchmarks/bench_worst.py            # every case, twice
    .venv/bin/python tests/benchmarks/bench_worst.py sgd        # the cases whose name contains "sgd"

Each case is one full AppTest run of the page (app.py first, then the page opened with the case's URL, as a link or
a rerun would), with cold caches: every repetition changes a constant in the formulas (or the seed), so no
st.cache_* entry from an earlier run hides work. Printed: the process's CPU seconds around the page's run
(time.process_time, all threads: what the server spends) and the wall time, against BUDGET_S. The machine's other
load makes wall time noisy; CPU time is the figure to compare, as ratios within one run.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from core.expressions import MAX_LENGTH, parse  # noqa: E402

BUDGET_S = 1.0  # CPU seconds per rerun (issue 11)
REPEATS = 2
TIMEOUT = 120  # seconds: an over-budget page must still finish to be measured


def heavy_formula(variables: tuple[str, ...], salt: int) -> str:
    """A formula near the parser's bounds (MAX_LENGTH characters, MAX_NODES parts): transcendental terms in every
    variable, each with a constant that ``salt`` changes (so no cache has seen it)."""
    terms, i = [], 0
    while True:
        a, b = variables[i % len(variables)], variables[(i + 1) % len(variables)]
        term = f"sin({a}*{b} + {salt % 97 + i}.{i})*exp(-{a}^2/{i + 2}) + cos({b}^3 - {i + 1}*{a})/({i + 2} + {a}^2)"
        candidate = " + ".join([*terms, term])
        if len(candidate) > MAX_LENGTH - 5:
            break
        try:
            parse(candidate, variables)
        except ValueError:  # too many parts: stop at the last formula the parser takes
            break
        terms.append(term)
        i += 1
    return " + ".join(terms)


def derivative(salt: int) -> dict:
    return {"f": heavy_formula(("x",), salt), "x0": str(1.0 + salt * 1e-3), "x_range": ["-50", "50"],
            "method": "five-point"}


def gradient(salt: int) -> dict:
    f = heavy_formula(("x1", "x2"), salt)
    return {"f": f, "x1": str(0.5 + salt * 1e-3), "x2": "-0.3", "x1_range": ["-100", "100"],
            "x2_range": ["-100", "100"], "field": "true", "surface": "true"}


def jacobian_plane(salt: int) -> dict:
    return {"mode": "plane", "source": "u, v", "u": heavy_formula(("x1", "x2"), salt),
            "v": heavy_formula(("x2", "x1"), salt + 1), "x1": str(0.7 + salt * 1e-3), "x2": "0.4"}


def jacobian_table(salt: int) -> dict:
    names = tuple(f"x{i}" for i in range(1, 7))
    query = {"mode": "table", "n": "6", "m": "6"}
    query.update({f"f{k}": heavy_formula(names[k - 1:] + names[: k - 1], salt + k) for k in range(1, 7)})
    query.update({name: str(0.3 + 0.1 * i + salt * 1e-3) for i, name in enumerate(names)})
    return query


def sgd(**settings) -> Callable[[int], dict]:
    def query(salt: int) -> dict:
        return {**{k: str(v) for k, v in settings.items()}, "seed": str(1000 + salt)}
    return query


ALL_METHODS = ["GD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam", "Newton"]


def optimizers(*, heavy: bool, tab: str = "Race") -> Callable[[int], dict]:
    def query(salt: int) -> dict:
        f = heavy_formula(("x1", "x2"), salt) if heavy else f"(1 - x1)^2 + {100 + salt}(x2 - x1^2)^2"
        return {"f": f, "x1": str(-1.5 + salt * 1e-3), "x2": "2", "steps": "5000", "methods": ALL_METHODS,
                "x1_range": ["-100", "100"], "x2_range": ["-100", "100"], "optimizers_tab": tab, "t": "5000"}
    return query


def hessian(salt: int) -> dict:
    return {"f": heavy_formula(("x1", "x2"), salt), "x1": str(0.5 + salt * 1e-3), "x2": "-0.3",
            "x1_range": ["-100", "100"], "x2_range": ["-100", "100"]}


def newton(*, tab: str) -> Callable[[int], dict]:
    def query(salt: int) -> dict:
        return {"f": heavy_formula(("x",), salt), "x0": str(0.5 + salt * 1e-3), "steps": "100", "a": "-1e6",
                "b": "1e6", "g": heavy_formula(("x1", "x2"), salt), "steps2": "2000", "newton_tab": tab}
    return query


ALL_FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1x2", "sin(x1)", "sin(x2)"]


def network(**settings) -> Callable[[int], dict]:
    def query(salt: int) -> dict:
        return {**{k: (v if isinstance(v, list) else str(v)) for k, v in settings.items()}, "seed": str(1000 + salt)}
    return query


CASES: dict[str, tuple[str, Callable[[int], dict]]] = {
    "network: 6×8, all features, T = 100,000, batch 1": (
        "views/network.py", network(layers="8,8,8,8,8,8", features=ALL_FEATURES, steps=100_000, batch=1)),
    "network: 6×8, all features, N = 5,000, batch 2,500": (
        "views/network.py", network(layers="8,8,8,8,8,8", features=ALL_FEATURES, steps=100_000, batch=2500,
                                    n=5000, test_ratio=0.1)),
    "network: spiral 8,8,8 relu, lr 10": (
        "views/network.py", network(data="spiral", layers="8,8,8", activation="relu", lr=10, steps=100_000)),
    "network: defaults (reference)": ("views/network.py", network()),
    "hessian: heavy f, ±100": ("views/hessian.py", hessian),
    "newton: heavy f, 100 steps, bracket ±10⁶": ("views/newton.py", newton(tab="Tangents")),
    "newton 2-D: heavy f, 2,000 steps": ("views/newton.py", newton(tab="2-D: Newton vs gradient descent")),
    "optimizers: Rosenbrock, 7 methods, 5,000 steps": ("views/optimizers.py", optimizers(heavy=False)),
    "optimizers: heavy f, 7 methods, 5,000 steps": ("views/optimizers.py", optimizers(heavy=True)),
    "optimizers: Rosenbrock, tuning tab, 7 methods": ("views/optimizers.py", optimizers(heavy=False,
                                                                                     tab="Tune learning rates")),
    "optimizers: heavy f, tuning tab, 7 methods": ("views/optimizers.py", optimizers(heavy=True,
                                                                                 tab="Tune learning rates")),
    "derivative: heavy f, x in [-50, 50]": ("views/derivative.py", derivative),
    "gradient: heavy f, ±100, field + surface": ("views/gradient.py", gradient),
    "jacobian plane: heavy u, v": ("views/jacobian.py", jacobian_plane),
    "jacobian table: n = m = 6, heavy f1..f6": ("views/jacobian.py", jacobian_table),
    "sgd: N = T = batch = 100,000": ("views/sgd.py", sgd(n=100_000, steps=100_000, batch=100_000)),
    "sgd: N = T = 100,000, batch 1": ("views/sgd.py", sgd(n=100_000, steps=100_000, batch=1)),
    "sgd: N = T = 100,000, batch 100": ("views/sgd.py", sgd(n=100_000, steps=100_000, batch=100)),
    "sgd: N = T = 100,000, batch 1,000": ("views/sgd.py", sgd(n=100_000, steps=100_000, batch=1000)),
    "sgd: far start (±1000), batch 1,000, bias, blobs": (
        "views/sgd.py", sgd(n=100_000, steps=100_000, batch=1000, start="typed", b1=1000, b2=-1000, bias="true",
                            data="blobs")),
    "sgd: xor, noise 0.5, lr 100, batch 1": (
        "views/sgd.py", sgd(n=100_000, steps=100_000, batch=1, data="xor", noise=0.5, lr=100)),
    "sgd: shifted, bias, batch 10,000": (
        "views/sgd.py", sgd(n=100_000, steps=100_000, batch=10_000, data="shifted", bias="true")),
    "sgd: tutorial defaults (reference)": ("views/sgd.py", sgd()),
}


def run_case(page: str, query: dict) -> tuple[float, float, str]:
    """CPU and wall seconds of the page's run, and what went wrong ("" if nothing)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    cpu, wall = time.process_time(), time.perf_counter()
    at.switch_page(page).run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    problem = "; ".join(str(e.value)[:80] for e in at.exception) or "; ".join(e.value[:80] for e in at.error)
    return cpu, wall, problem


def main(filters: list[str]) -> None:
    warm = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    warm.run()  # imports (SymPy, Plotly, pandas) once, outside the measurements
    print(f"budget: {BUDGET_S:g} s of CPU per rerun; {REPEATS} cold runs per case; CPU and wall seconds")
    salt = 0
    for name, (page, query) in CASES.items():
        if filters and not any(f in name for f in filters):
            continue
        cpus, walls, problems = [], [], set()
        for _ in range(REPEATS):
            salt += 1
            cpu, wall, problem = run_case(page, query(salt))
            cpus.append(cpu)
            walls.append(wall)
            if problem:
                problems.add(problem)
        verdict = "PASS" if max(cpus) <= BUDGET_S else "FAIL"
        cpu_text = ", ".join(f"{c:.2f}" for c in cpus)
        wall_text = ", ".join(f"{w:.2f}" for w in walls)
        print(f"{verdict}  {name:50s} cpu {cpu_text} s   wall {wall_text} s")
        for problem in sorted(problems):
            print(f"      shown: {problem}")


if __name__ == "__main__":
    main(sys.argv[1:])
