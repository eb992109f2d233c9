"""The ledger's tables as SQLAlchemy Core metadata: what the queries are written against.

The database itself is created and changed only by the migrations in ``migrations/versions``;
this module must describe the schema those migrations produce at head.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from scenarist.evidence.records import MAX_ID_LENGTH, MAX_ORIGIN_LENGTH

__all__ = ["UTCDateTime", "evidence", "forecasts", "metadata", "questions", "VERSION_TABLE"]

VERSION_TABLE = "scenarist_ledger_version"
"""Where the migration tool records the schema revision (not the generic name, to share a database safely)."""


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A moment stored as naive UTC on every backend and read back as an aware UTC datetime."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


metadata = sa.MetaData()

evidence = sa.Table(
    "evidence",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("model_id", sa.String(MAX_ID_LENGTH), nullable=False),
    sa.Column("signpost_id", sa.String(MAX_ID_LENGTH), nullable=False),
    sa.Column("observed", sa.Boolean, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("reliability", sa.Double, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("retracted", sa.Boolean, nullable=False),
    sa.Column("retracted_at", UTCDateTime),
    sa.Column("retraction_reason", sa.Text),
    sa.CheckConstraint("reliability >= 0 AND reliability <= 1", name="ck_evidence_reliability"),
    sa.Index("ix_evidence_model_date", "model_id", "date", "id"),
    sa.Index("ix_evidence_date", "date", "id"),
)

questions = sa.Table(
    "questions",
    metadata,
    sa.Column("id", sa.String(MAX_ID_LENGTH), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("criteria", sa.Text, nullable=False),
    sa.Column("close_date", sa.Date, nullable=False),
    sa.Column("model_id", sa.String(MAX_ID_LENGTH)),
    sa.Column("event_kind", sa.String(16), nullable=False),
    sa.Column("event_ref", sa.String(MAX_ID_LENGTH)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("outcome", sa.String(16)),
    sa.Column("resolved_on", sa.Date),
    sa.Column("resolution_source", sa.Text),
    sa.Column("resolved_at", UTCDateTime),
    sa.CheckConstraint("event_kind IN ('variant', 'scenario', 'manual')", name="ck_questions_event_kind"),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('yes', 'no', 'annulled')", name="ck_questions_outcome"),
    sa.Index("ix_questions_model", "model_id", "close_date", "id"),
)

forecasts = sa.Table(
    "forecasts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "question_id",
        sa.String(MAX_ID_LENGTH),
        sa.ForeignKey("questions.id", name="fk_forecasts_question", ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column("probability", sa.Double, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("origin", sa.String(MAX_ORIGIN_LENGTH), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revision", sa.String(64)),
    sa.CheckConstraint("probability >= 0 AND probability <= 1", name="ck_forecasts_probability"),
    sa.Index("ix_forecasts_question_date", "question_id", "date", "id"),
)
