import { defineRule } from './define.js';
import { collapsePerCall, columnRef, report, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'ban-drop-column',
  severity: 'warning',
  category: 'operation',
  docs: {
    whatItDoes: 'Flags dropping a column of a table that existed before this revision (`op.drop_column(...)`, `DROP COLUMN`).',
    whyIsThisBad:
      'The data is gone for good, and the application code still running during the deploy names the column in its queries (SQLAlchemy lists every mapped column in SELECT and INSERT), so those queries fail until every instance runs the new code. DROP COLUMN also takes an ACCESS EXCLUSIVE lock on the table, briefly.',
    example: `op.drop_column("users", "legacy_flag")`,
    exampleSql: `ALTER TABLE users DROP COLUMN legacy_flag;`,
    useInstead: `# Release 1: stop using the column in the application (remove it from the model, or mark
# it deferred), and make it nullable so inserts without it work:
op.alter_column("users", "legacy_flag", existing_type=sa.Boolean(), nullable=True)  # alembic-guard: ignore[ban-drop-not-null]
# Release 2, once no running code references it: drop it (with an ignore comment saying so).`,
    useInsteadSql: `ALTER TABLE users ALTER COLUMN legacy_flag DROP NOT NULL;`,
    references: ['https://squawkhq.com/docs/ban-drop-column'],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'drop-column')
        .filter((op) => !op.tableCreatedInRevision)
        .map((op) =>
          report(
            op,
            `Dropping ${columnRef(op, true)}${via(op)} deletes its data and breaks application code still running that selects it.`,
            'Stop using the column in the application first (a release earlier), then drop it; confirm with `# alembic-guard: ignore[ban-drop-column]` on this line.',
          ),
        ),
    );
  },
});
