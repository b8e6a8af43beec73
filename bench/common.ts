/** What the benchmarks share: the median of samples and the test venv they run Python from. */
import { existsSync } from 'node:fs';
import { venvPython } from '../tests/helpers/paths.js';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The test venv's Python, or exit 2 saying how to make it. */
export function requireTestVenv(): string {
  if (!existsSync(venvPython)) {
    console.error('bench: the test venv is missing; run `npm test` once (or `node dist/tests/setup/venv.js`).');
    process.exit(2);
  }
  return venvPython;
}
