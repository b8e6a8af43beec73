import { rule } from '../../src/rules/adding-primary-key-constraint.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `op.execute("ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY USING INDEX pk_events")`,
    `op.create_table("t", sa.Column("id", sa.Integer()))
op.create_primary_key("pk_t", "t", ["id"])`,
    // Without inline_primary_key, Alembic does not add the PRIMARY KEY of an added column.
    `op.add_column("t2", sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True))`,
    { code: `op.create_primary_key("pk", "events", ["id"])`, dialect: 'mysql' },
  ],
  invalid: [
    { code: `op.create_primary_key("pk_events", "events", ["id"])`, errors: [{ line: 1, column: 1, message: 'primary key to events', fix: 'PRIMARY KEY USING INDEX pk_events' }] },
    { code: `op.execute("ALTER TABLE events ADD PRIMARY KEY (id)")`, errors: [{ line: 1, fix: 'events_pkey' }] },
    { code: `op.add_column("events", sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True), inline_primary_key=True)`, errors: [{ line: 1 }] },
  ],
});
