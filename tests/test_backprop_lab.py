"""core.backprop_lab: colah's paths and steps by hand, every preset against SymPy, the comparison table's costs and
errors, a formula too large to draw, and bad settings named by control."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import backprop_lab as lab
from core import symbolic
from core.errors import ParameterError
from core.expressions import parse

EXACT = 1e-12  # relative: reverse mode and SymPy's gradient in float64 agree to rounding on the presets
DIFFERENCE = 1e-7  # central differences at their default step: truncation + rounding ~ eps^(2/3)


def test_colah_paths_steps_and_the_one_accumulation():
    study = lab.study_backprop("(x1 + x2)(x2 + 1)", x1=2.0, x2=1.0)
    b = study.path_sums[1]
    assert (b.count, b.total) == (2, 5.0)
    assert sorted(p.product for p in b.paths) == [2.0, 3.0]
    assert [p.factors for p in study.path_sums[0].paths] == [(1.0, 2.0)]
    assert [s.phase for s in study.steps] == ["forward"] * 6 + ["backward"] * 3
    assert [s.accumulated for s in study.steps if s.accumulated] == [(1,)]
    assert "+= 2.000·1.000 to x2" in study.steps[-1].text


@pytest.mark.parametrize("preset", lab.PRESETS, ids=[p.label for p in lab.PRESETS])
def test_presets_backward_pass_equals_sympy(preset):
    study = lab.study_backprop(preset.formula, x1=preset.x1, x2=preset.x2)
    exact = symbolic.gradient(parse(preset.formula, lab.VARIABLES)).func(preset.x1, preset.x2)
    np.testing.assert_allclose(study.gradient, exact, rtol=EXACT)
    rows = {r.method: r for r in study.methods}
    assert rows["Reverse mode (backprop)"].error <= EXACT * max(1.0, np.max(np.abs(exact)))
    assert rows["Finite differences, central"].error < DIFFERENCE
    assert rows["Finite differences, central"].cost.startswith("5 evaluations")  # 2n + f itself, n = 2
    assert study.problems == () and study.drawable


def test_tutorial_f_gives_minus_9_minus_6():
    study = lab.study_backprop("(x1 + 2)(x1 - 5) + (x2 + 1)(x2 - 3)", x1=-3.0, x2=-2.0)
    assert study.gradient == (-9.0, -6.0) and study.value == 13.0


def test_abs_makes_the_complex_step_inapplicable_in_the_table():
    study = lab.study_backprop("abs(x1) + x2", x1=1.0, x2=1.0)
    row = next(r for r in study.methods if r.method.startswith("Complex step"))
    assert math.isnan(row.d1) and "not complex-analytic" in row.cost


def test_too_large_to_draw_is_said():
    big = " + ".join(f"sin({k}x1 x2)" for k in range(1, 12))
    study = lab.study_backprop(big, x1=0.3, x2=0.2)
    assert not study.drawable and "too many to draw" in study.too_large


def test_path_list_is_capped_but_the_count_is_not():
    study = lab.study_backprop("((x1 + x1)(x1 + x1) + x1)^2", x1=0.5, x2=0.0)
    assert study.path_sums[0].count == 2 + 2 + 1  # through each factor of the product, and the lone x1
    assert len(study.path_sums[0].paths) <= lab.MAX_PATHS


@pytest.mark.parametrize(("value", "shown"), [(2.0, "2.000"), (-0.0004, "-4.000e-04"), (math.nan, "nan (undefined)"),
                                               (math.inf, "+inf"), (1.5e7, "1.500e+07")], ids=str)
def test_format_number(value, shown):
    assert lab.format_number(value) == shown


@pytest.mark.parametrize(("settings", "control"), [({"x1": math.nan, "x2": 0.0}, "x1"),
                                                    ({"x1": 0.0, "x2": 1e9}, "x2")], ids=["nan-x1", "huge-x2"])
def test_bad_point_names_its_box(settings, control):
    with pytest.raises(ParameterError) as caught:
        lab.study_backprop("x1", **settings)
    assert caught.value.parameter == control
