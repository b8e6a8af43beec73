import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';

/** Never the application's own code, even if a folder of that name sits in the project. */
const ALWAYS_FINE = new Set(['alembic', 'sqlalchemy', '__future__']);

export default defineRule({
  id: 'live-model-import',
  severity: 'error',
  category: 'operation',
  docs: {
    whatItDoes:
      "Flags a migration that imports the application's own modules (`from app.models import User`, `import myapp.db.types`), at module level or inside upgrade()/downgrade(). The application's modules are the top-level packages and modules found in the project root and in `prepend_sys_path` (the migrations folder itself excluded). Imports of alembic, sqlalchemy, the standard library, third-party packages, and relative imports within the migrations package are fine.",
    whyIsThisBad:
      "A migration is a snapshot of one moment of the schema, but an import runs the application code as it is on the day the migration runs. Once a model gains a column, loses one, is renamed or moves to another module, the old migration breaks: it fails to import (so `alembic upgrade` from scratch, in CI or for a new developer, stops at that revision), or it quietly does something else, such as a data migration that selects columns the table does not have yet. Even `alembic history` and `alembic heads` import every migration file.",
    example: `
"""give every user a display name

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import User

revision = "0002"
down_revision = "0001"


def upgrade():
    session = Session(bind=op.get_bind())
    for user in session.query(User):
        user.display_name = user.email
    session.commit()


def downgrade():
    pass
`,
    useInstead: `
"""give every user a display name

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"

# A frozen copy of just what this migration needs.
users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.Text), sa.column("display_name", sa.Text))


def upgrade():
    op.execute(users.update().where(users.c.display_name.is_(None)).values(display_name=users.c.email))


def downgrade():
    pass
`,
    options:
      'Set the severity with `[tool.alembic-guard.rules] live-model-import = "warning"`, or suppress one import with `# alembic-guard: ignore[live-model-import]` on its line (for instance a custom column type that is guaranteed never to move).',
    references: [
      'https://alembic.sqlalchemy.org/en/latest/ops.html#alembic.operations.Operations.execute',
      'https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.table',
    ],
  },
  check(ctx) {
    const local = ctx.localModules;
    if (local === undefined || local.size === 0) return [];
    const out: FindingDraft[] = [];
    for (const file of ctx.lintedFiles) {
      for (const imp of file.imports) {
        if (imp.module.startsWith('.')) continue;
        const top = imp.module.split('.')[0]!;
        if (ALWAYS_FINE.has(top) || !local.has(top)) continue;
        const what = imp.names.length > 0 ? `${imp.names.join(', ')} from ${imp.module}` : imp.module;
        out.push({
          message: `The migration imports ${what}, the application's own code${imp.inFunction ? ' (inside a function)' : ''}: it runs the code as it is when the migration runs, not as it was when it was written, so it breaks or changes meaning once ${imp.module} changes.`,
          file: file.path,
          line: imp.line,
          column: imp.column,
          ...(file.revision.value !== null ? { revision: file.revision.value } : {}),
          fix: 'Copy what the migration needs into it: `sa.table("users", sa.column("id"), ...)` for data changes, literal SQLAlchemy types for schema changes (a custom type\'s underlying type), helpers into a module inside the migrations folder.',
        });
      }
    }
    return out;
  },
});
