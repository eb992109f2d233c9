"""The one set of rules for evidence typed by a person: the web API, the web form and CSV rows all use it."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from scenarist.evidence.errors import LedgerInputError
from scenarist.evidence.records import EvidenceInput

__all__ = ["EvidenceFields", "fields_error", "parse_iso_date", "parse_yes_no"]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PRINTABLE: dict[str, Any] = {"pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"}
"""The rule against control characters, as published in the API's schema."""
_NOT_BLANK = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_HTTP_URL = r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[^\s\x00-\x1f\x7f]+\s*$"
MAX_SOURCE = 500
MAX_NOTE = 2000
MAX_URL = 2000


def parse_iso_date(value: Any) -> dt.date:
    """A calendar date written exactly YYYY-MM-DD (not 20250101, not 2025-W01-1)."""
    if isinstance(value, dt.datetime):
        raise ValueError("a date without a time is expected (YYYY-MM-DD)")
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not _ISO_DATE.match(text):
        raise ValueError(f"{text!r} is not a date; expected YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date; expected YYYY-MM-DD") from None


def parse_yes_no(value: Any) -> bool:
    """yes/no (also true/false, 1/0), case-insensitive."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true", "1"):
        return True
    if text in ("no", "false", "0"):
        return False
    raise ValueError(f"{value!r} is not yes or no")


IsoDate = Annotated[dt.date, BeforeValidator(parse_iso_date)]
YesNo = Annotated[bool, BeforeValidator(parse_yes_no)]


class EvidenceFields(BaseModel):
    """One report about a signpost, as a person enters it (the model id comes separately)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    signpost: str = Field(
        min_length=1, max_length=64, description="Id of one of the model's signposts.", json_schema_extra=_PRINTABLE
    )
    observed: YesNo = Field(description="yes: seen; no: seen not to happen (see 'explicit').")
    date: IsoDate = Field(
        description="Date of the observation (YYYY-MM-DD), inside the model's window and the signpost's.",
        json_schema_extra={"pattern": _ISO_DATE.pattern},
    )
    source: str = Field(
        min_length=1,
        max_length=MAX_SOURCE,
        description="Title of the source (not blank; no control characters).",
        json_schema_extra={"pattern": _NOT_BLANK},
    )
    url: str | None = Field(
        default=None,
        max_length=MAX_URL,
        description="http(s) address of the source.",
        json_schema_extra={"pattern": _HTTP_URL},
    )
    reliability: float = Field(default=1.0, ge=0.0, le=1.0, description="Trust in the source, 0..1.")
    note: str | None = Field(default=None, max_length=MAX_NOTE, json_schema_extra=_PRINTABLE)
    explicit: YesNo = Field(
        default=False,
        description="With observed=no before the signpost's window closes: the source states that the event "
        "will not happen (otherwise 'not yet observed' is not evidence).",
    )

    @field_validator("signpost", "source", "url", "note")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError("control characters are not allowed")
        return value

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s]+$", value, re.IGNORECASE):
            raise ValueError("only http(s) addresses are accepted")
        return value

    @field_validator("reliability")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("reliability must be a finite number")
        return value

    def to_input(self, model_id: str) -> EvidenceInput:
        """The ledger's input record for ``model_id``."""
        return EvidenceInput(
            model_id, self.signpost, self.observed, self.date, self.source, self.url, self.reliability, self.note
        )


def fields_error(exc: ValidationError, where: str = "") -> LedgerInputError:
    """The first problem of a validation error as one line naming the field."""
    first = exc.errors(include_url=False)[0]
    field = ".".join(str(p) for p in first["loc"]) or "row"
    message = str(first["msg"]).removeprefix("Value error, ")
    return LedgerInputError(f"{where}{field}: {message}")
