"""Attractors and their volume weights under global succession.

The volume weight of an attractor is the number of start scenarios whose global
succession ends in it; starts that end in cycles count for none and are reported
separately. ``exact`` enumerates every start (int64 counts); ``monte-carlo`` follows
``starts`` uniformly drawn starts from a seeded generator and gives each share a 95 %
Wilson score interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scenarist.engines._chunks import chunk_spans, domain_arrays, split_range
from scenarist.engines._domain import domain_of
from scenarist.engines._progress import Progress
from scenarist.engines._stats import wilson_interval
from scenarist.engines.cib import PARTIAL, find_scenarios
from scenarist.engines.executors import Executor, run_batches, unfinished_of
from scenarist.errors import EngineError, StoppedError
from scenarist.model.compile import CompiledModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AttractorWeight", "VolumeWeights", "EXACT_LIMIT", "WeightsMethod", "volume_weights", "wilson_interval"]

IntArray = npt.NDArray[np.int64]
EXACT_LIMIT = 50_000_000
"""Largest scenario space for which ``method='auto'`` chooses exact enumeration."""
MC_CHUNK = 1 << 20
"""Random starts per Monte Carlo chunk (one seeded generator each)."""


class WeightsMethod(StrEnum):
    """How the starts are taken; each value is the string callers may pass instead."""

    exact = "exact"
    monte_carlo = "monte-carlo"
    auto = "auto"


MAX_STEPS = 4096


@dataclass(frozen=True)
class AttractorWeight:
    indices: tuple[int, ...]
    variants: Mapping[str, str]
    weight: int
    share: float
    interval: tuple[float, float] | None = None
    named: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "indices": list(self.indices),
            "variants": dict(self.variants),
            "weight": self.weight,
            "share": self.share,
            "named": list(self.named),
        }
        if self.interval is not None:
            out["interval"] = list(self.interval)
        return out


@dataclass(frozen=True)
class VolumeWeights:
    """Attractors sorted by weight (descending), with the count of starts ending in cycles."""

    model_id: str
    method: str
    starts: int
    cycles: int
    attractors: tuple[AttractorWeight, ...]
    seed: int | None = None
    fixed: Mapping[str, str] = field(default_factory=dict)
    stopped: str | None = None
    """Set when the run was stopped early: the weights are those of the ``starts`` followed so far."""

    def named_shares(self, named_ids: tuple[str, ...]) -> dict[str, float]:
        """Share of all starts settling in an attractor of each named scenario; ``""`` for none of them.

        Named scenarios may overlap, so shares need not sum to one; starts ending in cycles
        are in none of them.
        """
        shares = dict.fromkeys((*named_ids, ""), 0.0)
        for a in self.attractors:
            for n in a.named or ("",):
                shares[n] += a.share
        return shares

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model_id,
            "method": self.method,
            "starts": self.starts,
            "cycles": self.cycles,
            "attractors": [a.to_dict() for a in self.attractors],
        }
        if self.seed is not None:
            out["seed"] = self.seed
        if self.fixed:
            out["fixed"] = dict(self.fixed)
        if self.stopped is not None:
            out["complete"] = False
            out["stopped"] = self.stopped
        return out

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            [{**a.variants, "weight": a.weight, "share": a.share, "named": ",".join(a.named)} for a in self.attractors]
        )


@dataclass(frozen=True, eq=False)
class _Job:
    """What every chunk of a weights run needs (picklable for other processes)."""

    matrix: IntArray
    offsets: IntArray
    counts: IntArray
    dom: IntArray
    dsize: IntArray
    movable: npt.NDArray[np.bool_]
    attractors: IntArray
    fixed_idx: dict[int, int]
    seed: int


def _exact_chunk(job: _Job, span: tuple[int, int]) -> IntArray:
    """Tallies (one per attractor, then cycles, overflows, strays) of the starts in ``span``."""
    from numba import get_num_threads

    from scenarist.engines._succession_kernels import weights_parts

    n_parts = 4 * max(1, get_num_threads())
    weights = np.zeros((n_parts, len(job.attractors)), dtype=np.int64)
    extra = np.zeros((n_parts, 3), dtype=np.int64)
    starts, stops = split_range(span[0], span[1], n_parts)
    weights_parts(
        job.matrix, job.offsets, job.counts, job.dom, job.dsize, job.movable, job.attractors,
        starts, stops, weights, extra, np.int64(MAX_STEPS),
    )  # fmt: skip
    return np.concatenate([weights.sum(axis=0), extra.sum(axis=0)])


def _random_starts(job: _Job, rng: np.random.Generator, size: int) -> IntArray:
    z = np.empty((size, len(job.counts)), dtype=np.int64)
    for k, c in enumerate(job.counts.tolist()):
        z[:, k] = job.fixed_idx[k] if k in job.fixed_idx else rng.integers(0, c, size=size)
    return z


def _monte_carlo_chunk(job: _Job, chunk: tuple[int, int]) -> IntArray:
    """Tallies for chunk ``(index, size)`` of random starts; chunk ``i`` draws from seed ``(seed, i)``."""
    from numba import get_num_threads

    from scenarist.engines._succession_kernels import weights_of_starts

    index, size = chunk
    rng = np.random.default_rng([job.seed, index])
    n_parts = 4 * max(1, get_num_threads())
    weights = np.zeros((n_parts, len(job.attractors)), dtype=np.int64)
    extra = np.zeros((n_parts, 3), dtype=np.int64)
    weights_of_starts(
        job.matrix, job.offsets, job.counts, job.movable, job.attractors,
        _random_starts(job, rng, size), np.int64(n_parts), weights, extra, np.int64(MAX_STEPS),
    )  # fmt: skip
    return np.concatenate([weights.sum(axis=0), extra.sum(axis=0)])


def _tallies(parts: list[IntArray], n_attractors: int) -> IntArray:
    total = np.sum(parts, axis=0) if parts else np.zeros(n_attractors + 3, dtype=np.int64)
    if total[n_attractors + 1]:
        raise EngineError(f"some successions did not settle within {MAX_STEPS} steps")
    if total[n_attractors + 2]:
        raise EngineError("a succession ended in a fixed point that is not a consistent scenario (internal error)")
    return np.asarray(total[: n_attractors + 1], dtype=np.int64)


def volume_weights(
    model: CompiledModel,
    *,
    method: WeightsMethod | str = WeightsMethod.auto,
    starts: int = 100_000,
    seed: int = 0,
    fixed: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> VolumeWeights:
    """Volume weights of the attractors of global succession.

    ``method`` is ``exact``, ``monte-carlo`` or ``auto`` (exact when the start space has at
    most :data:`EXACT_LIMIT` scenarios). ``starts`` and ``seed`` apply to Monte Carlo: chunk
    ``i`` of :data:`MC_CHUNK` starts draws from the generator seeded with ``(seed, i)``, so
    the result is the same whichever ``executor`` runs the chunks.
    """
    fixed = dict(fixed or {})
    domain = domain_of(model, fixed)
    try:
        method = WeightsMethod(method)
    except ValueError:
        raise EngineError(f"unknown method {method!r}; expected exact, monte-carlo or auto") from None
    if method is WeightsMethod.auto:
        method = WeightsMethod.exact if domain.size <= EXACT_LIMIT else WeightsMethod.monte_carlo
    if method is WeightsMethod.monte_carlo and starts <= 0:
        raise EngineError(f"the number of Monte Carlo starts must be positive, got {starts}")
    consistent = find_scenarios(model, tolerance=0, fixed=fixed)
    rows = np.array([s.indices for s in consistent.scenarios], dtype=np.int64).reshape(-1, model.n_descriptors)
    attractors = np.sort(model.flat_indices(rows))
    dom, dsize, movable = domain_arrays(domain)
    fixed_idx = domain.fixed_positions
    job = _Job(model.matrix, model.offsets, model.counts, dom, dsize, movable, attractors, fixed_idx, seed)
    try:
        if method is WeightsMethod.exact:
            total = domain.size
            spans = chunk_spans(total)
            parts = run_batches(executor, partial(_exact_chunk, job), spans, progress, [b - a for a, b in spans])
        else:
            total = starts
            chunks = [(i, min(MC_CHUNK, starts - i * MC_CHUNK)) for i in range(-(-starts // MC_CHUNK))]
            parts = run_batches(executor, partial(_monte_carlo_chunk, job), chunks, progress, [n for _, n in chunks])
    except (StoppedError, KeyboardInterrupt) as exc:
        unfinished = unfinished_of(exc)
        if unfinished is not None and unfinished.done > 0:
            how = (
                "random starts (a smaller sample: the intervals are wider)"
                if method is WeightsMethod.monte_carlo
                else "starts in enumeration order (not a random sample: the weights may be biased)"
            )
            stopped = (
                f"stopped after {unfinished.done:,} of {unfinished.total:,} {how}; the weights are those of the "
                "starts followed so far"
            )
            setattr(exc, PARTIAL, _weights(model, method, attractors, unfinished.results, unfinished.done, seed,
                                           fixed, stopped))  # fmt: skip
        raise
    return _weights(model, method, attractors, parts, total, seed, fixed)


def _weights(
    model: CompiledModel,
    method: WeightsMethod,
    attractors: IntArray,
    parts: list[IntArray],
    total: int,
    seed: int,
    fixed: dict[str, str],
    stopped: str | None = None,
) -> VolumeWeights:
    tallies = _tallies(parts, len(attractors))
    items = []
    for slot, flat in enumerate(attractors.tolist()):
        weight = int(tallies[slot])
        indices = model.unflat(flat)
        interval = wilson_interval(weight, total) if method is WeightsMethod.monte_carlo else None
        items.append(
            AttractorWeight(
                indices, model.variants_of(indices), weight, weight / total, interval, model.named_of(indices)
            )
        )
    items.sort(key=lambda a: (-a.weight, a.indices))
    return VolumeWeights(
        model_id=model.id,
        method=method.value,
        starts=total,
        cycles=int(tallies[-1]),
        attractors=tuple(items),
        seed=seed if method is WeightsMethod.monte_carlo else None,
        fixed=fixed,
        stopped=stopped,
    )
