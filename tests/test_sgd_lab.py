"""core.sgd_lab and its figures: the tutorial's example C, CSV uploads, the grid, the animation's frames."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core import logistic
from core.errors import ParameterError
from core.plots.sgd import curves_figure, descent_figure, spread_figure
from core.presentation import sgd_readouts
from core.sgd_lab import MAX_FRAMES, SgdSettings, data_from_csv, frame_indices, run_sgd

CHECK = 1e-6  # the bar for the gradient check (analytic vs finite differences)
RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def tutorial():
    return run_sgd(SgdSettings())


def test_tutorial_example_c(tutorial):
    history = tutorial.history
    assert history.betas.shape == (501, 2) and history.steps[-1] == 500 and history.diverged_at is None
    beta0 = np.random.default_rng([0, 1]).uniform(-10, 10, size=2)
    np.testing.assert_array_equal(history.betas[0], beta0)
    assert history.accuracies[-1] >= 0.97 and history.losses[-1] < 0.12  # the tutorial printed 0.987 and 0.0761
    assert history.betas[-1][0] > 5 and history.betas[-1][1] < -5  # along the true direction (1, -1)
    assert tutorial.check_error <= CHECK
    np.testing.assert_allclose(tutorial.analytic, logistic.gradient(tutorial.X, tutorial.y, history.betas[-1]))


def test_tutorial_grid_is_the_tutorials(tutorial):
    np.testing.assert_allclose(tutorial.grid_b1, np.arange(-15, 15.01, 0.5))
    np.testing.assert_allclose(
        tutorial.grid_loss[3, 7],
        logistic.loss(tutorial.X, tutorial.y, np.array([tutorial.grid_b1[7], tutorial.grid_b2[3]])),
        rtol=1e-12,
    )


def test_grid_widens_to_keep_the_path_in_view():
    study = run_sgd(SgdSettings(start="typed", b1=40.0, b2=-30.0, steps=50))
    assert study.grid_b1[-1] >= 40.0 and study.grid_b2[0] <= -40.0


def test_long_runs_record_at_most_500_points():
    study = run_sgd(SgdSettings(steps=5000, n=500))
    assert len(study.history.steps) <= 502 and study.history.steps[-1] == 5000 and study.record_every == 10


@pytest.mark.parametrize("records", [1, 2, 11, 60, 61, 501])
def test_frames_cover_first_and_last(records):
    frames = frame_indices(records)
    assert frames[0] == 0 and frames[-1] == records - 1 and len(frames) <= MAX_FRAMES
    assert np.all(np.diff(frames) > 0)


def test_too_high_learning_rate_is_named():
    study = run_sgd(SgdSettings(lr=20.0, noise=0.1))
    assert "learning rate is too high" in study.diagnosis


def test_divergence_on_huge_features_is_named():
    X = np.array([[1e300, -1e300], [-1e300, 1e300], [2e300, 1e300]])
    content = "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, [0, 1, 0])).encode()  # all misclassified by β0
    study = run_sgd(SgdSettings(data="upload", csv=content, lr=1.0, steps=20, start="typed", b1=1.0, b2=0.5))
    assert study.history.diverged_at is not None and study.diagnosis.startswith("diverged at step")


GOOD_CSV = [
    (b"x1,x2,label\n0.5,-0.2,1\n-0.3,0.4,0\n", 2),
    (b"0.5,-0.2,1\n-0.3,0.4,0\n0.1,0.1,1\n", 3),
    (b"\xef\xbb\xbfa,b,c\r\n1,2,0\r\n3,4,1\r\n\r\n", 2),
]


@pytest.mark.parametrize(("content", "rows"), GOOD_CSV, ids=["header", "no-header", "bom-crlf"])
def test_good_csv(content, rows):
    X, y = data_from_csv(content)
    assert X.shape == (rows, 2) and y.dtype == np.int64 and set(y) <= {0, 1}


BAD_CSV = [
    (b"", "empty"),
    (b"x1,x2\n1,2\n", "has 2 columns; expected 3"),
    (b"1,2,0\n1,abc,1\n", "Row 2, column 2: 'abc' is not a number"),
    (b"1,2,0\n1,2,2\n", "Row 2: the label 2 is not 0 or 1"),
    (b"1,2,0\n1,inf,1\n", "not a finite number"),
    (b"x1,x2,y\n", "no data rows"),
    (b"\xff\xfe\x00", "not text"),
    (b"1,2,0\n" * 100_001, "100,001 rows; the limit is 100,000"),
    (b"1" * (5 * 1024 * 1024 + 1), "limit is 5 MB"),
]


@pytest.mark.parametrize(("content", "message"), BAD_CSV,
                         ids=["empty", "columns", "text", "label", "inf", "header-only", "binary", "rows", "bytes"])
def test_bad_csv_names_the_problem(content, message):
    with pytest.raises(ParameterError, match=message) as caught:
        data_from_csv(content)
    assert caught.value.parameter == "upload"


@pytest.mark.parametrize(
    ("settings", "parameter", "message"),
    [(SgdSettings(lr=-1.0), "lr", "positive"), (SgdSettings(steps=0), "steps", "between 1"),
     (SgdSettings(n=0), "n", "N must be"), (SgdSettings(batch=5000), "batch", "between 1 and N = 2000"),
     (SgdSettings(data="moons"), "data", "must be one of"), (SgdSettings(data="upload"), "upload", "Choose a CSV"),
     (SgdSettings(noise=0.7), "noise", "between 0 and 0.5")],
    ids=["lr", "steps", "n", "batch", "data", "no-file", "noise"],
)
def test_bad_settings(settings, parameter, message):
    with pytest.raises(ParameterError, match=message) as caught:
        run_sgd(settings)
    assert caught.value.parameter == parameter


def test_bias_gives_three_parameters_and_fits_the_shifted_data():
    study = run_sgd(SgdSettings(data="shifted", bias=True, batch=2000, lr=5.0, steps=2000))
    assert study.history.betas.shape[1] == 3
    assert study.history.accuracies[-1] > 0.9  # no line through the origin separates "shifted"; with a bias one does


def test_descent_figure_path_and_frames(tutorial):
    figure = descent_figure(tutorial, rng=RNG)
    by_name = {trace.name: trace for trace in figure.data}
    path = by_name["full path"]
    np.testing.assert_allclose([path.x[0], path.y[0]], tutorial.history.betas[0], rtol=1e-6)
    np.testing.assert_allclose([path.x[-1], path.y[-1]], tutorial.history.betas[-1], rtol=1e-6)
    assert figure.data[0].name == "loss" and figure.layout.xaxis.title.text == "β1"  # trace 0: clicks start a run
    # the loss itself is a picture under the panel, spanning the grid (frames, drawn without redraw, never touch it)
    image = figure.layout.images[0]
    assert image.source.startswith("data:image/png;base64,") and image.xref == "x" and image.layer == "below"
    assert (image.x, image.sizex) == pytest.approx((tutorial.grid_b1[0], tutorial.grid_b1[-1] - tutorial.grid_b1[0]))
    np.testing.assert_allclose(figure.data[0].customdata, tutorial.grid_loss.ravel(), rtol=1e-6)  # hover: the loss
    assert len(figure.frames) == len(tutorial.frames) and all(len(frame.data) == 3 for frame in figure.frames)
    play = figure.layout.updatemenus[0].buttons[0].args[1]
    assert play["frame"]["redraw"] is False
    size = len(figure.to_json())
    assert size <= 200_000


def test_decision_boundary_is_where_the_model_is_undecided(tutorial):
    figure = descent_figure(tutorial, rng=RNG)
    boundary = next(t for t in figure.data if t.name == "decision boundary")
    beta = tutorial.history.betas[-1]
    # The figure carries float32 (7 digits): |β|·|x| ≈ 15 puts the rounding near 1e-6.
    np.testing.assert_allclose(np.array(boundary.x) * beta[0] + np.array(boundary.y) * beta[1], 0.0, atol=1e-5)


def test_other_figures(tutorial):
    assert [t.name for t in curves_figure(tutorial).data] == ["loss", "accuracy"]
    spread = spread_figure(tutorial)
    assert len(spread.data[0].x) == len(tutorial.spread)
    np.testing.assert_allclose(tutorial.spread.mean(axis=0), tutorial.full,
                               atol=5 * tutorial.spread.std(axis=0).max() / np.sqrt(len(tutorial.spread)))
    json.loads(spread.to_json())


def test_readouts_caption_the_batch_gradient_spread(tutorial):
    """The caption's standard deviation along β1 against the population formula written out in plain Python."""
    values = [float(v) for v in tutorial.spread[:, 0]]
    mean = sum(values) / len(values)
    deviation = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    caption = sgd_readouts(tutorial, tolerance=1e-6).spread
    assert caption.startswith(f"Spread of {len(values)} batch gradients")
    assert f"standard deviation {deviation:.2e} along β1" in caption


def test_readouts_of_a_diverged_run_say_so_in_words():
    X = np.array([[1e300, -1e300], [-1e300, 1e300], [2e300, 1e300]])
    content = "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, [0, 1, 0])).encode()  # as in the divergence test
    study = run_sgd(SgdSettings(data="upload", csv=content, lr=1.0, steps=20, start="typed", b1=1.0, b2=0.5))
    readouts = sgd_readouts(study, tolerance=1e-6)
    assert not readouts.check_passed and readouts.spread.endswith("standard deviation undefined along β1.")
