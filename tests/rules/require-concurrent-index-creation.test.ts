import { rule } from '../../src/rules/require-concurrent-index-creation.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    // The safe pattern: concurrently, in an autocommit block.
    `with op.get_context().autocommit_block():
    op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True, if_not_exists=True)`,
    // A table created earlier in the same revision is empty: no CONCURRENTLY needed.
    `op.create_table("posts", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("title", sa.String()))
op.create_index("ix_posts_title", "posts", ["title"])`,
    // Batch mode on a table created in the same revision.
    `op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.String(), index=True))
with op.batch_alter_table("tags") as batch_op:
    batch_op.create_index("ix_tags_name2", ["name"])`,
    // Raw SQL, concurrently, outside the transaction.
    `with op.get_context().autocommit_block():
    op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON users (a)")`,
    // SQLite and MySQL projects get no PostgreSQL advice.
    { code: `op.create_index("ix_users_email", "users", ["email"])`, dialect: 'sqlite' },
    { code: `op.create_index("ix_users_email", "users", ["email"])`, dialect: 'mysql' },
    // downgrade() is not linted by this rule.
    `"""m"""
from alembic import op
revision = "a1"
down_revision = None
def upgrade():
    pass
def downgrade():
    op.create_index("ix_users_email", "users", ["email"])
`,
  ],
  invalid: [
    { code: `op.create_index("ix_users_email", "users", ["email"])`, errors: [{ line: 1, column: 1, message: 'ix_users_email on users without CONCURRENTLY', fix: 'autocommit_block' }] },
    {
      name: 'an index on a table created in an earlier revision',
      earlier: [`op.create_table("posts", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("title", sa.String()))`],
      code: `op.create_index(op.f("ix_posts_title"), "posts", ["title"], unique=False)`,
      errors: [{ line: 1, column: 1, message: 'ix_posts_title on posts' }],
    },
    {
      name: 'dialect not configured: PostgreSQL assumed',
      dialect: null,
      code: `op.create_index("ix_users_email", "users", ["email"])`,
      errors: [{ line: 1 }],
    },
    {
      code: `op.add_column("orders", sa.Column("customer_id", sa.Integer(), nullable=True, index=True))`,
      errors: [{ line: 1, column: 1, message: 'ix_orders_customer_id on orders' }],
    },
    { code: `with op.batch_alter_table("users") as batch_op:\n    batch_op.create_index("ix_users_name", ["name"])`, errors: [{ line: 2, column: 5 }] },
    { code: `op.execute("CREATE INDEX ix_a ON users (a)")`, errors: [{ line: 1, column: 1, message: 'in op.execute SQL', fix: 'CREATE INDEX CONCURRENTLY' }] },
    { code: `op.execute(sa.text("""\n    CREATE UNIQUE INDEX ix_a ON users (a);\n    CREATE INDEX ix_b ON users (b);\n"""))`, errors: [{ line: 1, message: /ix_a on users .*; and 1 more like it in this call\.$/ }] },
    {
      name: 'a helper function called from upgrade()',
      code: `"""m"""
from alembic import op
revision = "a1"
down_revision = None

def _index():
    op.create_index("ix_users_email", "users", ["email"])

def upgrade():
    _index()

def downgrade():
    pass
`,
      errors: [{ line: 7, column: 5 }],
    },
    {
      name: 'the table was created in the downgrade of this revision, not the upgrade',
      code: `"""m"""
from alembic import op
import sqlalchemy as sa
revision = "a1"
down_revision = None
def upgrade():
    op.create_index("ix_t_a", "t", ["a"])
def downgrade():
    op.create_table("t", sa.Column("a", sa.Integer()))
`,
      errors: [{ line: 7, column: 5 }],
    },
  ],
});
