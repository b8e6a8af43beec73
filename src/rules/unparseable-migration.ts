import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';

export const rule = defineRule({
  id: 'unparseable-migration',
  severity: 'error',
  category: 'meta',
  docs: {
    whatItDoes:
      'Reports every problem that keeps a revision file from being read statically: a syntax error, bytes that are not valid in the file\'s encoding, a `revision` / `down_revision` / `branch_labels` / `depends_on` value that is not a literal (a name, a call, an f-string), one assigned inside an `if` or `try`, a missing `down_revision`, or a missing `revision` where the file name is not a hex id. One finding per problem, at its line and column.',
    whyIsThisBad:
      'A file Python cannot import stops every `alembic` command, not just the one revision: Alembic loads all revision files to build its map. A revision identifier computed at run time hides the file from the graph checks (heads, chains, cycles), so a broken history can ship unnoticed.',
    example: `"""add invoices table

Revision ID: 3f2a1c9d8e7b
Revises: 9c8b7a6d5e4f
Create Date: 2024-05-02 10:14:03.125512

"""
from alembic import op
import sqlalchemy as sa

PARENT = "9c8b7a6d5e4f"

# revision identifiers, used by Alembic.
revision = "3f2a1c9d8e7b"
down_revision = PARENT
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("invoices")
`,
    useInstead: `"""add invoices table

Revision ID: 3f2a1c9d8e7b
Revises: 9c8b7a6d5e4f
Create Date: 2024-05-02 10:14:03.125512

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "3f2a1c9d8e7b"
down_revision = "9c8b7a6d5e4f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("invoices")
`,
    references: ['https://peps.python.org/pep-0263/', 'https://alembic.sqlalchemy.org/en/latest/tutorial.html#create-a-migration-script'],
  },
  check(ctx) {
    const findings: FindingDraft[] = [];
    for (const file of ctx.lintedFiles) {
      for (const problem of file.problems) {
        const f: FindingDraft = { file: file.path, line: problem.line, column: problem.column, message: problem.message };
        if (file.revision.value !== null) f.revision = file.revision.value;
        findings.push(f);
      }
    }
    return findings;
  },
});
