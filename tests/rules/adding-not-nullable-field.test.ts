import { rule } from '../../src/rules/adding-not-nullable-field.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `op.create_table("t", sa.Column("a", sa.Integer()))
op.alter_column("t", "a", nullable=False)`,
    // The CHECK ... NOT VALID path: the check was added in an earlier revision, validated here.
    {
      earlier: [`op.create_check_constraint("ck_users_email_nn", "users", "email IS NOT NULL", postgresql_not_valid=True)`],
      code: `op.execute("ALTER TABLE users VALIDATE CONSTRAINT ck_users_email_nn")
op.alter_column("users", "email", existing_type=sa.String(), nullable=False)
op.drop_constraint("ck_users_email_nn", "users", type_="check")`,
    },
    {
      earlier: [`op.create_check_constraint("ck", "users", "email IS NOT NULL", postgresql_not_valid=True)`, `op.execute("ALTER TABLE users VALIDATE CONSTRAINT ck")`],
      code: `op.alter_column("users", "email", nullable=False)`,
    },
    `op.alter_column("users", "email", nullable=True)`,
    { code: `op.alter_column("users", "email", nullable=False)`, dialect: 'sqlite' },
  ],
  invalid: [
    {
      code: `op.alter_column("users", "email", existing_type=sa.String(), nullable=False)`,
      errors: [{ line: 1, column: 1, message: 'users.email scans the whole table under an ACCESS EXCLUSIVE lock', fix: 'postgresql_not_valid=True' }],
    },
    { code: `op.alter_column("users", "email", nullable=False)`, postgresVersion: 18, errors: [{ line: 1, fix: 'NOT NULL email NOT VALID' }] },
    { code: `op.alter_column("users", "email", nullable=False)`, postgresVersion: 11, errors: [{ line: 1, fix: 'PostgreSQL 11 always scans' }] },
    { code: `op.execute("ALTER TABLE users ALTER COLUMN email SET NOT NULL")`, errors: [{ line: 1, message: 'in op.execute SQL' }] },
    {
      name: 'backfill then SET NOT NULL in one revision still scans',
      code: `op.add_column("users", sa.Column("n", sa.Integer(), nullable=True))
op.execute("UPDATE users SET n = 0")
op.alter_column("users", "n", nullable=False)`,
      errors: [{ line: 3, column: 1 }],
    },
  ],
});
