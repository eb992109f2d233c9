"""Editing a model's judgments in a workshop: what an edit does to the results, and saving it to the file.

:func:`evaluate_edits` recomputes, for the model with the edited cells, the consistent scenarios
(with the family each belongs to) and the family probabilities before evidence — the numbers
``scenarist probabilities`` gives for that model (the Monte Carlo of the judgments, default draws
and seed unless told otherwise) — beside those of the saved model.

:func:`plan_save` prepares the new text of the model file (see :mod:`scenarist.model.roundtrip`:
only the edited judgments' lines change) and its unified diff; :func:`save_edits` writes it,
provided the file is still the one the diff was made from, and loads it again.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scenarist.engines.accounting import account
from scenarist.engines.cib import find_scenarios
from scenarist.errors import ConflictError, InputError
from scenarist.model.compile import compile_model
from scenarist.model.families import NONE_OF_THESE
from scenarist.model.load import bundled_models, parse_model
from scenarist.model.roundtrip import CellEdit, apply_edits, edit_judgments, parse_edits, text_digest, unified_diff
from scenarist.model.schema import Model
from scenarist.service.settings import DEFAULTS, AnalysisSettings
from scenarist.service.standing import prior_of
from scenarist.service.usecases import Loaded, load

__all__ = [
    "CellEdit",
    "ConsistentScenario",
    "Evaluation",
    "Outcome",
    "SavePlan",
    "editable_reason",
    "evaluate_edits",
    "outcome_of",
    "parse_edits",
    "plan_save",
    "save_edits",
]

MAX_LISTED = 200
"""Consistent scenarios listed at most (the count is always exact)."""


@dataclass(frozen=True)
class ConsistentScenario:
    """One consistent scenario: its variants (descriptor id -> variant id) and its family."""

    variants: tuple[tuple[str, str], ...]
    family: str
    family_name: str

    @property
    def key(self) -> str:
        return ",".join(f"{d}={v}" for d, v in self.variants)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "variants": dict(self.variants), "family": self.family,
                "family_name": self.family_name}  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """The consistent scenarios and the family probabilities before evidence of one model revision."""

    revision: str
    consistent_count: int
    consistent: tuple[ConsistentScenario, ...]
    families: tuple[tuple[str, str, float], ...]
    """(family id, name, probability) — the families, then *none of these*."""
    settings: AnalysisSettings

    def probability(self, family: str) -> float:
        return next((p for f, _, p in self.families if f == family), 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "consistent_count": self.consistent_count,
            "consistent": [s.to_dict() for s in self.consistent],
            "families": [{"id": f, "name": n, "probability": p} for f, n, p in self.families],
            "draws": self.settings.draws,
            "seed": self.settings.seed,
        }


@dataclass(frozen=True)
class Evaluation:
    """The edited model's outcome beside the saved model's, and the cells that differ."""

    saved: Outcome
    edited: Outcome
    changed: tuple[tuple[str, str, int, int], ...]
    """(from, to, saved impact, edited impact); 0 means no judgment."""

    def to_dict(self) -> dict[str, Any]:
        saved_keys = {s.key for s in self.saved.consistent}
        edited_keys = {s.key for s in self.edited.consistent}
        return {
            "saved": self.saved.to_dict(),
            "edited": self.edited.to_dict(),
            "changed": [{"from": s, "to": t, "saved": a, "edited": b} for s, t, a, b in self.changed],
            "consistent_added": sorted(edited_keys - saved_keys),
            "consistent_removed": sorted(saved_keys - edited_keys),
            "families_change": {f: p - self.saved.probability(f) for f, _, p in self.edited.families},
        }


def outcome_of(model: Model, settings: AnalysisSettings = DEFAULTS) -> Outcome:
    """Consistent scenarios (exact search) and family probabilities before evidence (Monte Carlo)."""
    compiled = compile_model(model)
    names = {s.id: s.name for s in model.scenarios} | {NONE_OF_THESE: "None of these"}
    found = find_scenarios(compiled).consistent()
    listed = found[:MAX_LISTED]
    rows = np.asarray([s.indices for s in listed], dtype=np.int64).reshape(len(listed), len(model.descriptors))
    labels = compiled.family_index(rows) if compiled.named_ids and len(listed) else np.full(len(listed), -1)
    consistent = []
    for s, k in zip(listed, labels.tolist()):
        family = compiled.named_ids[k] if k >= 0 else NONE_OF_THESE
        consistent.append(ConsistentScenario(tuple(s.variants.items()), family, names[family]))
    probs = prior_of(compiled, settings, keep=False)  # an edited draft: not worth a cache entry
    counts = np.array([float(a.count) for a in probs.attractors], dtype=np.float64)
    before = account(compiled, probs.distribution(), counts=counts)
    families = tuple((s.id, names.get(s.id, s.id), s.probability) for s in before.families)
    return Outcome(compiled.revision, len(found), tuple(consistent), families, settings)


def _impacts(model: Model) -> dict[tuple[str, str], int]:
    return {(j.source, j.target): j.impact for j in model.judgments}


def evaluate_edits(
    model: Model, edits: Sequence[CellEdit], settings: AnalysisSettings = DEFAULTS, *, saved: Outcome | None = None
) -> Evaluation:
    """The outcome of ``model`` with ``edits`` applied, beside that of ``model`` (``saved`` when known)."""
    edited = apply_edits(model, edits)
    before, after = _impacts(model), _impacts(edited)
    changed = tuple(
        (s, t, before.get((s, t), 0), after.get((s, t), 0))
        for s, t in sorted(before.keys() | after.keys())
        if before.get((s, t), 0) != after.get((s, t), 0)
    )
    return Evaluation(saved or outcome_of(model, settings), outcome_of(edited, settings), changed)


def editable_reason(path: Path) -> str | None:
    """Why the model file at ``path`` cannot be edited in place (None when it can)."""
    if path.suffix.lower() not in (".yaml", ".yml"):
        return f"{path.name} is not a YAML model file; only YAML files are edited in place"
    resolved = path.resolve()
    if any(resolved == p.resolve() for p in bundled_models().values()):
        return "this is a model bundled with Scenarist; copy it to a file of your own and serve that file to edit it"
    if not os.access(resolved, os.W_OK) or not os.access(resolved.parent, os.W_OK):
        return f"{path.name} is not writable by the server"
    return None


@dataclass(frozen=True)
class SavePlan:
    """The new text of a model file, its diff, and the digest of the text it was made from."""

    path: Path
    base_digest: str
    text: str
    diff: str
    model: Model


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read: {exc}") from None


def plan_save(path: Path, raw_edits: object) -> SavePlan:
    """The file's new text with the edits (refused edits raise InputError naming the cell and field)."""
    reason = editable_reason(path)
    if reason is not None:
        raise InputError(f"{path.name}: cannot be edited in place: {reason}")
    text = _read(path)
    model = parse_model(text, file=str(path))
    edits = parse_edits(raw_edits, model)
    new_text = edit_judgments(text, edits, file=str(path))
    new_model = parse_model(new_text, file=str(path))
    expected = apply_edits(model, edits)
    if new_model.judgments != expected.judgments:  # the text splice and the model edit must agree
        raise InputError(f"{path.name}: the edited file does not read back as the edited judgments; not saved")
    return SavePlan(path, text_digest(text), new_text, unified_diff(text, new_text, path.name), new_model)


def save_edits(path: Path, raw_edits: object, base_digest: str) -> tuple[SavePlan, Loaded]:
    """Write the edits into the file when it is still the text ``base_digest`` was taken of; load it again.

    ConflictError when the file changed since (someone else saved, or it was edited by hand).
    """
    plan = plan_save(path, raw_edits)
    if plan.base_digest != base_digest:
        raise ConflictError(f"{path.name} changed on disk since the diff was shown; review the new diff before saving")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(plan.text)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return plan, load(path)
