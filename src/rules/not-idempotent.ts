import { defineRule } from './define.js';

export default defineRule({
  id: 'not-idempotent',
  severity: 'error',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'With `idempotent = true` (or `idempotent_since = "<revision>"`) in `[tool.alembic-guard]`: after each revision\'s upgrade, alembic-guard moves the version table back to the parent (a stamp, not a downgrade) and runs the same upgrade again on the schema that already has its change. It reports the upgrade when the second run fails, when it changes the schema again, or when it inserts rows again.',
    whyIsThisBad:
      'Teams that recover from a half-applied deploy by running the migration again need every upgrade to be safe to run when its change already exists. An unguarded `op.add_column` fails with "column already exists"; a data migration without ON CONFLICT inserts its rows twice.',
    example: `"""add nickname

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
    op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("users", "nickname")
`,
    useInstead: `"""add nickname, safe to run again

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
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("users")}
    if "nickname" not in columns:
        op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))
    # where Alembic has them: op.create_index(..., if_not_exists=True), op.create_table(..., if_not_exists=True)
    op.execute("INSERT INTO roles (name) VALUES ('admin') ON CONFLICT (name) DO NOTHING")


def downgrade():
    op.drop_column("users", "nickname")
`,
    options:
      'Off unless `[tool.alembic-guard] idempotent = true` (every revision) or `idempotent_since = "0042"` (the revisions after it). The second run is compared through the schema digest and the rows it inserts into the application\'s tables; an UPDATE that writes the same values again counts as idempotent.',
    references: ['https://alembic.sqlalchemy.org/en/latest/ops.html#alembic.operations.Operations.create_index'],
  },
});
