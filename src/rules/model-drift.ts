import { defineRule } from './define.js';

export default defineRule({
  id: 'model-drift',
  severity: 'error',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'Reports each difference between your SQLAlchemy models (`target_metadata` in env.py) and the database after upgrading to head, judged the way `alembic check` judges it: autogenerate\'s comparison with the settings env.py passes to `context.configure()` (`compare_type`, `compare_server_default`, `include_object`, `include_schemas` …). Each difference is one finding in words ("column users.nickname (VARCHAR(50)) is in the models but no migration creates it"), at the model class or attribute when it can be found. Skipped, with the reason, when env.py sets `target_metadata = None`.',
    whyIsThisBad:
      'A model change without a migration works on the developer\'s machine (where `create_all()` or an old autogenerate made the column) and fails in production with "column does not exist" on the first query that touches it. The opposite, a migration the models do not reflect, makes the next `alembic revision --autogenerate` propose dropping it.',
    example: `# file: app/models.py
class User(Base):
    __tablename__ = "users"
    id = mapped_column(sa.BigInteger, primary_key=True)
    email = mapped_column(sa.String(255), nullable=False)
    nickname = mapped_column(sa.String(50))  # no migration adds this column

# file: migrations/versions/0001_create_users.py
revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("email", sa.String(255), nullable=False),
    )


def downgrade():
    op.drop_table("users")
`,
    useInstead: `# file: migrations/versions/0002_add_users_nickname.py
# generated with: alembic revision --autogenerate -m "add users.nickname"
revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("users", sa.Column("nickname", sa.String(50)))


def downgrade():
    op.drop_column("users", "nickname")
`,
    options:
      'Configure what is compared in env.py, as for `alembic check`: `include_object`/`include_name` to leave tables out, `compare_type=False`, `compare_server_default=True`. Set the severity with `[tool.alembic-guard.rules] model-drift = "warning"`.',
    references: [
      'https://alembic.sqlalchemy.org/en/latest/autogenerate.html#running-alembic-check-to-test-for-new-upgrade-operations',
      'https://alembic.sqlalchemy.org/en/latest/api/autogenerate.html#alembic.autogenerate.compare_metadata',
    ],
  },
});
