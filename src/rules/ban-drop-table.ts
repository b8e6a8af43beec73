import { defineRule } from './define.js';
import { collapsePerCall, q, report, tableRef, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'ban-drop-table',
  severity: 'warning',
  category: 'operation',
  docs: {
    whatItDoes: 'Flags dropping a table that existed before this revision (`op.drop_table(...)`, `DROP TABLE`).',
    whyIsThisBad:
      'The data is gone for good, DROP TABLE takes an ACCESS EXCLUSIVE lock, and application code still running during the deploy fails on every query of the table.',
    example: `op.drop_table("legacy_events")`,
    exampleSql: `DROP TABLE legacy_events;`,
    useInstead: `# Stop using the table a release earlier, keep a copy if the data may be needed, then drop it
# and say so:
op.drop_table("legacy_events")  # alembic-guard: ignore[ban-drop-table] unused since 2.3, archived`,
    useInsteadSql: `DROP TABLE legacy_events;`,
    references: ['https://squawkhq.com/docs/ban-drop-table'],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'drop-table')
        .filter((op) => !op.tableCreatedInRevision)
        .map((op) =>
          report(
            op,
            `Dropping ${op.computed?.table !== undefined ? tableRef(op) : `table ${q(op.table)}`}${via(op)} deletes its data and breaks application code still running that uses it.`,
            'Stop using the table in the application first (a release earlier) and keep a backup if needed; then confirm with `# alembic-guard: ignore[ban-drop-table]` on this line.',
          ),
        ),
    );
  },
});
