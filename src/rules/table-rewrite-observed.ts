import { defineRule } from './define.js';

export default defineRule({
  id: 'table-rewrite-observed',
  severity: 'warning',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'Reports a statement of a revision\'s upgrade that rewrote a table or an index that existed before the revision, as observed on the throwaway PostgreSQL: the relation\'s `relfilenode` changed. It follows the server that ran, so a change that rewrites on one version and not on another (ADD COLUMN with a constant default rewrites before PostgreSQL 11) is judged for the version in the trace.',
    whyIsThisBad:
      'A rewrite copies every row into a new file while holding an ACCESS EXCLUSIVE lock, and rebuilds every index: on a large table that is minutes to hours of a table nobody can read or write, and twice its disk space.',
    example: `"""store prices as numeric

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column("products", "price", type_=sa.Numeric(12, 2), postgresql_using="price::numeric(12,2)")


def downgrade():
    op.alter_column("products", "price", type_=sa.Integer(), postgresql_using="price::integer")
`,
    exampleSql: 'ALTER TABLE products ALTER COLUMN price TYPE NUMERIC(12, 2) USING price::numeric(12,2);\n-- rewrites products and its indexes',
    useInstead: `"""store prices as numeric, without a rewrite under lock

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    # expand: a new column, filled in batches by the application or later revisions
    op.add_column("products", sa.Column("price_numeric", sa.Numeric(12, 2), nullable=True))


def downgrade():
    op.drop_column("products", "price_numeric")
`,
    options: 'Runs with `alembic-guard check` (not with `--static`, not with `--no-trace`).',
    references: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES'],
  },
});
