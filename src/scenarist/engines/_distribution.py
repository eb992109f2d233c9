"""A probability distribution over complete scenarios (shared by the probability and evidence engines)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scenarist.errors import EngineError

__all__ = ["Distribution"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Distribution:
    """Probabilities over complete scenarios (rows of ``indices``), summing to one."""

    indices: IntArray
    probabilities: FloatArray

    @classmethod
    def from_counts(cls, indices: IntArray, weights: FloatArray) -> Distribution:
        """Normalise non-negative ``weights``; raises :class:`EngineError` when they sum to nothing."""
        total = float(np.sum(weights))
        if len(weights) == 0 or total <= 0:
            raise EngineError("the prior distribution is empty: no draw settled in an attractor")
        return cls(np.asarray(indices, dtype=np.int64), np.asarray(weights, dtype=np.float64) / total)
