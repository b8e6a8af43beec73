import { defineRule } from './define.js';
import { collapsePerCall, columnBefore, columnRef, report, upgradeOps, via } from './support.js';
import { typeChangeRewrites, typeLabel } from '../ops/types.js';

export const rule = defineRule({
  id: 'changing-column-type',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags `op.alter_column(..., type_=...)` (and `ALTER COLUMN ... TYPE`) on a table that existed before this revision, except the changes PostgreSQL makes without touching the rows: growing a `varchar` limit or removing it, `varchar` to `text`, and growing a `numeric` precision at the same scale. `existing_type=` tells the rule what the column was; without it the rule takes the type the earlier revisions of the history gave the column, and assumes a rewrite when they do not show it.',
    whyIsThisBad:
      'Most type changes rewrite the whole table and rebuild its indexes while holding an ACCESS EXCLUSIVE lock: no reads or writes for the duration, and clients that still send the old type may start failing.',
    example: `op.alter_column("users", "id", existing_type=sa.Integer(), type_=sa.BigInteger())`,
    exampleSql: `ALTER TABLE users ALTER COLUMN id TYPE BIGINT;`,
    useInstead: `# Growing a varchar (or going to text) does not rewrite:
op.alter_column("users", "name", existing_type=sa.String(50), type_=sa.String(100))
# For a real type change: add a new column, backfill it in batches, switch the application
# over, then drop the old column in a later revision.
op.add_column("users", sa.Column("id_new", sa.BigInteger(), nullable=True))`,
    useInsteadSql: `ALTER TABLE users ALTER COLUMN name TYPE VARCHAR(100);
ALTER TABLE users ADD COLUMN id_new BIGINT;`,
    references: [
      'https://squawkhq.com/docs/changing-column-type',
      'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES',
    ],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'alter-column-type')
        .filter((op) => !op.tableCreatedInRevision)
        // Without existing_type=, the type the revisions below gave the column.
        .map((op) => ({ op, from: op.from ?? columnBefore(ctx, op, op.table, op.column)?.type }))
        .filter(({ op, from }) => typeChangeRewrites(from, op.to))
        .map(({ op, from }) => {
          const change = from !== undefined ? `from ${typeLabel(from)} to ${typeLabel(op.to)}` : `to ${typeLabel(op.to)}`;
          const unknownFrom =
            from === undefined && op.source.kind === 'python' ? ' (no existing_type=, and the earlier revisions do not show the column\'s type, so the rule cannot prove it is a safe change)' : '';
          return report(
            op,
            `Changing ${columnRef(op)} ${change}${via(op)} rewrites the table and its indexes under an ACCESS EXCLUSIVE lock${unknownFrom}.`,
            'Add a new column of the new type, backfill it in batches, switch the application to it, and drop the old column in a later revision. (Growing varchar or numeric precision, or varchar → text, is safe: pass existing_type= so the rule can tell.)',
          );
        }),
    );
  },
});
