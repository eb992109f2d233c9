"""The report's front page in the web app, and scenario names by family, computed once per ledger state.

The front page (bottom line, signposts, open questions, families, landscape, timeline) and its
charts are built once per snapshot of the evidence, under the chart lock, and kept on the
snapshot. Writes made through the app build them right after the write, so readers find them
ready; a change made by another client of the ledger is picked up by the first read after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from scenarist.report.html import brief_context
from scenarist.service import NONE_OF_THESE, Ledger, brief_of
from scenarist.service.report_inputs import distinguishing_label, family_members
from scenarist.web.state import CHART_LOCK, ModelEntry, Snapshot

__all__ = ["front_context", "scenario_name", "warm_front"]


def front_context(entry: ModelEntry, snap: Snapshot, ledger: Ledger) -> dict[str, Any] | None:
    """The template context of the front page for this snapshot (None when the evidence cannot be combined)."""
    if snap.standing is None or not entry.compiled.named_ids:
        return None
    cached = snap.pages.get("front")
    if cached is not None:
        return dict(cached)
    with CHART_LOCK:
        if "front" not in snap.pages:
            brief = brief_of(entry.model, entry.compiled, snap.standing, ledger)
            snap.pages["front"] = brief_context(entry.model, brief)
    return dict(snap.pages["front"])


def warm_front(entry: ModelEntry, ledger: Ledger) -> None:
    """Bring the snapshot and its front page up to date now (called by the writer after a write)."""
    front_context(entry, entry.snapshot(ledger), ledger)


def _references(entry: ModelEntry) -> dict[str, dict[str, str]]:
    """Each family's most probable member before evidence: what the names of its other members are relative to."""
    if entry.name_references is None:
        members = family_members(entry.model, entry.compiled, entry.probabilities().distribution(), limit=1)
        entry.name_references = {f: dict(m[0].variants) for f, m in members.items() if m}
    return entry.name_references


def scenario_name(entry: ModelEntry, indices: Sequence[int]) -> str:
    """A scenario's family (or *None of these*) and a short label of the variants that set it apart."""
    row = np.asarray([int(i) for i in indices], dtype=np.int64)[None, :]
    k = int(entry.compiled.family_index(row)[0])
    family = entry.compiled.named_ids[k] if k >= 0 else NONE_OF_THESE
    variants = entry.compiled.variants_of(tuple(int(i) for i in indices))
    reference = _references(entry).get(family)
    names = {(d.id, v.id): v.name for d in entry.model.descriptors for v in d.variants}
    if reference is None:
        return entry.named_names[family]
    label = distinguishing_label(variants, reference, names)
    if label == "most probable variant set":
        label = "its most probable form"
    return f"{entry.named_names[family]}: {label}"
