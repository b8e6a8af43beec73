import { defineRule } from './define.js';

export default defineRule({
  id: 'upgrade-failed',
  severity: 'error',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'Reports a revision whose `upgrade()` fails when the migrations run for real: alembic-guard creates an empty PostgreSQL database and runs `alembic upgrade heads` through your own `env.py`, then applies every revision again one at a time. The finding names the revision, the line of the migration that raised, the database\'s error message and the SQL statement that failed.',
    whyIsThisBad:
      'A migration that cannot run from an empty database breaks every new environment: CI, a developer\'s fresh checkout, a preview deployment, a disaster-recovery rebuild. The usual causes are a migration that relies on a table the application creates with `metadata.create_all()` instead of a migration, a reference to a column renamed later, data assumptions that only hold in production, or SQL that only a newer PostgreSQL accepts.',
    example: `"""add audit column

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # audit_log is created by the application at start-up, not by any migration
    op.add_column("audit_log", sa.Column("actor", sa.Text()))


def downgrade():
    op.drop_column("audit_log", "actor")
`,
    exampleSql: 'ALTER TABLE audit_log ADD COLUMN actor TEXT;\n-- ERROR:  relation "audit_log" does not exist',
    useInstead: `"""create audit_log

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("actor", sa.Text()),
    )


def downgrade():
    op.drop_table("audit_log")
`,
    options:
      'Runs with `alembic-guard check` (not with `--static`). Each statement runs under `statement_timeout` (`--step-timeout`, default 60 s), so a migration that waits forever fails here instead of hanging CI. Set the severity with `[tool.alembic-guard.rules] upgrade-failed = "warning"`.',
    references: ['https://alembic.sqlalchemy.org/en/latest/api/commands.html#alembic.command.upgrade'],
  },
});
