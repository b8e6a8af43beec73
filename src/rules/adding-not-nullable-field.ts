import { defineRule } from './define.js';
import type { RuleContext } from './define.js';
import type { OperationOf } from '../ops/model.js';
import { operationsFromCall } from '../ops/from-python.js';
import { callRunsIn, collapsePerCall, columnBefore, columnRef, earlier, py, q, report, revisionOf, sameTable, target, upgradeOps, via } from './support.js';

/** Does a CHECK expression prove `col IS NOT NULL`? */
function provesNotNull(expression: string, col: string): boolean {
  const e = expression.toLowerCase().replace(/\s+/g, ' ');
  return e.includes(col) && e.includes('is not null');
}

/**
 * A CHECK (col IS NOT NULL) on the same table anywhere in the history, or a VALIDATE earlier in
 * this revision. Revisions outside the operation model (before the baseline) are read from their
 * op.create_check_constraint calls.
 */
function followsCheckPattern(ctx: RuleContext, op: OperationOf<'set-not-null'>): boolean {
  const rev = revisionOf(ctx, op);
  if (rev !== undefined && earlier(rev, op).some((o) => o.kind === 'validate-constraint' && sameTable(o.table, op.table))) return true;
  const col = op.column.toLowerCase();
  for (const r of ctx.ops?.revisions ?? []) {
    for (const o of r.upgrade) {
      if (o.kind !== 'add-constraint' || !sameTable(o.table, op.table)) continue;
      const c = o.constraint;
      if (c.type === 'not-null' && c.columns.some((x) => x.toLowerCase() === col)) return true;
      if (c.type === 'check' && provesNotNull(c.expression ?? '', col)) return true;
    }
  }
  for (const f of ctx.files) {
    if (ctx.ops?.byPath.has(f.path)) continue;
    for (const c of f.opCalls) {
      if (c.name !== 'create_check_constraint' || !callRunsIn(ctx, f, c, 'upgrade')) continue;
      for (const d of operationsFromCall(c, { sql: () => [] })) {
        if (d.kind === 'add-constraint' && sameTable(d.table, op.table) && provesNotNull(d.constraint.expression ?? '', col)) return true;
      }
    }
  }
  return false;
}

export const rule = defineRule({
  id: 'adding-not-nullable-field',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags setting NOT NULL on an existing column (`op.alter_column(..., nullable=False)`, `ALTER COLUMN ... SET NOT NULL`) of a table that existed before this revision, unless a `CHECK (col IS NOT NULL)` constraint was added and validated first. A column the earlier revisions already made NOT NULL (created `nullable=False` or as part of the primary key, or set NOT NULL since) is not reported: the statement changes nothing and scans nothing.',
    whyIsThisBad:
      '`SET NOT NULL` takes an ACCESS EXCLUSIVE lock on the table and scans every row to prove there is no NULL: nothing can read or write the table for the duration of the scan. From PostgreSQL 12 on, the scan is skipped when a valid `CHECK (col IS NOT NULL)` constraint already proves it; from PostgreSQL 18 on, a `NOT NULL ... NOT VALID` constraint does the same job directly.',
    example: `op.alter_column("users", "email", existing_type=sa.String(), nullable=False)`,
    exampleSql: `ALTER TABLE users ALTER COLUMN email SET NOT NULL;`,
    useInstead: `# Revision 1: a CHECK constraint that does not scan (NOT VALID).
op.create_check_constraint(
    "ck_users_email_not_null", "users", "email IS NOT NULL", postgresql_not_valid=True
)
# Revision 2 (a later deploy): validate without blocking writes, then SET NOT NULL uses the
# constraint instead of scanning, and the CHECK can go.
op.execute("ALTER TABLE users VALIDATE CONSTRAINT ck_users_email_not_null")
op.alter_column("users", "email", existing_type=sa.String(), nullable=False)
op.drop_constraint("ck_users_email_not_null", "users", type_="check")`,
    useInsteadSql: `ALTER TABLE users ADD CONSTRAINT ck_users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
-- later revision
ALTER TABLE users VALIDATE CONSTRAINT ck_users_email_not_null;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT ck_users_email_not_null;`,
    options:
      'The advice follows `[tool.alembic-guard] postgres_version`: before 12 there is no way to avoid the scan; 12 to 17 use the CHECK path above; 18 and later can add `NOT NULL ... NOT VALID` and validate it.',
    references: [
      'https://squawkhq.com/docs/adding-not-nullable-field',
      'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL',
    ],
  },
  check(ctx) {
    const { postgresVersion } = target(ctx);
    return collapsePerCall(
      upgradeOps(ctx, 'set-not-null')
        // Already NOT NULL as the revisions below leave it: the statement changes nothing and scans nothing.
        .filter((op) => !op.tableCreatedInRevision && columnBefore(ctx, op, op.table, op.column)?.nullable !== false && !followsCheckPattern(ctx, op))
        .map((op) => {
          const name = `ck_${op.table.name}_${op.column}_not_null`;
          const fix =
            postgresVersion >= 18
              ? `On PostgreSQL ${postgresVersion}: add the constraint without a scan, \`op.execute("ALTER TABLE ${q(op.table)} ADD CONSTRAINT ${op.table.name}_${op.column}_not_null NOT NULL ${op.column} NOT VALID")\`, then in a later revision \`VALIDATE CONSTRAINT\` it (no blocking scan).`
              : postgresVersion >= 12
                ? `Add \`op.create_check_constraint(${py(name)}, ${py(op.table.name)}, "${op.column} IS NOT NULL", postgresql_not_valid=True)\`, then in a later revision \`op.execute("ALTER TABLE ${q(op.table)} VALIDATE CONSTRAINT ${name}")\`, \`alter_column(..., nullable=False)\` (no scan now) and drop the CHECK.`
                : `PostgreSQL ${postgresVersion} always scans for SET NOT NULL: run it at a quiet time with a short lock_timeout, or keep a validated CHECK (${op.column} IS NOT NULL) constraint instead.`;
          return report(
            op,
            `Setting NOT NULL on ${columnRef(op)}${via(op)} scans the whole table under an ACCESS EXCLUSIVE lock: no reads or writes until it finishes.`,
            fix,
          );
        }),
    );
  },
});
