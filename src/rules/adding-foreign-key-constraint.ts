import { defineRule } from './define.js';
import { collapsePerCall, nameRef, q, report, tableRef, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'adding-foreign-key-constraint',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags a foreign key added to a table that existed before this revision without `postgresql_not_valid=True` (NOT VALID): `op.create_foreign_key(...)`, `sa.ForeignKey(...)` on a column added with `op.add_column`, and `ADD CONSTRAINT ... FOREIGN KEY` / `REFERENCES` in `op.execute`.',
    whyIsThisBad:
      'Adding a foreign key takes a SHARE ROW EXCLUSIVE lock on both the table and the referenced table, and validates every existing row while holding it: inserts, updates and deletes on both tables wait for the whole scan. With NOT VALID the constraint is added instantly (new rows are checked) and `VALIDATE CONSTRAINT` later scans without blocking writes.',
    example: `op.create_foreign_key("fk_orders_user_id", "orders", "users", ["user_id"], ["id"])`,
    exampleSql: `ALTER TABLE orders ADD CONSTRAINT fk_orders_user_id FOREIGN KEY(user_id) REFERENCES users (id);`,
    useInstead: `op.create_foreign_key(
    "fk_orders_user_id", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True
)
# and in a later revision:
# op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user_id")`,
    useInsteadSql: `ALTER TABLE orders ADD CONSTRAINT fk_orders_user_id FOREIGN KEY(user_id) REFERENCES users (id) NOT VALID;
-- later revision
ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user_id;`,
    references: [
      'https://squawkhq.com/docs/adding-foreign-key-constraint',
      'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES',
    ],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'add-constraint')
        .filter((op) => op.constraint.type === 'foreign-key' && !op.constraint.notValid && !op.tableCreatedInRevision)
        .map((op) => {
          const ref = op.constraint.references ? ` referencing ${q(op.constraint.references.table)}` : '';
          const viaColumn = op.source.kind === 'python' && op.source.call.name === 'add_column' ? ' (from sa.ForeignKey on the added column)' : '';
          return report(
            op,
            `Adding ${nameRef(op, 'foreign key', op.constraint.name, 'an unnamed foreign key')} on ${tableRef(op)}${ref}${viaColumn}${via(op)} blocks writes to both tables while every row is checked (SHARE ROW EXCLUSIVE).`,
            {
              python:
                viaColumn !== ''
                  ? 'Add the column without sa.ForeignKey, then `op.create_foreign_key(..., postgresql_not_valid=True)` and validate it in a later revision with `op.execute("ALTER TABLE ... VALIDATE CONSTRAINT ...")`.'
                  : 'Pass `postgresql_not_valid=True`, then validate in a later revision: `op.execute("ALTER TABLE ... VALIDATE CONSTRAINT ...")`.',
              sql: 'Add it with NOT VALID, then VALIDATE CONSTRAINT in a later revision.',
            },
          );
        }),
    );
  },
});
