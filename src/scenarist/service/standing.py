"""A model's standing: probabilities before and after the evidence, by family, with the timeline and watch list.

This is the one composition of the engines that the command line, the web app and the report use,
with the defaults of :mod:`scenarist.service.settings`. The evidence-independent part (the Monte
Carlo of the judgments) is :func:`prior_of`; :func:`standing_of` adds the ledger's evidence to it, so a
long-running client may compute the first once and the second on every change of the ledger.

Evidence rule (documented in docs/evidence.md): active reports of one signpost with the same outcome
are reports of one event, not independent evidence. They count once, with the reliability of the most
reliable of them, from the date of the first. Evidence about a signpost the model no longer has is
kept on record and reported as unused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarist.engines.accounting import Accounting, account
from scenarist.engines.bayes import Observation, Posterior, Timeline, TimelineStep, WatchItem, posterior, watch_list
from scenarist.engines.uncertainty import ProbabilityResult, scenario_probabilities
from scenarist.evidence import Evidence
from scenarist.model.compile import CompiledModel
from scenarist.model.schema import Model
from scenarist.service import cache
from scenarist.service.settings import DEFAULTS, AnalysisSettings

if TYPE_CHECKING:
    from scenarist.engines.cib import Progress
    from scenarist.engines.executors import Executor

__all__ = ["Standing", "combine", "from_current_state", "prior_of", "standing_of"]


def prior_of(
    compiled: CompiledModel,
    settings: AnalysisSettings = DEFAULTS,
    *,
    progress: Progress | None = None,
    executor: Executor | None = None,
    keep: bool = True,
) -> ProbabilityResult:
    """The Monte Carlo probabilities of the judgments, before any evidence.

    Kept in :mod:`.cache` per model unless ``keep`` is False (a draft that will not be asked again).
    """

    def compute() -> ProbabilityResult:
        return scenario_probabilities(
            compiled, draws=settings.draws, seed=settings.seed, progress=progress, executor=executor
        )

    if executor is not None or not keep:
        return compute()
    return cache.cached("prior", (cache.model_key(compiled), settings.draws, settings.seed), compute)


def from_current_state(
    compiled: CompiledModel,
    state: Mapping[str, str | Sequence[str]],
    settings: AnalysisSettings = DEFAULTS,
    *,
    progress: Progress | None = None,
) -> ProbabilityResult:
    """Method ``monte-carlo-from-current-state``: the same draws, every succession starting from ``state``."""
    return scenario_probabilities(
        compiled, draws=settings.draws, seed=settings.seed, start_from=state, progress=progress
    )


def combine(evidence: Iterable[Evidence], known: Iterable[str]) -> tuple[list[Observation], list[Evidence]]:
    """(observations, unused evidence) of the active evidence under the rule of the module notes."""
    known = set(known)
    groups: dict[tuple[str, bool], list[Evidence]] = {}
    unused = []
    for e in sorted((e for e in evidence if not e.retracted), key=lambda e: (e.date, e.id)):
        if e.signpost_id not in known:
            unused.append(e)
            continue
        groups.setdefault((e.signpost_id, e.observed), []).append(e)
    observations = []
    for reports in groups.values():
        first = reports[0]
        best = max(reports, key=lambda e: (e.reliability, -e.id))
        observations.append(Observation(first.signpost_id, first.observed, best.reliability, first.date, best.id))
    observations.sort(key=lambda o: (o.date or dt.date.min, o.evidence_id or 0))
    return observations, unused


@dataclass(frozen=True)
class Standing:
    """Where a model stands for one state of the ledger (see the module notes)."""

    model_id: str
    revision: str
    settings: AnalysisSettings
    probabilities: ProbabilityResult
    before: Accounting
    now: Accounting
    posterior: Posterior
    timeline: Timeline
    watch: tuple[WatchItem, ...]
    evidence: tuple[Evidence, ...]
    unused: tuple[Evidence, ...] = ()
    from_today: ProbabilityResult | None = None
    today: Accounting | None = None
    current_date: dt.date | None = None

    @property
    def as_of(self) -> dt.date | None:
        """The date of the latest evidence the standing uses (None before any evidence)."""
        dates = [o.date for o in self.posterior.observations if o.date is not None]
        return max(dates) if dates else None

    @property
    def active(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if not e.retracted)

    def to_dict(self, *, prior: bool = True) -> dict[str, Any]:
        """The canonical JSON document of the standing (CLI ``--format json`` and the web API).

        ``prior=False`` leaves out its last member, ``probabilities`` (the Monte Carlo result before
        evidence, which does not change with the ledger), for a client that encodes it once.
        """
        today = self.today
        doc = {
            "model": self.model_id,
            "revision": self.revision,
            "settings": self.settings.to_dict(),
            "before_evidence": {**self.before.to_dict(), "source_method": self.probabilities.method},
            "now": {
                **self.now.to_dict(),
                "source_method": self.posterior.method,
                "as_of": None if self.as_of is None else self.as_of.isoformat(),
                "evidence_used": [o.evidence_id for o in self.posterior.observations],
            },
            "from_current_state": None
            if today is None or self.from_today is None
            else {
                **today.to_dict(),
                "source_method": self.from_today.method,
                "date": None if self.current_date is None else self.current_date.isoformat(),
            },
            "cycles": {"of_all_draws": self.probabilities.cycle_share},
            "evidence": {
                "active": [e.id for e in self.active],
                "retracted": [e.id for e in self.evidence if e.retracted],
                "unused": [e.id for e in self.unused],
            },
            "watch_list": {"method": "expected-information-gain", "items": [w.to_dict() for w in self.watch]},
            "timeline": self.timeline.to_dict(),
        }
        if prior:
            doc["probabilities"] = self.probabilities.to_dict()
        return doc


def _counts(probs: ProbabilityResult) -> Any:
    return np.array([float(a.count) for a in probs.attractors], dtype=np.float64)


def _timeline(compiled: CompiledModel, probs: ProbabilityResult, evidence: Sequence[Evidence]) -> Timeline:
    """One step before evidence, then one per report (date order), each the posterior on what was known by then."""
    prior = probs.distribution()
    known = [s.id for s in compiled.signposts]
    first = posterior(compiled, prior, [])
    steps = [TimelineStep(None, None, first.named, first.lenses)]
    active = sorted((e for e in evidence if not e.retracted and e.signpost_id in known), key=lambda e: (e.date, e.id))
    for i, e in enumerate(active):
        observations, _ = combine(active[: i + 1], known)
        post = posterior(compiled, prior, observations)
        report = Observation(e.signpost_id, e.observed, e.reliability, e.date, e.id)
        steps.append(TimelineStep(e.date, report, post.named, post.lenses))
    return Timeline(compiled.id, tuple(steps))


def standing_of(
    model: Model,
    compiled: CompiledModel,
    probs: ProbabilityResult,
    evidence: Sequence[Evidence],
    settings: AnalysisSettings = DEFAULTS,
    *,
    from_today: ProbabilityResult | None = None,
) -> Standing:
    """Add the model's evidence (all rows, retracted ones included) to the prior probabilities."""
    observations, unused = combine(evidence, (s.id for s in compiled.signposts))
    prior = probs.distribution()
    post = posterior(compiled, prior, observations)
    counts = _counts(probs)
    before = account(compiled, prior, counts=counts)
    now = account(compiled, post.distribution, counts=counts)
    seen = sorted({o.signpost for o in observations})
    watch = watch_list(compiled, post.distribution, exclude=seen)
    return Standing(
        model_id=compiled.id,
        revision=compiled.revision,
        settings=settings,
        probabilities=probs,
        before=before,
        now=now,
        posterior=post,
        timeline=_timeline(compiled, probs, evidence),
        watch=watch,
        evidence=tuple(evidence),
        unused=tuple(unused),
        from_today=from_today,
        today=None if from_today is None else account(compiled, from_today.distribution(), counts=_counts(from_today)),
        current_date=model.current.date if model.current is not None and from_today is not None else None,
    )
