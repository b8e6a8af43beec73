import { defineRule } from './define.js';

export default defineRule({
  id: 'fails-on-existing-rows',
  severity: 'error',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'Reports a revision whose upgrade (or downgrade) works on empty tables but fails once they hold rows. Before each revision\'s upgrade, the trace puts a few rows (`trace_rows`, default 3) into every table that existed before the revision and is empty, with values made from the column types (NOT NULL, defaults, simple CHECKs, unique columns and foreign keys respected, parents first). When the upgrade then fails, alembic-guard removes the rows and runs it again on the same schema: if it passes, the rows made it fail, and the finding carries the database\'s error at the line that raised.',
    whyIsThisBad:
      'CI databases are empty; production is not. `ADD COLUMN … NOT NULL` without a default, a unique index over values that repeat, a cast that cannot convert the data, a constraint validated over rows that break it: each passes every test on an empty database and fails the deploy, usually half way through a release.',
    example: `"""require a country on every customer

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("customers", sa.Column("country", sa.Text(), nullable=False))


def downgrade():
    op.drop_column("customers", "country")
`,
    exampleSql: 'ALTER TABLE customers ADD COLUMN country TEXT NOT NULL;\n-- ERROR:  column "country" of relation "customers" contains null values',
    useInstead: `"""require a country on every customer

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("customers", sa.Column("country", sa.Text(), nullable=True))
    op.execute("UPDATE customers SET country = 'unknown' WHERE country IS NULL")
    op.alter_column("customers", "country", nullable=False)


def downgrade():
    op.drop_column("customers", "country")
`,
    options:
      'Runs with `alembic-guard check` (not with `--static`, not with `--no-trace`). `[tool.alembic-guard] trace_rows = 3` sets the rows per table (0 turns the rows off). A table whose rows cannot be made (a column type without a generator, a CHECK it cannot satisfy, a parent table without rows) is skipped and listed in the trace, never reported. Rows that `[tool.alembic-guard.revision_data]` provides for a table replace the generated ones.',
    references: ['https://www.postgresql.org/docs/current/sql-altertable.html'],
  },
});
