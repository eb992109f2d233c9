"""Cross-Impact Balance analysis, exactly as ScenarioWizard computes it.

Definitions (Weimer-Jehle 2006; ScenarioWizard conventions):

* impact score of variant ``l`` of descriptor ``j`` in scenario ``z``:
  ``θ_j(l|z) = Σ_i C[(i, z_i), (j, l)]``, summed over all descriptors ``i`` (a non-zero
  diagonal block is included, as ScenarioWizard does);
* consistency value ``CV(z) = min_j [θ_j(z_j|z) − max_{l≠z_j} θ_j(l|z)]``;
* inconsistency ``IC(z) = max(0, −CV(z))``; ``z`` is consistent when ``IC = 0`` (ties allowed);
* total impact score ``TIS(z) = Σ_j θ_j(z_j|z)``.

Descriptors fixed by an intervention keep their variant and are exempt from the
consistency condition; every other descriptor must still be consistent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scenarist.engines._domain import Domain, domain_of
from scenarist.engines._progress import Progress
from scenarist.engines._scenario import Scenario, _check_indices, _figures, evaluate, impact_scores
from scenarist.engines._sentinels import NO_RIVAL
from scenarist.engines.executors import unfinished_of
from scenarist.engines.search import search_order
from scenarist.engines.solvers import AUTO_EXHAUSTIVE_BELOW, EXACT_SOLVERS, SOLVERS, SolverName, resolve_solver
from scenarist.errors import EngineError, StoppedError
from scenarist.model.compile import CompiledModel, Indices

if TYPE_CHECKING:
    import pandas as pd

    from scenarist.engines.executors import Executor

__all__ = [
    "Domain",
    "Progress",
    "Scenario",
    "ScenarioSet",
    "DescriptorBalance",
    "ScenarioBalance",
    "AUTO_EXHAUSTIVE_BELOW",
    "SOLVERS",
    "SolverName",
    "domain_of",
    "impact_scores",
    "evaluate",
    "explain",
    "find_scenarios",
    "parse_scenario",
    "partial_result",
]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ScenarioSet:
    """The scenarios of a model whose inconsistency is at most ``tolerance``.

    ``scenario_space`` is the number of scenarios searched: the whole space, or the part
    left by the fixed descriptors of an intervention.

    Sorted by inconsistency, then total impact score (descending), then indices.
    """

    model_id: str
    method: str
    tolerance: int
    scenario_space: int
    scenarios: tuple[Scenario, ...]
    named_ids: tuple[str, ...] = ()
    fixed: Mapping[str, str] = field(default_factory=dict)
    stopped: str | None = None
    """Set when the search was stopped before it finished: how much was searched (the set is what was found so far)."""

    def __len__(self) -> int:
        return len(self.scenarios)

    @property
    def complete(self) -> bool:
        """True when an exact solver finished; False for ``cib-multistart`` (may miss some) or a stopped search."""
        return self.stopped is None and self.method.removeprefix("cib-") in EXACT_SOLVERS

    def consistent(self) -> tuple[Scenario, ...]:
        """The fully consistent scenarios (inconsistency 0)."""
        return tuple(s for s in self.scenarios if s.inconsistency == 0)

    def named_counts(self, *, max_inconsistency: int = 0) -> dict[str, int]:
        """For each named scenario, how many listed scenarios (up to an inconsistency) fall into it.

        The key ``""`` counts those that fall into no named scenario.
        """
        counts = dict.fromkeys((*self.named_ids, ""), 0)
        for s in self.scenarios:
            if s.inconsistency <= max_inconsistency:
                for n in s.named or ("",):
                    counts[n] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "tolerance": self.tolerance,
            "scenario_space": self.scenario_space,
            "fixed": dict(self.fixed),
            **({"complete": False, "stopped": self.stopped} if self.stopped is not None else {}),
            "scenarios": [s.to_dict() for s in self.scenarios],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per scenario: a column per descriptor, then the CIB figures."""
        import pandas as pd

        rows = []
        for s in self.scenarios:
            row: dict[str, Any] = dict(s.variants)
            row.update(
                inconsistency=s.inconsistency,
                consistency_value=s.consistency_value,
                total_impact_score=s.total_impact_score,
                named=",".join(s.named),
            )
            rows.append(row)
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class DescriptorBalance:
    """The impact scores of one descriptor's variants in a given scenario."""

    descriptor: str
    chosen: str
    scores: Mapping[str, int]
    inconsistency: int
    margin: int

    @property
    def best(self) -> tuple[str, ...]:
        top = max(self.scores.values())
        return tuple(v for v, s in self.scores.items() if s == top)


@dataclass(frozen=True)
class ScenarioBalance:
    """Why a scenario is (in)consistent: every descriptor's balance."""

    model_id: str
    scenario: Scenario
    descriptors: tuple[DescriptorBalance, ...]
    method: str = "cib-impact-balance"

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "scenario": self.scenario.to_dict(),
            "descriptors": [
                {
                    "descriptor": d.descriptor,
                    "chosen": d.chosen,
                    "scores": dict(d.scores),
                    "inconsistency": d.inconsistency,
                    "margin": d.margin,
                }
                for d in self.descriptors
            ],
        }

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            [
                {"descriptor": d.descriptor, "variant": v, "score": s, "chosen": v == d.chosen}
                for d in self.descriptors
                for v, s in d.scores.items()
            ]
        )


def explain(model: CompiledModel, indices: Indices) -> ScenarioBalance:
    """Every descriptor's impact balance in the scenario, with its inconsistency."""
    z = _check_indices(model, indices)
    margins, theta, _ = _figures(model, z, [True] * model.n_descriptors)
    rows = []
    for k, d in enumerate(model.descriptor_ids):
        lo = int(model.offsets[k])
        scores = {v: theta[lo + i] for i, v in enumerate(model.variant_ids[k])}
        margin = margins[k] if margins[k] < NO_RIVAL else 0
        rows.append(DescriptorBalance(d, model.variant_ids[k][int(z[k])], scores, max(0, -margin), margin))
    return ScenarioBalance(model.id, evaluate(model, z), tuple(rows))


def parse_scenario(model: CompiledModel, text: str) -> tuple[int, ...]:
    """Read a scenario given as ``desc=variant,...`` or as 0-based indices ``0,2,1`` / ``0 2 1``."""
    text = text.strip()
    if "=" in text:
        assignment: dict[str, str] = {}
        for part in filter(str.strip, text.replace(";", ",").split(",")):
            key, sep, value = (x.strip() for x in part.partition("="))
            if not sep:
                raise EngineError(f"cannot read {part.strip()!r} in scenario {text!r}: expected descriptor=variant")
            if key in assignment:
                raise EngineError(f"descriptor {key!r} is given twice in scenario {text!r}")
            assignment[key] = value
        return model.indices_of(assignment)
    try:
        indices = [int(p) for p in text.replace(",", " ").split()]
    except ValueError:
        raise EngineError(f"cannot read scenario {text!r}: give 'descriptor=variant,...' or 0-based indices") from None
    return tuple(int(i) for i in _check_indices(model, indices))


def find_scenarios(
    model: CompiledModel,
    *,
    tolerance: int = 0,
    fixed: Mapping[str, str] | None = None,
    solver: SolverName | str = SolverName.auto,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> ScenarioSet:
    """All scenarios with inconsistency ≤ ``tolerance`` (0: the consistent scenarios).

    ``fixed`` forces descriptors to variants (an intervention). ``solver`` names an entry of
    :data:`~scenarist.engines.solvers.SOLVERS`; with ``multistart`` the set holds what local
    search found and may miss some (``complete`` is False). Raises :class:`EngineError`
    for a negative tolerance, an unknown solver or an unknown fixed variant.
    """
    if tolerance < 0:
        raise EngineError(f"tolerance must be 0 or more, got {tolerance}")
    fixed = dict(fixed or {})
    domain = domain_of(model, fixed)
    chosen = resolve_solver(solver, domain)
    try:
        found = SOLVERS[chosen](model, domain, tolerance, progress, executor)
    except (StoppedError, KeyboardInterrupt) as exc:
        partial = _found_so_far(model, domain, chosen, exc)
        if partial is not None:
            rows, stopped = partial
            setattr(exc, PARTIAL, _scenario_set(model, domain, chosen, tolerance, fixed, rows, stopped))
        raise
    return _scenario_set(model, domain, chosen, tolerance, fixed, found)


PARTIAL = "partial"
"""Attribute of a stopping exception (:class:`StoppedError`, ``KeyboardInterrupt``) holding what was found so far."""


def partial_result(exc: BaseException) -> Any:
    """What a search or a weighting stopped by ``exc`` had found so far (a :class:`ScenarioSet` or
    :class:`~scenarist.engines.weights.VolumeWeights` with its ``stopped`` statement), or None."""
    return getattr(exc, PARTIAL, None)


def _scenario_set(
    model: CompiledModel,
    domain: Domain,
    chosen: SolverName,
    tolerance: int,
    fixed: dict[str, str],
    found: IntArray,
    stopped: str | None = None,
) -> ScenarioSet:
    scenarios = [evaluate(model, row, fixed=fixed) for row in found]
    scenarios.sort(key=lambda s: (s.inconsistency, -s.total_impact_score, s.indices))
    return ScenarioSet(
        model_id=model.id,
        method=f"cib-{chosen.value}",
        tolerance=tolerance,
        scenario_space=domain.size,
        scenarios=tuple(scenarios),
        named_ids=model.named_ids,
        fixed=fixed,
        stopped=stopped,
    )


def _found_so_far(
    model: CompiledModel, domain: Domain, chosen: SolverName, exc: BaseException
) -> tuple[IntArray, str] | None:
    """The scenarios an exact search had found when it was stopped between steps, with how far it got."""
    unfinished = unfinished_of(exc)
    if unfinished is None or chosen not in (SolverName.exhaustive, SolverName.pruned):
        return None
    width = model.n_descriptors
    parts: list[IntArray] = []
    if chosen is SolverName.exhaustive:
        parts = [np.asarray(p, dtype=np.int64).reshape(-1, width) for p in unfinished.results]
        unit = "scenarios"
    else:  # prefixes of the pruned search: rows in the search's column order
        order = list(search_order(model, domain))
        for rows, _nodes in unfinished.results:
            out = np.empty_like(np.asarray(rows, dtype=np.int64).reshape(-1, width))
            out[:, order] = rows
            parts.append(out)
        unit = "search prefixes"
    found = np.concatenate(parts, axis=0) if parts else np.zeros((0, width), dtype=np.int64)
    share = unfinished.done / unfinished.total if unfinished.total else 0.0
    stopped = (
        f"stopped after {unfinished.done:,} of {unfinished.total:,} {unit} ({share:.1%} of the search): "
        "these are the scenarios found so far; others may lie in the part not searched"
    )
    return found, stopped
