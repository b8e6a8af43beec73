/**
 * Synthetic Alembic project generator for the benchmarks: N migrations, linear with branches that
 * merge back, with realistic bodies (tables, columns, indexes, data fixes), hex revision ids and the
 * standard script template.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

export interface GenerateOptions {
  /** Start a two-way branch every this many revisions (0 = never). */
  branchEvery?: number;
  /** Revisions on each side of a branch before the merge. */
  branchLength?: number;
  /** Write env.py for online runs against DATABASE_URL (benchmarks that run migrations). */
  withEnv?: boolean;
}

const ini = `[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
path_separator = os
sqlalchemy.url = postgresql://bench@localhost/bench
`;

const env = `import os
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if os.environ.get("DATABASE_URL"):
    config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])
target_metadata = None


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
`;

const mako = `"""\${message}

Revision ID: \${up_revision}
Revises: \${down_revision | comma,n}
Create Date: \${create_date}

"""
from alembic import op
import sqlalchemy as sa

revision = \${repr(up_revision)}
down_revision = \${repr(down_revision)}
branch_labels = \${repr(branch_labels)}
depends_on = \${repr(depends_on)}


def upgrade():
    \${upgrades if upgrades else "pass"}


def downgrade():
    \${downgrades if downgrades else "pass"}
`;

function revId(i: number): string {
  return createHash('sha1').update(`rev-${i}`).digest('hex').slice(0, 12);
}

/** The `step`-th linear revision: a cycle of create table → add column → index it → backfill. */
function body(step: number): { slug: string; up: string; down: string } {
  const t = `table_${step - (step % 4)}`;
  switch (step % 4) {
    case 0:
      return {
        slug: `create_${t}`,
        up: `    op.create_table(
        "${t}",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_${t}_name", "${t}", ["name"])`,
        down: `    op.drop_index("ix_${t}_name", table_name="${t}")
    op.drop_table("${t}")`,
      };
    case 1:
      return {
        slug: `add_note_to_${t}`,
        up: `    op.add_column("${t}", sa.Column("note", sa.Text(), nullable=True))`,
        down: `    op.drop_column("${t}", "note")`,
      };
    case 2:
      return {
        slug: `index_note_on_${t}`,
        up: `    with op.get_context().autocommit_block():
        op.create_index("ix_${t}_note", "${t}", ["note"], postgresql_concurrently=True)`,
        down: `    with op.get_context().autocommit_block():
        op.drop_index("ix_${t}_note", table_name="${t}", postgresql_concurrently=True)`,
      };
    default:
      return {
        slug: `backfill_${t}_note`,
        up: `    op.execute("SET lock_timeout = '5s'")
    op.execute("UPDATE ${t} SET note = 'n/a' WHERE note IS NULL AND id < 1000")`,
        down: `    op.execute("UPDATE ${t} SET note = NULL WHERE note = 'n/a' AND id < 1000")`,
      };
  }
}

/** One revision module in the shape `alembic revision` writes (bodies already indented). */
export function migrationModule(id: string, down: string[] | null, message: string, up: string, downBody: string, createDate = '2026-01-01 00:00:00'): string {
  const downRepr = down === null ? 'None' : down.length === 1 ? `"${down[0]}"` : `(${down.map((d) => `"${d}"`).join(', ')})`;
  return `"""${message}

Revision ID: ${id}
Revises: ${down === null ? '' : down.join(', ')}
Create Date: ${createDate}

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "${id}"
down_revision = ${downRepr}
branch_labels = None
depends_on = None


def upgrade():
${up}


def downgrade():
${downBody}
`;
}

function file(i: number, id: string, down: string[] | null, message: string, up: string, downBody: string): string {
  return migrationModule(id, down, message, up, downBody, `2026-01-01 00:00:${String(i % 60).padStart(2, '0')}`);
}

/** Writes a project with `n` revisions into `dir` (replacing it). Returns the head revision ids. */
export function generateProject(dir: string, n: number, options: GenerateOptions = {}): string[] {
  const branchEvery = options.branchEvery ?? 50;
  const branchLength = options.branchLength ?? 3;
  rmSync(dir, { recursive: true, force: true });
  const versions = join(dir, 'migrations', 'versions');
  mkdirSync(versions, { recursive: true });
  writeFileSync(join(dir, 'alembic.ini'), ini);
  writeFileSync(join(dir, 'migrations', 'script.py.mako'), mako);
  writeFileSync(join(dir, 'migrations', 'env.py'), env);
  let heads: string[] = [];
  let i = 0;
  let sinceBranch = 0;
  let step = 0;
  // A branch: two chains of `branchLength` from the current head, then a merge revision.
  while (i < n) {
    if (branchEvery > 0 && sinceBranch >= branchEvery && heads.length === 1 && i + 2 * branchLength + 1 <= n) {
      const fork = heads[0]!;
      const tips: string[] = [];
      for (const _side of [0, 1]) {
        let parent = fork;
        for (let k = 0; k < branchLength; k++) {
          const id = revId(i);
          const t = `table_${Math.max(0, step - 1) - (Math.max(0, step - 1) % 4)}`;
          const b = { slug: `add_c_${i}_to_${t}`, up: `    op.add_column("${t}", sa.Column("c_${i}", sa.Integer(), nullable=True))`, down: `    op.drop_column("${t}", "c_${i}")` };
          writeFileSync(join(versions, `${id}_${b.slug}.py`), file(i, id, [parent], b.slug.replace(/_/g, ' '), b.up, b.down));
          parent = id;
          i++;
        }
        tips.push(parent);
      }
      const id = revId(i);
      writeFileSync(join(versions, `${id}_merge.py`), file(i, id, tips, 'merge branches', '    pass', '    pass'));
      heads = [id];
      i++;
      sinceBranch = 0;
      continue;
    }
    const id = revId(i);
    const b = body(step++);
    writeFileSync(join(versions, `${id}_${b.slug}.py`), file(i, id, heads.length === 0 ? null : heads, b.slug.replace(/_/g, ' '), b.up, b.down));
    heads = [id];
    i++;
    sinceBranch++;
  }
  return heads;
}
