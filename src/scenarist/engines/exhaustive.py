"""Exhaustive CIB evaluation: stream the whole domain in chunks through a compiled kernel.

Memory is bounded by the chunk and result buffers, not by the size of the space; chunks
are split into parts that run in parallel on all cores (numba threads).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt

from scenarist.engines._chunks import CHUNK, chunk_spans, domain_arrays, split_range
from scenarist.engines._domain import Domain
from scenarist.engines._progress import Progress
from scenarist.engines._sentinels import MAX_FLAT_SPACE
from scenarist.engines.executors import Executor, run_batches
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel

__all__ = ["CHUNK", "chunk_spans", "domain_arrays", "scan", "split_range"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class _ScanJob:
    """What every chunk of one scan needs (picklable, so chunks can run on other processes)."""

    matrix: IntArray
    offsets: IntArray
    dom: IntArray
    dsize: IntArray
    check: npt.NDArray[np.bool_]
    tolerance: int


def _scan_chunk(job: _ScanJob, span: tuple[int, int]) -> IntArray:
    """Indices of the scenarios within tolerance in the flat range ``span``, in order."""
    from numba import get_num_threads

    from scenarist.engines._kernels import scan_parts

    n_parts = 4 * max(1, get_num_threads())
    starts, stops = split_range(span[0], span[1], n_parts)
    cap = 256
    while True:
        out = np.zeros((n_parts, cap, len(job.dsize)), dtype=np.int64)
        found = np.zeros(n_parts, dtype=np.int64)
        scan_parts(
            job.matrix, job.offsets, job.dom, job.dsize, job.check, np.int64(job.tolerance), starts, stops, out, found
        )
        if found.max(initial=0) <= cap:
            break
        cap = int(found.max()) * 2
    return np.concatenate([out[p, : found[p]] for p in range(n_parts)], axis=0)


def scan(
    model: CompiledModel,
    domain: Domain,
    tolerance: int,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> IntArray:
    """Indices (k × N) of every scenario of ``domain`` with inconsistency ≤ ``tolerance``, in domain order.

    Chunks run through ``executor`` (in this process when None); the result is the same either way.
    """
    total = domain.size
    if total > MAX_FLAT_SPACE:
        raise EngineError(f"the scenario space ({total:.3g}) is too large to enumerate exhaustively")
    dom, dsize, check = domain_arrays(domain)
    job = _ScanJob(
        np.ascontiguousarray(model.matrix, dtype=np.int64),
        np.ascontiguousarray(model.offsets, dtype=np.int64),
        dom,
        dsize,
        check,
        tolerance,
    )
    spans = chunk_spans(total)
    results = run_batches(executor, partial(_scan_chunk, job), spans, progress, [b - a for a, b in spans])
    if not results:
        return np.zeros((0, len(dsize)), dtype=np.int64)
    return np.concatenate(results, axis=0)
