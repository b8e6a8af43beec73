import { rule } from '../../src/rules/adding-foreign-key-constraint.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `op.create_foreign_key("fk", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)`,
    `op.execute("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID")`,
    // A new table's foreign keys have nothing to validate.
    `op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")))`,
    `op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("user_id", sa.Integer()))
op.create_foreign_key("fk", "orders", "users", ["user_id"], ["id"])`,
    { code: `op.create_foreign_key("fk", "orders", "users", ["user_id"], ["id"])`, dialect: 'sqlite' },
  ],
  invalid: [
    { code: `op.create_foreign_key("fk_orders_user_id", "orders", "users", ["user_id"], ["id"])`, errors: [{ line: 1, column: 1, message: 'fk_orders_user_id on orders referencing users', fix: 'postgresql_not_valid=True' }] },
    { code: `op.add_column("orders", sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True))`, errors: [{ line: 1, column: 1, message: 'from sa.ForeignKey', fix: 'without sa.ForeignKey' }] },
    { code: `with op.batch_alter_table("orders") as b:\n    b.create_foreign_key("fk", "users", ["user_id"], ["id"])`, errors: [{ line: 2, column: 5, message: 'on orders referencing users' }] },
    { code: `op.execute("ALTER TABLE orders ADD COLUMN user_id int REFERENCES users (id)")`, errors: [{ line: 1, message: 'in op.execute SQL' }] },
  ],
});
