/**
 * The other test venvs, created (or reused) by the runtime tests that need them
 * (tests/checks/fixtures-elsewhere.test.ts) and runnable on their own: `node dist/tests/setup/venv-old.js`.
 * Idempotent and fast when current.
 *   .venv-old      the oldest versions alembic-guard supports: Alembic 1.9 on SQLAlchemy 1.4 (psycopg2, asyncpg)
 *   .venv-psycopg3 psycopg 3 as the only driver (what SQLAlchemy 2.1 picks for a bare postgresql://)
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../helpers/paths.js';

export const oldVenvDir = join(repoRoot, '.venv-old');
export const oldVenvPython = join(oldVenvDir, 'bin', 'python');
export const OLD_REQUIREMENTS = ['alembic==1.9.0', 'SQLAlchemy==1.4.54', 'greenlet==3.5.6', 'psycopg2-binary==2.9.13', 'asyncpg==0.32.0'];

export const psycopg3VenvDir = join(repoRoot, '.venv-psycopg3');
export const PSYCOPG3_REQUIREMENTS = ['alembic==1.20.1', 'SQLAlchemy==2.1.9', 'greenlet==3.5.6', 'psycopg[binary]==3.3.9'];

type Log = (line: string) => void;
const stderrLog: Log = (l) => process.stderr.write(`${l}\n`);

function ensureVenv(dir: string, requirements: readonly string[], log: Log): string {
  const python = join(dir, 'bin', 'python');
  const stamp = join(dir, '.requirements.sha1');
  const wanted = createHash('sha1').update(requirements.join('\n')).digest('hex');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return python;
  const base = process.env.ALEMBIC_GUARD_TEST_PYTHON ?? 'python3';
  log(`tests: creating ${dir} with ${base}: ${requirements.join(' ')}`);
  rmSync(dir, { recursive: true, force: true });
  execFileSync(base, ['-m', 'venv', dir], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...requirements], { stdio: 'inherit' });
  writeFileSync(stamp, wanted);
  return python;
}

export function ensureOldVenv(log: Log = stderrLog): string {
  return ensureVenv(oldVenvDir, OLD_REQUIREMENTS, log);
}

export function ensurePsycopg3Venv(log: Log = stderrLog): string {
  return ensureVenv(psycopg3VenvDir, PSYCOPG3_REQUIREMENTS, log);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureOldVenv();
  ensurePsycopg3Venv();
}
