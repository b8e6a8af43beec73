import rule from '../../src/rules/require-lock-timeout.js';
import { ruleTester } from '../helpers/rule-tester.js';
import { contextCases } from './context-cases.js';

ruleTester(rule, {
  valid: [
    // The pattern users write: a timeout at the top of upgrade().
    `op.execute("SET lock_timeout = '5s'")
op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))
op.drop_column("users", "legacy")`,
    // SET LOCAL lasts for the migration's transaction.
    `op.execute("SET LOCAL lock_timeout = '3s'")
op.alter_column("users", "email", nullable=False)`,
    // set_config(..., true) is SET LOCAL.
    `op.execute("SELECT set_config('lock_timeout', '2s', true)")
op.drop_constraint("uq_users_email", "users", type_="unique")`,
    // A table created in the same revision is new: nobody else holds a lock on it.
    `op.create_table("tags", sa.Column("id", sa.BigInteger(), primary_key=True))
op.add_column("tags", sa.Column("name", sa.Text(), nullable=False))
op.create_unique_constraint("uq_tags_name", "tags", ["name"])`,
    // Weaker locks are not this rule's business: CREATE INDEX (SHARE), FOREIGN KEY (SHARE ROW EXCLUSIVE), VALIDATE.
    `op.create_index("ix_users_email", "users", ["email"])
op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)
op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user")`,
    // CONCURRENTLY forms take SHARE UPDATE EXCLUSIVE.
    `with op.get_context().autocommit_block():
    op.drop_index("ix_users_email", table_name="users", postgresql_concurrently=True)`,
    // Dropping an index created earlier in the same revision.
    `op.create_index("ix_tmp", "users", ["email"])
op.drop_index("ix_tmp", table_name="users")`,
    // Data changes and new types take no ACCESS EXCLUSIVE table lock.
    `op.execute("UPDATE users SET active = true WHERE id < 100")
op.execute("CREATE TYPE mood AS ENUM ('sad', 'ok')")`,
    // A session SET before an autocommit block still holds after it.
    `op.execute("SET lock_timeout = '5s'")
with op.get_context().autocommit_block():
    op.create_index("ix_a", "users", ["a"], postgresql_concurrently=True)
op.add_column("users", sa.Column("b", sa.Text(), nullable=True))`,
    // Not PostgreSQL: no advice.
    { code: `op.add_column("users", sa.Column("b", sa.Text(), nullable=True))`, dialect: 'sqlite' },
    { code: `op.add_column("users", sa.Column("b", sa.Text(), nullable=True))`, dialect: 'mysql' },
    // downgrade() is not linted.
    `"""m"""
from alembic import op
import sqlalchemy as sa
revision = "a1"
down_revision = None
def upgrade():
    pass
def downgrade():
    op.drop_column("users", "b")
`,
  ],
  invalid: [
    {
      name: 'no timeout at all: one finding per revision, at the first operation',
      code: `op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))
op.drop_column("users", "legacy")
op.alter_column("users", "email", new_column_name="email_address")`,
      errors: [{ line: 1, column: 1, message: /op\.add_column\(\) takes an ACCESS EXCLUSIVE lock \(adding column nickname to users\) with no lock_timeout in force \(2 more such operations in this revision\)/, fix: "SET lock_timeout = '5s'" }],
    },
    {
      name: 'the timeout comes after the first dangerous operation',
      code: `op.drop_column("users", "legacy")
op.execute("SET lock_timeout = '5s'")
op.drop_column("users", "other")`,
      errors: [{ line: 1, column: 1, message: 'dropping column users.legacy' }],
    },
    {
      name: 'SET LOCAL ends with the transaction: an autocommit block ends it',
      code: `op.execute("SET LOCAL lock_timeout = '5s'")
op.add_column("users", sa.Column("a", sa.Text(), nullable=True))
with op.get_context().autocommit_block():
    op.create_index("ix_users_a", "users", ["a"], postgresql_concurrently=True)
op.alter_column("users", "a", server_default="x")`,
      errors: [{ line: 5, column: 1, message: /the SET LOCAL at line \d+ ended with its transaction/ }],
    },
    {
      name: 'SET LOCAL inside an autocommit block has no effect',
      code: `with op.get_context().autocommit_block():
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute("ALTER TABLE users DROP COLUMN legacy")`,
      errors: [{ line: 3, column: 5, message: '`ALTER TABLE users DROP COLUMN legacy` takes an ACCESS EXCLUSIVE lock' }],
    },
    {
      name: 'RESET clears it',
      code: `op.execute("SET lock_timeout = '5s'")
op.execute("RESET lock_timeout")
op.drop_table("sessions")`,
      errors: [{ line: 3, column: 1, message: 'dropping table sessions' }],
    },
    {
      name: 'SET ... TO DEFAULT clears it',
      code: `op.execute("SET lock_timeout = '5s'")
op.execute("SET lock_timeout TO DEFAULT")
op.execute("TRUNCATE audit_log")`,
      errors: [{ line: 3, column: 1, message: 'truncating audit_log' }],
    },
    {
      name: 'a timeout of 0 means no timeout',
      code: `op.execute("SET lock_timeout = 0")
op.rename_table("users", "accounts")`,
      errors: [{ line: 2, column: 1, message: /lock_timeout is 0 \(no timeout\), set at line 13\./ }],
    },
    {
      name: 'statement_timeout is not lock_timeout',
      code: `op.execute("SET statement_timeout = '1min'")
op.alter_column("users", "id", type_=sa.BigInteger(), existing_type=sa.Integer())`,
      errors: [{ line: 2, column: 1, message: 'changing the type of users.id' }],
    },
    {
      name: 'a CHECK constraint, a non-concurrent index drop and a REINDEX',
      code: `op.create_check_constraint("ck_age", "users", "age >= 0")`,
      errors: [{ line: 1, column: 1, message: 'adding a check constraint to users' }],
    },
    { code: `op.drop_index("ix_users_email", table_name="users")`, errors: [{ line: 1, column: 1, message: 'dropping index ix_users_email' }] },
    { code: `op.execute("REINDEX TABLE users")`, errors: [{ line: 1, column: 1, message: 'REINDEX TABLE users' }] },
    {
      name: 'other ALTER TABLE forms in SQL (ALTER TABLE ... OWNER TO)',
      code: `op.execute("ALTER TABLE users OWNER TO app")`,
      errors: [{ line: 1, column: 1, message: 'ALTER TABLE users' }],
    },
    {
      name: 'batch mode on PostgreSQL runs plain ALTERs',
      code: `with op.batch_alter_table("users") as batch_op:
    batch_op.alter_column("email", nullable=False)`,
      errors: [{ line: 2, column: 5, message: 'batch_op.alter_column()' }],
    },
    {
      name: 'a timeout set in an earlier revision does not carry over',
      earlier: [`op.execute("SET lock_timeout = '5s'")\nop.add_column("users", sa.Column("a", sa.Text(), nullable=True))`],
      code: `op.add_column("users", sa.Column("b", sa.Text(), nullable=True))`,
      errors: [{ line: 1, column: 1 }],
    },
    {
      name: 'dialect not configured: PostgreSQL assumed',
      dialect: null,
      code: `op.drop_column("users", "a")`,
      errors: [{ line: 1 }],
    },
  ],
});

const MIGRATION = `"""add nickname

Revision ID: 0002
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = None


def upgrade():
    op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("users", "nickname")
`;

const ENV = (engine: string, online: string) => `from alembic import context
from sqlalchemy import engine_from_config, pool, text

config = context.config


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,${engine}
    )
    with connectable.connect() as connection:
${online}


run_migrations_online()
`;
const ONLINE = `        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()`;

contextCases(rule, [
  { name: 'env.py without any timeout', code: MIGRATION, envPy: ENV('', ONLINE), errors: [{ line: 14, column: 5 }] },
  { name: 'env.py connect_args options', code: MIGRATION, envPy: ENV('\n        connect_args={"options": "-c lock_timeout=5s"},', ONLINE), errors: [] },
  {
    name: 'env.py SET on the connection before run_migrations',
    code: MIGRATION,
    envPy: ENV('', `        connection.execute(text("SET lock_timeout = '5s'"))\n${ONLINE}`),
    errors: [],
  },
  {
    name: 'env.py sets lock_timeout = 0',
    code: MIGRATION,
    envPy: ENV('\n        connect_args={"options": "-c lock_timeout=0"},', ONLINE),
    errors: [{ line: 14, column: 5, message: 'lock_timeout is 0 (no timeout), set in env.py line 12' }],
  },
  {
    name: 'env.py SET LOCAL in the transaction: gone after an autocommit block',
    code: MIGRATION.replace(
      '    op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))',
      `    op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))
    with op.get_context().autocommit_block():
        op.create_index("ix_users_nickname", "users", ["nickname"], postgresql_concurrently=True)
    op.drop_column("users", "legacy")`,
    ),
    envPy: ENV('', ONLINE.replace('            context.run_migrations()', `            context.execute("SET LOCAL lock_timeout = '5s'")\n            context.run_migrations()`)),
    errors: [{ line: 17, column: 5, message: 'dropping column users.legacy' }],
  },
  {
    name: 'a migration that RESETs falls back to the env.py connect value',
    code: MIGRATION.replace('    op.add_column(', '    op.execute("RESET lock_timeout")\n    op.add_column('),
    envPy: ENV('\n        connect_args={"options": "-c lock_timeout=5s"},', ONLINE),
    errors: [],
  },
]);
