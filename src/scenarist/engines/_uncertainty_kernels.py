"""Compiled Monte Carlo over judgment uncertainty (numba, cached on disk).

Randomness is drawn in NumPy by the caller (seeded) and passed in, so results do not
depend on the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from scenarist.engines._core_kernels import theta_sum
from scenarist.engines._succession_kernels import settle

__all__ = ["draw_and_settle", "settle_rows"]


@njit(cache=True, parallel=True)
def draw_and_settle(
    base: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    deltas: np.ndarray,
    off: np.ndarray,
    counts: np.ndarray,
    movable: np.ndarray,
    z_starts: np.ndarray,
    max_steps: np.int64,
    out: np.ndarray,
) -> None:
    """For each draw ``d``: matrix = base + deltas[d] on the (rows, cols) cells; settle from z_starts[d].

    ``out[d]`` receives the attractor's flat index, or a negative code for a cycle / overflow.
    """
    n_draws = deltas.shape[0]
    n_threads = min(n_draws, 64)
    for t in prange(n_threads):
        matrix = base.copy()
        theta = np.zeros(base.shape[1], dtype=np.int64)
        hist = np.empty(max_steps, dtype=np.int64)
        for d in range(t, n_draws, n_threads):
            for c in range(rows.shape[0]):
                matrix[rows[c], cols[c]] = base[rows[c], cols[c]] + deltas[d, c]
            theta_sum(matrix, off, z_starts[d], theta)
            out[d] = settle(matrix, off, counts, movable, z_starts[d], theta, hist)


@njit(cache=True, parallel=True)
def settle_rows(
    matrix: np.ndarray,
    off: np.ndarray,
    counts: np.ndarray,
    movable: np.ndarray,
    z_starts: np.ndarray,
    max_steps: np.int64,
    out: np.ndarray,
) -> None:
    """One matrix, many starts: ``out[r]`` is where global succession from ``z_starts[r]`` settles."""
    n = z_starts.shape[0]
    n_threads = min(n, 64)
    for t in prange(n_threads):
        theta = np.zeros(matrix.shape[1], dtype=np.int64)
        hist = np.empty(max_steps, dtype=np.int64)
        for r in range(t, n, n_threads):
            theta_sum(matrix, off, z_starts[r], theta)
            out[r] = settle(matrix, off, counts, movable, z_starts[r], theta, hist)
