"""Browser: the Derivative page renders in Chromium and its Play button animates the secant in the browser."""

from __future__ import annotations

from tests.browser.conftest import PLOT, open_chart_page, open_with_alert, screenshot, trace_values, wait_for_run


def secant_x(page) -> list[float]:
    return trace_values(page, "stencil points", "Array.from(t.x)")


def test_derivative_page_renders_and_plays(page, server):
    open_chart_page(page, f"{server}/derivative")
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
    assert "never closed" in open_with_alert(page, f"{server}/derivative?f=log(x&x0=2")
    screenshot(page, "derivative-error")


def test_a_copied_link_reproduces_the_view(page, server, browser):
    open_chart_page(page, f"{server}/derivative")
    box = page.get_by_label("x0", exact=True)
    box.fill("0")
    box.press("Enter")
    wait_for_run(page)
    page.get_by_role("radiogroup", name="method").get_by_text("forward", exact=True).click()
    wait_for_run(page)
    page.wait_for_timeout(300)
    link = page.url
    assert "method=forward" in link
    other = browser.new_page(viewport={"width": 1400, "height": 1400})
    try:
        other.goto(link)
        other.wait_for_selector(PLOT, timeout=60_000)
        wait_for_run(other)
        values = other.locator('[data-testid="stMetricValue"]').all_inner_texts()
        labels = other.locator('[data-testid="stMetricLabel"]').all_inner_texts()
        assert values[0] == "-12.000"  # f(0) for the default (x+2)(x-6): x0 = 0 survived the link
        assert any("forward" in label for label in labels)
    finally:
        other.close()
