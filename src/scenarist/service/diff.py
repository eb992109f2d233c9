"""What changed between two revisions of a model: judgments, structure, consistent scenarios, probabilities.

Scenarios are compared by their variant ids, so a revision that reorders descriptors or adds one
still matches the scenarios the two share (a scenario of a revision with an extra descriptor is
compared on the descriptors both have).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scenarist.engines.cib import find_scenarios
from scenarist.service.settings import DEFAULTS, AnalysisSettings
from scenarist.service.standing import prior_of, standing_of
from scenarist.service.usecases import Loaded

__all__ = ["JudgmentChange", "ModelDiff", "diff_models"]


@dataclass(frozen=True)
class JudgmentChange:
    source: str
    target: str
    old: int
    new: int

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class ModelDiff:
    """The differences between ``old`` and ``new`` (see the module notes)."""

    model_id: str
    old_revision: str
    new_revision: str
    descriptors_added: tuple[str, ...]
    descriptors_removed: tuple[str, ...]
    variants_added: tuple[str, ...]
    variants_removed: tuple[str, ...]
    judgments: tuple[JudgmentChange, ...]
    signposts_added: tuple[str, ...]
    signposts_removed: tuple[str, ...]
    consistent_only_old: tuple[dict[str, str], ...]
    consistent_only_new: tuple[dict[str, str], ...]
    consistent_both: int
    families_old: dict[str, float]
    families_new: dict[str, float]
    method: str = "model-diff"

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "old_revision": self.old_revision,
            "new_revision": self.new_revision,
            "descriptors": {"added": list(self.descriptors_added), "removed": list(self.descriptors_removed)},
            "variants": {"added": list(self.variants_added), "removed": list(self.variants_removed)},
            "judgments": [j.to_dict() for j in self.judgments],
            "signposts": {"added": list(self.signposts_added), "removed": list(self.signposts_removed)},
            "consistent": {
                "only_old": list(self.consistent_only_old),
                "only_new": list(self.consistent_only_new),
                "both": self.consistent_both,
            },
            "families_given_settled": {"old": self.families_old, "new": self.families_new},
        }


def _impacts(loaded: Loaded) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for j in loaded.model.judgments:
        out[(j.source, j.target)] = out.get((j.source, j.target), 0) + j.impact
    return {k: v for k, v in out.items() if v != 0}


def _consistent(loaded: Loaded, shared: list[str]) -> set[tuple[tuple[str, str], ...]]:
    result = find_scenarios(loaded.compiled)
    return {tuple((d, s.variants[d]) for d in shared) for s in result.consistent()}


def diff_models(old: Loaded, new: Loaded, settings: AnalysisSettings = DEFAULTS) -> ModelDiff:
    """Compare two revisions; the probabilities use the same settings for both."""
    old_d = {d.id: [v.id for v in d.variants] for d in old.model.descriptors}
    new_d = {d.id: [v.id for v in d.variants] for d in new.model.descriptors}
    old_v = {f"{d}.{v}" for d, vs in old_d.items() for v in vs}
    new_v = {f"{d}.{v}" for d, vs in new_d.items() for v in vs}
    a, b = _impacts(old), _impacts(new)
    changes = tuple(
        JudgmentChange(s, t, a.get((s, t), 0), b.get((s, t), 0))
        for s, t in sorted(a.keys() | b.keys())
        if a.get((s, t), 0) != b.get((s, t), 0)
    )
    shared = [d for d in new_d if d in old_d]
    before, after = _consistent(old, shared), _consistent(new, shared)

    def families(loaded: Loaded) -> dict[str, float]:
        probs = prior_of(loaded.compiled, settings)
        return dict(standing_of(loaded.model, loaded.compiled, probs, [], settings).before.as_mapping())

    old_s = {s.id for s in old.model.signposts}
    new_s = {s.id for s in new.model.signposts}
    return ModelDiff(
        model_id=new.id,
        old_revision=old.compiled.revision,
        new_revision=new.compiled.revision,
        descriptors_added=tuple(sorted(new_d.keys() - old_d.keys())),
        descriptors_removed=tuple(sorted(old_d.keys() - new_d.keys())),
        variants_added=tuple(sorted(new_v - old_v)),
        variants_removed=tuple(sorted(old_v - new_v)),
        judgments=changes,
        signposts_added=tuple(sorted(new_s - old_s)),
        signposts_removed=tuple(sorted(old_s - new_s)),
        consistent_only_old=tuple(dict(x) for x in sorted(before - after)),
        consistent_only_new=tuple(dict(x) for x in sorted(after - before)),
        consistent_both=len(before & after),
        families_old=families(old),
        families_new=families(new),
    )
