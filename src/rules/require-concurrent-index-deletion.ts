import { defineRule } from './define.js';
import { collapsePerCall, earlier, nameRef, report, revisionOf, tableRef, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'require-concurrent-index-deletion',
  severity: 'warning',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags `op.drop_index(...)` (and `DROP INDEX` in `op.execute`) without `postgresql_concurrently=True`, unless the index or its table was created earlier in the same revision.',
    whyIsThisBad:
      'A plain `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index\'s table: while it waits for running queries to finish, every new read and write of the table queues behind it. `DROP INDEX CONCURRENTLY` waits for conflicting transactions without blocking others.',
    example: `op.drop_index("ix_users_email", table_name="users")`,
    exampleSql: `DROP INDEX ix_users_email;`,
    useInstead: `with op.get_context().autocommit_block():
    op.drop_index(
        "ix_users_email",
        table_name="users",
        postgresql_concurrently=True,
        if_exists=True,
    )`,
    useInsteadSql: `COMMIT;
DROP INDEX CONCURRENTLY IF EXISTS ix_users_email;
BEGIN;`,
    references: ['https://www.postgresql.org/docs/current/sql-dropindex.html', 'https://squawkhq.com/docs/require-concurrent-index-deletion'],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'drop-index')
        .filter((op) => !op.concurrently && !op.tableCreatedInRevision)
        .filter((op) => {
          const rev = revisionOf(ctx, op);
          if (rev === undefined) return true;
          // An index created earlier in the same revision is new: dropping it is harmless.
          return !earlier(rev, op).some((o) => o.kind === 'create-index' && o.name !== null && o.name.toLowerCase() === op.name.toLowerCase());
        })
        .map((op) =>
          report(
            op,
            `Dropping ${nameRef(op, 'index', op.name)}${op.table ? ` on ${tableRef(op)}` : ''} without CONCURRENTLY${via(op)} takes an ACCESS EXCLUSIVE lock: reads and writes of the table queue behind it.`,
            {
              python: 'Drop it in an autocommit block: `with op.get_context().autocommit_block(): op.drop_index(..., postgresql_concurrently=True, if_exists=True)`.',
              sql: 'Use DROP INDEX CONCURRENTLY, run outside the transaction: put the op.execute in `with op.get_context().autocommit_block():`.',
            },
          ),
        ),
    );
  },
});
