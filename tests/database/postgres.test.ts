/**
 * The database: the embedded server (cold start with initdb, then from the cached template), fresh
 * scratch databases with statement_timeout, nothing left behind after stop; and --database-url:
 * scratch databases created and dropped there, a refusal without CREATEDB unless
 * --allow-destructive, an unreachable server, and passwords never shown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded.js';
import { connectDatabaseUrl } from '../../src/database/external.js';
import { freePort, type DatabaseServer } from '../../src/database/server.js';
import { trackedCount } from '../../src/process/cleanup.js';
import { DatabaseError } from '../../src/errors.js';
import { processesMentioning, tempDir } from '../checks/helpers.js';

async function databases(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ datname: string }>('SELECT datname FROM pg_database ORDER BY 1')).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

function serverDir(server: DatabaseServer): string {
  const m = /\((\/[^)]+)\)$/.exec(server.description);
  assert.ok(m, server.description);
  return m[1]!;
}

test('embedded PostgreSQL: initdb once into the cache, then started from the template; fresh databases; nothing left behind', async () => {
  const cache = tempDir('ag-cache-');
  // where the runs put their data directory by default (memory-backed when roomy)
  const tmp = existsSync('/dev/shm') ? { dir: mkdtempSync('/dev/shm/ag-pgtmp-'), cleanup: () => undefined as void } : tempDir('ag-pgtmp-');
  const removeTmp = (): void => rmSync(tmp.dir, { recursive: true, force: true });
  chmodSync(tmp.dir, 0o755); // as root, PostgreSQL runs as the postgres user, which must reach it
  try {
    const cold = await startEmbeddedPostgres({ cacheDir: cache.dir, tmpDir: tmp.dir, stepTimeoutSeconds: 7 });
    const coldDir = serverDir(cold);
    try {
      assert.equal(cold.templateCached, false);
      assert.ok(cold.serverVersionNum >= 120000);
      assert.ok(existsSync(coldDir));
      const db = await cold.freshDatabase();
      assert.match(db.name, /^alembic_guard_[0-9a-f]{8}$/);
      assert.equal((await db.client.query('SHOW statement_timeout')).rows[0].statement_timeout, '7s');
      await db.client.query('CREATE TABLE leftover (id int)');
      const again = await cold.freshDatabase();
      assert.equal(again.name, db.name, 'the name stays the same all run, so cached settings in env.py keep working');
      const tables = await again.client.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
      assert.equal(tables.rows[0].n, 0, 'a fresh database is empty');
      // more fresh databases than the template has spares: created on demand
      for (let i = 0; i < 4; i++) await cold.freshDatabase();
    } finally {
      await cold.stop();
    }
    assert.equal(existsSync(coldDir), false, 'the data directory is deleted');
    assert.deepEqual(processesMentioning(coldDir), [], 'no postgres process is left');

    const warm = await startEmbeddedPostgres({ cacheDir: cache.dir, tmpDir: tmp.dir });
    const warmDir = serverDir(warm);
    try {
      assert.equal(warm.templateCached, true);
      process.stderr.write(`embedded PostgreSQL ready: cold ${Math.round(cold.startupMs)} ms, from the cached template ${Math.round(warm.startupMs)} ms\n`);
      assert.ok(warm.startupMs < cold.startupMs, `cached start (${warm.startupMs} ms) is faster than cold (${cold.startupMs} ms)`);
      const db = await warm.freshDatabase();
      assert.equal((await db.client.query('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      await warm.stop();
    }
    assert.equal(existsSync(warmDir), false);
    assert.deepEqual(processesMentioning(warmDir), []);
    assert.deepEqual(readdirSync(tmp.dir), [], 'nothing is left in the temporary directory');
    assert.equal(trackedCount(), 0);
  } finally {
    cache.cleanup();
    removeTmp();
  }
});

test('--database-url: scratch databases are created there and dropped afterwards; the password is never shown', async () => {
  const host = await startEmbeddedPostgres();
  try {
    const admin = await host.freshDatabase();
    const url = admin.url;
    await admin.client.query("CREATE ROLE ci_user LOGIN CREATEDB PASSWORD 's3cr3t-pw'");
    const ciUrl = url.replace(/\/\/[^@]+@/, '//ci_user:s3cr3t-pw@').replace(/^postgresql:/, 'postgresql+psycopg2:');
    const before = await databases(url);
    const server = await connectDatabaseUrl(ciUrl, { stepTimeoutSeconds: 5 });
    try {
      assert.doesNotMatch(server.description, /s3cr3t-pw/);
      assert.match(server.description, /ci_user:\*\*\*@/);
      const db = await server.freshDatabase();
      assert.ok(db.name.startsWith('alembic_guard_'));
      assert.ok((await databases(url)).includes(db.name));
      assert.equal((await db.client.query('SHOW statement_timeout')).rows[0].statement_timeout, '5s');
      await server.freshDatabase();
    } finally {
      await server.stop();
    }
    assert.deepEqual(await databases(url), before, 'the scratch database is dropped');
  } finally {
    await host.stop();
  }
});

test('--database-url without CREATEDB: refused, unless --allow-destructive, which empties the given database', async () => {
  const host = await startEmbeddedPostgres();
  try {
    const admin = await host.freshDatabase();
    await admin.client.query("CREATE ROLE app_user LOGIN PASSWORD 'app-pw'");
    await admin.client.query('CREATE DATABASE app_dev OWNER app_user');
    const url = admin.url.replace(/\/\/[^@]+@/, '//app_user:app-pw@').replace(/\/[^/]+$/, '/app_dev');
    const dev = new pg.Client({ connectionString: url });
    await dev.connect();
    await dev.query('CREATE TABLE precious (id int)');
    await dev.end();

    // refused before anything runs: the role may not create databases
    await assert.rejects(connectDatabaseUrl(url), (e: unknown) => {
      assert.ok(e instanceof DatabaseError);
      assert.match(e.message, /could not create a scratch database/);
      assert.match(e.reason ?? '', /only in databases it creates/);
      assert.match(e.hint ?? '', /--allow-destructive/);
      assert.doesNotMatch(`${e.message} ${e.reason} ${e.hint}`, /app-pw/);
      return true;
    });
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    assert.equal((await check.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'precious'")).rows[0].n, 1, 'nothing was touched');
    await check.end();

    const allowed = await connectDatabaseUrl(url, { allowDestructive: true });
    try {
      assert.equal(allowed.urlFor(), url, 'env.py is given the database itself');
      assert.equal(allowed.slots(), 1);
      const db = await allowed.freshDatabase();
      assert.equal(db.name, 'app_dev');
      assert.equal(db.created, false);
      assert.equal((await db.client.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0].n, 0);
    } finally {
      await allowed.stop();
    }
  } finally {
    await host.stop();
  }
});

test('--database-url to an unreachable server: a DatabaseError that says what to do, without the password', async () => {
  const port = await freePort();
  await assert.rejects(connectDatabaseUrl(`postgresql://ci:hunter2@127.0.0.1:${port}/postgres`), (e: unknown) => {
    assert.ok(e instanceof DatabaseError);
    assert.match(e.message, /could not connect to the database server given by --database-url \(postgresql:\/\/ci:\*\*\*@127\.0\.0\.1:\d+\/postgres\)/);
    assert.match(e.reason ?? '', /ECONNREFUSED/);
    assert.match(e.hint ?? '', /leave out --database-url/);
    assert.doesNotMatch(`${e.message} ${e.reason} ${e.hint}`, /hunter2/);
    return true;
  });
  await assert.rejects(connectDatabaseUrl('mysql://root:pw@localhost/db'), /must point at PostgreSQL, not mysql/);
});

test('embedded PostgreSQL as another server: cleanup also removes its directory (sanity of the test setup)', async () => {
  const server = await startEmbeddedPostgres();
  const dir = serverDir(server);
  await server.stop();
  assert.equal(existsSync(join(dir, 'postmaster.pid')), false);
});

test('embedded PostgreSQL: a server that logs a lot while this process is blocked does not stall (its log goes to a file, not a pipe)', async () => {
  const server = await startEmbeddedPostgres();
  try {
    await server.freshDatabase();
    // ~450 KB of server log written while the event loop is blocked in spawnSync: through a pipe
    // (64 KiB) the backend would block on its next log line and the child would time out.
    const script = `
      import pg from 'pg';
      const c = new pg.Client({ connectionString: process.argv[1] });
      await c.connect();
      await c.query("DO $$ BEGIN FOR i IN 1..3000 LOOP RAISE LOG 'alembic-guard filler %', repeat('x', 120); END LOOP; END $$");
      const r = await c.query('SELECT 1 AS one');
      await c.end();
      process.stdout.write(String(r.rows[0].one));
    `;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script, server.urlFor(0)], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(out.error, undefined, `the child finished: ${String(out.error)}`);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, '1');
  } finally {
    await server.stop();
  }
});
