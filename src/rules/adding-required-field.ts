import { defineRule } from './define.js';
import { collapsePerCall, report, tableRef, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'adding-required-field',
  severity: 'error',
  category: 'operation',
  docs: {
    whatItDoes:
      'Flags adding a NOT NULL column without a server default (`sa.Column(..., nullable=False)` with no `server_default`) to a table that existed before this revision. Identity, serial and generated columns are left to `adding-field-with-default`.',
    whyIsThisBad:
      'Every existing row would get NULL in a column that forbids it, so the ALTER TABLE fails ("column contains null values") as soon as the table has a row: the migration works on an empty development database and breaks in production. A Python-side `default=` does not help: it is not a database default.',
    example: `op.add_column("users", sa.Column("age", sa.Integer(), nullable=False))`,
    exampleSql: `ALTER TABLE users ADD COLUMN age INTEGER NOT NULL;  -- ERROR: column "age" contains null values`,
    useInstead: `# Either a constant server default (PostgreSQL 11+ adds it without rewriting the table):
op.add_column("users", sa.Column("age", sa.Integer(), nullable=False, server_default="0"))
# or add it nullable, backfill in batches, and set NOT NULL in a later revision.
op.add_column("users", sa.Column("nickname", sa.String(), nullable=True))`,
    useInsteadSql: `ALTER TABLE users ADD COLUMN age INTEGER DEFAULT '0' NOT NULL;
ALTER TABLE users ADD COLUMN nickname VARCHAR;`,
    references: ['https://squawkhq.com/docs/adding-required-field', 'https://www.postgresql.org/docs/current/sql-altertable.html'],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'add-column')
        .filter((op) => {
          const c = op.column;
          return !op.tableCreatedInRevision && !c.nullable && c.serverDefault === undefined && !c.identity && !c.serial && c.generated === undefined;
        })
        .map((op) =>
          report(
            op,
            `Adding ${op.column.name !== null ? `NOT NULL column ${op.column.name}` : 'a NOT NULL column whose name is computed at run time'} to ${tableRef(op)} without a server default${via(op)} fails as soon as the table has a row (the existing rows would be NULL).`,
            {
              python: 'Give it a constant `server_default=...`, or add it with `nullable=True`, backfill, and set `nullable=False` in a later revision.',
              sql: 'Give the column a constant DEFAULT, or add it nullable, backfill, and SET NOT NULL in a later revision.',
            },
          ),
        ),
    );
  },
});
