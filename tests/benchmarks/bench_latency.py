"""Benchmark: box → updated figure, against Streamlit's own floor (run on demand, prints figures).

    python3 dev.py bench tests/benchmarks/bench_latency.py [--values 12] [--rounds 2]

For each page with a point or formula box, in headless Chromium against a real ``streamlit run`` server: fill the
box, press Enter, and time until the script run has finished and the page's first figure has been drawn again
(plotly.js replaces ``_fullData`` on every draw). The same loop runs, interleaved round by round in the same run,
against a minimal Streamlit page (one ``st.number_input`` labelled x0 and a 3-point Plotly line): Streamlit's own
floor on this machine. Target (issue 11): every page's p95 ≤ 1.5 × the floor's p95.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.load.client import streamlit_server  # noqa: E402

TARGET_RATIO = 1.5
VIEWPORT = {"width": 1440, "height": 900}
PLOT = "[data-testid=stPlotlyChart] .js-plotly-plot"
FLOOR_APP = '''
import plotly.graph_objects as go
import streamlit as st

x = st.number_input("x0", value=1.0)
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2], y=[0, x, 2])), width="stretch")
'''


@dataclass(frozen=True)
class Case:
    """A page, the box typed into (its aria label) and the values typed, in turn."""

    name: str
    path: str
    label: str
    values: tuple[str, ...]


def number_values(start: float, step: float, count: int) -> tuple[str, ...]:
    return tuple(f"{start + step * i:g}" for i in range(count))


def cases(count: int) -> list[Case]:
    formulas = ("x^2", "sin(x)", "x^3 - 2x", "exp(x/5)", "(x+2)(x-6)", "cos(2x)", "x^4/100", "log(1+x^2)")
    formulas2 = ("x1^2 + x2^2", "x1*x2", "sin(x1) + x2^2", "x1^2 - x2^2", "(x1-1)^2 + 3x2^2", "x1^3 - 3x1*x2^2",
                 "exp(-x1^2-x2^2)", "x1^2 + x1*x2 + x2^2")
    return [
        Case("floor", "", "x0", number_values(1.1, 0.1, count)),
        Case("derivative x0", "derivative", "x0", number_values(1.1, 0.1, count)),
        Case("derivative f", "derivative", "f(x) =", tuple(formulas[i % len(formulas)] + f" + {i}"
                                                        for i in range(count))),
        Case("gradient x1", "gradient", "x1", number_values(-2.9, 0.1, count)),
        Case("gradient f", "gradient", "f(x1, x2) =", tuple(formulas2[i % len(formulas2)] + f" + {i}"
                                                            for i in range(count))),
        Case("jacobian x1", "jacobian", "point p: x1", number_values(2.1, 0.1, count)),
        Case("network seed (a new run)", "network", "seed", number_values(1, 1, count)),
    ]


def wait_for_run(page) -> None:
    page.wait_for_timeout(150)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)


def time_one(page, label: str, value: str) -> float:
    """Seconds from Enter in the box to a finished run with the first figure drawn again."""
    page.evaluate(f"() => {{ window.__before = document.querySelector('{PLOT}')._fullData; }}")
    box = page.get_by_label(label, exact=True).first
    box.fill(value)
    start = time.perf_counter()
    box.press("Enter")
    try:
        _wait_for_new_figure(page)
    except Exception as error:
        raise RuntimeError(f"no new figure after typing {value!r} into {label!r} at {page.url}") from error
    elapsed = time.perf_counter() - start
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"exception on the page after typing {value!r} into {label!r}")
    return elapsed


def _wait_for_new_figure(page) -> None:
    page.wait_for_function(
        f"""() => {{
            const plot = document.querySelector('{PLOT}');
            const app = document.querySelector('[data-testid="stApp"]');
            return plot && plot._fullData !== window.__before
                   && app.getAttribute('data-test-script-state') === 'notRunning';
        }}""",
        polling="raf", timeout=30_000)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=12, help="values typed per page per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over all pages (interleaved)")
    parser.add_argument("--pages", default="", help="comma-separated pages to measure (default: all)")
    options = parser.parse_args()
    chosen = [c for c in cases(options.values) if c.name == "floor" or not options.pages
              or c.path in options.pages.split(",")]
    timings: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="gradient-lab-floor-") as folder:
        (Path(folder) / "app.py").write_text(FLOOR_APP)
        with streamlit_server() as app, streamlit_server(root=Path(folder)) as floor, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = {}
            for case in chosen:
                base = floor.base_url if case.name == "floor" else app.base_url
                context = browser.new_context(viewport=VIEWPORT)
                page = context.new_page()
                page.goto(f"{base}/{case.path}")
                page.wait_for_selector(PLOT, timeout=60_000)
                wait_for_run(page)
                pages[case.name] = page
                time_one(page, case.label, case.values[-1])  # warm: the first run of a page fills its caches
            for _ in range(options.rounds):
                for case in chosen:
                    for value in case.values:
                        timings.setdefault(case.name, []).append(time_one(pages[case.name], case.label, value))
            browser.close()
    floor_p95 = p95(timings["floor"])
    print(f"{'page and box':<16} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'× floor p95':>12}  verdict")
    for name, values in timings.items():
        ratio = p95(values) / floor_p95
        verdict = "" if name == "floor" else ("PASS" if ratio <= TARGET_RATIO else "FAIL") + f" (≤ {TARGET_RATIO}×)"
        print(f"{name:<16} {len(values):>3} {statistics.median(values) * 1000:>8.0f} {p95(values) * 1000:>8.0f} "
              f"{ratio:>12.2f}  {verdict}")


if __name__ == "__main__":
    main()
