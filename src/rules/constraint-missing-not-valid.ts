import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { collapsePerCall, lintedRevisions, nameRef, report, sameTable, tableRef, via } from './support.js';

export const rule = defineRule({
  id: 'constraint-missing-not-valid',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags a CHECK constraint added to an existing table without `postgresql_not_valid=True` (NOT VALID), and a `VALIDATE CONSTRAINT` that runs in the same transaction as the NOT VALID `ADD CONSTRAINT` it validates (CHECK or foreign key).',
    whyIsThisBad:
      '`ADD CONSTRAINT ... CHECK` takes an ACCESS EXCLUSIVE lock and scans every row while holding it: no reads or writes until the scan ends. With NOT VALID the constraint is added instantly (new rows are checked) and `VALIDATE CONSTRAINT` later scans under a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes continue. Validating in the same transaction gains nothing: the ACCESS EXCLUSIVE lock from the ADD is still held during the scan.',
    example: `op.create_check_constraint("ck_orders_total_positive", "orders", "total >= 0")`,
    exampleSql: `ALTER TABLE orders ADD CONSTRAINT ck_orders_total_positive CHECK (total >= 0);`,
    useInstead: `op.create_check_constraint(
    "ck_orders_total_positive", "orders", "total >= 0", postgresql_not_valid=True
)
# and in a later revision (its own transaction):
# op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_total_positive")`,
    useInsteadSql: `ALTER TABLE orders ADD CONSTRAINT ck_orders_total_positive CHECK (total >= 0) NOT VALID;
-- later revision
ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_total_positive;`,
    options:
      'Alembic runs all the revisions of one `alembic upgrade` in a single transaction unless env.py sets `transaction_per_migration=True`: deploy the VALIDATE separately, or set that option, for the later revision to really get its own transaction.',
    references: [
      'https://squawkhq.com/docs/constraint-missing-not-valid',
      'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT',
    ],
  },
  check(ctx) {
    const out: FindingDraft[] = [];
    for (const rev of lintedRevisions(ctx)) {
      const ops = rev.upgrade;
      ops.forEach((op, i) => {
        if (op.kind === 'add-constraint' && op.constraint.type === 'check' && !op.constraint.notValid && !op.tableCreatedInRevision) {
          out.push(
            report(
              op,
              `Adding ${nameRef(op, 'CHECK constraint', op.constraint.name, 'an unnamed CHECK constraint')} to ${tableRef(op)}${via(op)} scans the whole table under an ACCESS EXCLUSIVE lock.`,
              {
                python: 'Pass `postgresql_not_valid=True`, then validate in a later revision: `op.execute("ALTER TABLE ... VALIDATE CONSTRAINT ...")`.',
                sql: 'Add it with NOT VALID, then VALIDATE CONSTRAINT in a later revision.',
              },
            ),
          );
        }
        if (op.kind === 'validate-constraint' && op.inTransaction) {
          // The NOT VALID add earlier in the same transaction: nothing between them ends it.
          for (let j = i - 1; j >= 0; j--) {
            const prev = ops[j]!;
            if (!prev.inTransaction || prev.kind === 'transaction-control') break;
            if (prev.kind === 'add-constraint' && prev.constraint.notValid && sameTable(prev.table, op.table) && (prev.constraint.name ?? '').toLowerCase() === op.name.toLowerCase()) {
              if (prev.tableCreatedInRevision) break;
              out.push(
                report(
                  op,
                  `VALIDATE CONSTRAINT ${op.name} on ${tableRef(op)} runs in the same transaction as the NOT VALID ADD CONSTRAINT (line ${prev.loc.line}): the ACCESS EXCLUSIVE lock of the ADD is held during the validation scan.`,
                  'Move the VALIDATE CONSTRAINT to a later revision (deployed separately, or with transaction_per_migration=True in env.py).',
                ),
              );
              break;
            }
          }
        }
      });
    }
    return collapsePerCall(out);
  },
});
