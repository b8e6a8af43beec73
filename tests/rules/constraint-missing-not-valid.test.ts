import { rule } from '../../src/rules/constraint-missing-not-valid.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `op.create_check_constraint("ck", "orders", "total >= 0", postgresql_not_valid=True)`,
    // NOT VALID, then VALIDATE in a later revision.
    {
      earlier: [`op.create_check_constraint("ck", "orders", "total >= 0", postgresql_not_valid=True)`],
      code: `op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck")`,
    },
    // VALIDATE after the transaction ended.
    `op.execute("ALTER TABLE orders ADD CONSTRAINT ck CHECK (total >= 0) NOT VALID")
with op.get_context().autocommit_block():
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck")`,
    `op.create_table("t", sa.Column("a", sa.Integer()))
op.create_check_constraint("ck_t", "t", "a > 0")`,
    { code: `op.create_check_constraint("ck", "orders", "total >= 0")`, dialect: 'mysql' },
  ],
  invalid: [
    { code: `op.create_check_constraint("ck_orders_total", "orders", "total >= 0")`, errors: [{ line: 1, column: 1, message: 'CHECK constraint ck_orders_total to orders', fix: 'postgresql_not_valid=True' }] },
    { code: `op.execute("ALTER TABLE orders ADD CONSTRAINT ck CHECK (total >= 0)")`, errors: [{ line: 1, fix: 'NOT VALID' }] },
    {
      code: `op.create_check_constraint("ck", "orders", "total >= 0", postgresql_not_valid=True)
op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck")`,
      errors: [{ line: 2, column: 1, message: 'same transaction as the NOT VALID ADD CONSTRAINT (line' }],
    },
    {
      name: 'a foreign key validated in the same transaction',
      code: `op.create_foreign_key("fk", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)
op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk")`,
      errors: [{ line: 2, column: 1 }],
    },
  ],
});
