import rule from '../../src/rules/transaction-nesting.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    // The safe pattern: Alembic's autocommit block.
    `with op.get_context().autocommit_block():
    op.execute("CREATE INDEX CONCURRENTLY ix_users_email ON users (email)")`,
    // Savepoints nest inside Alembic's transaction.
    `op.execute("SAVEPOINT before_backfill")
op.execute("UPDATE users SET active = true WHERE active IS NULL")
op.execute("RELEASE SAVEPOINT before_backfill")`,
    `op.execute("ROLLBACK TO SAVEPOINT before_backfill")`,
    // Only PostgreSQL SQL is analysed.
    { code: `op.execute("COMMIT")`, dialect: 'sqlite' },
    // downgrade() is not linted.
    `"""m"""
from alembic import op
revision = "a1"
down_revision = None
def upgrade():
    pass
def downgrade():
    op.execute("COMMIT")
`,
  ],
  invalid: [
    {
      code: `op.execute("COMMIT")
op.execute("CREATE INDEX CONCURRENTLY ix_users_email ON users (email)")`,
      errors: [{ line: 1, column: 1, message: '`COMMIT` in op.execute(): COMMIT ends the transaction Alembic opened', fix: 'autocommit_block' }],
    },
    {
      name: 'BEGIN ... COMMIT around statements, in one string',
      code: `op.execute("""
    BEGIN;
    UPDATE users SET active = true WHERE id < 10;
    COMMIT;
""")`,
      errors: [
        { line: 1, column: 1, message: '`BEGIN` in op.execute()' },
        { line: 1, column: 1, message: '`COMMIT` in op.execute()' },
      ],
    },
    { code: `op.execute(sa.text("END"))`, errors: [{ line: 1, column: 1, message: 'COMMIT ends the transaction' }] },
    { code: `op.execute("START TRANSACTION")`, errors: [{ line: 1, column: 1, message: 'BEGIN starts a transaction' }] },
    { code: `op.execute("ROLLBACK")`, errors: [{ line: 1, column: 1, message: 'ROLLBACK throws away', fix: 'raise an exception' }] },
    { code: `op.execute("ABORT")`, errors: [{ line: 1, column: 1, message: 'ROLLBACK' }] },
    { code: `op.execute("PREPARE TRANSACTION 'm1'")`, errors: [{ line: 1, column: 1, message: 'PREPARE TRANSACTION' }] },
    {
      name: 'a COMMIT inside an autocommit block is still not Alembic\'s to issue',
      code: `with op.get_context().autocommit_block():
    op.execute("COMMIT")`,
      errors: [{ line: 2, column: 5 }],
    },
  ],
});
