"""Attractors and their volume weights under global succession.

The volume weight of an attractor is the number of start scenarios whose global
succession ends in it; starts that end in cycles count for none and are reported
separately. ``exact`` enumerates every start (int64 counts); ``monte-carlo`` follows
``starts`` uniformly drawn starts from a seeded generator and gives each share a 95 %
Wilson score interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scenarist.engines.cib import Progress, domain_of, find_scenarios
from scenarist.engines.exhaustive import CHUNK, domain_arrays, split_range
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AttractorWeight", "VolumeWeights", "EXACT_LIMIT", "volume_weights", "wilson_interval"]

IntArray = npt.NDArray[np.int64]
EXACT_LIMIT = 50_000_000
"""Largest scenario space for which ``method='auto'`` chooses exact enumeration."""
MC_CHUNK = 1 << 20
MAX_STEPS = 4096


def wilson_interval(successes: int, trials: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion (95 % by default)."""
    if trials <= 0:
        return (0.0, 1.0)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= trials else min(1.0, centre + half)
    return (low, high)


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
        return out

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            [{**a.variants, "weight": a.weight, "share": a.share, "named": ",".join(a.named)} for a in self.attractors]
        )


def _flat_indices(model: CompiledModel, rows: IntArray) -> IntArray:
    flat = np.zeros(len(rows), dtype=np.int64)
    for k in range(model.n_descriptors):
        flat = flat * int(model.counts[k]) + rows[:, k]
    return flat


def _unflat(model: CompiledModel, flat: int) -> tuple[int, ...]:
    out = []
    for c in reversed(model.counts.tolist()):
        out.append(flat % c)
        flat //= c
    return tuple(reversed(out))


def _check_extra(extra: IntArray) -> None:
    if extra[:, 1].sum():
        raise EngineError(f"some successions did not settle within {MAX_STEPS} steps")
    if extra[:, 2].sum():
        raise EngineError("a succession ended in a fixed point that is not a consistent scenario (internal error)")


def _exact(model: CompiledModel, fixed: dict[str, str], attractors: IntArray, progress: Progress | None) -> IntArray:
    from numba import get_num_threads

    from scenarist.engines._succession_kernels import weights_parts

    domain = domain_of(model, fixed)
    dom, dsize, movable = domain_arrays(domain)
    n_parts = 4 * max(1, get_num_threads())
    weights = np.zeros((n_parts, len(attractors)), dtype=np.int64)
    extra = np.zeros((n_parts, 3), dtype=np.int64)
    total, done = domain.size, 0
    while done < total:
        stop = min(total, done + CHUNK)
        starts, stops = split_range(done, stop, n_parts)
        weights_parts(
            model.matrix, model.offsets, model.counts, dom, dsize, movable, attractors,
            starts, stops, weights, extra, np.int64(MAX_STEPS),
        )  # fmt: skip
        done = stop
        if progress is not None:
            progress(done, total)
    _check_extra(extra)
    return np.concatenate([weights.sum(axis=0), extra[:, :1].sum(axis=0)])


def _random_starts(model: CompiledModel, fixed_idx: dict[int, int], rng: np.random.Generator, size: int) -> IntArray:
    z = np.empty((size, model.n_descriptors), dtype=np.int64)
    for k, c in enumerate(model.counts.tolist()):
        z[:, k] = fixed_idx[k] if k in fixed_idx else rng.integers(0, c, size=size)
    return z


def _monte_carlo(
    model: CompiledModel,
    fixed: dict[str, str],
    attractors: IntArray,
    starts: int,
    seed: int,
    progress: Progress | None,
) -> IntArray:
    from numba import get_num_threads

    from scenarist.engines._succession_kernels import weights_of_starts

    domain = domain_of(model, fixed)
    movable = np.array(domain.checked, dtype=np.bool_)
    fixed_idx = {k: a[0] for k, a in enumerate(domain.allowed) if not domain.checked[k]}
    rng = np.random.default_rng(seed)
    n_parts = 4 * max(1, get_num_threads())
    weights = np.zeros((n_parts, len(attractors)), dtype=np.int64)
    extra = np.zeros((n_parts, 3), dtype=np.int64)
    done = 0
    while done < starts:
        size = min(MC_CHUNK, starts - done)
        z = _random_starts(model, fixed_idx, rng, size)
        weights_of_starts(
            model.matrix, model.offsets, model.counts, movable, attractors,
            z, np.int64(n_parts), weights, extra, np.int64(MAX_STEPS),
        )  # fmt: skip
        done += size
        if progress is not None:
            progress(done, starts)
    _check_extra(extra)
    return np.concatenate([weights.sum(axis=0), extra[:, :1].sum(axis=0)])


def volume_weights(
    model: CompiledModel,
    *,
    method: str = "auto",
    starts: int = 100_000,
    seed: int = 0,
    fixed: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> VolumeWeights:
    """Volume weights of the attractors of global succession.

    ``method`` is ``exact``, ``monte-carlo`` or ``auto`` (exact when the start space has at
    most :data:`EXACT_LIMIT` scenarios). ``starts`` and ``seed`` apply to Monte Carlo.
    """
    fixed = dict(fixed or {})
    domain = domain_of(model, fixed)
    if method == "auto":
        method = "exact" if domain.size <= EXACT_LIMIT else "monte-carlo"
    if method not in ("exact", "monte-carlo"):
        raise EngineError(f"unknown method {method!r}; expected exact, monte-carlo or auto")
    if method == "monte-carlo" and starts <= 0:
        raise EngineError(f"--starts must be positive, got {starts}")
    consistent = find_scenarios(model, tolerance=0, fixed=fixed)
    rows = np.array([s.indices for s in consistent.scenarios], dtype=np.int64).reshape(-1, model.n_descriptors)
    attractors = np.sort(_flat_indices(model, rows))
    if method == "exact":
        tallies = _exact(model, fixed, attractors, progress)
        total = domain.size
    else:
        tallies = _monte_carlo(model, fixed, attractors, starts, seed, progress)
        total = starts
    items = []
    for slot, flat in enumerate(attractors.tolist()):
        weight = int(tallies[slot])
        indices = _unflat(model, flat)
        interval = wilson_interval(weight, total) if method == "monte-carlo" else None
        items.append(
            AttractorWeight(
                indices, model.variants_of(indices), weight, weight / total, interval, model.named_of(indices)
            )
        )
    items.sort(key=lambda a: (-a.weight, a.indices))
    return VolumeWeights(
        model_id=model.id,
        method=method,
        starts=total,
        cycles=int(tallies[-1]),
        attractors=tuple(items),
        seed=seed if method == "monte-carlo" else None,
        fixed=fixed,
    )
