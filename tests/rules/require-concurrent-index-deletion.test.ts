import { rule } from '../../src/rules/require-concurrent-index-deletion.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `with op.get_context().autocommit_block():
    op.drop_index("ix_users_email", table_name="users", postgresql_concurrently=True, if_exists=True)`,
    // Created earlier in the same revision.
    `op.create_index("ix_tmp", "users", ["email"])  # alembic-guard: ignore
op.drop_index("ix_tmp", table_name="users")`,
    `op.create_table("t", sa.Column("a", sa.Integer()))
op.create_index("ix_t_a", "t", ["a"])
op.drop_index("ix_t_a", table_name="t")`,
    { code: `op.drop_index("ix_users_email", table_name="users")`, dialect: 'sqlite' },
  ],
  invalid: [
    { code: `op.drop_index("ix_users_email", table_name="users")`, errors: [{ line: 1, column: 1, message: 'ix_users_email on users', fix: 'postgresql_concurrently=True' }] },
    { code: `op.drop_index(op.f("ix_users_email"))`, errors: [{ line: 1, column: 1, message: 'Dropping index ix_users_email without' }] },
    { code: `with op.batch_alter_table("users") as b:\n    b.drop_index("ix_users_email")`, errors: [{ line: 2, column: 5 }] },
    { code: `op.execute("DROP INDEX IF EXISTS ix_users_email")`, errors: [{ line: 1, message: 'in op.execute SQL', fix: 'DROP INDEX CONCURRENTLY' }] },
  ],
});
