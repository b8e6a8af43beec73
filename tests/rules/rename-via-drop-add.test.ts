import { rule } from '../../src/rules/rename-via-drop-add.js';
import { ruleTester } from '../helpers/rule-tester.js';

const module = (up: string, down: string): string => `"""m"""
from alembic import op
import sqlalchemy as sa
revision = "a1"
down_revision = None
def upgrade():
${up}
def downgrade():
${down}
`;

ruleTester(rule, {
  valid: [
    `op.alter_column("users", "name", new_column_name="full_name")`,
    // Different tables.
    `op.add_column("users", sa.Column("full_name", sa.String()))
op.drop_column("accounts", "name")`,
    // The data is copied between them.
    `op.add_column("users", sa.Column("full_name", sa.String()))
op.execute("UPDATE users SET full_name = name")
op.drop_column("users", "name")`,
    // Data moved through the connection.
    `conn = op.get_bind()
op.add_column("users", sa.Column("full_name", sa.String()))
for row in conn.execute(sa.text("SELECT id, name FROM users")):
    pass
op.drop_column("users", "name")`,
    // Dropping and re-adding the same column (a type change by hand) is another rule's business.
    `op.drop_column("users", "flag")
op.add_column("users", sa.Column("flag", sa.Boolean()))`,
    `op.drop_column("users", "legacy")`,
    // A replacement column swapped in under the old name.
    `op.add_column("accounts", sa.Column("new_id", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))
op.drop_column("accounts", "id")
op.alter_column("accounts", "new_id", new_column_name="id")`,
    {
      name: 'the downgrade shows the dropped column had another type: not a rename',
      code: module(
        `    op.add_column("aspects", sa.Column("is_default", sa.Boolean(), nullable=True))
    op.drop_column("aspects", "zoom_level")`,
        `    op.add_column("aspects", sa.Column("zoom_level", sa.SmallInteger(), nullable=True))
    op.drop_column("aspects", "is_default")`,
      ),
    },
  ],
  invalid: [
    {
      code: `op.add_column("users", sa.Column("full_name", sa.String(), nullable=True))
op.drop_column("users", "name")`,
      errors: [{ line: 2, column: 1, message: 'users.name is dropped and full_name added', fix: 'op.alter_column("users", "name", new_column_name="full_name")' }],
    },
    {
      name: 'batch mode, as autogenerate renders it for SQLite',
      dialect: 'sqlite',
      code: `with op.batch_alter_table("users", schema=None) as batch_op:
    batch_op.add_column(sa.Column("full_name", sa.String(), nullable=True))
    batch_op.drop_column("name")`,
      errors: [{ line: 3, column: 5 }],
    },
    {
      name: 'the downgrade shows the same type: a rename, and only the column of that type is named',
      code: module(
        `    op.add_column("users", sa.Column("full_name", sa.VARCHAR(length=100), nullable=True))
    op.add_column("users", sa.Column("active", sa.Boolean(), nullable=True))
    op.drop_column("users", "name")`,
        `    op.add_column("users", sa.Column("name", sa.String(100), autoincrement=False, nullable=True))
    op.drop_column("users", "active")
    op.drop_column("users", "full_name")`,
      ),
      errors: [{ line: 9, column: 5, message: 'users.name is dropped and full_name added', fix: 'new_column_name="full_name"' }],
    },
  ],
});
