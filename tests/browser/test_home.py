"""Browser: Home renders in Chromium, and hostile formulas never stall the server for others."""

from __future__ import annotations

import threading
import time

from tests.browser.conftest import health, screenshot, wait_for_run
from tests.test_expressions import HOSTILE

HEALTH_LIMIT_SECONDS = 1.0  # the bound: /_stcore/health must answer within 1 s while hostile input runs
HEALTH_POLL_SECONDS = 0.1


def open_home(page, server: str) -> None:
    page.goto(server)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=60_000)
    wait_for_run(page)


def type_formula(page, text: str) -> None:
    box = page.get_by_label("f =")
    box.fill(text)
    box.press("Enter")
    wait_for_run(page)


def test_home_renders(page, server):
    open_home(page, server)
    assert page.get_by_role("heading", name="Gradient Lab").first.is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.wait_for_selector(".katex", timeout=10_000)  # the default formula, typeset
    screenshot(page, "home")


def test_preview_error_is_shown_next_to_the_box(page, server):
    open_home(page, server)
    type_formula(page, "sinx + 2")
    alert = page.locator('[data-testid="stAlert"]')
    assert "write sin(x)" in alert.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "home-error")


class HealthWatch(threading.Thread):
    """Polls /_stcore/health from another thread and records the slowest answer."""

    def __init__(self, base_url: str) -> None:
        super().__init__(daemon=True)
        self.base_url, self.stop, self.slowest, self.failures = base_url, threading.Event(), 0.0, []

    def run(self) -> None:
        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                health(self.base_url, timeout=5.0)
            except OSError as error:
                self.failures.append(repr(error))
            self.slowest = max(self.slowest, time.perf_counter() - start)
            time.sleep(HEALTH_POLL_SECONDS)


def test_server_stays_healthy_under_hostile_input(page, server, tmp_path):
    open_home(page, server)
    watch = HealthWatch(server)
    watch.start()
    try:
        for template in HOSTILE:
            text = template.replace("{marker}", str(tmp_path / "pwned"))[:500]
            type_formula(page, text)
            assert page.locator('[data-testid="stException"]').count() == 0, text
    finally:
        watch.stop.set()
        watch.join()
    print(f"slowest /_stcore/health answer under hostile input: {watch.slowest * 1000:.0f} ms")
    assert not watch.failures
    assert watch.slowest < HEALTH_LIMIT_SECONDS
    assert not (tmp_path / "pwned").exists()
