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
in it hedges them all. Hint phrases match word for word, stopwords included ("calls on" is not "calls");
a required phrase right after a negation ("no", "not", "without") does not count. When a signpost
names ``match.targets`` (whom the step is aimed at), roles are checked in the headline: a speaker
("Rubio: ...", "Kremlin blames ...") or the agent of a passive ("... sanctioned by Russia") that is a
target and no actor, or a speaker when the headline names no actor at all, keeps the item away, and an
actor named only as the object ("sanctions on the U.S.") does not count. A headline that opens with a
country or bloc as its subject ("Turkey ends ...", not in a passive) is kept away from a signpost whose
name, observation text and hints do not name it (European governments count as Europe), or that names it
only as a target; so is one whose first country named after the subject is not named by the signpost
("U.S. sanctions Chinese suppliers"). Continuations ("will keep", "will continue") and unconfirmed claims
("Washington silent") are hedges; in the headline, so are "keeps", "holds the" and "only". A narrower step named
anywhere in the item ("applies only to one sector", "visa-only", "a technical agreement", "provisions" in a wider
act, a payment "under the existing" act, "a separate" project, "no package financed yet", a pause with the "next
round" set) hedges the whole item. Legislatures and agencies stand for their country (the Duma and the Federation
Council for Russia, the Rada for Ukraine, OFAC for the U.S.); a country the signpost's name says its step is aimed
at ("a Russia sanctions bill") counts as a target. A headline that opens with two or more countries (a joint step:
"Norway and U.S. companies sign ...") is kept away from a signpost whose name names a country that the headline and
passage do not name, or name only after a negation ("no Russian partner"). Hint phrases are compared
through a small thesaurus (see :mod:`scenarist.news.text`): "levy" meets a hint "tariff". Two
signposts of one descriptor scoring within :data:`AMBIGUITY_MARGIN` of each other are not proposed. An optional
re-ranker (see :mod:`scenarist.news.embed`) averages in a semantic similarity.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np

from scenarist.errors import MissingExtraError
from scenarist.model.schema import Model, Signpost
from scenarist.news.text import analyse, passages, tokenize, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "AMBIGUITY_MARGIN",
    "DEFAULT_THRESHOLD",
    "GATE_SIMILARITY",
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

GATE_SIMILARITY: Final = 0.65
"""With a semantic gate (see :class:`SignpostIndex`), a passage whose embedding is at least this similar (cosine)
to a signpost's text meets the signpost's ``require`` hint without any of its phrases."""

TOP_K: Final = 3
"""Signposts kept per item (best first) before the threshold is applied."""

_HEDGES: Final = [
    words(p)
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
        "plans to",
        "planning to",
        "aims to",
        "study",
        "studies",
        "studying",
        "reviewing",
        "review of",
        "options",
        "lobby",
        "lobbies",
        "lobbying",
        "push for",
        "on hold",
        "to resume",
        "temporarily",
        "for now",
        "pushes for",
        "will keep",
        "will continue",
        "continues to",
        "silent",
        "unconfirmed",
        "not confirmed",
        "did not confirm",
        "has not confirmed",
        "no confirmation",
    )
]

_HEADLINE_HEDGES: Final = [words(p) for p in ("keep", "keeps", "retain", "retains", "holds on to", "only")]
"""Cues of a continuation ("keeps its majority") or a narrower step ("on steel only") that hedge an item
when its headline has them (in the text they are too common: "keeps rejecting", "Russia only")."""

_NARROWERS: Final = [
    words(p)
    for p in (
        "limited to",
        "only to",
        "applies only",
        "covers only",
        "only covers",
        "one sector",
        "single sector",
        "no other",
        "technical agreement",
        "technical matters",
        "technical issues",
        "provisions",
        "under existing",
        "under an existing",
        "under the existing",
        "a separate",
        "next round",
        "next session",
        "new round of talks",
        "new session of talks",
        "new session",
    )
]
"""Cues, anywhere in an item, that its step is narrower than a signpost's or not the one it needs: a single
sector or item ("applies only to", "one sector", "visa-only"), a technical matter, provisions inside a wider act,
a payment under an existing act, a separate project, a pause with the next round already set. Unless negated
("no new round"), such a cue hedges the whole item."""

_NOT_YET: Final = re.compile(r"\b(?:no|not|none)\b[^.;:]{0,40}\byet\b", re.IGNORECASE)
"""A step the item says has not happened yet ("no package financed yet"), wherever it stands."""

_HOLDS: Final = re.compile(
    r"(?<!\bto )\b(?:hold|holds)\s+(?:the|its|their|on|onto)\b"
    r"(?!(?:\s+\S+){0,2}\s+(?:responsible|accountable|liable)\b)",
    re.IGNORECASE,
)
"""In a headline, "hold(s) the/its/on ..." is a continuation ("Republicans hold the House"), unless someone is
held responsible ("holds the Kremlin responsible"); "holds up" (blocks) and "to hold" (a role) are not."""

_ONLY: Final = re.compile(r"\w-only\b|\w only\s*(?:[;.]|$)")
"""A scope that ends in "only": "visa-only", "covers visas only;" (not "Russia, and Russia only' is ...")."""

_NEGATORS: Final = frozenset(words("no not never without nor"))
"""Words that, just before a required phrase, deny it ("no contract", "not yet withdrawn")."""

NEGATION_SPAN: Final = 4
"""How many words before a required phrase a negation reaches."""

_OBJECT_MARKERS: Final = frozenset(words("on against"))
"""An actor right after these words is the one acted on ("sanctions on the U.S."), not the one acting."""

_SPEECH = r"(?:says|said|tells|told|blames|blamed|accuses|accused|faults|faulted|claims|insists|argues|warns)"
_WHO = r"(?P<who>[^\s:'\"‘’“”][^:\"‘“”]{0,58}?)"
_SPEAKER_COLON: Final = re.compile(r"^\s*" + _WHO + r"\s*:\s")
_SPEAKER_QUOTE: Final = re.compile(r"^\s*['\"‘“].+?['\"’”]\s*[:,-]?\s*" + _WHO + r"\s+" + _SPEECH + r"\b")
_SPEAKER_VERB: Final = re.compile(r"^\s*" + _WHO + r"\s+" + _SPEECH + r"\b")
_AGENT_END: Final = re.compile(r"\s(?:over|for|after|in|amid|as|on|to|with|at|from|and then)\s")
MAX_ROLE_WORDS: Final = 6
"""Longest speaker or agent (in words) the role check reads off a headline."""
_PASSIVE_AGENT: Final = re.compile(r"\b(?:\w+ed|\w+en|hit|cut|set|led|paid)\s+by\s+(?P<who>[^,;:.!?]{2,60})")


_PLACES: Final = (
    (
        "usa",
        "U.S.|US|USA|United States|America|Washington|White House|Pentagon|Treasury|OFAC|State Department|"
        "Congress|Senate|House of Representatives|Capitol Hill",
        "American|Americans",
    ),
    ("russia", "Russia|Moscow|Kremlin|Duma|State Duma|Federation Council", "Russian|Russians"),
    ("ukraine", "Ukraine|Kyiv|Kiev|Rada|Verkhovna Rada", "Ukrainian|Ukrainians"),
    ("eu", "EU|E.U.|European Union|Brussels|European Commission|European Parliament", ""),
    ("europe", "Europe", "European|Europeans"),
    ("china", "China|Beijing", "Chinese"),
    ("iran", "Iran|Tehran", "Iranian"),
    ("uk", "UK|U.K.|Britain|United Kingdom|London", "British"),
    ("turkey", "Turkey|Türkiye|Ankara", "Turkish"),
    ("saudi", "Saudi Arabia|Riyadh", "Saudi"),
    ("qatar", "Qatar|Doha", "Qatari"),
    ("uae", "UAE|United Arab Emirates|Abu Dhabi", "Emirati"),
    ("india", "India|New Delhi", "Indian"),
    ("japan", "Japan|Tokyo", "Japanese"),
    ("canada", "Canada|Ottawa", "Canadian"),
    ("australia", "Australia|Canberra", "Australian"),
    ("france", "France|Paris", "French"),
    ("germany", "Germany|Berlin", "German"),
    ("poland", "Poland|Warsaw", "Polish"),
    ("italy", "Italy|Rome", "Italian"),
    ("norway", "Norway|Oslo", "Norwegian"),
    ("sweden", "Sweden|Stockholm", "Swedish"),
    ("finland", "Finland|Helsinki", "Finnish"),
    ("denmark", "Denmark|Copenhagen", "Danish"),
    ("netherlands", "Netherlands|The Hague", "Dutch"),
    ("switzerland", "Switzerland|Bern", "Swiss"),
    ("hungary", "Hungary|Budapest", "Hungarian"),
    ("belarus", "Belarus|Minsk", "Belarusian"),
    ("israel", "Israel|Jerusalem", "Israeli"),
    ("brazil", "Brazil|Brasilia", "Brazilian"),
    ("south_africa", "South Africa|Pretoria", "South African"),
    ("korea", "South Korea|North Korea|Seoul|Pyongyang", "Korean"),
    ("mexico", "Mexico", "Mexican"),
    ("kazakhstan", "Kazakhstan|Astana", "Kazakh"),
    ("azerbaijan", "Azerbaijan|Baku", "Azerbaijani"),
    ("vatican", "Vatican|Holy See", ""),
    ("nato", "NATO", ""),
    ("un", "UN|U.N.|United Nations", ""),
)
"""Countries and blocs: the names, capitals and institutions that stand for them, and their adjectives."""

_EUROPEAN: Final = frozenset(
    {"eu", "uk", "france", "germany", "poland", "italy", "norway", "sweden", "finland", "denmark", "netherlands"}
    | {"switzerland", "hungary", "nato"}
)
"""Places that also count as Europe: a signpost about European governments allows any of them."""

_PLACE_NAMES: Final = {n.lower(): key for key, *names in _PLACES for group in names for n in group.split("|") if n}


def _alternatives(names: list[str]) -> str:
    return "|".join(sorted((re.escape(n) for n in names if n), key=len, reverse=True))


_PLACE: Final = _alternatives([n for _, *names in _PLACES for group in names for n in group.split("|")])
_NOUN: Final = _alternatives([n for _, nouns, _ in _PLACES for n in nouns.split("|")])
_SUBJECT: Final = re.compile(
    r"^\s*(?:The\s+)?(?P<who>(?:" + _NOUN + r")(?:\s*(?:,|and|&)\s*(?:the\s+)?(?:" + _NOUN + r"))*)(?=\s+[a-z])"
    r"(?!\s+(?:sanctions|tariffs?)\s+(?:bill|bills|package|act|law|measures|regime|list)\b)"
)
"""A headline's opening country or bloc followed by a lower-case word (its verb), but not a noun compound
such as "Russia sanctions bill"."""
_PLACE_IN_TEXT: Final = re.compile(r"(?<![\w.])(?:" + _PLACE + r")(?![\w])")


def _places(text: str) -> frozenset[str]:
    """The countries and blocs (keys of :data:`_PLACES`) that ``text`` names."""
    found = {_PLACE_NAMES[m.group(0).lower()] for m in _PLACE_IN_TEXT.finditer(text)}
    return frozenset(found | {"europe"} if found & _EUROPEAN else found)


def _subject(headline: str) -> tuple[frozenset[str], frozenset[str]]:
    """The countries or blocs a headline opens with as its subject ("Turkey ends ...", "Russia and China
    sign ...": the name of a country, capital or institution followed by a lower-case word), and the first
    one it names after that (the object, as in "... sanctions Turkish firms"); both empty when it opens
    otherwise ("Russia's ...", "Trump ...")."""
    found = _SUBJECT.match(headline)
    if not found:
        return frozenset(), frozenset()
    after = _PLACE_IN_TEXT.search(headline, found.end())
    return _places(found["who"]), _places(after.group(0)) if after else frozenset()


_NEGATOR_WORDS: Final = frozenset(["no", "not", "never", "without", "nor"])


def _named_places(text: str) -> frozenset[str]:
    """The countries and blocs ``text`` names other than after a negation within :data:`NEGATION_SPAN` words
    ("does not involve Russia", "with no role for the United States" name neither)."""
    found: set[str] = set()
    for m in _PLACE_IN_TEXT.finditer(text):
        before = text[: m.start()].lower().split()[-NEGATION_SPAN:]
        if not _NEGATOR_WORDS.intersection(w.strip(",;:'\"") for w in before):
            found.add(_PLACE_NAMES[m.group(0).lower()])
    return frozenset(found | {"europe"} if found & _EUROPEAN else found)


_AIMED_AT: Final = re.compile(
    r"(?:\b(?:on|against)\s+(?:the\s+)?(?P<on>" + _PLACE + r"))"
    r"|(?P<of>" + _PLACE + r"|" + _NOUN + r")\s+(?:sanctions|tariffs)\b"
)


def _aimed_at(name: str) -> frozenset[str]:
    """The countries and blocs a signpost's name says its step is aimed at: after "on" or "against"
    ("sanctions package on Russia"), else before "sanctions" ("a Russia sanctions bill"; with an "on",
    "U.S. sanctions package on Russia", the country before is the one that acts)."""
    found = list(_AIMED_AT.finditer(name))
    aimed = [m["on"] for m in found if m["on"]] or [m["of"] for m in found if m["of"]]
    return _places(" ".join(aimed)) if aimed else frozenset()


def _parties(s: Signpost) -> frozenset[str]:
    """The countries and blocs ``s``'s name names: the parties its step needs ("Russia gets a role in an
    Iran nuclear deal", "U.S.-Russian Arctic project")."""
    return _places(s.name)


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


_Tokens = tuple[list[str], frozenset[str]]
"""A passage's tokens (stopwords included) and their set."""


def _positions(phrase: list[str], tokens: list[str], vocabulary: frozenset[str]) -> list[int]:
    """Where ``phrase`` (tokens) starts in ``tokens``; ``vocabulary`` is their set, for a quick refusal."""
    if not phrase or phrase[0] not in vocabulary:
        return []
    n, first = len(phrase), phrase[0]
    return [i for i, t in enumerate(tokens) if t == first and (n == 1 or tokens[i : i + n] == phrase)]


def _found(phrase: list[str], tokens: list[str], vocabulary: frozenset[str]) -> bool:
    """Whether ``phrase`` (tokens) occurs in ``tokens``."""
    return bool(_positions(phrase, tokens, vocabulary))


def _negated(tokens: list[str], i: int) -> bool:
    """Whether a negation ("no", "not", "never", "without", "nor") stands just before position ``i``."""
    return any(t in _NEGATORS for t in tokens[max(0, i - NEGATION_SPAN) : i])


def _acted_on(tokens: list[str], i: int) -> bool:
    """Whether the phrase at position ``i`` is the object of the step ("on the U.S.", "against Moscow")."""
    before = tokens[max(0, i - 2) : i]
    return bool(before) and (before[-1] in _OBJECT_MARKERS or (before[-1] == "the" and before[0] in _OBJECT_MARKERS))


def _affirmed(phrases: list[list[str]], context: list[_Tokens], *, acting: bool = False) -> bool:
    """Whether one of ``phrases`` occurs in ``context`` other than negated (and, with ``acting``, other than
    as the object of the step)."""
    return any(
        not _negated(tokens, i) and not (acting and _acted_on(tokens, i))
        for phrase in phrases
        for tokens, vocabulary in context
        for i in _positions(phrase, tokens, vocabulary)
    )


def _hedged(tokens: list[str], vocabulary: frozenset[str]) -> bool:
    """Whether a passage only reports an intention, a threat, a proposal, a debate, a forecast or a denial."""
    return any(_found(h, tokens, vocabulary) for h in _HEDGES)


def _narrowed(unit: str, tokens: list[str], vocabulary: frozenset[str]) -> bool:
    """Whether a passage says the step is narrower than a signpost's (see :data:`_NARROWERS`), other than
    negated ("no new round")."""
    if _ONLY.search(unit) or _NOT_YET.search(unit):
        return True
    return any(not _negated(tokens, i) for n in _NARROWERS for i in _positions(n, tokens, vocabulary))


@dataclass(frozen=True)
class _Roles:
    """Who a headline says acts: the speaker of a statement ("Rubio: ...", "Kremlin blames ...") and the
    agent of a passive ("... sanctioned by Russia"), as tokens; None where the headline names none."""

    speaker: _Tokens | None
    agent: _Tokens | None
    subject: frozenset[str] = frozenset()
    object: frozenset[str] = frozenset()

    @classmethod
    def of(cls, headline: str) -> _Roles:
        speaker = None
        for pattern in (_SPEAKER_QUOTE, _SPEAKER_COLON, _SPEAKER_VERB):
            found = pattern.match(headline)
            if found and len(found["who"].split()) <= MAX_ROLE_WORDS:
                speaker = found["who"]
                break
        passive = _PASSIVE_AGENT.search(headline)
        agent = _AGENT_END.split(passive["who"], maxsplit=1)[0] if passive else None
        agent = " ".join(agent.split()[:MAX_ROLE_WORDS]) if agent else None
        subject = _subject(headline) if passive is None else (frozenset(), frozenset())
        return cls(_zone(speaker), _zone(agent), *subject)


def _zone(text: str | None) -> _Tokens | None:
    if text is None:
        return None
    tokens = words(text)
    return (tokens, frozenset(tokens)) if tokens else None


def _acting_places(s: Signpost) -> frozenset[str]:
    """The countries and blocs that may open a headline as its subject for ``s``: those its name, its
    observation text or its hints name."""
    hints = " ".join(s.match.phrases + s.match.require + s.match.actors + s.match.targets) if s.match else ""
    return _places(f"{s.name}. {s.observation} {hints}")


def _signpost_text(s: Signpost) -> str:
    terms = " ".join(s.match.phrases * 2) if s.match else ""
    return f"{s.name}. {s.observation} {terms}"


class SignpostIndex:
    """A model's signposts, indexed once and then matched against any number of items.

    ``reranker`` averages a semantic similarity into the scores. ``gate`` uses one only where a ``require``
    hint would veto a passage: a passage at least :data:`GATE_SIMILARITY` similar to the signpost's text
    meets the requirement; every other hint, hedge and role check still applies, and scores stay lexical.
    """

    def __init__(
        self, model: Model, reranker: Reranker | None = None, *, gate: Reranker | None = None, gate_at: float = 0.0
    ) -> None:
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
        self._require = [[words(p) for p in s.match.require] if s.match else [] for s in self.signposts]
        self._exclude = [[words(p) for p in s.match.exclude] if s.match else [] for s in self.signposts]
        self._actors = [[words(p) for p in s.match.actors] if s.match else [] for s in self.signposts]
        self._targets = [[words(p) for p in s.match.targets] if s.match else [] for s in self.signposts]
        self._windows = [signpost_window(model, s) for s in self.signposts]
        self._acting = [_acting_places(s) for s in self.signposts]
        self._target_places = [
            (_places(" ".join(s.match.targets)) if s.match else frozenset()) | _aimed_at(s.name) for s in self.signposts
        ]
        self._target_places = [
            t - _places(" ".join(s.match.actors)) if s.match else t
            for t, s in zip(self._target_places, self.signposts, strict=True)
        ]
        self._parties = [_parties(s) for s in self.signposts]
        self._siblings = [
            [j for j, other in enumerate(self.signposts) if j != k and other.descriptor == s.descriptor]
            for k, s in enumerate(self.signposts)
        ]
        self.reranker = reranker
        self.gate = gate
        self.gate_at = gate_at or GATE_SIMILARITY

    @property
    def method(self) -> str:
        method = "bm25" if self.reranker is None else f"bm25+{self.reranker.name}"
        return method if self.gate is None else f"{method}, {self.gate.name} gate"

    def _allowed(
        self,
        k: int,
        passage: _Tokens | None,
        headline: list[_Tokens],
        roles: _Roles,
        *,
        close: bool = False,
        named: frozenset[str] = frozenset(),
    ) -> bool:
        """Whether the hints of signpost ``k`` let ``passage`` through (None: the headline itself). The
        ``headline`` counts for every passage. A required phrase does not count when negated; when the
        signpost names targets, the roles are checked (see :class:`SignpostMatch`). A passage ``close`` in
        meaning to the signpost (see the semantic gate) meets the ``require`` hint without its phrases. When
        the headline opens with two or more countries as its subject (a joint step), ``named`` (the places the
        headline and passage name, not negated) must hold every party the signpost's step needs."""
        context = [passage, *headline] if passage is not None else headline
        if len(roles.subject - {"europe"}) >= 2 and not self._parties[k] <= named:
            return False  # a deal between other parties
        if roles.subject and not roles.subject & self._acting[k]:
            return False  # another country or bloc takes the step
        if roles.object and not roles.object & self._acting[k]:
            return False  # the step is aimed at another country or bloc
        if roles.subject and roles.subject <= self._target_places[k]:
            return False  # the one the step is aimed at takes it
        if any(_found(p, tokens, vocabulary) for p in self._exclude[k] for tokens, vocabulary in context):
            return False
        if self._require[k] and not close and not _affirmed(self._require[k], context):
            return False
        actors, targets = self._actors[k], self._targets[k]
        if actors and not _affirmed(actors, context, acting=bool(targets)):
            return False
        if not targets:
            return True
        if not _affirmed(targets, context):
            return False
        if roles.speaker is not None and actors and not _affirmed(actors, headline, acting=True):
            return False  # a statement by someone who is not among the actors
        return not any(
            zone is not None and _affirmed(targets, [zone]) and not _affirmed(actors, [zone])
            for zone in (roles.speaker, roles.agent)
        )  # the target is the one speaking or acting

    def _passage_scores(self, units: list[str], floor: float) -> NDArray[np.float64]:
        """Scores of each passage (rows) for each signpost (columns); hints are checked only where the
        score reaches ``floor``, since a veto can only lower it. The first unit is the headline: a hedge
        or a veto in it holds for the whole item, and so do the roles it names."""
        out = np.zeros((len(units), len(self.signposts)))
        headline: list[_Tokens] = []
        headline_hedged = False
        roles = _Roles.of(units[0])
        close = None
        if self.gate is not None:
            close = self.gate.similarity(units, self.texts) >= self.gate_at
        joint = len(roles.subject - {"europe"}) >= 2
        in_headline = _named_places(units[0]) if joint else frozenset()
        narrowed = False
        plain: list[int] = []
        for row, unit in enumerate(units):
            every, tokens = analyse(unit)
            if not tokens:
                continue
            vocabulary = frozenset(every)
            narrowed = narrowed or _narrowed(unit, every, vocabulary)
            hedged = _hedged(every, vocabulary)
            if row == 0:
                hedged = hedged or any(_found(h, every, vocabulary) for h in _HEADLINE_HEDGES)
                hedged = hedged or bool(_HOLDS.search(unit))
                headline, headline_hedged = [(every, vocabulary)], hedged
            relative = np.asarray(self._bm25.get_scores(tokens), dtype=np.float64) / self._self
            scores = relative / (1.0 + relative)
            if hedged or headline_hedged:
                scores *= HEDGE_FACTOR
            else:
                plain.append(row)
            passage = (every, vocabulary) if row else None
            named = in_headline | _named_places(unit) if joint and row else in_headline
            for k in np.flatnonzero(scores >= floor):
                near = close is not None and bool(close[row, k])
                if not self._allowed(int(k), passage, headline, roles, close=near, named=named):
                    scores[k] = 0.0
            out[row] = scores
        if narrowed:
            out[plain] *= HEDGE_FACTOR  # a narrower step anywhere in the item hedges all of it
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
        floor = threshold * (1 - AMBIGUITY_MARGIN) if self.reranker is None else 0.0
        table = self._passage_scores(units, floor)
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
    gate: Reranker | None = None,
) -> MatchResult:
    """Score every item against every signpost of ``model``; keep candidates at or above ``threshold``
    (``gate``: a semantic gate for the ``require`` hints, see :class:`SignpostIndex`)."""
    index = index or SignpostIndex(model, reranker, gate=gate)
    for semantic in {id(r): r for r in (index.reranker, index.gate) if r is not None}.values():
        semantic.prepare([unit for item in items for unit in passages(item.title, item.text)] + index.texts)
    found: list[Candidate] = []
    for i, item in enumerate(items):
        found.extend(index.score(i, item, threshold))
    return MatchResult(model.id, index.method, threshold, len(items), tuple(found))
