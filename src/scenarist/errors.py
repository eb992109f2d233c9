"""The one exception tree of Scenarist.

Every error the package raises on purpose derives from :class:`ScenaristError`, in four kinds
that the command line and the web app map the same way::

    ScenaristError
    ├── InputError            what was asked is not valid     CLI exit 2, HTTP 422
    │   ├── ModelError        (a model file; file, line, column, field)
    │   │   └── ModelErrors   (all the problems of one file)
    │   └── EngineError       (an analysis cannot run as asked: bad scenario, option, size)
    ├── NotFoundError         an id that does not exist        CLI exit 2, HTTP 404
    ├── ConflictError         clashes with what is stored      CLI exit 1, HTTP 409
    ├── UnavailableError      a database or service failed     CLI exit 1, HTTP 503
    │   └── ReadOnlyError     (writes to a read-only ledger; the message says so)
    └── MissingExtraError     an optional package is missing   CLI exit 1, HTTP 503

The ledger's errors (``scenarist.evidence.LedgerError``) derive from one of these kinds as well.
Errors about a model file carry where the problem is (file, line, column and the
field path inside the document) so that a user can go straight to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ScenaristError",
    "InputError",
    "NotFoundError",
    "ConflictError",
    "UnavailableError",
    "ReadOnlyError",
    "ModelError",
    "ModelErrors",
    "Location",
    "EngineError",
    "LimitError",
    "MissingExtraError",
    "StoppedError",
]


class ScenaristError(Exception):
    """Root of every error Scenarist raises deliberately."""


class InputError(ScenaristError):
    """What was asked is not valid: a model file, an option, a CSV row, a form field."""


class NotFoundError(ScenaristError):
    """An id (evidence, question, model, signpost) that does not exist."""


class ConflictError(ScenaristError):
    """The request clashes with what is stored (a duplicate, a second resolution)."""


class UnavailableError(ScenaristError):
    """A database or another service needed for the request failed."""


class ReadOnlyError(UnavailableError):
    """A write to a store that can only be read (a read-only ledger); reading it still works."""


@dataclass(frozen=True)
class Location:
    """Where in a file a problem sits. Lines and columns are 1-based; 0 means unknown."""

    file: str = "<model>"
    line: int = 0
    column: int = 0
    path: tuple[str | int, ...] = ()

    @property
    def field(self) -> str:
        """The field path in dotted form, list positions in brackets: ``judgments[3].impact``."""
        out = ""
        for part in self.path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += ("." if out else "") + str(part)
        return out or "<document>"

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.field}"


class ModelError(InputError):
    """One problem in a model file, with its location and what was expected."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.message = message
        self.location = location or Location()
        super().__init__(f"{self.location}: {message}")


class ModelErrors(ModelError):
    """All the problems found in one file, reported together."""

    def __init__(self, errors: Sequence[ModelError]) -> None:
        if not errors:
            raise ValueError("ModelErrors needs at least one error")
        self.errors = tuple(errors)
        first = self.errors[0]
        self.message = first.message
        self.location = first.location
        ScenaristError.__init__(self, "\n".join(str(e) for e in self.errors))

    def __len__(self) -> int:
        return len(self.errors)


class EngineError(InputError):
    """An analysis cannot be carried out as asked (bad scenario, bad option, too large)."""


class LimitError(EngineError):
    """An input or option beyond one of the limits in :mod:`scenarist.limits`; the message names it."""


class StoppedError(ScenaristError):
    """Long work stopped before it finished (time limit reached or interrupted); nothing was written."""


class MissingExtraError(UnavailableError):
    """An optional dependency is not installed; the message names the install command."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(f"this feature needs the optional package {package!r}: pip install 'scenarist[{extra}]'")
