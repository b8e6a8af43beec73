import rule from '../../src/rules/enum-value-in-transaction.js';
import { ruleTester } from '../helpers/rule-tester.js';
import { contextCases } from './context-cases.js';

ruleTester(rule, {
  valid: [
    // The safe pattern: ADD VALUE in an autocommit block, used after it.
    `with op.get_context().autocommit_block():
    op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")
op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")`,
    // On 12+, adding without using it in the same transaction works.
    `op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")`,
    `op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")
op.add_column("orders", sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True))`,
    // Naming the new value as the neighbour of another new value is allowed (checked on PostgreSQL 18).
    `op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")
op.execute("ALTER TYPE order_status ADD VALUE 'chargeback' AFTER 'refunded'")`,
    // A type created in the same transaction may get values and use them at once, on any version.
    { code: `op.execute("CREATE TYPE mood AS ENUM ('sad', 'ok')")
op.execute("ALTER TYPE mood ADD VALUE 'happy'")
op.execute("SELECT 'happy'::mood")`, postgresVersion: 11 },
    {
      code: `op.create_table("people", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("mood", sa.Enum("sad", "ok", name="mood")))
op.execute("ALTER TYPE mood ADD VALUE 'happy'")
op.execute("UPDATE people SET mood = 'happy'")`,
      postgresVersion: 11,
    },
    // The use is in a later transaction: the autocommit block committed the first one.
    `op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")
with op.get_context().autocommit_block():
    op.execute("VACUUM orders")
op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")`,
    // Table and column names equal to the value are names, not uses.
    `op.execute("ALTER TYPE kind ADD VALUE 'archive'")
op.create_table("archive", sa.Column("id", sa.BigInteger(), primary_key=True))`,
    // Before 12, only inside a transaction is it a problem.
    { code: `with op.get_context().autocommit_block():\n    op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")`, postgresVersion: 11 },
    { code: `op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")`, dialect: 'sqlite', postgresVersion: 11 },
  ],
  invalid: [
    {
      name: 'the new value used in the same transaction (UPDATE)',
      code: `op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")
op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")`,
      errors: [{ line: 1, column: 1, message: /ALTER TYPE order_status ADD VALUE 'refunded' runs inside the migration's transaction and the new value is used at line \d+ in the same transaction: PostgreSQL fails with "unsafe use of new value"/, fix: 'autocommit_block' }],
    },
    {
      name: 'used as a server_default',
      code: `op.execute("ALTER TYPE order_status ADD VALUE 'draft'")
op.alter_column("orders", "status", server_default="draft")`,
      errors: [{ line: 1, column: 1 }],
    },
    {
      name: 'used in bulk_insert rows',
      code: `op.execute(sa.text("ALTER TYPE role ADD VALUE IF NOT EXISTS 'auditor'"))
op.bulk_insert(sa.table("roles", sa.column("name")), [{"name": "auditor"}])`,
      errors: [{ line: 1, column: 1 }],
    },
    {
      name: 'both in one op.execute string',
      code: `op.execute("""
    ALTER TYPE order_status ADD VALUE 'refunded';
    UPDATE orders SET status = 'refunded'::order_status WHERE refunded_at IS NOT NULL;
""")`,
      errors: [{ line: 1, column: 1 }],
    },
    {
      name: 'before PostgreSQL 12: ADD VALUE cannot run in a transaction block at all',
      postgresVersion: 11,
      code: `op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")`,
      errors: [{ line: 1, column: 1, message: 'PostgreSQL 11 refuses it ("ALTER TYPE ... ADD cannot run inside a transaction block"' }],
    },
    {
      name: 'before 12, a type created in an earlier transaction of the revision is not exempt',
      postgresVersion: 10,
      code: `op.execute("CREATE TYPE mood AS ENUM ('sad')")
with op.get_context().autocommit_block():
    op.execute("VACUUM people")
op.execute("ALTER TYPE mood ADD VALUE 'ok'")`,
      errors: [{ line: 4, column: 1 }],
    },
    {
      name: 'used in an INSERT',
      code: `op.execute("ALTER TYPE s ADD VALUE 'x'")
op.execute("INSERT INTO t (s) VALUES ('x')")`,
      errors: [{ line: 1, column: 1 }],
    },
  ],
});

const rev = (id: string, down: string | null, body: string) => `"""${id}

Revision ID: ${id}
Revises: ${down ?? ''}
"""
from alembic import op
import sqlalchemy as sa

revision = "${id}"
down_revision = ${down === null ? 'None' : `"${down}"`}


def upgrade():
${body}


def downgrade():
    pass
`;
const ENV_PER_MIGRATION = `from alembic import context

with connectable.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
`;

contextCases(rule, [
  {
    name: 'a later revision uses the value: one `alembic upgrade` transaction',
    code: `# file: versions/0002_add_refunded.py
${rev('0002', null, `    op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")`)}
# file: versions/0003_backfill_refunded.py
${rev('0003', '0002', `    op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")`)}`,
    errors: [{ file: '0002_add_refunded.py', line: 14, column: 5, message: /revision 0003 uses the new value \(migrations\/versions\/0003_backfill_refunded\.py line 14\): `alembic upgrade` runs both in one transaction/ }],
  },
  {
    name: 'transaction_per_migration=True in env.py: each revision commits on its own',
    code: `# file: versions/0002_add_refunded.py
${rev('0002', null, `    op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")`)}
# file: versions/0003_backfill_refunded.py
${rev('0003', '0002', `    op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")`)}`,
    envPy: ENV_PER_MIGRATION,
    errors: [],
  },
  {
    name: 'the later revision starts with an autocommit block: the shared transaction is committed first',
    code: `# file: versions/0002_add_refunded.py
${rev('0002', null, `    op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")`)}
# file: versions/0003_backfill_refunded.py
${rev('0003', '0002', `    with op.get_context().autocommit_block():\n        op.execute("VACUUM orders")\n    op.execute("UPDATE orders SET status = 'refunded'")`)}`,
    errors: [],
  },
]);
