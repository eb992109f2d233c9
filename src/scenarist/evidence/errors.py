"""The ledger's branch of the exception tree."""

from __future__ import annotations

from scenarist.errors import ScenaristError

__all__ = ["LedgerError", "LedgerInputError"]


class LedgerError(ScenaristError):
    """The evidence ledger cannot do what was asked: bad input, unknown id, or a database failure.

    Database and driver errors are translated into this class where they arise; the original
    exception stays available as ``__cause__``.
    """


class LedgerInputError(LedgerError):
    """A value the ledger refuses to store (a bad field of evidence, a question or a forecast).

    The same rules hold for every entry point (command line, CSV import, web API, forms), so
    the web app answers 422 for it, not 503.
    """
