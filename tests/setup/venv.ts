/**
 * Creates (or reuses) the test venv at .venv-test with the pinned packages of
 * tests/requirements.txt. Run by `npm test` before the tests; idempotent and fast when current.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, venvDir, venvPython } from '../helpers/paths.js';

const requirements = join(repoRoot, 'tests', 'requirements.txt');
const stamp = join(venvDir, '.requirements.sha1');
const wanted = createHash('sha1').update(readFileSync(requirements)).digest('hex');

if (existsSync(venvPython) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
  process.exit(0);
}
const python = process.env.ALEMBIC_GUARD_TEST_PYTHON ?? 'python3';
process.stderr.write(`tests: creating ${venvDir} with ${python} and tests/requirements.txt\n`);
rmSync(venvDir, { recursive: true, force: true });
execFileSync(python, ['-m', 'venv', venvDir], { stdio: 'inherit' });
execFileSync(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], {
  stdio: 'inherit',
});
writeFileSync(stamp, wanted);
