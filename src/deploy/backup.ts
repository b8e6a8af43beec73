/**
 * `migrate --backup FILE`: pg_dump from PATH, checked against the server's version first (pg_dump
 * refuses a server newer than itself), the password passed in PGPASSWORD, never on the command line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { DatabaseError, redactUrl } from '../errors.js';
import { which } from '../python/find.js';

export interface PgDump {
  path: string;
  /** `15.18`. */
  version: string;
  major: number;
}

/** `pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → 15.18; `pg_dump (PostgreSQL) 9.6.24` → 9.6. */
export function parsePgDumpVersion(text: string): { version: string; major: number } | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text);
  if (m === null) return undefined;
  const first = Number(m[1]);
  const major = first >= 10 ? first : Number(`${first}.${m[2] ?? 0}`);
  return { version: [m[1], m[2], m[3]].filter((p) => p !== undefined).join('.'), major };
}

export function serverMajor(serverVersionNum: number): number {
  return serverVersionNum >= 100000 ? Math.floor(serverVersionNum / 10000) : Math.floor(serverVersionNum / 10000) + (Math.floor(serverVersionNum / 100) % 100) / 10;
}

const INSTALL_HINT = (major: number): string =>
  `Install PostgreSQL's client programs of version ${major} or newer (Debian/Ubuntu: apt-get install postgresql-client-${major}, from the PostgreSQL apt repository when your release does not have it; the postgres:${major} image has it) and put its pg_dump first on PATH.`;

/** pg_dump on PATH, new enough for a server of `serverVersionNum`; a clear error otherwise. */
export function findPgDump(serverVersionNum: number, env: NodeJS.ProcessEnv = process.env): PgDump {
  const want = serverMajor(serverVersionNum);
  const path = which('pg_dump', env);
  if (path === undefined) {
    throw new DatabaseError('--backup needs pg_dump, and there is no pg_dump on PATH', {
      reason: `PATH: ${env.PATH ?? '(unset)'}`,
      hint: INSTALL_HINT(want),
    });
  }
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', env, timeout: 20_000 });
  const parsed = parsePgDumpVersion(`${r.stdout ?? ''}`);
  if (r.status !== 0 || parsed === undefined) {
    throw new DatabaseError(`${path} --version did not say its version`, {
      reason: `${(r.stderr ?? '').trim() || (r.stdout ?? '').trim() || r.error?.message || `exit ${r.status}`}`,
      hint: INSTALL_HINT(want),
    });
  }
  if (parsed.major < want) {
    throw new DatabaseError(`${path} is pg_dump ${parsed.version}, older than the server (PostgreSQL ${want}): it cannot dump it`, {
      reason: 'pg_dump refuses to dump a server of a newer major version ("server version mismatch")',
      hint: INSTALL_HINT(want),
    });
  }
  return { path, ...parsed };
}

/** Dump `url` (libpq form) to `file`: plain SQL for *.sql, else pg_dump's custom format. */
export async function runPgDump(dump: PgDump, url: string, file: string, env: NodeJS.ProcessEnv = process.env): Promise<{ file: string; ms: number }> {
  const started = performance.now();
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  const target = resolve(file);
  const args = ['--no-password', `--format=${/\.sql$/i.test(file) ? 'plain' : 'custom'}`, `--file=${target}`, `--dbname=${u.toString()}`];
  const childEnv = { ...env, ...(password !== '' ? { PGPASSWORD: password } : {}) };
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
    const child = spawn(dump.path, args, { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => {
      err = (err + c).slice(-4000);
    });
    child.on('error', (e) => done({ code: -1, stderr: e.message }));
    child.on('close', (c) => done({ code: c, stderr: err }));
  });
  if (code !== 0) {
    throw new DatabaseError(`pg_dump failed (exit ${code}); nothing was migrated`, {
      reason: redactUrl(stderr.trim().split('\n').slice(-5).join('\n')) || 'it printed nothing',
      hint: `Check that the user may read every table and that ${target} can be written; run the same pg_dump by hand to see more.`,
    });
  }
  return { file: target, ms: Math.round(performance.now() - started) };
}
