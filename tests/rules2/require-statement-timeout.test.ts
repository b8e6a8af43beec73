import rule from '../../src/rules/require-statement-timeout.js';
import { ruleTester } from '../helpers/rule-tester.js';
import { contextCases } from './context-cases.js';

ruleTester(rule, {
  valid: [
    `op.execute("SET statement_timeout = '15min'")
op.alter_column("users", "email", nullable=False)`,
    `op.execute("SET LOCAL statement_timeout = '15min'")
op.create_check_constraint("ck_age", "users", "age >= 0")`,
    `op.create_table("t", sa.Column("id", sa.BigInteger(), primary_key=True))
op.add_column("t", sa.Column("a", sa.Text(), nullable=False))`,
    // A lock_timeout is not a statement_timeout, but nothing here takes an ACCESS EXCLUSIVE lock.
    `op.create_index("ix_users_email", "users", ["email"])`,
    { code: `op.alter_column("users", "email", nullable=False)`, dialect: 'sqlite' },
  ],
  invalid: [
    {
      code: `op.execute("SET lock_timeout = '5s'")
op.alter_column("users", "email", nullable=False)`,
      errors: [{ line: 2, column: 1, message: /op\.alter_column\(\) takes an ACCESS EXCLUSIVE lock \(SET NOT NULL on users\.email\) with no statement_timeout in force/, fix: "SET statement_timeout = '15min'" }],
    },
    {
      code: `op.execute("SET statement_timeout = '15min'")
op.execute("RESET ALL")
op.drop_column("users", "legacy")`,
      errors: [{ line: 3, column: 1 }],
    },
    {
      code: `op.execute("SET statement_timeout = 0")
op.drop_column("users", "legacy")`,
      errors: [{ line: 2, column: 1, message: 'statement_timeout is 0 (no timeout)' }],
    },
  ],
});

contextCases(rule, [
  {
    name: 'env.py statement_timeout in the connection options',
    code: `"""m

Revision ID: 0002
Revises:
"""
from alembic import op

revision = "0002"
down_revision = None


def upgrade():
    op.drop_column("users", "legacy")


def downgrade():
    pass
`,
    envPy: `from sqlalchemy import create_engine
from alembic import context

engine = create_engine(context.config.get_main_option("sqlalchemy.url"), connect_args={"options": "-c statement_timeout=15min"})
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
`,
    errors: [],
  },
]);
