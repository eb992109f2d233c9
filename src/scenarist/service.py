"""Compose engines and the ledger into the answers the CLI and the web app show.

Nothing here prints or renders; it loads evidence for a model, checks user input against
the model before anything is written, and turns the current posterior into forecasts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scenarist.engines.bayes import Observation, Posterior, Timeline, WatchItem, posterior, timeline, watch_list
from scenarist.engines.cib import Progress
from scenarist.engines.executors import Executor
from scenarist.engines.scoring import ResolvedQuestion, ScoreReport, score_questions
from scenarist.engines.uncertainty import ProbabilityResult, scenario_probabilities
from scenarist.errors import EngineError
from scenarist.evidence import Evidence, EvidenceInput, Ledger, Question
from scenarist.model.compile import CompiledModel
from scenarist.model.schema import ForecastQuestion, Model

__all__ = [
    "Assessment",
    "assess",
    "check_evidence_input",
    "event_probability",
    "observations",
    "parse_date",
    "question_event",
    "refresh_model_forecasts",
    "resolved_questions",
]

DEFAULT_DRAWS = 10_000


def parse_date(text: str, *, field: str = "date") -> dt.date:
    """An ISO date (YYYY-MM-DD), or an :class:`EngineError` naming the field."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise EngineError(f"{field}: {text!r} is not a date; expected YYYY-MM-DD") from None


def check_evidence_input(model: Model, item: EvidenceInput) -> None:
    """Refuse evidence whose model or signpost is unknown, or whose reliability is out of range."""
    if item.model_id != model.id:
        raise EngineError(f"evidence is for model {item.model_id!r}, not {model.id!r}")
    known = [s.id for s in model.signposts]
    if item.signpost_id not in known:
        raise EngineError(
            f"model {model.id!r} has no signpost {item.signpost_id!r}; expected one of {', '.join(known) or 'none'}"
        )
    if not 0.0 <= item.reliability <= 1.0:
        raise EngineError(f"reliability must lie between 0 and 1, got {item.reliability}")


def observations(evidence: Sequence[Evidence]) -> list[Observation]:
    """Active (not retracted) evidence as engine observations, in date order."""
    active = [e for e in evidence if not e.retracted]
    active.sort(key=lambda e: (e.date, e.id))
    return [Observation(e.signpost_id, e.observed, e.reliability, e.date, e.id) for e in active]


@dataclass(frozen=True)
class Assessment:
    """Where a model stands: probabilities before evidence, the posterior now, the timeline, the watch list."""

    probabilities: ProbabilityResult
    posterior: Posterior
    timeline: Timeline
    watch: tuple[WatchItem, ...]
    evidence: tuple[Evidence, ...]


def assess(
    compiled: CompiledModel,
    ledger: Ledger | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> Assessment:
    """Monte Carlo probabilities, then Bayes over the model's active evidence in ``ledger``."""
    probs = scenario_probabilities(compiled, draws=draws, seed=seed, progress=progress, executor=executor)
    prior = probs.distribution()
    evidence = tuple(ledger.list_evidence(compiled.id, include_retracted=True)) if ledger is not None else ()
    obs = observations(evidence)
    post = posterior(compiled, prior, obs)
    seen = {o.signpost for o in obs}
    return Assessment(
        probs,
        post,
        timeline(compiled, prior, obs),
        watch_list(compiled, post.distribution, exclude=sorted(seen)),
        evidence,
    )


def event_probability(compiled: CompiledModel, post: Posterior, question: ForecastQuestion | Question) -> float | None:
    """The posterior probability of the model event a question is tied to (None for hand-entered ones)."""
    kind, ref = question_event(question)
    if kind == "scenario" and ref is not None:
        return float(post.named.get(ref, 0.0))
    if kind == "variant" and ref is not None:
        desc, _, var = ref.partition(".")
        k = compiled.descriptor_ids.index(desc)
        i = compiled.variant_ids[k].index(var)
        dist = post.distribution
        return float(dist.probabilities[dist.indices[:, k] == i].sum())
    return None


def resolved_questions(ledger: Ledger, model_id: str | None = None) -> ScoreReport:
    """Scores of the resolved questions in the ledger (optionally of one model)."""
    questions = [q for q in ledger.list_questions(model_id) if q.outcome is not None]
    resolved = [
        ResolvedQuestion(
            q.id, [(f.date, f.probability) for f in ledger.forecasts(q.id)], str(q.outcome), q.close_date, q.resolved_on
        )
        for q in questions
    ]
    return score_questions(resolved)


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


def refresh_model_forecasts(compiled: CompiledModel, post: Posterior, ledger: Ledger, today: dt.date) -> int:
    """Record the model's current probability for every open, model-linked question whose value changed."""
    changed = 0
    for q in ledger.list_questions(compiled.id):
        if q.outcome is not None:
            continue
        p = event_probability(compiled, post, q)
        if p is None:
            continue
        before = ledger.forecasts(q.id)
        latest = before[-1] if before else None
        made = ledger.record_forecast(q.id, float(np.clip(p, 0.0, 1.0)), today, origin="model")
        if latest is None or made.id != latest.id:
            changed += 1
    return changed
