/**
 * Ctrl-C (SIGINT to the whole process group, as a terminal sends it) and SIGTERM (a CI job being
 * cancelled) in the middle of a run: the CLI stops, and no postgres process, data directory,
 * Python helper or scratch database is left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot, venvPython } from '../helpers/paths.js';
import { startEmbeddedPostgres } from '../../src/database/embedded.js';
import { processesIn, processesMentioning, scratchProject, slowRevision } from './helpers.js';


function binPath(): string {
  // the binary the package installs (bin.js); main.js is the in-process entry
  return join(repoRoot, 'dist', 'src', 'cli', 'bin.js');
}

function runUntil(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stderr so far:\n${err}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (pattern.test(err)) {
        clearTimeout(timer);
        resolve(err);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited early (${code ?? signal}); stderr:\n${err}`));
    });
  });
}

function exited(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    const timer = setTimeout(() => reject(new Error('the CLI did not exit after the signal')), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

function tmpBase(): { dir: string; remove: () => void } {
  const base = existsSync('/dev/shm') ? '/dev/shm' : '/tmp';
  const dir = mkdtempSync(join(base, 'ag-interrupt-'));
  chmodSync(dir, 0o755);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

for (const variant of [
  { name: 'Ctrl-C (SIGINT to the process group)', signal: 'SIGINT' as const, group: true },
  { name: 'SIGTERM to the CLI alone', signal: 'SIGTERM' as const, group: false },
]) {
  test(`${variant.name} in the middle of a migration leaves no postgres process, directory or helper behind`, async () => {
    assert.ok(existsSync(cliPath) || existsSync(binPath()));
    const project = scratchProject('runtime-clean', { 'migrations/versions/0004_slow_backfill.py': slowRevision(120) });
    const tmp = tmpBase();
    try {
      const child = spawn(process.execPath, [binPath(), 'check', '--python', venvPython, '--format', 'json', '--no-cache'], {
        cwd: project.dir,
        env: { ...process.env, ALEMBIC_GUARD_TMPDIR: tmp.dir, NO_COLOR: '1' },
        detached: variant.group,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await runUntil(child, /alembic-guard: database: embedded PostgreSQL/, 120_000);
      // the upgrade is now sleeping inside PostgreSQL
      // PostgreSQL titles its backends `postgres: user database host COMMAND`
      const sleeping = (): boolean => processesMentioning('alembic_guard_').some((p) => p.cmdline.includes(' SELECT'));
      assert.ok(await waitFor(sleeping, 20_000), 'a backend runs the slow SELECT');
      assert.ok(processesMentioning(tmp.dir).length > 0, 'postgres runs from the temporary directory');
      assert.ok(processesIn(project.dir).length > 0, 'the Python helper runs in the project directory');
      assert.equal(readdirSync(tmp.dir).length, 1, 'one data directory');

      if (variant.group) process.kill(-child.pid!, variant.signal);
      else child.kill(variant.signal);
      const { code, signal } = await exited(child, 20_000);
      assert.ok(signal === variant.signal || code === 128 + (variant.signal === 'SIGINT' ? 2 : 15), `ended by ${variant.signal}, got ${code ?? signal}`);

      assert.ok(await waitFor(() => processesMentioning(tmp.dir).length === 0, 5000), `postgres left: ${JSON.stringify(processesMentioning(tmp.dir))}`);
      assert.ok(await waitFor(() => processesIn(project.dir).length === 0, 5000), `helper left: ${JSON.stringify(processesIn(project.dir))}`);
      assert.deepEqual(readdirSync(tmp.dir), [], 'the data directory is deleted');
    } finally {
      project.cleanup();
      tmp.remove();
    }
  });
}

test('SIGTERM during a run on --database-url: the scratch database is dropped', async () => {
  const host = await startEmbeddedPostgres();
  const project = scratchProject('runtime-clean', { 'migrations/versions/0004_slow_backfill.py': slowRevision(120) });
  try {
    const admin = await host.freshDatabase();
    const list = async (): Promise<string[]> =>
      (await admin.client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'alembic_guard_%' AND datname <> current_database()")).rows.map((r) => r.datname);
    const before = await list();
    const child = spawn(process.execPath, [binPath(), 'check', '--python', venvPython, '--database-url', admin.url, '--format', 'json', '--no-cache'], {
      cwd: project.dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const err = await runUntil(child, /alembic-guard: database: PostgreSQL/, 120_000);
    assert.doesNotMatch(err, new RegExp(new URL(admin.url).password), 'the password is not printed');
    const sleeping = async (): Promise<boolean> =>
      (await admin.client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()")).rows[0].n > 0;
    let running = false;
    for (let i = 0; i < 200 && !running; i++) {
      running = await sleeping();
      if (!running) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(running, 'the slow migration is running');
    // one for the walk, and one for the upgrade check and drift when a second helper runs them
    const during = (await list()).length - before.length;
    assert.ok(during === 1 || during === 2, `scratch databases while running: ${during}`);
    child.kill('SIGTERM');
    await exited(child, 20_000);
    assert.deepEqual(await list(), before, 'the scratch database is dropped');
    assert.ok(await waitFor(() => processesIn(project.dir).length === 0, 5000));
  } finally {
    project.cleanup();
    await host.stop();
  }
});

