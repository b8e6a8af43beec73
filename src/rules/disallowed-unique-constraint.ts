import { defineRule } from './define.js';
import { collapsePerCall, nameRef, q, report, tableRef, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'disallowed-unique-constraint',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags a UNIQUE constraint added to a table that existed before this revision (`op.create_unique_constraint(...)`, `sa.Column(..., unique=True)` in `op.add_column`, `ADD CONSTRAINT ... UNIQUE` in SQL) unless it is built from an existing index (`USING INDEX`).',
    whyIsThisBad:
      'Adding a UNIQUE constraint builds its index while holding an ACCESS EXCLUSIVE lock on the table: no reads or writes until the index is built. Building a unique index CONCURRENTLY first and then attaching it with `ADD CONSTRAINT ... UNIQUE USING INDEX` only needs the lock for an instant.',
    example: `op.create_unique_constraint("uq_users_email", "users", ["email"])`,
    exampleSql: `ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE (email);`,
    useInstead: `with op.get_context().autocommit_block():
    op.create_index(
        "uq_users_email", "users", ["email"], unique=True, postgresql_concurrently=True
    )
op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX uq_users_email")`,
    useInsteadSql: `CREATE UNIQUE INDEX CONCURRENTLY uq_users_email ON users (email);
ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX uq_users_email;`,
    references: [
      'https://squawkhq.com/docs/disallowed-unique-constraint',
      'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX',
    ],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'add-constraint')
        .filter((op) => op.constraint.type === 'unique' && op.constraint.usingIndex === undefined && !op.tableCreatedInRevision)
        .map((op) => {
          const name = op.constraint.name ?? `uq_${op.table.name}_${op.constraint.columns.join('_')}`;
          return report(
            op,
            `Adding ${nameRef(op, 'UNIQUE constraint', op.constraint.name, `a UNIQUE constraint on (${op.constraint.columns.join(', ')})`)} to ${tableRef(op)}${via(op)} builds its index under an ACCESS EXCLUSIVE lock: no reads or writes until it is built.`,
            `Build the index first: \`op.create_index("${name}", "${op.table.name}", [...], unique=True, postgresql_concurrently=True)\` in an autocommit block, then \`op.execute("ALTER TABLE ${q(op.table)} ADD CONSTRAINT ${name} UNIQUE USING INDEX ${name}")\`.`,
          );
        }),
    );
  },
});
