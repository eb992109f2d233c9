"""Succession: how an inconsistent scenario moves towards a consistent one.

Rules (pluggable through :data:`RULES`):

* ``global`` (ScenarioWizard's): every descriptor moves at once to its maximal-score
  variant; on a tie it keeps its current variant when that is among the maxima,
  otherwise it takes the lowest-index maximum.
* ``local``: one descriptor per step — the most inconsistent one (largest gap between its
  best score and its current variant's score; ties to the lowest descriptor index) moves
  to its lowest-index maximal-score variant.

A path ends at a fixed point — exactly a consistent scenario under either rule — or
when a state repeats, which is reported as a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scenarist.engines._domain import domain_of
from scenarist.engines.cib import impact_scores
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel, Indices

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RULES", "SuccessionPath", "SuccessionRule", "global_step", "local_step", "succession"]

IntArray = npt.NDArray[np.int64]
Rule = Callable[[CompiledModel, IntArray, npt.NDArray[np.bool_]], IntArray]


def _best(theta: IntArray, lo: int, hi: int) -> tuple[int, int]:
    scores = theta[lo:hi]
    return int(scores.max()), int(np.argmax(scores))


def global_step(model: CompiledModel, z: IntArray, movable: npt.NDArray[np.bool_]) -> IntArray:
    """One global-succession step (ScenarioWizard's tie rule)."""
    theta = impact_scores(model, z)
    nz = z.copy()
    for k in range(model.n_descriptors):
        if not movable[k]:
            continue
        lo, hi = int(model.offsets[k]), int(model.offsets[k + 1])
        top, first = _best(theta, lo, hi)
        if theta[lo + z[k]] != top:
            nz[k] = first
    return nz


def local_step(model: CompiledModel, z: IntArray, movable: npt.NDArray[np.bool_]) -> IntArray:
    """One local-succession step: the most inconsistent descriptor (lowest index on ties) moves."""
    theta = impact_scores(model, z)
    worst, worst_gap, target = -1, 0, 0
    for k in range(model.n_descriptors):
        if not movable[k]:
            continue
        lo, hi = int(model.offsets[k]), int(model.offsets[k + 1])
        top, first = _best(theta, lo, hi)
        gap = top - int(theta[lo + z[k]])
        if gap > worst_gap:
            worst, worst_gap, target = k, gap, first
    nz = z.copy()
    if worst >= 0:
        nz[worst] = target
    return nz


class SuccessionRule(StrEnum):
    """Succession rules; each value is the string callers may pass instead."""

    global_ = "global"
    local = "local"


RULES: dict[str, Rule] = {SuccessionRule.global_: global_step, SuccessionRule.local: local_step}


@dataclass(frozen=True)
class SuccessionPath:
    """The states visited from a start; ``cycle`` holds the repeating states when there is no attractor."""

    model_id: str
    rule: str
    path: tuple[tuple[int, ...], ...]
    attractor: tuple[int, ...] | None
    cycle: tuple[tuple[int, ...], ...] = ()
    descriptor_ids: tuple[str, ...] = field(default=())
    variant_ids: tuple[tuple[str, ...], ...] = field(default=())

    @property
    def method(self) -> str:
        """``succession-global`` or ``succession-local``."""
        return f"succession-{self.rule}"

    def variants(self, state: tuple[int, ...]) -> dict[str, str]:
        return {d: self.variant_ids[k][i] for k, (d, i) in enumerate(zip(self.descriptor_ids, state))}

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "rule": self.rule,
            "path": [{"indices": list(s), "variants": self.variants(s)} for s in self.path],
            "attractor": None if self.attractor is None else list(self.attractor),
            "cycle": [list(s) for s in self.cycle],
        }

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([{"step": i, **self.variants(s)} for i, s in enumerate(self.path)])


def succession(
    model: CompiledModel,
    start: Indices,
    *,
    rule: SuccessionRule | str = SuccessionRule.global_,
    fixed: Mapping[str, str] | None = None,
    max_steps: int = 10_000,
) -> SuccessionPath:
    """Follow ``rule`` from ``start`` until a fixed point or a repeated state.

    Descriptors in ``fixed`` are set to their variant and never move. Raises
    :class:`EngineError` for an unknown rule or when ``max_steps`` is exceeded.
    """
    if rule not in RULES:
        raise EngineError(f"unknown succession rule {rule!r}; expected one of {', '.join(RULES)}")
    rule = SuccessionRule(rule).value
    step = RULES[rule]
    domain = domain_of(model, fixed)
    z = np.array(start, dtype=np.int64)
    impact_scores(model, z)  # validates the indices
    movable = np.array(domain.checked, dtype=bool)
    for k, allowed in enumerate(domain.allowed):
        if not movable[k]:
            z[k] = allowed[0]
    seen: dict[tuple[int, ...], int] = {}
    path: list[tuple[int, ...]] = []
    for _ in range(max_steps):
        state = tuple(int(i) for i in z)
        if state in seen:
            cycle = tuple(path[seen[state] :])
            return SuccessionPath(model.id, rule, tuple(path), None, cycle, model.descriptor_ids, model.variant_ids)
        seen[state] = len(path)
        path.append(state)
        nz = step(model, z, movable)
        if np.array_equal(nz, z):
            return SuccessionPath(model.id, rule, tuple(path), state, (), model.descriptor_ids, model.variant_ids)
        z = nz
    raise EngineError(f"succession did not settle within {max_steps} steps")
