// `npm run example`: make the example project's own venv (its requirements.txt, from PyPI) if it is
// missing, then run `alembic-guard check` on it: static checks, then the database checks on a
// throwaway embedded PostgreSQL. Extra arguments go to `check`.
import { existsSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const project = resolve('examples/shop');
const venv = join(project, '.venv');
const python = join(venv, 'bin', 'python');
if (!existsSync(python)) {
  process.stderr.write('example: creating examples/shop/.venv from examples/shop/requirements.txt\n');
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', join(project, 'requirements.txt')], { stdio: 'inherit' });
}
const bin = resolve('dist/src/cli/bin.js');
process.stderr.write(`example: cd examples/shop && alembic-guard check ${process.argv.slice(2).join(' ')}\n`);
const r = spawnSync(process.execPath, [bin, 'check', ...process.argv.slice(2)], { cwd: project, stdio: 'inherit' });
process.exitCode = r.status ?? 2;
