"""Signposts and evidence: Bayes' rule over the attractor distribution, and the watch list.

The prior is a distribution over attractors (from :mod:`scenarist.engines.uncertainty`),
renormalised over the draws that settle (cycles excluded). A signpost bears on one
descriptor: ``L(v)`` is the probability of observing it when that descriptor takes
variant ``v``. A report that the signpost was observed (or explicitly not observed) with
reliability ``r`` has likelihood

    P(report "observed" | v) = r · L(v) + (1 − r) · ½,   P(report "not observed" | v) = 1 − that,

i.e. with probability ``1 − r`` the report is uninformative noise. Reports are assumed
conditionally independent given the scenario, so the posterior of attractor ``a`` is
proportional to its prior times the product of the likelihoods of all reports.

The watch list ranks signposts by the expected information gain (mutual information, in
bits) between observing them (with reliability 1) and the question "which named
scenarios hold" — the partition of attractors by the set of named scenarios they fall
into.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scenarist.engines._distribution import Distribution
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel, CompiledSignpost
from scenarist.model.families import NONE_OF_THESE

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Distribution",
    "Observation",
    "Posterior",
    "Timeline",
    "TimelineStep",
    "WatchItem",
    "information_gain",
    "posterior",
    "report_likelihood",
    "timeline",
    "watch_list",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Observation:
    """One piece of evidence about a signpost."""

    signpost: str
    observed: bool
    reliability: float = 1.0
    date: dt.date | None = None
    evidence_id: int | None = None


def _signpost(model: CompiledModel, signpost_id: str) -> CompiledSignpost:
    for s in model.signposts:
        if s.id == signpost_id:
            return s
    known = ", ".join(s.id for s in model.signposts) or "none"
    raise EngineError(f"unknown signpost {signpost_id!r}; expected one of {known}")


def report_likelihood(signpost: CompiledSignpost, observed: bool, reliability: float) -> FloatArray:
    """P(report | variant of the signpost's descriptor), per variant (see the module notes)."""
    if not 0.0 <= reliability <= 1.0:
        raise EngineError(f"reliability must lie between 0 and 1, got {reliability}")
    p_yes = reliability * signpost.likelihood + (1.0 - reliability) * 0.5
    result: FloatArray = p_yes if observed else 1.0 - p_yes
    return result


def _named_probabilities(model: CompiledModel, dist: Distribution) -> dict[str, float]:
    """Family probabilities and *none of these* (key ``none_of_these``), summing to one."""
    if not model.named_ids:
        return {}
    labels = model.family_index(dist.indices)
    values = np.bincount(labels + 1, weights=dist.probabilities, minlength=len(model.named_ids) + 1)
    out = {n: float(v) for n, v in zip(model.named_ids, values[1:])}
    out[NONE_OF_THESE] = float(values[0])
    return out


def _lens_probabilities(model: CompiledModel, dist: Distribution) -> dict[str, float]:
    """The probability that each lens holds (lenses overlap the families and each other)."""
    if model.families is None or not model.lens_ids:
        return {}
    held = model.families.lens_matrix(dist.indices)
    values = held.astype(np.float64) @ dist.probabilities
    return {n: float(v) for n, v in zip(model.lens_ids, values)}


@dataclass(frozen=True)
class Posterior:
    """The distribution after the observations, the family probabilities (``named``, with
    ``none_of_these``; they sum to one) and the lenses (which overlap)."""

    model_id: str
    distribution: Distribution
    named: Mapping[str, float]
    observations: tuple[Observation, ...]
    method: str = "bayes-signposts"
    lenses: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "families_given_settled": dict(self.named),
            "lenses_given_settled": dict(self.lenses),
            "observations": [
                {
                    "signpost": o.signpost,
                    "observed": o.observed,
                    "reliability": o.reliability,
                    "evidence": o.evidence_id,
                }
                for o in self.observations
            ],
            "attractors": [
                {"indices": row.tolist(), "probability": float(p)}
                for row, p in zip(self.distribution.indices, self.distribution.probabilities)
            ],
        }

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([{"named": k, "probability": v} for k, v in self.named.items()])


def _update(model: CompiledModel, dist: Distribution, obs: Observation) -> Distribution:
    """One step of Bayes' rule, renormalised (so long runs of evidence cannot underflow)."""
    sp = _signpost(model, obs.signpost)
    weights = dist.probabilities * report_likelihood(sp, obs.observed, obs.reliability)[dist.indices[:, sp.descriptor]]
    total = float(weights.sum())
    if total <= 0.0:
        raise EngineError("the evidence has probability zero under every scenario of the prior")
    return Distribution(dist.indices, weights / total)


def posterior(model: CompiledModel, prior: Distribution, observations: Sequence[Observation]) -> Posterior:
    """Condition ``prior`` on the observations by Bayes' rule. Raises when the evidence is impossible."""
    dist = prior
    for obs in observations:
        dist = _update(model, dist, obs)
    return Posterior(
        model.id, dist, _named_probabilities(model, dist), tuple(observations), lenses=_lens_probabilities(model, dist)
    )


def _entropy(p: FloatArray) -> float:
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def _profiles(model: CompiledModel, dist: Distribution) -> IntArray:
    """An integer label per attractor: its family (0 for none of these, k + 1 for family k)."""
    labels: IntArray = model.family_index(dist.indices) + 1
    return labels


def information_gain(model: CompiledModel, dist: Distribution, signpost: CompiledSignpost) -> float:
    """Mutual information (bits) between observing ``signpost`` and which family holds (or none)."""
    labels = _profiles(model, dist)
    p_yes_given_a = signpost.likelihood[dist.indices[:, signpost.descriptor]]
    if np.ptp(p_yes_given_a) == 0.0:
        return 0.0  # the report's chance is the same whatever holds: it cannot inform
    gain = _entropy(np.bincount(labels, weights=dist.probabilities).astype(np.float64))
    for outcome in (p_yes_given_a, 1.0 - p_yes_given_a):
        joint = dist.probabilities * outcome
        p_outcome = float(joint.sum())
        if p_outcome > 0:
            gain -= p_outcome * _entropy(np.bincount(labels, weights=joint).astype(np.float64) / p_outcome)
    return max(0.0, gain)


@dataclass(frozen=True)
class WatchItem:
    signpost: str
    information_gain: float
    probability_observed: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "signpost": self.signpost,
            "information_gain_bits": self.information_gain,
            "probability_observed": self.probability_observed,
        }


def watch_list(model: CompiledModel, dist: Distribution, *, exclude: Sequence[str] = ()) -> tuple[WatchItem, ...]:
    """Signposts not in ``exclude`` ranked by expected information gain (highest first)."""
    items = []
    for sp in model.signposts:
        if sp.id in exclude:
            continue
        p_obs = float(dist.probabilities @ sp.likelihood[dist.indices[:, sp.descriptor]])
        items.append(WatchItem(sp.id, information_gain(model, dist, sp), p_obs))
    items.sort(key=lambda w: (-w.information_gain, w.signpost))
    return tuple(items)


@dataclass(frozen=True)
class TimelineStep:
    date: dt.date | None
    observation: Observation | None
    named: Mapping[str, float]
    lenses: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Timeline:
    """Named-scenario probabilities before any evidence and after each dated piece of it."""

    model_id: str
    steps: tuple[TimelineStep, ...]
    method: str = "bayes-signposts"

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "steps": [
                {
                    "date": None if s.date is None else s.date.isoformat(),
                    "evidence": None if s.observation is None else s.observation.evidence_id,
                    "signpost": None if s.observation is None else s.observation.signpost,
                    "observed": None if s.observation is None else s.observation.observed,
                    "families_given_settled": dict(s.named),
                    "lenses_given_settled": dict(s.lenses),
                }
                for s in self.steps
            ],
        }

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([{"date": s.date, **s.named} for s in self.steps])


def timeline(model: CompiledModel, prior: Distribution, observations: Sequence[Observation]) -> Timeline:
    """Posterior named-scenario probabilities after each observation, in date order."""
    ordered = sorted(observations, key=lambda o: (o.date or dt.date.min, o.evidence_id or 0))
    steps = [TimelineStep(None, None, _named_probabilities(model, prior), _lens_probabilities(model, prior))]
    dist = prior
    for obs in ordered:
        dist = _update(model, dist, obs)
        steps.append(TimelineStep(obs.date, obs, _named_probabilities(model, dist), _lens_probabilities(model, dist)))
    return Timeline(model.id, tuple(steps))
