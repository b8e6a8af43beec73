/**
 * The database checks: run the project's migrations for real, through its own env.py, on a
 * throwaway PostgreSQL (or a server given by --database-url), and report exactly which revision
 * breaks and how.
 *
 * One Python helper and one server per run. The order:
 *   offline-sql  every revision rendered as `--sql`, separately (while the server starts)
 *   upgrade      `alembic upgrade heads` on an empty database                 → upgrade-failed
 *   model-drift  the models against that database, as `alembic check`         → model-drift
 *   round-trip   `downgrade base` (or to the floor), `upgrade heads`, compare  → round-trip-failed
 *   up-down      on a fresh database, for each revision in order: snapshot, upgrade, downgrade,
 *                snapshot and compare, upgrade again; all inside ONE env.py run (one connection),
 *                one transaction per step                                     → downgrade-failed,
 *                downgrade-leaves-trace, up-down-inconsistent (and upgrade-failed on its own)
 */
import { relative, isAbsolute, basename } from 'node:path';
import { availableParallelism } from 'node:os';
import type { CheckResult, ConfiguredSeverity, Finding, Project, Severity } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import { GuardError, PythonError, isGuardError, redactUrl } from '../errors.js';
import { describePython, findPython, type PythonCommand } from '../python/find.js';
import { PythonBridge, type HelloInfo, type HelperError, type HelperResponse, type HelperRevision } from '../python/bridge.js';
import type { DatabaseServer, ScratchDatabase } from '../database/server.js';
import { startEmbeddedPostgres } from '../database/embedded.js';
import { connectDatabaseUrl } from '../database/external.js';
import { diffSnapshots, parseSnapshot, SNAPSHOT_SQL, takeSnapshot, type SchemaDifference, type SnapshotQueryable } from '../database/snapshot/snapshot.js';
import { PlanError, planWalk, type WalkPlan } from './plan.js';
import { guarded, installSignalCleanup, track } from '../process/cleanup.js';
import upgradeFailed from '../rules/upgrade-failed.js';
import downgradeFailed from '../rules/downgrade-failed.js';
import downgradeLeavesTrace from '../rules/downgrade-leaves-trace.js';
import upDownInconsistent from '../rules/up-down-inconsistent.js';
import modelDrift from '../rules/model-drift.js';
import roundTripFailed from '../rules/round-trip-failed.js';
import offlineSqlFailed from '../rules/offline-sql-failed.js';
import irreversibleDowngrade from '../rules/irreversible-downgrade.js';

export type RuntimeCheckId = 'offline-sql' | 'upgrade' | 'model-drift' | 'round-trip' | 'up-down';
export const RUNTIME_CHECKS: readonly RuntimeCheckId[] = ['offline-sql', 'upgrade', 'model-drift', 'round-trip', 'up-down'];

export const RUNTIME_RULES = [
  upgradeFailed,
  downgradeFailed,
  downgradeLeavesTrace,
  upDownInconsistent,
  modelDrift,
  roundTripFailed,
  offlineSqlFailed,
  irreversibleDowngrade,
] as const;

export type RuntimeProgress =
  | { kind: 'phase'; phase: 'python' | 'database'; message: string; durationMs: number }
  | { kind: 'check-start'; id: RuntimeCheckId; total?: number }
  | { kind: 'revision'; id: RuntimeCheckId; revision: string; index: number; total: number }
  | { kind: 'check-end'; result: CheckResult };

export interface RuntimeOptions {
  /** `--python PATH`. */
  python?: string;
  /** Where relative --python paths resolve (the CLI's cwd). */
  cwd?: string;
  /** `--database-url URL`: run on that server, in scratch databases created (and dropped) there. */
  databaseUrl?: string;
  /** `--allow-destructive`: where no scratch database can be created, use the given database itself. */
  allowDestructive?: boolean;
  /** `--step-timeout` seconds; else `[tool.alembic-guard] step_timeout`, else 60. */
  stepTimeoutSeconds?: number;
  /** Run only these checks (default: all). */
  only?: readonly RuntimeCheckId[];
  onProgress?: (event: RuntimeProgress) => void;
  /** The helper's stderr (the user's env.py output) and the server's log, line by line (--verbose). */
  onLog?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Cache directory for the PostgreSQL template (default XDG_CACHE_HOME or ~/.cache, /alembic-guard). */
  cacheDir?: string;
  /** Where the embedded server's data directory goes (default: /dev/shm when roomy, else the temp dir). */
  tmpDir?: string;
  /** Release everything and re-raise on SIGINT/SIGTERM/SIGHUP during the run (default true). */
  handleSignals?: boolean;
  /**
   * Split the per-revision walk between two helpers: true, false, or (default) when there are at
   * least 60 revisions and a second CPU; ALEMBIC_GUARD_PARALLEL=0/1 in the environment decides too.
   */
  parallel?: boolean;
}

export interface OfflineRevisionSql {
  revision: string;
  /** Relative to the project root. */
  file: string;
  /** The SQL `alembic upgrade <down>:<revision> --sql` prints for this revision alone. */
  sql?: string;
  error?: string;
}

export interface RuntimeInfo {
  python?: string;
  pythonSource?: string;
  pythonVersion?: string;
  alembic?: string;
  sqlalchemy?: string;
  /** The SQLAlchemy URL scheme env.py was given (`postgresql+asyncpg`). */
  driverScheme?: string;
  server?: string;
  /** Time until the server accepted connections. */
  serverStartMs?: number;
  templateCached?: boolean;
  /** Where the up/down time went: revisions cycled, wall ms, ms inside the helper, snapshot pairs that differed. */
  profile?: { cycles: number; cycleMs: number; helperMs: number; snapshotDiffs: number; snapshotMs?: number; stepMs?: number };
}

export interface RuntimeResult {
  findings: Finding[];
  checks: CheckResult[];
  /**
   * An environment problem that stopped the database checks (no Python, no Alembic, env.py raising,
   * no database): the CLI prints the findings so far, then this, and exits 2.
   */
  error?: GuardError;
  /** Each revision's offline SQL, for the `sql` command and the SQL-level operation rules. */
  offlineSql: OfflineRevisionSql[];
  info: RuntimeInfo;
}

const NON_POSTGRES = new Set(['sqlite', 'mysql', 'mariadb', 'oracle', 'mssql', 'firebird', 'sybase']);
const SYNC_DRIVERS = ['psycopg2', 'psycopg', 'pg8000'] as const;

/** The SQLAlchemy scheme to give env.py: the project's own driver, else one that is installed. */
export function chooseDriverScheme(
  configuredScheme: string | undefined,
  installed: Record<string, string>,
  envAsync: boolean,
): { scheme: string; driver: string; syncScheme?: string } | { missing: string; reason: string } {
  const has = (d: string): boolean => installed[d === 'psycopg_async' ? 'psycopg' : d] !== undefined;
  const sync = SYNC_DRIVERS.find((d) => has(d));
  // Always explicit: plain postgresql:// means psycopg2 in SQLAlchemy 1.4/2.0 but psycopg in 2.1.
  const syncScheme = sync === undefined ? undefined : `postgresql+${sync}`;
  const configured = configuredScheme?.toLowerCase();
  if (configured === 'postgresql' || configured === 'postgres') {
    // SQLAlchemy's default driver for the plain scheme: psycopg2 up to 2.0, psycopg from 2.1
    const preferred = has('psycopg2') ? 'psycopg2' : has('psycopg') ? 'psycopg' : undefined;
    if (preferred !== undefined && !envAsync) return { scheme: `postgresql+${preferred}`, driver: preferred, syncScheme };
  }
  if (configured !== undefined && /^postgres(ql)?\+/.test(configured)) {
    const driver = configured.split('+')[1]!;
    if (!has(driver)) {
      return { missing: driver, reason: `sqlalchemy.url uses ${configuredScheme}://, but the ${driver} package is not installed` };
    }
    return { scheme: configured.replace(/^postgres\+/, 'postgresql+'), driver, syncScheme };
  }
  if (envAsync) {
    if (has('asyncpg')) return { scheme: 'postgresql+asyncpg', driver: 'asyncpg', syncScheme };
    if (has('psycopg')) return { scheme: 'postgresql+psycopg', driver: 'psycopg', syncScheme };
    return { missing: 'asyncpg', reason: 'env.py is async, and neither asyncpg nor psycopg (3) is installed' };
  }
  if (sync !== undefined) return { scheme: `postgresql+${sync}`, driver: sync, syncScheme };
  if (has('asyncpg')) return { scheme: 'postgresql+asyncpg', driver: 'asyncpg', syncScheme };
  return { missing: 'psycopg2', reason: 'no PostgreSQL driver (psycopg2, psycopg, pg8000 or asyncpg) is installed' };
}

function withScheme(url: string, scheme: string): string {
  return url.replace(/^[a-z0-9+.-]+:\/\//i, `${scheme}://`);
}

function oneLine(text: string, max = 240): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** The database's message without psycopg2's LINE/caret decoration, or `Type: message` for Python errors. */
export function errorSummary(err: HelperError): string {
  const lines = err.message
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !/^LINE \d+:/.test(l) && !/^\s*\^\s*$/.test(l));
  const text = oneLine(lines.join(' '), 400);
  if (err.statement === undefined || err.statement === null) {
    if (err.type !== undefined && !text.startsWith(err.type)) return `${err.type}: ${text}`;
  }
  return text;
}

/**
 * takeSnapshot sends the big catalog query as a prepared statement; with a generic plan from the
 * first run on, PostgreSQL plans it once per connection instead of on each of the first five runs.
 */
async function preparedSnapshots(db: ScratchDatabase): Promise<SnapshotQueryable> {
  await db.client.query('SET plan_cache_mode = force_generic_plan');
  return db.client;
}

/** The URL env.py sees when no database is needed (offline SQL): nothing listens on port 1. */
const OFFLINE_URL = 'postgresql://alembic-guard@127.0.0.1:1/alembic_guard_offline';

/** The rules the per-revision walk reports. */
const WALK_RULES = new Set(['upgrade-failed', 'downgrade-failed', 'downgrade-leaves-trace', 'up-down-inconsistent', 'irreversible-downgrade']);

/** Below this many revisions a second helper costs more (its start) than it saves. */
const PARALLEL_MIN_REVISIONS = 60;

class Stop extends Error {
  constructor(readonly error: GuardError) {
    super(error.message);
  }
}

const ruleSeverity: Record<string, Severity> = Object.fromEntries(RUNTIME_RULES.map((r) => [r.id, r.severity as Severity]));

class RuntimeRun {
  private readonly findings: Finding[] = [];
  private readonly checks: CheckResult[] = [];
  private readonly offlineSql: OfflineRevisionSql[] = [];
  private readonly info: RuntimeInfo = {};
  private readonly only: ReadonlySet<RuntimeCheckId>;
  private readonly stepTimeout: number;
  private python: PythonCommand | undefined;
  /** The primary helper (offline SQL, upgrade, drift, round trip, and the first part of the walk). */
  private bridge: PythonBridge | undefined;
  /** Every helper started (the primary, and a second one that walks the later revisions in parallel). */
  private readonly bridges: PythonBridge[] = [];
  private hello: HelloInfo | undefined;
  private server: DatabaseServer | undefined;
  private revisions = new Map<string, HelperRevision>();
  private plan: WalkPlan | undefined;
  private scheme = 'postgresql';
  private syncScheme: string | undefined;
  private upgradeFailedAt: string | undefined;
  private readonly irreversibleNoted = new Set<string>();
  /** An offline failure of env.py itself, reported only when env.py works online. */
  private pendingOfflineEnvFinding: Finding | undefined;

  /** Set by run(): the static pass's graph (file locations, irreversible bodies, problems). */
  private graph!: RevisionGraph;
  private pythonStarted: Promise<void> | undefined;
  private serverPromise: Promise<DatabaseServer> | undefined;
  private secondaryHelper: Promise<PythonBridge | undefined> | undefined;
  private projectSkip: string | undefined;

  constructor(
    private readonly project: Project,
    private readonly options: RuntimeOptions,
  ) {
    this.only = new Set(options.only ?? RUNTIME_CHECKS);
    this.stepTimeout = options.stepTimeoutSeconds ?? project.settings.stepTimeoutSeconds ?? 60;
  }

  private progress(e: RuntimeProgress): void {
    try {
      this.options.onProgress?.(e);
    } catch {
      // a progress printer must not break the run
    }
  }

  private rel(path: string | undefined | null): string | undefined {
    if (path === undefined || path === null || path === '') return undefined;
    const r = isAbsolute(path) ? relative(this.project.root, path) : path;
    return r.split('\\').join('/');
  }

  private severity(rule: string): ConfiguredSeverity {
    return this.project.settings.rules[rule] ?? ruleSeverity[rule] ?? 'error';
  }

  private add(f: Omit<Finding, 'severity'>): void {
    const sev = this.severity(f.rule);
    if (sev === 'off') return;
    const finding: Finding = { ...f, severity: sev, message: redactUrl(f.message) } as Finding;
    for (const k of Object.keys(finding) as (keyof Finding)[]) if (finding[k] === undefined) delete finding[k];
    this.findings.push(finding);
  }

  private skipAll(reason: string): RuntimeResult {
    for (const id of RUNTIME_CHECKS) if (this.only.has(id)) this.checks.push({ id, status: 'skipped', message: reason, durationMs: 0 });
    return this.result();
  }

  private result(error?: GuardError): RuntimeResult {
    if (error === undefined && this.pendingOfflineEnvFinding !== undefined) this.findings.push(this.pendingOfflineEnvFinding);
    return { findings: this.findings, checks: this.checks, offlineSql: this.offlineSql, info: this.info, ...(error !== undefined ? { error } : {}) };
  }

  private async timed(id: RuntimeCheckId, total: number | undefined, fn: () => Promise<{ status: CheckResult['status']; message: string }>): Promise<void> {
    if (!this.only.has(id)) return;
    this.progress({ kind: 'check-start', id, ...(total !== undefined ? { total } : {}) });
    const started = performance.now();
    let outcome: { status: CheckResult['status']; message: string };
    try {
      outcome = await fn();
    } catch (e) {
      const result: CheckResult = { id, status: 'failed', message: e instanceof Error ? oneLine(e.message) : String(e), durationMs: Math.round(performance.now() - started) };
      this.checks.push(result);
      this.progress({ kind: 'check-end', result });
      throw e;
    }
    const result: CheckResult = { id, status: outcome.status, message: redactUrl(outcome.message), durationMs: Math.round(performance.now() - started) };
    this.checks.push(result);
    this.progress({ kind: 'check-end', result });
  }

  private skip(id: RuntimeCheckId, message: string): void {
    if (!this.only.has(id)) return;
    const result: CheckResult = { id, status: 'skipped', message, durationMs: 0 };
    this.checks.push(result);
    this.progress({ kind: 'check-end', result });
  }

  // -------------------------------------------------------------------------------------------
  // Python

  private pythonLabel(): string {
    const h = this.hello;
    const py = h?.python ?? (this.python !== undefined ? describePython(this.python) : 'python');
    const parts = [h?.python_version !== undefined ? `Python ${h.python_version}` : undefined, h?.alembic !== undefined ? `Alembic ${h.alembic}` : undefined, h?.sqlalchemy !== undefined ? `SQLAlchemy ${h.sqlalchemy}` : undefined].filter((p) => p !== undefined);
    return `${py}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}${this.python !== undefined ? `, found via ${this.python.source}` : ''}`;
  }

  /** env.py (or Alembic itself) failed outside any migration step. */
  private envError(err: HelperError, during: string): PythonError {
    const where = err.path !== undefined && err.line !== undefined && err.line !== null ? ` at ${this.rel(err.path)}:${err.line}` : '';
    const tail = err.traceback !== undefined && err.traceback !== '' ? `\n${err.traceback}` : '';
    if (err.kind === 'missing-module') {
      const driver = ['psycopg2', 'psycopg', 'asyncpg', 'pg8000'].includes(err.module ?? '');
      return new PythonError(`${driver ? 'the PostgreSQL driver' : 'the module'} ${err.module} is not installed in the Python used (${during})`, {
        reason: `Python: ${this.pythonLabel()}${tail}`,
        hint: `Install your project's dependencies into that interpreter (pip install ${err.module}), or pass --python PATH to the one that has them.`,
      });
    }
    if (err.kind === 'protocol' || err.kind === 'internal') {
      return new PythonError(`alembic-guard's helper failed (${during}): ${oneLine(err.message)}`, {
        reason: `Python: ${this.pythonLabel()}${tail}`,
        hint: 'This is a bug in alembic-guard; please report it with the output of the same command with --verbose.',
      });
    }
    return new PythonError(`env.py raised ${err.type ?? 'an error'}${where} (${during}): ${oneLine(err.message)}`, {
      reason: `Python: ${this.pythonLabel()}${tail}`,
      hint: 'env.py must run `alembic upgrade heads` against the database alembic-guard passes in sqlalchemy.url and DATABASE_URL (or [tool.alembic-guard] url_env); run with --verbose to see its output.',
    });
  }

  /**
   * Start one helper: probe (versions, drivers, config: no user code yet), then the database URL
   * of its slot (sqlalchemy.url and the url_env variables, in place before any user code is
   * imported, so that settings read at import time point at the scratch database), then hello (the
   * revision files are imported).
   */
  private async spawnHelper(slot: number): Promise<{ bridge: PythonBridge; hello: HelloInfo }> {
    const python = this.python!;
    const env: NodeJS.ProcessEnv = { ...(this.options.env ?? process.env) };
    // libpq-based drivers (psycopg2, psycopg) honour PGOPTIONS: a second guard on the step time.
    env.PGOPTIONS = `${env.PGOPTIONS ?? ''} -c statement_timeout=${Math.round(this.stepTimeout * 1000)}`.trim();
    // Until configure, the url_env variables point nowhere: never at a database of the user's shell.
    for (const name of this.project.settings.urlEnv ?? ['DATABASE_URL']) env[name] = OFFLINE_URL;
    const bridge = PythonBridge.start(python, { cwd: this.project.root, env, onStderr: this.options.onLog });
    this.bridges.push(bridge);
    track({ description: `Python helper ${describePython(python)}`, release: () => bridge.close(1000), releaseSync: () => bridge.kill() });
    const ini = this.project.configFiles.find((f) => basename(f) !== 'pyproject.toml');
    const toml = this.project.configFiles.find((f) => basename(f) === 'pyproject.toml');
    const probe = (await bridge.request({ op: 'probe', config_file: ini ?? null, toml_file: toml ?? null, section: this.project.section }, 300_000)) as HelloInfo;
    if (!probe.ok) return { bridge, hello: probe };
    if (slot === 0) this.chooseScheme(probe);
    const url = this.serverPromise !== undefined ? (await this.serverPromise).urlFor(slot) : OFFLINE_URL;
    await this.configure(url, bridge);
    const revisions = (await bridge.request({ op: 'hello' }, 300_000)) as HelloInfo;
    return { bridge, hello: { ...probe, ...revisions, ok: revisions.ok, ...(revisions.error !== undefined ? { error: revisions.error } : {}) } };
  }

  /** The SQLAlchemy scheme env.py gets: the project's driver, else an installed one. */
  private chooseScheme(probe: HelloInfo): void {
    this.hello = probe;
    const choice = chooseDriverScheme(probe.configured_scheme, probe.drivers, probe.env_async === true);
    if ('missing' in choice) {
      throw new Stop(new PythonError(`the PostgreSQL driver ${choice.missing} is not installed in the Python used`, {
        reason: `${choice.reason}. Python: ${this.pythonLabel()}`,
        hint: `Install it into your project's environment (pip install ${choice.missing === 'psycopg2' ? 'psycopg2-binary' : choice.missing}), or pass --python PATH to the interpreter that has it.`,
      }));
    }
    this.scheme = choice.scheme;
    this.syncScheme = choice.syncScheme;
    this.info.driverScheme = choice.scheme;
    if (this.project.settings.connectionAttribute === 'connection' && choice.syncScheme === undefined) {
      throw new Stop(new PythonError('connection_attribute = "connection" needs a synchronous PostgreSQL driver', {
        reason: `only ${choice.driver} is installed. Python: ${this.pythonLabel()}`,
        hint: 'Install psycopg2-binary or psycopg, or use connection_attribute = "engine".',
      }));
    }
  }

  private async startPython(): Promise<void> {
    const started = performance.now();
    this.python = findPython(this.project, { python: this.options.python, cwd: this.options.cwd, env: this.options.env });
    const { bridge, hello } = await this.spawnHelper(0);
    this.bridge = bridge;
    this.hello = hello;
    Object.assign(this.info, { python: hello.python, pythonSource: this.python.source, pythonVersion: hello.python_version, alembic: hello.alembic, sqlalchemy: hello.sqlalchemy });
    if (!hello.ok) {
      const err = hello.error!;
      const tail = err.traceback ? `\n${err.traceback}` : '';
      if (err.kind === 'no-alembic' || err.kind === 'no-sqlalchemy') {
        const pkg = err.kind === 'no-alembic' ? 'Alembic' : 'SQLAlchemy';
        throw new Stop(new PythonError(`${pkg} is not installed in the Python used: ${this.pythonLabel()}`, {
          reason: oneLine(err.message),
          hint: `Install your project's dependencies into that interpreter (pip install ${pkg.toLowerCase()}), or pass --python PATH (or set [tool.alembic-guard] python) to the one that has them.`,
        }));
      }
      throw new Stop(new PythonError(`Alembic could not load the migration environment: ${oneLine(err.message)}`, {
        reason: `Python: ${this.pythonLabel()}${tail}`,
        hint: 'Check script_location and the other [alembic] settings; `alembic history` from the same directory shows the same error.',
      }));
    }
    for (const r of hello.revisions ?? []) this.revisions.set(r.revision, r);
    this.progress({ kind: 'phase', phase: 'python', message: `${this.pythonLabel()}, driver ${this.scheme}`, durationMs: Math.round(performance.now() - started) });
  }

  private async configure(url: string, bridge: PythonBridge = this.bridge!): Promise<void> {
    const pyUrl = withScheme(url, this.scheme);
    const syncUrl = this.syncScheme !== undefined ? withScheme(url, this.syncScheme) : undefined;
    const r = await bridge.request({
      op: 'configure',
      url: pyUrl,
      sync_url: syncUrl ?? null,
      url_env: this.project.settings.urlEnv ?? ['DATABASE_URL'],
      connection_attribute: this.project.settings.connectionAttribute ?? null,
    });
    if (!r.ok) throw new Stop(this.envError(r.error!, 'configuring the database URL'));
  }

  private commandTimeout(steps: number): number {
    return (this.stepTimeout + 30) * 1000 * Math.max(1, steps) + 60_000;
  }

  // -------------------------------------------------------------------------------------------
  // The server

  private async startServer(): Promise<DatabaseServer> {
    const common = { stepTimeoutSeconds: this.stepTimeout, onLog: this.options.onLog, env: this.options.env };
    const server =
      this.options.databaseUrl !== undefined && this.options.databaseUrl !== ''
        ? await connectDatabaseUrl(this.options.databaseUrl, { ...common, allowDestructive: this.options.allowDestructive })
        : await startEmbeddedPostgres({ ...common, cacheDir: this.options.cacheDir, tmpDir: this.options.tmpDir });
    return server;
  }

  // -------------------------------------------------------------------------------------------
  // Findings for a failed step

  private revisionFile(rev: string | undefined): string | undefined {
    if (rev === undefined) return undefined;
    const path = this.revisions.get(rev)?.path ?? this.graph.nodes.get(rev)?.file.absPath;
    return this.rel(path);
  }

  private fallbackLine(rev: string | undefined, fn: 'upgrade' | 'downgrade'): number | undefined {
    if (rev === undefined) return undefined;
    const r = this.revisions.get(rev);
    const line = fn === 'upgrade' ? r?.upgrade_line : r?.downgrade_line;
    if (line !== undefined && line !== null) return line;
    const node = this.graph.nodes.get(rev);
    return (fn === 'upgrade' ? node?.file.upgrade?.loc.line : node?.file.downgrade?.loc.line) ?? undefined;
  }

  private stepFinding(rule: string, err: HelperError, what: string, fix: string): void {
    const rev = err.revision;
    const fn = err.direction === 'down' ? 'downgrade' : 'upgrade';
    const file = err.path !== undefined ? this.rel(err.path) : this.revisionFile(rev);
    const sql = err.statement !== undefined && err.statement !== null && err.statement !== '' ? ` Failing SQL: ${oneLine(err.statement)}` : '';
    const timeout = err.pgcode === '57014' ? ` (the step ran into statement_timeout = ${this.stepTimeout} s; raise --step-timeout if it is legitimately slow)` : '';
    this.add({
      rule,
      message: `${what}: ${errorSummary(err).replace(/[.\s]+$/, '')}${timeout}.${sql}`,
      file,
      line: err.line ?? this.fallbackLine(rev, fn),
      revision: rev,
      fix,
    });
  }

  /** Revisions found irreversible only by running their downgrade. */
  private readonly dynamicIrreversible = new Set<string>();

  private noteIrreversible(rev: string, err?: HelperError): void {
    if (this.irreversibleNoted.has(rev)) return;
    this.irreversibleNoted.add(rev);
    this.dynamicIrreversible.add(rev);
    this.add({
      rule: 'irreversible-downgrade',
      message: `downgrade() of ${rev} raises NotImplementedError${err !== undefined ? ` (${oneLine(err.message)})` : ''}: it is irreversible, so it and the revisions below it are not downgrade-tested.`,
      file: err?.path !== undefined ? this.rel(err.path) : this.revisionFile(rev),
      line: err?.line ?? this.fallbackLine(rev, 'downgrade'),
      revision: rev,
    });
  }

  /**
   * A downgrade below a revision that turned out irreversible only when it ran can never be reached
   * by `alembic downgrade`: what the up/down steps found there (before they got that far) is dropped.
   */
  private forgetBelowIrreversible(): void {
    const below = new Set<string>();
    for (const rev of this.dynamicIrreversible) for (const a of this.plan?.ancestors.get(rev) ?? []) below.add(a);
    const rules = ['downgrade-failed', 'downgrade-leaves-trace', 'up-down-inconsistent'];
    for (let i = this.findings.length - 1; i >= 0; i--) {
      const f = this.findings[i]!;
      if (rules.includes(f.rule) && f.revision !== undefined && below.has(f.revision)) this.findings.splice(i, 1);
    }
  }

  // -------------------------------------------------------------------------------------------
  // The checks

  private async offline(): Promise<void> {
    const plan = this.plan!;
    await this.timed('offline-sql', plan.order.length, async () => {
      const items = plan.order.map((rev) => ({ revision: rev, parents: this.revisions.get(rev)?.down_revisions ?? [] }));
      const r = await this.bridge!.request({ op: 'offline', revisions: items }, this.commandTimeout(items.length));
      const results = (r.results as { revision: string; ok: boolean; sql?: string; error?: HelperError }[] | undefined) ?? [];
      let failed = 0;
      results.forEach((res, i) => {
        this.progress({ kind: 'revision', id: 'offline-sql', revision: res.revision, index: i, total: items.length });
        const file = this.revisionFile(res.revision) ?? '';
        if (res.ok) {
          this.offlineSql.push({ revision: res.revision, file, sql: res.sql ?? '' });
          return;
        }
        failed++;
        const err = res.error!;
        this.offlineSql.push({ revision: res.revision, file, error: errorSummary(err) });
        this.add({
          rule: 'offline-sql-failed',
          message: `the upgrade of ${res.revision} cannot be rendered as offline SQL (alembic upgrade --sql): ${errorSummary(err)}.`,
          file,
          line: err.line ?? this.fallbackLine(res.revision, 'upgrade'),
          revision: res.revision,
          fix: 'Write data migrations as SQL that does not read rows first (op.execute("UPDATE … SET … WHERE …")), or guard the Python part with `if not context.is_offline_mode():` and document the manual step.',
        });
      });
      if (!r.ok && results.length === 0) {
        const err = r.error!;
        this.pendingOfflineEnvFinding = {
          rule: 'offline-sql-failed',
          severity: this.severity('offline-sql-failed') === 'off' ? 'info' : (this.severity('offline-sql-failed') as Severity),
          message: redactUrl(`env.py cannot run in offline mode (alembic upgrade --sql): ${errorSummary(err)}.`),
          file: this.rel(err.path) ?? this.rel(this.hello?.env_py),
          ...(err.line !== undefined && err.line !== null ? { line: err.line } : {}),
          fix: 'Give env.py a run_migrations_offline() that calls context.configure(url=…, literal_binds=True) and context.run_migrations(), as the Alembic templates do.',
        };
        if (this.severity('offline-sql-failed') === 'off') this.pendingOfflineEnvFinding = undefined;
        return { status: 'failed', message: 'env.py cannot run in offline mode' };
      }
      return failed === 0
        ? { status: 'passed', message: `${results.length} revision${results.length === 1 ? '' : 's'} rendered as offline SQL` }
        : { status: 'failed', message: `${failed} of ${results.length} revisions cannot be rendered as offline SQL` };
    });
  }

  private async upgradeCheck(): Promise<boolean> {
    let ok = false;
    await this.timed('upgrade', undefined, async () => {
      const r = await this.bridge!.request({ op: 'upgrade', target: 'heads' }, this.commandTimeout(this.revisions.size));
      this.noteVersionTable(r);
      if (r.ok) {
        ok = true;
        return { status: 'passed', message: `alembic upgrade heads from an empty database (${this.revisions.size} revisions)` };
      }
      const err = r.error!;
      if (err.kind !== 'step') throw new Stop(this.envError(err, 'running alembic upgrade heads'));
      this.upgradeFailedAt = err.revision;
      this.stepFinding(
        'upgrade-failed',
        err,
        `upgrade of ${err.revision} fails on a database upgraded from scratch (alembic upgrade heads)`,
        'Make upgrade() work on a database that holds exactly what the earlier migrations create: create what it needs in a migration (not with metadata.create_all() in the application), and test with `alembic upgrade head` on an empty database.',
      );
      return { status: 'failed', message: `alembic upgrade heads fails at ${err.revision}` };
    });
    return ok;
  }

  private async driftCheck(): Promise<void> {
    await this.timed('model-drift', undefined, async () => {
      const r = await this.bridge!.request({ op: 'drift' }, this.commandTimeout(1));
      if (!r.ok) throw new Stop(this.envError(r.error!, 'comparing the models with the database'));
      if (typeof r.skipped === 'string') return { status: 'skipped', message: r.skipped };
      const diffs = (r.differences as { message: string; path?: string; line?: number }[] | undefined) ?? [];
      for (const d of diffs) {
        this.add({
          rule: 'model-drift',
          message: `${d.message} (alembic check would fail).`,
          file: this.rel(d.path),
          line: d.path !== undefined ? d.line : undefined,
          fix: 'Generate a migration for the change (alembic revision --autogenerate) and review it, or change the model back.',
        });
      }
      return diffs.length === 0
        ? { status: 'passed', message: 'the models match the database at head' }
        : { status: 'failed', message: `${diffs.length} difference${diffs.length === 1 ? '' : 's'} between the models and the database` };
    });
  }

  private async roundTrip(db: ScratchDatabase): Promise<void> {
    const targets = this.plan!.roundTripTargets;
    let label = targets[0] === 'base' ? 'base' : targets.join(', ');
    let stoppedAt: string | undefined;
    await this.timed('round-trip', undefined, async () => {
      const snapshotClient = await preparedSnapshots(db);
      const before = await takeSnapshot(snapshotClient);
      for (const target of targets) {
        const r = await this.bridge!.request({ op: 'downgrade', target }, this.commandTimeout(this.revisions.size));
        if (r.ok) continue;
        const err = r.error!;
        if (err.kind === 'irreversible' && err.revision !== undefined) {
          this.noteIrreversible(err.revision, err);
          stoppedAt = err.revision;
          break;
        }
        if (err.kind !== 'step') throw new Stop(this.envError(err, `running alembic downgrade ${target}`));
        this.stepFinding(
          'round-trip-failed',
          err,
          `alembic downgrade ${target} fails at ${err.revision} (head → ${label} → head)`,
          'Make downgrade() undo exactly what upgrade() does, in reverse order; mark a revision that cannot be reversed with `raise NotImplementedError`.',
        );
        return { status: 'failed', message: `alembic downgrade ${target} fails at ${err.revision}` };
      }
      if (stoppedAt !== undefined) label = `${stoppedAt} (irreversible)`;
      const up = await this.bridge!.request({ op: 'upgrade', target: 'heads' }, this.commandTimeout(this.revisions.size));
      if (!up.ok) {
        const err = up.error!;
        if (err.kind !== 'step') throw new Stop(this.envError(err, 'running alembic upgrade heads again'));
        this.stepFinding(
          'round-trip-failed',
          err,
          `alembic upgrade heads fails at ${err.revision} after alembic downgrade ${label} (head → ${label} → head)`,
          'The downgrade leaves something the upgrade cannot run on: make downgrade() drop everything upgrade() creates.',
        );
        return { status: 'failed', message: `alembic upgrade heads fails at ${err.revision} after downgrading to ${label}` };
      }
      const after = await takeSnapshot(snapshotClient);
      const diffs = diffSnapshots(before, after, { ignoreTables: this.versionTables });
      if (diffs.length > 0) {
        this.add({
          rule: 'round-trip-failed',
          message: `after head → ${label} → head the schema differs from the first upgrade: ${diffs.map((d) => d.sentence({ action: `downgrading to ${label} and upgrading to head again` })).join('; ')}.`,
          fix: 'Make each downgrade() undo exactly what its upgrade() creates (the up-down findings name the revision when one is reported).',
        });
        return { status: 'failed', message: `the schema differs after head → ${label} → head` };
      }
      return { status: 'passed', message: `head → ${label} → head gives the same schema` };
    });
  }

  private versionTables: string[] = [];

  /** A custom version_table is left out of snapshot comparisons (alembic_version always is). */
  private noteVersionTable(r: HelperResponse): void {
    const t = r.version_table as [string, string | null] | undefined;
    if (t === undefined || t === null) return;
    const name = t[1] !== null && t[1] !== undefined ? `${t[1]}.${t[0]}` : t[0];
    if (name !== 'alembic_version' && !this.versionTables.includes(name)) this.versionTables.push(name);
  }

  /**
   * The per-revision walk: for each revision in order, in ONE env.py run per helper: snapshot,
   * upgrade, downgrade, snapshot and compare, upgrade again (the helper takes the snapshots on its
   * own connection, compares them, and sends them only when they differ). With many revisions and
   * a second core, a second helper walks the later revisions on its own database at the same
   * time, after upgrading plainly through the earlier ones.
   */
  private async walkSegment(
    bridge: PythonBridge,
    prefix: readonly string[],
    owned: readonly string[],
    shared: { done: number; total: number; profile: NonNullable<RuntimeInfo['profile']> },
  ): Promise<{ tested: number; problems: number; notReached: number; failed: Set<string> }> {
    const plan = this.plan!;
    bridge.send({ op: 'session', snapshot_sql: SNAPSHOT_SQL });
    const ready = await bridge.next(this.commandTimeout(1));
    if (!ready.ok || ready.event !== 'ready') {
      throw new Stop(this.envError(ready.error ?? { kind: 'protocol', message: `unexpected answer ${JSON.stringify(ready).slice(0, 200)}` }, 'starting env.py for the up/down steps'));
    }
    this.noteVersionTable(ready);
    const failed = new Set<string>();
    let notReached = 0;
    let tested = 0;
    let problems = 0;
    const profile = shared.profile;
    const stepError = (r: { ok: boolean; error?: HelperError } | undefined, what: string): HelperError | undefined => {
      if (r === undefined || r.ok) return undefined;
      const err = r.error!;
      if (!['step', 'irreversible'].includes(err.kind)) throw new Stop(this.envError(err, what));
      return err;
    };
    type Cycle = HelperResponse & {
      up?: { ok: boolean; error?: HelperError };
      down?: { ok: boolean; error?: HelperError };
      again?: { ok: boolean; error?: HelperError };
      same?: boolean;
      pre?: string;
      post?: string;
    };
    const cycle = async (rev: string, testDown: boolean): Promise<Cycle> => {
      const t0 = performance.now();
      const r = (await bridge.request({ op: 'cycle', revision: rev, test_down: testDown }, (this.stepTimeout * 3 + 60) * 1000)) as Cycle;
      profile.cycles++;
      profile.cycleMs += performance.now() - t0;
      profile.helperMs += typeof r.ms === 'number' ? r.ms : 0;
      if (!r.ok) throw new Stop(this.envError(r.error ?? { kind: 'protocol', message: 'no answer for the cycle' }, `checking ${rev}`));
      return r;
    };
    // The earlier revisions, upgraded plainly: another helper walks them.
    for (const rev of prefix) {
      if ([...(plan.ancestors.get(rev) ?? [])].some((a) => failed.has(a))) {
        failed.add(rev);
        continue;
      }
      const r = await cycle(rev, false);
      if (stepError(r.up, `upgrading ${rev}`) !== undefined) failed.add(rev);
    }
    for (const rev of owned) {
      this.progress({ kind: 'revision', id: 'up-down', revision: rev, index: shared.done++, total: shared.total });
      if ([...(plan.ancestors.get(rev) ?? [])].some((a) => failed.has(a))) {
        notReached++;
        failed.add(rev);
        continue;
      }
      const testDown = !plan.noDowngrade.has(rev);
      const r = await cycle(rev, testDown);
      const upErr = stepError(r.up, `upgrading ${rev}`);
      if (upErr !== undefined) {
        failed.add(rev);
        problems++;
        if (this.upgradeFailedAt !== rev) {
          this.stepFinding(
            'upgrade-failed',
            upErr,
            `upgrade of ${rev} fails when applied on its own, one revision per transaction`,
            'Make upgrade() work on a database that holds exactly what the earlier migrations create, whether it runs alone or with the others.',
          );
        }
        continue;
      }
      if (!testDown) continue;
      tested++;
      const downErr = stepError(r.down, `downgrading ${rev}`);
      if (downErr !== undefined) {
        if (downErr.kind === 'irreversible') {
          this.noteIrreversible(rev, downErr);
          continue;
        }
        problems++;
        this.stepFinding(
          'downgrade-failed',
          downErr,
          `downgrade of ${rev} fails right after its upgrade`,
          'Make downgrade() undo exactly what upgrade() does, in reverse order, with the same names; if the revision cannot be reversed, raise NotImplementedError in downgrade().',
        );
        continue;
      }
      if (r.same === false && r.pre !== undefined && r.post !== undefined) {
        profile.snapshotDiffs++;
        const diffs = diffSnapshots(parseSnapshot(JSON.parse(r.pre)), parseSnapshot(JSON.parse(r.post)), { ignoreTables: this.versionTables });
        if (diffs.length > 0) {
          problems++;
          this.add({
            rule: 'downgrade-leaves-trace',
            message: `downgrade of ${rev} does not undo its upgrade: ${diffs.map((d: SchemaDifference) => d.sentence({ action: `downgrading ${rev}` })).join('; ')}.`,
            file: this.revisionFile(rev),
            line: this.fallbackLine(rev, 'downgrade'),
            revision: rev,
            fix: 'Drop in downgrade() everything upgrade() creates, including what op.create_table creates implicitly (enum types: sa.Enum(name=…).drop(op.get_bind())).',
          });
        }
      }
      const againErr = stepError(r.again, `upgrading ${rev} again`);
      if (againErr !== undefined) {
        failed.add(rev);
        problems++;
        this.stepFinding(
          'up-down-inconsistent',
          againErr,
          `upgrade of ${rev} fails again after its own downgrade`,
          'Make downgrade() leave the database exactly as it was before upgrade(), so that upgrading again works.',
        );
      }
    }
    const end = await bridge.request({ op: 'end' }, this.commandTimeout(1));
    if (!end.ok) throw new Stop(this.envError(end.error!, 'finishing env.py after the up/down steps'));
    const inner = end.profile as { snapshot_ms?: number; step_ms?: number } | undefined;
    if (inner !== undefined && inner !== null) {
      profile.snapshotMs = (profile.snapshotMs ?? 0) + Math.round(inner.snapshot_ms ?? 0);
      profile.stepMs = (profile.stepMs ?? 0) + Math.round(inner.step_ms ?? 0);
    }
    return { tested, problems, notReached, failed };
  }

  /**
   * Where the second helper takes over: the cost of a revision's cycle grows with the schema (the
   * snapshots), a plain upgrade through the earlier revisions is cheap, and the primary helper has
   * the other checks to run first (about a fifth of the walk).
   */
  static splitPoint(n: number): number {
    const cycle = (i: number): number => 1 + (2 * i) / n;
    const plain = 0.15;
    const total = Array.from({ length: n }, (_, i) => cycle(i)).reduce((a, b) => a + b, 0);
    const other = 0.2 * total;
    let best = n;
    let bestCost = Infinity;
    let a = 0;
    let b = total;
    for (let k = 0; k <= n; k++) {
      const cost = Math.max(other + a, plain * k + b);
      if (cost < bestCost) {
        bestCost = cost;
        best = k;
      }
      if (k < n) {
        a += cycle(k);
        b -= cycle(k);
      }
    }
    return best;
  }

  /** The walk, on one helper, or split between two. */
  private async upDown(secondary?: { bridge: Promise<PythonBridge>; split: number }, primaryReady?: Promise<void>): Promise<void> {
    const plan = this.plan!;
    const order = plan.order;
    await this.timed('up-down', order.length, async () => {
      const shared = { done: 0, total: order.length, profile: (this.info.profile = { cycles: 0, cycleMs: 0, helperMs: 0, snapshotDiffs: 0 }) };
      const split = secondary?.split ?? order.length;
      const first = order.slice(0, split);
      const second = order.slice(split);
      const results = await Promise.all([
        (async () => {
          await primaryReady;
          return this.walkSegment(this.bridge!, [], first, shared);
        })(),
        secondary !== undefined && second.length > 0
          ? (async () => this.walkSegment(await secondary.bridge, first, second, shared))()
          : Promise.resolve({ tested: 0, problems: 0, notReached: 0, failed: new Set<string>() }),
      ]);
      let problems = results[0].problems + results[1].problems;
      let notReached = results[0].notReached + results[1].notReached;
      // As one walk would: a revision of the second part whose ancestor failed in the first part is
      // not reached, and what the second helper found there is dropped.
      const failedFirst = results[0].failed;
      if (failedFirst.size > 0) {
        const unreachable = new Set(second.filter((rev) => [...(plan.ancestors.get(rev) ?? [])].some((a) => failedFirst.has(a))));
        if (unreachable.size > 0) {
          for (let i = this.findings.length - 1; i >= 0; i--) {
            const f = this.findings[i]!;
            if (f.revision !== undefined && unreachable.has(f.revision) && WALK_RULES.has(f.rule)) {
              this.findings.splice(i, 1);
              problems--;
            }
          }
          notReached += [...unreachable].filter((r) => !results[1].failed.has(r)).length;
        }
      }
      const p = shared.profile;
      p.cycleMs = Math.round(p.cycleMs);
      p.helperMs = Math.round(p.helperMs);
      const found = this.findings.length;
      this.forgetBelowIrreversible();
      problems -= found - this.findings.length;
      const tested = results[0].tested + results[1].tested;
      const skippedDown = plan.noDowngrade.size;
      const notes = [
        `${tested} revision${tested === 1 ? '' : 's'} upgraded, downgraded and upgraded again`,
        skippedDown > 0 ? `${skippedDown} not downgrade-tested (irreversible, downgrade_floor or skip_revisions)` : undefined,
        notReached > 0 ? `${notReached} not reached because an earlier revision failed` : undefined,
        secondary !== undefined && second.length > 0 ? `two helpers in parallel, split at ${order[split]}` : undefined,
      ].filter((n) => n !== undefined);
      return { status: problems > 0 ? 'failed' : 'passed', message: notes.join('; ') };
    });
  }

  /**
   * The round trip fails as a consequence of what the up/down steps already report (a downgrade
   * that fails or leaves something behind breaks `downgrade base` further down): those findings
   * name the revision to fix, so round-trip findings are kept only when the steps found nothing.
   */
  private dedupe(): void {
    const upDownProblem = this.findings.some((f) => ['downgrade-failed', 'up-down-inconsistent', 'downgrade-leaves-trace'].includes(f.rule));
    const upgradeBlamed = new Set(this.findings.filter((f) => f.rule === 'upgrade-failed').map((f) => f.revision));
    for (let i = this.findings.length - 1; i >= 0; i--) {
      const f = this.findings[i]!;
      if (f.rule !== 'round-trip-failed') continue;
      if (upDownProblem || (f.revision !== undefined && upgradeBlamed.has(f.revision))) this.findings.splice(i, 1);
    }
  }

  // -------------------------------------------------------------------------------------------

  /**
   * Start what takes time and needs no revision graph, at once: the Python helper (interpreter,
   * imports, config, revisions), the database server, and a second helper for large projects.
   */
  begin(): void {
    const dialect = this.project.dialect?.toLowerCase();
    if (dialect !== undefined && NON_POSTGRES.has(dialect)) {
      this.projectSkip = `sqlalchemy.url is ${dialect}; the database checks run on PostgreSQL only`;
      return;
    }
    if (this.project.scriptLocation === undefined) {
      this.projectSkip = 'no Alembic script_location is configured, so env.py cannot be run (only --versions was given)';
      return;
    }
    this.pythonStarted = this.startPython();
    this.pythonStarted.catch(() => undefined);
    if ([...this.only].some((c) => c !== 'offline-sql')) {
      this.serverPromise = this.startServer();
      this.serverPromise.catch(() => undefined);
    }
    // A second helper for the walk starts as soon as the first one has counted the revisions.
    if (this.only.has('up-down')) {
      this.secondaryHelper = this.pythonStarted.then(async () => {
        const n = this.revisions.size;
        const fromEnv = (this.options.env ?? process.env).ALEMBIC_GUARD_PARALLEL;
        const parallel = this.options.parallel ?? (fromEnv === '0' ? false : fromEnv === '1' ? true : n >= PARALLEL_MIN_REVISIONS && availableParallelism() >= 2);
        if (!parallel || n < 2) return undefined;
        const { bridge, hello } = await this.spawnHelper(1);
        if (!hello.ok) throw new Stop(this.envError(hello.error ?? { kind: 'protocol', message: 'the second helper did not start' }, 'starting a second helper'));
        return bridge;
      });
      this.secondaryHelper.catch(() => undefined);
    }
  }

  /** Stop everything begin() started (the static findings made the database checks pointless). */
  async cancel(): Promise<void> {
    for (const b of this.bridges) await b.close().catch(() => undefined);
    const server = this.server ?? (this.serverPromise !== undefined ? await this.serverPromise.catch(() => undefined) : undefined);
    await server?.stop().catch(() => undefined);
  }

  async run(graph: RevisionGraph): Promise<RuntimeResult> {
    this.graph = graph;
    if (this.projectSkip !== undefined) return this.skipAll(this.projectSkip);
    if (this.pythonStarted === undefined) this.begin();
    if (this.graph.problems.length > 0) {
      await this.cancel();
      return this.skipAll('the revision graph is broken (see the graph findings); fix it first');
    }
    if (this.graph.nodes.size === 0) {
      await this.cancel();
      return this.skipAll('there are no revisions');
    }
    const serverPromise = this.serverPromise;
    try {
      await this.pythonStarted;
      const revs = [...this.revisions.values()].map((r) => ({
        revision: r.revision,
        downRevisions: r.down_revisions,
        dependencies: r.dependencies,
        branchLabels: r.branch_labels,
        irreversible: r.irreversible || this.graph.nodes.get(r.revision)?.file.downgrade?.bodyKind === 'raises-not-implemented',
      }));
      try {
        this.plan = planWalk(revs, { downgradeFloor: this.project.settings.downgradeFloor, skipRevisions: this.project.settings.skipRevisions });
      } catch (e) {
        if (e instanceof PlanError) {
          throw new Stop(new PythonError(`the database checks cannot plan the walk: ${e.message}`, {
            hint: e.message.includes('names no revision') ? 'Set [tool.alembic-guard] downgrade_floor to an existing revision id or branch label.' : undefined,
          }));
        }
        throw e;
      }
      // Statically visible marks (`raise NotImplementedError` as the body) are reported by the
      // empty-downgrade rule; this rule adds the ones only running the downgrade reveals.
      for (const [rev, skip] of this.plan.noDowngrade) if (skip.reason === 'irreversible' && skip.by === rev) this.irreversibleNoted.add(rev);
      const secondaryHelper = await this.secondaryHelper;

      if (this.only.has('offline-sql')) await this.offline();
      if (serverPromise === undefined) return this.result();

      this.server = await serverPromise;
      this.info.server = this.server.description;
      this.info.serverStartMs = Math.round(this.server.startupMs);
      if (this.server.templateCached !== undefined) this.info.templateCached = this.server.templateCached;
      this.progress({ kind: 'phase', phase: 'database', message: this.server.description, durationMs: Math.round(this.server.startupMs) });

      const wantsFirstDb = this.only.has('upgrade') || this.only.has('model-drift') || this.only.has('round-trip');
      const wantsWalk = this.only.has('up-down');
      // The walk, split between two helpers when there are many revisions and a second core.
      let walk: Promise<void> | undefined;
      let releasePrimary: () => void = () => undefined;
      let failPrimary: (e: unknown) => void = () => undefined;
      const primaryReady = new Promise<void>((resolveReady, rejectReady) => {
        releasePrimary = resolveReady;
        failPrimary = rejectReady;
      });
      primaryReady.catch(() => undefined);
      if (wantsWalk && secondaryHelper !== undefined) {
        if (this.server.slots() >= 2) {
          const server = this.server;
          const bridge = (async () => {
            await server.freshDatabase(1);
            return secondaryHelper;
          })();
          const n = this.plan.order.length;
          walk = this.upDown({ bridge, split: Math.min(n - 1, Math.max(1, RuntimeRun.splitPoint(n))) }, primaryReady);
          walk.catch(() => undefined);
        } else {
          await secondaryHelper.close().catch(() => undefined);
        }
      }
      try {
        if (wantsFirstDb) {
          const db = await this.server.freshDatabase();
          let upgraded: boolean;
          if (this.only.has('upgrade')) upgraded = await this.upgradeCheck();
          else {
            const r = await this.bridge!.request({ op: 'upgrade', target: 'heads' }, this.commandTimeout(this.revisions.size));
            if (!r.ok && r.error?.kind !== 'step') throw new Stop(this.envError(r.error!, 'running alembic upgrade heads'));
            this.noteVersionTable(r);
            upgraded = r.ok;
            if (!r.ok) this.upgradeFailedAt = r.error?.revision;
          }
          if (upgraded) {
            await this.driftCheck();
            await this.roundTrip(db);
          } else {
            this.skip('model-drift', `alembic upgrade heads fails at ${this.upgradeFailedAt ?? 'a revision'}`);
            this.skip('round-trip', `alembic upgrade heads fails at ${this.upgradeFailedAt ?? 'a revision'}`);
          }
        }
        if (wantsWalk) {
          await this.server.freshDatabase();
          releasePrimary();
          await (walk ?? this.upDown(undefined, primaryReady));
        }
      } catch (e) {
        failPrimary(e);
        throw e;
      }
      this.dedupe();
      return this.result();
    } catch (e) {
      if (e instanceof Stop) return this.result(e.error);
      if (isGuardError(e)) return this.result(e);
      throw e;
    } finally {
      await this.cancel();
    }
  }
}

/** The database checks, started before the revision graph is known (see startRuntimeChecks). */
export interface RuntimeSession {
  /** Run the checks on the project's graph (from the static pass); releases everything. */
  run(graph: RevisionGraph): Promise<RuntimeResult>;
  /** Release everything without running the checks. */
  cancel(): Promise<void>;
}

/**
 * Start the slow parts (Python helper, database server) now, so that they overlap the static
 * pass, and run the checks when the graph is there. Signal handlers (release everything, then end
 * with the signal) are installed until run() or cancel() settles, unless handleSignals is false.
 */
export function startRuntimeChecks(project: Project, options: RuntimeOptions = {}): RuntimeSession {
  const guard = options.handleSignals === false ? undefined : installSignalCleanup();
  const runner = new RuntimeRun(project, options);
  runner.begin();
  return {
    run: (graph) => (guard === undefined ? runner.run(graph) : guarded(guard, () => runner.run(graph))),
    cancel: async () => {
      try {
        await runner.cancel();
      } finally {
        guard?.uninstall();
      }
    },
  };
}

/**
 * Run the database checks on a project. Never throws for environment problems: those come back as
 * `error`, with every finding gathered before it.
 */
export async function runRuntimeChecks(project: Project, graph: RevisionGraph, options: RuntimeOptions = {}): Promise<RuntimeResult> {
  return startRuntimeChecks(project, options).run(graph);
}

