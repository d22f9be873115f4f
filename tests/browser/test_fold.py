"""Browser: the picture first. On every page with a figure, the main figure, the formula box and the point are wholly
on the first screen of a laptop (1440×900) and, in classroom mode, of a projector (1920×1080).

Each page opens with its defaults, and with its main scenario where the Home page lists one; the bounding boxes are
read from the rendered DOM (``locator.bounding_box()``), after the run has finished and the figure is drawn.
"""

from __future__ import annotations

import pytest

from core.catalog import PAGES
from tests.browser.conftest import PLOT, screenshot, wait_for_run

SCREENS = {"laptop": ((1440, 900), ""), "projector": ((1920, 1080), "classroom=true")}
FOLD_PAGES = [p.url_path for p in PAGES if p.section]  # Home has no main figure
# What must be in view beside the figure: the formula box and the point's boxes (by their aria labels).
IN_VIEW = {
    "derivative": ("f(x) =", "x0"),
    "gradient": ("f(x1, x2) =", "x1", "x2"),
    "jacobian": ("u(x1, x2) =", "v(x1, x2) =", "point p: x1", "point p: x2"),
    "sgd": ("dataset", "learning rate α", "steps T"),
    "optimizers": ("f(x1, x2) =", "start x1", "start x2"),
    "taylor": ("f(x) =", "x0"),
    "hessian": ("f(x1, x2) =", "x1", "x2"),
    "newton": ("f(x) =", "x0"),
    "backprop": ("f(x1, x2) =", "x1", "x2"),
    "network": ("dataset", "hidden layers (e.g. 4,4; 0 = none)", "learning rate α"),
}
EDGE_SLACK = 1.0  # px: sub-pixel layout rounding


def open_at(browser, url: str, size: tuple[int, int]):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(PLOT, timeout=60_000)
    wait_for_run(page)
    page.wait_for_timeout(300)  # plotly's own resize after the layout settles
    return context, page


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("path", FOLD_PAGES)
def test_main_figure_formula_and_point_on_the_first_screen(browser, server, path, screen):
    (width, height), query = SCREENS[screen]
    context, page = open_at(browser, f"{server}/{path}?{query}", (width, height))
    try:
        assert page.locator('[data-testid="stException"]').count() == 0
        box = page.locator(PLOT).first.bounding_box()
        screenshot(page, f"fold-{path}-{screen}")
        assert box is not None and box["height"] > 300, box  # a real figure, not a collapsed one
        assert box["y"] >= -EDGE_SLACK and box["y"] + box["height"] <= height + EDGE_SLACK, (box, height)
        assert box["x"] >= -EDGE_SLACK and box["x"] + box["width"] <= width + EDGE_SLACK, (box, width)
        for label in IN_VIEW[path]:
            control = page.get_by_label(label, exact=True).first
            where = control.bounding_box()
            assert where is not None, label
            assert where["y"] >= 0 and where["y"] + where["height"] <= height + EDGE_SLACK, (label, where)
    finally:
        context.close()
