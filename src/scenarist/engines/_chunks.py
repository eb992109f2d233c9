"""Splitting a scenario space into chunks (progress steps, executor work items) and parts (threads)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scenarist.engines._domain import Domain

__all__ = ["CHUNK", "chunk_spans", "domain_arrays", "split_range"]

IntArray = npt.NDArray[np.int64]
CHUNK = 1 << 24
"""Scenarios per progress step."""


def domain_arrays(domain: Domain) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """The domain as kernel arrays: allowed variants (padded rows), their counts, the checked flags."""
    width = max(len(a) for a in domain.allowed)
    dom = np.zeros((len(domain.allowed), width), dtype=np.int64)
    for k, allowed in enumerate(domain.allowed):
        dom[k, : len(allowed)] = allowed
    dsize = np.array([len(a) for a in domain.allowed], dtype=np.int64)
    return dom, dsize, np.array(domain.checked, dtype=np.bool_)


def split_range(start: int, stop: int, n: int) -> tuple[IntArray, IntArray]:
    """``n`` consecutive parts of ``[start, stop)`` as arrays of starts and stops."""
    edges = np.linspace(start, stop, n + 1).astype(np.int64)
    edges[0], edges[-1] = start, stop
    return edges[:-1].copy(), edges[1:].copy()


def chunk_spans(total: int, chunk: int = CHUNK) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` ranges of at most ``chunk`` covering ``range(total)``."""
    return [(start, min(total, start + chunk)) for start in range(0, total, chunk)]
