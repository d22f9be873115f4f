"""Browser: a switch in the sidebar empties the URL (Streamlit does), yet a page comes back as it was left."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from core.catalog import PAGES
from tests.browser.conftest import PLOT, open_chart_page, wait_for_run


def go_to(page, title: str) -> None:
    """Click ``title`` in the sidebar's page list; wait for that page's URL, its first chart and the end of its run
    (the previous page's chart is still in the DOM for a moment after the click)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    path = next(p.url_path for p in PAGES if p.title == title)
    page.wait_for_url(re.compile(rf"/{path}(\?|$)"), timeout=60_000)
    page.wait_for_selector(PLOT, timeout=60_000)
    wait_for_run(page)


def query(page) -> dict[str, str]:
    return {name: values[-1] for name, values in parse_qs(urlsplit(page.url).query).items()}


@pytest.mark.parametrize(
    ("path", "title", "settings", "elsewhere"),
    [
        ("derivative", "Derivative", {"f": "sin(x)", "x0": "2", "method": "forward"}, "Gradient"),
        ("gradient", "Gradient", {"f": "x1*x2", "x1": "0.5"}, "SGD"),
        ("jacobian", "Jacobian", {"u": "x1*x2", "x2": "0.3"}, "Derivative"),
        ("jacobian", "Jacobian", {"preset": "shear", "x1": "0.7"}, "Gradient"),  # the preset does not win back x1
        ("sgd", "SGD", {"lr": "0.1", "seed": "7"}, "Jacobian"),
    ],
    ids=["derivative", "gradient", "jacobian", "jacobian-preset", "sgd"],
)
def test_a_page_comes_back_as_it_was_left(page, server, path, title, settings, elsewhere):
    open_chart_page(page, f"{server}/{path}?" + "&".join(f"{k}={v}" for k, v in settings.items()))
    go_to(page, elsewhere)
    go_to(page, title)
    back = query(page)
    for name, value in settings.items():
        assert back.get(name) in (value, f"{value}.0"), (name, back)  # the URL is written back from the controls
    assert page.locator('[data-testid="stException"]').count() == 0
