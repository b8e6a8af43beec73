import { defineRule } from './define.js';

export default defineRule({
  id: 'downgrade-failed',
  severity: 'error',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'Reports a revision whose `downgrade()` fails right after its `upgrade()`: alembic-guard applies the revisions one at a time on a throwaway PostgreSQL and, for each one, runs its downgrade in its own transaction. The finding names the revision, the line that raised, the database\'s message and the failing SQL statement. Revisions at or below one whose `downgrade()` raises `NotImplementedError`, at or below `downgrade_floor`, or listed in `skip_revisions` are not downgrade-tested.',
    whyIsThisBad:
      'The downgrade is the rollback plan. When a deploy goes wrong, `alembic downgrade -1` is what the on-call engineer runs, under pressure; a downgrade that has never been executed usually fails then: it drops objects in the wrong order, names a constraint differently from the one the upgrade created, or forgets that a column it re-adds as NOT NULL already has rows.',
    example: `"""add orders.customer_id

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("orders", sa.Column("customer_id", sa.BigInteger()))
    op.create_foreign_key("orders_customer_fk", "orders", "customers", ["customer_id"], ["id"])


def downgrade():
    # wrong name: the upgrade created orders_customer_fk
    op.drop_constraint("fk_orders_customer", "orders", type_="foreignkey")
    op.drop_column("orders", "customer_id")
`,
    exampleSql: 'ALTER TABLE orders DROP CONSTRAINT fk_orders_customer;\n-- ERROR:  constraint "fk_orders_customer" of relation "orders" does not exist',
    useInstead: `"""add orders.customer_id

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("orders", sa.Column("customer_id", sa.BigInteger()))
    op.create_foreign_key("orders_customer_fk", "orders", "customers", ["customer_id"], ["id"])


def downgrade():
    op.drop_constraint("orders_customer_fk", "orders", type_="foreignkey")
    op.drop_column("orders", "customer_id")
`,
    options: [
      'In `pyproject.toml`:',
      '',
      '```toml',
      '[tool.alembic-guard]',
      'downgrade_floor = "0042"      # revisions at or before it are not downgrade-tested',
      'skip_revisions = ["0007"]     # not downgrade-tested (and not linted)',
      '',
      '[tool.alembic-guard.rules]',
      'downgrade-failed = "warning"  # error | warning | info | off',
      '```',
      '',
      'A revision that cannot be reversed should say so: `raise NotImplementedError(...)` in `downgrade()` (see irreversible-downgrade).',
    ].join('\n'),
    references: ['https://alembic.sqlalchemy.org/en/latest/api/commands.html#alembic.command.downgrade'],
  },
});
