"""News tracking: feeds, items, proposed evidence and the decisions taken on it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.String(200)


def upgrade() -> None:
    op.create_table(
        "news_feeds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("reliability", sa.Double, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("polled_at", sa.DateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("reliability >= 0 AND reliability <= 1", name="ck_news_feeds_reliability"),
    )
    op.create_index("ux_news_feeds_url", "news_feeds", ["url"], unique=True)
    op.create_table(
        "news_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "feed_id", sa.Integer, sa.ForeignKey("news_feeds.id", name="fk_news_items_feed", ondelete="SET NULL")
        ),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("guid", sa.Text),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("published", sa.Date),
        sa.Column("reliability", sa.Double, nullable=False),
        sa.Column("text_key", sa.String(64), nullable=False),
        sa.Column("fetched_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("reliability >= 0 AND reliability <= 1", name="ck_news_items_reliability"),
    )
    op.create_index("ux_news_items_text_key", "news_items", ["text_key"], unique=True)
    op.create_index("ux_news_items_url", "news_items", ["url"], unique=True)
    op.create_index("ux_news_items_guid", "news_items", ["guid"], unique=True)
    op.create_table(
        "news_proposals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "item_id",
            sa.Integer,
            sa.ForeignKey("news_items.id", name="fk_news_proposals_item", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("model_id", ID, nullable=False),
        sa.Column("signpost_id", ID, nullable=False),
        sa.Column("score", sa.Double, nullable=False),
        sa.Column("passage", sa.Text, nullable=False),
        sa.Column("method", sa.String(50), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("status IN ('open', 'accepted', 'rejected', 'deferred')", name="ck_news_proposals_status"),
    )
    op.create_index("ux_news_proposals_item", "news_proposals", ["item_id", "model_id", "signpost_id"], unique=True)
    op.create_index("ix_news_proposals_model", "news_proposals", ["model_id", "status", "id"])
    op.create_table(
        "news_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "proposal_id",
            sa.Integer,
            sa.ForeignKey("news_proposals.id", name="fk_news_decisions_proposal", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column(
            "evidence_id",
            sa.Integer,
            sa.ForeignKey("evidence.id", name="fk_news_decisions_evidence", ondelete="RESTRICT"),
        ),
        sa.Column("note", sa.Text),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("decision IN ('accepted', 'rejected', 'deferred')", name="ck_news_decisions_decision"),
    )
    op.create_index("ix_news_decisions_proposal", "news_decisions", ["proposal_id", "id"])


def downgrade() -> None:
    op.drop_table("news_decisions")
    op.drop_table("news_proposals")
    op.drop_table("news_items")
    op.drop_table("news_feeds")
