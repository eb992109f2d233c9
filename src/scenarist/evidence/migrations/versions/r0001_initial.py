"""The first schema: evidence, forecast questions and forecasts.

Revision ID: 0001
Revises:
Create Date: 2025-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.String(200)


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", ID, nullable=False),
        sa.Column("signpost_id", ID, nullable=False),
        sa.Column("observed", sa.Boolean, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("reliability", sa.Double, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("retracted", sa.Boolean, nullable=False),
        sa.Column("retracted_at", sa.DateTime),
        sa.Column("retraction_reason", sa.Text),
        sa.CheckConstraint("reliability >= 0 AND reliability <= 1", name="ck_evidence_reliability"),
    )
    op.create_index("ix_evidence_model_date", "evidence", ["model_id", "date", "id"])
    op.create_index("ix_evidence_date", "evidence", ["date", "id"])
    op.create_table(
        "questions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("criteria", sa.Text, nullable=False),
        sa.Column("close_date", sa.Date, nullable=False),
        sa.Column("model_id", ID),
        sa.Column("event_kind", sa.String(16), nullable=False),
        sa.Column("event_ref", ID),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("resolved_on", sa.Date),
        sa.Column("resolution_source", sa.Text),
        sa.Column("resolved_at", sa.DateTime),
        sa.CheckConstraint("event_kind IN ('variant', 'scenario', 'manual')", name="ck_questions_event_kind"),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('yes', 'no', 'annulled')", name="ck_questions_outcome"),
    )
    op.create_index("ix_questions_model", "questions", ["model_id", "close_date", "id"])
    op.create_table(
        "forecasts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "question_id",
            ID,
            sa.ForeignKey("questions.id", name="fk_forecasts_question", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("probability", sa.Double, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("origin", sa.String(50), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("probability >= 0 AND probability <= 1", name="ck_forecasts_probability"),
    )
    op.create_index("ix_forecasts_question_date", "forecasts", ["question_id", "date", "id"])


def downgrade() -> None:
    op.drop_table("forecasts")
    op.drop_table("questions")
    op.drop_table("evidence")
