"""The ledger's branch of the exception tree."""

from __future__ import annotations

from scenarist.errors import ScenaristError

__all__ = ["LedgerError"]


class LedgerError(ScenaristError):
    """The evidence ledger cannot do what was asked: bad input, unknown id, or a database failure.

    Database and driver errors are translated into this class where they arise; the original
    exception stays available as ``__cause__``.
    """
