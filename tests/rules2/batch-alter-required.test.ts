import rule from '../../src/rules/batch-alter-required.js';
import { ruleTester } from '../helpers/rule-tester.js';
import { contextCases } from './context-cases.js';

const sqlite = { dialect: 'sqlite' } as const;

ruleTester(rule, {
  valid: [
    // The pattern users write (render_as_batch=True output).
    {
      ...sqlite,
      code: `with op.batch_alter_table("users", schema=None) as batch_op:
    batch_op.alter_column("email", existing_type=sa.VARCHAR(length=255), nullable=False)
    batch_op.drop_column("legacy")
    batch_op.create_foreign_key("fk_users_org", "orgs", ["org_id"], ["id"])
    batch_op.drop_constraint("uq_users_name", type_="unique")`,
    },
    // What SQLite's ALTER TABLE does support: add a column, rename a column or a table, indexes.
    {
      ...sqlite,
      code: `op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))
op.alter_column("users", "nickname", new_column_name="display_name")
op.rename_table("users", "accounts")
op.create_index("ix_accounts_email", "accounts", ["email"])
op.drop_index("ix_accounts_email", table_name="accounts")`,
    },
    // Constraints inline in create_table / add_column are created with the table or skipped by Alembic.
    {
      ...sqlite,
      code: `op.create_table("orgs", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.Text(), unique=True))
op.add_column("users", sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id"), nullable=True))`,
    },
    // Only SQLite.
    `op.alter_column("users", "email", nullable=False)`,
    { code: `op.drop_constraint("fk_a", "users", type_="foreignkey")`, dialect: 'mysql' },
  ],
  invalid: [
    {
      ...sqlite,
      code: `op.alter_column("users", "email", existing_type=sa.String(255), nullable=False)`,
      errors: [{ line: 1, column: 1, message: 'SQLite has no ALTER COLUMN: op.alter_column() on users.email fails with a syntax error', fix: 'with op.batch_alter_table("users") as batch_op:' }],
    },
    {
      name: 'one finding per call even when it changes type, nullability and default',
      ...sqlite,
      code: `op.alter_column("users", "age", type_=sa.BigInteger(), existing_type=sa.Integer(), nullable=True, server_default="0")`,
      errors: [{ line: 1, column: 1 }],
    },
    {
      ...sqlite,
      code: `op.create_foreign_key("fk_users_org", "users", "orgs", ["org_id"], ["id"])
op.create_unique_constraint("uq_users_email", "users", ["email"])
op.create_check_constraint("ck_users_age", "users", "age >= 0")
op.drop_constraint("uq_users_name", "users", type_="unique")`,
      errors: [
        { line: 1, column: 1, message: 'op.create_foreign_key() on users raises NotImplementedError', fix: 'batch_op.create_foreign_key(...)' },
        { line: 2, column: 1, message: 'op.create_unique_constraint()' },
        { line: 3, column: 1, message: 'op.create_check_constraint()' },
        { line: 4, column: 1, message: 'SQLite cannot drop a constraint' },
      ],
    },
    {
      name: 'drop_column works on SQLite 3.35+ for plain columns only: a warning',
      ...sqlite,
      code: `op.drop_column("users", "legacy")`,
      errors: [{ line: 1, column: 1, message: 'which SQLite only has since 3.35' }],
    },
    {
      name: 'downgrade() counts too: a downgrade that cannot run is broken',
      ...sqlite,
      code: `"""m"""
from alembic import op
import sqlalchemy as sa
revision = "a1"
down_revision = None
def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("email", nullable=False)
def downgrade():
    op.alter_column("users", "email", nullable=True)
`,
      errors: [{ line: 10, column: 5, message: 'op.alter_column() on users.email' }],
    },
    {
      name: 'a table created in the same revision still has to be altered in batch mode',
      ...sqlite,
      code: `op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("a", sa.Text()))
op.alter_column("t", "a", nullable=False)`,
      errors: [{ line: 2, column: 1 }],
    },
  ],
});

contextCases(rule, [
  {
    name: 'drop_column is a warning, alter_column an error',
    dialect: 'sqlite',
    code: `"""m

Revision ID: 0002
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = None


def upgrade():
    op.drop_column("users", "legacy")
    op.alter_column("users", "email", nullable=False)


def downgrade():
    pass
`,
    errors: [
      { line: 14, column: 5, severity: 'warning' },
      { line: 15, column: 5, severity: 'error' },
    ],
  },
]);
