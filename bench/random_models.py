"""Seeded random CIB models for benchmarks.

``random_model(n, v, zero_share=..., seed=...)`` builds N descriptors with v variants each.
Every cell of the cross-impact matrix outside the diagonal blocks is 0 with probability
``zero_share`` and otherwise drawn uniformly from ±1, ±2, ±3; the diagonal blocks
(a descriptor's impact on itself) are zero. The generator is numpy's PCG64 seeded with
``seed``, so a given (n, v, zero_share, seed) always yields the same model.
"""

from __future__ import annotations

import numpy as np

from scenarist.model.compile import CompiledModel

__all__ = ["DEFAULT_ZERO_SHARE", "random_model"]

DEFAULT_ZERO_SHARE = 0.3
"""Share of zero judgments in the off-diagonal blocks unless stated otherwise."""


def random_model(n: int, v: int, *, zero_share: float = DEFAULT_ZERO_SHARE, seed: int = 0) -> CompiledModel:
    """A random model of ``n`` descriptors × ``v`` variants (impacts −3..3, zero diagonal blocks)."""
    rng = np.random.default_rng(seed)
    size = n * v
    values = rng.choice(np.array([-3, -2, -1, 1, 2, 3]), size=(size, size))
    zeros = rng.random((size, size)) < zero_share
    matrix = np.where(zeros, 0, values).astype(np.int64)
    block = np.repeat(np.arange(n), v)
    matrix[block[:, None] == block[None, :]] = 0
    counts = np.full(n, v, dtype=np.int64)
    offsets = np.arange(n + 1, dtype=np.int64) * v
    for arr in (counts, offsets, matrix):
        arr.setflags(write=False)
    return CompiledModel(
        id=f"random-{n}x{v}-z{zero_share:g}-s{seed}",
        title=f"random {n}×{v} model (zero share {zero_share:g}, seed {seed})",
        descriptor_ids=tuple(f"D{k}" for k in range(n)),
        variant_ids=tuple(tuple(f"v{i}" for i in range(v)) for _ in range(n)),
        counts=counts,
        offsets=offsets,
        matrix=matrix,
        confidence=np.zeros((size, size), dtype=np.int64),
    )
