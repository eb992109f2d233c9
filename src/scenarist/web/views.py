"""What the pages and the API show, built from engine results; and the two writes (add, retract).

Nothing here knows about HTTP beyond raising :class:`WebError` with a status; pages and the
JSON API share these functions so that both say the same thing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scenarist import service
from scenarist.model.schema import Judgment
from scenarist.service import Evidence, EvidenceFields
from scenarist.service.analysis import ScenarioBalance, explain
from scenarist.service.analysis import parse_fix as service_parse_fix
from scenarist.web.security import WebError
from scenarist.web.state import AppState, ModelEntry, Snapshot

__all__ = [
    "Diagram",
    "DiagramEdge",
    "DiagramNode",
    "Influence",
    "DescriptorView",
    "ScenarioView",
    "add_evidence",
    "find_evidence",
    "parse_fix",
    "parse_scenario_key",
    "retract_evidence",
    "scenario_key",
    "scenario_view",
    "timeline_window",
]

_KEY = re.compile(r"^[0-9]{1,4}(-[0-9]{1,4}){0,199}$")
TIMELINE_CHART_STEPS = 30


def scenario_key(indices: Iterable[int]) -> str:
    """The URL key of a complete scenario: its 0-based variant indices joined by '-'."""
    return "-".join(str(int(i)) for i in indices)


def parse_scenario_key(entry: ModelEntry, key: str) -> tuple[int, ...]:
    """The indices of a scenario key; 404 when it is malformed or outside the model."""
    compiled = entry.compiled
    if not _KEY.match(key):
        raise WebError(404, f"no scenario {key!r}: expected {compiled.n_descriptors} variant indices joined by '-'")
    indices = tuple(int(p) for p in key.split("-"))
    if len(indices) != compiled.n_descriptors or any(i >= int(c) for i, c in zip(indices, compiled.counts.tolist())):
        raise WebError(404, f"model {entry.id!r} has no scenario {key!r}")
    return indices


def parse_fix(entry: ModelEntry, items: Sequence[str]) -> dict[str, str]:
    """``descriptor=variant`` items as an intervention, by the rule the command line uses (422 when bad)."""
    return service_parse_fix(entry.compiled, items)


@dataclass(frozen=True)
class Influence:
    """The impact of one descriptor's variant in the scenario on another's, and the judgments behind it."""

    source: str
    source_variant: str
    target: str
    target_variant: str
    impact: int
    judgments: tuple[Judgment, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": f"{self.source}.{self.source_variant}",
            "to": f"{self.target}.{self.target_variant}",
            "impact": self.impact,
            "judgments": [
                {"rationale": j.rationale, "sources": list(j.sources), "confidence": j.confidence}
                for j in self.judgments
            ],
        }


@dataclass(frozen=True)
class DescriptorView:
    """One descriptor in a scenario: the balance of its variants and what pushes the chosen one."""

    id: str
    name: str
    chosen: str
    chosen_name: str
    scores: tuple[tuple[str, str, int], ...]
    margin: int
    inconsistency: int
    promoted_by: tuple[Influence, ...]
    hindered_by: tuple[Influence, ...]

    @property
    def scale(self) -> int:
        return max([abs(s) for _, _, s in self.scores] + [1])


@dataclass(frozen=True)
class DiagramNode:
    x: float
    y: float
    label: str
    sub: str
    consistent: bool
    anchor: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class DiagramEdge:
    path: str
    impact: int
    label_x: float
    label_y: float
    title: str

    @property
    def kind(self) -> str:
        return "pos" if self.impact > 0 else "neg"

    @property
    def width(self) -> float:
        return 1.0 + 1.2 * min(abs(self.impact), 4)


@dataclass(frozen=True)
class Diagram:
    """An impact diagram: descriptors on a circle, an arrow for every non-zero impact between the
    scenario's variants (green promotes, red hinders, wider is stronger)."""

    width: int
    height: int
    nodes: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]


@dataclass(frozen=True)
class ScenarioView:
    key: str
    indices: tuple[int, ...]
    balance: ScenarioBalance
    descriptors: tuple[DescriptorView, ...]
    influences: tuple[Influence, ...]
    diagram: Diagram
    before: float
    now: float

    def to_dict(self, entry: ModelEntry) -> dict[str, Any]:
        doc = self.balance.to_dict()
        doc.update(
            ok=True,
            key=self.key,
            probability={"before_evidence": self.before, "now": self.now, "method": "bayes-signposts"},
            influences=[i.to_dict() for i in self.influences],
        )
        doc["scenario"]["named"] = [{"id": n, "name": entry.named_names[n]} for n in self.balance.scenario.named]
        return doc


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _influences(entry: ModelEntry, indices: Sequence[int]) -> list[Influence]:
    compiled = entry.compiled
    flat = [int(compiled.offsets[k]) + int(i) for k, i in enumerate(indices)]
    out = []
    for e, target in enumerate(compiled.descriptor_ids):
        for d, source in enumerate(compiled.descriptor_ids):
            impact = int(compiled.matrix[flat[d], flat[e]])
            if impact == 0:
                continue
            sv, tv = compiled.variant_ids[d][indices[d]], compiled.variant_ids[e][indices[e]]
            judgments = tuple(entry.judgments.get((f"{source}.{sv}", f"{target}.{tv}"), ()))
            out.append(Influence(source, sv, target, tv, impact, judgments))
    return out


def _diagram(entry: ModelEntry, balance: ScenarioBalance, influences: Sequence[Influence]) -> Diagram:
    n = len(balance.descriptors)
    width, height, radius = 960, 720, 250.0
    cx, cy = width / 2, height / 2
    pos: dict[str, tuple[float, float]] = {}
    nodes = []
    for k, d in enumerate(balance.descriptors):
        angle = math.pi / 2 - 2 * math.pi * k / max(n, 1)
        x, y = cx + radius * math.cos(angle), cy - radius * math.sin(angle)
        pos[d.descriptor] = (x, y)
        lx, ly = cx + (radius + 26) * math.cos(angle), cy - (radius + 26) * math.sin(angle)
        anchor = "middle" if abs(math.cos(angle)) < 0.3 else ("start" if math.cos(angle) > 0 else "end")
        name = entry.descriptors[d.descriptor].name
        nodes.append(
            DiagramNode(
                x, y, _short(name), _short(entry.variant_name(d.descriptor, d.chosen)), d.inconsistency == 0,
                anchor, lx, ly,
            )
        )  # fmt: skip
    edges = []
    for inf in influences:
        (x0, y0), (x1, y1) = pos[inf.source], pos[inf.target]
        length = math.hypot(x1 - x0, y1 - y0)
        if length == 0:
            continue  # a judgment within one descriptor has no arrow
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        sx, sy, ex, ey = x0 + 14 * ux, y0 + 14 * uy, x1 - 18 * ux, y1 - 18 * uy
        bend = 0.12 * length
        qx, qy = (sx + ex) / 2 - uy * bend, (sy + ey) / 2 + ux * bend
        mx, my = 0.25 * sx + 0.5 * qx + 0.25 * ex, 0.25 * sy + 0.5 * qy + 0.25 * ey
        title = f"{inf.source}.{inf.source_variant} → {inf.target}.{inf.target_variant}: {inf.impact:+d}"
        edges.append(DiagramEdge(f"M{sx:.1f},{sy:.1f} Q{qx:.1f},{qy:.1f} {ex:.1f},{ey:.1f}", inf.impact, mx, my, title))
    return Diagram(width, height, tuple(nodes), tuple(edges))


def scenario_view(entry: ModelEntry, snap: Snapshot, indices: tuple[int, ...]) -> ScenarioView:
    """Everything the scenario page shows: balances, the judgments behind them, the diagram, probability."""
    balance = explain(entry.compiled, indices)
    influences = _influences(entry, indices)
    descriptors = []
    for d in balance.descriptors:
        mine = [i for i in influences if i.target == d.descriptor]
        scores = tuple((v, entry.variant_name(d.descriptor, v), s) for v, s in d.scores.items())
        descriptors.append(
            DescriptorView(
                d.descriptor, entry.descriptors[d.descriptor].name, d.chosen,
                entry.variant_name(d.descriptor, d.chosen), scores, d.margin, d.inconsistency,
                tuple(i for i in mine if i.impact > 0), tuple(i for i in mine if i.impact < 0),
            )
        )  # fmt: skip
    before, now = entry.scenario_probability(snap, indices)
    return ScenarioView(
        scenario_key(indices), indices, balance, tuple(descriptors), tuple(influences),
        _diagram(entry, balance, influences), before, now,
    )  # fmt: skip


def timeline_window(snap: Snapshot) -> tuple[int, int]:
    """(first, last) step indices shown in the timeline chart: the start and the latest steps."""
    steps = len(snap.timeline.steps) if snap.timeline is not None else 0
    return (max(0, steps - TIMELINE_CHART_STEPS), steps)


def add_evidence(state: AppState, entry: ModelEntry, fields: EvidenceFields) -> Evidence:
    """Check a report against the model, store it, refresh the model's standing forecasts; returns once it shows."""
    prior = entry.forecast_prior()
    with state.write_lock:
        row = service.record_evidence(entry.loaded, state.ledger, fields, prior=prior)
    entry.changed()  # read-your-writes: the snapshot that includes it is published before the writer hears back
    return row


def find_evidence(state: AppState, evidence_id: int, entry: ModelEntry | None = None) -> tuple[ModelEntry, Evidence]:
    """The evidence with this id among the served models (or one model); 404 when there is none."""
    row = state.ledger.get_evidence(evidence_id)
    owner = state.entries.get(row.model_id)
    if owner is None or (entry is not None and owner is not entry):
        raise WebError(404, f"no evidence with id {evidence_id}" + (f" for model {entry.id!r}" if entry else ""))
    return owner, row


def retract_evidence(
    state: AppState, evidence_id: int, reason: str | None, entry: ModelEntry | None = None
) -> Evidence:
    """Retract stored evidence (404 unknown, 409 already retracted), refresh the standing forecasts.

    Returns once it shows."""
    owner, _ = find_evidence(state, evidence_id, entry)
    prior = owner.forecast_prior()
    with state.write_lock:
        row = service.retract_evidence(state.ledger, evidence_id, reason or None, loaded=owner.loaded, prior=prior)
    owner.changed()
    return row
