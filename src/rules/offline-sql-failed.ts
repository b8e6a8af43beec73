import { defineRule } from './define.js';

export default defineRule({
  id: 'offline-sql-failed',
  severity: 'info',
  category: 'runtime',
  requires: ['python'],
  docs: {
    whatItDoes:
      'Reports a revision whose upgrade cannot be rendered as offline SQL (`alembic upgrade --sql`): alembic-guard renders every revision separately through env.py\'s offline branch. Typical causes are data migrations that read rows (`op.get_bind().execute(...).fetchall()`), which need a live connection, and env.py files without an offline mode. Reported as info: many teams never deploy with `--sql`.',
    whyIsThisBad:
      'Teams whose DBAs review or apply the SQL by hand (`alembic upgrade A:B --sql > release.sql`) cannot produce the script for a release that contains such a revision, and the revision\'s operations are invisible to SQL-level review and to alembic-guard\'s SQL checks.',
    example: `"""backfill display names

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
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, first, last FROM users")).fetchall()
    for id_, first, last in rows:
        conn.execute(sa.text("UPDATE users SET display = :d WHERE id = :i"), {"d": f"{first} {last}", "i": id_})


def downgrade():
    pass
`,
    useInstead: `"""backfill display names

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE users SET display = first || ' ' || last WHERE display IS NULL")


def downgrade():
    pass
`,
    references: ['https://alembic.sqlalchemy.org/en/latest/offline.html'],
  },
});
