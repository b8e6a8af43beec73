import { rule } from '../../src/rules/renaming-table.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `op.create_table("tmp", sa.Column("a", sa.Integer()))
op.rename_table("tmp", "final")`,
    `op.rename_table("users", "accounts")  # alembic-guard: ignore[renaming-table]`,
  ].map((code) => ({ code, applyIgnores: true })),
  invalid: [
    { code: `op.rename_table("users", "accounts")`, errors: [{ line: 1, column: 1, message: 'Renaming table users to accounts' }] },
    { code: `op.execute("ALTER TABLE users RENAME TO accounts")`, errors: [{ line: 1, message: 'in op.execute SQL' }] },
  ],
});
