import { defineRule } from './define.js';

export default defineRule({
  id: 'downgrade-leaves-trace',
  severity: 'error',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'Reports a revision whose `downgrade()` runs without error but does not put the schema back the way it was: for each revision, alembic-guard snapshots the schema (tables, columns, constraints, indexes, enum and other types, sequences, views, functions, triggers, extensions, comments), runs the upgrade and the downgrade, snapshots again and names every difference, e.g. "Enum type order_status still exists after downgrading 0004".',
    whyIsThisBad:
      'What a downgrade leaves behind breaks the next upgrade (`CREATE TYPE order_status` fails because the type still exists), or lingers silently: an index that slows every write, a trigger that still fires, a sequence nobody owns. The classic case is `sa.Enum` on PostgreSQL: `op.create_table` creates the type, but `op.drop_table` does not drop it.',
    example: `"""create orders

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("status", sa.Enum("new", "paid", "shipped", name="order_status")),
    )


def downgrade():
    op.drop_table("orders")  # the order_status type stays behind
`,
    useInstead: `"""create orders

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("status", sa.Enum("new", "paid", "shipped", name="order_status")),
    )


def downgrade():
    op.drop_table("orders")
    sa.Enum(name="order_status").drop(op.get_bind(), checkfirst=False)
`,
    useInsteadSql: 'DROP TABLE orders;\nDROP TYPE order_status;',
    options:
      'The `alembic_version` table (and a custom `version_table`) is not compared. `downgrade_floor`, `skip_revisions` and explicitly irreversible revisions are not downgrade-tested (see downgrade-failed). Set the severity with `[tool.alembic-guard.rules] downgrade-leaves-trace = "warning"`.',
    references: ['https://alembic.sqlalchemy.org/en/latest/autogenerate.html#what-does-autogenerate-detect-and-what-does-it-not-detect'],
  },
});
