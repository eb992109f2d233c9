"""The evidence ledger: dated signpost observations, forecast questions, forecasts and resolutions.

The only part of Scenarist that speaks SQL. It stores plain values (model, signpost and
question ids are checked by the caller) in a SQLite file by default or in PostgreSQL by URL,
and creates or migrates its schema when opened::

    with open_ledger("ledger.sqlite") as ledger:
        ledger.add_evidence("us-russia-2025", "summit-held", True, date(2025, 6, 1), "Reuters")

The names below are imported on first use: reading a record type does not load SQLAlchemy.
"""

from typing import TYPE_CHECKING

from scenarist._lazy import lazy_exports

if TYPE_CHECKING:
    from scenarist.evidence.errors import LedgerError
    from scenarist.evidence.ledger import Ledger, open_ledger
    from scenarist.evidence.news_store import NewsStore
    from scenarist.evidence.records import EventKind, Evidence, EvidenceInput, Forecast, Outcome, Question

_EXPORTS = {
    "LedgerError": "scenarist.evidence.errors",
    "Ledger": "scenarist.evidence.ledger",
    "open_ledger": "scenarist.evidence.ledger",
    "NewsStore": "scenarist.evidence.news_store",
    "EventKind": "scenarist.evidence.records",
    "Evidence": "scenarist.evidence.records",
    "EvidenceInput": "scenarist.evidence.records",
    "Forecast": "scenarist.evidence.records",
    "Outcome": "scenarist.evidence.records",
    "Question": "scenarist.evidence.records",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "EventKind",
    "Evidence",
    "EvidenceInput",
    "Forecast",
    "Ledger",
    "LedgerError",
    "NewsStore",
    "Outcome",
    "Question",
    "open_ledger",
]
