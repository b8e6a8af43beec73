import { defineRule } from './define.js';
import { collapsePerCall, nameRef, q, report, tableRef, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'require-concurrent-index-creation',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags `op.create_index(...)` (and `CREATE INDEX` in `op.execute`, and the index Alembic creates for `sa.Column(..., index=True)` in `op.add_column`) on a table that existed before this revision, without `postgresql_concurrently=True`.',
    whyIsThisBad:
      'A plain `CREATE INDEX` takes a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE waits until the index is built, which takes minutes on a large table. `CREATE INDEX CONCURRENTLY` takes a SHARE UPDATE EXCLUSIVE lock instead and lets writes continue. An index on a table created earlier in the same revision is fine: the table is new and empty.',
    example: `op.create_index("ix_users_email", "users", ["email"])`,
    exampleSql: `CREATE INDEX ix_users_email ON users (email);`,
    useInstead: `with op.get_context().autocommit_block():
    op.create_index(
        "ix_users_email",
        "users",
        ["email"],
        postgresql_concurrently=True,
        if_not_exists=True,
    )`,
    useInsteadSql: `COMMIT;
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_users_email ON users (email);
BEGIN;`,
    options:
      'None. CONCURRENTLY cannot run inside a transaction, so the call goes in `op.get_context().autocommit_block()`; `if_not_exists=True` makes a retry after a failed build safe (a failed concurrent build leaves an INVALID index behind: drop it before retrying).',
    references: [
      'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY',
      'https://squawkhq.com/docs/require-concurrent-index-creation',
      'https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.migration.MigrationContext.autocommit_block',
    ],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'create-index')
        .filter((op) => !op.concurrently && !op.tableCreatedInRevision)
        .map((op) =>
          report(
            op,
            `Creating ${nameRef(op, 'index', op.name ?? (op.columns[0] !== undefined && op.computed?.table === undefined ? `ix_${op.table.name}_${op.columns[0]}` : null))} on ${tableRef(op)} without CONCURRENTLY${via(op)} blocks writes to ${op.computed?.table !== undefined ? 'the table' : q(op.table)} (SHARE lock) for the whole index build.`,
            {
              python: `Create it in an autocommit block: \`with op.get_context().autocommit_block(): op.create_index(..., postgresql_concurrently=True, if_not_exists=True)\`.`,
              sql: `Use CREATE INDEX CONCURRENTLY, run outside the transaction: put the op.execute in \`with op.get_context().autocommit_block():\`.`,
            },
          ),
        ),
    );
  },
});
