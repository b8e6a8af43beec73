import { defineRule } from './define.js';

/** Reported by the engine after suppression (src/engine/findings.ts); no static check of its own. */
export default defineRule({
  id: 'unused-ignore',
  severity: 'info',
  category: 'meta',
  docs: {
    whatItDoes:
      'Flags an `# alembic-guard: ignore[...]` or `ignore-file[...]` comment that suppresses nothing: the rule it names reports nothing on that line (or in that file).',
    whyIsThisBad:
      'A stale ignore hides the next real finding on that line and tells readers a danger exists where there is none. Ignores for database checks are only judged when those checks ran (not under `--static`).',
    example: `
"""add a nullable column

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))  # alembic-guard: ignore[adding-required-field]


def downgrade():
    op.drop_column("users", "nickname")
`,
    useInstead: `
"""add a nullable column

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("users", "nickname")
`,
  },
});
