// The GitHub Action's entry point (action.yml runs it with the INPUT_* variables). The logic is in
// src/workflow/action.ts; this only makes sure dist/ exists (bin/alembic-guard.mjs builds it on the
// first run of a checkout without a build) and hands over.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const action = join(root, 'dist', 'src', 'workflow', 'action.js');
if (!existsSync(action)) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'alembic-guard.mjs'), '--version'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !existsSync(action)) {
    process.stderr.write('alembic-guard: the action could not build itself (see above)\n');
    process.exit(2);
  }
}
const { runAction } = await import(pathToFileURL(action).href);
process.exitCode = await runAction(process.env, { stdout: process.stdout, stderr: process.stderr });
