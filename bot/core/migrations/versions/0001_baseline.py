"""Baseline: the tables bot.app.create_schema made before Alembic (reports, alert outbox,
erasure requests, quiz attempts and answers).

A database made before Alembic has these tables and no version: each table is created only
when it is missing, so upgrading such a database keeps its rows and adopts it at 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables() -> list[tuple[str, list[sa.schema.SchemaItem], dict[str, object], list[str]]]:
    """Each table: its name, columns and constraints, options, and indexed columns."""
    return [
        (
            "patient_reports",
            [
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("sender_id", sa.String, nullable=False),
                sa.Column("channel", sa.String),
                sa.Column("created_at", sa.DateTime, nullable=False),
                sa.Column("text", sa.Text, nullable=False),
                sa.Column("symptoms", sa.JSON, nullable=False),
                sa.Column("temperature_c", sa.Float),
                sa.Column("days_since_infusion", sa.Integer),
                sa.Column("severity", sa.String),
                sa.Column("disposition", sa.String, nullable=False),
                sa.Column("rule", sa.String, nullable=False),
                sa.Column("site_id", sa.String, nullable=False),
                sa.Column("dedupe_key", sa.String, nullable=False),
                sa.UniqueConstraint("dedupe_key"),
            ],
            {"sqlite_autoincrement": True},
            ["sender_id", "created_at", "disposition"],
        ),
        (
            "erasure_requests",
            [
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("sender_id", sa.String, nullable=False),
                sa.Column("requested_at", sa.DateTime, nullable=False),
                sa.Column("done_at", sa.DateTime),
                sa.Column("reports_deleted", sa.Integer, nullable=False),
                sa.Column("events_deleted", sa.Integer),
            ],
            {},
            ["sender_id", "requested_at", "done_at"],
        ),
        (
            "quiz_attempts",
            [
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("user_id", sa.String, nullable=False),
                sa.Column("display_name", sa.String),
                sa.Column("channel", sa.String),
                sa.Column("topic", sa.String),
                sa.Column("question_ids", sa.JSON, nullable=False),
                sa.Column("position", sa.Integer, nullable=False),
                sa.Column("status", sa.String, nullable=False),
                sa.Column("started_at", sa.DateTime, nullable=False),
                sa.Column("finished_at", sa.DateTime),
                sa.Column("score", sa.Float),
                sa.Column("passed", sa.Boolean),
            ],
            {},
            ["user_id"],
        ),
        (
            "alert_outbox",
            [
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("report_id", sa.Integer, sa.ForeignKey("patient_reports.id"), nullable=False),
                sa.Column("created_at", sa.DateTime, nullable=False),
                sa.Column("payload", sa.JSON, nullable=False),
                sa.Column("attempts", sa.Integer, nullable=False),
                sa.Column("last_error", sa.Text),
                sa.Column("last_attempt_at", sa.DateTime),
                sa.Column("next_attempt_at", sa.DateTime, nullable=False),
                sa.Column("delivered_at", sa.DateTime),
            ],
            {"sqlite_autoincrement": True},
            ["next_attempt_at", "report_id", "delivered_at"],
        ),
        (
            "quiz_answers",
            [
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("attempt_id", sa.Integer, sa.ForeignKey("quiz_attempts.id"), nullable=False),
                sa.Column("question_id", sa.String, nullable=False),
                sa.Column("given", sa.String),
                sa.Column("correct", sa.Boolean, nullable=False),
                sa.Column("skipped", sa.Boolean, nullable=False),
                sa.Column("answered_at", sa.DateTime, nullable=False),
            ],
            {},
            ["attempt_id"],
        ),
    ]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, items, options, indexed in _tables():
        if name in existing:
            continue
        op.create_table(name, *items, **options)
        for column in indexed:
            op.create_index(f"ix_{name}_{column}", name, [column])


def downgrade() -> None:
    for name, _items, _options, _indexed in reversed(_tables()):
        op.drop_table(name)
