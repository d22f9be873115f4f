"""core.budget: the arithmetic of a capped count (hand-worked), its sentence, and the SGD page's run under the budgets.

Each expected count below is worked by hand from the budget's limit and the cost of one unit: the largest k with
cost(k) <= limit.
"""

from __future__ import annotations

import numpy as np
import pytest

from core import logistic
from core.budget import CURVES, SPREAD, SURFACE, TRAINING, Budget, allow, power_of_ten
from core.errors import ParameterError
from core.sgd_lab import GRID_POINTS, MAX_RECORDS, SPREAD_DRAWS, STEP_OVERHEAD, SgdSettings, run_sgd, step_cost

TEN_MILLION = Budget("gradient evaluations per run", 10**7, "test")


@pytest.mark.parametrize(
    ("requested", "each", "allowed"),
    [
        (100_000, 100_000 + 100, 99),  # 10⁷ // 100,100 = 99 (99 · 100,100 = 9,909,900; 100 · 100,100 > 10⁷)
        (100_000, 200, 50_000),  # batch 100 with the step overhead: 10⁷ / 200 exactly
        (100_000, 1, 100_000),  # one-point SGD: 10⁵ <= 10⁷, nothing to cap
        (10**7, 1, 10**7),  # exactly at the limit is allowed
        (10**7 + 1, 1, 10**7),
        (5, 3_000_000, 3),  # 3 · 3·10⁶ = 9·10⁶ fits, 4 · 3·10⁶ does not
    ],
)
def test_allowed_count_is_the_largest_that_fits(requested, each, allowed):
    result = allow(TEN_MILLION, control="steps", label="T", requested=requested, cost=lambda k: k * each)
    assert result.allowed == allowed and result.requested == requested
    assert result.cost == allowed * each <= 10**7
    assert result.capped == (allowed < requested)
    assert (result.message is None) == (allowed == requested)


@pytest.mark.parametrize(("n", "side"), [(100_000, 10), (30_000, 18), (2_000, 61), (2_700, 60)])
def test_a_square_grid_gets_the_largest_side_that_fits(n, side):
    # k² · n <= 10⁷: n = 30,000 -> k² <= 333 -> 18 (18² = 324, 19² = 361); n = 2,700 -> k² <= 3,703 -> 60 (61² = 3,721)
    result = allow(TEN_MILLION, control="n", label="the grid", requested=61, cost=lambda k: k * k * n, least=2,
                   shown=lambda k: f"{k}×{k}")
    assert result.allowed == side


def test_the_sentence_says_what_was_capped_and_why():
    result = allow(TEN_MILLION, control="steps", label="T", requested=100_000, cost=lambda t: t * 100_100,
                   given="at batch 100,000")
    assert result.message == ("At most 10⁷ gradient evaluations per run: T reduced from 100,000 to 99 at batch "
                              "100,000.")
    grid = allow(TEN_MILLION, control="n", label="the grid", requested=61, cost=lambda k: k * k * 100_000, least=2,
                 shown=lambda k: f"{k}×{k}", given="at N = 100,000")
    assert grid.message == ("At most 10⁷ gradient evaluations per run: the grid reduced from 61×61 to 10×10 "
                            "at N = 100,000.")


def test_a_budget_that_cannot_afford_the_smallest_run_names_the_control():
    with pytest.raises(ParameterError, match="even T = 1 needs 20,000,000") as caught:
        allow(TEN_MILLION, control="steps", label="T", requested=10, cost=lambda t: t * 2 * 10**7)
    assert caught.value.parameter == "steps"
    with pytest.raises(ParameterError, match="T must be at least 1; got 0"):
        allow(TEN_MILLION, control="steps", label="T", requested=0, cost=lambda t: t)


@pytest.mark.parametrize(
    ("value", "text"),
    [(10**7, "10⁷"), (2 * 10**8, "2·10⁸"), (3 * 10**6, "3·10⁶"), (2_500_000, "2.5·10⁶"), (12_345, "12,345"),
     (999, "999"), (10**6, "10⁶"), (10_000, "10⁴")],
)
def test_limits_are_printed_as_powers_of_ten(value, text):
    assert power_of_ten(value) == text


def test_step_cost_counts_the_mini_batch_overhead():
    assert step_cost(1) == 1 and step_cost(2) == 2 + STEP_OVERHEAD and step_cost(100_000) == 100_000 + STEP_OVERHEAD


# ------------------------------------------------------------------------------------------------ the SGD run

N, BATCH = 20_000, 20_000  # full batch on 20,000 points, T = 100,000 asked


@pytest.fixture(scope="module")
def capped():
    return run_sgd(SgdSettings(n=N, steps=100_000, batch=BATCH))


def test_a_capped_run_does_the_allowed_number_of_steps_and_says_so(capped):
    steps = TRAINING.limit // (BATCH + STEP_OVERHEAD)  # 6·10⁶ // 20,100: 298 · 20,100 = 5,989,800 <= 6·10⁶
    assert steps == 298
    assert capped.history.steps[-1] == steps and capped.history.diverged_at is None
    assert steps * step_cost(BATCH) <= TRAINING.limit
    by_control = {}
    for cap in capped.caps:
        by_control.setdefault(cap.control, []).append(cap.message)
    assert by_control["steps"] == ["At most 6·10⁶ gradient evaluations per run: T reduced from 100,000 to 298 at "
                                   "batch 20,000 (a step counts B + 100)."]
    # the same 298 steps asked for directly give the very same β (the cap trains exactly what it says)
    direct = run_sgd(SgdSettings(n=N, steps=steps, batch=BATCH))
    np.testing.assert_array_equal(direct.final_beta, capped.final_beta)
    assert not any(cap.control == "steps" for cap in direct.caps)


def test_a_capped_run_keeps_every_other_cost_within_its_budget(capped):
    records = len(capped.history.steps)  # 2·10⁶ / 20,000 = 100 recorded β at most (299 asked)
    assert records <= CURVES.limit // N == 100 and records >= 75
    assert len(capped.grid_b1) == len(capped.grid_b2) == 20  # 20² · 20,000 = 8·10⁶ exactly; 21² · 20,000 > 8·10⁶
    assert len(capped.grid_b1) ** 2 * N <= SURFACE.limit
    assert capped.spread.shape == (SPREAD.limit // BATCH, 2) == (50, 2)
    assert {cap.control for cap in capped.caps} == {"steps", "n", "batch"}
    assert any("the grid reduced from 61×61 to 20×20 at N = 20,000" in cap.message for cap in capped.caps)
    assert any("batches drawn reduced from 200 to 50 at batch 20,000" in cap.message for cap in capped.caps)
    # the recorded losses are the real losses at the recorded β (fewer records, not different numbers)
    np.testing.assert_allclose(capped.history.losses[-1], logistic.loss(capped.X, capped.y, capped.final_beta),
                               rtol=1e-12)


def test_the_tutorial_defaults_are_not_capped():
    study = run_sgd(SgdSettings())
    assert study.caps == ()
    assert study.history.steps[-1] == 500 and study.record_every == 1 and len(study.history.steps) == MAX_RECORDS + 1
    assert len(study.grid_b1) == GRID_POINTS and len(study.spread) == SPREAD_DRAWS


def test_one_point_sgd_is_never_capped_by_its_steps():
    study = run_sgd(SgdSettings(steps=100_000, n=2000))  # 10⁵ Python steps: far below the training budget
    assert study.caps == () and study.history.steps[-1] == 100_000


def test_an_uploaded_file_s_caps_belong_to_the_upload():
    rows = np.random.default_rng(4).uniform(-1, 1, size=(7000, 2))  # 501 records · 7,000 > 2·10⁶
    content = "\n".join(f"{a:.4f},{b:.4f},{int(a >= b)}" for a, b in rows).encode()
    study = run_sgd(SgdSettings(data="upload", csv=content))
    assert {cap.control for cap in study.caps} == {"upload"}
    assert len(study.history.steps) <= CURVES.limit // 7000 == 285
