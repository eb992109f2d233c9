"""Interventions: force descriptors to variants and compare with the free system.

A fixed descriptor keeps its variant whatever the balances say (it is held by an outside
force) and is exempt from the consistency condition; every other descriptor must still be
consistent. Comparing the consistent scenarios of the forced and of the free system
shows which futures the intervention keeps, removes and newly creates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scenarist.engines._progress import Progress
from scenarist.engines.cib import Scenario, ScenarioSet, find_scenarios
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["InterventionResult", "compare_intervention"]


@dataclass(frozen=True)
class InterventionResult:
    """The free and forced scenario sets and how they differ (by scenario indices)."""

    model_id: str
    fixed: Mapping[str, str]
    free: ScenarioSet
    forced: ScenarioSet
    remain: tuple[Scenario, ...]
    vanish: tuple[Scenario, ...]
    appear: tuple[Scenario, ...]
    method: str = "cib-intervention"

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "fixed": dict(self.fixed),
            "tolerance": self.forced.tolerance,
            "remain": [s.to_dict() for s in self.remain],
            "vanish": [s.to_dict() for s in self.vanish],
            "appear": [s.to_dict() for s in self.appear],
        }

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        rows = []
        for status, group in (("remain", self.remain), ("vanish", self.vanish), ("appear", self.appear)):
            rows += [{"status": status, **s.variants, "named": ",".join(s.named)} for s in group]
        return pd.DataFrame(rows)


def compare_intervention(
    model: CompiledModel,
    fixed: Mapping[str, str],
    *,
    tolerance: int = 0,
    progress: Progress | None = None,
) -> InterventionResult:
    """Scenarios within ``tolerance`` with and without forcing ``fixed``; which remain, vanish, appear.

    Raises :class:`EngineError` when ``fixed`` is empty or names an unknown descriptor or variant.
    """
    if not fixed:
        raise EngineError("an intervention needs at least one fixed descriptor=variant")
    free = find_scenarios(model, tolerance=tolerance, progress=progress)
    forced = find_scenarios(model, tolerance=tolerance, fixed=fixed, progress=progress)
    free_keys = {s.indices for s in free.scenarios}
    forced_keys = {s.indices for s in forced.scenarios}
    return InterventionResult(
        model_id=model.id,
        fixed=dict(fixed),
        free=free,
        forced=forced,
        remain=tuple(s for s in forced.scenarios if s.indices in free_keys),
        vanish=tuple(s for s in free.scenarios if s.indices not in forced_keys),
        appear=tuple(s for s in forced.scenarios if s.indices not in free_keys),
    )
