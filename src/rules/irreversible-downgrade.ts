import { defineRule } from './define.js';

export default defineRule({
  id: 'irreversible-downgrade',
  severity: 'info',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'Notes a revision whose `downgrade()` raises `NotImplementedError` when it runs (inside a condition, or in a helper it calls), the author\'s mark that it cannot be reversed. A `downgrade()` whose body is just `raise NotImplementedError` is already reported by empty-downgrade (as info) and needs no run to see. Either way the database checks do not downgrade-test the revision or any revision below it (a downgrade could never reach them), and the round trip turns back above it. Info only: being explicit is the right thing to do.',
    whyIsThisBad:
      'Nothing is wrong with an explicit mark; the note says where rollbacks end, so that nobody plans a rollback past it. A downgrade that only pretends to work (`pass`, or dropping a column that held data nobody can restore) is worse: it succeeds and loses data.',
    example: `"""drop the legacy orders table

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("legacy_orders")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        raise NotImplementedError("legacy_orders and its rows cannot be restored")
`,
    useInstead: `"""drop the legacy orders table (keep a copy)

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.rename_table("legacy_orders", "legacy_orders_archive")


def downgrade():
    op.rename_table("legacy_orders_archive", "legacy_orders")
`,
    options:
      'Set `[tool.alembic-guard] downgrade_floor = "<revision>"` instead when many old revisions have no working downgrade. Turn the note off with `[tool.alembic-guard.rules] irreversible-downgrade = "off"`.',
  },
});
