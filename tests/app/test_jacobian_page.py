"""AppTest of the Jacobian page: the rendered Jacobian, figure and table follow the controls and the URL, and bad input
is explained under its control without an exception."""

from __future__ import annotations

import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.jacobian_lab import WARP_TIMES
from tests.app.support import chart, decode, metrics
from tests.app.support import open_page as open_any_page

PAGE = "views/jacobian.py"
EXACT = 1e-12  # relative: the page's exact Jacobian is SymPy's, evaluated in float64, against closed forms
NUMERICAL = 1e-8  # central differences with h = 1e-6 (truncation ~1e-12, round-off ~1e-10)
CONTAINERS = {"Block", "Column", "SpecialBlock", "Tab", "Expander"}


def open_page(query: dict[str, str] | None = None):
    return open_any_page(query, page=PAGE)


def traces(spec: dict) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {t["meta"]: (decode(t["x"]), decode(t["y"])) for t in spec["data"] if "meta" in t}


def jacobian_table(at: AppTest) -> tuple[np.ndarray, np.ndarray]:
    """The exact and numerical Jacobian the page shows in its table, as (m, n) arrays in reading order."""
    frame = at.dataframe[0].value
    entries = list(frame["entry"])
    m = len({entry.split("/")[0] for entry in entries})
    return frame["exact"].to_numpy().reshape(m, -1), frame["numerical"].to_numpy().reshape(m, -1)


def polar_jacobian(r_value: float, theta: float) -> np.ndarray:
    return np.array([[math.cos(theta), -r_value * math.sin(theta)], [math.sin(theta), r_value * math.cos(theta)]])


def flat(at: AppTest) -> list:
    """The page's elements in reading order, containers left out."""
    return [e for e in at.main if type(e).__name__ not in CONTAINERS]


def error_follows(at: AppTest, key: str, message: str) -> bool:
    """The first element after the control ``key`` (containers aside) is an error saying ``message``."""
    elements = flat(at)
    index = next(i for i, e in enumerate(elements) if getattr(e, "key", None) == key)
    after = elements[index + 1]
    return type(after).__name__ == "Error" and message in after.value


@pytest.mark.parametrize(("r_value", "theta"), [(2.0, 0.5), (1.5, 2.0), (0.5, -1.0)], ids=["default", "θ=2", "θ=-1"])
def test_polar_jacobian_as_rendered(r_value, theta):
    at = open_page({"x1": str(r_value), "x2": str(theta)})
    exact, numerical = jacobian_table(at)
    np.testing.assert_allclose(exact, polar_jacobian(r_value, theta), rtol=EXACT, atol=EXACT)
    np.testing.assert_allclose(numerical, polar_jacobian(r_value, theta), rtol=NUMERICAL, atol=NUMERICAL)
    assert metrics(at)["det J"] == f"{r_value:.3f}"  # det J = r
    shown = traces(chart(at, "neighbourhood_chart"))
    fx, fy = shown["F(p)"]
    assert (fx[0], fy[0]) == pytest.approx((r_value * math.cos(theta), r_value * math.sin(theta)), rel=EXACT)
    x, y = shown["s1u1"]  # the ellipse's long semi-axis: σ₁·r with σ₁ = max(r, 1) for the polar map, r = 0.5
    assert math.hypot(x[1] - x[0], y[1] - y[0]) == pytest.approx(max(r_value, 1.0) * 0.5, rel=EXACT)


def test_default_view_is_polar_with_x1_horizontal_and_equal_aspect():
    at = open_page()
    assert at.text_input(key="u").value == "x1 cos(x2)" and at.text_input(key="v").value == "x1 sin(x2)"
    spec = chart(at, "neighbourhood_chart")
    layout = spec["layout"]
    assert layout["xaxis"]["title"]["text"] == "x1" and layout["yaxis"]["title"]["text"] == "x2"
    assert layout["yaxis"]["scaleanchor"] == "x" and layout["yaxis2"]["scaleanchor"] == "x2"
    at.session_state["jacobian_tab"] = "Warp from the identity"  # the page's figures are lazy tabs
    at.run()
    warp = chart(at, "warp_chart")
    assert len(warp["frames"]) == len(WARP_TIMES) and warp["layout"]["sliders"][0]["active"] == len(WARP_TIMES) - 1
    first_frame = decode(warp["frames"][0]["data"][0]["x"])
    np.testing.assert_allclose(first_frame, traces(spec)["grid"][0], rtol=1e-6)  # at t = 0 the warp is the identity
    at.session_state["jacobian_tab"] = "Gap as r shrinks"
    at.run()
    assert any(c.value.startswith("The largest distance") and "The fitted slope is" in c.value for c in at.caption)
    assert not at.error and not at.warning


def test_moving_the_point_and_radius_changes_the_view():
    at = open_page()
    at.number_input(key="x1").set_value(3.0).run()
    at.number_input(key="x2").set_value(0.0).run()
    at.select_slider(key="r").set_value(0.1).run()
    assert not at.exception
    exact, _ = jacobian_table(at)
    np.testing.assert_allclose(exact, polar_jacobian(3.0, 0.0), atol=EXACT)
    x, y = traces(chart(at, "neighbourhood_chart"))["circle"]
    np.testing.assert_allclose(np.hypot(x - 3.0, y), 0.1, rtol=1e-12)  # the circle has the chosen radius, around p
    assert metrics(at)["det J"] == "3.000"


def test_url_parameters_set_the_view():
    at = open_page({"u": "x1 + x2^2", "v": "x1 x2", "x1": "1", "x2": "2", "r": "0.1"})
    assert at.text_input(key="u").value == "x1 + x2^2" and at.select_slider(key="r").value == 0.1
    exact, _ = jacobian_table(at)
    np.testing.assert_allclose(exact, [[1.0, 4.0], [2.0, 1.0]], atol=EXACT)  # [[1, 2 x2], [x2, x1]]
    assert metrics(at)["det J"] == "-7.000"
    assert "flips orientation" in at.markdown[0].value


def test_preset_in_the_url_and_in_one_click():
    at = open_page({"preset": "rotation-scaling"})
    assert metrics(at)["det J"] == "2.250" and metrics(at)["σ₁ (longest stretch)"] == "1.500"
    assert metrics(at)["σ₂ (shortest stretch)"] == "1.500"
    at.button_group(key="preset").set_value("shear").run()
    assert at.text_input(key="u").value == "x1 + 1.5 x2"
    np.testing.assert_allclose(jacobian_table(at)[0], [[1.0, 1.5], [0.0, 1.0]], atol=EXACT)
    at.text_input(key="u").set_value("x1 + 2 x2").run()
    assert at.button_group(key="preset").value is None  # one's own formula unselects the preset


def test_gradient_link_makes_f_the_gradient_map():
    at = open_page({"grad": "x1^2 x2", "x1": "1", "x2": "2"})
    assert at.button_group(key="source").value == "∇f" and at.text_input(key="grad").value == "x1^2 x2"
    exact, _ = jacobian_table(at)
    hessian = [[4.0, 2.0], [2.0, 0.0]]  # of x1² x2: [[2 x2, 2 x1], [2 x1, 0]]
    np.testing.assert_allclose(exact, hessian, atol=EXACT)
    fx, fy = traces(chart(at, "neighbourhood_chart"))["F(p)"]
    assert (fx[0], fy[0]) == (4.0, 1.0)  # F(p) = ∇f(p) = (2 x1 x2, x1²)
    assert any(r"J_f(p) = \nabla f(p) = \begin{bmatrix} 4.000 & 1.000 \end{bmatrix}" in el.value for el in at.latex)
    link = at.get("page_link")[0].proto
    assert link.page == "gradient" and link.query_string == "f=x1%5E2+x2&x1=1&x2=2"


def test_table_view_from_the_url():
    at = open_page({"mode": "table", "n": "3", "m": "2", "f1": "x1 x2 x3", "f2": "x1 + x3^2",
                    "x1": "1", "x2": "2", "x3": "3"})
    exact, numerical = jacobian_table(at)
    expected = [[6.0, 3.0, 2.0], [1.0, 0.0, 6.0]]  # [[x2 x3, x1 x3, x1 x2], [1, 0, 2 x3]]
    np.testing.assert_allclose(exact, expected, atol=EXACT)
    np.testing.assert_allclose(numerical, expected, rtol=NUMERICAL, atol=NUMERICAL)
    assert not at.get("plotly_chart")
    assert any(c.value.startswith("J is 2×3") and "det J" not in c.value for c in at.caption)  # not square: no det


def test_table_preset_in_a_link_fills_what_the_link_leaves_out():
    at = open_page({"mode": "table", "table_preset": "spherical → cartesian", "x1": "1"})
    assert at.number_input(key="n").value == 3 and at.text_input(key="f3").value == "x1 cos(x2)"
    assert [at.number_input(key=k).value for k in ("x1", "x2", "x3")] == [1.0, 0.8, 0.5]  # the link's ρ = 1 stays
    assert any(f"det J = {math.sin(0.8):.3f}. Rank 3" in c.value for c in at.caption)  # ρ² sin θ with ρ = 1


def test_one_output_table_is_the_gradient():
    at = open_page({"mode": "table"})
    at.button_group(key="table_preset").set_value("gradient = 1×2 Jacobian").run()
    exact, _ = jacobian_table(at)
    np.testing.assert_array_equal(exact, [[-9.0, -6.0]])  # the tutorial's ∇f(−3, −2)
    assert any("gradient of f: Rⁿ → R is its 1×n Jacobian" in s.value for s in at.success)
    assert at.get("page_link")[0].proto.page == "gradient"


def test_switching_to_the_table_and_growing_it():
    at = open_page()
    at.button_group(key="mode").set_value("table").run()
    at.number_input(key="m").set_value(4).run()
    assert not at.exception
    exact, _ = jacobian_table(at)
    assert exact.shape == (4, 3)
    np.testing.assert_allclose(exact[2], [2 * 2.0, -1.0, 0.0], atol=EXACT)  # f3 = x1² − x2 at (2, 0.5, 1)


@pytest.mark.parametrize(
    ("query", "key", "message"),
    [
        ({"u": "x1 + y"}, "u", "Unknown name 'y'"),
        ({"v": "sin(x2"}, "v", "never closed"),
        ({"v": ""}, "v", "empty"),
        ({"grad": "x1 +* x2"}, "grad", "cannot stand here"),
        ({"mode": "table", "f2": "x1 + x5"}, "f2", "Unknown name 'x5'"),
        ({"x1": "abc"}, "x1", "x1='abc' is not a number"),
        ({"r": "7"}, "r", "outside 0.01 … 2"),
        ({"preset": "spiral"}, "preset", "is not one of"),
        ({"mode": "cube"}, "mode", "is not one of plane, table"),
        ({"mode": "table", "n": "9"}, "n", "outside 1 … 6"),
    ],
    ids=["unknown-variable", "unclosed", "empty", "gradient-formula", "table-variable", "x1-not-a-number",
         "radius-out-of-range", "unknown-preset", "unknown-mode", "too-many-inputs"],
)
def test_bad_input_is_explained_under_its_control(query, key, message):
    at = open_page(query)
    assert error_follows(at, key, message)


def test_point_outside_the_domain_is_explained_under_the_point():
    at = open_page({"u": "log(x1)", "x1": "-1"})
    assert any("F is not defined at p = (-1, 0.5)" in e.value for e in at.error)
    elements = flat(at)
    where = next(i for i, e in enumerate(elements) if type(e).__name__ == "Error")
    x2 = next(i for i, e in enumerate(elements) if getattr(e, "key", None) == "x2")
    radius = next(i for i, e in enumerate(elements) if getattr(e, "key", None) == "r")
    assert x2 < where < radius
    assert not at.get("plotly_chart")


def test_singular_jacobian_is_said_and_still_drawn():
    at = open_page({"x1": "0"})
    assert any("det J = 0" in w.value and "onto a line" in w.value for w in at.warning)
    assert metrics(at)["det J"] == "0.000" and metrics(at)["σ₂ (shortest stretch)"] == "0.000"
    x, y = traces(chart(at, "neighbourhood_chart"))["s2u2"]
    assert math.hypot(x[1] - x[0], y[1] - y[0]) == 0.0  # the ellipse has collapsed to a segment


def test_bad_url_parameter_leaves_the_rest_working():
    at = open_page({"x1": "abc", "u": "x1 + y"})
    assert error_follows(at, "x1", "x1='abc'") and error_follows(at, "u", "Unknown name 'y'")
    at.text_input(key="u").set_value("x1 cos(x2)").run()
    assert not at.error and metrics(at)["det J"] == "2.000"  # the refused x1 fell back to its default, 2


def test_an_undefined_part_of_the_neighbourhood_is_noted_under_the_radius():
    """sqrt(x1) at x1 = 0.1 with r = 0.5: part of the grid has x1 < 0. The note sits right under the radius slider
    (the control that fixes it), not among the notes about J."""
    at = open_page({"u": "sqrt(x1)", "v": "x2", "x1": "0.1", "x2": "0", "r": "0.5"})
    elements = flat(at)
    slider = next(i for i, e in enumerate(elements) if getattr(e, "key", None) == "r")
    note = elements[slider + 1]
    assert type(note).__name__ == "Info" and "not defined on part of this neighbourhood" in note.value
    assert sum("not defined on part" in e.value for e in at.info) == 1


def descendants(node) -> list:
    """Every element and block under ``node``, in reading order."""
    found = []
    for child in getattr(node, "children", {}).values():
        found += [child, *descendants(child)]
    return found


def keys_in(node) -> list[str]:
    return [e.key for e in descendants(node) if getattr(e, "key", None)]


def first_screen(at: AppTest) -> tuple[list, list]:
    """The page's top-level elements before the row that holds the main view, and that row's columns."""
    top = list(at.main.children.values())
    index = next(i for i, e in enumerate(top) if type(e).__name__ == "Block" and "mode" not in keys_in(e))
    return top[:index], [c for c in top[index].children.values() if type(c).__name__ == "Column"]


@pytest.mark.parametrize("query", [{}, {"classroom": "true"}, {"grad": "x1^2 x2"}], ids=["laptop", "classroom", "∇f"])
def test_the_figure_stands_beside_the_formulas_and_the_point(query):
    """The picture first: above the figure only the title, its caption and the view/preset switches; the controls
    that set the picture run down a narrow column at its left."""
    at = open_page(query)
    above, (controls, figure) = first_screen(at)
    assert [type(e).__name__ for e in above] == ["Title", "Caption", "Block"]
    assert {"mode", "preset"} <= set(keys_in(above[2]))
    formulas = ["grad"] if "grad" in query else ["u", "v"]
    assert keys_in(controls) == ["source", *formulas, "x1", "x2", "r"]
    chart_first = next(e for e in descendants(figure) if type(e).__name__ not in CONTAINERS)
    assert chart_first.type == "plotly_chart" and chart_first.key == "neighbourhood_chart"
    spec = chart(at, "neighbourhood_chart")  # sized for the first screen: about 540 px (×1.15 on a projector)
    assert spec["layout"]["height"] == (621 if "classroom" in query else 540)
    assert [e.label for e in at.expander] == (["Presets"] if "classroom" in query else [])


def test_table_view_puts_j_and_its_entries_beside_the_controls():
    at = open_page({"mode": "table"})
    above, (controls, readouts) = first_screen(at)
    assert {"mode", "table_preset"} <= set(keys_in(above[2]))
    shown_keys = keys_in(controls)
    assert shown_keys[:4] == ["n", "m", "f1", "f2"] and sorted(shown_keys[4:]) == ["x1", "x2", "x3"]  # p in 2 columns
    shown = [type(e).__name__ for e in descendants(readouts) if type(e).__name__ not in CONTAINERS]
    assert shown[:4] == ["Latex", "Latex", "Caption", "Dataframe"]  # J(p) exact, numerical, the sentence, the entries
