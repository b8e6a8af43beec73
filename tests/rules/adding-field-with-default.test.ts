import { rule } from '../../src/rules/adding-field-with-default.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    // A constant default on 11+ is instant.
    `op.add_column("users", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true")))`,
    `op.add_column("users", sa.Column("status", sa.String(), nullable=False, server_default="new"))`,
    `op.add_column("users", sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()))`,
    `op.add_column("users", sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP")))`,
    `op.add_column("users", sa.Column("tags", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb")))`,
    // A volatile default on a new table is fine.
    `op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))
op.add_column("t", sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))`,
    // Setting a default on an existing column does not rewrite.
    `op.alter_column("users", "token", server_default=sa.text("gen_random_uuid()"))`,
    `op.add_column("users", sa.Column("n", sa.Integer()))`,
  ],
  invalid: [
    {
      code: `op.add_column("users", sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))`,
      errors: [{ line: 1, column: 1, message: 'gen_random_uuid() is volatile' }],
    },
    { code: `op.add_column("users", sa.Column("r", sa.Float(), server_default=sa.func.random()))`, errors: [{ line: 1, message: 'volatile' }] },
    { code: `op.add_column("users", sa.Column("status", sa.String(), server_default="new"))`, postgresVersion: 10, errors: [{ line: 1, message: 'before PostgreSQL 11' }] },
    { code: `op.add_column("users", sa.Column("total", sa.Integer(), sa.Computed("a + b")))`, errors: [{ line: 1, message: 'stored generated column' }] },
    { code: `op.add_column("users", sa.Column("seq", sa.BigInteger(), sa.Identity()))`, errors: [{ line: 1, message: 'identity column' }] },
    { code: `op.add_column("events", sa.Column("id", sa.Integer(), primary_key=True))`, errors: [{ line: 1, message: 'serial column' }] },
    { code: `op.execute("ALTER TABLE users ADD COLUMN id bigserial")`, errors: [{ line: 1, message: 'bigserial' }] },
    { code: `op.execute("ALTER TABLE users ADD COLUMN t timestamptz DEFAULT clock_timestamp()")`, errors: [{ line: 1, message: 'volatile' }] },
    { code: `op.add_column("users", sa.Column("code", sa.String(), server_default=sa.text("make_code()")))`, errors: [{ line: 1, message: 'may be volatile' }] },
  ],
});
