import rule from '../../src/rules/ban-enum-value-removal.js';
import { ruleTester } from '../helpers/rule-tester.js';

const mod = (upgrade: string, downgrade: string) => `"""add refunded

Revision ID: a1
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None


def upgrade():
${upgrade}


def downgrade():
${downgrade}
`;
// Line 13 is \`def upgrade():\`, line 14 its first statement; downgrade() follows the upgrade body.
const ADD = `    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")`;
const ADD_GUARDED = `    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")`;

ruleTester(rule, {
  valid: [
    // Recreating the type: rename, create, convert, drop.
    mod(
      ADD,
      `    op.execute("UPDATE orders SET status = 'cancelled' WHERE status = 'refunded'")
    op.execute("ALTER TYPE order_status RENAME TO order_status_old")
    op.execute("CREATE TYPE order_status AS ENUM ('pending', 'paid', 'cancelled')")
    op.execute("ALTER TABLE orders ALTER COLUMN status TYPE order_status USING status::text::order_status")
    op.execute("DROP TYPE order_status_old")`,
    ),
    // Recreating it with SQLAlchemy: a column converted to a new enum of the same name.
    mod(
      ADD,
      `    op.execute("ALTER TYPE order_status RENAME TO order_status_old")
    new_type = sa.Enum("pending", "paid", name="order_status")
    new_type.create(op.get_bind())
    op.alter_column("orders", "status", type_=sa.Enum("pending", "paid", name="order_status"), postgresql_using="status::text::order_status")
    op.execute("DROP TYPE order_status_old")`,
    ),
    // Honest: the downgrade says it cannot be reversed.
    mod(ADD, `    raise NotImplementedError("PostgreSQL cannot drop an enum value")`),
    mod(ADD, `    """Irreversible."""\n    raise NotImplementedError()`),
    // Editing pg_enum directly (superuser) does remove it.
    mod(ADD, `    op.execute("DELETE FROM pg_enum WHERE enumlabel = 'refunded' AND enumtypid = 'order_status'::regtype")`),
    // SQL we cannot read gets the benefit of the doubt.
    mod(ADD, `    op.execute(f"ALTER TYPE {TYPE} RENAME TO {TYPE}_old")`),
    // No enum value added: nothing to check.
    mod(`    op.add_column("orders", sa.Column("note", sa.Text(), nullable=True))`, `    pass`),
    // Not PostgreSQL.
    { code: mod(ADD, `    pass`), dialect: 'sqlite' },
  ],
  invalid: [
    {
      name: 'a downgrade that does nothing',
      code: mod(ADD, `    pass`),
      errors: [
        {
          line: 18,
          column: 1,
          message: /downgrade\(\) does nothing about 'refunded' that upgrade\(\) adds to enum type order_status \(line 15\): PostgreSQL cannot drop an enum value, the value stays, and upgrading again fails with "enum label already exists"/,
          fix: 'NotImplementedError',
        },
      ],
    },
    {
      name: 'a downgrade that fixes the rows but leaves the value',
      code: mod(ADD, `    op.execute("UPDATE orders SET status = 'cancelled' WHERE status = 'refunded'")`),
      errors: [{ line: 18, column: 1, message: "does nothing about 'refunded'" }],
    },
    {
      name: 'two values of one type: one finding',
      code: mod(
        `    op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")\n    op.execute("ALTER TYPE order_status ADD VALUE 'disputed'")`,
        `    pass`,
      ),
      errors: [{ line: 18, column: 1, message: "'refunded', 'disputed'" }],
    },
    {
      name: 'ADD VALUE IF NOT EXISTS: the round trip works, but the downgrade still pretends',
      code: mod(ADD_GUARDED, `    pass`),
      errors: [{ line: 18, column: 1, message: 'the value stays, so after the downgrade the type is not what the previous revision had' }],
    },
    {
      name: 'ALTER TYPE ... DROP VALUE does not exist',
      code: mod(ADD, `    op.execute("ALTER TYPE order_status DROP VALUE 'refunded'")`),
      errors: [{ line: 19, column: 5, message: '`ALTER TYPE order_status DROP VALUE` does not exist in PostgreSQL', fix: 'recreate the type' }],
    },
    {
      name: 'DROP VALUE on a schema-qualified type',
      code: mod(ADD, `    op.execute(sa.text('ALTER TYPE public."order_status" DROP VALUE \\'refunded\\''))`),
      errors: [{ line: 19, column: 5, message: 'order_status DROP VALUE' }],
    },
  ],
});
