"""The ledger's rows as frozen dataclasses, and the checks a value passes before it is written.

The ledger takes plain values: model, signpost and question ids are opaque strings here.
Callers check them against a model before writing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, fields
from typing import Any, Final, Literal, get_args
from urllib.parse import urlsplit

from scenarist.evidence.errors import LedgerInputError

__all__ = [
    "EventKind",
    "Evidence",
    "EvidenceInput",
    "Forecast",
    "MAX_ID_LENGTH",
    "Outcome",
    "Question",
    "check_evidence",
    "check_forecast",
    "check_question",
    "check_resolution",
]

EventKind = Literal["variant", "scenario", "manual"]
"""What a forecast question is about: a variant of a descriptor, a named scenario, or free text."""

Outcome = Literal["yes", "no", "annulled"]
"""How a question resolved; an annulled question is not scored."""

EVENT_KINDS: Final[frozenset[str]] = frozenset(get_args(EventKind))
OUTCOMES: Final[frozenset[str]] = frozenset(get_args(Outcome))
MAX_ID_LENGTH: Final = 200
"""Longest model, signpost or question id the ledger stores (the same limit on every backend)."""
MAX_ORIGIN_LENGTH: Final = 50


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


class _Record:
    """``to_dict()`` for the row dataclasses: dates and times as ISO 8601 strings."""

    def to_dict(self) -> dict[str, Any]:
        """The row as a JSON-ready dict (dates ``YYYY-MM-DD``, times ISO 8601 in UTC)."""
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class EvidenceInput:
    """One observation to store: whether a signpost was observed on a date, and who says so.

    ``reliability`` (0..1) is how far the source is trusted; 1 means fully.
    """

    model_id: str
    signpost_id: str
    observed: bool
    date: dt.date
    source: str
    url: str | None = None
    reliability: float = 1.0
    note: str | None = None


@dataclass(frozen=True)
class Evidence(_Record):
    """A stored observation. Retracted rows are kept, flagged, with when and why."""

    id: int
    model_id: str
    signpost_id: str
    observed: bool
    date: dt.date
    source: str
    url: str | None
    reliability: float
    note: str | None
    created_at: dt.datetime
    retracted: bool
    retracted_at: dt.datetime | None
    retraction_reason: str | None


@dataclass(frozen=True)
class Question(_Record):
    """A forecast question, what it maps to in a model (if anything) and, once known, its outcome."""

    id: str
    text: str
    criteria: str
    close_date: dt.date
    model_id: str | None
    event_kind: EventKind
    event_ref: str | None
    created_at: dt.datetime
    outcome: Outcome | None
    resolved_on: dt.date | None
    resolution_source: str | None

    @property
    def resolved(self) -> bool:
        """Whether an outcome has been recorded."""
        return self.outcome is not None


@dataclass(frozen=True)
class Forecast(_Record):
    """A probability (0..1) that a question resolves yes, as of a date; ``origin`` says who gave it."""

    id: int
    question_id: str
    probability: float
    date: dt.date
    origin: str
    created_at: dt.datetime
    revision: str | None = None


# ------------------------------------------------------------------ checks


def _no_nul(name: str, value: str) -> str:
    if "\x00" in value:
        raise LedgerInputError(f"{name} must not contain a NUL character")
    return value


def _text(name: str, value: object, *, limit: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LedgerInputError(f"{name} must be a non-empty string, got {value!r}")
    _no_nul(name, value)
    if limit is not None and len(value) > limit:
        raise LedgerInputError(f"{name} is longer than {limit} characters")
    return value


def _optional_text(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise LedgerInputError(f"{name} must be a string or None, got {type(value).__name__}")
    return _no_nul(name, value)


def _url(name: str, value: object) -> str | None:
    text = _optional_text(name, value)
    if text is None:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or len(text) > 2000:
        raise LedgerInputError(f"{name} must be an absolute http:// or https:// address, got {text[:60]!r}")
    return text


def _date(name: str, value: object) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise LedgerInputError(f"{name} must be a datetime.date (not a datetime), got {value!r}")
    return value


def _unit(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LedgerInputError(f"{name} must be a number between 0 and 1, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and 0.0 <= number <= 1.0):
        raise LedgerInputError(f"{name} must be between 0 and 1, got {value!r}")
    return number


def check_evidence(item: EvidenceInput) -> dict[str, Any]:
    """The column values for ``item``; raises LedgerError naming the first bad field."""
    if not isinstance(item, EvidenceInput):
        raise LedgerInputError(f"expected an EvidenceInput, got {type(item).__name__}")
    if not isinstance(item.observed, bool):
        raise LedgerInputError(f"observed must be True or False, got {item.observed!r}")
    return {
        "model_id": _text("model_id", item.model_id, limit=MAX_ID_LENGTH),
        "signpost_id": _text("signpost_id", item.signpost_id, limit=MAX_ID_LENGTH),
        "observed": item.observed,
        "date": _date("date", item.date),
        "source": _text("source", item.source),
        "url": _url("url", item.url),
        "reliability": _unit("reliability", item.reliability),
        "note": _optional_text("note", item.note),
    }


def check_question(
    question_id: str,
    text: str,
    criteria: str,
    close_date: dt.date,
    model_id: str | None,
    event_kind: str,
    event_ref: str | None,
) -> dict[str, Any]:
    """The column values of a new question; ``variant``/``scenario`` questions need a model and a ref."""
    if event_kind not in EVENT_KINDS:
        raise LedgerInputError(f"event_kind must be one of {sorted(EVENT_KINDS)}, got {event_kind!r}")
    values: dict[str, Any] = {
        "id": _text("question_id", question_id, limit=MAX_ID_LENGTH),
        "text": _text("text", text),
        "criteria": _text("criteria", criteria),
        "close_date": _date("close_date", close_date),
        "model_id": None if model_id is None else _text("model_id", model_id, limit=MAX_ID_LENGTH),
        "event_kind": event_kind,
        "event_ref": None,
    }
    if event_kind == "manual":
        if event_ref is not None:
            raise LedgerInputError("a manual question has no event_ref")
    else:
        values["event_ref"] = _text("event_ref", event_ref, limit=MAX_ID_LENGTH)
        if model_id is None:
            raise LedgerInputError(f"a {event_kind} question needs the model_id it refers to")
    return values


def check_forecast(probability: float, date: dt.date, origin: str) -> dict[str, Any]:
    """The column values of a forecast (without its question)."""
    return {
        "probability": _unit("probability", probability),
        "date": _date("date", date),
        "origin": _text("origin", origin, limit=MAX_ORIGIN_LENGTH),
    }


def check_resolution(outcome: str, date: dt.date, source: str | None) -> dict[str, Any]:
    """The column values that resolve a question."""
    if outcome not in OUTCOMES:
        raise LedgerInputError(f"outcome must be one of {sorted(OUTCOMES)}, got {outcome!r}")
    return {
        "outcome": outcome,
        "resolved_on": _date("date", date),
        "resolution_source": _optional_text("source", source),
    }
