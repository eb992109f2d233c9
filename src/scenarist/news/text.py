"""Plain-text helpers shared by the news sources and the matcher: tokens, passages, a dedup key.

Tokens are lower-cased words, stemmed (Snowball, English) when PyStemmer is installed, with a few
spellings of the same actor folded together (``U.S.``, ``US``, ``United States`` → ``usa``) so that
the pronoun "us" is not mistaken for the country. A few words keep a stem of their own where the
stemmer would merge them with a word of another meaning ("senator" is a person, "Senate" a chamber).
:func:`tokenize` drops stopwords (for ranking); :func:`words` keeps them (for matching phrases such
as "calls on" or "Secretary of State" word for word).

For matching hint phrases (:func:`words`), words of one meaning in policy, diplomacy, trade and
military news are folded into one token by a small general thesaurus (:data:`SYNONYMS`: "levy" and
"duty" are "tariff", "go-between" is "mediator", "seals" is "signs", "kicks in" is "takes effect"),
in the items and in the hints alike, so that a hint written with one word also finds the others.
Ranking (:func:`tokenize`) keeps the words as written. Accents are dropped for tokens ("détente" is
"detente").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Final

__all__ = [
    "MAX_PASSAGES",
    "OWN_STEMS",
    "STOPWORDS",
    "SYNONYMS",
    "analyse",
    "passages",
    "phrase_in",
    "text_key",
    "tokenize",
    "words",
]

MAX_PASSAGES: Final = 12
"""Sentences of an item's text considered for matching (the lead of a news item carries the news)."""

_ACTORS: Final = [
    (re.compile(r"\bU\.\s?S\.(?:\s?A\.)?(?=[\s,;:)'’\"-]|$)|\bUSA?\b|\bUnited States\b|\bAmerica\b"), " usa "),
    (re.compile(r"\bE\.U\.|\bEU\b|\bEuropean Union\b"), " eu "),
    (re.compile(r"\bU\.K\.|\bUK\b|\bBritain\b|\bBritish\b|\bUnited Kingdom\b"), " uk "),
]
_WORD: Final = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_SENTENCE: Final = re.compile(r"(?<!\b[A-Z]\.[A-Z]\.)(?<=[.!?])[\"'’”)]*\s+(?=[\"'‘“(]*[A-Z0-9])")
_SPACE: Final = re.compile(r"\s+")
_STOPWORDS_TEXT: Final = """a an and are as at be been being but by for from had has have he her his i if in into is it
    its of on or our she so than that the their them then there these they this those to was we were which while
    who will with would you your said says say also after before over under about"""
STOPWORDS: Final = frozenset(_STOPWORDS_TEXT.split())
OWN_STEMS: Final = {"senator": "senator", "senators": "senator", "senatorial": "senator"}
"""Words whose stem the stemmer would share with a word of another meaning ("senate")."""

SYNONYMS: Final[tuple[tuple[str, ...], ...]] = (
    # one group per meaning, its first entry the token the others become; multi-word entries match word
    # for word (stopwords included) and the longest entry wins
    ("tariff", "tariffs", "duty", "duties", "levy", "levies", "customs duties"),
    ("sanctions", "sanction", "blacklist", "blacklists", "blacklisted", "blacklisting", "penalties", "penalty",
     "designates", "designate", "designated", "designation", "designations"),
    ("mediator", "mediation", "mediate", "mediates", "mediating", "broker", "brokers", "brokering", "brokered",
     "go-between", "intermediary", "middleman", "facilitator", "peacemaker"),
    ("signs", "sign", "signed", "signing", "seal", "seals", "sealed", "ink", "inks", "inked", "conclude",
     "concludes", "concluded", "clinch", "clinches", "clinched"),
    ("signs into law", "sign into law", "signed into law", "signing into law", "signs law", "signed law",
     "sign law"),
    ("approves", "approve", "approved", "approval", "adopt", "adopts", "adopted", "adoption", "enact", "enacts",
     "enacted", "ratify", "ratifies", "ratified", "endorse", "endorses", "endorsed", "backs", "backed",
     "clears", "cleared", "sign off", "signs off", "signed off", "signs off on", "green light", "green-light",
     "green-lights", "rubber-stamp", "rubber-stamps", "finalise", "finalises", "finalised", "finalize",
     "finalizes", "finalized"),
    ("agreement", "agreements", "deal", "deals", "accord", "accords", "pact", "pacts", "arrangement",
     "arrangements", "treaty", "compact"),
    ("truce", "detente", "thaw", "rapprochement"),
    ("takes effect", "take effect", "took effect", "taking effect", "kick in", "kicks in", "kicked in",
     "come into force", "comes into force", "came into force", "enter into force", "enters into force",
     "entered into force", "go into effect", "goes into effect", "went into effect"),
    ("cut", "cuts", "cutting", "reduce", "reduces", "reduced", "reduction", "reducing", "trim", "trims",
     "trimmed", "lower", "lowers", "lowered", "shrink", "shrinks", "shrank", "slash", "slashes", "slashed",
     "decrease", "decreases", "smaller", "less", "scale back", "scales back", "scaled back", "pare back"),
    ("raise", "raises", "raised", "hike", "hikes", "hiked", "increase", "increases", "increased", "boost",
     "boosts", "boosted", "higher"),
    ("retaliatory", "retaliate", "retaliates", "retaliated", "retaliation", "hits back", "hit back",
     "strikes back", "in kind"),
    ("withdraw", "withdraws", "withdrew", "withdrawn", "withdrawal", "withdrawing", "pull out", "pulls out",
     "pulled out", "pullout", "pull back", "pulls back", "bring home", "brings home", "brought home",
     "no successor", "not be replaced", "unreplaced"),
    ("allows", "allow", "allowed", "permit", "permits", "permitted", "authorise", "authorises", "authorised",
     "authorize", "authorizes", "authorized", "clear the way", "clears the way", "cleared the way",
     "clears way", "clear way", "open the way", "opens the way", "opens way", "pave the way", "paves the way",
     "paves way"),
    ("lifts", "lift", "lifted", "lifting", "ease", "eases", "eased", "easing", "loosen", "loosens", "loosened",
     "relax", "relaxes", "relaxed", "remove", "removes", "removed", "delist", "delists", "delisted",
     "unfreeze", "unfreezes", "roll back", "rolls back", "rolled back"),
    ("ends", "end", "ended", "ending", "halt", "halts", "halted", "stop", "stops", "stopped", "quit", "quits",
     "abandon", "abandons", "abandoned", "terminate", "terminates", "terminated", "walk away", "walks away",
     "walked away", "step away", "steps away", "stepped away", "step back", "steps back", "stepped back",
     "bow out", "bows out", "no longer"),
    ("blame", "blames", "blamed", "fault", "faults", "faulted", "responsible", "responsibility", "culprit",
     "to blame", "at the door of", "at the door"),
    ("obstacle", "obstacles", "impediment", "roadblock", "stumbling block", "block", "blocks", "blocking",
     "blocked", "stand in the way", "standing in the way", "stands in the way", "hold up", "holds up",
     "holding up", "obstruct", "obstructs", "obstructing", "obstruction"),
    ("weapons", "weapon", "arms", "munitions", "armaments", "weaponry"),
    ("stocks", "stockpiles", "stockpile", "arsenal", "arsenals", "inventories", "inventory"),
    ("aid", "assistance"),
    ("average", "averages", "averaged", "averaging", "monthly mean"),
    ("below", "beneath", "less than", "sub"),
    ("negotiations", "negotiation", "peace talks", "peace table", "negotiating table", "peace process"),
    ("passes", "pass", "passed", "votes for", "voted for", "vote for"),
    ("announces", "announce", "announced", "unveil", "unveils", "unveiled", "roll out", "rolls out",
     "rolled out"),
)  # fmt: skip
"""A small general thesaurus of policy, diplomacy, trade, sanctions and military words (see the module
docstring): the words of a group stand for one another wherever the matcher compares words."""


@lru_cache(maxsize=1)
def _stemmer() -> Callable[[list[str]], list[str]]:
    try:
        import Stemmer
    except ImportError:
        return lambda words: words
    stem: Callable[[list[str]], list[str]] = Stemmer.Stemmer("english").stemWords
    return stem


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for pattern, replacement in _ACTORS:
        text = pattern.sub(replacement, text)
    return text.lower()


def _plain(text: str) -> str:
    """``text`` folded (see :func:`_fold`) and without accents."""
    text = _fold(text)
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _stems(text: str) -> tuple[list[str], list[bool]]:
    """The stems of the words of ``text`` and whether each word is a stopword, before the thesaurus."""
    raw = _WORD.findall(_plain(text))
    stems = _stemmer()(raw)
    return [OWN_STEMS.get(w, s) for w, s in zip(raw, stems, strict=True)], [w in STOPWORDS for w in raw]


@lru_cache(maxsize=1)
def _thesaurus() -> dict[str, list[tuple[list[str], list[str]]]]:
    """The :data:`SYNONYMS` as stems: first stem of an entry -> (entry, the group's tokens), longest entry
    first."""
    table: dict[str, list[tuple[list[str], list[str]]]] = {}
    for group in SYNONYMS:
        head = _stems(group[0])[0]
        for entry in group[1:]:
            stems = _stems(entry)[0]
            if stems and stems != head:
                table.setdefault(stems[0], []).append((stems, head))
    for entries in table.values():
        entries.sort(key=lambda e: -len(e[0]))
    return table


def analyse(text: str) -> tuple[list[str], list[str]]:
    """The stemmed, lower-case word tokens of ``text``: all of them with the thesaurus applied (for hint
    phrases), and those that are not stopwords, as written (for ranking)."""
    stems, stop = _stems(text)
    content = [s for s, x in zip(stems, stop, strict=True) if not x]
    table = _thesaurus()
    if not any(s in table for s in stems):
        return stems, content
    every: list[str] = []
    i, n = 0, len(stems)
    while i < n:
        for entry, head in table.get(stems[i], ()):
            if stems[i : i + len(entry)] == entry:
                every.extend(head)
                i += len(entry)
                break
        else:
            every.append(stems[i])
            i += 1
    return every, content


def tokenize(text: str) -> list[str]:
    """The stemmed, lower-case word tokens of ``text`` without stopwords (numbers are kept)."""
    return analyse(text)[1]


def words(text: str) -> list[str]:
    """The stemmed, lower-case word tokens of ``text``, stopwords included, the thesaurus applied."""
    return analyse(text)[0]


def phrase_in(phrase: Sequence[str], tokens: Sequence[str]) -> bool:
    """Whether the token sequence ``phrase`` occurs contiguously in ``tokens`` (an empty phrase never does)."""
    n = len(phrase)
    if n == 0:
        return False
    first = phrase[0]
    return any(tokens[i] == first and list(tokens[i : i + n]) == list(phrase) for i in range(len(tokens) - n + 1))


def passages(title: str, text: str) -> list[str]:
    """The units an item is matched by: its title, the title with its first sentence, and each sentence.

    An initialism (``U.S.``, ``E.U.``) does not end a sentence.
    """
    text = _SPACE.sub(" ", text).strip()
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()][:MAX_PASSAGES]
    title = _SPACE.sub(" ", title).strip()
    units = [title] if title else []
    if title and sentences:
        units.append(f"{title}. {sentences[0]}")
    units.extend(sentences)
    return units


def text_key(title: str, text: str) -> str:
    """A digest of the normalised title and text: two copies of one story differing in case,
    spacing or punctuation get the same key."""
    words = _WORD.findall(_fold(f"{title} {text}"))
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()
