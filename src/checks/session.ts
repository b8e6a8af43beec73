/**
 * The database checks of one run: start the Python helper and the database server while the
 * static pass runs, then run the checks on the project's graph, in this order:
 *
 *   offline-sql  every revision rendered as `--sql`, separately              (offline-sql.ts)
 *   upgrade      `alembic upgrade heads` on an empty database                (upgrade.ts)
 *   model-drift  the models against that database, as `alembic check`        (model-drift.ts)
 *   up-down      the walk: each revision up (traced, with rows in the tables  (walk.ts, up-down.ts,
 *                that existed before it) and down, schema digests compared     trace.ts)
 *   round-trip   head → base → head gives the same schema                    (round-trip.ts)
 *
 * One helper, one server, scratch databases that keep one name all run (settings env.py or the
 * application read at import time stay right).
 */
import { basename } from 'node:path';
import type { CheckResult, Finding, Project, Severity } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import { readFileSync } from 'node:fs';
import { ConfigError, DatabaseError, PythonError, isGuardError, redactUrl, type GuardError } from '../errors.js';
import { availableParallelism } from 'node:os';
import { describePython, findPython, type PythonCommand } from '../python/find.js';
import { PythonBridge, type HelloInfo } from '../python/bridge.js';
import { chooseDriverScheme, withScheme } from '../python/driver.js';
import type { DatabaseServer, ScratchDatabase } from '../database/server.js';
import { startEmbeddedPostgres } from '../database/embedded.js';
import { connectDatabaseUrl } from '../database/external.js';
import { schemaDigest } from '../database/snapshot/fingerprint.js';
import { guarded, installSignalCleanup, track } from '../process/cleanup.js';
import { PlanError, planWalk, resolveRevision } from './plan.js';
import { RunContext, Stop, oneLine } from './context.js';
import { offlineSqlCheck, runOffline, type OfflineRevisionSql } from './offline-sql.js';
import { runUpgrade, upgradeCheck } from './upgrade.js';
import { modelDriftCheck, runDrift } from './model-drift.js';
import { modelRegistrationCheck, runModelRegistration } from './model-registration.js';
import { dedupeRoundTrip, fastRoundTrip, roundTripCheck, runRoundTrip } from './round-trip.js';
import { judgeUpDown, upDownCheck } from './up-down.js';
import { fastWalk, legacyWalk, type FastWalk } from './walk.js';
import { judgeTrace, traceCheck, type TraceReport } from './trace.js';
import { idempotentCheck, idempotentRevisions, judgeIdempotent } from './idempotent.js';
import type { CheckOutcome, DatabaseCheck, RevisionCycle, RuntimeCheckId } from './types.js';

export type { RuntimeCheckId } from './types.js';
export type { OfflineRevisionSql } from './offline-sql.js';
export type { TraceReport } from './trace.js';

/** Every database check, in the order a run reports them. */
export const DATABASE_CHECKS: readonly DatabaseCheck[] = [offlineSqlCheck, upgradeCheck, modelDriftCheck, modelRegistrationCheck, roundTripCheck, upDownCheck, traceCheck, idempotentCheck];
export const RUNTIME_CHECKS: readonly RuntimeCheckId[] = DATABASE_CHECKS.map((c) => c.id);
/** What progress lines call each check. */
export const CHECK_TITLES = Object.fromEntries(DATABASE_CHECKS.map((c) => [c.id, c.title])) as Record<RuntimeCheckId, string>;
export const RUNTIME_RULES = [...new Map(DATABASE_CHECKS.flatMap((c) => c.rules).map((r) => [r.id, r])).values()];

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
  /** `--no-trace`: no lock trace and no generated rows (default: both, rows from trace_rows). */
  trace?: boolean;
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
  /** Always judge with the legacy walk (full snapshots around every revision), for comparisons; ALEMBIC_GUARD_WALK=legacy too. */
  legacyWalk?: boolean;
  /**
   * A second helper (forked from the first) for the checks besides the walk: true, false, or
   * (default) where a second core is free; ALEMBIC_GUARD_PARALLEL=0/1 in the environment decides too.
   */
  parallel?: boolean;
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
  serverVersionNum?: number;
  /** Time until the server accepted connections. */
  serverStartMs?: number;
  templateCached?: boolean;
  /** Helpers that ran the checks (2: the upgrade check and drift beside the walk). */
  helpers?: number;
  /** How the walk ran: fast (digests) or legacy (full snapshots), and why. */
  walk?: { mode: 'fast' | 'legacy'; reason?: string; incremental?: boolean; ms: number };
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
  /** What each revision's upgrade did to the database (statements, locks, rewrites, rows). */
  trace?: TraceReport;
  /** Static findings the trace observed (rule, file, line): the engine marks them confirmed. */
  confirmed: { rule: string; file?: string; line?: number }[];
  info: RuntimeInfo;
}

const NON_POSTGRES = new Set(['sqlite', 'mysql', 'mariadb', 'oracle', 'mssql', 'firebird', 'sybase']);

/** The URL env.py sees when no database is needed (offline SQL): nothing listens on port 1. */
const OFFLINE_URL = 'postgresql://alembic-guard@127.0.0.1:1/alembic_guard_offline';

/** Rows per pre-existing table before each revision, unless [tool.alembic-guard] trace_rows says. */
const DEFAULT_TRACE_ROWS = 3;

class RuntimeRun {
  private readonly ctx: RunContext;
  private readonly checks: CheckResult[] = [];
  private offlineSql: OfflineRevisionSql[] = [];
  private readonly info: RuntimeInfo = {};
  private readonly only: ReadonlySet<RuntimeCheckId>;
  private bridge: PythonBridge | undefined;
  /** A second helper forked from the first (upgrade check, drift, offline SQL while the first walks). */
  private second: PythonBridge | undefined;
  private server: DatabaseServer | undefined;
  private scheme = 'postgresql';
  private syncScheme: string | undefined;
  /** An offline failure of env.py itself, reported only when env.py works online. */
  private pendingOfflineEnvFinding: Finding | undefined;
  private trace: TraceReport | undefined;
  private confirmed: RuntimeResult['confirmed'] = [];
  private pythonStarted: Promise<void> | undefined;
  private serverPromise: Promise<DatabaseServer> | undefined;
  private projectSkip: string | undefined;

  constructor(
    private readonly project: Project,
    private readonly options: RuntimeOptions,
  ) {
    this.only = new Set(options.only ?? RUNTIME_CHECKS);
    const severities: Record<string, Severity> = Object.fromEntries(RUNTIME_RULES.map((r) => [r.id, r.severity as Severity]));
    this.ctx = new RunContext(project, options.stepTimeoutSeconds ?? project.settings.stepTimeoutSeconds ?? 60, severities);
  }

  private progress(e: RuntimeProgress): void {
    try {
      this.options.onProgress?.(e);
    } catch {
      // a progress printer must not break the run
    }
  }

  private skipAll(reason: string): RuntimeResult {
    for (const id of RUNTIME_CHECKS) if (this.only.has(id)) this.checks.push({ id, status: 'skipped', message: reason, durationMs: 0 });
    return this.result();
  }

  private result(error?: GuardError): RuntimeResult {
    const ctx = this.ctx;
    if (error === undefined && this.pendingOfflineEnvFinding !== undefined) ctx.findings.push(this.pendingOfflineEnvFinding);
    const rank = (id: string): number => RUNTIME_CHECKS.indexOf(id as RuntimeCheckId);
    this.checks.sort((a, b) => rank(a.id) - rank(b.id));
    return {
      findings: ctx.findings,
      checks: this.checks,
      offlineSql: this.offlineSql,
      ...(this.trace !== undefined ? { trace: this.trace } : {}),
      confirmed: this.confirmed,
      info: this.info,
      ...(error !== undefined ? { error } : {}),
    };
  }

  private async timed(id: RuntimeCheckId, total: number | undefined, fn: () => Promise<CheckOutcome>): Promise<void> {
    if (!this.only.has(id)) return;
    this.progress({ kind: 'check-start', id, ...(total !== undefined ? { total } : {}) });
    const started = performance.now();
    let outcome: CheckOutcome;
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
  // Python and the server

  /**
   * Start the helper: probe (versions, drivers, config: no user code yet), then the database URL
   * (sqlalchemy.url and the url_env variables, in place before any user code is imported, so that
   * settings read at import time point at the scratch database), then hello (the revision files
   * are imported).
   */
  private async startPython(): Promise<void> {
    const started = performance.now();
    const ctx = this.ctx;
    ctx.python = findPython(this.project, { python: this.options.python, cwd: this.options.cwd, env: this.options.env });
    const python = ctx.python;
    const env: NodeJS.ProcessEnv = { ...(this.options.env ?? process.env) };
    // libpq-based drivers (psycopg2, psycopg) honour PGOPTIONS: a second guard on the step time.
    env.PGOPTIONS = `${env.PGOPTIONS ?? ''} -c statement_timeout=${Math.round(ctx.stepTimeout * 1000)}`.trim();
    // Until configure, the url_env variables point nowhere: never at a database of the user's shell.
    for (const name of this.project.settings.urlEnv ?? ['DATABASE_URL']) env[name] = OFFLINE_URL;
    const bridge = PythonBridge.start(python, { cwd: this.project.root, env, onStderr: this.options.onLog });
    this.bridge = bridge;
    track({ description: `Python helper ${describePython(python)}`, release: () => bridge.close(1000), releaseSync: () => bridge.kill() });
    const ini = this.project.configFiles.find((f) => basename(f) !== 'pyproject.toml');
    const toml = this.project.configFiles.find((f) => basename(f) === 'pyproject.toml');
    const probe = (await bridge.request({ op: 'probe', config_file: ini ?? null, toml_file: toml ?? null, section: this.project.section }, 300_000)) as HelloInfo;
    let hello: HelloInfo = probe;
    if (probe.ok) {
      this.chooseScheme(probe);
      if (this.wantsSecondHelper()) await this.forkSecond(bridge, python);
      const server = this.serverPromise !== undefined ? await this.serverPromise : undefined;
      const [revisions] = await Promise.all([
        this.configureAndLoad(bridge, server?.urlFor(0) ?? OFFLINE_URL),
        this.second !== undefined
          ? this.configureAndLoad(this.second, server?.urlFor(1) ?? OFFLINE_URL).then(
              (r) => (r.ok ? undefined : this.dropSecond()),
              () => this.dropSecond(),
            )
          : undefined,
      ]);
      hello = { ...probe, ...revisions, ok: revisions.ok, ...(revisions.error !== undefined ? { error: revisions.error } : {}) };
    }
    ctx.hello = hello;
    Object.assign(this.info, { python: hello.python, pythonSource: python.source, pythonVersion: hello.python_version, alembic: hello.alembic, sqlalchemy: hello.sqlalchemy });
    if (!hello.ok) {
      const err = hello.error!;
      const tail = err.traceback ? `\n${err.traceback}` : '';
      if (err.kind === 'no-alembic' || err.kind === 'no-sqlalchemy') {
        const pkg = err.kind === 'no-alembic' ? 'Alembic' : 'SQLAlchemy';
        throw new Stop(new PythonError(`${pkg} is not installed in the Python used: ${ctx.pythonLabel()}`, {
          reason: oneLine(err.message),
          hint: `Install your project's dependencies into that interpreter (pip install ${pkg.toLowerCase()}), or pass --python PATH (or set [tool.alembic-guard] python) to the one that has them.`,
        }));
      }
      throw new Stop(new PythonError(`Alembic could not load the migration environment: ${oneLine(err.message)}`, {
        reason: `Python: ${ctx.pythonLabel()}${tail}`,
        hint: 'Check script_location and the other [alembic] settings; `alembic history` from the same directory shows the same error.',
      }));
    }
    for (const r of hello.revisions ?? []) ctx.revisions.set(r.revision, r);
    this.progress({ kind: 'phase', phase: 'python', message: `${ctx.pythonLabel()}, driver ${this.scheme}`, durationMs: Math.round(performance.now() - started) });
  }

  /** The database URL of the helper's slot (before any user code runs), then the revisions. */
  private async configureAndLoad(bridge: PythonBridge, url: string): Promise<HelloInfo> {
    await this.configure(url, bridge);
    return (await bridge.request({ op: 'hello' }, 300_000)) as HelloInfo;
  }

  /**
   * A second helper pays off where a second core is free for it and there is a database check
   * besides the walk for it to run; ALEMBIC_GUARD_PARALLEL=0/1 decides too.
   */
  private wantsSecondHelper(): boolean {
    const fromEnv = (this.options.env ?? process.env).ALEMBIC_GUARD_PARALLEL;
    if (this.options.parallel === false || fromEnv === '0') return false;
    if (this.options.parallel === true || fromEnv === '1') return true;
    const walk = this.only.has('up-down') || this.only.has('trace') || this.only.has('idempotent');
    const other = ['offline-sql', 'upgrade', 'model-drift', 'model-registration', 'round-trip'].some((c) => this.only.has(c as RuntimeCheckId));
    return walk && other && availableParallelism() >= 2;
  }

  private async forkSecond(bridge: PythonBridge, python: PythonCommand): Promise<void> {
    const second = await bridge.fork().catch(() => undefined);
    if (second === undefined) return;
    this.second = second;
    track({ description: `second Python helper ${describePython(python)}`, release: () => second.close(1000), releaseSync: () => second.kill() });
  }

  /** The second helper failed to start its part: everything runs on the first. */
  private async dropSecond(): Promise<void> {
    const second = this.second;
    this.second = undefined;
    await second?.close(1000).catch(() => undefined);
  }

  /** The SQLAlchemy scheme env.py gets: the project's driver, else an installed one. */
  private chooseScheme(probe: HelloInfo): void {
    const ctx = this.ctx;
    ctx.hello = probe;
    const choice = chooseDriverScheme(probe.configured_scheme, probe.drivers, probe.env_async === true, probe.sqlalchemy);
    if ('missing' in choice) {
      throw new Stop(new PythonError(`the PostgreSQL driver ${choice.missing} is not installed in the Python used`, {
        reason: `${choice.reason}. Python: ${ctx.pythonLabel()}`,
        hint: `Install it into your project's environment (pip install ${choice.missing === 'psycopg2' ? 'psycopg2-binary' : choice.missing}), or pass --python PATH to the interpreter that has it.`,
      }));
    }
    this.scheme = choice.scheme;
    this.syncScheme = choice.syncScheme;
    this.info.driverScheme = choice.scheme;
    if (this.project.settings.connectionAttribute === 'connection' && choice.syncScheme === undefined) {
      throw new Stop(new PythonError('connection_attribute = "connection" needs a synchronous PostgreSQL driver', {
        reason: `only ${choice.driver} is installed. Python: ${ctx.pythonLabel()}`,
        hint: 'Install psycopg2-binary or psycopg, or use connection_attribute = "engine".',
      }));
    }
  }

  private async configure(url: string, bridge: PythonBridge): Promise<void> {
    const pyUrl = withScheme(url, this.scheme);
    const syncUrl = this.syncScheme !== undefined ? withScheme(url, this.syncScheme) : undefined;
    const r = await bridge.request({
      op: 'configure',
      url: pyUrl,
      sync_url: syncUrl ?? null,
      url_env: this.project.settings.urlEnv ?? ['DATABASE_URL'],
      connection_attribute: this.project.settings.connectionAttribute ?? null,
    });
    if (!r.ok) throw new Stop(this.ctx.envError(r.error!, 'configuring the database URL'));
  }

  private async startServer(): Promise<DatabaseServer> {
    const common = { stepTimeoutSeconds: this.ctx.stepTimeout, onLog: this.options.onLog, env: this.options.env };
    return this.options.databaseUrl !== undefined && this.options.databaseUrl !== ''
      ? await connectDatabaseUrl(this.options.databaseUrl, { ...common, allowDestructive: this.options.allowDestructive })
      : await startEmbeddedPostgres({ ...common, cacheDir: this.options.cacheDir, tmpDir: this.options.tmpDir });
  }

  // -------------------------------------------------------------------------------------------

  /** Start what takes time and needs no revision graph, at once: the helper and the server. */
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
    if ([...this.only].some((c) => c !== 'offline-sql')) {
      this.serverPromise = this.startServer();
      this.serverPromise.catch(() => undefined);
    }
    this.pythonStarted = this.startPython();
    this.pythonStarted.catch(() => undefined);
  }

  /** Stop everything begin() started. */
  async cancel(): Promise<void> {
    await Promise.all([this.second?.close().catch(() => undefined), this.bridge?.close().catch(() => undefined)]);
    const server = this.server ?? (this.serverPromise !== undefined ? await this.serverPromise.catch(() => undefined) : undefined);
    await server?.stop().catch(() => undefined);
  }

  async run(graph: RevisionGraph, context: StaticContext = {}): Promise<RuntimeResult> {
    const ctx = this.ctx;
    ctx.graph = graph;
    if (this.projectSkip !== undefined) return this.skipAll(this.projectSkip);
    if (this.pythonStarted === undefined) this.begin();
    if (graph.problems.length > 0) {
      await this.cancel();
      return this.skipAll('the revision graph is broken (see the graph findings); fix it first');
    }
    if (graph.nodes.size === 0) {
      await this.cancel();
      return this.skipAll('there are no revisions');
    }
    try {
      await this.pythonStarted;
      this.plan();
      const bridge = this.bridge!;
      const order = ctx.plan.order;
      await this.sendRevisionData();
      // offline SQL needs no database: on the second helper, it runs while the first one walks
      const offline = this.only.has('offline-sql')
        ? this.timed('offline-sql', order.length, async () => {
            const r = await runOffline(ctx, this.second ?? bridge, order, (rev, index) => this.progress({ kind: 'revision', id: 'offline-sql', revision: rev, index, total: order.length }));
            this.offlineSql = r.sql;
            this.pendingOfflineEnvFinding = r.envFinding;
            return r.outcome;
          })
        : undefined;
      offline?.catch(() => undefined);
      if (this.second === undefined || this.serverPromise === undefined) await offline;
      if (this.serverPromise === undefined) return this.result();
      this.server = await this.serverPromise;
      const server = this.server;
      Object.assign(this.info, { server: server.description, serverVersionNum: server.serverVersionNum, serverStartMs: Math.round(server.startupMs) });
      if (server.templateCached !== undefined) this.info.templateCached = server.templateCached;
      this.progress({ kind: 'phase', phase: 'database', message: server.description, durationMs: Math.round(server.startupMs) });
      await this.databaseChecks(server, bridge, context, this.second !== undefined ? offline : undefined);
      const because = dedupeRoundTrip(ctx);
      const rt = this.checks.find((c) => c.id === 'round-trip');
      if (because.length > 0 && rt?.status === 'failed') rt.message += ` (the cause: the up-down findings of ${because.join(', ')})`;
      return this.result();
    } catch (e) {
      if (e instanceof Stop) return this.result(e.error);
      if (isGuardError(e)) return this.result(e);
      throw e;
    } finally {
      await this.cancel();
    }
  }

  /**
   * [tool.alembic-guard.revision_data]: the revisions named, resolved as Alembic resolves them (an
   * id naming no revision is a configuration error), to every helper before any walk.
   */
  private async sendRevisionData(): Promise<void> {
    const settings = this.project.settings.revisionData;
    if (settings === undefined) return;
    const ctx = this.ctx;
    const file = ctx.rel(settings.file) ?? 'pyproject.toml';
    const rows: Record<string, { before: unknown[]; at: unknown[] }> = {};
    const revs = [...ctx.revisions.values()].map((r) => ({ revision: r.revision, downRevisions: r.down_revisions, dependencies: r.dependencies, branchLabels: r.branch_labels, irreversible: false }));
    for (const entry of settings.revisions) {
      let id: string;
      try {
        id = resolveRevision(entry.ref, revs);
      } catch (e) {
        throw new Stop(new ConfigError(`${file}${entry.line !== undefined ? `:${entry.line}` : ''}: [tool.alembic-guard.revision_data] ${e instanceof Error ? e.message : String(e)}`, {
          hint: 'Key each entry by a revision id (or a unique prefix, or a branch label); `alembic-guard history` lists them.',
        }));
      }
      const target = (rows[id] ??= { before: [], at: [] });
      for (const when of ['before', 'at'] as const) {
        entry[when].forEach((row, index) => target[when].push({ table: row.table, values: row.values, line: entry.line ?? null, index, ref: entry.ref }));
      }
    }
    for (const bridge of [this.bridge!, ...(this.second !== undefined ? [this.second] : [])]) {
      const r = await bridge.request({ op: 'revision_data', rows, module: settings.module ?? null }, ctx.commandTimeout(1));
      if (!r.ok) {
        const err = r.error!;
        if (err.kind !== 'config') throw new Stop(ctx.envError(err, 'loading revision_data'));
        throw new Stop(new ConfigError(`${ctx.rel(err.path) ?? file}${err.line !== undefined && err.line !== null ? `:${err.line}` : ''}: revision_data: ${oneLine(err.message)}`, {
          hint: 'Name revisions that exist, and give each a row (a dict of column values), a list of rows, or a callable taking the connection.',
        }));
      }
    }
  }

  private plan(): void {
    const ctx = this.ctx;
    const revs = [...ctx.revisions.values()].map((r) => ({
      revision: r.revision,
      downRevisions: r.down_revisions,
      dependencies: r.dependencies,
      branchLabels: r.branch_labels,
      irreversible: r.irreversible || ctx.graph.nodes.get(r.revision)?.file.downgrade?.bodyKind === 'raises-not-implemented',
    }));
    try {
      ctx.plan = planWalk(revs, { downgradeFloor: this.project.settings.downgradeFloor, skipRevisions: this.project.settings.skipRevisions });
    } catch (e) {
      if (e instanceof PlanError) {
        throw new Stop(new PythonError(`the database checks cannot plan the walk: ${e.message}`, {
          hint: e.message.includes('names no revision') ? 'Set [tool.alembic-guard] downgrade_floor to an existing revision id or branch label.' : undefined,
        }));
      }
      throw e;
    }
    // Statically visible marks (`raise NotImplementedError` as the body) are reported by the
    // empty-downgrade rule; irreversible-downgrade adds the ones only running the downgrade reveals.
    for (const [rev, skip] of ctx.plan.noDowngrade) if (skip.reason === 'irreversible' && skip.by === rev) ctx.irreversibleNoted.add(rev);
  }

  /**
   * The database checks. With a second helper (forked from the first), it runs the upgrade check
   * and the drift on its own database while the first one walks: the two halves are independent
   * until the verdicts are judged.
   */
  private async databaseChecks(server: DatabaseServer, bridge: PythonBridge, context: StaticContext, offline: Promise<void> | undefined): Promise<void> {
    const ctx = this.ctx;
    const second = this.second !== undefined && server.slots() >= 2 ? this.second : undefined;
    const wantsWalk = this.only.has('up-down') || this.only.has('trace') || this.only.has('idempotent');
    const firstDb = async (): Promise<{ upgraded: boolean; headDigest?: string }> => {
      await offline;
      return this.upgradeAndDrift(server, second ?? bridge, second !== undefined ? 1 : 0, wantsWalk);
    };
    let first: { upgraded: boolean; headDigest?: string };
    let walked: Walked | undefined;
    if (second !== undefined) {
      this.info.helpers = 2;
      [first, walked] = await Promise.all([firstDb(), wantsWalk ? this.walk(server, bridge) : Promise.resolve(undefined)]);
    } else {
      first = await firstDb();
      if (wantsWalk) walked = await this.walk(server, bridge);
    }
    const fast = walked?.fast;
    if (walked !== undefined && this.only.has('up-down')) this.record('up-down', walked.ms, judgeUpDown(ctx, walked.cycles));
    // opt-in: listed only when idempotent = true or idempotent_since is set
    if (walked?.fast !== undefined && walked.idempotent !== undefined) this.record('idempotent', 0, judgeIdempotent(ctx, walked.fast.cycles, walked.idempotent));
    if (walked !== undefined && !walked.traced) this.skip('trace', 'turned off (--no-trace)');
    else if (fast !== undefined && this.only.has('trace')) {
      const started = performance.now();
      const linted = context.lintedFiles !== undefined ? new Set(context.lintedFiles) : undefined;
      const judged = await judgeTrace(ctx, fast, { staticFindings: context.staticFindings ?? [], linted, serverVersionNum: server.serverVersionNum, rowsPerTable: walked!.rows, traced: walked!.traced });
      this.trace = judged.report;
      this.confirmed = judged.confirmed;
      this.record('trace', performance.now() - started, judged.outcome);
    }
    if (this.only.has('round-trip') && first.upgraded) {
      await this.timed('round-trip', undefined, async () => {
        if (fast !== undefined && fast.anomaly === undefined && fast.cut === -1 && first.headDigest !== undefined && first.headDigest === fast.headDigest) return fastRoundTrip(ctx);
        // run the commands themselves on a database at head
        const rt = await this.fresh(server, bridge, 0);
        const up = await runUpgrade(ctx, bridge, false);
        if (!up.ok) return up.outcome;
        return runRoundTrip(ctx, bridge, rt);
      });
    }
  }

  /** The upgrade check on an empty database, its schema digest (for the round trip), the drift. */
  private async upgradeAndDrift(server: DatabaseServer, bridge: PythonBridge, slot: number, digest: boolean): Promise<{ upgraded: boolean; headDigest?: string }> {
    const ctx = this.ctx;
    if (!(this.only.has('upgrade') || this.only.has('model-drift') || this.only.has('model-registration') || this.only.has('round-trip'))) return { upgraded: true };
    const db = await this.fresh(server, bridge, slot);
    let ok = false;
    if (this.only.has('upgrade')) {
      await this.timed('upgrade', undefined, async () => {
        const r = await runUpgrade(ctx, bridge);
        ok = r.ok;
        return r.outcome;
      });
    } else ok = (await runUpgrade(ctx, bridge, false)).ok;
    if (!ok) {
      this.skip('model-drift', `alembic upgrade heads fails at ${ctx.upgradeFailedAt ?? 'a revision'}`);
      this.skip('model-registration', `alembic upgrade heads fails at ${ctx.upgradeFailedAt ?? 'a revision'}`);
      this.skip('round-trip', `alembic upgrade heads fails at ${ctx.upgradeFailedAt ?? 'a revision'}`);
      return { upgraded: false };
    }
    const headDigest = this.only.has('round-trip') && digest && !this.options.legacyWalk ? await schemaDigest(db.client, ctx.versionTables) : undefined;
    await this.timed('model-drift', undefined, () => runDrift(ctx, bridge));
    // after the drift: the imports it makes put every model on the metadata
    await this.timed('model-registration', undefined, () => runModelRegistration(ctx, bridge));
    return { upgraded: true, ...(headDigest !== undefined ? { headDigest } : {}) };
  }

  /** The walk on slot 0: fast, or legacy when asked for or when the fast walk sees a difference. */
  private async walk(server: DatabaseServer, bridge: PythonBridge): Promise<Walked> {
    const ctx = this.ctx;
    const order = ctx.plan.order;
    const traced = this.options.trace !== false && this.only.has('trace');
    const rows = traced ? (this.project.settings.traceRows ?? DEFAULT_TRACE_ROWS) : 0;
    let index = 0;
    const onRevision = (rev: string): void => this.progress({ kind: 'revision', id: 'up-down', revision: rev, index: index++, total: order.length });
    this.progress({ kind: 'check-start', id: 'up-down', total: order.length });
    const started = performance.now();
    await this.fresh(server, bridge, 0);
    if (this.options.legacyWalk === true || (this.options.env ?? process.env).ALEMBIC_GUARD_WALK === 'legacy') {
      const cycles = await legacyWalk(ctx, bridge, onRevision);
      this.info.walk = { mode: 'legacy', reason: 'asked for', ms: Math.round(performance.now() - started) };
      return { cycles, ms: performance.now() - started, rows, traced };
    }
    const idempotent = this.only.has('idempotent') ? idempotentRevisions(ctx) : undefined;
    const fast = await fastWalk(ctx, bridge, {
      trace: traced,
      rows,
      upOnly: !this.only.has('up-down'),
      ...(idempotent !== undefined ? { idempotent } : {}),
      onRevision,
      onProfile: (pass, profile, ms) => this.options.onLog?.(`alembic-guard: ${pass} pass ${Math.round(ms)} ms: ${Object.entries(profile).map(([k, v]) => `${k} ${v}`).join(', ')}`),
    });
    let cycles = fast.cycles;
    if (fast.anomaly !== undefined && this.only.has('up-down')) {
      // the fast verdicts cannot stand: judge every revision with full snapshots, as always
      index = 0;
      await this.fresh(server, bridge, 0);
      cycles = await legacyWalk(ctx, bridge, onRevision);
    }
    const ms = performance.now() - started;
    this.info.walk = { mode: fast.anomaly === undefined ? 'fast' : 'legacy', ...(fast.anomaly !== undefined ? { reason: fast.anomaly } : {}), incremental: fast.incremental, ms: Math.round(ms) };
    return { cycles, fast, ms, rows, traced, ...(idempotent !== undefined ? { idempotent } : {}) };
  }

  /**
   * A fresh scratch database for a slot, with the schema that exists before the first revision when
   * the project has one outside Alembic: initial_schema_sql (run by Node) or initial_schema
   * ("module:function", called by the helper with a connection).
   */
  private async fresh(server: DatabaseServer, bridge: PythonBridge, slot: number): Promise<ScratchDatabase> {
    const db = await server.freshDatabase(slot);
    const settings = this.project.settings;
    if (settings.initialSchemaSql !== undefined) {
      let sql: string;
      try {
        sql = readFileSync(settings.initialSchemaSql, 'utf8');
      } catch (e) {
        throw new Stop(new ConfigError(`[tool.alembic-guard] initial_schema_sql: cannot read ${this.ctx.rel(settings.initialSchemaSql)}`, { reason: e instanceof Error ? e.message : String(e) }));
      }
      try {
        await db.client.query(sql);
      } catch (e) {
        throw new Stop(new DatabaseError(`the initial schema (${this.ctx.rel(settings.initialSchemaSql)}) failed on the scratch database`, {
          reason: redactUrl(e instanceof Error ? e.message : String(e)),
          hint: 'It runs before the first revision on every scratch database: make it create what exists before your first migration.',
        }));
      }
    }
    if (settings.initialSchema !== undefined) {
      const r = await bridge.request({ op: 'initial_schema', call: settings.initialSchema }, this.ctx.commandTimeout(1));
      if (!r.ok) {
        throw new Stop(new PythonError(`the initial schema hook ${settings.initialSchema} failed: ${oneLine(r.error?.message ?? 'no answer')}`, {
          reason: r.error?.traceback ?? '',
          hint: 'initial_schema names "module:function", called with a connection to the scratch database before the first revision; make it create what exists before your first migration.',
        }));
      }
    }
    return db;
  }

  /** A check's result measured elsewhere. */
  private record(id: RuntimeCheckId, ms: number, outcome: CheckOutcome): void {
    if (!this.only.has(id)) return;
    const result: CheckResult = { id, status: outcome.status, message: redactUrl(outcome.message), durationMs: Math.round(ms) };
    this.checks.push(result);
    this.progress({ kind: 'check-end', result });
  }
}

interface Walked {
  cycles: RevisionCycle[];
  idempotent?: ReadonlySet<string>;
  fast?: FastWalk;
  ms: number;
  rows: number;
  traced: boolean;
}

/** What the static pass tells the database checks besides the graph. */
export interface StaticContext {
  /** Its findings: the trace confirms the ones it observes. */
  staticFindings?: readonly Finding[];
  /**
   * The files the operation rules linted (baseline, skip_revisions, --since applied): the trace
   * judges only these revisions. Absent: every revision.
   */
  lintedFiles?: readonly string[];
}

/** The database checks, started before the revision graph is known (see startRuntimeChecks). */
export interface RuntimeSession {
  /** Run the checks on the project's graph (from the static pass); releases everything. */
  run(graph: RevisionGraph, context?: StaticContext): Promise<RuntimeResult>;
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
    run: (graph, context) => (guard === undefined ? runner.run(graph, context) : guarded(guard, () => runner.run(graph, context))),
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
export async function runRuntimeChecks(project: Project, graph: RevisionGraph, options: RuntimeOptions = {}, context: StaticContext = {}): Promise<RuntimeResult> {
  return startRuntimeChecks(project, options).run(graph, context);
}
