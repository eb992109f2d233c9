"""Ensembles: several judgment sets (e.g. one per expert) evaluated together.

Each member's consistent scenarios are found with the exact engine. The aggregate is
the consistent set of the mean matrix — computed exactly from the sum of the members'
matrices, since a common positive factor changes no consistency result — and, for every
scenario consistent in any member or in the mean, the number of members in which it is
consistent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarist.engines.cib import Scenario, ScenarioSet, evaluate, find_scenarios
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EnsembleResult", "EnsembleScenario", "evaluate_ensemble"]


@dataclass(frozen=True)
class EnsembleScenario:
    """A scenario with the members in which it is consistent and whether the mean matrix makes it consistent."""

    scenario: Scenario
    members: tuple[str, ...]
    in_mean: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.scenario.to_dict(),
            "members": list(self.members),
            "member_count": len(self.members),
            "consistent_in_mean": self.in_mean,
        }


@dataclass(frozen=True)
class EnsembleResult:
    """Per-member scenario sets, the mean-matrix set, and the agreement table (most agreed first)."""

    model_id: str
    tolerance: int
    member_ids: tuple[str, ...]
    members: Mapping[str, ScenarioSet]
    mean: ScenarioSet
    scenarios: tuple[EnsembleScenario, ...]
    method: str = "cib-ensemble"

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "tolerance": self.tolerance,
            "members": list(self.member_ids),
            "member_counts": {m: len(s) for m, s in self.members.items()},
            "mean_count": len(self.mean),
            "scenarios": [s.to_dict() for s in self.scenarios],
        }

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    **s.scenario.variants,
                    "members": len(s.members),
                    "in_mean": s.in_mean,
                    "named": ",".join(s.scenario.named),
                }
                for s in self.scenarios
            ]
        )


def evaluate_ensemble(members: Mapping[str, CompiledModel], *, tolerance: int = 0) -> EnsembleResult:
    """Evaluate every member and aggregate (see the module notes). Members must share one structure."""
    if not members:
        raise EngineError("the model has no judgment sets: add 'judgment_sets' to evaluate an ensemble")
    first = next(iter(members.values()))
    if any(m.counts.tolist() != first.counts.tolist() for m in members.values()):
        raise EngineError("ensemble members must share descriptors and variants")
    sets = {name: find_scenarios(m, tolerance=tolerance) for name, m in members.items()}
    total = np.sum([m.matrix for m in members.values()], axis=0).astype(np.int64)
    total.setflags(write=False)
    mean_model = replace(first, matrix=total)
    mean = find_scenarios(mean_model, tolerance=tolerance)
    keys = {s.indices for s in mean.scenarios}
    for result in sets.values():
        keys |= {s.indices for s in result.scenarios}
    in_member = {name: {s.indices for s in result.scenarios} for name, result in sets.items()}
    mean_keys = {s.indices for s in mean.scenarios}
    rows = [
        EnsembleScenario(
            scenario=evaluate(mean_model, key),
            members=tuple(name for name in members if key in in_member[name]),
            in_mean=key in mean_keys,
        )
        for key in keys
    ]
    rows.sort(key=lambda r: (-len(r.members), not r.in_mean, r.scenario.indices))
    return EnsembleResult(first.id, tolerance, tuple(members), sets, mean, tuple(rows))
