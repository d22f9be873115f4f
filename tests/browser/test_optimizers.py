"""Browser: the Optimizers page renders its race, ▶ plays it on the one step slider, a click on the contour moves the
start, and the tuning tab draws its chart and hands its rates to the sliders."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.browser.conftest import PLOT, no_exception, open_chart_page, screenshot, trace_values, wait_for_run

HEAD = (  # the Adam head marker of the race figure as drawn: its name ("Adam at step N") and position
    f"() => {{ const d = document.querySelector('{PLOT}')._fullData;"
    " const h = d.find(t => String(t.name).startsWith('Adam at step'));"
    " return {name: h.name, x: h.x[0], y: h.y[0]}; }"
)
FIGURE = f"document.querySelector('{PLOT}')"
SAMPLED_FRAMES = 30  # browser frames (requestAnimationFrame) sampled while the race plays: 45 frames of 120 ms
CONTOUR_IN_EACH_FRAME = (  # whether f's level sets (the figure's background picture) are drawn at each next frame
    f"async () => {{ const g = {FIGURE}, drawn = [];"
    f" for (let i = 0; i < {SAMPLED_FRAMES}; i++) {{ await new Promise(r => requestAnimationFrame(r));"
    "   drawn.push(g.querySelectorAll('image').length > 0); }"
    " return drawn; }"
)


def test_optimizers_page_renders_the_race(page, server):
    open_chart_page(page, f"{server}/optimizers")
    drawn = page.evaluate(f"() => {FIGURE}._fullData.map(t => t.name)")
    assert {"GD", "Momentum", "Adam", "Newton", "start", "minimum"} <= set(drawn)
    frames = page.evaluate(f"() => {FIGURE}._transitionData._frames.length")
    steps = page.evaluate(f"() => {FIGURE}._fullLayout.sliders[0].steps.length")
    assert frames == steps > 10  # one slider step per animation frame
    assert page.evaluate(HEAD)["name"] == "Adam at step 10"  # the slider starts at the inspected step
    assert page.get_by_text("Adam, step 10").count() == 1
    no_exception(page)
    screenshot(page, "optimizers")


def test_play_animates_every_method_on_the_one_slider(page, server):
    open_chart_page(page, f"{server}/optimizers")
    before = page.evaluate(HEAD)
    page.locator(PLOT).first.get_by_text("▶").click()
    seen = set()
    for _ in range(40):  # frames every 120 ms, slower on a busy machine: poll until two new steps have been drawn
        page.wait_for_timeout(250)
        now = page.evaluate(HEAD)
        if now["name"] != before["name"]:
            seen.add((now["name"], now["x"], now["y"]))
        if len(seen) >= 2:
            break
    assert len(seen) >= 2, seen  # the head marker moved from frame to frame
    assert all(x != before["x"] or y != before["y"] for _, x, y in seen)
    screenshot(page, "optimizers-playing")
    no_exception(page)


def test_the_contour_stays_drawn_while_the_race_plays(page, server):
    open_chart_page(page, f"{server}/optimizers")
    assert all(page.evaluate(CONTOUR_IN_EACH_FRAME))  # drawn before Play
    start = page.evaluate(HEAD)["name"]
    page.locator(PLOT).first.get_by_text("▶").click()
    drawn = page.evaluate(CONTOUR_IN_EACH_FRAME)
    assert page.evaluate(HEAD)["name"] != start  # the samples were taken while the race played
    assert all(drawn), f"contour drawn in {sum(drawn)} of {len(drawn)} frames"


def test_a_click_on_the_contour_moves_the_start(page, server):
    open_chart_page(page, f"{server}/optimizers")
    assert trace_values(page, "start", "[t.x[0], t.y[0]]") == [-1.5, 2]
    drag = page.locator(f"{PLOT} .nsewdrag").first
    box = drag.bounding_box()
    # upper right of the window x1 ∈ [−2, 2], x2 ∈ [−1, 3]: x1 ≈ 1, x2 ≈ 2
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
    page.wait_for_timeout(500)
    wait_for_run(page)
    page.wait_for_function(
        f"() => {{ const s = {FIGURE}._fullData.find(t => t.name === 'start'); return s && s.x[0] > 0; }}",
        timeout=30_000)
    x1, x2 = trace_values(page, "start", "[t.x[0], t.y[0]]")
    assert 0 < x1 < 2 and 1 < x2 < 3
    first = trace_values(page, "GD", "[t.x[0], t.y[0]]")
    assert abs(first[0] - x1) < 1e-6 and abs(first[1] - x2) < 1e-6  # the race starts there
    link = parse_qs(urlparse(page.url).query)  # and the link says so (a value equal to its default is left out)
    assert float(link["x1"][0]) == x1 and float(link.get("x2", ["2"])[0]) == x2
    no_exception(page)
    screenshot(page, "optimizers-clicked")


def test_tuning_tab_draws_its_chart_and_its_rates_reach_the_sliders(page, server):
    open_chart_page(page, f"{server}/optimizers?f=x1%5E2%20%2B%20x2%5E2&x1=1&x2=1&methods=GD&methods=Newton"
                          "&lr_newton=0.1&steps=50")
    page.get_by_role("tab", name="f against the step").click()
    wait_for_run(page)
    page.wait_for_function(f"() => {FIGURE} && {FIGURE}._fullLayout.yaxis.title.text.startsWith('f(xₜ)')",
                           timeout=30_000)
    screenshot(page, "optimizers-loss")
    page.get_by_role("tab", name="Tune learning rates").click()
    wait_for_run(page)
    page.wait_for_function(f"() => {FIGURE} && {FIGURE}._fullData.some(t => t.name === \"GD's best rate\")",
                           timeout=60_000)
    assert trace_values(page, "GD's best rate", "t.x[0]") == 0.5  # 1/λ on x1² + x2²: one step to the minimum
    assert "optimizers_tab=Tune" in page.url
    no_exception(page)
    screenshot(page, "optimizers-tuning")
    page.get_by_role("button", name="Use the best rates").click()
    wait_for_run(page)
    page.wait_for_function("() => location.search.includes('lr_gd=0.5')", timeout=30_000)
    assert "lr_newton" not in page.url  # Newton's best, 1, is the default: the link leaves it out
    no_exception(page)
    screenshot(page, "optimizers-tuned")
    # the ravine (λ = 0.2, 10): the stability limit 2/λmax = 0.2 and momentum's optimal rate drawn as lines
    open_chart_page(page, f"{server}/optimizers?f=0.1x1%5E2%20%2B%205x2%5E2&x1=-4.5&x2=1.5&methods=GD"
                          "&methods=Momentum&steps=100&optimizers_tab=Tune+learning+rates")
    lines = page.evaluate(f"() => {FIGURE}._fullLayout.shapes.map(s => s.x0).sort()")
    assert abs(lines[0] - 0.2) < 1e-12 and len(lines) == 2
    no_exception(page)
    screenshot(page, "optimizers-tuning-ravine")
