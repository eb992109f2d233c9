"""The evidence ledger: dated signpost observations, forecast questions, forecasts and resolutions.

The only part of Scenarist that speaks SQL. It stores plain values (model, signpost and
question ids are checked by the caller) in a SQLite file by default or in PostgreSQL by URL,
and creates or migrates its schema when opened::

    with open_ledger("ledger.sqlite") as ledger:
        ledger.add_evidence("us-russia-2025", "summit-held", True, date(2025, 6, 1), "Reuters")
"""

from scenarist.evidence.errors import LedgerError
from scenarist.evidence.ledger import Ledger, open_ledger
from scenarist.evidence.news_store import NewsStore
from scenarist.evidence.records import EventKind, Evidence, EvidenceInput, Forecast, Outcome, Question

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
