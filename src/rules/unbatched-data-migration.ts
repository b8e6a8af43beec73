import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { lintedRevisions, q, report } from './support.js';

export default defineRule({
  id: 'unbatched-data-migration',
  severity: 'warning',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags an `UPDATE` or `DELETE` without a `WHERE` clause (in `op.execute(...)`) on an existing table in upgrade(): one statement that touches every row of the table, inside the schema migration. Tables created earlier in the same revision are empty and are not flagged; statements with any WHERE clause are assumed to be bounded.',
    whyIsThisBad:
      "The statement takes a ROW EXCLUSIVE lock and a row lock on every row it changes, and holds them until the migration's transaction commits, together with the ACCESS EXCLUSIVE locks the migration's ALTERs took. On a large table that is minutes during which every write to those rows (and, behind the ALTERs, every query on the table) waits; the single transaction also writes a new version of every row, doubling the table's size until vacuum catches up and flooding WAL and replicas. If it fails half-way, all of it rolls back and the deploy is stuck.",
    example: `op.add_column("users", sa.Column("active", sa.Boolean(), nullable=True))
op.execute("UPDATE users SET active = true")`,
    exampleSql: `ALTER TABLE users ADD COLUMN active BOOLEAN;
UPDATE users SET active = true;`,
    useInstead: `op.add_column("users", sa.Column("active", sa.Boolean(), nullable=True))
conn = op.get_bind()
with op.get_context().autocommit_block():
    while True:
        done = conn.execute(sa.text(
            "UPDATE users SET active = true WHERE id IN "
            "(SELECT id FROM users WHERE active IS NULL LIMIT 5000)"
        )).rowcount
        if done == 0:
            break`,
    useInsteadSql: `ALTER TABLE users ADD COLUMN active BOOLEAN;
COMMIT;
-- repeated until it changes no row, each batch committed on its own:
UPDATE users SET active = true WHERE id IN (SELECT id FROM users WHERE active IS NULL LIMIT 5000);
BEGIN;`,
    options:
      'Backfills that really are small (a lookup table with a handful of rows) can be suppressed with `# alembic-guard: ignore[unbatched-data-migration]` on the `op.execute` line or the line above. Set the severity with `[tool.alembic-guard.rules] unbatched-data-migration = "error"` (or "off").',
    references: ['https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS', 'https://www.postgresql.org/docs/current/routine-vacuuming.html'],
  },
  check(ctx) {
    const out: FindingDraft[] = [];
    for (const rev of lintedRevisions(ctx)) {
      // Several such statements in one op.execute string on the same table: one finding.
      const seen = new Set<string>();
      for (const op of rev.upgrade) {
        if (op.kind !== 'data-change' || op.statement === 'insert' || op.hasWhere || op.table === null || op.tableCreatedInRevision) continue;
        const verb = op.statement === 'update' ? 'UPDATE' : 'DELETE';
        const where = op.inTransaction ? "inside the migration's transaction" : 'in one statement';
        const table = q(op.table);
        const key = `${op.loc.line}:${op.loc.column}:${verb}:${table.toLowerCase()}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(
          report(
            op,
            `${verb} ${table} without a WHERE clause ${op.statement === 'update' ? 'rewrites' : 'deletes'} every row of an existing table ${where}: the rows stay locked until the migration commits, and on a large table it runs for minutes and bloats ${table}.`,
            {
              python:
                op.statement === 'update'
                  ? `Backfill in batches that commit on their own: in \`with op.get_context().autocommit_block():\` loop over \`UPDATE ${table} SET ... WHERE id IN (SELECT id FROM ${table} WHERE <not done yet> LIMIT 5000)\` until it changes no row, or run the backfill as a separate job after the deploy.`
                  : `Delete in batches that commit on their own (\`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} LIMIT 5000)\` in an autocommit_block loop), or use TRUNCATE if the table really must be emptied.`,
            },
          ),
        );
      }
    }
    return out;
  },
});
