import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import type { Operation } from '../ops/model.js';
import { columnRef, lintedRevisions, q, report, tableRef } from './support.js';

/** Calls that add their column's constraints implicitly: Alembic skips those on SQLite with a warning. */
const IMPLICIT = new Set(['add_column', 'create_table']);

/** Why SQLite cannot run the operation outside batch mode; undefined when it can. */
function problem(op: Operation): { what: string; severity?: 'warning' } | undefined {
  if (op.source.kind !== 'python' || op.batch) return undefined;
  const call = op.source.call;
  switch (op.kind) {
    case 'alter-column-type':
    case 'set-not-null':
    case 'drop-not-null':
    case 'set-default':
      return { what: `SQLite has no ALTER COLUMN: ${call.receiver}.alter_column() on ${columnRef(op)} fails with a syntax error` };
    case 'add-constraint':
      if (IMPLICIT.has(call.name)) return undefined;
      return { what: `SQLite cannot add a constraint to an existing table: ${call.receiver}.${call.name}() on ${tableRef(op)} raises NotImplementedError ("No support for ALTER of constraints in SQLite dialect")` };
    case 'drop-constraint':
      return { what: `SQLite cannot drop a constraint: ${call.receiver}.drop_constraint() on ${tableRef(op)} raises NotImplementedError ("No support for ALTER of constraints in SQLite dialect")` };
    case 'drop-column':
      return {
        what: `${call.receiver}.drop_column() on ${tableRef(op)} emits ALTER TABLE ... DROP COLUMN, which SQLite only has since 3.35 and refuses for a column that is indexed, UNIQUE, part of a key or foreign key, or used by a CHECK, view or trigger`,
        severity: 'warning',
      };
    default:
      return undefined;
  }
}

export default defineRule({
  id: 'batch-alter-required',
  severity: 'error',
  category: 'operation',
  dialects: ['sqlite'],
  docs: {
    whatItDoes:
      "On SQLite, flags column and constraint changes that SQLite's ALTER TABLE cannot do, written outside `with op.batch_alter_table(...)`. That is `op.alter_column(...)` (a type, nullability or default change), `op.create_foreign_key` / `create_unique_constraint` / `create_check_constraint` / `create_primary_key`, and `op.drop_constraint(...)` written outside `with op.batch_alter_table(...)`, in upgrade() and downgrade() alike (a downgrade that cannot run is as broken as an upgrade). `op.drop_column(...)` outside batch mode is a warning: SQLite 3.35+ runs it for plain columns only. Renaming a column or a table, adding a column and creating or dropping an index work on SQLite directly and are not flagged.",
    whyIsThisBad:
      'SQLite\'s ALTER TABLE only renames, adds and (since 3.35, with restrictions) drops columns. Anything else makes the migration fail: Alembic emits `ALTER TABLE ... ALTER COLUMN`, which SQLite rejects with a syntax error, or raises NotImplementedError for constraints. Alembic\'s batch mode does these changes the way SQLite allows: it creates a new table with the new shape, copies the rows, drops the old table and renames the new one.',
    example: `
"""make the email column required

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.alter_column("users", "email", existing_type=sa.String(255), nullable=False)


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(255), nullable=True)
`,
    exampleSql: `ALTER TABLE users ALTER COLUMN email SET NOT NULL;
-- sqlite3.OperationalError: near "ALTER": syntax error`,
    useInstead: `
"""make the email column required

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(255), nullable=False)


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(255), nullable=True)
`,
    useInsteadSql: `CREATE TABLE _alembic_tmp_users (id INTEGER NOT NULL, email VARCHAR(255) NOT NULL, PRIMARY KEY (id));
INSERT INTO _alembic_tmp_users (id, email) SELECT users.id, users.email FROM users;
DROP TABLE users;
ALTER TABLE _alembic_tmp_users RENAME TO users;`,
    options:
      'Projects that configure `render_as_batch=True` in env.py get batch blocks from autogenerate. Set the severity with `[tool.alembic-guard.rules] batch-alter-required = "warning"`, or suppress one call with `# alembic-guard: ignore[batch-alter-required]` on its line.',
    references: ['https://alembic.sqlalchemy.org/en/latest/batch.html', 'https://www.sqlite.org/lang_altertable.html'],
  },
  check(ctx) {
    const out: FindingDraft[] = [];
    for (const rev of lintedRevisions(ctx)) {
      const seen = new Set<string>();
      for (const op of [...rev.upgrade, ...rev.downgrade]) {
        const p = problem(op);
        if (p === undefined) continue;
        const key = `${op.loc.line}:${op.loc.column}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const table = 'table' in op && op.table !== undefined && op.table !== null ? q(op.table) : 'the_table';
        out.push({
          ...report(
            op,
            `${p.what}.`,
            `Wrap it in batch mode, which recreates the table: \`with op.batch_alter_table("${table}") as batch_op:\` and call \`batch_op.${op.source.kind === 'python' ? op.source.call.name : 'alter_column'}(...)\` without the table name.`,
          ),
          ...(p.severity !== undefined ? { severity: p.severity } : {}),
        });
      }
    }
    return out;
  },
});
