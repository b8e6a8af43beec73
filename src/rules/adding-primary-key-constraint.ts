import { defineRule } from './define.js';
import { collapsePerCall, q, report, tableRef, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'adding-primary-key-constraint',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags a primary key added to a table that existed before this revision (`op.create_primary_key(...)`, `ADD PRIMARY KEY` in SQL) unless it is built from an existing unique index (`USING INDEX`).',
    whyIsThisBad:
      'Adding a primary key builds a unique index (and sets NOT NULL on its columns, scanning the table) while holding an ACCESS EXCLUSIVE lock: no reads or writes until both are done. Building the unique index CONCURRENTLY first and attaching it with `ADD CONSTRAINT ... PRIMARY KEY USING INDEX` keeps the lock short.',
    example: `op.create_primary_key("pk_events", "events", ["id"])`,
    exampleSql: `ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY (id);`,
    useInstead: `with op.get_context().autocommit_block():
    op.create_index("pk_events", "events", ["id"], unique=True, postgresql_concurrently=True)
# id must already be NOT NULL (see adding-not-nullable-field for how to get there safely).
op.execute("ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY USING INDEX pk_events")`,
    useInsteadSql: `CREATE UNIQUE INDEX CONCURRENTLY pk_events ON events (id);
ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY USING INDEX pk_events;`,
    references: [
      'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX',
      'https://squawkhq.com/docs/adding-serial-primary-key-field',
    ],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'add-constraint')
        .filter((op) => op.constraint.type === 'primary-key' && op.constraint.usingIndex === undefined && !op.tableCreatedInRevision)
        .map((op) => {
          const name = op.constraint.name ?? `${op.table.name}_pkey`;
          return report(
            op,
            `Adding a primary key to ${tableRef(op)}${via(op)} builds its unique index (and checks NOT NULL) under an ACCESS EXCLUSIVE lock: no reads or writes until done.`,
            `Build the index first: \`op.create_index("${name}", "${op.table.name}", [...], unique=True, postgresql_concurrently=True)\` in an autocommit block, then \`op.execute("ALTER TABLE ${q(op.table)} ADD CONSTRAINT ${name} PRIMARY KEY USING INDEX ${name}")\`.`,
          );
        }),
    );
  },
});
