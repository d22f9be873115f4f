"""The Newton page's figures, built from plain specs (core.plots.style.assemble skips plotly.py's checks for speed),
are exactly what plotly.py's full validation makes of them — frames included, and through the projector styling —
and stay under the issue's 300 KB at the largest settings."""

from __future__ import annotations

import json

import plotly.io as pio
import pytest

from core.newton_lab import MAX_STEPS, PLANE_PRESETS, PRESETS, study_newton, study_plane
from core.optimizers_lab import step_detail
from core.plots.newton import digits_figure, newton_figure
from core.plots.optimizers import race_figure
from core.plots.style import projector
from tests.test_figure_specs import validated

FIGURE_BYTES = 300_000  # the bound on a figure with its animation frames
CASES = {  # f, x0, steps, bracket: every preset, a pole in view, the largest walk (both methods run all 100 steps)
    **{p.label: (p.formula, p.x0, p.steps, p.bracket) for p in PRESETS},
    "pole": ("1/(x - 1) - 2", 2.5, 12, (1.2, 4.0)),
    "x³ from 1, 100 steps": ("x^3", 1.0, MAX_STEPS, (-1.0, 2.0)),
}


def sent(figure) -> dict:
    return json.loads(pio.to_json(figure))


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_newton_figures_survive_full_validation_unchanged(case):
    f, x0, steps, bracket = case
    study = study_newton(f, x0=x0, steps=steps, bracket=bracket)
    for figure in (newton_figure(study), digits_figure(study)):
        assert sent(figure) == validated(figure)
        assert sent(projector(figure)) == validated(projector(figure))


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_walk_has_a_frame_per_step_and_stays_small(case):
    f, x0, steps, bracket = case
    study = study_newton(f, x0=x0, steps=steps, bracket=bracket)
    shown = sent(newton_figure(study))
    longest = max(study.run.steps, study.bisection.steps if study.bisection is not None else 0)
    assert [frame["name"] for frame in shown["frames"]] == [f"k={k}" for k in range(longest + 1)]
    assert shown["layout"]["sliders"][0]["active"] == longest  # it opens at the last step
    assert len(pio.to_json(newton_figure(study)).encode()) < FIGURE_BYTES


def with_types(spec: dict) -> dict:
    """The race figure's frames send only what changes; plotly.js takes each frame trace's type from the drawn trace
    it updates, and plotly.py's validation fills in scatter, which must then be that type."""
    for frame in spec.get("frames", []):
        for index, data in zip(frame["traces"], frame["data"]):
            data.setdefault("type", spec["data"][index]["type"])
    return spec


@pytest.mark.parametrize("preset", PLANE_PRESETS, ids=[p.label for p in PLANE_PRESETS])
def test_the_2d_race_on_its_fitted_view_survives_full_validation(preset):
    race = study_plane(preset.formula, start=preset.start, lr=preset.lr, steps=200)
    figure = race_figure(race, detail=step_detail(race, "newton", 1))
    assert with_types(sent(figure)) == validated(figure)
    assert with_types(sent(projector(figure))) == validated(projector(figure))
    assert len(pio.to_json(figure).encode()) < FIGURE_BYTES
