"""Browser: the Derivative page renders in Chromium and its Play button animates the secant in the browser."""

from __future__ import annotations

from tests.browser.conftest import screenshot, wait_for_run

PLOT = "[data-testid=stPlotlyChart] .js-plotly-plot"


def secant_x(page) -> list[float]:
    return page.evaluate(
        f"() => {{ const p = document.querySelector('{PLOT}');"
        " const t = p._fullData.find(d => d.name === 'stencil points'); return Array.from(t.x); }"
    )


def test_derivative_page_renders_and_plays(page, server):
    page.goto(f"{server}/derivative")
    page.wait_for_selector(PLOT, timeout=60_000)
    wait_for_run(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == "-7.000"
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Home" in nav and "Derivative" in nav and "common" not in nav  # app.py's router, also on a deep link
    screenshot(page, "derivative")
    before = secant_x(page)
    page.locator(PLOT).first.get_by_text("Play h → 0").click()
    page.wait_for_timeout(1500)
    after = secant_x(page)
    assert after != before  # frames replaced the secant's stencil points in the browser, with no rerun
    width_before, width_after = before[-1] - before[0], after[-1] - after[0]
    assert width_after < width_before or width_before < 1e-5
    screenshot(page, "derivative-playing")


def test_derivative_bad_formula_in_browser(page, server):
    page.goto(f"{server}/derivative?f=log(x&x0=2")
    page.wait_for_selector('[data-testid="stAlert"]', timeout=60_000)
    wait_for_run(page)
    assert "never closed" in page.locator('[data-testid="stAlert"]').first.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "derivative-error")
