"""The expressivity experiments of Raghu et al. (2017): the depth sweep and remaining depth.

Depth sweep (claim 2, trajectory length grows exponentially with depth): random networks with
W ~ N(0, σ_w²/fan_in) (so the first layer is N(0, σ_w²/m)) and b ~ N(0, σ_b²), a circle
x(t) = u cos t + v sin t through two random input vectors, and every layer's trajectory length and
transitions. Lengths are exact (`layer_lengths`) while the pieces stay within a budget; deeper layers
are sampled densely (`sampled`), with each value's method, sample count and convergence recorded and
values that are only known as lower bounds flagged. Nothing is silently approximate.

Remaining depth (claim 3, lower-layer weights matter more): perturb one layer's weights at a time, or
move them round W cos θ + W′ sin θ (the paper's Fig. 5), and measure what happens to the output.

Network n of a sweep is drawn from the seed sequence (seed, n) for every σ_w²: the same standard
normal draws scaled by each σ_w, so the σ_w² values are compared on common random numbers and a
record does not depend on which other σ_w² values were asked for.
"""

from __future__ import annotations

import csv
import json
import math
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from nnsurface.core.layer_lengths import (
    ExactLayers,
    PieceBudgetExceeded,
    exact_layer_lengths,
    loop_length,
    weight_circle_lengths,
)
from nnsurface.core.network import Network, paper_random
from nnsurface.core.sampled import converged_polyline
from nnsurface.core.trajectory import Trajectory

SWEEP_ACTIVATIONS: tuple[str, ...] = ("hardtanh", "relu", "tanh", "linear")
DEFAULT_MAX_PIECES = 40_000  # exact pieces per network (summed over layers) before sampling takes over
DEFAULT_MAX_SAMPLES = 2**14
MIN_SAMPLES = 2**10
CONVERGENCE_TARGET = 1e-3
SAMPLES_PER_PIECE = 16  # a polyline needs many samples per piece to approach the arc length
CSV_COLUMNS: tuple[str, ...] = (
    "activation", "width", "input_dim", "sigma_w2", "sigma_b2", "network", "layer",
    "length", "transitions", "method", "samples", "convergence", "lower_bound",
)  # fmt: skip


@dataclass(frozen=True)
class SweepSettings:
    """Everything that determines a sweep: the same settings and seed give the same records."""

    activation: str = "hardtanh"
    width: int = 100
    depth: int = 10
    sigma_w2: tuple[float, ...] = (1.0, 4.0, 16.0)
    sigma_b2: float = 0.0
    networks: int = 10
    input_dim: int = 2
    seed: int = 0
    max_pieces: int = DEFAULT_MAX_PIECES
    max_samples: int = DEFAULT_MAX_SAMPLES
    target: float = CONVERGENCE_TARGET

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma_w2", tuple(float(s) for s in self.sigma_w2))
        problems = [
            (self.activation in SWEEP_ACTIVATIONS, f"activation: expected one of {', '.join(SWEEP_ACTIVATIONS)}"),  # noqa: E501
            (self.width >= 1, "width: expected ≥ 1"),
            (self.depth >= 1, "depth: expected ≥ 1"),
            (len(self.sigma_w2) >= 1, "sigma_w2: expected at least one value"),
            (all(math.isfinite(s) and s > 0 for s in self.sigma_w2), "sigma_w2: expected finite values > 0"),
            (math.isfinite(self.sigma_b2) and self.sigma_b2 >= 0, "sigma_b2: expected a finite value ≥ 0"),
            (self.networks >= 1, "networks: expected ≥ 1"),
            (self.input_dim >= 1, "input_dim: expected ≥ 1"),
            (self.seed >= 0, "seed: expected ≥ 0"),
            (self.max_pieces >= 0, "max_pieces: expected ≥ 0"),
            (self.max_samples >= MIN_SAMPLES, f"max_samples: expected ≥ {MIN_SAMPLES}"),
            (0 < self.target < 1, "target: expected a value in (0, 1)"),
        ]
        for ok, message in problems:
            if not ok:
                raise ValueError(message)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["sigma_w2"] = list(self.sigma_w2)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> SweepSettings:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        return cls(**data)


@dataclass(frozen=True)
class LayerRecord:
    """One layer of one network: layer 0 is the input loop.

    method is 'exact' or 'sampled'. For sampled values, samples is the polyline's point count and
    convergence its relative change from samples/2 to samples; lower_bound is True when that change
    exceeds the target, so the value is known only as a lower bound (a polyline through points of a
    curve is never longer than the curve). Sampled transitions are crossings seen between samples, also
    a lower bound. transitions is None for tanh (no knots); layer 0 has none (0).
    """

    sigma_w2: float
    network: int
    layer: int
    length: float
    transitions: int | None
    method: str
    samples: int | None = None
    convergence: float | None = None
    lower_bound: bool = False


@dataclass(frozen=True, eq=False)
class SweepResult:
    settings: SweepSettings
    records: tuple[LayerRecord, ...] = field(default_factory=tuple)

    def lengths(self, sigma_w2: float) -> np.ndarray:
        """(networks seen, depth + 1) lengths for one σ_w²; rows in network order."""
        return self._grid(sigma_w2, lambda r: r.length, float)

    def lower_bounds(self, sigma_w2: float) -> np.ndarray:
        """(networks seen, depth + 1) bool: values known only as lower bounds."""
        return self._grid(sigma_w2, lambda r: r.lower_bound, bool)

    def _grid(self, sigma_w2: float, get: Callable[[LayerRecord], object], dtype: type) -> np.ndarray:
        rows: dict[int, list] = {}
        for r in self.records:
            if r.sigma_w2 == sigma_w2:
                rows.setdefault(r.network, [None] * (self.settings.depth + 1))[r.layer] = get(r)
        return np.array([rows[n] for n in sorted(rows)], dtype=dtype).reshape(-1, self.settings.depth + 1)


def hardtanh_bound(sigma_w2: float, sigma_b2: float, width: int) -> float:
    """Raghu et al. 2017, Theorem 1 (ICLR-2017 text): the expected growth of trajectory length per
    hidden layer of a random hardtanh net is at least σ_w/(σ_w²+σ_b²)^{1/4} · √k / √(√(σ_w²+σ_b²) + k)."""
    s2 = sigma_w2 + sigma_b2
    return math.sqrt(sigma_w2) / s2**0.25 * math.sqrt(width) / math.sqrt(math.sqrt(s2) + width)


def sweep_network(settings: SweepSettings, sigma_w2: float, index: int) -> tuple[Network, Trajectory]:
    """Network `index` at this σ_w² and its input circle, drawn from the seed sequence (seed, index)."""
    rng = np.random.default_rng([settings.seed, index])
    u, v = rng.standard_normal((2, settings.input_dim))
    net = paper_random(
        [settings.width] * settings.depth,
        sigma_w2,
        settings.sigma_b2,
        seed=rng,
        input_dim=settings.input_dim,
        activation=settings.activation,
    )
    return net, Trajectory(np.zeros(settings.input_dim), u, v)


def network_records(
    settings: SweepSettings, sigma_w2: float, index: int, checkpoint: Callable[[], None] | None = None
) -> list[LayerRecord]:
    """Every layer's record for one network: exact as deep as the piece budget allows, then sampled.

    `checkpoint` is called often (between batches of pieces or samples); raising there stops the work."""
    net, traj = sweep_network(settings, sigma_w2, index)
    depth = settings.depth
    exact_depth, exact, estimate = _exact_part(net, traj, settings.max_pieces, checkpoint)
    records = [LayerRecord(sigma_w2, index, 0, loop_length(traj), 0, "exact")]
    for layer in range(1, exact_depth + 1):
        length, trans = float(exact.lengths[layer]), int(exact.transitions[layer - 1])
        records.append(LayerRecord(sigma_w2, index, layer, length, trans, "exact"))
    if exact_depth < depth:
        wanted = SAMPLES_PER_PIECE * max(estimate, 1.0)
        start = int(min(settings.max_samples, max(MIN_SAMPLES, 2 ** math.ceil(math.log2(wanted)))))
        sampled = converged_polyline(
            net, traj, exact_depth + 1, start, settings.max_samples, settings.target, checkpoint
        )
        for layer in range(exact_depth + 1, depth + 1):
            conv = float(sampled.convergence[layer])
            trans = None if sampled.transitions is None else int(sampled.transitions[layer - 1])
            records.append(
                LayerRecord(
                    sigma_w2, index, layer, float(sampled.lengths[layer]), trans, "sampled",
                    sampled.samples, conv, conv > settings.target,
                )  # fmt: skip
            )
    return records


def _exact_part(
    net: Network, traj: Trajectory, max_pieces: int, checkpoint: Callable[[], None] | None
) -> tuple[int, ExactLayers | None, float]:
    """(layers walked exactly, their ExactLayers, estimated pieces of the deepest layer left out).

    A first walk of every layer stops once the budget is spent and extrapolates each layer's piece count
    from the part of the loop it covered; the walk is then redone for the layers that fit, shrinking
    further if the estimate was low. Cost stays within a few budgets either way.
    """
    if net.activation == "tanh":
        return 0, None, 0.0
    layers = net.n_hidden
    estimate = 0.0
    while layers > 0:
        try:
            exact = exact_layer_lengths(net, traj, layers, max_pieces, checkpoint=checkpoint)
            return layers, exact, estimate
        except PieceBudgetExceeded as e:
            counts = np.asarray(e.estimated_pieces)
            cumulative = np.cumsum(counts)
            fits = int(np.searchsorted(cumulative, max_pieces, side="right"))
            estimate = float(counts[fits]) if fits < counts.size and counts[fits] > 0 else float(counts.max())
            layers = min(layers - 1, fits)
    return 0, None, estimate


def _run_task(task: tuple[SweepSettings, float, int]) -> list[LayerRecord]:
    return network_records(*task)


def iter_sweep(
    settings: SweepSettings, workers: int = 1, checkpoint: Callable[[], None] | None = None
) -> Iterator[list[LayerRecord]]:
    """The records of each (σ_w², network) in sweep order, one list per network, as they are computed.

    With workers > 1 (and where processes can be forked) the networks are spread over worker processes;
    the records do not change, each network having its own seed. Closing the iterator early terminates
    the workers at once. In one process, `checkpoint` is called between batches of work; raising there
    stops the sweep within milliseconds (the lab's Cancel).
    """
    tasks = [(settings, s, n) for s in settings.sigma_w2 for n in range(settings.networks)]
    # Fork, not spawn: spawned workers re-import __main__, which `python -m nnsurface` and frozen apps
    # cannot take.
    if workers <= 1 or len(tasks) == 1 or "fork" not in multiprocessing.get_all_start_methods():
        for task in tasks:
            yield network_records(*task, checkpoint=checkpoint)
        return
    with multiprocessing.get_context("fork").Pool(min(workers, len(tasks))) as pool:
        yield from pool.imap(_run_task, tasks)


def run_sweep(
    settings: SweepSettings,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """The whole sweep; `progress(done, total)` is called after each network."""
    total = len(settings.sigma_w2) * settings.networks
    records: list[LayerRecord] = []
    for done, rows in enumerate(iter_sweep(settings, workers), start=1):
        records.extend(rows)
        if progress is not None:
            progress(done, total)
    return SweepResult(settings, tuple(records))


# --- summaries -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RatioSummary:
    """Per σ_w²: mean and std over networks of l_{d+1}/l_d for hidden layers d = 1..depth−1 (index d−1),
    the mean per-layer geometric growth (l_depth/l_1)^{1/(depth−1)}, whether any value entering a ratio
    is only a lower bound (such a ratio is not a bound of anything), the hardtanh bound, and the share
    of exact values."""

    sigma_w2: float
    mean: np.ndarray
    std: np.ndarray
    uncertain: np.ndarray
    growth: float
    bound: float | None
    exact_share: float


def ratio_summaries(result: SweepResult) -> list[RatioSummary]:
    s = result.settings
    out = []
    for sigma in s.sigma_w2:
        lengths = result.lengths(sigma)
        if lengths.shape[0] == 0:
            continue
        lower = result.lower_bounds(sigma)
        hidden = lengths[:, 1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = hidden[:, 1:] / hidden[:, :-1]
            growth = (hidden[:, -1] / hidden[:, 0]) ** (1.0 / max(s.depth - 1, 1))
        uncertain = (lower[:, 1:-1] | lower[:, 2:]).any(axis=0)
        methods = [r.method for r in result.records if r.sigma_w2 == sigma and r.layer > 0]
        bound = hardtanh_bound(sigma, s.sigma_b2, s.width) if s.activation == "hardtanh" else None
        out.append(
            RatioSummary(
                sigma, ratios.mean(axis=0), ratios.std(axis=0), uncertain, float(np.mean(growth)), bound,
                methods.count("exact") / max(len(methods), 1),
            )  # fmt: skip
        )
    return out


def summary_table(result: SweepResult) -> str:
    """Mean per-layer growth ratios vs the hardtanh bound, as a plain-text table."""
    s = result.settings
    head = (
        f"{s.activation}  width {s.width}  depth {s.depth}  input_dim {s.input_dim}  "
        f"sigma_b2 {s.sigma_b2:g}  {s.networks} networks  seed {s.seed}"
    )
    cols = [f"{d}→{d + 1}" for d in range(1, s.depth)]
    lines = [
        head,
        "mean ratio l_{d+1}/l_d over networks per hidden layer; growth = mean (l_D/l_1)^(1/(D-1));",
        "bound = Raghu et al. Thm 1 lower bound on the expected ratio (hardtanh only)",
        "  ".join([f"{'sigma_w2':>8}", *(f"{c:>7}" for c in cols), f"{'growth':>7}", f"{'bound':>7}", "exact"]),  # noqa: E501
    ]
    any_uncertain = False
    for r in ratio_summaries(result):
        cells = []
        for m, u in zip(r.mean, r.uncertain, strict=True):
            cells.append(f"{m:>6.3f}{'*' if u else ' '}")
            any_uncertain |= bool(u)
        bound = f"{r.bound:>7.3f}" if r.bound is not None else f"{'-':>7}"
        share = f"{100 * r.exact_share:4.0f}%"
        lines.append("  ".join([f"{r.sigma_w2:>8g}", *cells, f"{r.growth:>7.3f}", bound, share]))
    if any_uncertain:
        lines.append("* involves values known only as lower bounds (sampled, not converged): not a bound")
    return "\n".join(lines)


# --- files ---------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_csv(result: SweepResult, path: str | Path) -> Path:
    """One row per (σ_w², network, layer) with CSV_COLUMNS, and the settings as a JSON sidecar
    (`<name>.settings.json`) so the run can be reproduced. Returns the sidecar's path."""
    path = Path(path)
    s = result.settings
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for r in result.records:
            w.writerow(
                _cell(v)
                for v in (
                    s.activation, s.width, s.input_dim, r.sigma_w2, s.sigma_b2, r.network, r.layer,
                    r.length, r.transitions, r.method, r.samples, r.convergence, r.lower_bound,
                )  # fmt: skip
            )
    sidecar = path.with_suffix(".settings.json")
    meta = {"format": "nnsurface-sweep", "version": 1, **s.to_dict()}
    sidecar.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return sidecar


# --- remaining depth -----------------------------------------------------------------------------


OUTPUT_SAMPLES = 1024  # points of the input loop where output values are compared


@dataclass(frozen=True, eq=False)
class RemainingDepth:
    """Per weight layer (0 = first; the last is the output layer) and repeat:

    output_change: RMS over the loop of f′ − f, relative to the RMS of f (values at OUTPUT_SAMPLES t);
    length_change: |L′ − L| / L of the output length ∫|df/dt| dt (exact);
    transition_change: T′ − T, the change in the loop's total transitions (exact);
    circle_length: exact length ∫|df/dθ| dθ of the output, in output units, as the layer's weights go
    round W cos θ + W′ sin θ with one input of the loop held fixed (the paper's Fig. 5).
    """

    epsilon: float
    output_change: np.ndarray
    length_change: np.ndarray
    transition_change: np.ndarray
    circle_length: np.ndarray


def remaining_depth(
    network: Network,
    trajectory: Trajectory,
    epsilon: float = 0.1,
    repeats: int = 5,
    seed: int = 0,
    checkpoint: Callable[[], None] | None = None,
) -> RemainingDepth:
    """Perturb each layer's weights by relative noise ε (W + ε·rms(W)·G, G standard normal) and sweep it
    round W cos θ + W′ sin θ (W′ independent with W's rms), `repeats` times, and measure the output.
    `checkpoint` is called between batches of work; raising there stops the run."""
    if not epsilon > 0 or not math.isfinite(epsilon):
        raise ValueError(f"epsilon: expected a finite value > 0, got {epsilon}")
    if repeats < 1:
        raise ValueError(f"repeats: expected ≥ 1, got {repeats}")
    rng = np.random.default_rng(seed)
    n_layers = len(network.weights)
    base = exact_layer_lengths(network, trajectory, include_output=True, checkpoint=checkpoint)
    base_len, base_trans = base.lengths[-1], int(base.transitions.sum())
    t = np.linspace(0.0, 2.0 * np.pi, OUTPUT_SAMPLES, endpoint=False)
    xs = trajectory.points(t)
    f0 = network(xs)
    scale = float(np.sqrt(np.mean(f0**2))) or 1.0
    shape = (n_layers, repeats)
    out, dlen, dtrans, circle = np.zeros(shape), np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for layer in range(n_layers):
        w = network.weights[layer]
        rms = float(np.sqrt(np.mean(w**2))) or 1.0
        for r in range(repeats):
            noisy = _with_layer(network, layer, w + epsilon * rms * rng.standard_normal(w.shape))
            pert = exact_layer_lengths(noisy, trajectory, include_output=True, checkpoint=checkpoint)
            out[layer, r] = float(np.sqrt(np.mean((noisy(xs) - f0) ** 2))) / scale
            dlen[layer, r] = abs(pert.lengths[-1] - base_len) / (base_len or 1.0)
            dtrans[layer, r] = int(pert.transitions.sum()) - base_trans
            x = xs[rng.integers(OUTPUT_SAMPLES)]
            other = rms * rng.standard_normal(w.shape)
            circle[layer, r] = weight_circle_lengths(network, layer, x, other).lengths[-1]
    return RemainingDepth(epsilon, out, dlen, dtrans, circle)


def _with_layer(network: Network, layer: int, weights: np.ndarray) -> Network:
    ws = list(network.weights)
    ws[layer] = weights
    return Network(ws, network.biases, network.activation)


def random_deep_network(
    width: int = 32, depth: int = 6, sigma_w2: float = 4.0, seed: int = 0, activation: str = "hardtanh"
) -> tuple[Network, Trajectory]:
    """A random deep net and input circle for the remaining-depth experiment (same scheme as the sweep)."""
    s = SweepSettings(activation=activation, width=width, depth=depth, sigma_w2=(sigma_w2,), seed=seed)
    return sweep_network(s, sigma_w2, 0)


def describe_methods(records: Sequence[LayerRecord]) -> str:
    """'exact' / 'sampled' counts, for status lines."""
    exact = sum(r.method == "exact" for r in records)
    lower = sum(r.lower_bound for r in records)
    return f"{exact} exact, {len(records) - exact} sampled ({lower} only lower bounds)"
