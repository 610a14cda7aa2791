"""What the site team did with an alert: acknowledgements, escalation steps, notes, outcomes,
and when the patient was told their team had been told.

Revision 0004, after 0003. Alerts raised before it never escalate (`escalates` false: nobody
could acknowledge them) and are never announced to their patient (`patient_told_at` set).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alert_outbox", sa.Column("patient_told_at", sa.DateTime))
    op.execute("UPDATE alert_outbox SET patient_told_at = delivered_at WHERE delivered_at IS NOT NULL")
    op.add_column(
        "alert_outbox", sa.Column("escalates", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.create_table(
        "alert_acknowledgements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("patient_reports.id"), nullable=False),
        sa.Column("by", sa.String, nullable=False),
        sa.Column("via", sa.String, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_alert_acknowledgements_report_id", "alert_acknowledgements", ["report_id"])
    op.create_table(
        "alert_escalations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("patient_reports.id"), nullable=False),
        sa.Column("level", sa.String, nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("delivered_at", sa.DateTime),
        sa.UniqueConstraint("report_id", "level"),
    )
    op.create_index("ix_alert_escalations_report_id", "alert_escalations", ["report_id"])
    op.create_table(
        "report_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("patient_reports.id"), nullable=False),
        sa.Column("by", sa.String, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_report_notes_report_id", "report_notes", ["report_id"])
    op.create_table(
        "report_outcomes",
        sa.Column("report_id", sa.Integer, sa.ForeignKey("patient_reports.id"), primary_key=True),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("by", sa.String, nullable=False),
        sa.Column("via", sa.String, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_outcomes")
    op.drop_table("report_notes")
    op.drop_table("alert_escalations")
    op.drop_table("alert_acknowledgements")
    with op.batch_alter_table("alert_outbox") as table:
        table.drop_column("escalates")
        table.drop_column("patient_told_at")
