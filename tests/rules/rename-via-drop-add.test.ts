import { rule } from '../../src/rules/rename-via-drop-add.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `op.alter_column("users", "name", new_column_name="full_name")`,
    // Different tables.
    `op.add_column("users", sa.Column("full_name", sa.String()))
op.drop_column("accounts", "name")`,
    // The data is copied between them.
    `op.add_column("users", sa.Column("full_name", sa.String()))
op.execute("UPDATE users SET full_name = name")
op.drop_column("users", "name")`,
    // Dropping and re-adding the same column (a type change by hand) is another rule's business.
    `op.drop_column("users", "flag")
op.add_column("users", sa.Column("flag", sa.Boolean()))`,
    `op.drop_column("users", "legacy")`,
  ],
  invalid: [
    {
      code: `op.add_column("users", sa.Column("full_name", sa.String(), nullable=True))
op.drop_column("users", "name")`,
      errors: [{ line: 2, column: 1, message: 'users.name is dropped and full_name added', fix: 'op.alter_column("users", "name", new_column_name="full_name")' }],
    },
    {
      name: 'batch mode, as autogenerate renders it for SQLite',
      dialect: 'sqlite',
      code: `with op.batch_alter_table("users", schema=None) as batch_op:
    batch_op.add_column(sa.Column("full_name", sa.String(), nullable=True))
    batch_op.drop_column("name")`,
      errors: [{ line: 3, column: 5 }],
    },
  ],
});
