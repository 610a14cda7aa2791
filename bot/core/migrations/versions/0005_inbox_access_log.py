"""The report inbox's access log: every view, export and change by site staff, with who.

Revision 0005, after 0004.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_access_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("sub", sa.String, nullable=False),
        sa.Column("who", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("report_id", sa.Integer),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_inbox_access_log_at", "inbox_access_log", ["at"])
    op.create_index("ix_inbox_access_log_report_id", "inbox_access_log", ["report_id"])


def downgrade() -> None:
    op.drop_table("inbox_access_log")
