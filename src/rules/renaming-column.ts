import { defineRule } from './define.js';
import { collapsePerCall, columnRef, newNameRef, report, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'renaming-column',
  severity: 'warning',
  category: 'operation',
  docs: {
    whatItDoes: 'Flags renaming a column of a table that existed before this revision (`op.alter_column(..., new_column_name=...)`, `RENAME COLUMN`).',
    whyIsThisBad:
      'The rename itself is instant (a brief ACCESS EXCLUSIVE lock), but the application code still running during the deploy uses the old name: every query that names the column fails until all instances run the new code. SQLAlchemy models name every column in SELECTs, so this is every query on the table.',
    example: `op.alter_column("users", "name", new_column_name="full_name")`,
    exampleSql: `ALTER TABLE users RENAME name TO full_name;`,
    useInstead: `# Expand and contract across deploys: add the new column, write both, backfill, switch
# reads, then drop the old column in a later revision.
op.add_column("users", sa.Column("full_name", sa.String(), nullable=True))`,
    useInsteadSql: `ALTER TABLE users ADD COLUMN full_name VARCHAR;`,
    references: ['https://squawkhq.com/docs/renaming-column'],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'rename-column')
        .filter((op) => !op.tableCreatedInRevision)
        .map((op) =>
          report(
            op,
            `Renaming ${columnRef(op)} to ${newNameRef(op)}${via(op)} breaks the application code still running with the old name until the deploy finishes.`,
            'Expand and contract: add the new column, write to both, backfill, move reads over, and drop the old column in a later release.',
          ),
        ),
    );
  },
});
