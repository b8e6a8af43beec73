import { defineRule } from './define.js';
import { collapsePerCall, q, report, target, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'require-concurrent-reindex',
  severity: 'warning',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes: 'Flags `REINDEX` in `op.execute(...)` without `CONCURRENTLY` (PostgreSQL 12 and later have `REINDEX ... CONCURRENTLY`).',
    whyIsThisBad:
      'A plain `REINDEX INDEX` takes an ACCESS EXCLUSIVE lock on the index (blocking every query that would use it) and a SHARE lock on the table, which blocks writes; `REINDEX TABLE` does so for every index of the table, for as long as the rebuild takes.',
    example: `op.execute("REINDEX INDEX ix_users_email")`,
    exampleSql: `REINDEX INDEX ix_users_email;`,
    useInstead: `with op.get_context().autocommit_block():
    op.execute("REINDEX INDEX CONCURRENTLY ix_users_email")`,
    useInsteadSql: `COMMIT;
REINDEX INDEX CONCURRENTLY ix_users_email;
BEGIN;`,
    options: 'Before PostgreSQL 12 (`postgres_version` below 12) there is no CONCURRENTLY: build a new index concurrently and drop the old one instead.',
    references: ['https://www.postgresql.org/docs/current/sql-reindex.html', 'https://squawkhq.com/docs/require-concurrent-reindex'],
  },
  check(ctx) {
    const { postgresVersion } = target(ctx);
    return collapsePerCall(
      upgradeOps(ctx, 'reindex')
        .filter((op) => !op.concurrently && !op.tableCreatedInRevision)
        .map((op) =>
          report(
            op,
            `REINDEX ${op.target.toUpperCase()}${op.name ? ` ${q(op.name)}` : ''} without CONCURRENTLY${via(op)} blocks writes to the table (and reads through the index) while it rebuilds.`,
            postgresVersion >= 12
              ? 'Use `REINDEX ... CONCURRENTLY` inside `with op.get_context().autocommit_block():`.'
              : `PostgreSQL ${postgresVersion} has no REINDEX CONCURRENTLY: create a replacement index with postgresql_concurrently=True in an autocommit block, then drop the old one concurrently.`,
          ),
        ),
    );
  },
});
