import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { revisionOf, structureKnown } from '../source/shape-support.js';

export const rule = defineRule({
  id: 'missing-docstring',
  severity: 'error',
  category: 'shape',
  docs: {
    whatItDoes:
      'Flags a revision file without a module docstring (or with an empty one). The docstring is the string literal that is the first statement of the file, the one `alembic revision -m "..."` writes from its message.',
    whyIsThisBad:
      'Alembic shows the docstring as the revision\'s message: `alembic history`, `alembic heads` and `alembic current` print an empty description for it, and reviewers and on-call engineers cannot tell what the revision does without opening it. An f-string or a string after the imports is not a docstring.',
    example: `from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "5d4c3b2a1f0e"
down_revision = "3f2a1c9d8e7b"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("invoices", sa.Column("paid_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("invoices", "paid_at")
`,
    useInstead: `"""add paid_at to invoices

Revision ID: 5d4c3b2a1f0e
Revises: 3f2a1c9d8e7b
Create Date: 2024-05-03 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "5d4c3b2a1f0e"
down_revision = "3f2a1c9d8e7b"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("invoices", sa.Column("paid_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("invoices", "paid_at")
`,
    references: ['https://alembic.sqlalchemy.org/en/latest/tutorial.html#create-a-migration-script'],
  },
  check(ctx) {
    const findings: FindingDraft[] = [];
    for (const file of ctx.lintedFiles) {
      if (!structureKnown(file)) continue;
      if (file.docstring !== null && file.docstring.text.trim() !== '') continue;
      const who = revisionOf(file);
      const f: FindingDraft = {
        file: file.path,
        line: file.docstring?.loc.line ?? 1,
        column: file.docstring?.loc.column ?? 1,
        message:
          file.docstring === null
            ? `${who} has no docstring: \`alembic history\` shows no message for it.`
            : `${who} has an empty docstring: \`alembic history\` shows no message for it.`,
        fix: 'Start the file with a docstring that says what the revision does, e.g. """add paid_at to invoices""" (the first line is the message Alembic shows).',
      };
      if (file.revision.value !== null) f.revision = file.revision.value;
      findings.push(f);
    }
    return findings;
  },
});
