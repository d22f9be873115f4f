"""Benchmark: how fast the parser reads good formulas and rejects hostile ones (run on demand, prints figures).

    python3 dev.py bench tests/benchmarks/bench_expressions.py

Targets (issue 2): each hostile input rejected (or safely evaluated) in under 10 ms; no fuzzed call over 50 ms.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from core.expressions import ExpressionError, parse  # noqa: E402
from tests.test_expressions import ACCEPTED, HOSTILE  # noqa: E402

REPEATS = 5
HOSTILE_TARGET_MS = 10.0
FUZZ_TARGET_MS = 50.0
FUZZ_CASES = 3000


def best_ms(text: str, variables: tuple[str, ...]) -> tuple[float, str]:
    best, outcome = float("inf"), ""
    for _ in range(REPEATS):
        start = time.perf_counter()
        try:
            parse(text, variables)
            outcome = "accepted"
        except ExpressionError as error:
            outcome = f"rejected: {str(error)[:60]}"
        best = min(best, (time.perf_counter() - start) * 1000)
    return best, outcome


def random_formula(rng: random.Random, depth: int = 0) -> str:
    if depth > 4 or rng.random() < 0.3:
        return rng.choice(["x", "y", "2", "0.5", "pi", "e", "10", "3"])
    kind = rng.random()
    if kind < 0.5:
        op = rng.choice(["+", "-", "*", "/", "^", " "])
        return f"({random_formula(rng, depth + 1)}){op}({random_formula(rng, depth + 1)})"
    if kind < 0.8:
        return f"{rng.choice(['sin', 'exp', 'log', 'sqrt', 'tanh', 'abs', 'sec'])}({random_formula(rng, depth + 1)})"
    return "-" + random_formula(rng, depth + 1)


def main() -> None:
    parse("x", ("x",))  # warm SymPy's import and caches: the server pays this once, not per request
    print(f"{'hostile input':<48} {'best ms':>8}  outcome")
    slowest = 0.0
    for template in HOSTILE:
        text = template.replace("{marker}", "/tmp/marker")
        ms, outcome = best_ms(text, ("x",))
        slowest = max(slowest, ms)
        print(f"{text[:46]!r:<48} {ms:8.2f}  {outcome}")
    print(f"slowest hostile input: {slowest:.2f} ms  "
          f"(target < {HOSTILE_TARGET_MS} ms: {'PASS' if slowest < HOSTILE_TARGET_MS else 'FAIL'})")
    accepted = [best_ms(text, variables)[0] for text, variables, _ in ACCEPTED]
    print(f"accepted table: median {sorted(accepted)[len(accepted) // 2]:.2f} ms, max {max(accepted):.2f} ms")
    rng = random.Random(20261126)
    fuzz, cpu = [], []
    for _ in range(FUZZ_CASES):
        text = random_formula(rng)
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            parse(text, ("x", "y"))
        except ExpressionError:
            pass
        fuzz.append(((time.perf_counter() - start) * 1000, text))
        cpu.append((time.thread_time() - start_cpu) * 1000)
    fuzz.sort()
    worst_ms, worst_text = fuzz[-1]
    print(f"fuzz ({FUZZ_CASES} random grammatical formulas): median {fuzz[len(fuzz) // 2][0]:.2f} ms, "
          f"p99 {fuzz[int(len(fuzz) * 0.99)][0]:.2f} ms, max {worst_ms:.2f} ms on {worst_text[:60]!r} "
          f"(target < {FUZZ_TARGET_MS} ms: {'PASS' if worst_ms < FUZZ_TARGET_MS else 'FAIL'}); "
          f"max thread CPU {max(cpu):.2f} ms")


if __name__ == "__main__":
    main()
