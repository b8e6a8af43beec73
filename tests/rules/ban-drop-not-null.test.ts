import { rule } from '../../src/rules/ban-drop-not-null.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `op.alter_column("users", "email", nullable=False)`,
    `op.create_table("t", sa.Column("a", sa.Integer(), nullable=False))
op.alter_column("t", "a", nullable=True)`,
    `op.alter_column("users", "email", existing_nullable=False, type_=sa.Text())`,
  ],
  invalid: [
    { code: `op.alter_column("users", "email", existing_type=sa.String(), nullable=True)`, errors: [{ line: 1, column: 1, message: 'users.email' }] },
    { code: `op.execute("ALTER TABLE users ALTER COLUMN email DROP NOT NULL")`, errors: [{ line: 1, message: 'in op.execute SQL' }] },
  ],
});
