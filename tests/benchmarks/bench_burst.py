"""Benchmark: a class's first minute on a fresh server (issue 11). Run on demand; prints figures.

    .venv/bin/python tests/benchmarks/bench_burst.py
    .venv/bin/python tests/benchmarks/bench_burst.py --loads 30 --servers 2

Each of ``--servers`` fresh ``streamlit run`` servers (one after the other, nobody has opened a page on it yet) gets
``--loads`` simultaneous first loads in real Chromium, each in a browser context of its own: every page and every
scenario link in turn until the count is reached. Printed per server and in total: the loads, the ``stException``
elements shown, app.py's plain fallback messages, the tracebacks in the server's log, the loads that could not be
checked, and the time from the burst's start to each load's first figure (p50, p95, max). The target for the first
four is 0; the time shows how long the last student of a class waits for a picture. First, the same burst is sent
to another fresh server over Streamlit's websocket protocol (tests/load/client.py), without a browser: thirty
Chromium tabs on two cores mostly measure Chromium, while a class's students each have a machine of their own.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, ColdLoad, burst_targets, fresh_server, run_cold_burst  # noqa: E402
from tests.load.client import StreamlitSession, server_problems  # noqa: E402


async def _first_run(base_url: str, target: str):
    """One student's first load over Streamlit's own protocol: connect, open the page, until script_finished."""
    path, _, query = target.partition("?")
    session = await StreamlitSession.connect(base_url)
    try:
        return await session.open(path, query)
    finally:
        await session.close()


def server_side_burst(targets: list[str]) -> str:
    """The same burst with no browser: what the server alone takes (30 Chromium tabs on two cores measure Chromium).
    Each load's time runs from its request to its first run's end, all sent at once to a fresh server."""
    async def burst(base_url: str):
        return await asyncio.gather(*(_first_run(base_url, t) for t in targets))

    with fresh_server() as server:
        runs = asyncio.run(burst(server.base_url))
        log = server_problems(server.log)
    latencies = np.array([run.latency for run in runs])
    errors = sum(len(run.errors) for run in runs)
    return (f"{len(runs)} first runs over the websocket protocol: {errors} errors, {len(log)} server-log tracebacks; "
            f"first run ends p50 {np.percentile(latencies, 50):.1f} s, p95 {np.percentile(latencies, 95):.1f} s, "
            f"max {latencies.max():.1f} s after the burst")


def summary(loads: list[ColdLoad], tracebacks: int) -> str:
    figures = np.array([load.first_figure for load in loads if load.first_figure is not None])
    times = (f"first figure p50 {np.percentile(figures, 50):.1f} s, p95 {np.percentile(figures, 95):.1f} s, "
             f"max {figures.max():.1f} s ({figures.size} figures)") if figures.size else "no figure drawn"
    return (f"{len(loads)} loads: {sum(load.exceptions for load in loads)} exceptions, "
            f"{sum(load.fallbacks for load in loads)} fallback messages, {tracebacks} server-log tracebacks, "
            f"{sum(bool(load.error) for load in loads)} unchecked; {times}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=30, help="simultaneous first loads per server")
    parser.add_argument("--servers", type=int, default=2, help="fresh servers, one after the other")
    parser.add_argument("--server-only", action="store_true", help="only the websocket burst, no browser")
    args = parser.parse_args()
    targets = list(itertools.islice(itertools.cycle(burst_targets()), args.loads))
    print(f"server alone: {server_side_burst([target for target, _ in targets])}", flush=True)
    if args.server_only:
        return 0
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
        return 1
    every: list[ColdLoad] = []
    tracebacks = 0
    for round_ in range(1, args.servers + 1):
        started = time.perf_counter()
        with fresh_server() as server:
            loads = run_cold_burst(server.base_url, targets, chromium=CHROMIUM)
            log = server_problems(server.log)
        every += loads
        tracebacks += len(log)
        print(f"server {round_}: {summary(loads, len(log))}; {time.perf_counter() - started:.0f} s in all", flush=True)
        for load in loads:
            if load.exceptions or load.fallbacks or load.error:
                print(f"  /{load.target}: {load.error or '; '.join(load.shown) or 'plain fallback message'}")
        for problem in log[:3]:
            print("  server log:", problem.replace("\n", "\n    "))
    print(f"total: {summary(every, tracebacks)}")
    return 0 if not (tracebacks or any(load.exceptions or load.fallbacks or load.error for load in every)) else 1


if __name__ == "__main__":
    sys.exit(main())
