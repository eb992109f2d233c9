"""Scenario accounting: the families, *none of these* and the lenses of a scenario distribution.

Method ``family-partition``. Every complete scenario of the distribution belongs to one family
or to *none of these* by the rule of :mod:`scenarist.model.families`, so the family shares and
*none of these* sum to one; lenses overlap and are reported apart. All shares are *given the
system settles* (the distribution already leaves out draws that end in a cycle).

Intervals are 90 % Wilson score intervals on the Monte Carlo error. For a distribution that
reweights the draws (a posterior), the number of draws is replaced by Kish's effective sample
size ``n_eff = (Σ w)² / Σ w²`` over the draws' weights, which for attractor ``a`` drawn ``c_a``
times with posterior probability ``p_a`` is ``1 / Σ_a p_a² / c_a`` (equal to the number of
settled draws for the prior itself). The intervals cover the sampling error of the draws, not
the judgments' uncertainty (that is what the draws sample).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scenarist.engines._distribution import Distribution
from scenarist.engines._stats import Z_90, wilson_interval
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel
from scenarist.model.families import NONE_OF_THESE

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Accounting", "Share", "account", "effective_draws"]

FloatArray = npt.NDArray[np.float64]

INTERVAL_Z = Z_90
"""z for two-sided 90 % intervals."""


@dataclass(frozen=True)
class Share:
    """The probability of one family, of *none of these*, or of one lens, with its interval."""

    id: str
    probability: float
    interval: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "probability": self.probability, "interval": list(self.interval)}


@dataclass(frozen=True)
class Accounting:
    """Families (the last row is *none of these*; they sum to one) and lenses, given the system settles."""

    model_id: str
    families: tuple[Share, ...]
    lenses: tuple[Share, ...]
    effective_draws: float
    method: str = "family-partition"
    basis: str = "given the system settles"

    def probability(self, share_id: str) -> float:
        """The probability of a family, ``none_of_these`` or a lens; EngineError for an unknown id."""
        for s in (*self.families, *self.lenses):
            if s.id == share_id:
                return s.probability
        raise EngineError(f"unknown family or lens {share_id!r}")

    @property
    def none_of_these(self) -> float:
        return self.probability(NONE_OF_THESE) if self.families else 1.0

    def as_mapping(self) -> Mapping[str, float]:
        return {s.id: s.probability for s in self.families}

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "basis": self.basis,
            "effective_draws": self.effective_draws,
            "interval": "90% Wilson score on the effective number of draws",
            "families": [s.to_dict() for s in self.families],
            "lenses": [s.to_dict() for s in self.lenses],
        }

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        rows = [{"id": s.id, "kind": "family", "probability": s.probability} for s in self.families]
        rows += [{"id": s.id, "kind": "lens", "probability": s.probability} for s in self.lenses]
        return pd.DataFrame(rows)


def effective_draws(counts: FloatArray, probabilities: FloatArray) -> float:
    """Kish's effective number of draws of a reweighted Monte Carlo sample (see the module notes)."""
    counts = np.asarray(counts, dtype=np.float64)
    p = np.asarray(probabilities, dtype=np.float64)
    inside = counts > 0
    denominator = float(np.sum(p[inside] ** 2 / counts[inside]))
    return 1.0 / denominator if denominator > 0 else 0.0


def _share(share_id: str, probability: float, n_eff: float) -> Share:
    """The share with Wilson's interval on an effective (possibly fractional) number of draws."""
    p = min(1.0, max(0.0, probability))
    return Share(share_id, p, wilson_interval(p * n_eff, n_eff, INTERVAL_Z))


def account(model: CompiledModel, dist: Distribution, *, counts: FloatArray | None = None) -> Accounting:
    """The family partition and the lenses of ``dist``; ``counts`` are the draws behind each of its rows."""
    n_eff = effective_draws(counts, dist.probabilities) if counts is not None else 0.0
    families: tuple[Share, ...] = ()
    if model.named_ids:
        labels = model.family_index(dist.indices)
        sums = np.bincount(labels + 1, weights=dist.probabilities, minlength=len(model.named_ids) + 1)
        families = (
            *(_share(n, float(v), n_eff) for n, v in zip(model.named_ids, sums[1:])),
            _share(NONE_OF_THESE, float(sums[0]), n_eff),
        )
    lenses: tuple[Share, ...] = ()
    if model.families is not None and model.lens_ids:
        held = model.families.lens_matrix(dist.indices).astype(np.float64) @ dist.probabilities
        lenses = tuple(_share(n, float(v), n_eff) for n, v in zip(model.lens_ids, held))
    return Accounting(model.id, families, lenses, n_eff)
