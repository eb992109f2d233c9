"""Compiled inner loops of the exhaustive CIB engine (numba, cached on disk).

The scenario space is a mixed-radix number: descriptor ``k`` takes the variants listed in
``dom[k, :dsize[k]]``, the last descriptor varies fastest. A range of flat positions is
walked like an odometer and the impact balances are updated incrementally: when one
descriptor changes from variant ``a`` to ``b`` the balance vector gains ``M[b] - M[a]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from scenarist.engines._core_kernels import decode, theta_move, theta_sum

__all__ = ["advance", "scan_parts", "scan_range", "start_odometer"]


@njit(cache=True, nogil=True)
def start_odometer(
    matrix: np.ndarray,
    off: np.ndarray,
    dom: np.ndarray,
    dsize: np.ndarray,
    start: np.int64,
    pos: np.ndarray,
    z: np.ndarray,
    theta: np.ndarray,
) -> None:
    """Set ``pos`` (domain positions), ``z`` (variants) and ``theta`` (balances) to flat position ``start``."""
    decode(int(start), dsize, pos)
    for k in range(dsize.shape[0]):
        z[k] = dom[k, pos[k]]
    theta_sum(matrix, off, z, theta)


@njit(cache=True, nogil=True)
def advance(
    matrix: np.ndarray,
    off: np.ndarray,
    dom: np.ndarray,
    dsize: np.ndarray,
    pos: np.ndarray,
    z: np.ndarray,
    theta: np.ndarray,
) -> None:
    """Step the odometer to the next scenario, updating the balances of the descriptors that change."""
    k = dsize.shape[0] - 1
    while k >= 0:
        old = off[k] + z[k]
        pos[k] += 1
        carry = pos[k] == dsize[k]
        if carry:
            pos[k] = 0
        z[k] = dom[k, pos[k]]
        theta_move(matrix, theta, old, off[k] + z[k])
        if not carry:
            break
        k -= 1


@njit(cache=True, nogil=True)
def _within(theta: np.ndarray, off: np.ndarray, z: np.ndarray, check: np.ndarray, tol: np.int64) -> bool:
    """True when every checked descriptor's chosen variant is within ``tol`` of its best rival."""
    for e in range(z.shape[0]):
        if not check[e]:
            continue
        lo = off[e]
        hi = off[e + 1]
        own = theta[lo + z[e]]
        for v in range(lo, hi):
            if v != lo + z[e] and theta[v] - own > tol:
                return False
    return True


@njit(cache=True, nogil=True)
def scan_range(
    matrix: np.ndarray,
    off: np.ndarray,
    dom: np.ndarray,
    dsize: np.ndarray,
    check: np.ndarray,
    tol: np.int64,
    start: np.int64,
    stop: np.int64,
    out: np.ndarray,
) -> np.int64:
    """Write the variant indices of every scenario in ``[start, stop)`` within tolerance to ``out``.

    Returns how many were found; when that exceeds ``len(out)`` only the first ones were
    written and the caller must run the range again with a larger buffer.
    """
    n = dsize.shape[0]
    pos = np.zeros(n, dtype=np.int64)
    z = np.zeros(n, dtype=np.int64)
    theta = np.zeros(matrix.shape[1], dtype=np.int64)
    start_odometer(matrix, off, dom, dsize, start, pos, z, theta)
    found = np.int64(0)
    cap = out.shape[0]
    for _ in range(start, stop):
        if _within(theta, off, z, check, tol):
            if found < cap:
                for k in range(n):
                    out[found, k] = z[k]
            found += 1
        advance(matrix, off, dom, dsize, pos, z, theta)
    return found


@njit(cache=True, parallel=True)
def scan_parts(
    matrix: np.ndarray,
    off: np.ndarray,
    dom: np.ndarray,
    dsize: np.ndarray,
    check: np.ndarray,
    tol: np.int64,
    starts: np.ndarray,
    stops: np.ndarray,
    out: np.ndarray,
    found: np.ndarray,
) -> None:
    """Run :func:`scan_range` on each part in parallel; part ``p`` writes ``out[p]`` and ``found[p]``."""
    for p in prange(starts.shape[0]):
        found[p] = scan_range(matrix, off, dom, dsize, check, tol, starts[p], stops[p], out[p])
