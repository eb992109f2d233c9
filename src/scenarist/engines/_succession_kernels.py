"""Compiled global succession over many starts (numba, cached on disk).

Global succession moves every (movable) descriptor at once to its maximal-score
variant; on a tie it keeps its current variant when that is among the maxima, otherwise
it takes the lowest-index maximum (ScenarioWizard's rule). A trajectory ends in a fixed
point (an attractor) or revisits a state (a cycle).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from scenarist.engines._core_kernels import encode, theta_move, theta_sum
from scenarist.engines._kernels import advance, start_odometer

__all__ = ["CYCLE", "OVERFLOW", "settle", "weights_of_starts", "weights_parts", "weights_range"]

CYCLE = -1
"""Where a succession that revisits a state ends (no attractor)."""
OVERFLOW = -2
"""Where a succession that has not settled within its step budget ends."""
STRAY = 2
"""Column of the tally for a fixed point missing from the given attractor list (a caller bug)."""
_CACHE_SIZE = 1 << 16


@njit(cache=True, nogil=True)
def _step(theta: np.ndarray, off: np.ndarray, z: np.ndarray, movable: np.ndarray, nz: np.ndarray) -> bool:
    """Write the global-succession successor of ``z`` to ``nz``; True when it differs from ``z``."""
    changed = False
    for e in range(z.shape[0]):
        nz[e] = z[e]
        if not movable[e]:
            continue
        lo = off[e]
        best = theta[lo + z[e]]
        pick = z[e]
        for v in range(off[e + 1] - lo):
            if theta[lo + v] > best:
                best = theta[lo + v]
                pick = v
        if pick != z[e]:
            nz[e] = pick
            changed = True
    return changed


@njit(cache=True, nogil=True)
def settle(
    matrix: np.ndarray,
    off: np.ndarray,
    counts: np.ndarray,
    movable: np.ndarray,
    z0: np.ndarray,
    theta0: np.ndarray,
    hist: np.ndarray,
) -> np.int64:
    """Follow global succession from ``z0`` (balances ``theta0``); the attractor's flat index, CYCLE or OVERFLOW."""
    n = z0.shape[0]
    z = z0.copy()
    nz = np.empty(n, dtype=np.int64)
    theta = theta0.copy()
    steps = 0
    while True:
        if not _step(theta, off, z, movable, nz):
            return encode(z, counts)
        if steps == hist.shape[0]:
            return np.int64(OVERFLOW)
        hist[steps] = encode(z, counts)
        steps += 1
        for k in range(n):
            if nz[k] != z[k]:
                theta_move(matrix, theta, off[k] + z[k], off[k] + nz[k])
                z[k] = nz[k]
        here = encode(z, counts)
        for s in range(steps):
            if hist[s] == here:
                return np.int64(CYCLE)


@njit(cache=True, nogil=True)
def _tally(target: np.int64, attractors: np.ndarray, weights: np.ndarray, extra: np.ndarray) -> None:
    if target == CYCLE:
        extra[0] += 1
    elif target == OVERFLOW:
        extra[1] += 1
    else:
        slot = np.searchsorted(attractors, target)
        if slot < attractors.shape[0] and attractors[slot] == target:
            weights[slot] += 1
        else:
            extra[STRAY] += 1


@njit(cache=True, nogil=True)
def weights_range(
    matrix: np.ndarray,
    off: np.ndarray,
    counts: np.ndarray,
    dom: np.ndarray,
    dsize: np.ndarray,
    movable: np.ndarray,
    attractors: np.ndarray,
    start: np.int64,
    stop: np.int64,
    weights: np.ndarray,
    extra: np.ndarray,
    max_steps: np.int64,
) -> None:
    """Global succession from every start in ``[start, stop)`` of the domain; tally the endpoints.

    Neighbouring starts often share their first successor, so where each successor settles
    is remembered in a small direct-mapped cache (the map is deterministic: a start that is
    not a fixed point ends wherever its successor ends).
    """
    n = dsize.shape[0]
    pos = np.zeros(n, dtype=np.int64)
    z = np.zeros(n, dtype=np.int64)
    nz = np.zeros(n, dtype=np.int64)
    theta = np.zeros(matrix.shape[1], dtype=np.int64)
    scratch = np.zeros(matrix.shape[1], dtype=np.int64)
    start_odometer(matrix, off, dom, dsize, start, pos, z, theta)
    hist = np.empty(max_steps, dtype=np.int64)
    cache_keys = np.full(_CACHE_SIZE, -1, dtype=np.int64)
    cache_vals = np.zeros(_CACHE_SIZE, dtype=np.int64)
    for _ in range(start, stop):
        if not _step(theta, off, z, movable, nz):
            target = encode(z, counts)
        else:
            key = encode(nz, counts)
            slot = key & (_CACHE_SIZE - 1)
            if cache_keys[slot] == key:
                target = cache_vals[slot]
            else:
                scratch[:] = theta
                for k in range(n):
                    if nz[k] != z[k]:
                        theta_move(matrix, scratch, off[k] + z[k], off[k] + nz[k])
                target = settle(matrix, off, counts, movable, nz, scratch, hist)
                cache_keys[slot] = key
                cache_vals[slot] = target
        _tally(target, attractors, weights, extra)
        advance(matrix, off, dom, dsize, pos, z, theta)


@njit(cache=True, parallel=True)
def weights_parts(
    matrix: np.ndarray,
    off: np.ndarray,
    counts: np.ndarray,
    dom: np.ndarray,
    dsize: np.ndarray,
    movable: np.ndarray,
    attractors: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    weights: np.ndarray,
    extra: np.ndarray,
    max_steps: np.int64,
) -> None:
    """:func:`weights_range` on each part in parallel; part ``p`` tallies into ``weights[p]``, ``extra[p]``."""
    for p in prange(starts.shape[0]):
        weights_range(
            matrix, off, counts, dom, dsize, movable, attractors, starts[p], stops[p], weights[p], extra[p], max_steps
        )


@njit(cache=True, parallel=True)
def weights_of_starts(
    matrix: np.ndarray,
    off: np.ndarray,
    counts: np.ndarray,
    movable: np.ndarray,
    attractors: np.ndarray,
    z_starts: np.ndarray,
    n_parts: np.int64,
    weights: np.ndarray,
    extra: np.ndarray,
    max_steps: np.int64,
) -> None:
    """Global succession from each row of ``z_starts``; part ``p`` handles rows ``p::n_parts``."""
    for p in prange(n_parts):
        hist = np.empty(max_steps, dtype=np.int64)
        theta = np.zeros(matrix.shape[1], dtype=np.int64)
        for r in range(p, z_starts.shape[0], n_parts):
            theta_sum(matrix, off, z_starts[r], theta)
            target = settle(matrix, off, counts, movable, z_starts[r], theta, hist)
            _tally(target, attractors, weights[p], extra[p])
