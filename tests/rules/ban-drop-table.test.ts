import { rule } from '../../src/rules/ban-drop-table.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `op.create_table("tmp", sa.Column("a", sa.Integer()))
op.drop_table("tmp")`,
    { code: `op.drop_table("legacy")  # alembic-guard: ignore[ban-drop-table]`, applyIgnores: true },
  ],
  invalid: [
    { code: `op.drop_table("legacy_events")`, errors: [{ line: 1, column: 1, message: 'Dropping table legacy_events' }] },
    { code: `op.execute("DROP TABLE IF EXISTS a, b")`, errors: [{ line: 1, message: 'Dropping table a (in op.execute SQL) deletes its data and breaks application code still running that uses it; and 1 more like it in this call.' }] },
  ],
});
