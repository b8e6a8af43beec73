/** Runs tests/project/alembic_oracle.py with the test venv's Python (real configparser, real Alembic). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, venvPython } from '../helpers/paths.js';

const oracle = join(repoRoot, 'tests', 'project', 'alembic_oracle.py');

export function runOracle<T>(request: Record<string, unknown>): T {
  const out = execFileSync(venvPython, [oracle], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as T;
}

/** A fresh temporary folder (real path, so that comparisons with Python's resolved paths hold). */
export function tempDir(prefix = 'ag-project-'): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}
