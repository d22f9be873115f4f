"""Browser: the Hessian page renders, a click on the contour moves the point (and the link says so), the slices'
animation plays in the browser, and the Home scenario names the saddle and draws its gaps."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlparse

from core.catalog import SCENARIOS
from tests.browser.conftest import PLOT, no_exception, open_chart_page, screenshot, trace_values, wait_for_run

FIGURE = f"document.querySelector('{PLOT}')"
DIRECTION = (  # the slice figure's turning line as drawn, and whether f's levels (a picture under it) are in the page
    f"() => {{ const d = {FIGURE}._fullData; const u = d.find(t => t.name === 'direction u');"
    " return {x: Array.from(u.x), y: Array.from(u.y),"
    f" contour: {FIGURE}.querySelectorAll('image').length > 0}}; }}"
)


def test_hessian_page_renders_and_a_click_moves_the_point(page, server):
    open_chart_page(page, f"{server}/hessian")
    assert trace_values(page, "point", "[t.x[0], t.y[0]]") == [0, 1]
    drawn = page.evaluate(f"() => {FIGURE}._fullData.map(t => t.name)")
    assert {"quadratic model q", "v₁ (λ₁ = -2.000)", "v₂ (λ₂ = 2.000)", "model's saddle"} <= set(drawn)
    assert "saddle-shaped curvature" in page.locator('[data-testid="stAlert"]').first.inner_text()
    screenshot(page, "hessian")
    box = page.locator(f"{PLOT} .nsewdrag").first.bounding_box()
    # upper right of the window x1 ∈ [−2.5, 3.5], x2 ∈ [−1, 5]: x1 ≈ 2, x2 ≈ 3.5
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
    page.wait_for_timeout(500)
    wait_for_run(page)
    page.wait_for_function(
        f"() => {{ const p = {FIGURE}._fullData.find(t => t.name === 'point'); return p && p.x[0] > 0.5; }}",
        timeout=30_000)
    x1, x2 = trace_values(page, "point", "[t.x[0], t.y[0]]")
    assert 0.5 < x1 < 3.5 and 2 < x2 < 5
    link = parse_qs(urlparse(page.url).query)  # the point is in the link
    assert float(link["x1"][0]) == x1 and float(link["x2"][0]) == x2
    no_exception(page)
    screenshot(page, "hessian-clicked")


def test_slices_play_in_the_browser(page, server):
    open_chart_page(page, f"{server}/hessian?hessian_tab=Slices+along+a+direction")
    before = page.evaluate(DIRECTION)
    assert before["y"][0] == before["y"][1]  # θ = 0: the line runs along x1
    page.locator(PLOT).first.get_by_text("▶").click()
    turned = None
    for _ in range(40):  # a frame every 150 ms, slower on a busy machine: poll until the line has turned
        page.wait_for_timeout(250)
        now = page.evaluate(DIRECTION)
        assert now["contour"]  # f's levels stay drawn while frames play (a picture: frames never redraw it)
        if now["y"] != before["y"]:
            turned = now
            break
    assert turned is not None, "the direction never turned"
    screenshot(page, "hessian-slices-playing")
    name = page.evaluate(f"() => {FIGURE}._fullData.find(t => String(t.name).startsWith('model, u')).name")
    assert name != "model, uᵀHu = -2.000"  # the parabola's curvature changed with the direction
    no_exception(page)


def test_the_saddle_scenario_and_its_gaps(page, server):
    scenario = next(s for s in SCENARIOS if s.url_path == "hessian")
    open_chart_page(page, f"{server}/hessian?{urlencode(scenario.params)}")
    assert "saddle" in page.locator('[data-testid="stAlert"]').first.inner_text()
    screenshot(page, "hessian-saddle")
    page.get_by_role("tab", name="Gap as r shrinks").click()
    wait_for_run(page)
    page.wait_for_function(f"() => {FIGURE} && {FIGURE}._fullData.some(t => t.name === 'O(r²)')", timeout=30_000)
    assert "hessian_tab=Gap" in page.url  # the open tab is in the link
    no_exception(page)
    screenshot(page, "hessian-gap")
