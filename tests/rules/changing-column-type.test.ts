import { rule } from '../../src/rules/changing-column-type.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `op.alter_column("users", "name", existing_type=sa.String(50), type_=sa.String(100))`,
    `op.alter_column("users", "name", existing_type=sa.String(50), type_=sa.Text())`,
    `op.alter_column("users", "name", existing_type=sa.VARCHAR(length=50), type_=sa.String())`,
    `op.alter_column("prices", "amount", existing_type=sa.Numeric(10, 2), type_=sa.Numeric(12, 2))`,
    `op.create_table("t", sa.Column("a", sa.Integer()))
op.alter_column("t", "a", type_=sa.BigInteger())`,
    { code: `op.alter_column("users", "id", existing_type=sa.Integer(), type_=sa.BigInteger())`, dialect: 'sqlite' },
  ],
  invalid: [
    { code: `op.alter_column("users", "id", existing_type=sa.Integer(), type_=sa.BigInteger())`, errors: [{ line: 1, column: 1, message: 'from integer to bigint' }] },
    { code: `op.alter_column("users", "name", existing_type=sa.String(100), type_=sa.String(50))`, errors: [{ line: 1, message: 'varchar(100) to varchar(50)' }] },
    { code: `op.alter_column("prices", "amount", existing_type=sa.Numeric(10, 2), type_=sa.Numeric(12, 4))`, errors: [{ line: 1 }] },
    { code: `op.alter_column("users", "name", type_=sa.Text())`, errors: [{ line: 1, message: 'no existing_type=' }] },
    { code: `op.alter_column("users", "created", existing_type=sa.DateTime(), type_=sa.DateTime(timezone=True))`, errors: [{ line: 1, message: 'timestamp to timestamptz' }] },
    { code: `op.execute("ALTER TABLE users ALTER COLUMN id TYPE bigint")`, errors: [{ line: 1, message: 'in op.execute SQL' }] },
    { code: `with op.batch_alter_table("users") as b:\n    b.alter_column("id", existing_type=sa.Integer(), type_=sa.BigInteger())`, errors: [{ line: 2, column: 5 }] },
  ],
});
