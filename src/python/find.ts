/**
 * Find the project's Python the way its developers run Alembic: `--python`, the setting, `uv run`,
 * `.venv`, poetry, `$VIRTUAL_ENV`, `python3`.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { PythonError } from '../errors.js';
import type { Project } from '../model.js';

export interface PythonCommand {
  /** The executable to spawn (`/path/.venv/bin/python`, `uv`, `python3` …). */
  command: string;
  /** Arguments before the script (`['run', '--frozen', '--project', dir, 'python']` for uv). */
  args: string[];
  /** How it was found, for messages: `--python`, `[tool.alembic-guard] python`, `uv run`, `.venv` … */
  source: string;
}

export interface FindPythonOptions {
  /** `--python PATH` (relative to `cwd`, or a command name on PATH). */
  python?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const isWindows = process.platform === 'win32';
const venvPython = isWindows ? join('Scripts', 'python.exe') : join('bin', 'python');

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, isWindows ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The full path of `name` on PATH, like `which`. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name.includes('/') || (isWindows && name.includes('\\'))) return isExecutable(name) ? resolve(name) : undefined;
  const exts = isWindows ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? env.Path ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** `dir` and its parents, up to the filesystem root or the first directory that holds `.git`. */
function upwards(dir: string): string[] {
  const out: string[] = [];
  let current = resolve(dir);
  for (;;) {
    out.push(current);
    if (existsSync(join(current, '.git'))) break;
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return out;
}

/**
 * The interpreter, in this order: `--python`, `[tool.alembic-guard] python`, `uv run` where
 * `uv.lock` exists (and uv is installed), `.venv/bin/python`, poetry's environment where
 * `poetry.lock` exists, `$VIRTUAL_ENV`, `python3`.
 */
export function findPython(project: Project, options: FindPythonOptions = {}): PythonCommand {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = (value: string, base: string, source: string): PythonCommand => {
    const asPath = isAbsolute(value) ? value : resolve(base, value);
    if (isExecutable(asPath)) return { command: asPath, args: [], source };
    const onPath = !value.includes('/') ? which(value, env) : undefined;
    if (onPath !== undefined) return { command: onPath, args: [], source };
    throw new PythonError(`the Python interpreter given by ${source} does not exist: ${value}`, {
      reason: `${asPath} is not an executable file${value.includes('/') ? '' : ', and no such command is on PATH'}`,
      hint: `Point ${source} at your project's interpreter, e.g. .venv/bin/python.`,
    });
  };
  if (options.python !== undefined && options.python !== '') return explicit(options.python, cwd, '--python');
  const configured = project.settings.python;
  if (configured !== undefined && configured !== '') return explicit(configured, project.root, '[tool.alembic-guard] python');

  const dirs = upwards(project.root);
  const uvDir = dirs.find((d) => existsSync(join(d, 'uv.lock')));
  if (uvDir !== undefined) {
    const uv = which('uv', env);
    if (uv !== undefined) return { command: uv, args: ['run', '--frozen', '--project', uvDir, 'python'], source: `uv run (${join(uvDir, 'uv.lock')})` };
  }
  for (const d of dirs) {
    const candidate = join(d, '.venv', venvPython);
    if (isExecutable(candidate)) return { command: candidate, args: [], source: '.venv' };
  }
  const poetryDir = dirs.find((d) => existsSync(join(d, 'poetry.lock')));
  if (poetryDir !== undefined) {
    const poetry = which('poetry', env);
    if (poetry !== undefined) {
      const r = spawnSync(poetry, ['env', 'info', '--executable'], { cwd: poetryDir, env, encoding: 'utf8', timeout: 20_000 });
      const path = r.status === 0 ? r.stdout.trim() : '';
      if (path !== '' && isExecutable(path)) return { command: path, args: [], source: `poetry (${join(poetryDir, 'poetry.lock')})` };
    }
  }
  if (env.VIRTUAL_ENV !== undefined && env.VIRTUAL_ENV !== '') {
    const candidate = join(env.VIRTUAL_ENV, venvPython);
    if (isExecutable(candidate)) return { command: candidate, args: [], source: '$VIRTUAL_ENV' };
  }
  const fallback = which(isWindows ? 'python' : 'python3', env) ?? which('python', env);
  if (fallback !== undefined) return { command: fallback, args: [], source: 'PATH' };
  throw new PythonError('could not start Python: no interpreter was found', {
    reason: 'no --python, no [tool.alembic-guard] python, no uv.lock with uv installed, no .venv, no poetry environment, no $VIRTUAL_ENV and no python3 on PATH',
    hint: 'Install Python with your project\'s dependencies, or pass --python PATH (or set [tool.alembic-guard] python). `alembic-guard check --static` runs without Python.',
  });
}

export function describePython(py: PythonCommand): string {
  return [py.command, ...py.args].join(' ');
}
