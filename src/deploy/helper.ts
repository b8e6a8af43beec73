/**
 * The Python helper for `migrate` and `doctor`: the project's interpreter running helper.py, probed,
 * pointed at a database URL (or left to the URL env.py finds itself), with the revisions loaded.
 * Helper failures become errors for people: what failed, with which Python, what to do.
 */
import { basename, isAbsolute, relative } from 'node:path';
import type { Project } from '../model.js';
import { PythonError } from '../errors.js';
import { describePython, findPython, type PythonCommand } from '../python/find.js';
import { PythonBridge, type HelloInfo, type HelperError } from '../python/bridge.js';
import { chooseDriverScheme, withScheme } from '../python/driver.js';
import { track } from '../process/cleanup.js';

export interface DeployHelperOptions {
  /** `--python PATH`. */
  python?: string;
  /** Where a relative --python resolves. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * The database env.py gets (`postgresql://…`, as sqlalchemy.url and in the url_env variables),
   * before any user code is imported. Undefined: env.py uses the URL it finds itself.
   */
  databaseUrl?: string;
  /** The helper's stderr (env.py's output, logging), line by line. */
  onLog?: (line: string) => void;
}

export interface DeployHelper {
  bridge: PythonBridge;
  hello: HelloInfo;
  python: PythonCommand;
  /** `python (Python 3.12.1, Alembic 1.14.0, SQLAlchemy 2.0.36), found via .venv`. */
  label: string;
  /** env.py failed outside a revision: a PythonError that says where and what to do. */
  envError(err: HelperError, during: string): PythonError;
  close(): Promise<void>;
}

function oneLine(text: string, max = 300): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function labelOf(python: PythonCommand, info: HelloInfo | undefined): string {
  const parts = [
    info?.python_version !== undefined ? `Python ${info.python_version}` : undefined,
    info?.alembic !== undefined ? `Alembic ${info.alembic}` : undefined,
    info?.sqlalchemy !== undefined ? `SQLAlchemy ${info.sqlalchemy}` : undefined,
  ].filter((p) => p !== undefined);
  return `${info?.python ?? describePython(python)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}, found via ${python.source}`;
}

/** Start the helper: probe (no user code), the URL (when given), then hello (imports the revisions). */
export async function startDeployHelper(project: Project, options: DeployHelperOptions): Promise<DeployHelper> {
  if (project.scriptLocation === undefined) {
    throw new PythonError('no Alembic script_location is configured, so env.py cannot be run', {
      hint: 'Run from the directory with alembic.ini (or pass -c/--config); --versions alone is not enough to migrate.',
    });
  }
  const python = findPython(project, { python: options.python, cwd: options.cwd, env: options.env });
  const bridge = PythonBridge.start(python, { cwd: project.root, env: { ...(options.env ?? process.env) }, onStderr: options.onLog });
  const untrack = track({ description: `Python helper ${describePython(python)}`, release: () => bridge.close(1000), releaseSync: () => bridge.kill() });
  let info: HelloInfo | undefined;
  const rel = (p: string | undefined | null): string | undefined =>
    p === undefined || p === null || p === '' ? undefined : (isAbsolute(p) ? relative(project.root, p) : p).split('\\').join('/');
  const envError = (err: HelperError, during: string): PythonError => {
    const label = labelOf(python, info);
    const where = err.path !== undefined && err.line !== undefined && err.line !== null ? ` at ${rel(err.path)}:${err.line}` : '';
    const tail = err.traceback !== undefined && err.traceback !== '' ? `\n${err.traceback}` : '';
    if (err.kind === 'missing-module') {
      return new PythonError(`the module ${err.module} is not installed in the Python used (${during})`, {
        reason: `Python: ${label}${tail}`,
        hint: `Install your project's dependencies into that interpreter (pip install ${err.module}), or pass --python PATH to the one that has them.`,
      });
    }
    if (err.kind === 'protocol' || err.kind === 'internal') {
      return new PythonError(`alembic-guard's helper failed (${during}): ${oneLine(err.message)}`, {
        reason: `Python: ${label}${tail}`,
        hint: 'This is a bug in alembic-guard; please report it with the output of the same command with --verbose.',
      });
    }
    return new PythonError(`env.py raised ${err.type ?? 'an error'}${where} (${during}): ${oneLine(err.message)}`, {
      reason: `Python: ${label}${tail}`,
      hint: 'Run the same command with --verbose to see env.py\'s output; `alembic current` from the same directory shows the same error.',
    });
  };
  const fail = async (e: Error): Promise<never> => {
    await bridge.close(1000).catch(() => undefined);
    untrack();
    throw e;
  };
  const ini = project.configFiles.find((f) => basename(f) !== 'pyproject.toml');
  const toml = project.configFiles.find((f) => basename(f) === 'pyproject.toml');
  let probe: HelloInfo;
  try {
    probe = (await bridge.request({ op: 'probe', config_file: ini ?? null, toml_file: toml ?? null, section: project.section }, 300_000)) as HelloInfo;
  } catch (e) {
    return fail(e as Error);
  }
  info = probe;
  if (!probe.ok) {
    const err = probe.error!;
    if (err.kind === 'no-alembic' || err.kind === 'no-sqlalchemy') {
      const pkg = err.kind === 'no-alembic' ? 'Alembic' : 'SQLAlchemy';
      return fail(new PythonError(`${pkg} is not installed in the Python used: ${labelOf(python, probe)}`, {
        reason: oneLine(err.message),
        hint: `Install your project's dependencies into that interpreter (pip install ${pkg.toLowerCase()}), or pass --python PATH (or set [tool.alembic-guard] python).`,
      }));
    }
    return fail(new PythonError(`Alembic could not load the migration environment: ${oneLine(err.message)}`, {
      reason: `Python: ${labelOf(python, probe)}`,
      hint: 'Check script_location and the other [alembic] settings; `alembic history` from the same directory shows the same error.',
    }));
  }
  if (options.databaseUrl !== undefined) {
    const choice = chooseDriverScheme(probe.configured_scheme, probe.drivers, probe.env_async === true, probe.sqlalchemy);
    if ('missing' in choice) {
      return fail(new PythonError(`the PostgreSQL driver ${choice.missing} is not installed in the Python used`, {
        reason: `${choice.reason}. Python: ${labelOf(python, probe)}`,
        hint: `Install it into your project's environment (pip install ${choice.missing === 'psycopg2' ? 'psycopg2-binary' : choice.missing}), or pass --python PATH.`,
      }));
    }
    const r = await bridge.request({
      op: 'configure',
      url: withScheme(options.databaseUrl, choice.scheme),
      sync_url: choice.syncScheme !== undefined ? withScheme(options.databaseUrl, choice.syncScheme) : null,
      url_env: project.settings.urlEnv ?? ['DATABASE_URL'],
      connection_attribute: project.settings.connectionAttribute ?? null,
    });
    if (!r.ok) return fail(envError(r.error!, 'configuring the database URL'));
  }
  const revisions = (await bridge.request({ op: 'hello' }, 300_000).catch((e: Error) => fail(e))) as HelloInfo;
  if (!revisions.ok) return fail(envError(revisions.error!, 'loading the revisions'));
  info = { ...probe, ...revisions };
  return {
    bridge,
    hello: info,
    python,
    label: labelOf(python, info),
    envError,
    close: async () => {
      await bridge.close(3000).catch(() => undefined);
      untrack();
    },
  };
}
