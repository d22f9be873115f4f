"""AppTest: the entrypoint and every registered page run headless without an exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.catalog import PAGES

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 30  # seconds: a cold SymPy import alone can exceed AppTest's default 3 s


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    return at


@pytest.mark.parametrize("page", [p.path for p in PAGES], ids=[p.title for p in PAGES])
def test_every_registered_page_runs(app, page):
    app.switch_page(page).run()
    assert not app.exception


def test_home_preview_shows_the_default_formula_as_latex(app):
    assert any(r"\left(x - 6\right) \left(x + 2\right)" in el.value for el in app.latex)
    assert not app.error


@pytest.mark.parametrize(
    ("text", "variables", "expected_latex"),
    [("x^2", "x", "x^{2}"), ("2x sin(x)", "x", r"2 x \sin{\left(x \right)}"), ("x1 x2", "x1, x2", "x_{1} x_{2}")],
    ids=["power", "implicit", "two-variables"],
)
def test_home_preview_reads_formulas(app, text, variables, expected_latex):
    app.radio(key="preview_vars").set_value(variables).run()
    app.text_input(key="preview").set_value(text).run()
    assert not app.exception and not app.error
    assert any(expected_latex in el.value for el in app.latex)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("x +", "ends too early"), ("sinx", "write sin"), ("9**9**9**9", "too large"),
     ("__import__('os')", "Unknown name '__import__'"), ("y", "Unknown name 'y'")],
    ids=["empty", "dangling", "sinx", "tower", "dunder", "unknown"],
)
def test_home_preview_explains_bad_input(app, text, message):
    app.text_input(key="preview").set_value(text).run()
    assert not app.exception
    assert len(app.error) == 1 and message in app.error[0].value
    assert not app.latex


def test_home_preview_warns_about_undefined_constants(app):
    app.text_input(key="preview").set_value("x + log(-1)").run()
    assert not app.exception
    assert "not a real number" in app.warning[0].value


def test_a_page_never_visited_starts_from_its_defaults(app):
    """Values left on one page do not leak into another page's controls of the same name (both have f). (That a
    page comes back as it was left is a browser test: AppTest re-sends widget values that a real switch drops.)"""
    app.query_params["f"] = "sin(x)"
    app.switch_page("views/derivative.py").run()
    del app.query_params["f"]
    app.switch_page("views/gradient.py").run()
    assert not app.exception and app.session_state["f"] != "sin(x)"
