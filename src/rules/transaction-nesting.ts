import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { lintedRevisions, report } from './support.js';

const WHAT: Record<string, string> = {
  begin: 'BEGIN starts a transaction inside the one Alembic already opened (PostgreSQL ignores it with a warning), and the COMMIT that usually follows it ends Alembic\'s transaction early',
  commit: "COMMIT ends the transaction Alembic opened for the migration: everything before it is committed even if a later step fails, so a failed migration leaves the schema half-changed while alembic_version still names the previous revision",
  rollback: "ROLLBACK throws away the migration's earlier steps inside Alembic's transaction and ends it, so the statements after it run outside any transaction Alembic knows about",
  prepare: "PREPARE TRANSACTION hands Alembic's transaction to two-phase commit: the migration's own steps and the alembic_version update are left in limbo",
};

export default defineRule({
  id: 'transaction-nesting',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      "Flags `BEGIN`, `COMMIT`, `ROLLBACK` (also `END`, `ABORT`, `START TRANSACTION`, `PREPARE TRANSACTION`) issued through `op.execute(...)` in upgrade(). Alembic runs each migration inside a transaction it manages (env.py's `context.begin_transaction()`); SAVEPOINT and RELEASE are fine and are not flagged. Alembic's own BEGIN / COMMIT lines in offline SQL are not flagged.",
    whyIsThisBad:
      "A COMMIT in the middle of a migration commits the steps before it, so when a later step fails the database is left half-migrated while alembic_version still points at the previous revision: rerunning the migration then fails on the steps that already ran. BEGIN inside Alembic's transaction only produces a warning, and a ROLLBACK silently discards the earlier steps. Statements that must run outside a transaction (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE before PostgreSQL 12, VACUUM) belong in Alembic's autocommit block, which commits and reopens the transaction in a way Alembic tracks.",
    example: `op.execute("COMMIT")
op.execute("CREATE INDEX CONCURRENTLY ix_users_email ON users (email)")`,
    exampleSql: `COMMIT;
CREATE INDEX CONCURRENTLY ix_users_email ON users (email);`,
    useInstead: `with op.get_context().autocommit_block():
    op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)`,
    useInsteadSql: `COMMIT;  -- emitted by Alembic's autocommit_block
CREATE INDEX CONCURRENTLY ix_users_email ON users (email);
BEGIN;`,
    references: [
      'https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.migration.MigrationContext.autocommit_block',
      'https://squawkhq.com/docs/transaction-nesting',
    ],
  },
  check(ctx) {
    const out: FindingDraft[] = [];
    for (const rev of lintedRevisions(ctx)) {
      for (const op of rev.upgrade) {
        if (op.kind !== 'transaction-control' || op.source.kind !== 'sql' || op.source.call === undefined) continue;
        const what = WHAT[op.statement];
        if (what === undefined) continue;
        const stmt = op.source.statement.trim().replace(/;$/, '').replace(/\s+/g, ' ');
        out.push(
          report(op, `\`${stmt}\` in op.execute(): ${what}.`, {
            python:
              op.statement === 'rollback'
                ? 'Remove it: to undo work, raise an exception and let Alembic roll the migration back.'
                : 'Remove it. Run statements that cannot run in a transaction inside `with op.get_context().autocommit_block():` instead.',
          }),
        );
      }
    }
    return out;
  },
});
