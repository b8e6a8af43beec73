/**
 * For the deploy tests: copies of the deploy-shop fixture in temporary directories, `alembic-guard`
 * run as a real process (the built CLI), and what proves that a command wrote nothing: the next
 * transaction id of the server and the catalog snapshot of the database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { before, after, afterEach } from 'node:test';
import { cliPath, fixturesDir, venvPython } from '../helpers/paths.js';
import { startPostgres, type TestPostgres } from '../workflow/pg.js';
import { takeSnapshot, type Snapshot } from '../../src/database/snapshot/snapshot.js';

const temps: string[] = [];

/** A fresh copy of a fixture project (removed by removeTemps). */
export function copyFixture(name = 'deploy-shop'): string {
  const dir = mkdtempSync(join(tmpdir(), `ag-${name}-`));
  temps.push(dir);
  cpSync(join(fixturesDir, name), dir, { recursive: true });
  return dir;
}

export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const children = new Set<ChildProcess>();

/** Kill every CLI process still running (a failed test must not leave one behind). */
export function killChildren(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

/** `alembic-guard ARGS` in `cwd` as a real process, with the test venv's Python. */
export function cli(args: string[], cwd: string, env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Run> } {
  const started = performance.now();
  const child = spawn(process.execPath, [cliPath, ...args, '--python', venvPython, '--no-cache'], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', PYTHONDONTWRITEBYTECODE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<Run>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
  return { child, done };
}

export async function query<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export interface WriteProbe {
  /** The next transaction id the server would assign: any write anywhere on the server moves it. */
  nextXid: string;
  snapshot: Snapshot;
  versionRows: string[] | null;
}

/** Taken without assigning a transaction id (a read-only transaction). */
export async function writeProbe(url: string): Promise<WriteProbe> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN READ ONLY');
    const nextXid = String((await client.query<{ x: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x')).rows[0]!.x);
    const snapshot = await takeSnapshot(client);
    const exists = (await client.query<{ t: string | null }>("SELECT to_regclass('alembic_version')::text AS t")).rows[0]!.t;
    const versionRows = exists === null ? null : (await client.query<{ v: string }>('SELECT version_num AS v FROM alembic_version ORDER BY 1')).rows.map((r) => r.v);
    await client.query('ROLLBACK');
    return { nextXid, snapshot, versionRows };
  } finally {
    await client.end();
  }
}

export interface DeployServer {
  /** A new empty database on the test server: its URL (postgresql://, with the password). */
  database(): Promise<string>;
  /** The copy of deploy-shop the file's tests share. */
  project(): string;
}

/**
 * The file's PostgreSQL (embedded, no autovacuum: its ANALYZE would assign transaction ids and blur
 * the "wrote nothing" proofs) and fixture copy, with hooks that stop, kill and remove everything.
 */
export function useDeployServer(prefix: string): DeployServer {
  let server: TestPostgres | undefined;
  let project = '';
  let n = 0;
  before(async () => {
    server = await startPostgres({ flags: ['-c', 'autovacuum=off'] });
    project = copyFixture();
  });
  afterEach(() => killChildren());
  after(async () => {
    killChildren();
    await server?.stop();
    removeTemps();
  });
  return {
    async database() {
      const name = `${prefix}_${++n}`;
      await server!.createDatabase(name);
      return server!.url(name);
    },
    project: () => project,
  };
}
