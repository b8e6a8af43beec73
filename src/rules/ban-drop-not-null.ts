import { defineRule } from './define.js';
import { collapsePerCall, columnRef, report, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'ban-drop-not-null',
  severity: 'warning',
  category: 'operation',
  docs: {
    whatItDoes: 'Flags dropping NOT NULL from a column of an existing table (`op.alter_column(..., nullable=True)`, `ALTER COLUMN ... DROP NOT NULL`).',
    whyIsThisBad:
      'Code that reads the column (the running application, reports, other services) assumes it is never NULL; once NULLs appear they fail in ways far from this migration. It also takes a brief ACCESS EXCLUSIVE lock. Sometimes it is exactly what you want, as the first step of retiring a column.',
    example: `op.alter_column("users", "email", existing_type=sa.String(), nullable=True)`,
    exampleSql: `ALTER TABLE users ALTER COLUMN email DROP NOT NULL;`,
    useInstead: `# Make sure every reader handles NULL first, then say so on the line:
op.alter_column("users", "email", existing_type=sa.String(), nullable=True)  # alembic-guard: ignore[ban-drop-not-null]`,
    useInsteadSql: `ALTER TABLE users ALTER COLUMN email DROP NOT NULL;`,
    references: ['https://squawkhq.com/docs/ban-drop-not-null'],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'drop-not-null')
        .filter((op) => !op.tableCreatedInRevision)
        .map((op) =>
          report(
            op,
            `Dropping NOT NULL from ${columnRef(op)}${via(op)} lets NULLs into a column that readers assume is always set.`,
            'Check that every reader handles NULL, then confirm with `# alembic-guard: ignore[ban-drop-not-null]` on this line.',
          ),
        ),
    );
  },
});
