"""Browser: the Network page draws its decision surface and a tile per neuron, ▶ plays the pictures in place, a click
on a weight's dot selects that weight, a changed control reaches the link, and a bad layer list is explained beside
its box."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from core.plots.network import EDGE_TRACE
from tests.browser.conftest import PLOT, no_exception, open_chart_page, screenshot, wait_for_run

FIGURE = f"document.querySelector('{PLOT}')"  # the first chart: the network's
LAYERS = "hidden layers (e.g. 4,4; 0 = none)"
DRAWN = (  # what the figure shows: its pictures (layout images as drawn <image>s), frames and slider steps
    f"() => {{ const g = {FIGURE}; return {{images: g.querySelectorAll('image').length,"
    " layout_images: g._fullLayout.images.length, frames: g._transitionData._frames.length,"
    " frame_names: g._transitionData._frames.map(f => f.name), steps: g._fullLayout.sliders[0].steps.length,"
    f" weights: g._fullData[{EDGE_TRACE}].name}}; }}"
)
WATCH = (  # from now on: the decision surface's picture (the first <image>) and every <image> removed from the plot
    f"() => {{ const g = {FIGURE}; window.surface = () => g.querySelector('image').getAttribute('href');"
    " window.first = window.surface(); window.removed = 0;"
    " new MutationObserver(records => { for (const r of records) for (const n of r.removedNodes) {"
    "   if (n.nodeName === 'image') window.removed++;"
    "   else if (n.querySelectorAll) window.removed += n.querySelectorAll('image').length; } })"
    "   .observe(g, {childList: true, subtree: true}); }"
)
DOT = (  # the page position of the dot of the weight with customdata [layer, i, j], from the diagram's axes
    f"([layer, i, j]) => {{ const g = {FIGURE}, d = g._fullData[{EDGE_TRACE}], L = g._fullLayout;"
    " const k = d.customdata.findIndex(c => c[0] === layer && c[1] === i && c[2] === j);"
    " const box = g.getBoundingClientRect();"
    " const xa = L[d.xaxis.replace('x', 'xaxis')], ya = L[d.yaxis.replace('y', 'yaxis')];"
    " return {x: box.left + xa._offset + xa.l2p(d.x[k]), y: box.top + ya._offset + ya.l2p(d.y[k])}; }"
)


def test_network_page_draws_the_surface_and_a_tile_per_neuron(page, server):
    open_chart_page(page, f"{server}/network")
    drawn = page.evaluate(DRAWN)
    neurons = 2 + 4 + 1  # the default network: x1, x2 → 4 tanh → out
    assert drawn["images"] == drawn["layout_images"] == 1 + neurons
    assert drawn["frames"] == drawn["steps"] == 40 and drawn["frame_names"][-1] == "2000"
    assert drawn["weights"] == "weights"
    assert page.get_by_role("combobox", name="weight").input_value() == "W1 x1 → h1,1"
    no_exception(page)
    screenshot(page, "network")


def test_play_changes_the_surface_in_place(page, server):
    open_chart_page(page, f"{server}/network")
    page.evaluate(WATCH)
    page.locator(PLOT).first.get_by_text("▶").click()
    page.wait_for_function("() => window.surface() !== window.first", timeout=2_000)  # a new frame's picture
    page.wait_for_timeout(1_500)  # ten more frames
    assert page.evaluate("() => window.removed") == 0  # the pictures' sources change; no <image> is redrawn
    assert page.evaluate(DRAWN)["images"] == 8
    screenshot(page, "network-playing")
    no_exception(page)


def test_a_click_on_a_weights_dot_selects_that_weight(page, server):
    open_chart_page(page, f"{server}/network")
    dot = page.evaluate(DOT, [0, 1, 2])  # the weight from x2 to the third hidden neuron
    page.mouse.move(dot["x"] - 4, dot["y"])  # Plotly picks the point under the pointer on hover
    page.mouse.move(dot["x"], dot["y"])
    page.mouse.click(dot["x"], dot["y"])
    heading = page.get_by_role("heading", name="The weight W1 x2 → h1,3 at step 2000")
    heading.wait_for(timeout=30_000)
    wait_for_run(page)
    assert page.get_by_role("combobox", name="weight").input_value() == "W1 x2 → h1,3"
    assert parse_qs(urlparse(page.url).query)["weight"] == ["W1 x2 → h1,3"]  # and the link keeps it
    no_exception(page)
    screenshot(page, "network-clicked")


def test_a_changed_control_reaches_the_link_and_a_bad_layer_list_is_explained(page, server):
    open_chart_page(page, f"{server}/network?layers=8,8&activation=relu")
    box = page.get_by_label(LAYERS)
    assert box.input_value() == "8,8"
    assert page.get_by_role("radio", name="relu").get_attribute("aria-checked") == "true"
    assert page.evaluate(DRAWN)["images"] == 1 + 2 + 8 + 8 + 1
    box.fill("4,4")
    box.press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).get('layers') === '4,4'", timeout=30_000)
    wait_for_run(page)
    link = parse_qs(urlparse(page.url).query)
    assert link["layers"] == ["4,4"] and link["activation"] == ["relu"]
    copied = page.locator('[data-testid="stSidebar"] code').first.inner_text().strip()
    assert copied == page.url  # the sidebar's link is the page's
    open_chart_page(page, copied)  # the copied link reopens the same view
    assert page.get_by_label(LAYERS).input_value() == "4,4"
    assert page.get_by_role("radio", name="relu").get_attribute("aria-checked") == "true"
    assert page.evaluate(DRAWN)["images"] == 1 + 2 + 4 + 4 + 1
    box = page.get_by_label(LAYERS)
    box.fill("4,x")
    box.press("Enter")
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="'x' is not a whole number")
    alert.wait_for(timeout=30_000)
    wait_for_run(page)
    under, above = alert.bounding_box(), box.bounding_box()
    assert 0 < under["y"] - (above["y"] + above["height"]) < 40  # right under the box
    assert abs(under["x"] - above["x"]) < 5
    assert page.locator(PLOT).count() == 0  # the page stopped there, cleanly
    no_exception(page)
    screenshot(page, "network-bad-layers")
