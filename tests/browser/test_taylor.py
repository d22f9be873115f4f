"""Browser: the Taylor page renders in Chromium, ▶ slides x0 along the curve with the polynomial following it (the
lower orders stand aside while it plays and come back at x0), a click on the curve moves x0, and the remainder tab
shows the slope and the radius of the Home scenario."""

from __future__ import annotations

import math

import pytest

from tests.browser.conftest import PLOT, open_chart_page, screenshot, trace_values, wait_for_run

POINT = "[t.x[0], t.y[0]]"
CLICK_AT = 1.5  # x of the click on eˣ
NEAREST = 0.1  # the click lands on the nearest of the curve's samples (6/249 apart) within the marker's reach
VALUE = 1e-12  # relative: f's value computed by NumPy on the server against Python's math.exp


def point(page) -> list[float]:
    return trace_values(page, "x0", POINT)


def test_taylor_page_renders_and_slides_x0(page, server):
    open_chart_page(page, f"{server}/taylor")
    assert point(page) == [0, 1]
    assert trace_values(page, "Taylor order 0", "t.visible") is True
    screenshot(page, "taylor")
    before = trace_values(page, "Taylor order 4", "Array.from(t.y)")
    page.locator(PLOT).first.get_by_text("slide x0").click()
    page.wait_for_timeout(1000)
    during = point(page)
    assert during != [0, 1] and during[1] == pytest.approx(math.exp(during[0]), rel=VALUE)  # it slides along f
    assert trace_values(page, "Taylor order 4", "Array.from(t.y)") != before  # the polynomial follows it
    assert trace_values(page, "Taylor order 0", "t.visible") == "legendonly"  # the lower orders belong to x0
    screenshot(page, "taylor-sliding")
    for _ in range(60):  # 38 frames at 150 ms, slower on a busy machine: poll up to 30 s for the return to x0
        page.wait_for_timeout(500)
        if point(page) == [0, 1]:
            break
    assert point(page) == [0, 1] and trace_values(page, "Taylor order 0", "t.visible") is True
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_click_on_the_curve_moves_x0(page, server):
    open_chart_page(page, f"{server}/taylor")
    where = page.evaluate(
        f"() => {{ const gd = document.querySelector('{PLOT}'), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;"
        " const box = gd.querySelector('.nsewdrag').getBoundingClientRect();"
        f" return [box.left + xa.l2p({CLICK_AT}), box.top + ya.l2p(Math.exp({CLICK_AT}))]; }}")
    page.mouse.move(*where)
    page.wait_for_timeout(300)
    page.mouse.click(*where)
    page.wait_for_timeout(500)
    wait_for_run(page)
    page.wait_for_function(f"() => document.querySelector('{PLOT}')._fullData.find(d => d.name === 'x0').x[0] > 1")
    x0, fx0 = point(page)
    assert abs(x0 - CLICK_AT) < NEAREST and fx0 == pytest.approx(math.exp(x0), rel=VALUE)
    assert f"x0={x0:g}" in page.url
    screenshot(page, "taylor-clicked")


def test_the_scenarios_remainder_tab(page, server):
    open_chart_page(page, f"{server}/taylor?f=ln(x)&x0=1&order=8&x_range=-0.5&x_range=3")
    assert trace_values(page, "singular at x = 0", "Array.from(t.x)") == [0, 0]
    page.get_by_role("tab", name="Remainder against distance").click()
    wait_for_run(page)
    page.wait_for_function(f"() => document.querySelector('{PLOT}')._fullLayout.yaxis.type === 'log'")
    names = page.evaluate(f"() => document.querySelector('{PLOT}')._fullData.map(d => d.name)")
    assert "slope 9 = n + 1: |c₉|·|x − x0|⁹" in names and "rounding floor ε·(|f| + Σ|cₖ||x − x0|ᵏ)" in names
    assert page.get_by_text("Fitted slope 9.0").count() == 1
    screenshot(page, "taylor-remainder")
    assert page.locator('[data-testid="stException"]').count() == 0
