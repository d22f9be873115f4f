"""Browser: the SGD page renders; Play and the one iteration slider move the path and the decision boundary."""

from __future__ import annotations

from tests.browser.conftest import PLOT, open_chart_page, screenshot

STATE = (
    f"() => {{ const d = document.querySelector('{PLOT}')._fullData;"
    " const m = d.find(t => t.name === 'β at this step'), b = d.find(t => t.name === 'decision boundary');"
    " return {beta: [m.x[0], m.y[0]], boundary: Array.from(b.y),"
    f" picture: document.querySelector('{PLOT}').querySelectorAll('image').length}}; }}"
)


def test_sgd_page_plays_and_the_slider_links_both_panels(page, server):
    open_chart_page(page, f"{server}/sgd")
    screenshot(page, "sgd")
    end = page.evaluate(STATE)
    page.locator(PLOT).first.get_by_text("Play").click()  # plays from the start: frame 0 first
    page.wait_for_timeout(700)
    during = page.evaluate(STATE)
    assert during["beta"] != end["beta"] and during["boundary"] != end["boundary"]
    assert during["picture"] == 1  # the loss surface (a picture under the panel) stays drawn while frames play
    for _ in range(60):  # 40 frames at 150 ms each, slower on a busy machine: poll up to 30 s
        page.wait_for_timeout(500)
        if page.evaluate(STATE)["beta"] == end["beta"]:
            break
    assert page.evaluate(STATE)["beta"] == end["beta"]  # the animation ends at the final β
    slider = page.locator(f"{PLOT} .slider-rail-touch-rect").first  # one slider drives both panels
    box = slider.bounding_box()
    page.mouse.click(box["x"] + 5, box["y"] + box["height"] / 2)
    page.wait_for_timeout(600)
    start = page.evaluate(STATE)
    assert start["beta"] != end["beta"] and start["boundary"] != end["boundary"]
    screenshot(page, "sgd-slider-start")
