"""The ledger's branch of the exception tree: one base, and one subclass per kind of failure."""

from __future__ import annotations

from scenarist.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    ReadOnlyError,
    ScenaristError,
    UnavailableError,
)

__all__ = ["LedgerConflict", "LedgerError", "LedgerInputError", "LedgerNotFound", "LedgerReadOnly", "LedgerUnavailable"]


class LedgerError(ScenaristError):
    """The evidence ledger cannot do what was asked. Catch this for any ledger failure; the
    subclasses say which kind it is (bad input, unknown id, conflict, database failure).

    Database and driver errors are translated into :class:`LedgerUnavailable` where they arise;
    the original exception stays available as ``__cause__``.
    """


class LedgerInputError(LedgerError, InputError):
    """A value the ledger refuses (out of range, too long, malformed)."""


class LedgerNotFound(LedgerError, NotFoundError):
    """No evidence or question with that id."""


class LedgerConflict(LedgerError, ConflictError):
    """Clashes with the stored state: a duplicate id, a second retraction or resolution."""


class LedgerUnavailable(LedgerError, UnavailableError):
    """The database failed or is closed."""


class LedgerReadOnly(LedgerUnavailable, ReadOnlyError):
    """A write to a ledger that can only be read (read-only file, folder or file system, or ``mode=ro``)."""
