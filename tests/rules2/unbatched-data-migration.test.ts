import rule from '../../src/rules/unbatched-data-migration.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    // Bounded statements.
    `op.execute("UPDATE users SET active = true WHERE active IS NULL AND id < 10000")`,
    `op.execute("DELETE FROM sessions WHERE expires_at < now() - interval '30 days'")`,
    // A table created in the same revision is empty.
    `op.create_table("flags", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("enabled", sa.Boolean()))
op.execute("UPDATE flags SET enabled = true")`,
    // Inserts of literal rows.
    `op.execute("INSERT INTO roles (name) VALUES ('admin'), ('member')")
op.bulk_insert(sa.table("roles", sa.column("name")), [{"name": "guest"}])`,
    // The batched pattern users write: a WHERE ... IN (SELECT ... LIMIT n) in an autocommit loop.
    `conn = op.get_bind()
with op.get_context().autocommit_block():
    op.execute("UPDATE users SET active = true WHERE id IN (SELECT id FROM users WHERE active IS NULL LIMIT 5000)")`,
    // The alembic_version bookkeeping is never an operation.
    `op.execute("UPDATE alembic_version SET version_num = 'x'")`,
    { code: `op.execute("UPDATE users SET active = true")`, dialect: 'sqlite' },
  ],
  invalid: [
    {
      code: `op.add_column("users", sa.Column("active", sa.Boolean(), nullable=True))
op.execute("UPDATE users SET active = true")`,
      errors: [{ line: 2, column: 1, message: "UPDATE users without a WHERE clause rewrites every row of an existing table inside the migration's transaction", fix: 'LIMIT 5000' }],
    },
    { code: `op.execute(sa.text("DELETE FROM audit_log"))`, errors: [{ line: 1, column: 1, message: 'DELETE audit_log without a WHERE clause deletes every row', fix: 'TRUNCATE' }] },
    {
      name: 'in an autocommit block it is still one statement over the whole table',
      code: `with op.get_context().autocommit_block():
    op.execute("UPDATE app.users SET active = false")`,
      errors: [{ line: 2, column: 5, message: 'UPDATE app.users without a WHERE clause rewrites every row of an existing table in one statement' }],
    },
    {
      name: 'two whole-table UPDATEs of one table in one op.execute string: one finding',
      code: `op.execute("""
    UPDATE widgets SET options = jsonb_set(options, '{position,col}', '2');
    UPDATE widgets SET options = jsonb_set(options, '{position,sizeX}', '4');
    UPDATE dashboards SET layout = '[]';
""")`,
      errors: [
        { line: 1, column: 1, message: 'UPDATE widgets' },
        { line: 1, column: 1, message: 'UPDATE dashboards' },
      ],
    },
    {
      name: 'UPDATE ... FROM without WHERE',
      code: `op.execute("UPDATE orders SET total = p.price FROM prices p")`,
      errors: [{ line: 1, column: 1 }],
    },
  ],
});
