/**
 * The parts of the rule context that need the file system, read once per run: env.py's source and
 * the names of the application's own top-level modules.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Project } from '../model.js';

export function readEnvPy(project: Project): { path: string; source: string } | undefined {
  if (project.scriptLocation === undefined) return undefined;
  const path = join(project.scriptLocation, 'env.py');
  try {
    return { path, source: readFileSync(path, 'utf8') };
  } catch {
    return undefined;
  }
}

/** Files at a project root that are tooling, not the application's importable code. */
const NOT_APP = new Set(['setup', 'conftest', 'noxfile', 'fabfile', 'tasks', 'env']);

/**
 * Top-level modules importable from the project root and prepend_sys_path (what `python -m alembic`
 * puts on sys.path), plus packages in a src/ layout (installed editable). The migrations folder
 * itself is excluded: importing a sibling helper from it is the migrations' own business.
 */
export function findLocalModules(project: Project): Set<string> {
  const roots = [project.root, ...project.prependSysPath, join(project.root, 'src')];
  // Flask-Migrate keeps alembic.ini inside the migrations folder (next to env.py); the app is then
  // beside that folder.
  if (existsSync(join(project.root, 'env.py'))) roots.push(dirname(project.root));
  const dirs = new Set(roots.map((d) => resolve(d)));
  const scriptDir = project.scriptLocation !== undefined ? resolve(project.scriptLocation) : undefined;
  const names = new Set<string>();
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.startsWith('.') || entry === '__pycache__' || entry === 'node_modules') continue;
      const full = join(dir, entry);
      if (scriptDir !== undefined && resolve(full) === scriptDir) continue;
      if (entry.endsWith('.py')) {
        const mod = basename(entry, '.py');
        if (!NOT_APP.has(mod) && /^[A-Za-z_]\w*$/.test(mod)) names.add(mod);
        continue;
      }
      try {
        if (statSync(full).isDirectory() && existsSync(join(full, '__init__.py')) && /^[A-Za-z_]\w*$/.test(entry)) names.add(entry);
      } catch {
        // unreadable entry: not importable either
      }
    }
  }
  return names;
}
