"""Browser layer: a real `streamlit run` server on 127.0.0.1 and Debian's headless Chromium driven by Playwright.

Outside CI a missing Chromium skips these tests with a message; with CI=true it is a failure.
Screenshots go to test-artifacts/screenshots/ (printed at the end of the session).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.load.client import Server, streamlit_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SERVER_START_SECONDS = 60  # cold start of streamlit + numpy/sympy imports on a busy 2-core machine
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.path):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health(base_url: str, timeout: float = 2.0) -> str:
    with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=timeout) as response:
        return response.read().decode()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        message = "Chromium not found: install Debian's package (apt-get install -y chromium) to run the browser tests"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def server(chromium_path: str) -> Iterator[str]:
    port = _free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.address=127.0.0.1", f"--server.port={port}",
        "--server.headless=true", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            if health(base_url) == "ok":
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"streamlit did not start: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.25)
    yield base_url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    process.stderr.close()


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    # Tall: Streamlit scrolls inside its own container, so a "full page" screenshot shows only the viewport.
    context = browser.new_context(viewport={"width": 1400, "height": 2200})
    opened = context.new_page()
    yield opened
    context.close()


def wait_for_run(page, timeout_ms: int = 30_000) -> None:
    """Wait until the script run triggered by the last action has finished."""
    page.wait_for_timeout(150)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)


PLOT = "[data-testid=stPlotlyChart] .js-plotly-plot"


def no_exception(page) -> None:
    """Check that the page shows no exception (Streamlit's traceback box)."""
    assert page.locator('[data-testid="stException"]').count() == 0


def open_chart_page(page, url: str) -> None:
    """Open a page of the app, wait until its first chart is drawn and its script run has ended, and check that no
    exception is shown."""
    page.goto(url)
    page.wait_for_selector(PLOT, timeout=60_000)
    wait_for_run(page)
    no_exception(page)


def open_with_alert(page, url: str) -> str:
    """Open a page expected to explain a bad input: returns the first alert's text, after checking no exception."""
    page.goto(url)
    page.wait_for_selector('[data-testid="stAlert"]', timeout=60_000)
    wait_for_run(page)
    no_exception(page)
    return page.locator('[data-testid="stAlert"]').first.inner_text()


def trace_values(page, name: str, js: str, *, chart: int = 0):
    """Evaluate ``js`` (an expression of ``t``, the trace called ``name`` in the rendered figure) in the browser."""
    return page.evaluate(
        f"() => {{ const t = document.querySelectorAll('{PLOT}')[{chart}]._fullData.find(d => d.name === {name!r});"
        f" return {js}; }}"
    )


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pytest_terminal_summary(terminalreporter) -> None:
    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")


# ------------------------------------------------------------------------------------------ cold burst (issue 11)
# A fresh server's first runs race on whatever is imported or built on first use; these helpers open many pages at
# the same moment on a server nobody has warmed up. Used by test_cold_burst.py and tests/benchmarks/bench_burst.py.
FALLBACK_TEXT = "Something went wrong on this page"  # app.py's plain message for an unexpected error
EXCEPTION = '[data-testid="stException"]'
FALLBACK = f'[data-testid="stAlert"]:has-text("{FALLBACK_TEXT}")'
RUN_END = '[data-testid="stSidebar"] :text("see calculus for machine learning")'  # app.py's last element
NOT_RUNNING = '[data-testid="stApp"][data-test-script-state="notRunning"]'
COLD_LOAD_MS = 180_000  # a cold server on two shared cores, with every tab's Chromium on the same cores


@dataclass(frozen=True)
class ColdLoad:
    """One tab of a burst: its ``target`` (URL path and query), the ``stException`` elements and app.py's plain
    fallback messages it showed, seconds from the burst's start to its first drawn figure (None without one), and
    ``error`` (a wait that timed out, say) when the load could not be checked; ``shown`` holds the first line of
    each exception's text and ``seconds`` the time from the burst's start to the end of the tab's run."""

    target: str
    exceptions: int
    fallbacks: int
    first_figure: float | None
    error: str = ""
    shown: tuple[str, ...] = ()
    seconds: float = 0.0


def burst_targets() -> list[tuple[str, bool]]:
    """Every page (Home as "") and every scenario link, each with whether it draws a figure."""
    from core.catalog import PAGES, SCENARIOS, scenario_query

    home = next(p.url_path for p in PAGES if p.section == "")
    pages = [("" if p.url_path == home else p.url_path, p.url_path != home) for p in PAGES]
    links = [(f"{s.url_path}?{scenario_query(s)}", s.url_path != home) for s in SCENARIOS]
    return pages + links


async def _cold_load(browser, base_url: str, target: str, *, chart: bool, start: float) -> ColdLoad:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()

    async def figure_drawn() -> float:
        await page.wait_for_selector(PLOT, state="attached", timeout=COLD_LOAD_MS)
        return time.perf_counter() - start

    drawing = None
    try:
        await page.goto(f"{base_url}/{target}", timeout=COLD_LOAD_MS)
        drawing = asyncio.ensure_future(figure_drawn()) if chart else None
        await page.wait_for_selector(f"{RUN_END}, {EXCEPTION}", state="attached", timeout=COLD_LOAD_MS)
        await page.wait_for_timeout(150)
        await page.wait_for_selector(NOT_RUNNING, state="attached", timeout=COLD_LOAD_MS)
        seconds = time.perf_counter() - start
        shown = tuple(text.strip().splitlines()[0] for text in await page.locator(EXCEPTION).all_inner_texts()
                      if text.strip())
        fallbacks = await page.locator(FALLBACK).count()
        failed = bool(shown or fallbacks)
        first_figure = await drawing if drawing is not None and not failed else None
        return ColdLoad(target, await page.locator(EXCEPTION).count(), fallbacks, first_figure, shown=shown,
                        seconds=seconds)
    except Exception as error:  # a load that cannot be checked is reported, not lost
        return ColdLoad(target, 0, 0, None, f"{type(error).__name__}: {str(error).splitlines()[0]}")
    finally:
        if drawing is not None and not drawing.done():
            drawing.cancel()
        await context.close()


async def cold_burst(base_url: str, targets: Sequence[tuple[str, bool]], *, chromium: str) -> list[ColdLoad]:
    """Open every ``(target, draws a figure)`` at the same moment, each in a browser context of its own."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            start = time.perf_counter()
            return list(await asyncio.gather(
                *(_cold_load(browser, base_url, target, chart=chart, start=start) for target, chart in targets)))
        finally:
            await browser.close()


def run_cold_burst(base_url: str, targets: Sequence[tuple[str, bool]], *, chromium: str) -> list[ColdLoad]:
    """:func:`cold_burst` in an event loop of its own thread (the sync Playwright fixtures may already run a loop in
    pytest's thread, where asyncio.run refuses to start another)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, cold_burst(base_url, targets, chromium=chromium)).result()


@contextlib.contextmanager
def fresh_server() -> Iterator[Server]:
    """A server of its own, cold (no page opened yet), its stderr in a log file (``Server.log``); stopped on exit."""
    with streamlit_server() as started:
        yield started
