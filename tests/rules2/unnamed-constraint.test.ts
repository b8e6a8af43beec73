import rule from '../../src/rules/unnamed-constraint.js';
import { ruleTester } from '../helpers/rule-tester.js';
import { contextCases } from './context-cases.js';

ruleTester(rule, {
  valid: [
    // Named, the way autogenerate writes them with a naming convention.
    `op.create_index(op.f("ix_users_email"), "users", ["email"], unique=False)
op.create_foreign_key(op.f("fk_orders_user_id_users"), "orders", "users", ["user_id"], ["id"])
op.create_unique_constraint("uq_users_email", "users", ["email"])
op.create_check_constraint("ck_users_age", "users", "age >= 0")
op.create_primary_key("pk_tags", "tags", ["id"])`,
    // Inline constraints go away with their table or column: not flagged (documented decision).
    `op.create_table(
    "orders",
    sa.Column("id", sa.BigInteger(), primary_key=True),
    sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id"), nullable=False),
    sa.Column("code", sa.Text(), unique=True),
    sa.UniqueConstraint("user_id", "code"),
    sa.CheckConstraint("code <> ''"),
)
op.add_column("users", sa.Column("org_id", sa.BigInteger(), sa.ForeignKey("orgs.id"), nullable=True))
op.add_column("users", sa.Column("handle", sa.Text(), nullable=True, index=True))`,
    // A name held in a variable is a name.
    `op.create_foreign_key(FK_NAME, "orders", "users", ["user_id"], ["id"])`,
    // Named in SQL.
    `op.execute("ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id)")
op.execute("CREATE INDEX ix_orders_user ON orders (user_id)")`,
    // Named drops.
    `op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
op.drop_index("ix_orders_user", table_name="orders")`,
  ],
  invalid: [
    {
      code: `op.create_foreign_key(None, "orders", "users", ["user_id"], ["id"])`,
      errors: [{ line: 1, column: 1, message: 'op.create_foreign_key(None, ...) creates a foreign key on orders without a name', fix: 'op.f("<name>")' }],
    },
    {
      code: `op.create_unique_constraint(None, "users", ["email"])
op.create_check_constraint(None, "users", "age >= 0")
op.create_primary_key(None, "tags", ["id"])`,
      errors: [
        { line: 1, column: 1, message: 'unique constraint on users' },
        { line: 2, column: 1, message: 'check constraint on users' },
        { line: 3, column: 1, message: 'primary key on tags' },
      ],
    },
    {
      name: 'create_index(None, ...) gets its name from the naming convention',
      code: `op.create_index(None, "users", ["email"])`,
      errors: [{ line: 1, column: 1, message: 'ix_users_email with SQLAlchemy\'s default', fix: 'op.f("ix_users_email")' }],
    },
    {
      name: 'in batch mode',
      code: `with op.batch_alter_table("orders") as batch_op:
    batch_op.create_foreign_key(None, "users", ["user_id"], ["id"])`,
      errors: [{ line: 2, column: 5, message: 'batch_op.create_foreign_key(None, ...)' }],
    },
    {
      name: 'unnamed in SQL',
      code: `op.execute("ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id)")
op.execute("CREATE INDEX ON orders (created_at)")`,
      errors: [
        { line: 1, column: 1, message: 'ALTER TABLE orders ADD FOREIGN KEY without a name' },
        { line: 2, column: 1, message: 'CREATE INDEX without a name on orders' },
      ],
    },
    {
      name: 'drop_constraint(None, ...) always fails, in upgrade() or downgrade()',
      code: `"""m"""
from alembic import op
revision = "a1"
down_revision = None
def upgrade():
    op.create_foreign_key(None, "orders", "users", ["user_id"], ["id"])
def downgrade():
    op.drop_constraint(None, "orders", type_="foreignkey")
`,
      errors: [
        { line: 6, column: 5, message: 'create_foreign_key(None' },
        { line: 8, column: 5, message: 'drop_constraint(None, ...) on orders in downgrade() always fails', fix: 'real name' },
      ],
    },
    {
      code: `op.drop_index(None, table_name="users")`,
      errors: [{ line: 1, column: 1, message: 'drops an index named ix_users_x' }],
    },
    { code: `op.create_foreign_key(None, "orders", "users", ["user_id"], ["id"])`, dialect: 'sqlite', errors: [{ line: 1, column: 1 }] },
  ],
});

contextCases(rule, [
  {
    name: 'creating unnamed is a warning, dropping unnamed an error',
    code: `"""m

Revision ID: 0002
Revises:
"""
from alembic import op

revision = "0002"
down_revision = None


def upgrade():
    op.create_unique_constraint(None, "users", ["email"])


def downgrade():
    op.drop_constraint(None, "users", type_="unique")
`,
    errors: [
      { line: 13, column: 5, severity: 'warning' },
      { line: 17, column: 5, severity: 'error' },
    ],
  },
]);
