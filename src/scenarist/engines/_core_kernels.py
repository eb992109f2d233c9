"""Compiled building blocks shared by every CIB kernel (numba, cached on disk).

* impact balances: ``theta[v] = Σ_k matrix[offsets[k] + z[k], v]`` (:func:`theta_sum`), kept up
  to date when one descriptor moves from flat variant ``old`` to ``new`` (:func:`theta_move`:
  ``theta += matrix[new] − matrix[old]``) or when a row is added or taken away (:func:`theta_add_row`);
* flat positions: a scenario is a mixed-radix number, descriptor ``k`` a digit in base
  ``radix[k]``, the last descriptor varying fastest (:func:`encode`, :func:`decode`).

None of these allocates, so they are compiled without reference counting: the count
updates on every array passed to a call otherwise dominate tight loops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numba import njit

__all__ = ["decode", "encode", "theta_add_row", "theta_move", "theta_sum"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _leaf(fn: _F) -> _F:
    """Compile ``fn`` without reference counting (it allocates nothing), cached on disk."""
    compiled: _F = njit(cache=True, nogil=True, _nrt=False)(fn)  # type: ignore[call-overload]
    return compiled


@_leaf
def theta_sum(matrix: np.ndarray, offsets: np.ndarray, z: np.ndarray, theta: np.ndarray) -> None:
    """``theta`` := the impact balances of scenario ``z`` (variant indices, one per descriptor)."""
    for v in range(theta.shape[0]):
        theta[v] = 0
    for k in range(z.shape[0]):
        row = offsets[k] + z[k]
        for v in range(theta.shape[0]):
            theta[v] += matrix[row, v]


@_leaf
def theta_move(matrix: np.ndarray, theta: np.ndarray, old: int, new: int) -> None:
    """One descriptor moves from flat variant ``old`` to ``new``: ``theta += matrix[new] − matrix[old]``."""
    if new != old:
        for v in range(theta.shape[0]):
            theta[v] += matrix[new, v] - matrix[old, v]


@_leaf
def theta_add_row(theta: np.ndarray, matrix: np.ndarray, row: int, sign: int) -> None:
    """``theta += sign × matrix[row]`` (a descriptor assigned, ``sign`` 1, or unassigned, ``sign`` −1)."""
    for v in range(theta.shape[0]):
        theta[v] += sign * matrix[row, v]


@_leaf
def encode(z: np.ndarray, radix: np.ndarray) -> np.int64:
    """The flat position of digits ``z`` in bases ``radix`` (last digit fastest)."""
    flat = np.int64(0)
    for k in range(z.shape[0]):
        flat = flat * radix[k] + z[k]
    return flat


@_leaf
def decode(flat: int, radix: np.ndarray, z: np.ndarray) -> None:
    """``z`` := the digits of flat position ``flat`` in bases ``radix`` (inverse of :func:`encode`)."""
    for k in range(radix.shape[0] - 1, -1, -1):
        z[k] = flat % radix[k]
        flat //= radix[k]
