"""Participants (study ID and site) and their personal web chat links.

Revision 0002, after 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("study_id", sa.String, nullable=False),
        sa.Column("site_id", sa.String, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("study_id"),
    )
    op.create_index("ix_participants_site_id", "participants", ["site_id"])
    op.create_table(
        "personal_links",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
    )
    op.create_index("ix_personal_links_participant_id", "personal_links", ["participant_id"])


def downgrade() -> None:
    op.drop_table("personal_links")
    op.drop_table("participants")
