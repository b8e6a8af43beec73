import { defineRule } from './define.js';
import { collapsePerCall, report, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'ban-concurrent-index-creation-in-transaction',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags `CREATE INDEX CONCURRENTLY` (`postgresql_concurrently=True`), `DROP INDEX CONCURRENTLY` and `REINDEX ... CONCURRENTLY` that run inside the migration\'s transaction, i.e. outside `op.get_context().autocommit_block()`.',
    whyIsThisBad:
      'PostgreSQL refuses to run these statements in a transaction block: the migration fails at run time with "CREATE INDEX CONCURRENTLY cannot run inside a transaction block". Alembic runs every migration in a transaction on PostgreSQL, so the statement must go in an autocommit block. (No lock is taken: the upgrade simply fails, possibly half-way through a deploy.)',
    example: `op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)`,
    exampleSql: `BEGIN;
CREATE INDEX CONCURRENTLY ix_users_email ON users (email);  -- ERROR: cannot run inside a transaction block`,
    useInstead: `with op.get_context().autocommit_block():
    op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)`,
    useInsteadSql: `COMMIT;
CREATE INDEX CONCURRENTLY ix_users_email ON users (email);
BEGIN;`,
    options:
      'None. If env.py runs migrations without a transaction (`transactional_ddl=False`), the statement is fine there but the rule cannot see it: ignore it with `# alembic-guard: ignore[ban-concurrent-index-creation-in-transaction]`.',
    references: [
      'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY',
      'https://squawkhq.com/docs/ban-concurrent-index-creation-in-transaction',
      'https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.migration.MigrationContext.autocommit_block',
    ],
  },
  check(ctx) {
    const out = [];
    for (const op of upgradeOps(ctx, 'create-index', 'drop-index', 'reindex')) {
      if (!op.concurrently || !op.inTransaction) continue;
      const what = op.kind === 'create-index' ? 'CREATE INDEX CONCURRENTLY' : op.kind === 'drop-index' ? 'DROP INDEX CONCURRENTLY' : 'REINDEX CONCURRENTLY';
      out.push(
        report(op, `${what}${via(op)} runs inside the migration's transaction: PostgreSQL rejects it ("cannot run inside a transaction block") and the upgrade fails.`, {
          python: 'Move the call into `with op.get_context().autocommit_block():`.',
          sql: 'Move the op.execute into `with op.get_context().autocommit_block():`.',
        }),
      );
    }
    return collapsePerCall(out);
  },
});
