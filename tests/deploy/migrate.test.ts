/**
 * `alembic-guard migrate` against a real PostgreSQL (embedded, through --database-url), as real
 * processes: concurrent runners, a revision blocked by another session's lock, a run killed in the
 * middle, refusals, --plan writing nothing, a failed revision, --backup's pg_dump checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { cli, copyFixture, query, useDeployServer, writeProbe } from './helpers.js';
import { startSystemPostgres, systemPostgresBin } from '../helpers/system-postgres.js';

const server = useDeployServer('deploy');
/** The shared copy of deploy-shop (made by the server's before hook). */
const project = (): string => server.project();

/** SQLAlchemy's form, as deploy settings spell it. */
async function database(): Promise<string> {
  return (await server.database()).replace('postgresql://', 'postgresql+psycopg2://');
}

const plain = (url: string): string => url.replace('postgresql+psycopg2://', 'postgresql://');

interface MigrateJson {
  state: string;
  exitCode: number;
  before: string[];
  after: string[];
  plan: { revision: string; sql?: string }[];
  applied: { revision: string; durationMs: number; attempts: number }[];
  waits: { for: string; holder: { pid: number; applicationName: string; since: string } | null; waitedMs: number }[];
  retries: { revision: string; attempt: number; delayMs: number; message: string; blockers: { pid: number; applicationName: string; query: string }[] }[];
  failure: { revision: string; file: string; message: string; pgcode?: string; attempts: number; blockers: { pid: number; applicationName: string; query: string | null }[] } | null;
  refusal: { reason: string; message: string } | null;
  durationMs: number;
}

async function migrate(url: string, extra: string[] = [], env: Record<string, string> = {}, cwd = project()) {
  const r = await cli(['migrate', '--database-url', url, '--format', 'json', ...extra], cwd, env).done;
  for (const out of [r.stdout, r.stderr]) assert.doesNotMatch(out, /s3cret-pw/, 'the password is never printed');
  assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
  return { ...r, json: r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as MigrateJson) : undefined };
}

test('--plan (and --sql) lists what would run and writes nothing: same next transaction id, same catalog', async () => {
  const url = await database();
  await query(plain(url), 'SELECT 1');
  const before = await writeProbe(plain(url));
  const r = await migrate(url, ['--plan', '--sql']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json!.state, 'planned');
  assert.deepEqual(r.json!.plan.map((p) => p.revision), ['0001', '0002', '0003', '0004', '0005']);
  assert.match(r.json!.plan[0]!.sql!, /CREATE TABLE customers/);
  assert.match(r.json!.plan[4]!.sql!, /CREATE INDEX CONCURRENTLY ix_orders_status/);
  const after = await writeProbe(plain(url));
  assert.equal(after.nextXid, before.nextXid, 'no transaction id was assigned on the server: nothing was written');
  assert.deepEqual(after.snapshot, before.snapshot);
  assert.equal(after.versionRows, null);
  // The text form names each revision with its file.
  const text = await cli(['migrate', '--database-url', url, '--plan'], project()).done;
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Plan: {5}5 revisions to apply, in order:\n {2}0001 {2}create customers {2}\(migrations\/versions\/0001_create_customers\.py\)/);
  assert.match(text.stdout, /Nothing was changed \(--plan\)\./);
});

test('5 concurrent runs: one applies each revision once, the others wait for it and find the database at head', async (t) => {
  const url = await database();
  const started = performance.now();
  const runs = await Promise.all(Array.from({ length: 5 }, () => migrate(url)));
  const wall = performance.now() - started;
  for (const r of runs) assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
  const applied = runs.flatMap((r) => r.json!.applied.map((a) => a.revision));
  assert.deepEqual([...applied].sort(), ['0001', '0002', '0003', '0004', '0005'], 'each revision applied exactly once');
  const appliers = runs.filter((r) => r.json!.applied.length > 0);
  assert.equal(appliers.length, 1, 'one runner applied everything');
  const waiters = runs.filter((r) => r.json!.state === 'up-to-date');
  assert.equal(waiters.length, 4);
  for (const w of waiters) assert.deepEqual(w.json!.after, ['0005']);
  // Those that had to wait saw who held the lock.
  const waited = runs.filter((r) => r.json!.waits.some((w) => w.for === 'lock'));
  // (The holder can let go between a failed try and the look at pg_locks: then none is named.)
  for (const w of waited) for (const x of w.json!.waits) if (x.holder !== null) assert.match(x.holder.applicationName, /^alembic-guard migrate lock/);
  assert.deepEqual(await query(plain(url), 'SELECT count(*)::int AS n FROM plans'), [{ n: 3 }], 'the data migration ran once');
  assert.deepEqual(await query(plain(url), 'SELECT version_num FROM alembic_version'), [{ version_num: '0005' }]);
  const ms = runs.map((r) => Math.round(r.ms)).sort((a, b) => a - b);
  const apply = appliers[0]!.json!.applied.reduce((s, a) => s + a.durationMs, 0);
  t.diagnostic(`5 concurrent migrate processes: wall ${Math.round(wall)} ms; per process ${ms.join(', ')} ms; ${waited.length} waited for the lock; the applier's 5 revisions took ${apply} ms`);
});

test('a revision blocked by another session: lock_timeout, retries with backoff, then a report naming the blocker; the earlier revisions stay committed', async () => {
  const url = await database();
  assert.equal((await migrate(url, [], {})).code, 0);
  await query(plain(url), "DELETE FROM alembic_version; INSERT INTO alembic_version VALUES ('0003'); ALTER TABLE customers DROP COLUMN note; DROP INDEX ix_orders_status; DROP INDEX ux_orders_customer");
  const blocker = new pg.Client({ connectionString: plain(url), application_name: 'report-job' });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('SELECT count(*) FROM customers');
    const r = await migrate(url, ['--lock-timeout', '0.3', '--retries', '2']);
    assert.equal(r.code, 1, r.stderr);
    const j = r.json!;
    assert.equal(j.state, 'failed');
    assert.equal(j.failure!.revision, '0004');
    assert.equal(j.failure!.pgcode, '55P03');
    assert.equal(j.failure!.attempts, 3);
    assert.match(j.failure!.message, /lock timeout/);
    assert.equal(j.retries.length, 2);
    assert.ok(j.retries[1]!.delayMs > j.retries[0]!.delayMs, 'the backoff grows');
    const pid = (blocker as unknown as { processID: number }).processID;
    assert.deepEqual(j.failure!.blockers.map((b) => [b.pid, b.applicationName]), [[pid, 'report-job']]);
    assert.match(j.failure!.blockers[0]!.query ?? '', /SELECT count\(\*\) FROM customers/);
    assert.deepEqual(j.after, ['0003'], 'the database stays at the last revision that committed');
    assert.deepEqual(await query(plain(url), 'SELECT version_num FROM alembic_version'), [{ version_num: '0003' }]);
    // The text form says it to a person.
    const text = await cli(['migrate', '--database-url', url, '--lock-timeout', '0.2', '--retries', '0'], project()).done;
    assert.equal(text.code, 1);
    assert.match(text.stdout, /Failed: {3}0004 \(migrations\/versions\/0004_add_customer_note\.py:\d+\): .*lock timeout/);
    assert.match(text.stdout, new RegExp(`Blocked by pid ${pid}, since .*, application_name "report-job"`));
    assert.match(text.stdout, /State: {4}0004 was rolled back; the database is at 0003, the last revision that committed/);
  } finally {
    await blocker.end();
  }
  const again = await migrate(url);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(again.json!.applied.map((a) => a.revision), ['0004', '0005']);
});

test('SIGKILL during a slow revision: the server releases the lock and rolls back; the next run continues from the last committed revision', async () => {
  const url = await database();
  const first = cli(['migrate', '--database-url', url, '--format', 'json'], project(), { DEPLOY_SLOW_SECONDS: '30' });
  // Wait until the slow revision runs on the server.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const rows = await query(plain(url), "SELECT pid FROM pg_stat_activity WHERE application_name = 'alembic-guard migrate' AND query LIKE '%pg_sleep%' AND state = 'active'");
    if (rows.length > 0) break;
    assert.ok(Date.now() < deadline, 'the slow revision never started');
    await new Promise((r) => setTimeout(r, 100));
  }
  first.child.kill('SIGKILL');
  const killed = await first.done;
  assert.equal(killed.signal, 'SIGKILL');
  const started = performance.now();
  const second = await migrate(url);
  assert.equal(second.code, 0, second.stderr);
  assert.ok(performance.now() - started < 25_000, 'the second run did not wait for the killed one\'s 30 s statement');
  assert.deepEqual(second.json!.before, ['0003'], 'the killed revision was rolled back');
  assert.deepEqual(second.json!.applied.map((a) => a.revision), ['0004', '0005']);
  assert.deepEqual(await query(plain(url), 'SELECT version_num FROM alembic_version'), [{ version_num: '0005' }]);
  const left = await query(plain(url), "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'alembic-guard migrate%'");
  assert.deepEqual(left, [], 'no session of either run is left');
});

test('a failed revision leaves the database at the last revision that committed, says so, exit 1', async () => {
  const url = await database();
  assert.equal((await migrate(url, [])).code, 0);
  await query(plain(url), "DELETE FROM alembic_version; INSERT INTO alembic_version VALUES ('0002'); DROP TABLE plans; ALTER TABLE customers DROP COLUMN note; DROP INDEX ix_orders_status; DROP INDEX ux_orders_customer");
  await query(plain(url), "INSERT INTO customers (id, email) VALUES (1, 'a@example.com'); INSERT INTO orders (customer_id, status) VALUES (1, 'new'), (1, 'paid')");
  const r = await migrate(url);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.json!.failure!.revision, '0005');
  assert.match(r.json!.failure!.message, /could not create unique index "ux_orders_customer"/);
  assert.deepEqual(r.json!.applied.map((a) => a.revision), ['0003', '0004']);
  assert.deepEqual(r.json!.after, ['0004']);
  assert.deepEqual(await query(plain(url), 'SELECT version_num FROM alembic_version'), [{ version_num: '0004' }]);
});

test('refusals: a revision no script declares (3), tables without a version table (4), several heads without --heads (2), static errors unless --force (1)', async () => {
  const unknown = await database();
  await query(plain(unknown), "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('9f8e7d6c5b4a')");
  const u = await migrate(unknown);
  assert.equal(u.code, 3, u.stderr);
  assert.equal(u.json!.refusal!.reason, 'unknown-revision');

  const tables = await database();
  await query(plain(tables), 'CREATE TABLE customers (id bigint PRIMARY KEY)');
  const before = await writeProbe(plain(tables));
  const t4 = await migrate(tables);
  assert.equal(t4.code, 4);
  assert.match(t4.json!.refusal!.message, /has tables \(public\.customers\) but no version table/);
  assert.equal((await writeProbe(plain(tables))).nextXid, before.nextXid, 'a refusal writes nothing');

  const heads = copyFixture();
  writeFileSync(
    join(heads, 'migrations', 'versions', '0006_side_branch.py'),
    '"""a second head\n\nRevision ID: 0006\nRevises: 0004\n"""\nrevision = "0006"\ndown_revision = "0004"\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n',
  );
  const fresh = await database();
  const h = await migrate(fresh, [], {}, heads);
  assert.equal(h.code, 1, 'the multiple-heads finding is a static error');
  assert.equal(h.json!.refusal!.reason, 'static-errors');
  const forced = await migrate(fresh, ['--force'], {}, heads);
  assert.equal(forced.code, 2);
  assert.equal(forced.json!.refusal!.reason, 'multiple-heads');
  const both = await migrate(fresh, ['--heads'], {}, heads);
  assert.equal(both.code, 0, both.stderr);
  assert.deepEqual([...both.json!.after].sort(), ['0005', '0006']);
});

test('--backup: pg_dump missing or older than the server is a clear error before anything runs (exit 2)', async () => {
  const url = await database();
  const none = await migrate(url, ['--backup', join(project(), 'backup.dump')], { PATH: '/nonexistent' });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--backup needs pg_dump, and there is no pg_dump on PATH/);
  assert.match(none.stderr, /Next: Install PostgreSQL's client programs of version 1\d or newer/);
  const serverMajor = Math.floor(Number((await query<{ v: string }>(plain(url), "SELECT current_setting('server_version_num') AS v"))[0]!.v) / 10000);
  const { spawnSync } = await import('node:child_process');
  const dump = spawnSync('pg_dump', ['--version'], { encoding: 'utf8' });
  const major = Number(/\(PostgreSQL\) (\d+)/.exec(dump.stdout ?? '')?.[1] ?? 0);
  assert.ok(major > 0, 'pg_dump is installed (.ci/run installs postgresql-client)');
  const r = await migrate(url, ['--backup', join(project(), 'backup.dump')]);
  if (major < serverMajor) {
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`is pg_dump ${major}\\.\\d+, older than the server \\(PostgreSQL ${serverMajor}\\): it cannot dump it`));
    assert.equal((await writeProbe(plain(url))).versionRows, null, 'nothing was migrated');
  } else {
    assert.equal(r.code, 0, r.stderr);
    assert.ok(statSync(join(project(), 'backup.dump')).size > 0, 'the dump was written');
    assert.match((r.json as unknown as { backup: { pgDump: string } }).backup.pgDump, /pg_dump/);
  }
});

test('--backup: pg_dump of the server\'s version dumps the database before the first revision (Debian\'s server, through --database-url)', async (t) => {
  if (systemPostgresBin() === undefined) {
    t.skip('no Debian PostgreSQL server under /usr/lib/postgresql (.ci/run installs it)');
    return;
  }
  const system = await startSystemPostgres();
  try {
    await query(system.url, 'CREATE DATABASE backup_target');
    const url = system.url.replace(/\/postgres$/, '/backup_target');
    assert.equal((await migrate(url)).code, 0);
    await query(url, "DELETE FROM alembic_version; INSERT INTO alembic_version VALUES ('0004'); DROP INDEX ix_orders_status; DROP INDEX ux_orders_customer");
    const file = join(project(), 'before-0005.sql');
    const r = await migrate(url, ['--backup', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json!.applied.map((a) => a.revision), ['0005']);
    const dump = readFileSync(file, 'utf8');
    assert.match(dump, /CREATE TABLE public\.customers/);
    assert.match(dump, /COPY public\.alembic_version \(version_num\) FROM stdin;\n0004\n/, 'taken before 0005 ran');
    assert.doesNotMatch(dump, /ux_orders_customer/);
    assert.doesNotMatch(dump, /system-pg/, 'no password in the dump');
  } finally {
    await system.stop();
  }
});
