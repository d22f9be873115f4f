"""core.network_lab, the Network page's study: the layer text, the work budget, the split, validation by control, the
frames' surfaces and tiles against a forward pass written out here, a clicked weight against central differences,
its chain as a formula against core.autodiff, the diagnosis, the exports rebuilt from their text, and the Home page's
network scenarios doing what their blurbs say."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import replace

import numpy as np
import pytest

from core import autodiff, differences, expressions, network
from core.budget import NETWORK
from core.catalog import SCENARIOS
from core.errors import ParameterError
from core.expressions import parse
from core.network import Architecture
from core.network_lab import (
    DEFAULT,
    FEATURES,
    FRAME_OVERHEAD,
    MAX_FRAMES,
    MAX_STEPS,
    PICTURE_SHARE,
    RECORD_OVERHEAD,
    SURFACE_GRID,
    TILE_GRID,
    NetworkSettings,
    backprop_formula,
    dead_units,
    frame_at,
    layers_text,
    loss_latex,
    metrics,
    parse_layers,
    point_cost,
    run_csv,
    settings_json,
    step_cost,
    study_network,
    update_latex,
    weight_detail,
    weight_labels,
    weights_json,
)

# Tolerances, each with its reason.
SAME = 1e-12  # the same float64 operations in another order (a forward pass written out here, the JSON's weights)
# Central differences of L(θ) at their default step: truncation ~h² plus rounding ~eps·L/h, about 1e-10 of L.
CENTRAL = 1e-6
# The formula's constants at 17 digits are θ's float64 values exactly; only the order of the sums differs.
EXACT_FORMULA = 1e-9
# At the page's 6 significant digits each constant carries up to 5·10⁻⁶ relative rounding; the chain's sums of a few
# products and the softplus pass it on at about that size, so 1e-4 holds with room while catching a wrong term.
ROUNDED_FORMULA = 1e-4

HEAVY = {
    "6x8-all-features-batch-1": NetworkSettings(layers=(8,) * 6, features=FEATURES, steps=100_000, batch=1),
    "n-5000-batch-2500": NetworkSettings(n=5000, batch=2500, steps=100_000),
    "n-5000-6x8-batch-2500": NetworkSettings(n=5000, layers=(8,) * 6, features=FEATURES, steps=100_000, batch=2500),
}
DIVERGING = NetworkSettings(activation="linear", lr=10.0, layers=(8, 8), features=FEATURES)
OVERFITTING = NetworkSettings(data="xor", n=80, noise=0.15, layers=(8, 8), lr=0.3, steps=6000, batch=5)
DYING = NetworkSettings(data="circle", activation="relu", layers=(8, 8), lr=3.0, steps=500)
ALL_FEATURES = NetworkSettings(features=FEATURES, layers=(3, 2), steps=300)
PENALISED = NetworkSettings(layers=(3, 3), l2=0.01, l1=0.002, steps=1000, seed=3)


@pytest.fixture(scope="module")
def run():
    """study_network, each settings run once for the whole module (NetworkSettings is hashable)."""
    studies: dict[NetworkSettings, object] = {}

    def get(settings: NetworkSettings):
        if settings not in studies:
            studies[settings] = study_network(settings)
        return studies[settings]

    return get


@pytest.fixture(scope="module")
def default(run):
    return run(DEFAULT)


# ----------------------------------------------------------------------------------------------- written out here
ACTIVATION = {"tanh": np.tanh, "relu": lambda z: np.where(z > 0, z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
              "linear": lambda z: z}
FEATURE = {"x1": lambda x1, x2: x1, "x2": lambda x1, x2: x2, "x1^2": lambda x1, x2: x1**2,
           "x2^2": lambda x1, x2: x2**2, "x1x2": lambda x1, x2: x1 * x2, "sin(x1)": lambda x1, x2: np.sin(x1),
           "sin(x2)": lambda x1, x2: np.sin(x2)}


def by_hand(weights, biases, features, activation, X):
    """Every layer's outputs (features, hidden layers) and the output logit at the rows of X, from the weights."""
    X = np.asarray(X, dtype=float)
    a = np.column_stack([FEATURE[f](X[:, 0], X[:, 1]) for f in features])
    outputs = [a]
    with np.errstate(over="ignore"):
        for W, b in zip(weights[:-1], biases[:-1]):
            a = ACTIVATION[activation](a @ np.asarray(W) + np.asarray(b))
            outputs.append(a)
    return outputs, a @ np.asarray(weights[-1])[:, 0] + biases[-1][0]


def by_hand_at(study, theta, X):
    params = study.architecture.unflatten(theta)
    return by_hand(params.weights, params.biases, study.architecture.features, study.architecture.activation, X)


def sigmoid(z):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def objective(study, theta) -> float:
    """L(θ) on the training set: mean log(1 + e^z) − y z, plus (λ₂/2) Σ w² + λ₁ Σ |w| over the weights."""
    _, z = by_hand_at(study, theta, study.X_train)
    y = study.y_train
    weights = study.architecture.unflatten(theta).weights
    s = study.settings
    penalty = sum(0.5 * s.l2 * np.sum(W**2) + s.l1 * np.sum(np.abs(W)) for W in weights)
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + penalty)


def raises_for(parameter: str, match: str, call, *args, **kwargs) -> ParameterError:
    with pytest.raises(ParameterError, match=match) as caught:
        call(*args, **kwargs)
    assert caught.value.parameter == parameter
    return caught.value


# ----------------------------------------------------------------------------------------------- 1. parse_layers
@pytest.mark.parametrize(("text", "widths"), [
    ("4,4", (4, 4)), (" 8 8 2 ", (8, 8, 2)), ("0", ()), ("", ()), ("  ", ()), ("4; 4", (4, 4)), ("1", (1,)),
    ("8,8,8,8,8,8", (8,) * 6), ("08", (8,)),
], ids=["comma", "spaces", "zero", "empty", "blank", "semicolon", "one", "six-layers", "leading-zero"])
def test_parse_layers(text, widths):
    assert parse_layers(text) == widths


@pytest.mark.parametrize(("text", "match"), [
    ("4,x", r"'x' is not a whole number"), ("9", r"1 to 8 neurons; got 9"), ("0,4", r"1 to 8 neurons"),
    ("1,1,1,1,1,1,1", r"At most 6 hidden layers; got 7"), ("-1", r"'-1' is not a whole number"),
    ("4.5", r"'4\.5' is not a whole number"), ("4," * 40, r"separated by commas, e\.g\. 4,4"),
], ids=["letter", "too-wide", "zero-width", "seven-layers", "negative", "decimal", "very-long"])
def test_parse_layers_names_the_problem(text, match):
    raises_for("layers", match, parse_layers, text)


@pytest.mark.parametrize("text", ["²", "4,4²"], ids=["superscript", "trailing-superscript"])
def test_parse_layers_superscript_digits_are_a_parameter_error(text):
    raises_for("layers", "whole number", parse_layers, text)


@pytest.mark.parametrize("widths", [(), (4,), (4, 4), (8, 8, 2), (1,) * 6, (8,) * 6], ids=str)
def test_layers_text_round_trip(widths):
    text = layers_text(widths)
    assert parse_layers(text) == widths and (text == "0") == (widths == ())


# ----------------------------------------------------------------------------------------------- 2. the budget
def test_step_and_point_cost_by_hand():
    architecture = Architecture(features=("x1", "x2"), hidden=(4,))  # 2·4 + 4·1 = 12 weights, 5 neurons, 2 layers
    assert step_cost(architecture, 10) == 75_000 + 2 * 35_000 + 10 * (3 * 12 + 20 * 5)
    assert point_cost(architecture) == 12 + 10 * 5 + 5 * 2


def counted_work(study) -> int:
    """Training steps, records and frames of the study as the budget counts them, from the public costs."""
    n, m = len(study.y_train), len(study.y_test)
    each = point_cost(study.architecture)
    per_frame = FRAME_OVERHEAD + (SURFACE_GRID**2 + TILE_GRID**2) * each
    per_record = RECORD_OVERHEAD + (n + m) * each
    trained = int(study.training.steps[-1])
    return (trained * step_cost(study.architecture, study.settings.batch) + len(study.training.steps) * per_record
            + len(study.frames) * per_frame)


@pytest.mark.parametrize("name", list(HEAVY))
def test_heavy_settings_are_capped_within_the_budget(run, name):
    study = run(HEAVY[name])
    assert study.caps and study.training.diverged_at is None
    trained = next(cap for cap in study.caps if cap.message.startswith("At most") and " T reduced" in cap.message)
    assert trained.requested == 100_000 and trained.allowed == study.training.steps[-1] < 100_000
    assert re.search(rf"T reduced from 100,000 to {trained.allowed:,} for {layers_text(study.settings.layers)} "
                     rf"hidden, batch {study.settings.batch:,}\.$", trained.message)
    for cap in study.caps:
        assert cap.control == "steps"  # the page shows the sentence beside the steps box
        assert cap.cost <= cap.budget.limit <= NETWORK.limit
        assert cap.message.startswith("At most ")
        assert f"reduced from {cap.requested:,} to {cap.allowed:,}" in cap.message
    assert counted_work(study) <= NETWORK.limit


def test_records_are_capped_when_the_data_is_large(run):
    study = run(HEAVY["n-5000-6x8-batch-2500"])
    records = next(cap for cap in study.caps if "recorded steps" in cap.message)
    assert len(study.training.steps) <= records.allowed < records.requested == 201
    assert records.cost <= PICTURE_SHARE * NETWORK.limit


def test_default_settings_are_not_capped(default):
    assert default.caps == () and default.training.steps[-1] == DEFAULT.steps
    assert counted_work(default) <= NETWORK.limit


# ----------------------------------------------------------------------------------------------- 3. the split
def rows(X) -> list[tuple[float, float]]:
    return sorted(map(tuple, np.asarray(X).tolist()))


@pytest.mark.parametrize(("n", "ratio", "test_size"), [
    (400, 0.5, 200), (20, 0.1, 2), (20, 0.9, 18), (123, 0.3, 37), (401, 0.5, 200), (77, 0.25, 19),
], ids=["default", "tenth", "nine-tenths", "rounds-up", "half-even", "quarter"])
def test_split_sizes_disjoint_and_whole(n, ratio, test_size):
    settings = NetworkSettings(n=n, test_ratio=ratio, batch=1, steps=1, seed=7)
    study = study_network(settings)
    assert len(study.y_test) == test_size and len(study.y_train) == n - test_size
    data = network.make_dataset(n, rng=np.random.default_rng([settings.seed, 0]), kind=settings.data)
    assert rows(np.concatenate([study.X_train, study.X_test])) == rows(data.X)  # the union is the data set
    assert not set(rows(study.X_train)) & set(rows(study.X_test))  # disjoint (drawn points are distinct)
    labels = {tuple(x): int(label) for x, label in zip(data.X.tolist(), data.y)}
    assert all(labels[tuple(x)] == label for x, label in zip(study.X_test.tolist(), study.y_test))


def test_split_is_seeded_and_reproducible():
    one, again = study_network(NetworkSettings(steps=1, seed=4)), study_network(NetworkSettings(steps=1, seed=4))
    other = study_network(NetworkSettings(steps=1, seed=5))
    for name in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(one, name), getattr(again, name))
    np.testing.assert_array_equal(one.training.thetas, again.training.thetas)
    assert rows(one.X_test) != rows(other.X_test)


def test_upload_is_split_into_exactly_its_rows():
    points = [(0.1 * k, (-1) ** k * 0.05 * k, k % 2) for k in range(1, 31)]
    content = ("x1,x2,label\n" + "".join(f"{a!r},{b!r},{c}\n" for a, b, c in points)).encode()
    study = study_network(NetworkSettings(data="upload", csv=content, steps=5, batch=3))
    assert len(study.y_test) == 15 and study.dropped == 0
    assert rows(np.concatenate([study.X_train, study.X_test])) == rows([(a, b) for a, b, _ in points])
    labels = {(a, b): c for a, b, c in points}
    assert all(labels[tuple(x)] == c for x, c in zip(np.concatenate([study.X_train, study.X_test]).tolist(),
                                                     np.concatenate([study.y_train, study.y_test])))


@pytest.mark.parametrize(("settings", "match"), [
    (NetworkSettings(data="upload"), "Choose a CSV file"),
    (NetworkSettings(data="upload", csv=b"1,2,0\n1,2,3\n"), "the label 3 is not 0 or 1"),
    (NetworkSettings(data="upload", csv=b"x1,x2\n1,2\n"), "has 2 columns; expected 3"),
], ids=["no-file", "bad-label", "two-columns"])
def test_upload_problems_name_the_upload(settings, match):
    raises_for("upload", match, study_network, settings)


def test_function_data_drops_exactly_the_undefined_points(run):
    settings = NetworkSettings(data="function", boundary="sqrt(x1)", n=400, seed=2)
    study = run(settings)
    # The same draw with a boundary defined everywhere keeps every point: those with x1 < 0 are the ones sqrt drops.
    drawn = network.make_dataset(400, rng=np.random.default_rng([2, 0]), kind="function",
                                 boundary=lambda x1: np.zeros_like(x1)).X
    assert study.dropped == np.count_nonzero(drawn[:, 0] < 0) > 100
    kept = np.concatenate([study.X_train, study.X_test])
    assert rows(kept) == rows(drawn[drawn[:, 0] >= 0])
    y = np.concatenate([study.y_train, study.y_test])
    np.testing.assert_array_equal(y, (kept[:, 1] > np.sqrt(kept[:, 0])).astype(int))  # x2 > g(x1)


@pytest.mark.parametrize(("boundary", "match"), [
    ("x1^", "ends too early"), ("y", "Unknown name 'y'"), ("import os", "Unknown name 'import'"),
    ("sqrt(-1 - x1)", r"defined at only 0 of 400 points"),
], ids=["dangling-power", "unknown-name", "code", "nowhere-defined"])
def test_bad_boundary_names_the_boundary(boundary, match):
    raises_for("boundary", match, study_network, NetworkSettings(data="function", boundary=boundary))


# ----------------------------------------------------------------------------------------------- 4. validation
@pytest.mark.parametrize(("settings", "parameter", "match"), [
    (NetworkSettings(lr=0.0), "lr", r"learning rate must be a number in \(0, 100\]; got 0\.0"),
    (NetworkSettings(lr=math.nan), "lr", r"in \(0, 100\]; got nan"),
    (NetworkSettings(lr=1000.0), "lr", r"in \(0, 100\]; got 1000\.0"),
    (NetworkSettings(steps=0), "steps", f"Steps must be between 1 and {MAX_STEPS:,}; got 0"),
    (NetworkSettings(steps=MAX_STEPS + 1), "steps", "Steps must be between 1"),
    (NetworkSettings(batch=201), "batch", r"between 1 and the 200 training points; got 201"),
    (NetworkSettings(l2=-1.0), "l2", r"L2 must be between 0 and 10; got -1\.0"),
    (NetworkSettings(l1=math.inf), "l1", r"L1 must be between 0 and 10; got inf"),
    (NetworkSettings(features=()), "features", "Choose at least one input feature"),
    (NetworkSettings(features=("x1", "x3")), "features", "Features are among"),
    (NetworkSettings(activation="soft"), "activation", r"must be one of tanh, relu, sigmoid, linear; got 'soft'"),
    (NetworkSettings(n=19), "n", "N must be a whole number between 20 and 5,000; got 19"),
    (NetworkSettings(n=100.5), "n", "N must be a whole number between 20 and 5,000; got 100.5"),
    (NetworkSettings(noise=0.6), "noise", "The label noise must be a fraction between 0 and 0.5; got 0.6"),
    (NetworkSettings(seed=-1), "seed", "The seed must be a whole number"),
    (NetworkSettings(steps=10.5), "steps", "Steps must be between 1 and 100,000; got 10.5"),
    (NetworkSettings(test_ratio=0.95), "test_ratio", "between 0.1 and 0.9"),
    (NetworkSettings(data="moons"), "data", "must be one of .* or upload; got 'moons'"),
], ids=["lr-0", "lr-nan", "lr-1000", "steps-0", "steps-too-many", "batch", "l2", "l1", "no-features",
        "unknown-feature", "activation", "n", "n-fraction", "noise", "seed", "steps-fraction", "test-ratio", "data"])
def test_bad_settings_name_their_control(settings, parameter, match):
    raises_for(parameter, match, study_network, settings)


@pytest.mark.parametrize("layers", [(9,), (1,) * 7, (0,)], ids=["too-wide", "seven", "zero"])
def test_bad_layers_in_settings_name_the_layers(layers):
    raises_for("layers", "Hidden layers are 0 to 6 widths of 1 to 8 neurons", study_network,
               NetworkSettings(layers=layers))


def test_repeated_features_in_settings_name_the_features():
    raises_for("features", "Each feature can be chosen once", study_network, NetworkSettings(features=("x1", "x1")))


# ----------------------------------------------------------------------------------------------- 5. frames, surfaces
def test_frames_first_last_and_at_most_max(run, default):
    for study in (default, run(HEAVY["6x8-all-features-batch-1"]), run(DIVERGING)):
        frames = study.frames
        assert 2 <= len(frames) <= MAX_FRAMES and frames[0] == 0 and frames[-1] == len(study.training.steps) - 1
        assert np.all(np.diff(frames) > 0)
        assert study.surfaces.shape == (len(frames), SURFACE_GRID, SURFACE_GRID)
        assert study.frame_steps == tuple(int(study.training.steps[k]) for k in frames)
    steps = default.frame_steps
    assert frame_at(default, steps[3]) == 3 and frame_at(default, 10**9) == len(steps) - 1
    assert frame_at(default, (steps[3] + steps[4]) // 2 + 1) == 4


def test_window_holds_the_data_on_equal_axes(default):
    low1, high1, low2, high2 = default.window
    X = np.concatenate([default.X_train, default.X_test])
    assert low1 < X[:, 0].min() and X[:, 0].max() < high1 and low2 < X[:, 1].min() and X[:, 1].max() < high2
    assert high1 - low1 == pytest.approx(high2 - low2, rel=SAME)
    np.testing.assert_array_equal(default.surface_x1, np.linspace(low1, high1, SURFACE_GRID))
    np.testing.assert_array_equal(default.tile_x2, np.linspace(low2, high2, TILE_GRID))


def grid(x1, x2) -> np.ndarray:
    """Points of the grid, row r along x2 and column c along x1 (the study's layout)."""
    return np.array([[a, b] for b in x2 for a in x1])


@pytest.mark.parametrize("which", ["default", "all-features"])
def test_surfaces_are_the_networks_output_at_each_frame(run, which):
    study = run(DEFAULT if which == "default" else ALL_FEATURES)
    points = grid(study.surface_x1, study.surface_x2)
    for k, record in enumerate(study.frames):
        theta = study.training.thetas[record]
        expected = network.predict(theta, points, architecture=study.architecture).reshape(SURFACE_GRID, SURFACE_GRID)
        np.testing.assert_allclose(study.surfaces[k], expected, rtol=0, atol=SAME)
        _, logit = by_hand_at(study, theta, points)
        np.testing.assert_allclose(study.surfaces[k].ravel(), sigmoid(logit), rtol=0, atol=SAME)


def test_tiles_are_every_neurons_output_on_the_tile_grid(run):
    study = run(ALL_FEATURES)
    t1, t2 = np.meshgrid(study.tile_x1, study.tile_x2)  # [r, c] = (x1[c], x2[r])
    formulas = {"x1": t1, "x2": t2, "x1^2": t1**2, "x2^2": t2**2, "x1x2": t1 * t2, "sin(x1)": np.sin(t1),
                "sin(x2)": np.sin(t2)}
    sizes = study.architecture.sizes
    assert [tile.shape for tile in study.tiles] == [(len(study.frames), w, TILE_GRID, TILE_GRID) for w in sizes]
    for q, name in enumerate(FEATURES):  # the features do not change from frame to frame
        np.testing.assert_allclose(study.tiles[0][:, q], np.broadcast_to(formulas[name], study.tiles[0][:, q].shape),
                                   rtol=0, atol=SAME)
    points = grid(study.tile_x1, study.tile_x2)
    for k, record in enumerate(study.frames):
        theta = study.training.thetas[record]
        outputs, logit = by_hand_at(study, theta, points)
        for layer, a in enumerate(outputs[1:], start=1):
            np.testing.assert_allclose(study.tiles[layer][k], a.T.reshape(-1, TILE_GRID, TILE_GRID), rtol=0, atol=SAME)
        surface = network.predict(theta, points, architecture=study.architecture).reshape(TILE_GRID, TILE_GRID)
        np.testing.assert_allclose(study.tiles[-1][k, 0], surface, rtol=0, atol=SAME)


def test_study_arrays_are_read_only(default):
    """st.cache_resource hands one study to every session: none of its arrays may be written."""
    arrays = {name: getattr(default, name) for name in ("X_train", "y_train", "X_test", "y_test", "frames",
                                                        "surface_x1", "surface_x2", "surfaces", "tile_x1", "tile_x2")}
    arrays.update({f"tiles[{k}]": tile for k, tile in enumerate(default.tiles)})
    arrays.update({name: getattr(default.training, name) for name in ("thetas", "steps", "losses", "test_losses")})
    writable = [name for name, array in arrays.items() if array.flags.writeable]
    assert writable == []


# ----------------------------------------------------------------------------------------------- 6. a clicked weight
WEIGHTS = [(0, 0, 0), (0, 1, 2), (1, 2, 1), (2, 2, 0)]  # first layer, a middle one, the weight into the output


@pytest.mark.parametrize(("layer", "i", "j"), WEIGHTS, ids=["W1-11", "W1-23", "W2-32", "W3-31"])
def test_weight_detail_against_central_differences(run, layer, i, j):
    study = run(PENALISED)
    steps = study.training.steps
    k = 2
    assert study.record_every >= 3  # so that step k + 1 is nearest to record k alone
    detail = weight_detail(study, layer=layer, i=i, j=j, step=int(steps[k]) + 1, point=5)  # nearest record: k
    theta = study.training.thetas[k]
    index = study.architecture.weight_index(layer, i, j)
    assert detail.step == steps[k] and detail.value == theta[index]

    def loss_of(w):
        values = []
        for value in np.ravel(w):
            moved = theta.copy()
            moved[index] = value
            values.append(objective(study, moved))
        return np.reshape(values, np.shape(w))

    central = differences.derivative(loss_of, detail.value, method="central").value
    assert abs(detail.gradient) > 1e-3  # a gradient that relative error can be measured on
    assert detail.gradient == pytest.approx(central, rel=CENTRAL)
    w = detail.value
    assert detail.penalty_gradient == pytest.approx(PENALISED.l2 * w + PENALISED.l1 * np.sign(w), rel=SAME)
    assert detail.gradient == pytest.approx(detail.data_gradient + detail.penalty_gradient, rel=SAME)
    # The chain at training point 5: ∂ℓ/∂w = a · δ, with a the input feeding the weight there.
    outputs, _ = by_hand_at(study, theta, study.X_train[5:6])
    assert detail.point == 5 and detail.x == tuple(study.X_train[5]) and detail.label == study.y_train[5]
    assert detail.input == pytest.approx(outputs[layer][0, i], rel=SAME)
    assert detail.point_gradient == pytest.approx(detail.input * detail.delta, rel=SAME, abs=1e-300)
    assert len(detail.latex) == (2 if layer + 1 < len(study.architecture.sizes) - 1 else 1) + 1


@pytest.mark.parametrize(("layer", "i", "j"), [(3, 0, 0), (0, 2, 0), (0, 0, 3), (-1, 0, 0), (2, 0, 1)],
                         ids=["no-layer-3", "no-feature-3", "no-neuron-4", "negative", "one-output"])
def test_weight_detail_refuses_a_weight_the_network_lacks(run, layer, i, j):
    raises_for("weight", "This network has no weight", weight_detail, run(PENALISED), layer=layer, i=i, j=j, step=0)


def test_weight_labels_follow_theta(default):
    labels = weight_labels(default.architecture)
    assert len(labels) == default.architecture.n_weights
    assert labels["W1 x2 → h1,3"] == (0, 1, 2) and labels["W2 h1,4 → out"] == (1, 3, 0)
    indices = [default.architecture.weight_index(*where) for where in labels.values()]
    assert indices == sorted(indices)


# ----------------------------------------------------------------------------------------------- 7. the formula
def formula_cases():
    cases = []
    for hidden in [(), (4,), (4, 4), (3, 3, 3)]:
        for activation in ("tanh", "relu", "sigmoid", "linear"):
            for label in (0, 1):
                cases.append(pytest.param(hidden, activation, label,
                                          id=f"{layers_text(hidden)}-{activation}-y{label}"))
    return cases


@pytest.fixture
def patient_parser(monkeypatch):
    """The parser without its CPU bound (a server's protection, not math): a fresh formula of 200+ characters through
    tanh or sigmoid takes SymPy ~35–45 ms to build cold, right at PARSE_SECONDS (see the xfail below)."""
    monkeypatch.setattr(expressions, "PARSE_SECONDS", 5.0)


@pytest.mark.usefixtures("patient_parser")
@pytest.mark.parametrize(("hidden", "activation", "label"), formula_cases())
def test_backprop_formula_is_the_points_loss_in_the_weight(hidden, activation, label):
    architecture = Architecture(features=("x1", "x2"), hidden=hidden, activation=activation)
    rng = np.random.default_rng([len(hidden), label, ("tanh", "relu", "sigmoid", "linear").index(activation)])
    theta = rng.normal(0.0, 0.8, size=architecture.n_params)
    x = np.array([0.4, -0.7])
    one = network.loss_and_gradient(theta, x[None, :], np.array([label]), architecture=architecture)
    params = architecture.unflatten(theta)
    outputs, _ = by_hand(params.weights, params.biases, architecture.features, activation, x[None, :])
    fitted = 0
    for layer in range(len(architecture.sizes) - 1):
        i, j = architecture.sizes[layer] - 1, 0  # the last neuron of the layer into the first of the next
        w, a = params.weights[layer][i, j], outputs[layer][0, i]
        index = architecture.weight_index(layer, i, j)
        for digits, rel in ((17, EXACT_FORMULA), (None, ROUNDED_FORMULA)):
            extra = {} if digits is None else {"digits": digits}
            formula, note = backprop_formula(architecture, theta, x, label, layer=layer, i=i, j=j, **extra)
            if formula is None:  # deep chains do not fit the parser: only ahead of two or more hidden layers
                assert "Backprop page reads" in note and len(hidden) - layer >= 2
                continue
            fitted += 1
            assert note is None
            expression = parse(formula, ("x1", "x2"))
            assert expression.func(w, a) == pytest.approx(one.data_loss, rel=rel)
            slope = autodiff.reverse_gradient(expression, (w, a))[0]
            assert slope == pytest.approx(one.theta_gradient[index], rel=rel, abs=1e-300)
    assert fitted >= 2  # at least the output layer's weight, at both precisions


def test_deep_chain_has_no_formula_but_says_why():
    architecture = Architecture(features=("x1", "x2"), hidden=(8,) * 6)
    theta = network.init_params(architecture, rng=np.random.default_rng(0))
    formula, note = backprop_formula(architecture, theta, np.array([0.2, 0.3]), 1, layer=0, i=0, j=0)
    assert formula is None
    assert "through the 6 hidden layers after it" in note and "the 500 characters the Backprop page reads" in note


def test_backprop_formula_is_sent_only_when_the_parser_reads_it_in_time():
    """A 264-character chain through two tanh layers takes SymPy ~35 ms cold, near PARSE_SECONDS: the formula is
    offered only if the parser read it within its bound (then the Backprop page finds it in SymPy's cache), otherwise
    the note says why. Either way the page never sends a formula the Backprop page refuses."""
    architecture = Architecture(features=("x1", "x2"), hidden=(4, 4), activation="tanh")
    theta = np.random.default_rng([2, 0, 0]).normal(0.0, 0.8, size=architecture.n_params)
    formula, note = backprop_formula(architecture, theta, np.array([0.4, -0.7]), 0, layer=0, i=1, j=0)
    if formula is None:
        assert "too large for the Backprop page to read in time" in note
    else:
        assert note is None and len(formula) <= expressions.MAX_LENGTH
        parse(formula, ("x1", "x2"))


@pytest.mark.usefixtures("patient_parser")
def test_weight_detail_carries_the_formula(default):
    detail = weight_detail(default, layer=0, i=0, j=1, step=DEFAULT.steps)
    expression = parse(detail.formula, ("x1", "x2"))
    slope = autodiff.reverse_gradient(expression, (detail.value, detail.input))[0]
    assert slope == pytest.approx(detail.point_gradient, rel=ROUNDED_FORMULA)


# ----------------------------------------------------------------------------------------------- 8. the diagnosis
def test_diverging_run_is_named(run):
    study = run(DIVERGING)
    assert study.training.diverged_at is not None
    assert study.diagnosis.startswith(f"diverged at step {study.training.diverged_at}:")
    assert "learning rate 10 is too high" in study.diagnosis


def test_over_fitting_is_named(run):
    study = run(OVERFITTING)
    test_losses, losses = study.training.test_losses, study.training.losses
    best = int(np.argmin(test_losses))
    assert test_losses[-1] > 1.1 * test_losses[best] and losses[-1] < losses[best]
    assert "Over-fitting" in study.diagnosis
    assert f"lowest at step {int(study.training.steps[best])} ({test_losses[best]:.3f})" in study.diagnosis


def independent_dead_count(study) -> int:
    outputs, _ = by_hand_at(study, study.training.thetas[-1], study.X_train)
    return sum(int(np.sum(np.all(a == 0.0, axis=0))) for a in outputs[1:])


def test_dead_relu_units_are_counted(run):
    study = run(DYING)
    dead = independent_dead_count(study)
    assert dead_units(study) == dead > 0
    assert f"{dead} of 16 ReLU units are dead" in study.diagnosis


def test_dead_units_are_zero_for_tanh(default):
    assert dead_units(default) == 0


def test_default_run_has_no_diagnosis(default):
    assert default.diagnosis is None and default.training.diverged_at is None


# ----------------------------------------------------------------------------------------------- 9. exports
def test_run_csv_parses_back_to_the_training_arrays(default):
    table = list(csv.DictReader(io.StringIO(run_csv(default))))
    t = default.training
    assert len(table) == len(t.steps)
    np.testing.assert_array_equal([int(r["step"]) for r in table], t.steps)
    for column, values in [("train_loss", t.losses), ("test_loss", t.test_losses), ("train_accuracy", t.accuracies),
                           ("test_accuracy", t.test_accuracies)]:
        np.testing.assert_array_equal([float(r[column]) for r in table], values)  # 17 digits: exact


def settings_from_json(text: str) -> NetworkSettings:
    values = json.loads(text)
    values["features"], values["layers"] = tuple(values["features"]), parse_layers(values["layers"])
    values["csv"] = None
    return NetworkSettings(**values)


@pytest.mark.parametrize("settings", [
    DEFAULT, PENALISED, NetworkSettings(data="function", boundary="x1^2 - 0.5", layers=(), features=("x1", "x1^2")),
    NetworkSettings(data="upload", csv=b"1,2,0\n3,4,1\n"),
], ids=["default", "penalised", "no-hidden", "upload"])
def test_settings_json_round_trips(settings):
    text = settings_json(settings)
    values = json.loads(text)
    assert values["csv"] == (None if settings.csv is None else f"{len(settings.csv)} bytes uploaded")
    assert settings_from_json(text) == replace(settings, csv=None)


def test_weights_json_of_a_diverged_run_is_strict_json(run):
    """NaN is not JSON: a diverged run's weights are written as null, and every other number as it is."""
    study = run(DIVERGING)
    layers = json.loads(weights_json(study), parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))["layers"]
    values = np.array([v for layer in layers for row in layer["weights"] for v in row], dtype=object)
    final = np.concatenate([w.ravel() for w in study.architecture.unflatten(study.training.thetas[-1]).weights])
    assert [v is None for v in values] == (~np.isfinite(final)).tolist()


@pytest.mark.parametrize("which", ["default", "all-features", "relu"])
def test_weights_json_rebuilds_predict(run, which):
    study = run({"default": DEFAULT, "all-features": ALL_FEATURES, "relu": DYING}[which])
    for step in (None, int(study.training.steps[1])):
        model = json.loads(weights_json(study, step=step))
        k = len(study.training.steps) - 1 if step is None else 1
        assert model["step"] == study.training.steps[k]
        weights = [layer["weights"] for layer in model["layers"]]
        biases = [layer["biases"] for layer in model["layers"]]
        X = np.concatenate([study.X_test, grid(study.tile_x1, study.tile_x2)])
        _, logit = by_hand(weights, biases, model["features"], model["activation"], X)
        expected = network.predict(study.training.thetas[k], X, architecture=study.architecture)
        np.testing.assert_allclose(sigmoid(logit), expected, rtol=0, atol=SAME)
        assert model["layers"][0]["from"] == list(study.architecture.features)
        assert model["layers"][-1]["to"] == ["out"]


# ----------------------------------------------------------------------------------------------- 10. words, LaTeX
def test_metrics_are_the_recorded_numbers(default):
    t = default.training
    k = 5
    shown = dict(metrics(default, step=int(t.steps[k]) - 1))
    assert shown == {"training loss": f"{t.losses[k]:.4f}", "test loss": f"{t.test_losses[k]:.4f}",
                     "training accuracy": f"{t.accuracies[k]:.3f}", "test accuracy": f"{t.test_accuracies[k]:.3f}"}


def test_metrics_of_a_diverged_run_say_nan(run):
    study = run(DIVERGING)
    shown = dict(metrics(study, step=10**6))
    expected = "∞" if np.isposinf(study.training.losses[-1]) else "NaN"
    assert shown["training loss"] == expected and shown["test accuracy"] == "NaN"


def test_loss_and_update_latex_carry_the_runs_numbers(run):
    study = run(PENALISED)
    latex = loss_latex(study)
    assert rf"n = {len(study.y_train)}" in latex and r"\lambda_2 = 0.01" in latex and r"\lambda_1 = 0.002" in latex
    detail = weight_detail(study, layer=1, i=0, j=2, step=int(study.training.steps[-1]))
    update = " ".join(update_latex(study, detail))  # the rule, then the step in numbers
    after = detail.value - PENALISED.lr * detail.gradient
    assert r"B = 10" in update and r"\alpha = 0.3" in update and f"step {detail.step}" in update
    assert f"{detail.value:.4g}" in update and f"{after:.4g}" in update
    assert r"\lambda_2 w" in update and r"\operatorname{sign} w" in update
    plain = loss_latex(run(DEFAULT))
    assert r"\lambda" not in plain and "n = 200" in plain


# ----------------------------------------------------------------------------------------------- 11. scenarios
NUMBERS = {"n": int, "steps": int, "batch": int, "seed": int, "lr": float, "noise": float, "test_ratio": float,
           "l2": float, "l1": float}


def settings_of(params) -> NetworkSettings:
    """The view's URL reading for the scenario's parameters, by hand (the view needs streamlit)."""
    values, features = {}, []
    for key, text in params:
        if key == "features":
            features.append(text)
        elif key == "layers":
            values["layers"] = parse_layers(text)
        else:
            values[key] = NUMBERS.get(key, str)(text)
    if features:
        values["features"] = tuple(features)
    return NetworkSettings(**values)


def claims_xor(run, study):
    assert study.architecture.hidden == () and study.training.test_accuracies[-1] < 0.7  # no line beats chance
    with_hidden = run(replace(study.settings, layers=(4,)))
    assert with_hidden.training.test_accuracies[-1] > 0.9  # "type 4 ... it bends the boundary"


def claims_spiral(run, study):
    assert study.training.test_accuracies[-1] > 0.85
    plain = run(replace(study.settings, features=("x1", "x2"), layers=(8, 8, 8)))
    assert plain.training.test_accuracies[-1] < 0.7  # "with x1 and x2 alone ... still near chance"


def claims_over_fitting(run, study):
    assert len(study.y_train) == 40 and "Over-fitting" in study.diagnosis
    assert study.training.losses[-1] < 0.05  # "the training loss goes to 0"
    assert study.training.test_losses[-1] > 2 * np.min(study.training.test_losses)  # "the test loss climbs"


def claims_dying(run, study):
    assert dead_units(study) == independent_dead_count(study) >= sum(study.architecture.hidden) / 2
    assert "ReLU units are dead" in study.diagnosis


CLAIMS = {"xor needs a hidden layer": claims_xor, "Spiral: depth and features": claims_spiral,
          "Over-fitting: noise and a small training set": claims_over_fitting, "ReLU units that die": claims_dying}
NETWORK_SCENARIOS = [s for s in SCENARIOS if s.url_path == "network"]


def test_every_network_scenario_has_its_claims_checked():
    assert {s.title for s in NETWORK_SCENARIOS} == set(CLAIMS)


@pytest.mark.parametrize("scenario", NETWORK_SCENARIOS, ids=[s.title for s in NETWORK_SCENARIOS])
def test_scenario_does_what_its_blurb_says(run, scenario):
    study = run(settings_of(scenario.params))
    assert study.caps == ()  # a scenario runs as written, not reduced
    CLAIMS[scenario.title](run, study)
