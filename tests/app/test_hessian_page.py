"""AppTest of the Hessian page: the issue's example and the Home scenario as rendered, presets, a typed f, the URL
round trip, a click, the lazy tabs, SymPy out of time, and bad input explained under its control."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import symbolic
from core.catalog import SCENARIOS
from core.hessian_lab import PRESETS, SLICE_ANGLES
from tests.app.support import (
    chart,
    decode,
    metrics,
    open_page,
    slot_after,  # the page's message under a control
)

PAGE = "views/hessian.py"
SCENARIO = next(s for s in SCENARIOS if s.url_path == "hessian")
ISSUE_EXAMPLE = PRESETS[0]


def query_of(params: tuple[tuple[str, str], ...]) -> dict[str, str | list[str]]:
    """A scenario's parameters as AppTest's query (a range is given twice)."""
    query: dict[str, str | list[str]] = {}
    for key, value in params:
        query[key] = [*query[key], value] if isinstance(query.get(key), list) else (
            [query[key], value] if key in query else value)
    return query


def point(spec: dict) -> tuple[float, float]:
    found = next(t for t in spec["data"] if t.get("name") == "point")
    return float(decode(found["x"])[0]), float(decode(found["y"])[0])


def names(spec: dict) -> set[str]:
    return {t.get("name") for t in spec["data"]}


def verdict(at: AppTest) -> str:
    return " ".join(info.value for info in at.info)


def test_default_view_is_the_issue_example():
    at = open_page(page=PAGE)
    assert at.text_input(key="f").value == ISSUE_EXAMPLE.formula
    assert metrics(at) == {"f(x1, x2)": "5.000", "∂f/∂x1": "-4.000", "∂f/∂x2": "2.000", "det H": "-4.000"}
    spec = chart(at, "hessian_chart")
    assert point(spec) == (0.0, 1.0)
    assert {"v₁ (λ₁ = -2.000)", "v₂ (λ₂ = 2.000)", "quadratic model q", "model's saddle"} <= names(spec)
    assert "**up along v₂**" in verdict(at) and "not a stationary point" in verdict(at)
    latex = " ".join(line.value for line in at.latex)
    assert r"\begin{bmatrix} -2.000 & 0.000 \\ 0.000 & 2.000 \end{bmatrix}" in latex  # H(0, 1), exact
    assert r"\nabla f\left(0,\ 1\right) = \left(-4.000,\ 2.000\right)" in latex
    assert r"H_{\text{central}}\left(0,\ 1\right)" in latex and r"\lambda_1 = -2.000" in latex
    assert any("They agree with the exact H to the last bit" in c.value for c in at.caption)
    assert not at.error and not at.warning


def test_home_scenario_a_saddles_hessian():
    at = open_page(query_of(SCENARIO.params), page=PAGE)
    assert metrics(at)["det H"] == "-4.000" and metrics(at)["∂f/∂x1"] == "0.000"
    assert "**saddle**" in verdict(at) and "one eigenvalue of each sign" in verdict(at)
    spec = chart(at, "hessian_chart")
    assert spec["layout"]["xaxis"]["range"] == [-2.0, 2.0] and spec["layout"]["yaxis"]["range"] == [-2.0, 2.0]
    assert point(spec) == (0.0, 0.0)
    assert r"\begin{bmatrix} 2.000 & 0.000 \\ 0.000 & -2.000 \end{bmatrix}" in " ".join(x.value for x in at.latex)


VERDICTS = {  # the words each preset's point is named by
    PRESETS[0].label: "saddle-shaped curvature",
    PRESETS[1].label: "**up in every direction**",
    PRESETS[2].label: "**saddle**",
    PRESETS[3].label: "**degenerate**",
    PRESETS[4].label: "**degenerate**",
    PRESETS[5].label: "**minimum**",
    PRESETS[6].label: "**maximum**",
}


@pytest.mark.parametrize("preset", PRESETS, ids=[p.label for p in PRESETS])
def test_each_preset_sets_f_point_window_and_names_the_point(preset):
    at = open_page(page=PAGE)
    at.button_group(key="hessian_preset").set_value(preset.label).run()
    assert not at.exception and not at.error
    assert at.text_input(key="f").value == preset.formula
    assert (at.number_input(key="x1").value, at.number_input(key="x2").value) == preset.point
    spec = chart(at, "hessian_chart")
    assert point(spec) == preset.point
    assert spec["layout"]["xaxis"]["range"] == [preset.window.x1_low, preset.window.x1_high]
    assert VERDICTS[preset.label] in verdict(at)
    assert any(preset.note == caption.value for caption in at.caption)


def test_a_typed_formula_with_powers_and_implicit_products():
    at = open_page(page=PAGE)
    at.button_group(key="hessian_preset").set_value(PRESETS[2].label).run()
    at.text_input(key="f").set_value("x1^2 + 3x1 x2 + 2x2^2").run()  # H = [[2, 3], [3, 4]]: det H = −1
    assert not at.exception and not at.error
    assert at.button_group(key="hessian_preset").value is None  # one's own formula unselects the preset
    assert metrics(at)["det H"] == "-1.000"
    assert "**saddle**" in verdict(at)  # ∇f(0, 0) = 0 and det H < 0
    assert r"\begin{bmatrix} 2.000 & 3.000 \\ 3.000 & 4.000 \end{bmatrix}" in " ".join(x.value for x in at.latex)


def test_url_round_trip():
    """A link sets every control; the controls' values, written back as a link (the browser test checks that the
    page writes them), reopen the same view."""
    query = {"f": "x1^3 - 3x1 x2^2", "x1": "1", "x2": "2", "x1_range": ["-3", "3"], "x2_range": ["-1", "4"]}
    at = open_page(query, page=PAGE)
    assert at.text_input(key="f").value == "x1^3 - 3x1 x2^2"
    assert (at.number_input(key="x1").value, at.number_input(key="x2").value) == (1.0, 2.0)
    assert at.slider(key="x1_range").value == (-3.0, 3.0) and at.slider(key="x2_range").value == (-1.0, 4.0)
    assert metrics(at)["∂f/∂x1"] == "-9.000" and metrics(at)["∂f/∂x2"] == "-12.000"  # 3 − 12, −6·1·2
    at.number_input(key="x2").set_value(0.5).run()
    assert metrics(at)["∂f/∂x1"] == "2.250"  # 3 − 3·0.25
    link = {"f": at.text_input(key="f").value, "x1": str(at.number_input(key="x1").value),
            "x2": str(at.number_input(key="x2").value),
            "x1_range": [str(v) for v in at.slider(key="x1_range").value],
            "x2_range": [str(v) for v in at.slider(key="x2_range").value]}
    again = open_page(link, page=PAGE)
    assert metrics(again) == metrics(at) and verdict(again) == verdict(at)
    assert chart(again, "hessian_chart") == chart(at, "hessian_chart")


def test_a_click_moves_the_point():
    at = open_page(page=PAGE)
    at.session_state["x1"], at.session_state["x2"] = 2.0, 4.0  # what move_point() sets from a click on the contour
    at.run()
    assert point(chart(at, "hessian_chart")) == (2.0, 4.0)
    assert metrics(at)["f(x1, x2)"] == "0.000"  # f = (x1² − x2)² + (x1 − 2)²: its minimum
    assert "**minimum**" in verdict(at)


def test_the_slice_and_gap_tabs():
    at = open_page(page=PAGE)
    at.session_state["hessian_tab"] = "Slices along a direction"  # the page's figures are lazy tabs
    at.run()
    spec = chart(at, "slice_chart")
    assert len(spec["frames"]) == len(SLICE_ANGLES) and "direction u" in names(spec)
    parabola = next(t for t in spec["data"] if str(t.get("name")).startswith("model, uᵀHu"))
    assert parabola["name"] == "model, uᵀHu = -2.000"  # θ = 0: u = e₁, uᵀHu = H₁₁
    assert len(at.get("plotly_chart")) == 1  # only the open tab's figure is sent
    at.session_state["hessian_tab"] = "Gap as r shrinks"
    at.run()
    assert {"O(r³)", "O(r²)"} <= names(chart(at, "gap_chart"))
    assert any("Fitted slopes" in c.value and "quadratic model 3.0" in c.value for c in at.caption)


def test_without_sympy_in_time_the_page_says_so_and_uses_differences(monkeypatch):
    monkeypatch.setattr(symbolic, "MATRIX_SECONDS", 0.0)
    at = open_page({"f": "x1^2 x2 + 0.5x2^2 - 0.0123x1", "x1": "0", "x2": "0.0123"}, page=PAGE)  # a formula no
    # cache has seen: H = [[2x2, 2x1], [2x1, 1]]
    assert any("exact Hessian is not available" in w.value for w in at.warning)
    assert any("Richardson" in c.value for c in at.caption)
    assert metrics(at)["det H"] == "0.025"  # 2·0.0123·1 − 0, from the differences


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [({"f": "x1 + y"}, "f", "Unknown name 'y'"), ({"f": "(x1"}, "f", "never closed"),
     ({"f": "log(x1) + x2", "x1": -1.0}, "x1", "not defined at (-1, 1)"),
     ({"f": "abs(x1) + x2^2", "x1": 0.0}, "x1", "not twice differentiable")],
    ids=["unknown-variable", "unparseable", "outside-domain", "kink"],
)
def test_bad_input_is_explained_under_its_control(change, key, message):
    at = open_page(page=PAGE)
    for name, value in change.items():
        (at.text_input(key=name) if name == "f" else at.number_input(key=name)).set_value(value).run()
    assert not at.exception
    assert message in slot_after(at, key)


def test_bad_url_parameter_is_explained_and_the_page_still_draws():
    at = open_page({"x1": "abc"}, page=PAGE)
    assert "x1='abc' is not a number" in slot_after(at, "x1")
    assert metrics(at)["f(x1, x2)"] == "5.000" and point(chart(at, "hessian_chart")) == (0.0, 1.0)
