import { rule } from '../../src/rules/ban-concurrent-index-creation-in-transaction.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `with op.get_context().autocommit_block():
    op.create_index("ix_a", "users", ["a"], postgresql_concurrently=True)
    op.drop_index("ix_b", table_name="users", postgresql_concurrently=True)
    op.execute("REINDEX INDEX CONCURRENTLY ix_c")`,
    `op.create_index("ix_a", "users", ["a"])`,
    // The classic COMMIT hack ends Alembic's transaction; what follows runs outside one.
    `op.execute("COMMIT")
op.execute("CREATE INDEX CONCURRENTLY ix_a ON users (a)")`,
    { code: `op.create_index("ix_a", "users", ["a"], postgresql_concurrently=True)`, dialect: 'mysql' },
  ],
  invalid: [
    { code: `op.create_index("ix_a", "users", ["a"], postgresql_concurrently=True)`, errors: [{ line: 1, column: 1, message: 'CREATE INDEX CONCURRENTLY runs inside', fix: 'autocommit_block' }] },
    { code: `op.drop_index("ix_a", table_name="users", postgresql_concurrently=True)`, errors: [{ line: 1, message: 'DROP INDEX CONCURRENTLY' }] },
    { code: `op.execute("CREATE INDEX CONCURRENTLY ix_a ON users (a)")`, errors: [{ line: 1, message: 'in op.execute SQL' }] },
    { code: `op.execute("REINDEX TABLE CONCURRENTLY users")`, errors: [{ line: 1, message: 'REINDEX CONCURRENTLY' }] },
    {
      name: 'a table created in the same revision still cannot be indexed concurrently in a transaction',
      code: `op.create_table("t", sa.Column("a", sa.Integer()))
op.create_index("ix_t_a", "t", ["a"], postgresql_concurrently=True)`,
      errors: [{ line: 2, column: 1 }],
    },
    {
      name: 'after the autocommit block, the transaction is back',
      code: `with op.get_context().autocommit_block():
    op.create_index("ix_a", "users", ["a"], postgresql_concurrently=True)
op.create_index("ix_b", "users", ["b"], postgresql_concurrently=True)`,
      errors: [{ line: 3, column: 1 }],
    },
  ],
});
