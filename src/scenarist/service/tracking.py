"""Tracking a model over time: recording and retracting evidence, importing it, and the model's forecasts.

Rules (documented in docs/evidence.md):

* Evidence is dated inside the model's window (``start`` to ``horizon``) and inside its signpost's
  ``window`` when the signpost has one.
* *Observed not to happen* (``observed = no``) needs the signpost's window to have closed by the
  report's date, or ``explicit``: a source stating that the event will not happen. *Not yet
  observed* is not evidence and is not recorded.
* One report per signpost, date and source (the ledger refuses a duplicate); repeated reports of one
  event are combined by the rule of :mod:`scenarist.service.standing`.
* A model forecast is dated by the evidence that moved it: the whole history of a question's model
  forecasts is recomputed from the evidence after every change (a retraction or a back-dated report
  rewrites it consistently), starting at the model's ``start`` date. A question tied to a signpost's
  own event (``signpost:`` in the model) is not moved by that signpost's evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scenarist.engines.bayes import Distribution, posterior
from scenarist.errors import InputError, NotFoundError
from scenarist.evidence import Evidence, EvidenceInput, Question
from scenarist.model.compile import CompiledModel
from scenarist.model.families import NONE_OF_THESE
from scenarist.model.schema import ForecastQuestion, Model
from scenarist.service.standing import combine

if TYPE_CHECKING:
    from scenarist.engines.scoring import ScoreReport
    from scenarist.evidence import Ledger

__all__ = [
    "check_evidence_input",
    "event_probability",
    "forecast_history",
    "question_event",
    "read_evidence_csv",
    "refresh_model_forecasts",
    "resolved_questions",
    "window_of",
]


def window_of(model: Model, signpost_id: str) -> tuple[dt.date | None, dt.date | None]:
    """(start, end) of a signpost's observation window: its own, else the model's."""
    signpost = next((s for s in model.signposts if s.id == signpost_id), None)
    start, end = model.start, model.horizon
    if signpost is not None and signpost.window is not None:
        start = signpost.window.start or start
        end = signpost.window.end or end
    return start, end


def check_evidence_input(model: Model, item: EvidenceInput, *, explicit: bool = False) -> None:
    """Refuse evidence the model cannot use (see the module notes); InputError naming the field."""
    if item.model_id != model.id:
        raise InputError(f"model: evidence is for model {item.model_id!r}, not {model.id!r}")
    known = [s.id for s in model.signposts]
    if item.signpost_id not in known:
        raise InputError(
            f"signpost: model {model.id!r} has no signpost {item.signpost_id!r}; "
            f"expected one of {', '.join(known) or 'none'}"
        )
    if not 0.0 <= item.reliability <= 1.0:
        raise InputError(f"reliability: must lie between 0 and 1, got {item.reliability}")
    if model.start is not None and item.date < model.start:
        raise InputError(f"date: {item.date} is before the model's window, which starts on {model.start}")
    if model.horizon is not None and item.date > model.horizon:
        raise InputError(f"date: {item.date} is after the model's horizon, {model.horizon}")
    start, end = window_of(model, item.signpost_id)
    if start is not None and item.date < start:
        raise InputError(f"date: {item.date} is before the window of {item.signpost_id}, which opens on {start}")
    if end is not None and item.date > end:
        raise InputError(f"date: {item.date} is after the window of {item.signpost_id}, which closed on {end}")
    if not item.observed and not explicit and (end is None or item.date < end):
        closes = f"closes on {end}" if end is not None else "has no end date"
        raise InputError(
            f"observed: the window of {item.signpost_id} {closes}; before then 'not yet observed' is not "
            "evidence. Record 'no' only when a source states that the event will not happen (explicit)."
        )


def question_event(question: ForecastQuestion | Question) -> tuple[str, str | None]:
    """('variant', 'desc.var') | ('scenario', id) | ('manual', None)."""
    if isinstance(question, ForecastQuestion):
        e = question.event
        if e is None:
            return "manual", None
        if e.scenario is not None:
            return "scenario", e.scenario
        return "variant", f"{e.descriptor}.{e.variant}"
    return question.event_kind, question.event_ref


def _probability(compiled: CompiledModel, dist: Distribution, kind: str, ref: str | None) -> float | None:
    if ref is None or kind == "manual":
        return None
    if kind == "scenario":
        if compiled.families is not None and ref in compiled.lens_ids:
            k = compiled.lens_ids.index(ref)
            return float(compiled.families.lens_matrix(dist.indices)[k] @ dist.probabilities)
        labels = compiled.family_index(dist.indices)
        if ref == NONE_OF_THESE:
            return float(dist.probabilities[labels < 0].sum())
        if ref not in compiled.named_ids:
            return None
        return float(dist.probabilities[labels == compiled.named_ids.index(ref)].sum())
    desc, _, var = ref.partition(".")
    if desc not in compiled.descriptor_ids:
        return None
    k = compiled.descriptor_ids.index(desc)
    if var not in compiled.variant_ids[k]:
        return None
    i = compiled.variant_ids[k].index(var)
    return float(dist.probabilities[dist.indices[:, k] == i].sum())


def event_probability(
    compiled: CompiledModel, dist: Distribution, question: ForecastQuestion | Question
) -> float | None:
    """The probability of the model event a question is tied to (None for hand-entered ones)."""
    kind, ref = question_event(question)
    return _probability(compiled, dist, kind, ref)


def forecast_history(
    model: Model,
    compiled: CompiledModel,
    prior: Distribution,
    evidence: Sequence[Evidence],
    question: Question,
) -> list[tuple[dt.date, float]]:
    """The model's forecast of a question over time: one point at the start, one per evidence date that moved it."""
    own = next((q.signpost for q in model.forecasts if q.id == question.id), None)
    relevant = sorted((e for e in evidence if not e.retracted and e.signpost_id != own), key=lambda e: (e.date, e.id))
    known = [s.id for s in compiled.signposts]
    start = model.start or min([question.created_at.date(), *(e.date for e in relevant)])
    first = event_probability(compiled, prior, question)
    if first is None:
        return []
    points = [(start, float(np.clip(first, 0.0, 1.0)))]
    for date in sorted({e.date for e in relevant}):
        observations, _ = combine([e for e in relevant if e.date <= date], known)
        p = event_probability(compiled, posterior(compiled, prior, observations).distribution, question)
        if p is None:
            continue
        p = float(np.clip(p, 0.0, 1.0))
        if abs(p - points[-1][1]) > 1e-12:
            points.append((max(date, start), p))
    if question.resolved_on is not None:
        points = [pt for pt in points if pt[0] <= question.resolved_on]
    return points


def refresh_model_forecasts(
    model: Model, compiled: CompiledModel, prior: Distribution, evidence: Sequence[Evidence], ledger: Ledger
) -> int:
    """Rewrite the model forecast history of every open, model-linked question of the model; how many changed."""
    changed = 0
    for q in ledger.list_questions(compiled.id):
        if q.outcome is not None or q.event_kind == "manual":
            continue
        history = forecast_history(model, compiled, prior, evidence, q)
        stored = [(f.date, f.probability, f.revision) for f in ledger.forecasts(q.id) if f.origin == "model"]
        wanted = [(d, p, compiled.revision) for d, p in history]
        if stored != wanted:
            ledger.replace_model_forecasts(q.id, history, compiled.revision)
            changed += 1
    return changed


def resolved_questions(ledger: Ledger, model_id: str | None = None) -> ScoreReport:
    """Scores of the resolved questions in the ledger (optionally of one model)."""
    from scenarist.engines.scoring import ResolvedQuestion, score_questions

    questions = [q for q in ledger.list_questions(model_id) if q.outcome is not None]
    resolved = [
        ResolvedQuestion(
            q.id, [(f.date, f.probability) for f in ledger.forecasts(q.id)], str(q.outcome), q.close_date, q.resolved_on
        )
        for q in questions
    ]
    return score_questions(resolved)


def read_evidence_csv(path: Path, model: Model) -> list[EvidenceInput]:
    """Every row of an evidence CSV, checked against the model; InputError naming file, line and field."""
    from scenarist.evidence.csvio import read_evidence_rows

    rows = []
    for line, fields in read_evidence_rows(path):
        item = fields.to_input(model.id)
        try:
            check_evidence_input(model, item, explicit=fields.explicit)
        except InputError as exc:
            raise InputError(f"{path}:{line}: {exc}") from None
        rows.append(item)
    return rows


def unknown_question(question_id: str, model: Model) -> NotFoundError:
    defined = ", ".join(q.id for q in model.forecasts) or "none"
    return NotFoundError(f"{question_id!r} is not a question of model {model.id!r} (model questions: {defined})")
