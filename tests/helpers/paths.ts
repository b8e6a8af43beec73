import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

/** The repository root (tests run from dist/tests/…, so walk up from this file's source location). */
export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
export const fixturesDir = join(repoRoot, 'tests', 'fixtures');
export const venvDir = join(repoRoot, '.venv-test');
export const venvPython = join(venvDir, 'bin', 'python');
/** The built CLI entry point. */
export const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'bin.js');
