"""Plain-text helpers shared by the news sources and the matcher: tokens, passages, a dedup key.

Tokens are lower-cased words, stemmed (Snowball, English) when PyStemmer is installed, with a few
spellings of the same actor folded together (``U.S.``, ``US``, ``United States`` → ``usa``) so that
the pronoun "us" is not mistaken for the country. A few words keep a stem of their own where the
stemmer would merge them with a word of another meaning ("senator" is a person, "Senate" a chamber).
:func:`tokenize` drops stopwords (for ranking); :func:`words` keeps them (for matching phrases such
as "calls on" or "Secretary of State" word for word).
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


def analyse(text: str) -> tuple[list[str], list[str]]:
    """The stemmed, lower-case word tokens of ``text``: all of them, and those that are not stopwords."""
    raw = _WORD.findall(_fold(text))
    stems = _stemmer()(raw)
    every = [OWN_STEMS.get(w, s) for w, s in zip(raw, stems, strict=True)]
    return every, [s for w, s in zip(raw, every, strict=True) if w not in STOPWORDS]


def tokenize(text: str) -> list[str]:
    """The stemmed, lower-case word tokens of ``text`` without stopwords (numbers are kept)."""
    return analyse(text)[1]


def words(text: str) -> list[str]:
    """The stemmed, lower-case word tokens of ``text``, stopwords included."""
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
