import { defineRule } from './define.js';

export default defineRule({
  id: 'round-trip-failed',
  severity: 'error',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'Reports a failure of the full round trip as the commands run it: `alembic upgrade heads`, `alembic downgrade base` (or down to `downgrade_floor` / the newest irreversible revision), `alembic upgrade heads` again, each one command through your env.py. It reports a command that fails, and a schema after the round trip that differs from the schema after the first upgrade. Failures the per-revision checks already reported for the same revision are not repeated.',
    whyIsThisBad:
      'Per-revision checks run each revision in its own transaction. The real commands run many revisions in one transaction (unless env.py sets `transaction_per_migration=True`), and some migrations only break there: a new enum value used in the same transaction that adds it, a lock order that deadlocks with a later step, an autocommit block that commits half a downgrade. A schema that differs after the round trip means a rollback and redeploy does not give the database you tested.',
    example: `"""add a status value and use it

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")
    op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")


def downgrade():
    pass
`,
    exampleSql: 'ALTER TYPE order_status ADD VALUE \'refunded\';\nUPDATE orders SET status = \'refunded\' WHERE refunded_at IS NOT NULL;\n-- ERROR:  unsafe use of new value "refunded" of enum type order_status',
    useInstead: `"""add a status value and use it

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")
    op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")


def downgrade():
    pass
`,
    references: ['https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.environment.EnvironmentContext.configure.params.transaction_per_migration'],
  },
});
