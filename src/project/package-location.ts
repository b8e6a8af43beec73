/**
 * Where a Python package lives, asked of the project's own interpreter: for a package-style
 * `script_location` (`pkg:dir`, `pkg.mod:dir`, `pkg:sub:dir`) whose package is not in the project's
 * folders (installed in a virtualenv's site-packages, or editable through an import hook). Alembic
 * resolves it with `importlib.resources.files(pkg)`, which imports the package; here the package is
 * found with the import system's finders (`importlib.util.find_spec` for the top-level name, then
 * the finders of `sys.meta_path` on its search locations), so none of the application's code runs.
 */
import { spawnSync } from 'node:child_process';
import { PythonError } from '../errors.js';
import { describePython, type PythonCommand } from '../python/find.js';

const FIND = `
import importlib.util, json, sys
name, prepend = sys.argv[1], json.loads(sys.argv[2])
sys.path[0:0] = prepend
parts = name.split(".")
spec = None
for i in range(len(parts)):
    dotted = ".".join(parts[: i + 1])
    if i == 0:
        spec = importlib.util.find_spec(dotted)
    else:
        locations = list(spec.submodule_search_locations or [])
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(dotted, locations) if find is not None else None
            if spec is not None:
                break
    if spec is None:
        print(json.dumps({"missing": dotted}))
        sys.exit(0)
    if spec.submodule_search_locations is None:
        print(json.dumps({"module": dotted, "origin": spec.origin}))
        sys.exit(0)
print(json.dumps({"locations": list(spec.submodule_search_locations), "executable": sys.executable}))
`;

export type PackageAnswer =
  /** The package's folders (several for a namespace package), and the interpreter that answered. */
  | { locations: string[]; executable: string }
  /** The first dotted part the interpreter cannot find. */
  | { missing: string }
  /** `name` is a module, not a package (no folder). */
  | { module: string; origin: string | null };

export interface PackageQuery {
  python: PythonCommand;
  /** Where Alembic would run (the config's folder). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** prepend_sys_path, absolute: Alembic puts it on sys.path before it resolves script_location. */
  prependSysPath: string[];
}

/** Ask the interpreter; a PythonError when it cannot start or fails. */
export function locatePackage(name: string, q: PackageQuery): PackageAnswer {
  const r = spawnSync(q.python.command, [...q.python.args, '-c', FIND, name, JSON.stringify(q.prependSysPath)], {
    cwd: q.cwd,
    env: { ...q.env, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const who = `${describePython(q.python)} (found by ${q.python.source})`;
  if (r.error !== undefined) {
    throw new PythonError(`could not start Python to find the package '${name}'`, {
      reason: `${who}: ${r.error.message}`,
      hint: 'Pass --python PATH (or set [tool.alembic-guard] python) to the interpreter your project runs Alembic with.',
    });
  }
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    if (r.status === 0) return JSON.parse(last) as PackageAnswer;
  } catch {
    // falls through to the error below
  }
  const tail = r.stderr.trim().split('\n').slice(-3).join(' | ');
  throw new PythonError(`Python exited with status ${r.status ?? r.signal} while looking for the package '${name}'`, {
    reason: `${who}${tail !== '' ? `: ${tail}` : ''}`,
    hint: 'Check that this interpreter starts (and that its .pth files import cleanly), or pass --python PATH.',
  });
}
