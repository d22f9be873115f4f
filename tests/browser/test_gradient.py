"""Browser: the Gradient page renders, and a click on the contour moves the point."""

from __future__ import annotations

from tests.browser.conftest import PLOT, open_chart_page, screenshot, trace_values, wait_for_run


def point_on_chart(page) -> list[float]:
    return trace_values(page, "point", "[t.x[0], t.y[0]]")


def test_gradient_page_renders_and_a_click_moves_the_point(page, server):
    open_chart_page(page, f"{server}/gradient")
    assert point_on_chart(page) == [-3, -2]
    screenshot(page, "gradient")
    drag = page.locator(f"{PLOT} .nsewdrag").first
    box = drag.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)  # upper right: x1 > 0, x2 > 0
    page.wait_for_timeout(500)
    wait_for_run(page)
    x1, x2 = point_on_chart(page)
    assert x1 > 0 and x2 > 0
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "gradient-clicked")


def test_gradient_field_and_surface(page, server):
    open_chart_page(page, f"{server}/gradient?f=sin(x1)%20cos(x2)&x1=0.5&x2=0.8")
    page.get_by_text("Show the gradient field").click()
    wait_for_run(page)
    page.get_by_text("Show the 3D surface with the tangent plane").click()
    wait_for_run(page)
    page.wait_for_function(f"() => document.querySelectorAll('{PLOT}').length === 2", timeout=30_000)
    kinds = page.evaluate(f"() => document.querySelectorAll('{PLOT}')[1]._fullData.map(d => d.type)")
    assert kinds == ["surface", "surface", "scatter3d"]
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "gradient-field-surface")
