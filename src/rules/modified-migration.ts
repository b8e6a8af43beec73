import { defineRule } from './define.js';

/**
 * Reported by `check --since REF` (src/git/since.ts): the finding needs git, so the rule has no
 * static check of its own.
 */
export default defineRule({
  id: 'modified-migration',
  severity: 'error',
  category: 'meta',
  docs: {
    whatItDoes:
      'With `check --since REF`, flags a migration file that already existed at REF (for example `origin/main`) and whose content changed since: edited, or renamed and edited. Uncommitted and untracked changes count. A rename without a content change is fine.',
    whyIsThisBad:
      'A migration that reached the main branch has probably run on staging or production already. Alembic records only the revision id in `alembic_version`, so an edit never runs where the old version ran: the databases silently diverge, and the next migration that assumes the edited schema fails there. Flyway and Atlas refuse the same thing with checksums.',
    example: `
"""add email to users

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    # edited after 0002 was merged: the column used to be nullable
    op.add_column("users", sa.Column("email", sa.Text(), nullable=False, server_default=""))


def downgrade():
    op.drop_column("users", "email")
`,
    useInstead: `
"""make users.email required

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    # a new revision changes what an applied one did
    op.execute("UPDATE users SET email = '' WHERE email IS NULL")
    op.alter_column("users", "email", nullable=False)


def downgrade():
    op.alter_column("users", "email", nullable=True)
`,
    options: `Only reported with \`--since REF\`; the operation rules then also report only on the migrations added or changed since REF, while the graph rules still see the whole history. To fix a migration that never left your branch, compare against the branch point instead (\`--since origin/main\`). Set the severity in \`pyproject.toml\`:

\`\`\`toml
[tool.alembic-guard.rules]
modified-migration = "warning"  # error | warning | info | off
\`\`\`

Suppress it for one file with \`# alembic-guard: ignore-file[modified-migration]\` (for example a comment-only fix).`,
    references: [
      'Flyway: validate and checksums, https://documentation.red-gate.com/fd/validate-184127464.html',
      'Atlas: migration directory integrity (atlas.sum), https://atlasgo.io/concepts/migration-directory-integrity',
    ],
  },
});
