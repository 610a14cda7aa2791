"""Reports name their participant (study ID; none: unidentified) and keep the contact an
unidentified patient gave (study ID or call-back number, free text).

Revision 0003, after 0002. Existing reports become unidentified: nothing else is changed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("patient_reports", sa.Column("study_id", sa.String))
    op.add_column("patient_reports", sa.Column("contact", sa.Text))
    op.create_index("ix_patient_reports_study_id", "patient_reports", ["study_id"])


def downgrade() -> None:
    op.drop_index("ix_patient_reports_study_id", "patient_reports")
    with op.batch_alter_table("patient_reports") as table:
        table.drop_column("contact")
        table.drop_column("study_id")
