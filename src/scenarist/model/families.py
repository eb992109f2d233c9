"""Scenario families: the one rule that puts every complete scenario in one family or in none.

A family is a named scenario of kind ``family`` with a small ``core`` (descriptor -> allowed
variants) and optional ``typical`` variants. A complete scenario is assigned by this rule:

1. **Core match.** The families whose every core descriptor takes an allowed variant.
2. **Nearest family.** When no core matches, the families whose core differs in at most
   ``max_distance`` descriptors (the model's ``families.max_distance``, default 1) *and* whose
   core matches in more than half of its descriptors; the distance is the number of core
   descriptors that differ.
3. Among the candidates the smallest distance wins, then the most typical variants matched,
   then the family listed first in the model; a decision reached by the last step is a *tie*
   and is reported as such.
4. Otherwise the scenario belongs to *none of these*.

Lenses (named scenarios of kind ``lens``) never take part: a lens holds in a scenario when
every one of its core descriptors takes an allowed variant, whatever the family.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["NONE_OF_THESE", "FamilyTable", "Membership"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

NONE_OF_THESE = "none_of_these"
"""The key under which the share of scenarios in no family is reported."""


@dataclass(frozen=True)
class Membership:
    """How one scenario was classified: its family (None: none of these), by which step, ties."""

    family: str | None
    rule: str  # "core", "nearest" or "none"
    distance: int
    tied_with: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"family": self.family, "rule": self.rule, "distance": self.distance, "tied_with": list(self.tied_with)}


@dataclass(frozen=True, eq=False)
class FamilyTable:
    """Families and lenses as boolean masks over flat variant indices (see the module notes)."""

    offsets: IntArray
    family_ids: tuple[str, ...]
    core: BoolArray  # (families, flat variants): allowed by the core (True where unconstrained)
    core_desc: BoolArray  # (families, descriptors): the descriptor is in the core
    typical: BoolArray  # (families, flat variants)
    typical_desc: BoolArray  # (families, descriptors)
    lens_ids: tuple[str, ...]
    lenses: BoolArray  # (lenses, flat variants)
    max_distance: int = 1

    def _flat(self, rows: IntArray) -> IntArray:
        flat: IntArray = self.offsets[:-1][None, :] + np.asarray(rows, dtype=np.int64).reshape(
            -1, len(self.offsets) - 1
        )
        return flat

    def _scores(self, rows: IntArray) -> tuple[IntArray, IntArray, BoolArray]:
        """(distance, typical matches, eligible), each of shape (families, scenarios)."""
        flat = self._flat(rows)
        miss = (~self.core[:, flat]) & self.core_desc[:, None, :]
        distance: IntArray = miss.sum(axis=2).astype(np.int64)
        size = self.core_desc.sum(axis=1).astype(np.int64)[:, None]
        typical: IntArray = (self.typical[:, flat] & self.typical_desc[:, None, :]).sum(axis=2).astype(np.int64)
        near = (distance <= self.max_distance) & (2 * (size - distance) > size)
        eligible: BoolArray = (distance == 0) | near
        return distance, typical, eligible

    def family_index(self, rows: IntArray) -> IntArray:
        """For each row of variant indices, the index of its family in ``family_ids`` (-1: none of these)."""
        rows = np.asarray(rows, dtype=np.int64)
        n = len(rows)
        if not self.family_ids or n == 0:
            return np.full(n, -1, dtype=np.int64)
        distance, typical, eligible = self._scores(rows)
        n_fam = len(self.family_ids)
        width = int(self.typical_desc.shape[1]) + 2
        order = np.arange(n_fam, dtype=np.int64)[:, None]
        score = (distance * width - typical) * n_fam + order
        score = np.where(eligible, score, np.iinfo(np.int64).max)
        best = np.argmin(score, axis=0).astype(np.int64)
        found = eligible[best, np.arange(n)]
        result: IntArray = np.where(found, best, -1).astype(np.int64)
        return result

    def membership(self, indices: IntArray) -> Membership:
        """The family of one scenario with the step that decided it and any tie."""
        row = np.asarray(indices, dtype=np.int64)[None, :]
        if not self.family_ids:
            return Membership(None, "none", 0)
        distance, typical, eligible = (a[:, 0] for a in self._scores(row))
        k = int(self.family_index(row)[0])
        if k < 0:
            return Membership(None, "none", int(distance.min()))
        same = [
            self.family_ids[f]
            for f in range(len(self.family_ids))
            if f != k and eligible[f] and distance[f] == distance[k] and typical[f] == typical[k]
        ]
        rule = "core" if distance[k] == 0 else "nearest"
        return Membership(self.family_ids[k], rule, int(distance[k]), tuple(same))

    def lens_matrix(self, rows: IntArray) -> BoolArray:
        """(lenses, scenarios): whether each lens holds in each scenario."""
        rows = np.asarray(rows, dtype=np.int64)
        if not self.lens_ids or len(rows) == 0:
            return np.zeros((len(self.lens_ids), len(rows)), dtype=bool)
        held: BoolArray = np.all(self.lenses[:, self._flat(rows)], axis=2)
        return held

    def core_matches(self, rows: IntArray) -> BoolArray:
        """(families, scenarios): whether each scenario matches each family's core (ignoring the rule)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not self.family_ids or len(rows) == 0:
            return np.zeros((len(self.family_ids), len(rows)), dtype=bool)
        held: BoolArray = np.all(self.core[:, self._flat(rows)], axis=2)
        return held
