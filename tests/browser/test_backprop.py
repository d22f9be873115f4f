"""Browser: the Backprop page draws colah's graph with its numbers (e = 6, ∂e/∂b = 5), ▶ walks both passes with the
figure drawn throughout, a point outside the domain is named beside the formula box, and the Home scenario's link
shows the two paths from x2 summing to 5. Screenshots: the default, playing, the logistic-loss preset, and classroom
mode on a projector."""

from __future__ import annotations

from urllib.parse import urlencode

from core.backprop_lab import PRESETS
from core.catalog import SCENARIOS, scenario_query
from tests.browser.conftest import PLOT, no_exception, open_chart_page, screenshot, trace_values

FIGURE = f"document.querySelector('{PLOT}')"
NOW = "[t.x[0], t.y[0]]"  # where the "computed now" square is
SLIDER = f"() => {FIGURE}._fullLayout.sliders[0].active"
COLAH = "(x1 + x2)(x2 + 1)"
COLAH_NODES = ["x1", "x2", "+", "1", "+", "×"]  # inputs first, then the tree in post-order


def test_default_page_draws_colahs_graph_with_its_numbers(page, server):
    open_chart_page(page, f"{server}/backprop")
    assert trace_values(page, "nodes", "Array.from(t.text)") == COLAH_NODES
    texts = trace_values(page, "values", "Array.from(t.text)")
    assert texts[1] == "v = 1.000<br>ā = 5.000"  # b = x2 = 1 and ∂e/∂b = 1·2 + 1·3 = 5
    assert texts[0] == "v = 2.000<br>ā = 2.000"  # a = x1 = 2 and ∂e/∂a = 2
    assert texts[-1] == "v = 6.000<br>ā = 1.000"  # e = (2 + 1)(1 + 1) = 6
    assert texts[2] == "v = 3.000<br>ā = 2.000" and texts[4] == "v = 2.000<br>ā = 3.000"  # c = a + b, d = b + 1
    orders = trace_values(page, "order", "Array.from(t.text)")
    assert orders[-1] == "F6 · B1" and orders[3] == "F4"  # the constant 1 gets no adjoint, so no backward step
    edges = trace_values(page, "local derivatives", "Array.from(t.text)")
    assert sorted(edges) == sorted(["∂ 1.000"] * 3 + ["∂ 2.000", "∂ 3.000"])  # the constant's edge is not labelled
    assert page.evaluate(SLIDER) == 8  # opens at the last of 6 forward + 3 backward steps: everything computed
    x1_plus_x2 = trace_values(page, "nodes", "[t.x[2], t.y[2]]")
    assert trace_values(page, "computed now", NOW) == x1_plus_x2  # B3: x1 + x2 sends its += to x2
    assert trace_values(page, "+=", "Array.from(t.text)") == ["+="]
    assert page.get_by_text("Backward 3:").count() == 1
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert metrics[:3] == ["6.000", "2.000", "5.000"]
    no_exception(page)
    screenshot(page, "backprop")


def test_play_walks_both_passes_and_the_figure_stays_drawn(page, server):
    open_chart_page(page, f"{server}/backprop")
    page.locator(f"{PLOT} .updatemenu-button").first.click()
    seen_squares, seen_steps = set(), set()
    for _ in range(60):  # 700 ms a step, slower on a busy machine: poll until several steps have been shown
        page.wait_for_timeout(200)
        seen_squares.add(tuple(trace_values(page, "computed now", NOW)))
        seen_steps.add(page.evaluate(SLIDER))
        assert page.evaluate(f"() => {FIGURE}.querySelectorAll('.scatterlayer .trace').length") >= 8
        assert trace_values(page, "nodes", "t.x.length") == len(COLAH_NODES)
        if len(seen_squares) >= 3 and len(seen_steps) >= 3:
            break
    assert len(seen_squares) >= 3, seen_squares  # the highlight moved from node to node
    assert len(seen_steps) >= 3, seen_steps  # and the slider with it
    screenshot(page, "backprop-playing")
    no_exception(page)


def test_a_point_outside_the_domain_is_named_beside_the_formula_box(page, server):
    query = urlencode({"f": "ln(x1) + x2", "x1": "-1", "x2": "0"})
    open_chart_page(page, f"{server}/backprop?{query}")  # the graph is drawn, with nan where ln(−1) is
    page.wait_for_timeout(300)  # the layout settles
    alert = page.locator('[data-testid="stAlert"]', has_text="Outside the domain").first
    text = alert.inner_text()
    assert "'ln(x1)'" in text and "nan" in text, text
    box = page.get_by_label("f(x1, x2) =", exact=True).first.bounding_box()
    where = alert.bounding_box()
    screenshot(page, "backprop-domain")
    assert box is not None and where is not None
    assert 0 <= where["y"] - (box["y"] + box["height"]) < 120, (box, where)  # right under the formula box
    assert page.locator('[data-testid="stMetricValue"]').all_inner_texts()[1] == "nan (undefined)"
    no_exception(page)
    screenshot(page, "backprop-domain")


def test_home_scenario_link_shows_the_two_paths_summing_to_5(page, server):
    scenario = next(s for s in SCENARIOS if s.url_path == "backprop")
    assert scenario.title.startswith("colah's example")
    open_chart_page(page, f"{server}/backprop?{scenario_query(scenario)}")
    assert trace_values(page, "nodes", "Array.from(t.text)") == COLAH_NODES
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "Sum over 2 path(s): ∂f/∂x2 = 5.000" in body
    assert "1.000 · 2.000 = 2.000" in body and "1.000 · 3.000 = 3.000" in body  # the two paths' products
    no_exception(page)


def test_logistic_loss_preset_screenshot(page, server):
    preset = next(p for p in PRESETS if p.label.startswith("Logistic"))
    query = urlencode({"f": preset.formula, "x1": preset.x1, "x2": preset.x2})
    open_chart_page(page, f"{server}/backprop?{query}")
    assert trace_values(page, "nodes", "t.x.length") == 15
    no_exception(page)
    screenshot(page, "backprop-logistic")


def test_classroom_mode_on_a_projector(browser, server):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        open_chart_page(page, f"{server}/backprop?classroom=true")
        page.wait_for_timeout(300)
        box = page.locator(PLOT).first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 1080 + 1, box
        assert trace_values(page, "nodes", "Array.from(t.text)") == COLAH_NODES
        no_exception(page)
        screenshot(page, "backprop-classroom")
    finally:
        context.close()
