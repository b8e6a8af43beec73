import { rule } from '../../src/rules/renaming-column.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `op.add_column("users", sa.Column("full_name", sa.String(), nullable=True))`,
    `op.create_table("t", sa.Column("a", sa.Integer()))
op.alter_column("t", "a", new_column_name="b")`,
  ],
  invalid: [
    { code: `op.alter_column("users", "name", new_column_name="full_name")`, errors: [{ line: 1, column: 1, message: 'users.name to full_name' }] },
    { code: `op.execute("ALTER TABLE users RENAME COLUMN name TO full_name")`, errors: [{ line: 1, message: 'in op.execute SQL' }] },
    { code: `op.alter_column("users", "name", new_column_name="full_name")`, dialect: 'sqlite', errors: [{ line: 1 }] },
  ],
});
