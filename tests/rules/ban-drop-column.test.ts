import { rule } from '../../src/rules/ban-drop-column.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `op.create_table("t", sa.Column("a", sa.Integer()), sa.Column("b", sa.Integer()))
op.drop_column("t", "b")`,
    `op.alter_column("users", "legacy", nullable=True)`,
    // downgrade() drops what upgrade() added: not linted.
    `"""m"""
from alembic import op
import sqlalchemy as sa
revision = "a1"
down_revision = None
def upgrade():
    op.add_column("users", sa.Column("x", sa.Integer()))
def downgrade():
    op.drop_column("users", "x")
`,
  ],
  invalid: [
    { code: `op.drop_column("users", "legacy_flag")`, errors: [{ line: 1, column: 1, message: 'users.legacy_flag' }] },
    { code: `with op.batch_alter_table("users") as b:\n    b.drop_column("legacy_flag")`, dialect: 'sqlite', errors: [{ line: 2, column: 5 }] },
    { code: `op.execute("ALTER TABLE users DROP COLUMN legacy_flag")`, errors: [{ line: 1, message: 'in op.execute SQL' }] },
  ],
});
