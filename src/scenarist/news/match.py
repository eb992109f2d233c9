"""Score news items against a model's signposts: which signpost (if any) an item reports, and where.

Pure: a model and plain item texts in, a frozen :class:`MatchResult` out. The default ranker is
BM25 (the ``bm25s`` library) with the signposts as the collection — each signpost's name, its
observation text and its ``match.phrases`` — and each passage of an item (title, title with lead,
sentences) as a query. A passage's BM25 score r for a signpost, relative to the score of the
signpost's own name, is mapped to r / (1 + r): 0.5 means "matches the signpost as well as its
name does", and scores stay below 1. An item's score is its best passage's. A passage must
contain one of the signpost's ``match.require`` phrases and one of its ``match.actors`` (for
each group that lists any) and none of its ``match.exclude`` phrases; a hedged passage (a
threat, a proposal, a debate, a request, a denial, a forecast) counts for :data:`HEDGE_FACTOR`
of its score. The headline frames the item: its phrases count for every passage, and a hedge
in it hedges them all. Two signposts of one descriptor scoring within :data:`AMBIGUITY_MARGIN`
of each other are not proposed. An optional re-ranker (see :mod:`scenarist.news.embed`)
averages in a semantic similarity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np

from scenarist.errors import MissingExtraError
from scenarist.model.schema import Model, Signpost
from scenarist.news.text import passages, phrase_in, tokenize

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "AMBIGUITY_MARGIN",
    "DEFAULT_THRESHOLD",
    "HEDGE_FACTOR",
    "Candidate",
    "ItemText",
    "MatchResult",
    "Reranker",
    "SignpostIndex",
    "match_items",
    "signpost_window",
]

DEFAULT_THRESHOLD: Final = 0.5
"""Score from which an item is proposed for a signpost: 0.5 is a passage matching the signpost as well as
the signpost's own name does."""

HEDGE_FACTOR: Final = 0.5
"""Weight of a passage that only reports an intention, threat, proposal, debate or forecast."""

AMBIGUITY_MARGIN: Final = 0.05
"""Two signposts of one descriptor (e.g. Washington blaming Moscow, or Kyiv) whose scores for an item are
within this fraction of each other: the words do not tell which one the item reports, and neither is
proposed."""

TOP_K: Final = 3
"""Signposts kept per item (best first) before the threshold is applied."""

_HEDGES: Final = [
    tokenize(p)
    for p in (
        "could",
        "may",
        "might",
        "threatens",
        "threatened",
        "considering",
        "considers",
        "weighs",
        "proposes",
        "proposed",
        "debate",
        "debates",
        "debated",
        "draft",
        "expect",
        "expects",
        "forecast",
        "forecasts",
        "asks",
        "asked",
        "offers",
        "urges",
        "urged",
        "postponed",
        "stopped short",
        "yet to",
        "no decision",
        "fail to agree",
        "without agreement",
        "without a deal",
        "not considering",
        "calls on",
        "calls for",
        "without",
        "declined",
        "denies",
        "vetoed",
        "delays",
        "delayed",
        "ruled out",
        "discuss",
        "discussed",
        "discussing",
        "seek",
        "seeks",
        "weigh",
        "mulls",
        "consider",
        "considered",
        "pledge",
        "pledges",
        "vows",
        "warns",
        "warned",
        "intends",
        "on the table",
        "introduce",
        "introduced",
        "memorandum",
        "invites",
        "hopes",
        "likely",
        "polls",
        "too close to call",
        "undecided",
        "request",
        "requests",
        "requested",
    )
]


class Reranker(Protocol):
    """Semantic similarity (about −1..1) of each passage to each signpost text."""

    name: str

    def prepare(self, texts: Sequence[str]) -> None:
        """Compute what ``similarity`` will need for these texts in one batch (optional speed-up)."""
        ...

    def similarity(self, passages: Sequence[str], signposts: Sequence[str]) -> NDArray[np.float64]:
        """A (len(passages), len(signposts)) array."""
        ...


@dataclass(frozen=True)
class ItemText:
    """What the matcher reads of a news item."""

    title: str
    text: str
    published: dt.date | None = None


@dataclass(frozen=True)
class Candidate:
    """A proposal: item number ``item`` (its position in the input) may report ``signpost_id``."""

    item: int
    signpost_id: str
    score: float
    passage: str

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "signpost": self.signpost_id, "score": self.score, "passage": self.passage}


@dataclass(frozen=True)
class MatchResult:
    """Candidates at or above ``threshold``, best first within each item, items in input order."""

    model_id: str
    method: str
    threshold: float
    n_items: int
    candidates: tuple[Candidate, ...]

    def top(self, item: int) -> Candidate | None:
        """The best candidate of item number ``item``, or None when nothing reached the threshold."""
        return next((c for c in self.candidates if c.item == item), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "method": self.method,
            "threshold": self.threshold,
            "n_items": self.n_items,
            "candidates": [c.to_dict() for c in self.candidates],
        }


def signpost_window(model: Model, signpost: Signpost) -> tuple[dt.date | None, dt.date | None]:
    """The dates within which evidence about ``signpost`` counts: its own window, each open end taken from
    the model's window (start, horizon); None where both are open."""
    own = signpost.window
    start = own.start if own is not None and own.start is not None else model.start
    end = own.end if own is not None and own.end is not None else model.horizon
    return start, end


def _found(phrase: list[str], tokens: list[str], vocabulary: frozenset[str]) -> bool:
    """Whether ``phrase`` (tokens) occurs in ``tokens``; ``vocabulary`` is their set, for a quick refusal."""
    if not phrase or phrase[0] not in vocabulary:
        return False
    return len(phrase) == 1 or phrase_in(phrase, tokens)


def _hedged(tokens: list[str], vocabulary: frozenset[str]) -> bool:
    """Whether a passage only reports an intention, a threat, a proposal, a debate, a forecast or a denial."""
    return any(_found(h, tokens, vocabulary) for h in _HEDGES)


def _signpost_text(s: Signpost) -> str:
    terms = " ".join(s.match.phrases * 2) if s.match else ""
    return f"{s.name}. {s.observation} {terms}"


class SignpostIndex:
    """A model's signposts, indexed once and then matched against any number of items."""

    def __init__(self, model: Model, reranker: Reranker | None = None) -> None:
        try:
            import bm25s
        except ImportError as exc:
            raise MissingExtraError("bm25s", "news") from exc
        self.model = model
        self.signposts = list(model.signposts)
        self.texts = [_signpost_text(s) for s in self.signposts]
        docs = [tokenize(t) for t in self.texts]
        self._bm25 = bm25s.BM25()
        self._bm25.index(docs, show_progress=False)
        names = [tokenize(s.name) for s in self.signposts]
        self._self = np.array([max(float(self._bm25.get_scores(n)[i]), 1e-9) for i, n in enumerate(names)])
        self._require = [[tokenize(p) for p in s.match.require] if s.match else [] for s in self.signposts]
        self._exclude = [[tokenize(p) for p in s.match.exclude] if s.match else [] for s in self.signposts]
        self._actors = [[tokenize(p) for p in s.match.actors] if s.match else [] for s in self.signposts]
        self._windows = [signpost_window(model, s) for s in self.signposts]
        self._siblings = [
            [j for j, other in enumerate(self.signposts) if j != k and other.descriptor == s.descriptor]
            for k, s in enumerate(self.signposts)
        ]
        self.reranker = reranker

    @property
    def method(self) -> str:
        return "bm25" if self.reranker is None else f"bm25+{self.reranker.name}"

    def _allowed(self, k: int, context: list[tuple[list[str], frozenset[str]]]) -> bool:
        """Whether the hints of signpost ``k`` let a passage through; ``context`` is the passage and the
        item's headline (tokens and their set): the headline frames every passage of the item."""

        def anywhere(phrases: list[list[str]]) -> bool:
            return any(_found(p, tokens, vocabulary) for p in phrases for tokens, vocabulary in context)

        if anywhere(self._exclude[k]):
            return False
        return all(not group or anywhere(group) for group in (self._require[k], self._actors[k]))

    def _passage_scores(self, units: list[str], floor: float) -> NDArray[np.float64]:
        """Scores of each passage (rows) for each signpost (columns); hints are checked only where the
        score reaches ``floor``, since a veto can only lower it. The first unit is the headline: a hedge
        or a veto in it holds for the whole item."""
        out = np.zeros((len(units), len(self.signposts)))
        headline: list[tuple[list[str], frozenset[str]]] = []
        headline_hedged = False
        for row, unit in enumerate(units):
            tokens = tokenize(unit)
            if not tokens:
                continue
            vocabulary = frozenset(tokens)
            hedged = _hedged(tokens, vocabulary)
            if row == 0:
                headline, headline_hedged = [(tokens, vocabulary)], hedged
            relative = np.asarray(self._bm25.get_scores(tokens), dtype=np.float64) / self._self
            scores = relative / (1.0 + relative)
            if hedged or headline_hedged:
                scores *= HEDGE_FACTOR
            context = [(tokens, vocabulary), *headline] if row else headline
            for k in np.flatnonzero(scores >= floor):
                if not self._allowed(int(k), context):
                    scores[k] = 0.0
            out[row] = scores
        return out

    def _in_window(self, k: int, published: dt.date | None) -> bool:
        start, end = self._windows[k]
        if published is None:
            return True
        return (start is None or published >= start) and (end is None or published <= end)

    def score(self, index: int, item: ItemText, threshold: float) -> list[Candidate]:
        """The item's candidates at or above ``threshold`` (at most :data:`TOP_K`), best first."""
        units = passages(item.title, item.text)
        if not units or not self.signposts:
            return []
        table = self._passage_scores(units, threshold * (1 - AMBIGUITY_MARGIN) if self.reranker is None else 0.0)
        if self.reranker is not None:
            table = 0.5 * table + 0.5 * np.clip(self.reranker.similarity(units, self.texts), 0.0, 1.0) * (table > 0)
        best_row = table.argmax(axis=0)
        best = table.max(axis=0)
        order = [int(k) for k in np.argsort(-best, kind="stable")[:TOP_K]]
        return [
            Candidate(index, self.signposts[k].id, round(float(best[k]), 4), units[int(best_row[k])])
            for k in order
            if best[k] >= threshold
            and best[k] > 0
            and self._in_window(k, item.published)
            and not self._ambiguous(k, best)
        ]

    def _ambiguous(self, k: int, best: NDArray[np.float64]) -> bool:
        """Whether another signpost of ``k``'s descriptor scores within :data:`AMBIGUITY_MARGIN` of it (or above)."""
        return any(best[j] > 0 and best[j] >= best[k] * (1 - AMBIGUITY_MARGIN) for j in self._siblings[k])


def match_items(
    model: Model,
    items: Sequence[ItemText],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    reranker: Reranker | None = None,
    index: SignpostIndex | None = None,
) -> MatchResult:
    """Score every item against every signpost of ``model``; keep candidates at or above ``threshold``."""
    index = index or SignpostIndex(model, reranker)
    if index.reranker is not None:
        index.reranker.prepare([unit for item in items for unit in passages(item.title, item.text)] + index.texts)
    found: list[Candidate] = []
    for i, item in enumerate(items):
        found.extend(index.score(i, item, threshold))
    return MatchResult(model.id, index.method, threshold, len(items), tuple(found))
