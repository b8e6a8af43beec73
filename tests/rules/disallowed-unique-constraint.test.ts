import { rule } from '../../src/rules/disallowed-unique-constraint.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `with op.get_context().autocommit_block():
    op.create_index("uq_users_email", "users", ["email"], unique=True, postgresql_concurrently=True)
op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX uq_users_email")`,
    `op.create_table("t", sa.Column("a", sa.Integer(), unique=True))
op.create_unique_constraint("uq_t_a2", "t", ["a"])`,
    { code: `op.create_unique_constraint("uq", "users", ["email"])`, dialect: 'sqlite' },
  ],
  invalid: [
    { code: `op.create_unique_constraint("uq_users_email", "users", ["email"])`, errors: [{ line: 1, column: 1, message: 'UNIQUE constraint uq_users_email to users', fix: 'UNIQUE USING INDEX uq_users_email' }] },
    { code: `op.add_column("users", sa.Column("code", sa.String(), unique=True))`, errors: [{ line: 1, message: 'on (code)' }] },
    { code: `op.execute("ALTER TABLE users ADD CONSTRAINT uq UNIQUE (email)")`, errors: [{ line: 1, message: 'in op.execute SQL' }] },
  ],
});
