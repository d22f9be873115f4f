"""Browser: the Jacobian page renders in Chromium, its warp animation plays in the browser, a link keeps x2 = 0, and
the table view's J(p) and entries are on the first screen."""

from __future__ import annotations

import numpy as np
import pytest

from core.plots.jacobian import WARP_GRID
from tests.browser.conftest import open_with_alert, screenshot, wait_for_run

CHARTS = "[data-testid=stPlotlyChart] .js-plotly-plot"
FLOAT32 = 1e-6  # frames carry float32 coordinates; the first drawing is float64
WARP_TRACE = WARP_GRID


def warped_grid(page) -> list[float]:
    """The x coordinates of the warp figure's grid as plotly.js currently draws them."""
    return page.evaluate(
        f"""() => {{
            const plots = Array.from(document.querySelectorAll('{CHARTS}'));
            for (const plot of plots) {{
                const trace = plot._fullData.find(d => d.name === {WARP_TRACE!r});
                if (trace) return Array.from(trace.x);
            }}
            return null;
        }}"""
    )


def close(a: list, b: list) -> bool:
    """Same drawing: gaps (nan, or null) in the same places and coordinates equal to float32 precision."""
    gaps_a, gaps_b = (np.isnan(np.array(v, dtype=float)) for v in (a, b))
    values_a, values_b = np.array(a, dtype=float), np.array(b, dtype=float)
    return bool(np.array_equal(gaps_a, gaps_b)
                and np.allclose(values_a[~gaps_a], values_b[~gaps_b], rtol=FLOAT32, atol=FLOAT32))


def test_jacobian_page_renders_and_warp_plays(page, server):
    page.goto(f"{server}/jacobian")
    page.wait_for_selector(CHARTS, timeout=60_000)
    wait_for_run(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 1  # the figures are lazy tabs: only the open one
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == "2.000"  # det J = r at (r, θ) = (2, 0.5)
    assert "Jacobian" in page.locator('[data-testid="stSidebarNav"]').inner_text()
    page.set_viewport_size({"width": 1400, "height": 3400})  # the whole page, tables included
    wait_for_run(page)
    screenshot(page, "jacobian")
    page.get_by_role("tab", name="Warp from the identity").click()
    wait_for_run(page)
    page.wait_for_function(f"() => document.querySelector('{CHARTS}')._fullData.some(d => d.name === {WARP_TRACE!r})",
                           timeout=30_000)
    assert "jacobian_tab=Warp" in page.url  # the open tab is in the link
    at_one = warped_grid(page)
    assert at_one is not None
    page.get_by_text("Play t: 0 → 1").click()
    page.wait_for_timeout(400)
    playing = warped_grid(page)
    assert not close(playing, at_one)  # the frames replaced the grid in the browser, with no rerun
    page.wait_for_timeout(3000)
    assert close(warped_grid(page), at_one)  # and the animation ends at t = 1, on F's image


def test_link_with_x2_zero_survives_a_reload(page, server):
    page.goto(f"{server}/jacobian?x2=0&preset=polar")
    page.wait_for_selector(CHARTS, timeout=60_000)
    wait_for_run(page)
    assert "x2=0" in page.url
    page.reload()
    page.wait_for_selector(CHARTS, timeout=60_000)
    wait_for_run(page)
    assert page.locator('[data-testid="stNumberInput"] input').nth(1).input_value() == "0"


def test_jacobian_bad_formula_in_browser(page, server):
    assert "Unknown name 'y'" in open_with_alert(page, f"{server}/jacobian?u=x1%2By&v=x2")
    screenshot(page, "jacobian-error")


@pytest.mark.parametrize(("size", "query"), [((1440, 900), ""), ((1920, 1080), "&classroom=true")],
                         ids=["laptop", "projector"])
def test_table_view_shows_j_and_its_entries_on_the_first_screen(browser, server, size, query):
    """No figure in the table view: J(p) and the table of its entries sit beside the formulas, all on one screen."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    try:
        page.goto(f"{server}/jacobian?mode=table{query}")
        page.wait_for_selector('[data-testid="stDataFrame"]', timeout=60_000)
        wait_for_run(page)
        screenshot(page, f"jacobian-table-{'projector' if query else 'laptop'}")
        assert page.locator('[data-testid="stException"]').count() == 0
        shown = [page.get_by_label(label, exact=True).first for label in ("f1(x1, x2, x3) =", "point p: x3")]
        shown += [page.locator(".katex-display").first, page.locator('[data-testid="stDataFrame"]').first]
        for element in shown:
            box = element.bounding_box()
            assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= size[1], (element, box)
    finally:
        context.close()
