"""One complete scenario and its CIB figures (impact scores, consistency value, inconsistency, TIS).

See :mod:`scenarist.engines.cib` for the definitions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from scenarist.engines._domain import domain_of
from scenarist.engines._sentinels import NO_RIVAL
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel, Indices

__all__ = ["Scenario", "evaluate", "impact_scores"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Scenario:
    """One complete scenario with its CIB figures and the named scenarios it falls into."""

    indices: tuple[int, ...]
    variants: Mapping[str, str]
    inconsistency: int
    consistency_value: int
    total_impact_score: int
    named: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "indices": list(self.indices),
            "variants": dict(self.variants),
            "inconsistency": self.inconsistency,
            "consistency_value": self.consistency_value,
            "total_impact_score": self.total_impact_score,
            "named": list(self.named),
        }


def _check_indices(model: CompiledModel, indices: Indices) -> IntArray:
    z = np.asarray(indices, dtype=np.int64)
    if z.shape != (model.n_descriptors,) or np.any(z < 0) or np.any(z >= model.counts):
        raise EngineError(
            f"a scenario needs one variant index per descriptor ({model.n_descriptors}), "
            f"each below its variant count {model.counts.tolist()}; got {list(indices)}"
        )
    return z


def impact_scores(model: CompiledModel, indices: Indices) -> IntArray:
    """θ for every flat variant given a complete scenario (0-based variant indices)."""
    z = _check_indices(model, indices)
    rows = model.offsets[:-1] + z
    scores: IntArray = model.matrix[rows].sum(axis=0)
    return scores


def _figures(model: CompiledModel, z: IntArray, checked: Sequence[bool]) -> tuple[list[int], list[int], int]:
    """Per-descriptor margins (own − best rival; a large number when there is no rival), CV, TIS."""
    theta = impact_scores(model, z)
    margins = []
    own_total = 0
    for k in range(model.n_descriptors):
        lo, hi = int(model.offsets[k]), int(model.offsets[k + 1])
        own = int(theta[lo + z[k]])
        own_total += own
        rivals = [int(theta[v]) for v in range(lo, hi) if v != lo + z[k]]
        margins.append(own - max(rivals) if rivals and checked[k] else NO_RIVAL)
    return margins, [int(t) for t in theta], own_total


def evaluate(model: CompiledModel, indices: Indices, *, fixed: Mapping[str, str] | None = None) -> Scenario:
    """The CIB figures of one complete scenario (0-based variant indices)."""
    z = _check_indices(model, indices)
    checked = domain_of(model, fixed).checked
    margins, _, tis = _figures(model, z, checked)
    cv = min(margins) if model.n_descriptors else 0
    cv = cv if cv < NO_RIVAL else 0
    return Scenario(
        indices=tuple(int(i) for i in z),
        variants=model.variants_of(z),
        inconsistency=max(0, -cv),
        consistency_value=cv,
        total_impact_score=tis,
        named=model.named_of(z),
    )
