"""Exhaustive CIB evaluation: stream the whole domain in chunks through a compiled kernel.

Memory is bounded by the chunk and result buffers, not by the size of the space; chunks
are split into parts that run in parallel on all cores (numba threads).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scenarist.engines.cib import Domain, Progress
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel

__all__ = ["CHUNK", "domain_arrays", "scan", "split_range"]

IntArray = npt.NDArray[np.int64]
CHUNK = 1 << 24
"""Scenarios per progress step."""
_MAX_SPACE = (1 << 62) - 1


def domain_arrays(domain: Domain) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    width = max(len(a) for a in domain.allowed)
    dom = np.zeros((len(domain.allowed), width), dtype=np.int64)
    for k, allowed in enumerate(domain.allowed):
        dom[k, : len(allowed)] = allowed
    dsize = np.array([len(a) for a in domain.allowed], dtype=np.int64)
    return dom, dsize, np.array(domain.checked, dtype=np.bool_)


def split_range(start: int, stop: int, n: int) -> tuple[IntArray, IntArray]:
    edges = np.linspace(start, stop, n + 1).astype(np.int64)
    edges[0], edges[-1] = start, stop
    return edges[:-1].copy(), edges[1:].copy()


def scan(model: CompiledModel, domain: Domain, tolerance: int, progress: Progress | None = None) -> IntArray:
    """Indices (k × N) of every scenario of ``domain`` with inconsistency ≤ ``tolerance``, in domain order."""
    from numba import get_num_threads

    from scenarist.engines._kernels import scan_parts

    total = domain.size
    if total > _MAX_SPACE:
        raise EngineError(f"the scenario space ({total:.3g}) is too large to enumerate exhaustively")
    dom, dsize, check = domain_arrays(domain)
    matrix = np.ascontiguousarray(model.matrix, dtype=np.int64)
    offsets = np.ascontiguousarray(model.offsets, dtype=np.int64)
    n_parts = 4 * max(1, get_num_threads())
    cap = 256
    results: list[IntArray] = []
    done = 0
    while done < total:
        stop = min(total, done + CHUNK)
        starts, stops = split_range(done, stop, n_parts)
        while True:
            out = np.zeros((n_parts, cap, len(dsize)), dtype=np.int64)
            found = np.zeros(n_parts, dtype=np.int64)
            scan_parts(matrix, offsets, dom, dsize, check, np.int64(tolerance), starts, stops, out, found)
            if found.max(initial=0) <= cap:
                break
            cap = int(found.max()) * 2
        results.extend(out[p, : found[p]] for p in range(n_parts))
        done = stop
        if progress is not None:
            progress(done, total)
    if not results:
        return np.zeros((0, len(dsize)), dtype=np.int64)
    return np.concatenate(results, axis=0)
