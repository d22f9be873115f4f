"""Browser: the Derivative page renders in Chromium and its Play button animates the secant in the browser."""

from __future__ import annotations

import pytest

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


ERROR_TAB = "derivative_tab=Error+against+step+h"
TRUNCATION_FREE = 1e-8  # below this h the complex step's truncation e^5·h²/6 is under rounding
ROUNDING = 8 * 2.220446049250313e-16  # relative: a few ulps of f'(x0), as in tests/test_derivative_complex.py


def test_error_tab_draws_the_complex_step_flat_where_differences_blow_up(page, server):
    open_chart_page(page, f"{server}/derivative?f=e%5Ex&x0=5&{ERROR_TAB}")
    xs = trace_values(page, "complex step", "Array.from(t.x)")
    ys = trace_values(page, "complex step", "Array.from(t.y)")
    central = trace_values(page, "central", "Array.from(t.y)")
    flat = [y for x, y in zip(xs, ys) if x <= TRUNCATION_FREE]
    assert flat and max(flat) <= ROUNDING * 148.4131591025766  # e^5
    assert central[0] > 1e6 * max(flat)  # h = 1e-12: central differences have lost half their digits
    assert page.get_by_text("subtracts nothing").count() == 1
    screenshot(page, "derivative-error-complex-step")


def test_complex_step_does_not_apply_to_abs_in_browser(page, server):
    open_chart_page(page, f"{server}/derivative?f=abs(x)&x0=2&{ERROR_TAB}")
    names = page.evaluate(f"() => document.querySelector('{PLOT}')._fullData.map(d => d.name)")
    assert "complex step (does not apply)" in names
    assert page.get_by_text("is not complex-analytic").count() >= 1
    screenshot(page, "derivative-error-abs")


@pytest.mark.parametrize(("width", "height", "query"), [(1440, 900, ""), (1920, 1080, "&classroom=true")],
                         ids=["laptop", "classroom"])
def test_error_tab_at_the_fold(browser, server, width, height, query):
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        open_chart_page(page, f"{server}/derivative?{ERROR_TAB}{query}")
        box = page.locator(PLOT).first.bounding_box()
        assert box is not None and box["y"] < height  # the error plot starts on the first screen
        screenshot(page, f"derivative-error-{width}x{height}")
    finally:
        context.close()
