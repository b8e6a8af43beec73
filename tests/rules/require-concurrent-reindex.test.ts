import { rule } from '../../src/rules/require-concurrent-reindex.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `with op.get_context().autocommit_block():
    op.execute("REINDEX INDEX CONCURRENTLY ix_users_email")`,
    `op.execute("REINDEX (VERBOSE, CONCURRENTLY) TABLE users")`,
    { code: `op.execute("REINDEX TABLE users")`, dialect: 'sqlite' },
  ],
  invalid: [
    { code: `op.execute("REINDEX INDEX ix_users_email")`, errors: [{ line: 1, column: 1, message: 'REINDEX INDEX ix_users_email', fix: 'CONCURRENTLY' }] },
    { code: `op.execute(sa.text("REINDEX TABLE users"))`, errors: [{ line: 1, message: 'REINDEX TABLE users' }] },
    { code: `op.execute("REINDEX TABLE users")`, postgresVersion: 11, errors: [{ line: 1, fix: 'PostgreSQL 11 has no REINDEX CONCURRENTLY' }] },
  ],
});
