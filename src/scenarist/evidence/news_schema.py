"""The news-tracking tables (feeds, items, proposals, decisions) as SQLAlchemy Core metadata.

Created by migration 0002; this module describes what that migration produces.
"""

from __future__ import annotations

import sqlalchemy as sa

from scenarist.evidence.records import MAX_ID_LENGTH
from scenarist.evidence.schema import UTCDateTime

__all__ = ["DECISIONS", "STATUSES", "news_decisions", "news_feeds", "news_items", "news_metadata", "news_proposals"]

STATUSES = ("open", "accepted", "rejected", "deferred")
DECISIONS = ("accepted", "rejected", "deferred")

news_metadata = sa.MetaData()

news_feeds = sa.Table(
    "news_feeds",
    news_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("url", sa.Text, nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("reliability", sa.Double, nullable=False),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("polled_at", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

news_items = sa.Table(
    "news_items",
    news_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("feed_id", sa.Integer),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("guid", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("published", sa.Date),
    sa.Column("reliability", sa.Double, nullable=False),
    sa.Column("text_key", sa.String(64), nullable=False),
    sa.Column("fetched_at", UTCDateTime, nullable=False),
)

news_proposals = sa.Table(
    "news_proposals",
    news_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("model_id", sa.String(MAX_ID_LENGTH), nullable=False),
    sa.Column("signpost_id", sa.String(MAX_ID_LENGTH), nullable=False),
    sa.Column("score", sa.Double, nullable=False),
    sa.Column("passage", sa.Text, nullable=False),
    sa.Column("method", sa.String(50), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

news_decisions = sa.Table(
    "news_decisions",
    news_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("proposal_id", sa.Integer, nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("evidence_id", sa.Integer),
    sa.Column("note", sa.Text),
    sa.Column("decided_at", UTCDateTime, nullable=False),
)
