"""The report's front page, composed once from a standing: signpost outlooks, open questions, family members.

:func:`brief_of` is what the command line's report and the web app's front page both show, so
they say the same thing for one model, ledger and settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from scenarist.engines.bayes import Distribution, Observation, posterior
from scenarist.errors import EngineError
from scenarist.evidence import Evidence, Question
from scenarist.model import CompiledModel, Model
from scenarist.model.families import NONE_OF_THESE
from scenarist.model.schema import ForecastQuestion, Judgment
from scenarist.report.brief import Brief, EvidenceLine, FamilyMember, Move, OpenQuestion, SignpostOutlook
from scenarist.service.standing import Standing
from scenarist.service.tracking import event_probability

if TYPE_CHECKING:
    from scenarist.evidence import Ledger

__all__ = ["brief_of", "distinguishing_label", "family_members", "holding_judgments"]

OUTLOOKS = 3
MEMBERS = 5
LANDSCAPE = 60
Point = tuple[tuple[int, ...], float, str]


def _line(e: Evidence) -> EvidenceLine:
    return EvidenceLine(e.id, e.date, e.signpost_id, e.observed, e.reliability, e.source, e.url, e.note, e.retracted)


def _outlooks(compiled: CompiledModel, standing: Standing) -> tuple[SignpostOutlook, ...]:
    """The most informative signposts and the family shares after each outcome (reported with full reliability)."""
    base = standing.posterior.observations
    dist = standing.probabilities.distribution()
    out = []
    for w in standing.watch[:OUTLOOKS]:
        shares = []
        for observed in (True, False):
            try:
                shares.append(posterior(compiled, dist, (*base, Observation(w.signpost, observed))).named)
            except EngineError:  # an outcome the model deems impossible
                shares.append({})
        out.append(SignpostOutlook(w.signpost, w.information_gain, w.probability_observed, shares[0], shares[1]))
    return tuple(out)


def _questions(
    model: Model, compiled: CompiledModel, dist: Distribution, ledger: Ledger | None
) -> tuple[OpenQuestion, ...]:
    """The model's open questions (and the ledger's for the model), each with the model's answer now."""
    stored: dict[str, Question] = {q.id: q for q in ledger.list_questions(compiled.id)} if ledger is not None else {}
    asked: list[ForecastQuestion | Question] = [q for q in model.forecasts]
    asked += [q for q in stored.values() if q.id not in {f.id for f in model.forecasts}]
    out = []
    for q in asked:
        record = stored.get(q.id)
        if record is not None and record.resolved:
            continue
        latest = None
        if record is not None and ledger is not None:
            history = ledger.forecasts(q.id)
            latest = history[-1].probability if history else None
        text = q.question if isinstance(q, ForecastQuestion) else q.text
        out.append(OpenQuestion(q.id, text, q.close_date, event_probability(compiled, dist, q), latest))
    return tuple(sorted(out, key=lambda q: (q.close_date, q.id)))


def holding_judgments(model: Model, variants: Mapping[str, str], limit: int = 6) -> tuple[Judgment, ...]:
    """The judgments between variants of one scenario that support it most (largest positive impacts first)."""
    chosen = {f"{d}.{v}" for d, v in variants.items()}
    inside = [j for j in model.judgments if j.source in chosen and j.target in chosen and j.impact > 0]
    return tuple(sorted(inside, key=lambda j: (-j.impact, -(j.confidence or 0)))[:limit])


def distinguishing_label(
    variants: Mapping[str, str], reference: Mapping[str, str], names: Mapping[tuple[str, str], str]
) -> str:
    """The variants that set a scenario apart from its family's most probable member."""
    diff = [names[(d, v)] for d, v in variants.items() if reference.get(d) != v]
    # Every difference is listed: two members of one family never share a label.
    return ", ".join(diff) if diff else "most probable variant set"


def family_members(
    model: Model, compiled: CompiledModel, dist: Distribution, limit: int = MEMBERS
) -> dict[str, tuple[FamilyMember, ...]]:
    """Per family (and *none of these*), its most probable complete scenarios, labelled by what sets them apart."""
    names = {(d.id, v.id): v.name for d in model.descriptors for v in d.variants}
    labels = compiled.family_index(dist.indices)
    order = np.argsort(-dist.probabilities, kind="stable")
    keys = (*compiled.named_ids, NONE_OF_THESE)
    out: dict[str, tuple[FamilyMember, ...]] = {}
    for k, family in enumerate(keys):
        rows = [int(i) for i in order if labels[i] == (k if k < len(compiled.named_ids) else -1)][:limit]
        members: list[FamilyMember] = []
        for rank, i in enumerate(rows):
            variants = compiled.variants_of(tuple(int(x) for x in dist.indices[i]))
            top = members[0].variants if members else variants
            holding = holding_judgments(model, variants) if rank == 0 else ()
            label = distinguishing_label(variants, top, names) if rank else "most probable"
            members.append(FamilyMember(family, variants, float(dist.probabilities[i]), label, holding))
        out[family] = tuple(members)
    return out


def _landscape(compiled: CompiledModel, dist: Distribution, limit: int = LANDSCAPE) -> tuple[Point, ...]:
    """The most probable complete scenarios with their family, for the future-landscape map."""
    order = np.argsort(-dist.probabilities, kind="stable")[:limit]
    labels = compiled.family_index(dist.indices[order])
    keys = compiled.named_ids
    return tuple(
        (tuple(int(x) for x in dist.indices[i]), float(dist.probabilities[i]), keys[k] if k >= 0 else NONE_OF_THESE)
        for i, k in zip(order, labels)
    )


def _move(standing: Standing, lines: Mapping[int, EvidenceLine]) -> Move | None:
    """The latest date with evidence: the family shares before it and after it, and the reports of that date."""
    steps = standing.timeline.steps
    if len(steps) < 2 or steps[-1].date is None:
        return None
    last = steps[-1].date
    first = next(i for i, s in enumerate(steps) if s.date == last)
    reports = tuple(
        lines[s.observation.evidence_id]
        for s in steps[first:]
        if s.observation is not None and s.observation.evidence_id is not None and s.observation.evidence_id in lines
    )
    return Move(last, reports, steps[first - 1].named, steps[-1].named)


def brief_of(loaded_model: Model, compiled: CompiledModel, standing: Standing, ledger: Ledger | None) -> Brief:
    """The front page of a model's report for ``standing`` (see the module notes)."""
    dist = standing.posterior.distribution
    lines = {e.id: _line(e) for e in standing.evidence}
    history = tuple((s.date, s.named) for s in standing.timeline.steps)
    return Brief(
        now=standing.now,
        before=standing.before,
        as_of=standing.as_of,
        outlooks=_outlooks(compiled, standing),
        questions=_questions(loaded_model, compiled, dist, ledger),
        members=family_members(loaded_model, compiled, dist),
        history=history,
        evidence=tuple(sorted(lines.values(), key=lambda e: (e.date, e.id))),
        move=_move(standing, lines),
        landscape=_landscape(compiled, dist),
    )
