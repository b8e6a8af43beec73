/**
 * The runtime fixtures give exactly their expected findings also
 *   - on a server given by --database-url (here an embedded server this test starts: "another
 *     server", reached by URL with a password, where scratch databases are created and dropped), and
 *   - with the oldest supported stack, Alembic 1.9 on SQLAlchemy 1.4 (the .venv-old venv), and
 *   - with psycopg 3 as the only driver (the .venv-psycopg3 venv; the fixtures' URLs name psycopg).
 * The default path (embedded server, current Alembic) is the generic fixtures test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { venvPython } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { startEmbeddedPostgres } from '../../src/database/embedded.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureOldVenv, ensurePsycopg3Venv } from '../setup/venv-old.js';
import { findingKey, runtimeFixtures, scratchProject } from './helpers.js';

async function check(dir: string, args: string[], python: string, extra: string[] = []): Promise<{ code: number; keys: string[]; stdout: string; stderr: string }> {
  const r = await runCli(['check', ...args, '--format', 'json', '--no-cache', '--python', python, ...extra], dir);
  assert.notEqual(r.code, 2, `exit 2: ${r.stderr}`);
  const report = JSON.parse(r.stdout) as { findings: Parameters<typeof findingKey>[0][] };
  return { code: r.code, keys: report.findings.map(findingKey).sort(), stdout: r.stdout, stderr: r.stderr };
}

test('every runtime fixture, on a server given by --database-url', async (t) => {
  const host = await startEmbeddedPostgres();
  try {
    const admin = await host.freshDatabase();
    await admin.client.query("CREATE ROLE ci LOGIN CREATEDB PASSWORD 'ci-p@ss:word'");
    const url = admin.url.replace(/\/\/[^@]+@/, `//ci:${encodeURIComponent('ci-p@ss:word')}@`);
    const scratch = async (): Promise<string[]> =>
      (await admin.client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'alembic_guard%' ORDER BY 1")).rows.map((r) => r.datname);
    const before = await scratch();
    for (const fx of runtimeFixtures()) {
      await t.test(fx.name, async () => {
        const got = await check(fx.dir, fx.expected.args ?? [], venvPython, ['--database-url', url]);
        assert.deepEqual(got.keys, fx.expected.findings.map(findingKey).sort(), got.stdout);
        assert.doesNotMatch(got.stdout + got.stderr, /p@ss:word|p%40ss/, 'the password never appears');
        assert.match(got.stderr, /database: PostgreSQL \d+ at postgresql:\/\/ci:\*\*\*@127\.0\.0\.1/);
      });
    }
    assert.deepEqual(await scratch(), before, 'every scratch database was dropped');
  } finally {
    await host.stop();
  }
});

test('every runtime fixture with Alembic 1.9 and SQLAlchemy 1.4', async (t) => {
  const oldPython = ensureOldVenv();
  for (const fx of runtimeFixtures()) {
    // runtime-clean's models use SQLAlchemy 2.0's Mapped[] annotations on purpose; SQLAlchemy 1.4
    // has no dialect for psycopg 3
    if (fx.name === 'runtime-clean' || fx.name === 'runtime-psycopg3-driver') continue;
    await t.test(fx.name, async () => {
      const got = await check(fx.dir, fx.expected.args ?? [], oldPython);
      assert.deepEqual(got.keys, fx.expected.findings.map(findingKey).sort(), got.stdout);
      assert.match(got.stderr, /Alembic 1\.9\.0, SQLAlchemy 1\.4\.54/);
    });
  }
});


test('every runtime fixture with psycopg 3 as the only driver', async (t) => {
  const python = ensurePsycopg3Venv();
  for (const fx of runtimeFixtures()) {
    await t.test(fx.name, async () => {
      // the fixtures name psycopg2 or asyncpg; a psycopg 3 project names psycopg (sync and async)
      const ini = readFileSync(join(fx.dir, 'alembic.ini'), 'utf8').replace(/postgresql\+(psycopg2|asyncpg):/g, 'postgresql+psycopg:');
      const project = scratchProject(fx.name, { 'alembic.ini': ini });
      try {
        const got = await check(project.dir, fx.expected.args ?? [], python);
        assert.deepEqual(got.keys, fx.expected.findings.map(findingKey).sort(), `${got.stdout}\n${got.stderr}`);
        assert.match(got.stderr, /driver postgresql\+psycopg\b/);
      } finally {
        project.cleanup();
      }
    });
  }
});
