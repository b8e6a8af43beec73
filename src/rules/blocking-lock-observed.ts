import { defineRule } from './define.js';

export default defineRule({
  id: 'blocking-lock-observed',
  severity: 'warning',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'Reports a statement of a revision\'s upgrade that took an ACCESS EXCLUSIVE, EXCLUSIVE, SHARE ROW EXCLUSIVE or SHARE lock on a table that existed before the revision, as observed on the throwaway PostgreSQL (`pg_locks` of the migration\'s connection after the statement). The message names the lock, what it blocks, the table, how long the transaction held it in the trace and which later statements ran while it was held. It sees what reading the migration cannot: SQL run through `op.get_bind().execute(...)` or helper functions, SQL built at run time. When a static rule already reports the same statement, that finding is marked as confirmed by the trace instead of a second report.',
    whyIsThisBad:
      'ACCESS EXCLUSIVE blocks every read and write of the table; SHARE and SHARE ROW EXCLUSIVE block every write. A lock is held until its transaction ends, so a quick `ALTER TABLE` followed in the same transaction by a backfill or an index build keeps the table blocked for as long as those take on production data, and every query queued behind it waits too.',
    example: `"""index orders by customer

Revision ID: 0009
Revises: 0008
"""
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def add_index(name, table, column):
    op.get_bind().exec_driver_sql(f"CREATE INDEX {name} ON {table} ({column})")


def upgrade():
    add_index("ix_orders_customer_id", "orders", "customer_id")


def downgrade():
    op.drop_index("ix_orders_customer_id", table_name="orders")
`,
    exampleSql: 'CREATE INDEX ix_orders_customer_id ON orders (customer_id);\n-- SHARE lock on orders: blocks every write until the index is built',
    useInstead: `"""index orders by customer

Revision ID: 0009
Revises: 0008
"""
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_customer_id", "orders", ["customer_id"], postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index("ix_orders_customer_id", table_name="orders", postgresql_concurrently=True)
`,
    options:
      'Runs with `alembic-guard check` (not with `--static`, not with `--no-trace`). Statements in an autocommit block hold their locks only while they run, so the trace shows no lock for them. `alembic-guard trace` prints the whole trace of the revisions you name.',
    references: ['https://www.postgresql.org/docs/current/explicit-locking.html'],
  },
});
