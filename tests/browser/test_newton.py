"""Browser: the Newton page renders in Chromium, ▶ Play walks the tangents in the browser, a typed start is named,
and the 2-D tab draws Newton's path beside gradient descent's."""

from __future__ import annotations

from tests.browser.conftest import PLOT, open_chart_page, screenshot, wait_for_run

CURRENT = "x => x.name.endsWith('on the curve')"  # the trace of x_k on the curve (its name carries k)


def current_point(page) -> list:
    return page.evaluate(f"() => {{ const t = document.querySelector('{PLOT}')._fullData.find({CURRENT});"
                         " return [t.name, t.x[0]]; }")


def test_newton_page_renders_and_plays(page, server):
    open_chart_page(page, f"{server}/newton")
    assert "Converged quadratically" in page.locator('[data-testid="stAlert"]').first.inner_text()
    name, x = current_point(page)
    assert name == "x₅ on the curve" and abs(x - 2.0945514815423265) < 1e-12  # it opens at the last step
    screenshot(page, "newton")
    page.locator(PLOT).first.get_by_text("▶ Play").click()
    page.wait_for_timeout(1000)  # frames every 0.7 s from x₀: early in the walk
    name, x = current_point(page)
    assert name in ("x₀ on the curve", "x₁ on the curve", "x₂ on the curve")
    screenshot(page, "newton-playing")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_typed_function_and_start_are_named_a_cycle(page, server):
    open_chart_page(page, f"{server}/newton")
    box = page.get_by_label("f(x) =", exact=True)
    box.fill("x^3 - 2x + 2")
    box.press("Enter")
    wait_for_run(page)
    start = page.get_by_label("x0", exact=True)
    start.fill("0")
    start.press("Enter")
    wait_for_run(page)
    page.wait_for_timeout(300)
    assert "A cycle of period 2" in page.locator('[data-testid="stAlert"]').first.inner_text()
    assert "f=x%5E3" in page.url and "x0=0" in page.url  # the view is in the link
    screenshot(page, "newton-cycle")


def test_the_2d_tab_races_newton_and_gradient_descent(page, server):
    open_chart_page(page, f"{server}/newton")
    page.get_by_role("tab", name="2-D: Newton vs gradient descent").click()
    wait_for_run(page)
    page.wait_for_function(f"() => document.querySelector('{PLOT}')._fullData.some(t => t.name === 'Newton')",
                           timeout=30_000)
    names = page.evaluate(f"() => document.querySelector('{PLOT}')._fullData.map(t => t.name)")
    assert {"GD", "Newton"} <= set(names) and any(str(n).startswith("Newton's quadratic model") for n in names)
    assert "positive definite" in page.locator('[data-testid="stAlert"]').first.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "newton-2d")
