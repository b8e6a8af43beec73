import { defineRule } from './define.js';

export default defineRule({
  id: 'up-down-inconsistent',
  severity: 'error',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'Reports a revision that cannot be upgraded again after its own downgrade: alembic-guard runs upgrade, downgrade, upgrade for each revision on a throwaway PostgreSQL (what pytest-alembic calls up/down consistency) and reports the second upgrade\'s error, with the line that raised and the failing SQL statement.',
    whyIsThisBad:
      'Rolling back and forward again is the normal way out of a bad deploy: downgrade, fix the application, upgrade. If the downgrade left something behind (an enum type, an index, a table it never dropped) or dropped too much, the upgrade that worked the first time fails the second time, in production, at the worst moment.',
    example: `"""create subscriptions

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("subscriptions", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.create_index("ix_subscriptions_id", "subscriptions", ["id"])


def downgrade():
    pass  # the table stays, so creating it again fails
`,
    exampleSql: 'CREATE TABLE subscriptions (id BIGSERIAL NOT NULL, PRIMARY KEY (id));\n-- ERROR:  relation "subscriptions" already exists',
    useInstead: `"""create subscriptions

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("subscriptions", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.create_index("ix_subscriptions_id", "subscriptions", ["id"])


def downgrade():
    op.drop_index("ix_subscriptions_id", table_name="subscriptions")
    op.drop_table("subscriptions")
`,
    references: ['https://pytest-alembic.readthedocs.io/en/latest/tests.html#test-up-down-consistency'],
  },
});
