import { defineRule } from './define.js';
import type { FindingDraft, PyValue } from '../model.js';
import type { Operation } from '../ops/model.js';
import { lintedRevisions, q, report } from './support.js';

/** `op.create_*` calls whose first argument is the constraint's name. */
const CREATE_CALLS = new Set(['create_foreign_key', 'create_unique_constraint', 'create_check_constraint', 'create_primary_key', 'create_exclude_constraint']);

const KIND: Record<string, string> = {
  'primary-key': 'primary key',
  unique: 'unique constraint',
  'foreign-key': 'foreign key',
  check: 'check constraint',
  exclusion: 'exclusion constraint',
  'not-null': 'constraint',
};

/** The name argument of an op.* call written as `None`. */
function nameIsNone(op: Operation, kwarg: string): boolean {
  if (op.source.kind !== 'python') return false;
  const call = op.source.call;
  const v: PyValue | undefined = call.kwargs[kwarg] ?? call.args[0];
  return v !== undefined && v.kind === 'none';
}

/** SQLAlchemy's default index naming convention (`ix_%(column_0_label)s`). */
function defaultIndexName(table: string, column: string | undefined): string {
  return `ix_${table}_${column ?? 'col'}`;
}

export default defineRule({
  id: 'unnamed-constraint',
  severity: 'error',
  category: 'operation',
  docs: {
    whatItDoes:
      'Flags indexes and constraints created without a name, and drops that pass None as the name. Creating without a name in upgrade(): `op.create_index(None, ...)`, `op.create_foreign_key(None, ...)`, `op.create_unique_constraint(None, ...)`, `op.create_check_constraint(None, ...)`, `op.create_primary_key(None, ...)` (warnings), the same in `op.execute` SQL (`ALTER TABLE … ADD FOREIGN KEY`, `CREATE INDEX ON …`), and `op.drop_constraint(None, ...)` / `op.drop_index(None, ...)` in upgrade() or downgrade() (errors: they always fail). Constraints declared inline in `op.create_table(...)` (`sa.ForeignKey`, `sa.UniqueConstraint`, `unique=True`, ...) or `op.add_column(...)` are deliberately not flagged: they are dropped together with their table or column, which is how their downgrade removes them.',
    whyIsThisBad:
      "A constraint created without a name gets one from the database (PostgreSQL: `orders_user_id_fkey`, `users_email_key`; MySQL and SQLite differ) or from the naming convention of the application's MetaData as it is when the migration runs, so the name is not written down anywhere. The downgrade, or a later migration, then has to guess it: `op.drop_constraint(None, ...)` fails every time (\"Can't emit DROP CONSTRAINT for constraint ...; it has no name\"), and a guessed name breaks on the next database or when the convention changes. This is exactly what autogenerate writes when no naming convention is configured.",
    example: `op.create_foreign_key(None, "orders", "users", ["user_id"], ["id"])`,
    exampleSql: `ALTER TABLE orders ADD FOREIGN KEY(user_id) REFERENCES users (id);`,
    useInstead: `op.create_foreign_key(op.f("fk_orders_user_id_users"), "orders", "users", ["user_id"], ["id"])`,
    useInsteadSql: `ALTER TABLE orders ADD CONSTRAINT fk_orders_user_id_users FOREIGN KEY(user_id) REFERENCES users (id);`,
    options: [
      'Give the MetaData a naming convention so autogenerate writes the names for you:',
      '',
      '```python',
      'metadata = sa.MetaData(naming_convention={',
      '    "ix": "ix_%(column_0_label)s",',
      '    "uq": "uq_%(table_name)s_%(column_0_name)s",',
      '    "ck": "ck_%(table_name)s_%(constraint_name)s",',
      '    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",',
      '    "pk": "pk_%(table_name)s",',
      '})',
      '```',
      '',
      'Set the severity with `[tool.alembic-guard.rules] unnamed-constraint = "warning"`, or suppress one call with `# alembic-guard: ignore[unnamed-constraint]` on its line.',
    ].join('\n'),
    references: [
      'https://alembic.sqlalchemy.org/en/latest/naming.html',
      'https://docs.sqlalchemy.org/en/20/core/constraints.html#configuring-constraint-naming-conventions',
    ],
  },
  check(ctx) {
    const out: FindingDraft[] = [];
    for (const rev of lintedRevisions(ctx)) {
      for (const op of rev.upgrade) {
        if (op.kind === 'create-index' && op.name === null) {
          if (op.source.kind === 'python' && op.source.call.name === 'create_index') {
            const name = defaultIndexName(op.table.name, op.columns[0]);
            out.push({
              ...report(
                op,
                `${op.source.call.receiver}.create_index(None, ...) on ${q(op.table)}: the index is named by the naming convention in force when the migration runs (${name} with SQLAlchemy's default), so the downgrade has to guess its name.`,
                `Name it: \`op.create_index(op.f("${name}"), ...)\`, and drop it by that name in downgrade().`,
              ),
              severity: 'warning',
            });
          } else if (op.source.kind === 'sql') {
            out.push({
              ...report(op, `CREATE INDEX without a name on ${q(op.table)}: PostgreSQL picks the name, so the downgrade has to guess it.`, 'Name the index in the CREATE INDEX statement and drop it by that name in downgrade().'),
              severity: 'warning',
            });
          }
        }
        if (op.kind === 'add-constraint' && op.constraint.name === null) {
          const kind = KIND[op.constraint.type] ?? 'constraint';
          if (op.source.kind === 'python' && CREATE_CALLS.has(op.source.call.name)) {
            out.push({
              ...report(
                op,
                `${op.source.call.receiver}.${op.source.call.name}(None, ...) creates a ${kind} on ${q(op.table)} without a name: the database (or the naming convention in force at run time) picks it, so the downgrade cannot drop it reliably.`,
                `Name it: \`op.${op.source.call.name}(op.f("<name>"), ...)\`, and drop it by that name in downgrade().`,
              ),
              severity: 'warning',
            });
          } else if (op.source.kind === 'sql') {
            out.push({
              ...report(op, `ALTER TABLE ${q(op.table)} ADD ${kind.toUpperCase()} without a name: PostgreSQL picks it, so the downgrade cannot drop it reliably.`, 'Use ADD CONSTRAINT <name> ... and drop it by that name in downgrade().'),
              severity: 'warning',
            });
          }
        }
      }
      for (const op of [...rev.upgrade, ...rev.downgrade]) {
        if (op.kind === 'drop-constraint' && op.name === null && nameIsNone(op, 'constraint_name')) {
          out.push(
            report(
              op,
              `drop_constraint(None, ...) on ${q(op.table)} in ${op.phase}() always fails: SQLAlchemy cannot emit DROP CONSTRAINT without the constraint's name ("it has no name", or an IndexError when a naming convention needs its columns).`,
              'Pass the constraint\'s real name (look it up with `\\d table` in psql; PostgreSQL names an unnamed foreign key <table>_<column>_fkey), and name constraints when creating them from now on.',
            ),
          );
        }
        // None (or no name at all) reads as '?' in the model; only then look at the call's argument.
        if (op.kind === 'drop-index' && op.name === '?' && nameIsNone(op, 'index_name')) {
          out.push(
            report(
              op,
              `drop_index(None, ...) in ${op.phase}() drops an index named ${op.table !== undefined ? `ix_${op.table.name}_x` : 'ix_<table>_x'} (Alembic fills in a placeholder column \`x\` for the naming convention), which is not the index you mean: it fails with "index does not exist".`,
              'Pass the index\'s real name (SQLAlchemy\'s default convention names it ix_<table>_<column>).',
            ),
          );
        }
      }
    }
    return out;
  },
});
