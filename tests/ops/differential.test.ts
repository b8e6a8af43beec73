/**
 * The Python front end against real Alembic: the same migrations, read statically (op.* calls)
 * and as the offline SQL Alembic emits for them (`alembic upgrade head --sql`, test venv). Every
 * operation must be seen by both front ends, with the same transaction state: this is what makes
 * the static model trustworthy and the merge report each operation once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMigration } from '../../src/source/parse.js';
import { fileOperations } from '../../src/ops/build.js';
import { loadSqlParser, splitOfflineSql } from '../../src/ops/from-sql.js';
import { mergeFrontEnds, operationSignature, operationsFromOfflineSql } from '../../src/ops/offline.js';
import type { Operation } from '../../src/ops/model.js';
import { venvPython } from '../helpers/paths.js';

const env = `from alembic import context
config = context.config
context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
with context.begin_transaction():
    context.run_migrations()
`;

const head = (rev: string, down: string | null): string => `"""${rev}"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "${rev}"
down_revision = ${down === null ? 'None' : `"${down}"`}
branch_labels = None
depends_on = None
`;

const revisions: Record<string, string> = {
  '0001_tables.py': `${head('0001', null)}

def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("email", sa.String(255), nullable=False, index=True),
        sa.Column("state", sa.Enum("new", "active", name="user_state"), nullable=False, server_default="new"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id"), nullable=False),
        sa.CheckConstraint("id > 0", name="ck_orders_id"),
    )
    op.create_index("ix_orders_user_id", "orders", ["user_id"])


def downgrade():
    op.drop_table("orders")
    op.drop_table("users")
`,
  '0002_alter.py': `${head('0002', '0001')}

def upgrade():
    op.add_column("users", sa.Column("age", sa.Integer(), nullable=True))
    op.add_column("orders", sa.Column("coupon_id", sa.Integer(), sa.ForeignKey("users.id"), index=True))
    op.add_column("orders", sa.Column("code", sa.String(20), unique=True))
    op.alter_column("users", "email", existing_type=sa.String(255), type_=sa.Text(), nullable=True, server_default="x", new_column_name="mail")
    op.create_foreign_key("fk_orders_users", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)
    op.create_check_constraint("ck_users_age", "users", "age >= 0", postgresql_not_valid=True)
    op.execute("ALTER TABLE users VALIDATE CONSTRAINT ck_users_age")
    op.create_unique_constraint("uq_orders_code2", "orders", ["code", "id"])
    op.drop_constraint("ck_orders_id", "orders", type_="check")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.alter_column("code", nullable=False)
        batch_op.drop_column("coupon_id")
    with op.get_context().autocommit_block():
        op.create_index("ix_users_age", "users", ["age"], postgresql_concurrently=True, if_not_exists=True)
        op.drop_index("ix_orders_user_id", table_name="orders", postgresql_concurrently=True)
    op.execute("SET lock_timeout = '3s'")
    op.execute(sa.text("UPDATE users SET age = 0 WHERE age IS NULL"))


def downgrade():
    pass
`,
  '0003_rename.py': `${head('0003', '0002')}

def upgrade():
    op.rename_table("orders", "purchases")
    op.create_primary_key("pk_events", "users", ["id"])
    op.drop_index("ix_users_email", table_name="users")
    op.execute("TRUNCATE purchases")
    op.drop_table("purchases")
    op.execute("ALTER TYPE user_state ADD VALUE 'gone'")


def downgrade():
    pass
`,
};

test('every operation Alembic emits is seen by the Python front end, with the same transaction state', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ops-differential-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'migrations', 'versions'), { recursive: true });
  writeFileSync(join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql://u@localhost/db\n');
  writeFileSync(join(dir, 'migrations', 'env.py'), env);
  writeFileSync(join(dir, 'migrations', 'script.py.mako'), '');
  for (const [name, src] of Object.entries(revisions)) writeFileSync(join(dir, 'migrations', 'versions', name), src);
  const sql = execFileSync(venvPython, ['-m', 'alembic', 'upgrade', 'head', '--sql'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  await loadSqlParser();
  const { sections } = splitOfflineSql(sql);
  assert.equal(sections.length, 3);
  for (const [name] of Object.entries(revisions)) {
    const path = `migrations/versions/${name}`;
    const buf = readFileSync(join(dir, path));
    const file = parseMigration(buf, { path, absPath: join(dir, path) }, name);
    const rev = file.revision.value!;
    const section = sections.find((s) => s.to.includes(rev))!;
    const offline = operationsFromOfflineSql(section.sql, { file: 'offline.sql', revision: rev, phase: 'upgrade' }).filter((o) => o.kind !== 'transaction-control');
    const statics = fileOperations(file, { dialect: 'postgresql' }).upgrade;
    const sig = (ops: Operation[]): string[] => ops.map((o) => `${operationSignature(o)} tx=${o.inTransaction}`).sort();
    assert.deepEqual(sig(statics), sig(offline), `revision ${rev}: the two front ends disagree\n--- offline SQL ---\n${section.sql}`);
    assert.ok(statics.length >= 5, `revision ${rev}: ${statics.length} operations`);
    const merged = mergeFrontEnds(statics, offline);
    assert.equal(merged.length, statics.length);
    assert.ok(merged.every((o) => o.source.kind === 'python' || o.source.call !== undefined), 'every merged operation is at a Python location');
  }
});
