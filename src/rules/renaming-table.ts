import { defineRule } from './define.js';
import { collapsePerCall, newNameRef, q, report, tableRef, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'renaming-table',
  severity: 'warning',
  category: 'operation',
  docs: {
    whatItDoes: 'Flags renaming a table that existed before this revision (`op.rename_table(...)`, `ALTER TABLE ... RENAME TO`).',
    whyIsThisBad:
      'The rename is instant (a brief ACCESS EXCLUSIVE lock), but the application code still running during the deploy queries the old name and fails until every instance runs the new code.',
    example: `op.rename_table("users", "accounts")`,
    exampleSql: `ALTER TABLE users RENAME TO accounts;`,
    useInstead: `# Rename, and keep the old name working with a view until the old code is gone
# (drop the view in a later revision).
op.rename_table("users", "accounts")  # alembic-guard: ignore[renaming-table] old name kept as a view
op.execute("CREATE VIEW users AS SELECT * FROM accounts")`,
    useInsteadSql: `ALTER TABLE users RENAME TO accounts;
CREATE VIEW users AS SELECT * FROM accounts;`,
    references: ['https://squawkhq.com/docs/renaming-table'],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'rename-table')
        .filter((op) => !op.tableCreatedInRevision)
        .map((op) =>
          report(
            op,
            `Renaming ${op.computed?.table !== undefined ? tableRef(op) : `table ${q(op.table)}`} to ${newNameRef(op)}${via(op)} breaks the application code still running with the old name until the deploy finishes.`,
            'Keep the old name working during the deploy (for example a view `CREATE VIEW old AS SELECT * FROM new`), or copy the data into a new table in steps; drop the old name in a later release.',
          ),
        ),
    );
  },
});
