"""Benchmark: core.network's training step and loss_and_gradient, printed as figures (never asserted).

    python3 dev.py bench tests/benchmarks/bench_network.py

1. network.train per SGD step for the architectures none, (4,), (4, 4), (8,)×6, at batch 1, 10, 100 and the full
   400 points, with the features (x1, x2) and all seven: µs per step, and ns per point-weight (B × n_weights), the
   unit in which a large batch's cost grows. A step's cost is measured as the difference between runs of 2S and S
   steps (recording only at the first and last step), so the start, θ0 and the records cancel out.
2. What a step costs, split for the Network page's budget (core/budget.py NETWORK, core.network_lab.step_cost): the
   fixed cost of a step, fitted over the architectures at B = 1 as  fixed + per layer · L  (L layers of weights), and
   the cost of each further point, (t(B = 400) − t(B = 10)) / 390 per architecture, fitted as  a + b · hidden
   neurons. Where core.network_lab.step_cost exists, the measured ns per operation it counts, at each setting (the
   budget's unit: its worst case is the figure to use).
3. loss_and_gradient per call at n = 1 … 10,000 points: µs per call, ns per point and ns per point-weight. (CPU time
   counts every BLAS thread: on a busy machine the products of 10,000 points cost several times their share.)
4. What a record and a frame of the page evaluate: network.evaluate on 400 and 5,000 points (the training and test
   sets at each record), predict on a 48 × 48 grid and neuron_outputs on a 16 × 16 grid (a frame's decision surface
   and its neuron tiles): µs per call (the fixed part, at small n) and ns per point.

5. The page's runs: the default settings, each Home scenario and the heaviest settings, with the figure's size.

Times are CPU seconds (time.process_time), the least of REPEATS runs: the machine is shared and the minimum is the
least disturbed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from core import network  # noqa: E402
from core.network import FEATURES, Architecture  # noqa: E402
from tests.benchmarks.timing import least_cpu  # noqa: E402

N = 400
HIDDEN = {"none": (), "(4,)": (4,), "(4, 4)": (4, 4), "(8,)×6": (8,) * 6}
FEATURE_SETS = {"2 features": ("x1", "x2"), "7 features": FEATURES}
BATCHES = (1, 10, 100, N)
POINTS = (1, 10, 100, 1_000, 10_000)
TARGET_SECONDS = 0.03  # per timed run of S steps
REPEATS = 3
# OpenBLAS's threads spin for a while after a large product and their spinning counts as this process's CPU time:
# the rows of sections 3 and 4 start after this pause, so a row's small calls are not charged for the last row's
# products of 10,000 points.
BLAS_SETTLE_SECONDS = 0.5


def cpu(func) -> float:
    """The least CPU seconds of REPEATS calls."""
    return least_cpu(func, repeats=REPEATS)


def per_call(call) -> float:
    """CPU seconds of one call of ``call``: the least of REPEATS loops of ~TARGET_SECONDS (as many calls as that takes,
    judged from one call)."""
    start = time.process_time()
    call()
    calls = max(1, int(TARGET_SECONDS / max(time.process_time() - start, 1e-6)))

    def loop() -> None:
        for _ in range(calls):
            call()

    return cpu(loop) / calls


def step_seconds(architecture: Architecture, data, batch: int) -> float:
    """CPU seconds of one train step: (time of 2S steps − time of S steps) / S, S sized to ~TARGET_SECONDS."""
    theta0 = network.init_params(architecture, rng=np.random.default_rng(0))

    def run(steps: int) -> None:
        network.train(data.X, data.y, architecture=architecture, lr=0.1, steps=steps, batch=batch,
                      rng=np.random.default_rng(1), record_every=steps, theta0=theta0)

    probe = 50
    start = time.process_time()
    run(probe)
    per_step = max((time.process_time() - start) / probe, 1e-7)
    steps = int(min(max(TARGET_SECONDS / per_step, 100), 20_000))
    return max((cpu(lambda: run(2 * steps)) - cpu(lambda: run(steps))) / steps, 0.0)


def lab_step_cost():
    """core.network_lab.step_cost if the lab has it (it is written alongside the engine), else None."""
    try:
        from core import network_lab
    except Exception:  # noqa: BLE001 - the benchmark runs without the lab
        return None
    return getattr(network_lab, "step_cost", None)


def training() -> list[tuple[Architecture, int, float]]:
    data = network.make_dataset(N, rng=np.random.default_rng(2), kind="xor")
    step_cost = lab_step_cost()
    print(f"1. network.train, one SGD step on N = {N} xor points (CPU time, best of {REPEATS}; "
          "ns/pw = ns per point-weight = time / (B × n_weights)"
          + ("; ns/op = ns per operation counted by core.network_lab.step_cost)" if step_cost else ")"))
    rows = []
    for feature_name, features in FEATURE_SETS.items():
        for hidden_name, hidden in HIDDEN.items():
            architecture = Architecture(features=features, hidden=hidden, activation="tanh")
            cells = []
            for batch in BATCHES:
                seconds = step_seconds(architecture, data, batch)
                rows.append((architecture, batch, seconds))
                per_point_weight = seconds * 1e9 / (batch * architecture.n_weights)
                cell = f"B={batch:<3d} {seconds * 1e6:6.1f} µs {per_point_weight:7.1f} ns/pw"
                if step_cost:
                    cell += f" {seconds * 1e9 / step_cost(architecture, batch):5.2f} ns/op"
                cells.append(cell)
            print(f"   {feature_name}, hidden {hidden_name:7s} (W = {architecture.n_weights:3d}): " + " | ".join(cells))
    return rows


def fit(rows: list[tuple[Architecture, int, float]]) -> None:
    times = {(a.features, a.hidden, b): s for a, b, s in rows}
    architectures = list({(a.features, a.hidden): a for a, _, _ in rows}.values())
    # the fixed part: B = 1, where the calls' own cost is nearly all of a step
    design = np.array([[1.0, len(a.sizes) - 1] for a in architectures])
    single = np.array([times[(a.features, a.hidden, 1)] for a in architectures])
    (fixed, per_layer), *_ = np.linalg.lstsq(design, single, rcond=None)
    miss = np.max(np.abs(design @ [fixed, per_layer] / single - 1))
    print(f"2. a step at B = 1: {fixed * 1e6:.1f} µs + {per_layer * 1e6:.1f} µs per layer of weights "
          f"(worst miss {miss:.0%} over {len(architectures)} architectures)")
    marginal = np.array([(times[(a.features, a.hidden, N)] - times[(a.features, a.hidden, 10)]) / (N - 10)
                         for a in architectures])
    for a, m in zip(architectures, marginal, strict=True):
        print(f"   each further point, {len(a.features)} features, hidden {str(a.hidden):18s}: {m * 1e9:6.0f} ns "
              f"({m * 1e9 / a.n_weights:5.2f} ns per point-weight)")
    # at these widths a further point costs mostly elementwise work per hidden neuron (the products are tiny):
    # fitted as  a + b · hidden neurons  (a covers the output, the loss and the gather of the point)
    design = np.array([[1.0, sum(a.hidden)] for a in architectures])
    (base, per_neuron), *_ = np.linalg.lstsq(design / marginal[:, None], np.ones(len(marginal)), rcond=None)
    miss = np.max(np.abs(design @ [base, per_neuron] / marginal - 1))
    print(f"   fit: a further point costs {base * 1e9:.0f} ns + {per_neuron * 1e9:.1f} ns per hidden neuron "
          f"(worst relative miss {miss:.0%})")
    step_cost = lab_step_cost()
    if step_cost:
        seconds = np.array([s for _, _, s in rows])
        per_op = seconds * 1e9 / np.array([step_cost(a, b) for a, b, _ in rows])
        slowest = rows[int(np.argmax(per_op))]
        print(f"   ns per operation counted by core.network_lab.step_cost: median {np.median(per_op):.2f}, worst "
              f"{per_op.max():.2f} (hidden {slowest[0].hidden}, {len(slowest[0].features)} features, "
              f"B = {slowest[1]}), best {per_op.min():.2f}")


def gradients() -> None:
    print(f"3. loss_and_gradient per call (CPU time, best of {REPEATS} loops of ~{TARGET_SECONDS} s): µs per call, "
          "ns per point, ns per point-weight")
    for feature_name, features in FEATURE_SETS.items():
        for hidden_name, hidden in HIDDEN.items():
            architecture = Architecture(features=features, hidden=hidden, activation="tanh")
            theta = network.init_params(architecture, rng=np.random.default_rng(3))
            cells = []
            time.sleep(BLAS_SETTLE_SECONDS)
            for n in POINTS:
                data = network.make_dataset(n, rng=np.random.default_rng(4), kind="xor")
                seconds = per_call(lambda data=data, theta=theta, architecture=architecture:
                                   network.loss_and_gradient(theta, data.X, data.y, architecture=architecture))
                cells.append(f"n={n:<5d} {seconds * 1e6:7.0f} µs {seconds * 1e9 / n:6.0f} ns/pt "
                             f"{seconds * 1e9 / (n * architecture.n_weights):6.1f} ns/pw")
            print(f"   {feature_name}, hidden {hidden_name:7s}: " + " | ".join(cells))


def pictures() -> None:
    print(f"4. a record's and a frame's evaluations (CPU time, best of {REPEATS} loops of ~{TARGET_SECONDS} s): µs per "
          "call, ns per point")
    grids = {"48×48 predict": 48, "16×16 neuron_outputs": 16}
    for feature_name, features in FEATURE_SETS.items():
        for hidden_name, hidden in HIDDEN.items():
            architecture = Architecture(features=features, hidden=hidden, activation="tanh")
            theta = network.init_params(architecture, rng=np.random.default_rng(5))
            cells = []
            time.sleep(BLAS_SETTLE_SECONDS)
            for n in (400, 5000):
                data = network.make_dataset(n, rng=np.random.default_rng(6), kind="xor")
                seconds = per_call(lambda data=data, theta=theta, architecture=architecture:
                                   network.evaluate(theta, data.X, data.y, architecture=architecture))
                cells.append((f"evaluate n={n}", seconds, n))
            for name, size in grids.items():
                axis = np.linspace(-1, 1, size)
                grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
                call = network.predict if size == 48 else network.neuron_outputs
                seconds = per_call(lambda call=call, grid=grid, theta=theta, architecture=architecture:
                                   call(theta, grid, architecture=architecture))
                cells.append((name, seconds, size * size))
            text = [f"{name} {seconds * 1e6:5.0f} µs {seconds * 1e9 / points:4.0f} ns/pt"
                    for name, seconds, points in cells]
            print(f"   {feature_name}, hidden {hidden_name:7s}: " + " | ".join(text))


def presets() -> None:
    """The page's runs: the default, each Home scenario and the heaviest settings: the study's CPU seconds (training,
    records, surfaces and tiles), the figure's build time and its JSON size against the 300 KB bound, and the frames
    it kept."""
    from core.catalog import SCENARIOS
    from core.network_lab import NetworkSettings, frame_at, parse_layers, study_network
    from core.plots.network import network_figure

    print("5. the page's runs: study CPU s, figure CPU s, figure JSON KB, frames kept / recorded, steps trained")
    runs = {"default": NetworkSettings(),
            "heaviest: 6×8, 7 features, T = 100,000, B = 1": NetworkSettings(
                layers=(8,) * 6, features=FEATURES, steps=100_000, batch=1),
            "heaviest frames: 6×8, 7 features, T = 2,000": NetworkSettings(layers=(8,) * 6, features=FEATURES)}
    for scenario in (s for s in SCENARIOS if s.url_path == "network"):
        values: dict = {}
        for key, value in scenario.params:
            values.setdefault(key, []).append(value)
        kinds = {"n": int, "steps": int, "batch": int, "lr": float, "noise": float}
        settings = {k: kinds[k](v[0]) for k, v in values.items() if k in kinds}
        settings.update({k: v[0] for k, v in values.items() if k in ("data", "activation")})
        if "layers" in values:
            settings["layers"] = parse_layers(values["layers"][0])
        if "features" in values:
            settings["features"] = tuple(values["features"])
        runs[scenario.title] = NetworkSettings(**settings)
    for title, settings in runs.items():
        start = time.process_time()
        study = study_network(settings)
        studied = time.process_time() - start
        start = time.process_time()
        figure = network_figure(study, active=frame_at(study, 10**9))
        built = time.process_time() - start
        size = len(figure.to_json()) / 1000
        meta = figure.layout.meta
        kept = f"{meta['frames']:2d}/{meta['of']:2d}"
        print(f"   {title[:48]:48s} {studied:5.2f} s  {built:5.3f} s  {size:6.1f} KB  {kept}"
              f"  T = {int(study.training.steps[-1]):,}")


if __name__ == "__main__":
    fit(training())
    gradients()
    pictures()
    presets()
