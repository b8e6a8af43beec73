/**
 * `status --database-url` against a real PostgreSQL in each of its states: at head, behind,
 * several database heads, unknown revision, no version table; read-only, passwords never printed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/run-cli.js';
import { fixturesDir } from '../helpers/paths.js';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from './pg.js';

let pgServer: TestPostgres;
const project = join(fixturesDir, 'workflow-since');
const hashProject = join(fixturesDir, 'workflow-heads-hash');

before(async () => {
  pgServer = await startPostgres();
});
after(async () => {
  await pgServer?.stop();
});

async function db(name: string, rows: string[] | null): Promise<string> {
  await pgServer.createDatabase(name);
  if (rows !== null) {
    await pgServer.query('CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)', name);
    for (const r of rows) await pgServer.query(`INSERT INTO alembic_version VALUES ('${r}')`, name);
  }
  // SQLAlchemy's form, as alembic.ini and deploy settings spell it.
  return pgServer.url(name).replace('postgresql://', 'postgresql+psycopg2://');
}

async function status(url: string, cwd = project, extra: string[] = []) {
  const r = await runCli(['status', '--database-url', url, '--no-cache', ...extra], cwd);
  const j = await runCli(['status', '--database-url', url, '--no-cache', '--format', 'json', ...extra], cwd);
  assert.equal(j.code, r.code);
  for (const out of [r.stdout, r.stderr, j.stdout, j.stderr]) assert.doesNotMatch(out, /s3cret-pw/, 'the password is never printed');
  return { code: r.code, text: r.stdout, stderr: r.stderr, json: j.stdout === '' ? undefined : (JSON.parse(j.stdout) as Record<string, unknown>) };
}

test('at head: exit 0', async () => {
  const s = await status(await db('at_head', ['0003']));
  assert.equal(s.code, 0, s.stderr);
  assert.deepEqual(s.json, { current: ['0003'], heads: ['0003'], pending: [], state: 'at-head' });
  assert.match(s.text, /State: {4}at head/);
  assert.match(s.text, /Database: postgresql\+psycopg2:\/\/postgres:\*\*\*@127\.0\.0\.1/);
});

test('behind: exit 1, pending revisions in upgrade order; an empty table is behind everything', async () => {
  const s = await status(await db('behind', ['0001']));
  assert.equal(s.code, 1);
  assert.deepEqual(s.json, { current: ['0001'], heads: ['0003'], pending: ['0002', '0003'], state: 'behind' });
  assert.match(s.text, /behind: 2 pending revisions, in upgrade order:\n {2}0002 {2}drop legacy flag {2}\(migrations\/versions\/0002_drop_legacy_flag\.py\)\n {2}0003 {2}create orders/);
  const empty = await status(await db('empty', []));
  assert.equal(empty.code, 1);
  assert.deepEqual(empty.json!.pending, ['0001', '0002', '0003']);
});

test('several database heads are understood', async () => {
  // The hash fixture has two heads; a database with both branches applied is at head, one short is behind.
  const both = await status(await db('two_heads', ['c3d4e5f6a1b2', 'e5f6a1b2c3d4']), hashProject);
  assert.equal(both.code, 0, both.stderr);
  assert.deepEqual(both.json!.current, ['c3d4e5f6a1b2', 'e5f6a1b2c3d4']);
  const oneShort = await status(await db('one_short', ['c3d4e5f6a1b2', 'd4e5f6a1b2c3']), hashProject);
  assert.equal(oneShort.code, 1);
  assert.deepEqual(oneShort.json!.pending, ['e5f6a1b2c3d4']);
});

test('unknown revision: exit 3, in Alembic\'s words', async () => {
  const s = await status(await db('unknown', ['9f8e7d6c5b4a']));
  assert.equal(s.code, 3);
  assert.deepEqual(s.json, { current: ['9f8e7d6c5b4a'], heads: ['0003'], pending: [], state: 'unknown-revision' });
  assert.match(s.text, /Can't locate revision identified by '9f8e7d6c5b4a'/);
});

test('no version table: exit 4; --version-table names another one', async () => {
  const url = await db('fresh', null);
  const s = await status(url);
  assert.equal(s.code, 4);
  assert.deepEqual(s.json, { current: [], heads: ['0003'], pending: [], state: 'no-version-table' });
  await pgServer.query('CREATE SCHEMA ops; CREATE TABLE ops.versions (version_num varchar(32) PRIMARY KEY); INSERT INTO ops.versions VALUES (\'0003\')', 'fresh');
  assert.equal((await status(url, project, ['--version-table', 'ops.versions'])).code, 0);
});

test('read-only: works on a read-only database with a user that may only SELECT, and writes nothing', async () => {
  const url = await db('prod', ['0002']);
  await pgServer.query("CREATE ROLE reader LOGIN PASSWORD 'reader-pw'; GRANT SELECT ON alembic_version TO reader", 'prod');
  await pgServer.query('ALTER DATABASE prod SET default_transaction_read_only = on');
  const readerUrl = url.replace(/postgres:[^@]*@/, 'reader:reader-pw@');
  const s = await status(readerUrl);
  assert.equal(s.code, 1, s.stderr);
  assert.deepEqual(s.json!.pending, ['0003']);
  assert.doesNotMatch(s.text, /reader-pw/);
  const rows = (await pgServer.query('SELECT version_num FROM alembic_version', 'prod')).rows;
  assert.deepEqual(rows, [{ version_num: '0002' }]);
});

test('connection errors are exit 2 with the password redacted, never a stack trace', async () => {
  const bad = pgServer.url('does_not_exist');
  const r = await runCli(['status', '--database-url', bad], project);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot connect to postgresql:\/\/postgres:\*\*\*@/);
  assert.match(r.stderr, /does_not_exist/);
  assert.doesNotMatch(r.stderr, /s3cret-pw|\n\s+at /);
  const none = await runCli(['status'], project, { DATABASE_URL: '' });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /needs the database/);
  const mysql = await runCli(['status', '--database-url', 'mysql+pymysql://u:pw@h/db'], project);
  assert.equal(mysql.code, 2);
  assert.match(mysql.stderr, /PostgreSQL only/);
});
