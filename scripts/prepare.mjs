// npm runs `prepare` after `npm install` in a checkout and when it installs the package from git
// (pre-commit's `language: node` hooks, `npm install github:owner/alembic-guard`). dist/ is not
// committed, so build it here: the sources only (tsconfig.build.json), then the Python helper.
// Set ALEMBIC_GUARD_SKIP_PREPARE=1 to skip (CI builds everything itself with `npm run build`).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';

if (process.env.ALEMBIC_GUARD_SKIP_PREPARE) process.exit(0);
const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  // An install without dev dependencies (from the registry tarball, which ships dist/): nothing to do.
  process.exit(0);
}
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
// tsc emits even with type errors; a usable build is what matters to an installer.
if (!existsSync('dist/src/cli/bin.js')) {
  console.error('prepare: the TypeScript build produced no dist/src/cli/bin.js');
  process.exit(r.status || 1);
}
await import('./copy-assets.mjs');
