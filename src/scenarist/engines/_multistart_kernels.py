"""Compiled local search for consistent scenarios from many starts (numba, cached on disk).

From each start the search repeatedly picks, uniformly at random, one checked descriptor
whose inconsistency (best rival's impact score minus its own) exceeds the tolerance, and
moves it — to its lowest-index best variant, or with probability ``noise`` to a random
other variant (a random-walk step that escapes cycles of the greedy move). It stops at the
first scenario within tolerance, or after ``max_steps`` moves.

Random numbers come from a small per-start generator (splitmix64) seeded by the caller,
so results do not depend on the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from scenarist.engines._core_kernels import theta_move, theta_sum

__all__ = ["local_search", "local_search_rows"]


@njit(cache=True, nogil=True)
def _next(state: np.ndarray) -> np.uint64:
    """splitmix64: advance ``state[0]`` and return the next 64 random bits."""
    state[0] += np.uint64(0x9E3779B97F4A7C15)
    x: np.uint64 = state[0]
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, nogil=True)
def _below(state: np.ndarray, n: int) -> int:
    """A random integer in ``[0, n)``."""
    return int(_next(state) % np.uint64(n))


@njit(cache=True, nogil=True)
def _gap(theta: np.ndarray, off: np.ndarray, z: np.ndarray, e: int) -> tuple[int, int]:
    """(best rival minus own impact score, lowest-index best variant) of descriptor ``e``."""
    lo = off[e]
    best = theta[lo + z[e]]
    pick = z[e]
    for v in range(off[e + 1] - lo):
        if theta[lo + v] > best:
            best = theta[lo + v]
            pick = v
    return best - theta[lo + z[e]], pick


@njit(cache=True, nogil=True)
def local_search(
    matrix: np.ndarray,
    off: np.ndarray,
    counts: np.ndarray,
    movable: np.ndarray,
    z: np.ndarray,
    theta: np.ndarray,
    tol: np.int64,
    noise: np.float64,
    max_steps: np.int64,
    rng: np.ndarray,
    violators: np.ndarray,
) -> bool:
    """Search from ``z`` (changed in place: the scenario found); False when none was within ``max_steps``."""
    n = z.shape[0]
    theta_sum(matrix, off, z, theta)
    for _ in range(max_steps + 1):
        k = 0
        for e in range(n):
            if movable[e] and counts[e] > 1 and _gap(theta, off, z, e)[0] > tol:
                violators[k] = e
                k += 1
        if k == 0:
            return True
        e = violators[_below(rng, k)]
        _, pick = _gap(theta, off, z, e)
        if (_next(rng) >> np.uint64(11)) * (1.0 / 9007199254740992.0) < noise:
            pick = (z[e] + 1 + _below(rng, counts[e] - 1)) % counts[e]
        theta_move(matrix, theta, off[e] + z[e], off[e] + pick)
        z[e] = pick
    return False


@njit(cache=True, parallel=True)
def local_search_rows(
    matrix: np.ndarray,
    off: np.ndarray,
    counts: np.ndarray,
    movable: np.ndarray,
    z_starts: np.ndarray,
    seeds: np.ndarray,
    tol: np.int64,
    noise: np.float64,
    max_steps: np.int64,
    out: np.ndarray,
    found: np.ndarray,
) -> None:
    """:func:`local_search` from every row of ``z_starts`` (seeded by ``seeds[r]``): ``out[r]``, ``found[r]``."""
    rows = z_starts.shape[0]
    n_threads = min(rows, 64)
    for t in prange(n_threads):
        z = np.empty(z_starts.shape[1], dtype=np.int64)
        theta = np.empty(matrix.shape[1], dtype=np.int64)
        violators = np.empty(z_starts.shape[1], dtype=np.int64)
        rng = np.empty(1, dtype=np.uint64)
        for r in range(t, rows, n_threads):
            z[:] = z_starts[r]
            rng[0] = seeds[r]
            found[r] = local_search(matrix, off, counts, movable, z, theta, tol, noise, max_steps, rng, violators)
            out[r] = z
