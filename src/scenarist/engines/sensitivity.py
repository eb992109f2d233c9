"""Key assumptions: which judgments move the named-scenario probabilities most.

Method ``judgment-shift-crn``: every stated judgment is shifted by −1 and by +1 in turn
and the Monte Carlo of :mod:`scenarist.engines.uncertainty` is rerun with the same seed
(common random numbers: identical noise and starts), so the differences reflect the
shift rather than sampling noise. A judgment's influence is the largest absolute change
of any family's probability or of *none of these* (given the system settles, as the
probability tables show it) over the two shifts.

With ``observations`` the probabilities compared are the posteriors after that evidence
(Bayes' rule of :mod:`scenarist.engines.bayes` applied to every rerun): the key assumptions
*now* rather than before any evidence. A rerun under which the evidence is impossible counts
as no change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scenarist.engines._progress import Progress
from scenarist.engines.bayes import Observation, posterior
from scenarist.engines.uncertainty import CONFIDENCE_SPREAD, ProbabilityResult, judgment_cells, scenario_probabilities
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["JudgmentInfluence", "SensitivityResult", "key_assumptions"]


@dataclass(frozen=True)
class JudgmentInfluence:
    source: str
    target: str
    impact: int
    minus: Mapping[str, float]
    plus: Mapping[str, float]

    @property
    def influence(self) -> float:
        return max([abs(v) for v in (*self.minus.values(), *self.plus.values())], default=0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "impact": self.impact,
            "influence": self.influence,
            "change_if_minus_1": dict(self.minus),
            "change_if_plus_1": dict(self.plus),
        }


@dataclass(frozen=True)
class SensitivityResult:
    """Judgments ranked by influence on the named-scenario probabilities (largest first)."""

    model_id: str
    draws: int
    seed: int
    baseline: Mapping[str, float]
    judgments: tuple[JudgmentInfluence, ...]
    method: str = "judgment-shift-crn"
    evidence: int = 0

    def top(self, n: int) -> tuple[JudgmentInfluence, ...]:
        return self.judgments[:n]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "parameters": {"draws": self.draws, "seed": self.seed, "shift": 1, "evidence": self.evidence},
            "baseline": dict(self.baseline),
            "judgments": [j.to_dict() for j in self.judgments],
        }

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([{"from": j.source, "to": j.target, "influence": j.influence} for j in self.judgments])


def _flat_refs(model: CompiledModel) -> list[str]:
    return [f"{d}.{v}" for d, vs in zip(model.descriptor_ids, model.variant_ids) for v in vs]


def key_assumptions(
    model: CompiledModel,
    *,
    draws: int = 2_000,
    seed: int = 0,
    spreads: Mapping[int, float] = CONFIDENCE_SPREAD,
    progress: Progress | None = None,
    observations: Sequence[Observation] = (),
) -> SensitivityResult:
    """Shift each stated judgment by ±1 with common random numbers; rank by influence."""

    def shares(run: ProbabilityResult) -> dict[str, float] | None:
        if not observations:
            return {n.id: n.probability for n in run.settled_partition()}
        try:
            return dict(posterior(model, run.distribution(), observations).named)
        except EngineError:
            return None

    base = scenario_probabilities(model, draws=draws, seed=seed, spreads=spreads)
    baseline = shares(base)
    if baseline is None:
        raise EngineError("the evidence has probability zero under the stated judgments")
    rows, cols, _ = judgment_cells(model, spreads)
    refs = _flat_refs(model)
    out = []
    for i, (r, c) in enumerate(zip(rows.tolist(), cols.tolist())):
        changes = []
        for shift in (-1, 1):
            matrix = model.matrix.copy()
            matrix[r, c] += shift
            run = scenario_probabilities(model, draws=draws, seed=seed, spreads=spreads, base=matrix)
            moved = shares(run) or baseline
            changes.append({k: moved[k] - baseline[k] for k in baseline})
        out.append(JudgmentInfluence(refs[r], refs[c], int(model.matrix[r, c]), changes[0], changes[1]))
        if progress is not None:
            progress(i + 1, len(rows))
    out.sort(key=lambda j: (-j.influence, j.source, j.target))
    return SensitivityResult(model.id, draws, seed, baseline, tuple(out), evidence=len(observations))
