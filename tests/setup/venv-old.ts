/**
 * A second test venv with the oldest versions alembic-guard supports: Alembic 1.9 on SQLAlchemy 1.4
 * (with psycopg2 and asyncpg), at .venv-old. Created (or reused) by the runtime tests that need it
 * (tests/checks/fixtures-elsewhere.test.ts) and runnable on its own: `node dist/tests/setup/venv-old.js`.
 * Idempotent and fast when current.
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

export function ensureOldVenv(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): string {
  const stamp = join(oldVenvDir, '.requirements.sha1');
  const wanted = createHash('sha1').update(OLD_REQUIREMENTS.join('\n')).digest('hex');
  if (existsSync(oldVenvPython) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return oldVenvPython;
  const python = process.env.ALEMBIC_GUARD_TEST_PYTHON ?? 'python3';
  log(`tests: creating ${oldVenvDir} with ${python}: ${OLD_REQUIREMENTS.join(' ')}`);
  rmSync(oldVenvDir, { recursive: true, force: true });
  execFileSync(python, ['-m', 'venv', oldVenvDir], { stdio: 'inherit' });
  execFileSync(oldVenvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...OLD_REQUIREMENTS], { stdio: 'inherit' });
  writeFileSync(stamp, wanted);
  return oldVenvPython;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) ensureOldVenv();
