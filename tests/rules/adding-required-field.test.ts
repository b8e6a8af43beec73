import { rule } from '../../src/rules/adding-required-field.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    // A nullable column.
    `op.add_column("users", sa.Column("nickname", sa.String(), nullable=True))`,
    `op.add_column("users", sa.Column("nickname", sa.String()))`,
    // NOT NULL with a constant server default.
    `op.add_column("users", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))`,
    `op.add_column("users", sa.Column("n", sa.Integer(), nullable=False, server_default="0"))`,
    // Identity / serial / generated are another rule's business.
    `op.add_column("users", sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False))`,
    `op.add_column("users", sa.Column("total", sa.Integer(), sa.Computed("a + b"), nullable=False))`,
    // A table created in the same revision.
    `op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))
op.add_column("t", sa.Column("name", sa.String(), nullable=False))`,
    `op.execute("ALTER TABLE users ADD COLUMN n int NOT NULL DEFAULT 0")`,
  ],
  invalid: [
    { code: `op.add_column("users", sa.Column("age", sa.Integer(), nullable=False))`, errors: [{ line: 1, column: 1, message: 'NOT NULL column age to users without a server default', fix: 'server_default' }] },
    {
      name: 'a Python-side default is not a database default',
      code: `op.add_column("users", sa.Column("age", sa.Integer(), nullable=False, default=0))`,
      errors: [{ line: 1 }],
    },
    { code: `with op.batch_alter_table("users") as batch_op:\n    batch_op.add_column(sa.Column("age", sa.Integer(), nullable=False))`, errors: [{ line: 2, column: 5 }] },
    { code: `op.execute("ALTER TABLE users ADD COLUMN age int NOT NULL")`, errors: [{ line: 1, message: 'in op.execute SQL', fix: 'DEFAULT' }] },
    { name: 'fails on SQLite too', dialect: 'sqlite', code: `op.add_column("users", sa.Column("age", sa.Integer(), nullable=False))`, errors: [{ line: 1 }] },
  ],
});
