"""Benchmark: the classroom load test, full form (issue 7). Run on demand; prints figures.

    python3 dev.py bench tests/benchmarks/bench_load.py
    .venv/bin/python tests/benchmarks/bench_load.py --sessions 10 20 40 --duration 60

For each class size N a fresh ``streamlit run`` server on 127.0.0.1 gets N concurrent sessions over Streamlit's
own websocket protocol (tests/load/client.py): N - 1 students who change controls, type formulas (one in five a
typo) and train SGD, each thinking 2-8 s between actions, and one hostile session typing the whole hostile corpus of
tests/test_expressions.py into the formula boxes, all for ``--duration`` seconds after a one-tab warm-up.

Targets (issue 7, on this 2-core machine): 0 errors; p95 rerun latency ≤ 1.5 s, for the class and for every student
("none of them sees latency above the target"); peak server RSS ≤ 690 MB; /_stcore/health never takes longer than
1 s to answer. The ladder is 10, 20, 40; while every size holds it goes on by 20 (up to --max); when one fails, it
bisects between the largest size that held and the smallest that failed, down to 5 sessions. Ends with the largest N
that meets every target.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.load.client import LoadReport, run_classroom, streamlit_server  # noqa: E402
from tests.test_expressions import HOSTILE  # noqa: E402

P95_TARGET = 1.5  # s
RSS_TARGET = 690 * 2**20  # bytes
HEALTH_TARGET = 1.0  # s
LADDER = (10, 20, 40)
STEP = 20  # sessions added while every size holds
RESOLUTION = 5  # sessions: bisection stops when the gap between held and failed is this small
PAGE_NAMES = {"": "home"}


def misses(report: LoadReport) -> list[str]:
    """The targets ``report`` misses, each with its figure; empty when it meets them all."""
    worst = report.worst_student_percentile(95)
    checks = {
        f"{len(report.errors)} errors": not report.errors,
        f"p95 {report.percentile(95):.2f} s": report.percentile(95) <= P95_TARGET,
        f"a student's p95 {worst:.2f} s": worst <= P95_TARGET,
        f"RSS {report.peak_rss / 2**20:.0f} MB": report.peak_rss <= RSS_TARGET,
        f"health {report.slowest_health:.2f} s": report.slowest_health <= HEALTH_TARGET,
        f"{report.health_failures} health failures": report.health_failures == 0,
    }
    return [name for name, held in checks.items() if not held]


HEADER = (f"{'N':>4} {'reruns':>6} {'/s':>4} {'errors':>6} {'p50 s':>6} {'p95 s':>6} {'max s':>6} {'worst p95':>9} "
          f"{'hostile max':>11} {'RSS MB':>6} {'health s':>8} {'server cores':>12} {'client cpu':>10}  verdict")


def row(report: LoadReport) -> str:
    latencies = report.latencies()
    failed = misses(report)
    hostile = max((r.latency for r in report.hostile), default=float("nan"))
    return (f"{report.sessions:>4} {latencies.size:>6} {latencies.size / report.class_seconds:>4.1f} "
            f"{len(report.errors):>6} {report.percentile(50):>6.3f} {report.percentile(95):>6.3f} "
            f"{latencies.max(initial=0):>6.3f} {report.worst_student_percentile(95):>9.3f} {hostile:>11.3f} "
            f"{report.peak_rss / 2**20:>6.0f} {report.slowest_health:>8.3f} "
            f"{report.server_cpu / report.class_seconds:>12.2f} {report.client_cpu:>9.1f}s  "
            f"{'HOLDS' if not failed else 'misses: ' + ', '.join(failed)}")


def page_rows(report: LoadReport) -> list[str]:
    """Per page: reruns, p50 and p95, and its share of the students' total waiting time."""
    total = report.latencies().sum()
    lines = []
    for page in report.pages:
        times = report.latencies(page)
        if times.size:
            lines.append(f"       /{PAGE_NAMES.get(page, page):<11} {times.size:>5} reruns  p50 "
                         f"{np.percentile(times, 50):.3f} s  p95 {np.percentile(times, 95):.3f} s  "
                         f"{100 * times.sum() / total:>4.0f}% of waiting")
    return lines


def trial(sessions: int, *, duration: float, pace: float, seed: int, options: list[str]) -> LoadReport:
    corpus = [text.format(marker="/nonexistent/gradient-lab-pwned") if "{marker}" in text else text
              for text in HOSTILE]
    with streamlit_server(options=options) as server:
        report = run_classroom(server, sessions=sessions, duration=duration, rng=np.random.default_rng(seed),
                               hostile=corpus, pace=pace)
    print(row(report), flush=True)
    for line in page_rows(report):
        print(line)
    for error in report.errors[:5]:
        print(f"       error: {error[:200]}")
    return report


def next_size(held: list[int], failed: list[int], *, maximum: int) -> int | None:
    """The next class size to try after the ladder, or None when the largest size that holds is found."""
    best = max(held, default=0)
    above = [n for n in failed if n > best]
    if not above:
        return best + STEP if best + STEP <= maximum else None
    low, high = best, min(above)
    if high - low <= RESOLUTION:
        return None
    return low + max(RESOLUTION, (high - low) // 2 // RESOLUTION * RESOLUTION)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=list(LADDER), help="class sizes to try first")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of class per size")
    parser.add_argument("--pace", type=float, default=1.0, help="think-time factor (0.5: a class twice as busy)")
    parser.add_argument("--max", type=int, default=120, help="largest class size to try")
    parser.add_argument("--seed", type=int, default=20250107)
    parser.add_argument("--no-search", action="store_true", help="only the sizes given, no search beyond them")
    parser.add_argument("--server-option", action="append", default=[], metavar="NAME=VALUE",
                        help="a further streamlit config option for the server, to try a setting "
                             "(e.g. runner.postScriptGC=false); repeatable")
    args = parser.parse_args()

    print(f"classroom load: {args.duration:g} s per size after a warm-up, think times x{args.pace:g}, "
          f"one hostile session ({len(HOSTILE)} strings) in every class; targets p95 ≤ {P95_TARGET} s, "
          f"RSS ≤ {RSS_TARGET / 2**20:.0f} MB, health ≤ {HEALTH_TARGET} s, 0 errors"
          + (f"; server options: {' '.join(args.server_option)}" if args.server_option else ""))
    print(HEADER)
    held, failed = [], []
    start = time.perf_counter()
    sizes = list(args.sessions)
    for _ in range(len(sizes) + 20):  # the ladder, then at most 20 searched sizes
        if not sizes:
            size = None if args.no_search else next_size(held, failed, maximum=args.max)
            if size is None or size in held + failed:
                break
            sizes.append(size)
        size = sizes.pop(0)
        report = trial(size, duration=args.duration, pace=args.pace, seed=args.seed + size,
                       options=args.server_option)
        (failed if misses(report) else held).append(size)
    verdict = max((n for n in held if not [f for f in failed if f < n]), default=None)
    print(f"largest class meeting every target: {verdict if verdict else 'none'} "
          f"(held: {sorted(held)}, missed: {sorted(failed)}; {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
