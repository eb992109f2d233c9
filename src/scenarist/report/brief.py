"""What the front page of a report says: plain data (built by the service layer) and the bottom line in words.

The service layer fills a :class:`Brief` from a model's standing and its ledger; the HTML and
Markdown renderers only format it. :func:`bottom_line` turns it into a few sentences.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from scenarist.engines.accounting import Accounting, Share
from scenarist.model.families import NONE_OF_THESE
from scenarist.model.schema import Judgment, Model

__all__ = [
    "Brief",
    "EvidenceLine",
    "FamilyMember",
    "Move",
    "OpenQuestion",
    "SignpostOutlook",
    "bottom_line",
    "family_names",
    "pct",
]


@dataclass(frozen=True)
class EvidenceLine:
    """One report in the ledger, as the report lists it (with its source)."""

    id: int
    date: dt.date
    signpost: str
    observed: bool
    reliability: float
    source: str
    url: str | None = None
    note: str | None = None
    retracted: bool = False


@dataclass(frozen=True)
class SignpostOutlook:
    """A signpost worth watching and the family shares if it is observed, or reported not to happen."""

    signpost: str
    information_gain: float
    probability_observed: float
    if_observed: Mapping[str, float]
    if_not: Mapping[str, float]


@dataclass(frozen=True)
class OpenQuestion:
    """An unresolved forecast question and the model's current answer (None: answered by hand only)."""

    id: str
    text: str
    close_date: dt.date
    model_answer: float | None
    latest_forecast: float | None = None


@dataclass(frozen=True)
class FamilyMember:
    """A complete scenario where the system settles, in one family, with its probability now."""

    family: str
    variants: Mapping[str, str]
    probability: float
    label: str
    holding: tuple[Judgment, ...] = ()


@dataclass(frozen=True)
class Move:
    """What changed at the latest update: the date, the evidence behind it and each family's shift."""

    date: dt.date
    evidence: tuple[EvidenceLine, ...]
    before: Mapping[str, float]
    after: Mapping[str, float]


@dataclass(frozen=True)
class Brief:
    """Everything the front page and the family sections show, computed once by the service layer."""

    now: Accounting
    before: Accounting
    as_of: dt.date | None
    outlooks: tuple[SignpostOutlook, ...] = ()
    questions: tuple[OpenQuestion, ...] = ()
    members: Mapping[str, tuple[FamilyMember, ...]] = field(default_factory=dict)
    history: tuple[tuple[dt.date | None, Mapping[str, float]], ...] = ()
    evidence: tuple[EvidenceLine, ...] = ()
    move: Move | None = None
    landscape: tuple[tuple[tuple[int, ...], float, str], ...] = ()
    """The most probable complete scenarios now: (variant indices, probability, family or none_of_these)."""

    def share(self, family: str) -> Share | None:
        return next((s for s in self.now.families if s.id == family), None)


def pct(p: float) -> str:
    """A probability as a whole percentage (one decimal below 1 %)."""
    return f"{100 * p:.1f} %" if 0 < p < 0.01 else f"{100 * p:.0f} %"


def family_names(model: Model) -> dict[str, str]:
    """Family and lens id -> name, with *none of these*."""
    return {s.id: s.name for s in model.scenarios} | {NONE_OF_THESE: "None of these"}


def _lead(brief: Brief, names: Mapping[str, str]) -> str | None:
    ranked = sorted((s for s in brief.now.families if s.id != NONE_OF_THESE), key=lambda s: -s.probability)
    if not ranked:
        return None
    top = ranked[0]
    lo, hi = top.interval
    text = f"{names.get(top.id, top.id)} leads at {pct(top.probability)} (90 % interval {pct(lo)}–{pct(hi)})"
    if len(ranked) > 1:
        second = ranked[1]
        gap = 100 * (top.probability - second.probability)
        text += f", {gap:.0f} points ahead of {names.get(second.id, second.id)} ({pct(second.probability)})"
    return text + "."


def _moved(brief: Brief, names: Mapping[str, str], signposts: Mapping[str, str]) -> str:
    move = brief.move
    if move is None:
        return "No evidence has been recorded yet: these are the odds the judgments alone imply."
    shifts = sorted(((k, move.after[k] - move.before.get(k, 0.0)) for k in move.after), key=lambda kv: -abs(kv[1]))
    k, delta = shifts[0]
    reports = "; ".join(
        f"{signposts.get(e.signpost, e.signpost)} {'observed' if e.observed else 'not observed'} ({e.source})"
        for e in move.evidence
    )
    return (
        f"At the latest update ({move.date.isoformat()}) {names.get(k, k)} moved "
        f"{100 * delta:+.0f} points, on: {reports}."
    )


def bottom_line(brief: Brief, model: Model) -> list[str]:
    """The bottom line as a few sentences built from the results."""
    names = family_names(model)
    signposts = {s.id: s.name for s in model.signposts}
    sentences = [s for s in (_lead(brief, names),) if s]
    sentences.append(_moved(brief, names, signposts))
    if brief.now.families:
        none = brief.now.none_of_these
        sentences.append(
            f"None of the named scenarios: {pct(none)} of the futures the judgments lead to fit no family"
            + (" — a large share, so the families may miss something." if none >= 0.25 else ".")
        )
    if brief.outlooks:
        sentences.append(f"The signpost worth watching most: {signposts.get(brief.outlooks[0].signpost, '')}.")
    return sentences
