"""Browser layer: a real `streamlit run` server on 127.0.0.1 and Debian's headless Chromium driven by Playwright.

Outside CI a missing Chromium skips these tests with a message; with CI=true it is a failure.
Screenshots go to test-artifacts/screenshots/ (printed at the end of the session).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def open_chart_page(page, url: str) -> None:
    """Open a page of the app, wait until its first chart is drawn and its script run has ended, and check that no
    exception is shown."""
    page.goto(url)
    page.wait_for_selector(PLOT, timeout=60_000)
    wait_for_run(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def open_with_alert(page, url: str) -> str:
    """Open a page expected to explain a bad input: returns the first alert's text, after checking no exception."""
    page.goto(url)
    page.wait_for_selector('[data-testid="stAlert"]', timeout=60_000)
    wait_for_run(page)
    assert page.locator('[data-testid="stException"]').count() == 0
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
