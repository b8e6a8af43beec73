import { defineRule } from './define.js';
import type { ColumnSpec } from '../ops/model.js';
import { collapsePerCall, report, tableRef, target, upgradeOps, via } from './support.js';

/** Why adding this column rewrites the table, or undefined when it does not. */
function rewriteReason(c: ColumnSpec, version: number): string | undefined {
  if (c.generated === 'stored') return 'a stored generated column is computed for every row';
  if (c.identity) return 'an identity column fills every existing row from its sequence';
  if (c.serial) return `a ${c.type.name === 'bigint' ? 'bigserial' : 'serial'} column (an integer primary key, which SQLAlchemy renders as SERIAL) fills every row from nextval()`;
  const d = c.serverDefault;
  if (d === undefined) return undefined;
  if (version < 11) return `before PostgreSQL 11 any DEFAULT is written into every row`;
  if (d.volatility === 'volatile') return `the default ${d.sql ?? d.text} is volatile, so it is evaluated and written for every row`;
  if (d.volatility === 'unknown' && d.sql !== undefined) return `the default ${d.sql} calls a function that may be volatile (then it is evaluated and written for every row)`;
  return undefined;
}

export const rule = defineRule({
  id: 'adding-field-with-default',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags adding a column to an existing table when PostgreSQL has to rewrite the table to do it: a volatile server default (`gen_random_uuid()`, `random()`, `clock_timestamp()`), any server default before PostgreSQL 11, a stored generated column (`sa.Computed`), an identity column (`sa.Identity`) or a serial column.',
    whyIsThisBad:
      'The rewrite holds an ACCESS EXCLUSIVE lock on the table while every row is copied and every index rebuilt: no reads or writes for minutes on a large table, and twice the disk space meanwhile. Since PostgreSQL 11 a constant (or stable, like `now()`) default is stored in the catalog instead and the ADD COLUMN is instant.',
    example: `op.add_column(
    "users",
    sa.Column("token", sa.Uuid(), nullable=False, server_default=sa.text("gen_random_uuid()")),
)`,
    exampleSql: `ALTER TABLE users ADD COLUMN token UUID DEFAULT gen_random_uuid() NOT NULL;`,
    useInstead: `# Add the column without the volatile default, backfill in batches, then add the default
# (it applies to new rows only) and NOT NULL in later revisions.
op.add_column("users", sa.Column("token", sa.Uuid(), nullable=True))
op.alter_column("users", "token", server_default=sa.text("gen_random_uuid()"))`,
    useInsteadSql: `ALTER TABLE users ADD COLUMN token UUID;
ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();`,
    options: 'Follows `[tool.alembic-guard] postgres_version`: before 11, every default rewrites the table.',
    references: [
      'https://squawkhq.com/docs/adding-field-with-default',
      'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES',
      'https://www.postgresql.org/docs/current/ddl-alter.html#DDL-ALTER-ADDING-A-COLUMN',
    ],
  },
  check(ctx) {
    const { postgresVersion } = target(ctx);
    const out = [];
    for (const op of upgradeOps(ctx, 'add-column')) {
      if (op.tableCreatedInRevision) continue;
      const why = rewriteReason(op.column, postgresVersion);
      if (why === undefined) continue;
      out.push(
        report(op, `Adding ${op.column.name !== null ? `column ${op.column.name}` : 'a column whose name is computed at run time'} to ${tableRef(op)}${via(op)} rewrites the whole table under an ACCESS EXCLUSIVE lock: ${why}.`, {
          python:
            'Add the column nullable without that default, backfill existing rows in batches, then `alter_column(..., server_default=...)` (affects new rows only) and set NOT NULL in a later revision.',
          sql: 'Add the column without that default, backfill in batches, then ALTER COLUMN ... SET DEFAULT (new rows only) and SET NOT NULL later.',
        }),
      );
    }
    return collapsePerCall(out);
  },
});
