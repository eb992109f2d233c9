"""Scenario probabilities under judgment uncertainty (Monte Carlo over judgments and starts).

Method ``monte-carlo-judgment-uncertainty``. Each stated judgment ``c`` with confidence
``k`` (the model's ``default_confidence`` when none is given) is redrawn in every draw as
``round(c + σ_k · ε)`` with ε standard normal; σ_k comes from :data:`CONFIDENCE_SPREAD`
(confidence 5 → 0, certain; 1 → 2.0). Omitted (zero) judgments stay zero. A start
scenario is drawn — from the analyst's prior for descriptors that have one, uniformly
otherwise — and global succession (ScenarioWizard's tie rule) is followed to where the
drawn system settles. The frequency of each attractor over the draws is its probability;
a named scenario's probability is the share of draws settling in one of its attractors.
Intervals are 90 % Wilson score intervals. Draws that end in a cycle are counted and
reported as such.

The same seed gives the same numbers, whatever the number of threads or workers: draws
come in chunks of :data:`CHUNK`, chunk ``i`` drawing all its randomness from a NumPy
generator seeded with ``(seed, i)`` before the compiled kernel runs.
"""

from __future__ import annotations

import functools
import pickle
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scenarist.engines._distribution import Distribution
from scenarist.engines._domain import domain_of
from scenarist.engines._progress import Progress
from scenarist.engines._stats import Z_90, wilson_interval
from scenarist.engines.executors import Executor, run_batches
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel
from scenarist.model.families import NONE_OF_THESE

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CONFIDENCE_SPREAD",
    "INTERVAL_Z",
    "AttractorProbability",
    "NamedProbability",
    "ProbabilityResult",
    "StartMode",
    "judgment_cells",
    "scenario_probabilities",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

CONFIDENCE_SPREAD: Mapping[int, float] = {5: 0.0, 4: 0.5, 3: 1.0, 2: 1.5, 1: 2.0}
"""Standard deviation (in impact points) of a judgment given its confidence 1..5."""
INTERVAL_Z = Z_90
"""z for two-sided 90 % intervals."""
CHUNK = 4096
"""Draws per chunk (one seeded generator each)."""
MAX_STEPS = 4096
"""Succession steps after which a draw counts as not settling (an error)."""


class StartMode(StrEnum):
    """How start scenarios are taken; each value is the string callers may pass instead."""

    random = "random"
    enumerate = "enumerate"


@dataclass(frozen=True)
class AttractorProbability:
    indices: tuple[int, ...]
    variants: Mapping[str, str]
    count: int
    probability: float
    interval: tuple[float, float]
    named: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "indices": list(self.indices),
            "variants": dict(self.variants),
            "count": self.count,
            "probability": self.probability,
            "interval": list(self.interval),
            "named": list(self.named),
        }


@dataclass(frozen=True)
class NamedProbability:
    id: str
    count: int
    probability: float
    interval: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "count": self.count, "probability": self.probability, "interval": list(self.interval)}


@dataclass(frozen=True)
class ProbabilityResult:
    """Attractor and named-scenario probabilities with the method and its parameters."""

    model_id: str
    draws: int
    seed: int
    spreads: Mapping[int, float]
    default_confidence: int
    starts: str
    cycles: int
    attractors: tuple[AttractorProbability, ...]
    named: tuple[NamedProbability, ...]
    method: str = "monte-carlo-judgment-uncertainty"
    fixed: Mapping[str, str] = field(default_factory=dict)
    none_count: int = 0
    lenses: tuple[NamedProbability, ...] = ()

    @property
    def cycle_share(self) -> float:
        return self.cycles / self.draws

    def _given_settled(self, rows: tuple[NamedProbability, ...]) -> tuple[NamedProbability, ...]:
        settled = self.draws - self.cycles
        return tuple(
            NamedProbability(
                n.id,
                n.count,
                n.count / settled if settled else 0.0,
                wilson_interval(n.count, settled, INTERVAL_Z) if settled else (0.0, 1.0),
            )
            for n in rows
        )

    @property
    def none_row(self) -> NamedProbability:
        """The draws settling in no family, as a share of all draws."""
        return NamedProbability(
            NONE_OF_THESE, self.none_count, self.none_count / self.draws,
            wilson_interval(self.none_count, self.draws, INTERVAL_Z),
        )  # fmt: skip

    def settled_named(self) -> tuple[NamedProbability, ...]:
        """Family probabilities given that the system settles (draws ending in cycles left out)."""
        return self._given_settled(self.named)

    def settled_partition(self) -> tuple[NamedProbability, ...]:
        """Families and *none of these* given that the system settles: they sum to one."""
        return self._given_settled((*self.named, self.none_row)) if self.named else ()

    def settled_lenses(self) -> tuple[NamedProbability, ...]:
        """Lens probabilities given that the system settles (lenses overlap the families)."""
        return self._given_settled(self.lenses)

    def named_probability(self, named_id: str) -> float:
        for n in self.named:
            if n.id == named_id:
                return n.probability
        raise EngineError(f"unknown named scenario {named_id!r}")

    def distribution(self) -> Distribution:
        """The attractor distribution renormalised over the draws that settled (cycles excluded)."""
        rows = np.array([a.indices for a in self.attractors], dtype=np.int64)
        return Distribution.from_counts(rows, np.array([float(a.count) for a in self.attractors]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "parameters": {
                "draws": self.draws,
                "seed": self.seed,
                "spreads": {str(k): v for k, v in self.spreads.items()},
                "default_confidence": self.default_confidence,
                "starts": self.starts,
                "interval": "90% Wilson score",
                "fixed": dict(self.fixed),
            },
            "cycles": self.cycles,
            "cycle_share": self.cycle_share,
            "of_all_draws": {
                "families": [n.to_dict() for n in self.named],
                "none_of_these": self.none_row.to_dict(),
                "cycles": self.cycle_share,
                "lenses": [n.to_dict() for n in self.lenses],
            },
            "given_settled": {
                "families": [n.to_dict() for n in self.settled_partition()],
                "lenses": [n.to_dict() for n in self.settled_lenses()],
            },
            "attractors": [a.to_dict() for a in self.attractors],
        }

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            [
                {**a.variants, "probability": a.probability, "count": a.count, "named": ",".join(a.named)}
                for a in self.attractors
            ]
        )


def judgment_cells(model: CompiledModel, spreads: Mapping[int, float]) -> tuple[IntArray, IntArray, FloatArray]:
    """Rows, columns and σ of every stated (non-zero) judgment."""
    rows, cols = np.nonzero(model.matrix)
    confidence = model.confidence[rows, cols]
    confidence = np.where(confidence == 0, model.default_confidence, confidence)
    try:
        sigma = np.array([spreads[int(c)] for c in confidence], dtype=np.float64)
    except KeyError as exc:
        raise EngineError(f"no spread given for confidence {exc.args[0]}") from None
    return rows.astype(np.int64), cols.astype(np.int64), sigma


def _starts(
    model: CompiledModel,
    fixed_idx: Mapping[int, int],
    rng: np.random.Generator,
    size: int,
    start_idx: Mapping[int, tuple[int, ...]] | None = None,
) -> IntArray:
    z = np.empty((size, model.n_descriptors), dtype=np.int64)
    for k, c in enumerate(model.counts.tolist()):
        prior = model.priors[k] if k < len(model.priors) else None
        if k in fixed_idx:
            z[:, k] = fixed_idx[k]
        elif start_idx and k in start_idx:
            z[:, k] = rng.choice(np.asarray(start_idx[k], dtype=np.int64), size=size)
        elif prior is not None:
            z[:, k] = rng.choice(c, size=size, p=prior)
        else:
            z[:, k] = rng.integers(0, c, size=size)
    return z


def _enumerated_starts(model: CompiledModel, fixed_idx: Mapping[int, int], first: int, size: int) -> IntArray:
    """Starts ``first .. first+size-1`` of the (fixed-restricted) space in order, wrapping around."""
    sizes = [1 if k in fixed_idx else c for k, c in enumerate(model.counts.tolist())]
    space = int(np.prod(sizes))
    flat = (np.arange(first, first + size, dtype=np.int64)) % space
    z = np.empty((size, model.n_descriptors), dtype=np.int64)
    for k in range(model.n_descriptors - 1, -1, -1):
        z[:, k] = fixed_idx[k] if k in fixed_idx else flat % sizes[k]
        flat //= sizes[k]
    return z


@dataclass(frozen=True, eq=False)
class _Job:
    """What every chunk of draws needs (picklable for other processes)."""

    model: CompiledModel
    base: IntArray
    rows: IntArray
    cols: IntArray
    sigma: FloatArray
    fixed_idx: Mapping[int, int]
    enumerate_starts: bool
    seed: int
    start_idx: Mapping[int, tuple[int, ...]] = field(default_factory=dict)


_INPUTS: OrderedDict[bytes, tuple[IntArray, IntArray]] = OrderedDict()
_INPUTS_LOCK = threading.Lock()
_INPUTS_KEPT = 16
"""Chunks whose draws (judgment shifts and starts) are kept for reruns in this process."""


def _chunk_inputs(job: _Job, index: int, size: int) -> tuple[IntArray, IntArray]:
    """Chunk ``index``'s judgment shifts and start scenarios (read-only; copy the starts before settling).

    They depend on the seed, the judged cells and their spreads, the starts' settings and the
    descriptors' sizes and priors, not on the matrix: runs with common random numbers (the key
    assumptions rerun the Monte Carlo twice per judgment with one seed) draw them once.
    """
    model = job.model
    priors = tuple(None if p is None else np.asarray(p).tobytes() for p in model.priors)
    key = pickle.dumps((job.seed, index, size, job.rows.tobytes(), job.cols.tobytes(), job.sigma.tobytes(),
                        job.enumerate_starts, sorted(job.fixed_idx.items()), sorted(job.start_idx.items()),
                        model.counts.tobytes(), priors))  # fmt: skip
    with _INPUTS_LOCK:
        if key in _INPUTS:
            _INPUTS.move_to_end(key)
            return _INPUTS[key]
    rng = np.random.default_rng([job.seed, index])
    deltas = np.rint(rng.standard_normal((size, len(job.rows))) * job.sigma).astype(np.int64)
    z = (
        _enumerated_starts(model, job.fixed_idx, index * CHUNK, size)
        if job.enumerate_starts
        else _starts(model, job.fixed_idx, rng, size, job.start_idx)
    )
    deltas.setflags(write=False)
    z.setflags(write=False)
    with _INPUTS_LOCK:
        _INPUTS[key] = (deltas, z)
        while len(_INPUTS) > _INPUTS_KEPT:
            _INPUTS.popitem(last=False)
    return deltas, z


def _draw_chunk(job: _Job, chunk: tuple[int, int]) -> tuple[IntArray, IntArray, int]:
    """Chunk ``(index, size)``: attractor flat indices with counts, and cycles; seeded by ``(seed, index)``."""
    from scenarist.engines._uncertainty_kernels import draw_and_settle

    index, size = chunk
    model = job.model
    deltas, starts = _chunk_inputs(job, index, size)
    z = starts.copy()  # succession moves the starts in place
    movable = np.array([k not in job.fixed_idx for k in range(model.n_descriptors)], dtype=np.bool_)
    out = np.empty(size, dtype=np.int64)
    draw_and_settle(
        job.base, job.rows, job.cols, deltas, model.offsets, model.counts, movable, z, np.int64(MAX_STEPS), out
    )
    if (out == -2).any():
        raise EngineError(f"a succession did not settle within {MAX_STEPS} steps")
    values, hits = np.unique(out[out >= 0], return_counts=True)
    return values.astype(np.int64), hits.astype(np.int64), int((out < 0).sum())


def _simulate(
    job: _Job, draws: int, progress: Progress | None, executor: Executor | None
) -> tuple[dict[int, int], int]:
    """Counts of attractor flat indices over ``draws`` draws, and the number of cycles."""
    chunks = [(i, min(CHUNK, draws - i * CHUNK)) for i in range(-(-draws // CHUNK))]
    parts = run_batches(executor, functools.partial(_draw_chunk, job), chunks, progress, [n for _, n in chunks])
    counts: dict[int, int] = {}
    cycles = 0
    for values, hits, chunk_cycles in parts:
        cycles += chunk_cycles
        for v, h in zip(values.tolist(), hits.tolist()):
            counts[v] = counts.get(v, 0) + h
    return counts, cycles


def _unflat_rows(model: CompiledModel, flats: Sequence[int]) -> IntArray:
    """The variant indices (one row per scenario) of mixed-radix scenario numbers."""
    rest = np.asarray(flats, dtype=np.int64)
    rows = np.empty((len(rest), model.n_descriptors), dtype=np.int64)
    for k in range(model.n_descriptors - 1, -1, -1):
        c = int(model.counts[k])
        rows[:, k] = rest % c
        rest = rest // c
    return rows


def scenario_probabilities(
    model: CompiledModel,
    *,
    draws: int = 10_000,
    seed: int = 0,
    spreads: Mapping[int, float] = CONFIDENCE_SPREAD,
    fixed: Mapping[str, str] | None = None,
    base: IntArray | None = None,
    starts: StartMode | str = StartMode.random,
    start_from: Mapping[str, str | Sequence[str]] | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> ProbabilityResult:
    """Monte Carlo probabilities of attractors and named scenarios (see the module notes).

    ``base`` replaces the model's matrix (same stated cells; used for sensitivity runs with
    common random numbers). ``starts="enumerate"`` takes the starts in order through the
    whole space instead of at random (stratified; without priors only): with zero spreads
    and ``draws`` a multiple of the space size it gives the exact basin fractions.
    ``start_from`` (method ``monte-carlo-from-current-state``) draws every start from the
    given partial assignment (descriptor -> variant or variants, uniformly among them) instead
    of the prior; unlike ``fixed`` those descriptors may move during succession.
    Raises :class:`EngineError` for non-positive ``draws`` or an unknown ``starts``.
    """
    if draws <= 0:
        raise EngineError(f"draws must be positive, got {draws}")
    try:
        mode = StartMode(starts)
    except ValueError:
        raise EngineError(f"starts must be 'random' or 'enumerate', got {starts!r}") from None
    if mode is StartMode.enumerate and any(p is not None for p in model.priors):
        raise EngineError("enumerated starts ignore priors: use random starts for a model with priors")
    fixed = dict(fixed or {})
    fixed_idx = domain_of(model, fixed).fixed_positions
    cells = judgment_cells(model, spreads)
    # A writable copy whatever was given: numba compiles one version per array type (read-only is
    # another type), and the set-up compiles the kernels once for the one that every path uses.
    matrix = np.array(model.matrix if base is None else base, dtype=np.int64, order="C")
    rows, cols, sigma = cells
    start_idx = _start_indices(model, start_from or {})
    if start_idx and mode is not StartMode.random:
        raise EngineError("a start state needs random starts")
    job = _Job(model, matrix, rows, cols, sigma, fixed_idx, mode is StartMode.enumerate, seed, start_idx)
    counts, cycles = _simulate(job, draws, progress, executor)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    rows = _unflat_rows(model, [flat for flat, _ in ranked])
    hits = np.array([count for _, count in ranked], dtype=np.int64)
    family = model.family_index(rows) if model.named_ids else np.full(len(ranked), -1, dtype=np.int64)
    named_hits = np.zeros(len(model.named_ids), dtype=np.int64)
    np.add.at(named_hits, family[family >= 0], hits[family >= 0])
    named_counts = dict(zip(model.named_ids, named_hits.tolist()))
    none_count = int(hits[family < 0].sum())
    lens_ids = model.lens_ids
    lens_hits = (
        model.families.lens_matrix(rows).astype(np.int64) @ hits
        if model.families is not None and lens_ids and len(ranked)
        else np.zeros(len(lens_ids), dtype=np.int64)
    )
    lens_counts = dict(zip(lens_ids, lens_hits.tolist()))
    names = np.array([v for vs in model.variant_ids for v in vs], dtype=object)[rows + model.offsets[:-1]].tolist()
    interval = functools.cache(lambda count: wilson_interval(count, draws, INTERVAL_Z))
    in_family = [(model.named_ids[f],) if f >= 0 else () for f in family.tolist()]
    attractors = [
        AttractorProbability(
            tuple(row), dict(zip(model.descriptor_ids, row_names)), count, count / draws, interval(count), named
        )
        for row, row_names, count, named in zip(rows.tolist(), names, hits.tolist(), in_family)
    ]
    named_rows = tuple(
        NamedProbability(n, c, c / draws, wilson_interval(c, draws, INTERVAL_Z)) for n, c in named_counts.items()
    )
    lens_rows = tuple(
        NamedProbability(n, c, c / draws, wilson_interval(c, draws, INTERVAL_Z)) for n, c in lens_counts.items()
    )
    priors = [d for d, p in zip(model.descriptor_ids, model.priors) if p is not None]
    if mode is StartMode.enumerate:
        how = "enumerated in order"
    elif start_idx:
        declared = ", ".join(model.descriptor_ids[k] for k in sorted(start_idx))
        how = f"from the current state of {declared}; " + (
            f"prior on {', '.join(priors)}; uniform elsewhere" if priors else "uniform elsewhere"
        )
    else:
        how = f"prior on {', '.join(priors)}; uniform elsewhere" if priors else "uniform"
    return ProbabilityResult(
        model_id=model.id,
        draws=draws,
        seed=seed,
        spreads=dict(spreads),
        default_confidence=model.default_confidence,
        starts=how,
        cycles=cycles,
        attractors=tuple(attractors),
        named=named_rows,
        fixed=fixed,
        none_count=none_count,
        lenses=lens_rows,
        method="monte-carlo-from-current-state" if start_idx else "monte-carlo-judgment-uncertainty",
    )


def _start_indices(model: CompiledModel, start: Mapping[str, str | Sequence[str]]) -> dict[int, tuple[int, ...]]:
    """Variant indices allowed at the start, per descriptor position; EngineError for unknown ids."""
    out: dict[int, tuple[int, ...]] = {}
    for d, wanted in start.items():
        if d not in model.descriptor_ids:
            raise EngineError(f"unknown descriptor {d!r} in the start state")
        k = model.descriptor_ids.index(d)
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        unknown = [v for v in names if v not in model.variant_ids[k]]
        if unknown or not names:
            raise EngineError(f"descriptor {d!r} has no variant {', '.join(unknown) or '(none given)'}")
        out[k] = tuple(model.variant_ids[k].index(v) for v in names)
    return out
