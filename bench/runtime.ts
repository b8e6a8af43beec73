/**
 * Runtime benchmark, side by side on the same generated project and the same PostgreSQL server:
 *
 *   alembic-guard check (static + every database check: upgrade from scratch, model drift, round
 *   trip, per-revision upgrade → downgrade → schema compared → upgrade, offline SQL per revision)
 *   vs
 *   pytest-alembic's four default tests (single head, upgrade, model definitions match DDL, up/down
 *   consistency), with an alembic_engine fixture that gives each test a fresh database, as
 *   pytest-mock-resources does.
 *
 * Both as whole processes, both against one embedded PostgreSQL started here (alembic-guard via
 * --database-url); alembic-guard also with its own throwaway server (the default). Then the
 * ephemeral server's time to ready: cold (initdb into an empty cache) and from the cached template.
 *
 * Usage: node dist/bench/runtime.js [N ...]   (default 100 300). BENCH_RUNS: runs per measurement
 * (default 3; the median is reported).
 */
import { migrationModule } from './generate.js';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, venvPython } from '../tests/helpers/paths.js';
import { startEmbeddedPostgres } from '../src/database/embedded.js';
import { median, requireTestVenv } from './common.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const bin = join(repoRoot, 'dist', 'src', 'cli', 'bin.js');

const ini = `[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
path_separator = os
sqlalchemy.url = postgresql+psycopg2://bench@localhost/bench
`;

// pytest-alembic passes its engine in config.attributes["connection"]; alembic-guard leaves it
// empty and the URL applies: the same env.py serves both.
const env = `from alembic import context
from sqlalchemy import engine_from_config, pool

from app.models import metadata

config = context.config
target_metadata = metadata


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = config.attributes.get("connection", None)
    if connectable is None:
        connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
`;

const conftest = `import os
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

ADMIN_URL = os.environ["BENCH_ADMIN_URL"]


@pytest.fixture
def alembic_engine():
    """A fresh database per test, as pytest-mock-resources gives one."""
    name = "pa_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
    engine = sa.create_engine(ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()
`;

const pytestTests = `from pytest_alembic.tests import (  # noqa: F401  the four default tests
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
`;

/**
 * `alembic upgrade head` then `alembic downgrade base` in one process on a fresh database, nothing
 * else: what a walk through Alembic cannot go below (5x against pytest-alembic needs less than this
 * where the floor row's ratio is under 5).
 */
const FLOOR_SCRIPT = `
import sys, uuid
import sqlalchemy as sa
from sqlalchemy.pool import NullPool
from alembic import command
from alembic.config import Config

admin_url = sys.argv[1]
name = "floor_" + uuid.uuid4().hex[:12]
admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
with admin.connect() as c:
    c.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
try:
    cfg = Config("alembic.ini")
    cfg.set_main_option("sqlalchemy.url", (admin_url.rsplit("/", 1)[0] + "/" + name).replace("%", "%%"))
    command.upgrade(cfg, "heads")
    command.downgrade(cfg, "base")
finally:
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
`;

interface TableModel {
  name: string;
  columns: string[];
  indexes: string[];
}


/**
 * n revisions: cycles of create table (with an index) → add a column and backfill it with an
 * UPDATE → index it, a two-sided branch and its merge every 50 revisions, and models that match
 * the result exactly.
 */
export function generateRuntimeProject(dir: string, n: number): void {
  rmSync(dir, { recursive: true, force: true });
  const versions = join(dir, 'migrations', 'versions');
  mkdirSync(versions, { recursive: true });
  mkdirSync(join(dir, 'app'), { recursive: true });
  mkdirSync(join(dir, 'tests'), { recursive: true });
  writeFileSync(join(dir, 'alembic.ini'), ini);
  writeFileSync(join(dir, 'migrations', 'env.py'), env);
  writeFileSync(join(dir, 'tests', 'conftest.py'), conftest);
  writeFileSync(join(dir, 'tests', 'test_migrations.py'), pytestTests);
  writeFileSync(join(dir, 'app', '__init__.py'), '');
  const tables: TableModel[] = [];
  let head: string[] | null = null;
  let i = 0;
  let step = 0;
  const id = (k: number): string => `r${String(k).padStart(4, '0')}`;
  const write = (down: string[] | null, slug: string, up: string, downBody: string): string => {
    const rid = id(i++);
    writeFileSync(join(versions, `${rid}_${slug}.py`), migrationModule(rid, down, slug.replace(/_/g, ' '), up, downBody));
    return rid;
  };
  while (i < n) {
    if (i > 0 && i % 50 === 0 && i + 3 <= n && tables.length > 0) {
      const t = tables[tables.length - 1]!;
      const sides = ['a', 'b'].map((side) => {
        const col = `${side}_${i}`;
        t.columns.push(`sa.Column("${col}", sa.Integer(), nullable=True)`);
        return write(head, `add_${col}_to_${t.name}`, `    op.add_column("${t.name}", sa.Column("${col}", sa.Integer(), nullable=True))`, `    op.drop_column("${t.name}", "${col}")`);
      });
      head = [write(sides, 'merge', '    pass', '    pass')];
      continue;
    }
    const k = step++;
    if (k % 3 === 0) {
      const t: TableModel = {
        name: `t_${tables.length}`,
        columns: [
          'sa.Column("id", sa.BigInteger(), primary_key=True)',
          'sa.Column("name", sa.Text(), nullable=False)',
          'sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)',
        ],
        indexes: [],
      };
      t.indexes.push(`sa.Index("ix_${t.name}_name", "name")`);
      tables.push(t);
      head = [
        write(
          head,
          `create_${t.name}`,
          `    op.create_table(
        "${t.name}",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_${t.name}_name", "${t.name}", ["name"])`,
          `    op.drop_index("ix_${t.name}_name", table_name="${t.name}")
    op.drop_table("${t.name}")`,
        ),
      ];
    } else if (k % 3 === 1) {
      const t = tables[tables.length - 1]!;
      t.columns.push('sa.Column("note", sa.Text(), nullable=True)');
      // a data statement next to the schema change, as real histories have (a backfill)
      head = [
        write(
          head,
          `add_note_to_${t.name}`,
          `    op.add_column("${t.name}", sa.Column("note", sa.Text(), nullable=True))
    op.execute("UPDATE ${t.name} SET note = name WHERE note IS NULL")`,
          `    op.drop_column("${t.name}", "note")`,
        ),
      ];
    } else {
      const t = tables[tables.length - 1]!;
      t.indexes.push(`sa.Index("ix_${t.name}_note", "note")`);
      head = [write(head, `index_note_on_${t.name}`, `    op.create_index("ix_${t.name}_note", "${t.name}", ["note"])`, `    op.drop_index("ix_${t.name}_note", table_name="${t.name}")`)];
    }
  }
  const models = [
    'import sqlalchemy as sa',
    '',
    'metadata = sa.MetaData()',
    '',
    ...tables.map((t) => `${t.name} = sa.Table(\n    "${t.name}",\n    metadata,\n${[...t.columns, ...t.indexes].map((c) => `    ${c},`).join('\n')}\n)\n`),
  ].join('\n');
  writeFileSync(join(dir, 'app', 'models.py'), models + '\n');
}


interface Sample {
  wall: number;
  /** User + system CPU of the process and its children (/usr/bin/time), ms. */
  cpu: number;
  /** Median duration of the walk (the up-down check) as the report gives it, ms. */
  walk?: number;
}

type Run = (wrap: (cmd: string, args: string[]) => [string, string[]]) => { status: number | null; stdout: string; stderr: string };

/** Median wall time and median CPU time of whole processes (CPU through /usr/bin/time when present). */
function timeRuns(label: string, run: Run, ok: (r: { status: number | null; stdout: string; stderr: string }) => boolean): Sample {
  const walls: number[] = [];
  const cpus: number[] = [];
  const walks: number[] = [];
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const res = run((cmd, args) => (timeBin !== undefined ? [timeBin, ['-f', 'AGCPU %U %S', cmd, ...args]] : [cmd, args]));
    const ms = performance.now() - t0;
    const m = /AGCPU ([\d.]+) ([\d.]+)/.exec(res.stderr);
    res.stderr = res.stderr.replace(/AGCPU .*\n?/, '');
    if (!ok(res)) throw new Error(`${label} failed (${res.status}):\n${res.stdout.slice(-3000)}\n${res.stderr.slice(-3000)}`);
    walls.push(ms);
    if (m !== null) cpus.push((Number(m[1]) + Number(m[2])) * 1000);
    try {
      const walk = (JSON.parse(res.stdout) as { checks: { id: string; durationMs: number }[] }).checks.find((c) => c.id === 'up-down');
      if (walk !== undefined) walks.push(walk.durationMs);
    } catch {
      // not a report (pytest-alembic)
    }
  }
  return { wall: median(walls), cpu: cpus.length > 0 ? median(cpus) : NaN, ...(walks.length > 0 ? { walk: median(walks) } : {}) };
}

function fmt(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1).padStart(6)} s ` : `${ms.toFixed(0).padStart(6)} ms`;
}

async function main(): Promise<void> {
  requireTestVenv();
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const server = await startEmbeddedPostgres();
  try {
    const admin = await server.freshDatabase();
    const url = admin.url;
    const adminUrl = url.replace(/^postgresql:/, 'postgresql+psycopg2:');
    console.log(`PostgreSQL for both: ${server.description.replace(/\(.*\)$/, '')}; ${RUNS} run(s) each, median, whole processes`);
    for (const n of sizes.length > 0 ? sizes : [100, 300]) {
      const dir = join(repoRoot, 'bench', '.work', `runtime-${n}`);
      generateRuntimeProject(dir, n);
      const pytestAlembic = timeRuns(
        'pytest-alembic',
        (wrap) => {
          const [cmd, args] = wrap(venvPython, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests/test_migrations.py']);
          const p = spawnSync(cmd, args, {
            cwd: dir,
            env: { ...process.env, BENCH_ADMIN_URL: adminUrl, PYTHONDONTWRITEBYTECODE: '1' },
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
          });
          return { status: p.status, stdout: p.stdout, stderr: p.stderr };
        },
        (r) => r.status === 0 && /4 passed/.test(r.stdout),
      );
      const guard =
        (extra: string[], env: Record<string, string> = {}): Run =>
        (wrap) => {
          const [cmd, args] = wrap(process.execPath, [bin, 'check', '--python', venvPython, '--format', 'json', '--no-cache', ...extra]);
          const p = spawnSync(cmd, args, {
            cwd: dir,
            env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
          });
          return { status: p.status, stdout: p.stdout, stderr: p.stderr };
        };
      const allPassed = (r: { status: number | null; stdout: string }): boolean => {
        if (r.status === 2) return false;
        // the generated migrations are not all safe for the operation rules (plain CREATE INDEX …):
        // what matters here is that every database check ran and passed
        const report = JSON.parse(r.stdout) as { checks: { id: string; status: string }[] };
        const db = report.checks.filter((c) => c.id !== 'static');
        // offline-sql, upgrade, model-drift, model-registration, round-trip, up-down (and the trace)
        return db.length >= 6 && db.every((c) => c.status === 'passed' || (c.id === 'trace' && c.status === 'skipped'));
      };
      const sameServer = timeRuns('alembic-guard --database-url', guard(['--database-url', url]), allPassed);
      const noTrace = timeRuns('alembic-guard --database-url --no-trace', guard(['--database-url', url, '--no-trace']), allPassed);
      const oneHelper = timeRuns('alembic-guard --database-url, one helper', guard(['--database-url', url], { ALEMBIC_GUARD_PARALLEL: '0' }), allPassed);
      const legacy = timeRuns('alembic-guard --database-url, legacy walk', guard(['--database-url', url], { ALEMBIC_GUARD_WALK: 'legacy' }), allPassed);
      const embedded = timeRuns('alembic-guard (embedded)', guard([]), allPassed);
      // The floor of any tool that runs the migrations through Alembic in Python: the interpreter
      // with Alembic, SQLAlchemy and the driver imported, every upgrade and every downgrade once.
      const floor = timeRuns(
        'Alembic alone',
        (wrap) => {
          const [cmd, args] = wrap(venvPython, ['-c', FLOOR_SCRIPT, adminUrl]);
          const p = spawnSync(cmd, args, { cwd: dir, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, encoding: 'utf8' });
          return { status: p.status, stdout: p.stdout, stderr: p.stderr };
        },
        (r) => r.status === 0,
      );
      const row = (label: string, x: Sample, ratio = true): string =>
        `  ${label.padEnd(56)} ${fmt(x.wall)}  cpu ${fmt(x.cpu)}${x.walk !== undefined ? `  walk ${fmt(x.walk)}` : '              '}${ratio ? `   ${(pytestAlembic.wall / x.wall).toFixed(1)}x faster (wall), ${(pytestAlembic.cpu / x.cpu).toFixed(1)}x less CPU` : ''}`;
      console.log(`\n${n} migrations (create table + index, add column + UPDATE backfill, create index; a branch and its merge every 50)`);
      console.log(row('pytest-alembic, 4 default tests', pytestAlembic, false));
      console.log(row('alembic-guard check, same server (--database-url)', sameServer));
      console.log(row('  … --no-trace (no lock trace, no generated rows)', noTrace));
      console.log(row('  … one helper (ALEMBIC_GUARD_PARALLEL=0)', oneHelper));
      console.log(row('  … the legacy walk (full snapshots per revision)', legacy));
      console.log(row('alembic-guard check, its own embedded server', embedded));
      console.log(row('floor: Alembic alone, upgrade head + downgrade base, one process', floor));
      if (sameServer.walk !== undefined && noTrace.walk !== undefined) {
        console.log(`  the trace (statements, locks, rewrites, rows) adds ${(((sameServer.walk - noTrace.walk) / noTrace.walk) * 100).toFixed(0)}% to the walk (${fmt(noTrace.walk)} → ${fmt(sameServer.walk)})`);
      }
    }
  } finally {
    await server.stop();
  }

  // The ephemeral server: cold (initdb into an empty cache) and from the cached template.
  const cache = mkdtempSync(join(tmpdir(), 'ag-bench-cache-'));
  chmodSync(cache, 0o755);
  try {
    const colds: number[] = [];
    const warms: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      rmSync(cache, { recursive: true, force: true });
      const cold = await startEmbeddedPostgres({ cacheDir: cache });
      colds.push(cold.startupMs);
      await cold.stop();
      const warm = await startEmbeddedPostgres({ cacheDir: cache });
      warms.push(warm.startupMs);
      await warm.stop();
    }
    console.log(`\nEmbedded PostgreSQL, time until it accepts connections (median of ${RUNS})`);
    console.log(`  cold (initdb, template written to the cache)       ${fmt(median(colds))}`);
    console.log(`  from the cached template                           ${fmt(median(warms))}`);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
