"""Consistent scenarios beyond exact search: many diverse starts, then local search on inconsistency.

Method ``cib-multistart``. For spaces no exact search can finish, this finds consistent
scenarios (inconsistency ≤ ``tolerance``) without promising to find them all. Starts come
in chunks of :data:`CHUNK`; within a chunk every descriptor takes each of its variants
equally often, in a random order (a Latin-hypercube-like spread over the space). From each
start the compiled local search (:mod:`scenarist.engines._multistart_kernels`) moves one
inconsistent descriptor at a time to its best variant, with an occasional random move
(``noise``), until the scenario is within tolerance or ``max_steps`` moves are spent.

The result lists the distinct scenarios found and the **growth curve**: how many distinct
ones were known after each chunk. A curve that has levelled off suggests (never proves)
that few are left; an exact solver (``pruned``) is the only way to be sure. Every run
with the same seed and chunking gives the same result, whatever the number of threads or
where the chunks ran (chunk ``i`` draws from a generator seeded with ``(seed, i)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scenarist.engines._domain import Domain, domain_of
from scenarist.engines._progress import Progress
from scenarist.engines._scenario import Scenario, evaluate
from scenarist.engines.executors import Executor, run_batches
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CHUNK", "INCOMPLETE", "GrowthPoint", "MultistartResult", "find_some", "multistart_indices"]

IntArray = npt.NDArray[np.int64]
CHUNK = 4096
"""Starts per chunk (one seeded generator, one point of the growth curve)."""
DEFAULT_STARTS = 65_536
"""Starts when none are given (16 chunks)."""
DEFAULT_MAX_STEPS = 300
"""Moves per start before it is given up."""
DEFAULT_NOISE = 0.1
"""Share of random moves."""
INCOMPLETE = (
    "found by local search from random starts: consistent scenarios that no search reached may be missing; "
    "only an exact solver proves the list complete"
)


@dataclass(frozen=True)
class GrowthPoint:
    """After ``starts`` starts, ``found`` distinct scenarios within tolerance were known."""

    starts: int
    found: int


@dataclass(frozen=True)
class MultistartResult:
    """Distinct scenarios found (sorted like :class:`~scenarist.engines.cib.ScenarioSet`) and the growth curve."""

    model_id: str
    tolerance: int
    starts: int
    seed: int
    noise: float
    max_steps: int
    scenario_space: int
    scenarios: tuple[Scenario, ...]
    growth: tuple[GrowthPoint, ...]
    fixed: Mapping[str, str] = field(default_factory=dict)
    method: str = "cib-multistart"
    complete: bool = False
    """Always False: this method never proves that no scenario is missing."""
    note: str = INCOMPLETE

    def __len__(self) -> int:
        return len(self.scenarios)

    @property
    def levelled_off(self) -> bool:
        """True when the second half of the starts found nothing new (a hint, not a proof)."""
        if len(self.growth) < 2:
            return False
        half = self.growth[(len(self.growth) - 1) // 2]
        return half.found == self.growth[-1].found

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "complete": self.complete,
            "note": self.note,
            "parameters": {
                "tolerance": self.tolerance,
                "starts": self.starts,
                "seed": self.seed,
                "noise": self.noise,
                "max_steps": self.max_steps,
                "fixed": dict(self.fixed),
            },
            "scenario_space": self.scenario_space,
            "levelled_off": self.levelled_off,
            "growth": [{"starts": g.starts, "found": g.found} for g in self.growth],
            "scenarios": [s.to_dict() for s in self.scenarios],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per scenario found: a column per descriptor, then the CIB figures."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    **s.variants,
                    "inconsistency": s.inconsistency,
                    "total_impact_score": s.total_impact_score,
                    "named": ",".join(s.named),
                }
                for s in self.scenarios
            ]
        )


@dataclass(frozen=True, eq=False)
class _Job:
    """What every chunk needs (picklable, so chunks can run on other processes)."""

    matrix: IntArray
    offsets: IntArray
    counts: IntArray
    allowed: tuple[tuple[int, ...], ...]
    movable: npt.NDArray[np.bool_]
    tolerance: int
    noise: float
    max_steps: int
    seed: int


def _spread_starts(allowed: tuple[tuple[int, ...], ...], rng: np.random.Generator, size: int) -> IntArray:
    """``size`` starts; each descriptor takes each allowed variant equally often (±1), in random order."""
    z = np.empty((size, len(allowed)), dtype=np.int64)
    for k, variants in enumerate(allowed):
        column = np.resize(np.asarray(variants, dtype=np.int64), size)
        z[:, k] = rng.permutation(column)
    return z


def _chunk(job: _Job, chunk: tuple[int, int]) -> IntArray:
    """The distinct scenarios found from chunk ``(index, size)`` of starts, sorted."""
    from scenarist.engines._multistart_kernels import local_search_rows

    index, size = chunk
    rng = np.random.default_rng([job.seed, index])
    z = _spread_starts(job.allowed, rng, size)
    seeds = rng.integers(0, np.iinfo(np.int64).max, size=size, dtype=np.int64).astype(np.uint64)
    out = np.empty_like(z)
    found = np.zeros(size, dtype=np.bool_)
    local_search_rows(
        job.matrix, job.offsets, job.counts, job.movable, z, seeds,
        np.int64(job.tolerance), np.float64(job.noise), np.int64(job.max_steps), out, found,
    )  # fmt: skip
    return np.unique(out[found], axis=0).reshape(-1, len(job.counts))


def _growth(parts: list[IntArray], sizes: list[int], width: int) -> tuple[IntArray, tuple[GrowthPoint, ...]]:
    """All distinct rows over the chunks, and how many were known after each chunk."""
    seen: set[tuple[int, ...]] = set()
    points = []
    done = 0
    for rows, size in zip(parts, sizes):
        seen.update(tuple(int(i) for i in row) for row in rows)
        done += size
        points.append(GrowthPoint(done, len(seen)))
    rows = np.array(sorted(seen), dtype=np.int64).reshape(-1, width)
    return rows, tuple(points)


def _run(
    model: CompiledModel,
    domain: Domain,
    tolerance: int,
    options: tuple[int, int, float, int],
    progress: Progress | None,
    executor: Executor | None,
) -> tuple[IntArray, tuple[GrowthPoint, ...]]:
    """Distinct rows found and the growth curve; ``options`` is (starts, seed, noise, max_steps)."""
    starts, seed, noise, max_steps = options
    movable = np.array(domain.checked, dtype=np.bool_)
    job = _Job(model.matrix, model.offsets, model.counts, domain.allowed, movable, tolerance, noise, max_steps, seed)
    chunks = [(i, min(CHUNK, starts - i * CHUNK)) for i in range(-(-starts // CHUNK))]
    sizes = [n for _, n in chunks]
    parts = run_batches(executor, partial(_chunk, job), chunks, progress, sizes)
    return _growth(parts, sizes, model.n_descriptors)


def _check(tolerance: int, starts: int, noise: float, max_steps: int) -> None:
    if tolerance < 0:
        raise EngineError(f"tolerance must be 0 or more, got {tolerance}")
    if starts <= 0:
        raise EngineError(f"the number of starts must be positive, got {starts}")
    if not 0.0 <= noise < 1.0:
        raise EngineError(f"noise must lie in [0, 1), got {noise}")
    if max_steps <= 0:
        raise EngineError(f"max_steps must be positive, got {max_steps}")


def find_some(
    model: CompiledModel,
    *,
    tolerance: int = 0,
    starts: int = DEFAULT_STARTS,
    seed: int = 0,
    noise: float = DEFAULT_NOISE,
    max_steps: int = DEFAULT_MAX_STEPS,
    fixed: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> MultistartResult:
    """Scenarios within ``tolerance`` found by local search from ``starts`` starts (see the module notes).

    ``progress(done, total)`` counts starts. Raises :class:`EngineError` for a negative
    tolerance, non-positive ``starts`` or ``max_steps``, ``noise`` outside [0, 1), or an
    unknown fixed variant.
    """
    _check(tolerance, starts, noise, max_steps)
    fixed = dict(fixed or {})
    domain = domain_of(model, fixed)
    rows, growth = _run(model, domain, tolerance, (starts, seed, noise, max_steps), progress, executor)
    scenarios = sorted(
        (evaluate(model, row, fixed=fixed) for row in rows),
        key=lambda s: (s.inconsistency, -s.total_impact_score, s.indices),
    )
    return MultistartResult(
        model.id, tolerance, starts, seed, noise, max_steps, domain.size, tuple(scenarios), growth, fixed
    )


def multistart_indices(
    model: CompiledModel, domain: Domain, tolerance: int, progress: Progress | None, executor: Executor | None
) -> IntArray:
    """The ``multistart`` entry of the solver table: the rows found with the default effort (may miss some)."""
    rows, _ = _run(model, domain, tolerance, (DEFAULT_STARTS, 0, DEFAULT_NOISE, DEFAULT_MAX_STEPS), progress, executor)
    return rows
