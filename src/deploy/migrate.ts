/**
 * `alembic-guard migrate`: the production upgrade, through the project's own env.py and Alembic's
 * Python API, one runner at a time.
 *
 *   1. the static check (error findings in the revisions to apply stop the deploy unless --force)
 *   2. env.py runs online, once for the whole deploy (helper deploy_migrate), and says where it
 *      connects: the URL, the version table, the current heads; refusals: several heads without
 *      --heads, a revision no script declares (exit 3), tables without a version table (exit 4);
 *      --plan stops here, having written nothing
 *   3. the migration lock (lock.ts), waiting visibly; a killed run's statement still on the server
 *      is waited for
 *   4. the plan as the database says it under the lock, the refusals again, --backup, then each
 *      revision in its own transaction with lock_timeout, retried with backoff on a lock timeout;
 *      the sessions blocking it are read meanwhile
 */
import type { Finding, Project } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import { DatabaseError, PythonError, UsageError, redactUrl } from '../errors.js';
import { toPostgresUrl } from '../database/version-table.js';
import { loadPg } from '../database/pg-module.js';
import { deployStatus } from '../workflow/status.js';
import { withSignalCleanup } from '../process/cleanup.js';
import type { HelperError, HelperResponse } from '../python/bridge.js';
import { startDeployHelper, type DeployHelper } from './helper.js';
import { MigrationLock, type Session } from './lock.js';
import { refuseToMigrate, type Refusal } from './refuse.js';
import { findPgDump, runPgDump } from './backup.js';

export interface MigrateOptions {
  /** --database-url: env.py gets it; else env.py connects where it always does. */
  databaseUrl?: string;
  python?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  cache?: boolean;
  /** Seconds to wait for the lock (default 600). */
  waitSeconds?: number;
  /** Retries of a revision that hits lock_timeout (default 3). */
  retries?: number;
  /** Milliseconds before the first retry; doubled each time (default 1000). */
  backoffMs?: number;
  /** lock_timeout per revision in ms (default 5000); null: none of ours. */
  lockTimeoutMs?: number | null;
  /** statement_timeout per revision in ms (default: none). */
  statementTimeoutMs?: number;
  heads?: boolean;
  force?: boolean;
  plan?: boolean;
  /** With plan: each pending revision's offline SQL. */
  sql?: boolean;
  /** --backup FILE. */
  backup?: string;
  onEvent?: (e: MigrateEvent) => void;
  onLog?: (line: string) => void;
}

export interface PlannedRevision {
  revision: string;
  file?: string;
  message: string;
  /** With --plan --sql. */
  sql?: string;
  sqlError?: string;
}

export interface AppliedRevision {
  revision: string;
  file?: string;
  durationMs: number;
  attempts: number;
}

export interface LockWait {
  /** `lock`: another runner holds the migration lock; `orphan`: a killed run's statement is still running. */
  for: 'lock' | 'orphan';
  holder: Session | null;
  waitedMs: number;
}

export interface Retry {
  revision: string;
  attempt: number;
  delayMs: number;
  message: string;
  blockers: Session[];
}

export interface MigrationFailure {
  revision: string;
  file?: string;
  line?: number;
  message: string;
  statement?: string;
  pgcode?: string;
  attempts: number;
  /** For a lock timeout: the sessions that held the lock (pg_blocking_pids), with their queries. */
  blockers: Session[];
}

export type MigrateState = 'migrated' | 'up-to-date' | 'planned' | 'failed' | 'refused';

export interface MigrateResult {
  state: MigrateState;
  exitCode: number;
  /** Password-free. */
  database?: string;
  versionTable?: string;
  before: string[];
  after: string[];
  heads: string[];
  plan: PlannedRevision[];
  applied: AppliedRevision[];
  waits: LockWait[];
  retries: Retry[];
  failure?: MigrationFailure;
  refusal?: Refusal;
  backup?: { file: string; durationMs: number; pgDump: string };
  /** lock_timeout and statement_timeout set by migrate (null: env.py's, the role's or the database's own apply). */
  lockTimeoutMs: number | null;
  statementTimeoutMs: number | null;
  /** env.py owns the transaction (engine.begin()): the revisions ran in SAVEPOINTs of one transaction. */
  singleTransaction: boolean;
  durationMs: number;
}

export type MigrateEvent =
  | { kind: 'static'; findings: number; errors: number; durationMs: number }
  | { kind: 'database'; database: string; versionTable: string; current: string[] | null }
  | { kind: 'waiting'; wait: LockWait }
  | { kind: 'locked'; waitedMs: number }
  | { kind: 'plan'; plan: PlannedRevision[]; current: string[] | null }
  | { kind: 'backup'; file: string; durationMs: number }
  | { kind: 'step'; revision: string; attempt: number; index: number; total: number }
  | { kind: 'applied'; applied: AppliedRevision; index: number; total: number }
  | { kind: 'retry'; retry: Retry }
  | { kind: 'failed'; failure: MigrationFailure };

interface InspectInfo extends HelperResponse {
  url: string;
  dialect: string;
  version_table: string;
  version_table_schema: string | null;
  has_version_table: boolean;
  heads: string[];
  user_tables: string[];
  server_version_num: number;
  settings: Record<string, { setting: string; source: string }>;
  env_owns_transaction: boolean;
}

interface PlanEvent extends InspectInfo {
  pid: number;
  steps: string[];
  lock_timeout_ms: number | null;
  statement_timeout_ms: number | null;
  savepoints: boolean;
}

function firstLine(graph: RevisionGraph, rev: string): string {
  return (graph.nodes.get(rev)?.file.docstring?.text ?? '').trim().split('\n')[0]?.trim() ?? '';
}

/** The database's message without psycopg2's LINE/caret decoration. */
export function failureMessage(err: HelperError): string {
  const text = err.message
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^LINE \d+:/.test(l) && !/^\s*\^\s*$/.test(l) && !/^\(Background on this error/.test(l))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return err.statement === undefined || err.statement === null ? `${err.type !== undefined && !text.startsWith(err.type) ? `${err.type}: ` : ''}${text}` : text;
}

/** Same server and database? (`postgresql://u:p@h:5432/db` forms; a missing port is 5432.) */
function sameDatabase(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    const key = (u: URL) => [u.hostname.toLowerCase(), u.port || '5432', decodeURIComponent(u.pathname.replace(/^\//, ''))].join('|');
    return key(x) === key(y);
  } catch {
    return true;
  }
}

class MigrateRun {
  private readonly started = performance.now();
  private helper: DeployHelper | undefined;
  private lock: MigrationLock | undefined;
  private graph!: RevisionGraph;
  private findings: Finding[] = [];
  private readonly result: MigrateResult = {
    state: 'up-to-date',
    exitCode: 0,
    before: [],
    after: [],
    heads: [],
    plan: [],
    applied: [],
    waits: [],
    retries: [],
    lockTimeoutMs: null,
    statementTimeoutMs: null,
    singleTransaction: false,
    durationMs: 0,
  };

  constructor(
    private readonly project: Project,
    private readonly options: MigrateOptions,
  ) {}

  private emit(e: MigrateEvent): void {
    try {
      this.options.onEvent?.(e);
    } catch {
      // a progress printer must not break the deploy
    }
  }

  private done(state: MigrateState, exitCode: number): MigrateResult {
    this.result.state = state;
    this.result.exitCode = exitCode;
    this.result.durationMs = Math.round(performance.now() - this.started);
    return this.result;
  }

  private refuse(refusal: Refusal): MigrateResult {
    this.result.refusal = refusal;
    return this.done('refused', refusal.exitCode);
  }

  private planOf(revisions: readonly string[]): PlannedRevision[] {
    return revisions.map((rev) => {
      const file = this.graph.nodes.get(rev)?.file.path;
      return { revision: rev, ...(file !== undefined ? { file } : {}), message: firstLine(this.graph, rev) };
    });
  }

  private refusal(rows: string[] | null, userTables: string[]): Refusal | undefined {
    return refuseToMigrate(this.graph, { rows, userTables }, this.findings, { heads: this.options.heads, force: this.options.force });
  }

  /** The helper waits for an answer (after "connected" or "plan"): one that ends env.py's run without migrating. */
  private stopping = false;
  private starting: Promise<DeployHelper> | undefined;

  /** Tell the waiting helper to end env.py's run without migrating, and wait for it. */
  private async stop(): Promise<void> {
    if (!this.stopping || this.helper === undefined) return;
    this.stopping = false;
    this.helper.bridge.send({ op: 'stop' });
    const end = await this.helper.bridge.next();
    if (!end.ok && end.error !== undefined) throw this.helper.envError(end.error, 'finishing env.py');
  }

  async run(): Promise<MigrateResult> {
    try {
      return await this.steps();
    } catch (e) {
      await this.stop().catch(() => undefined);
      throw e;
    } finally {
      await this.lock?.release();
      const helper = this.helper ?? (await this.starting?.catch(() => undefined));
      await helper?.close();
    }
  }

  private async steps(): Promise<MigrateResult> {
    const o = this.options;
    // 1. The static check, while the helper starts (Python, Alembic, the revision files).
    const given = o.databaseUrl !== undefined ? toPostgresUrl(o.databaseUrl) : undefined;
    const starting = startDeployHelper(this.project, { python: o.python, cwd: o.cwd, env: o.env, databaseUrl: given, onLog: o.onLog });
    this.starting = starting;
    starting.then((h) => (this.helper = h)).catch(() => undefined);
    // node-postgres (the lock connections) loads while Python starts, not after env.py has connected
    void loadPg().catch(() => undefined);
    // The static engine loads its parsers and rules only now: the helper starts first.
    const { runCheck } = await import('../engine/check.js');
    const t0 = performance.now();
    const check = await runCheck(this.project, { static: true, cache: o.cache ?? true });
    this.findings = check.report.findings;
    this.graph = check.graph;
    const errors = this.findings.filter((f) => f.severity === 'error').length;
    this.emit({ kind: 'static', findings: this.findings.length, errors, durationMs: Math.round(performance.now() - t0) });
    if (this.graph.problems.length > 0 && o.force !== true) {
      return this.refuse({
        reason: 'static-errors',
        exitCode: 1,
        message: 'the revision graph is broken: Alembic cannot order the revisions',
        hint: 'Fix the graph findings (alembic-guard check --static).',
        findings: this.findings.filter((f) => f.severity === 'error'),
      });
    }

    // 2. env.py connects (one run of env.py for the whole deploy); nothing is written until the lock is ours.
    const helper = (this.helper = await starting);
    const lockTimeoutMs = o.lockTimeoutMs === undefined ? 5000 : o.lockTimeoutMs;
    helper.bridge.send({
      op: 'deploy_migrate',
      target: 'heads',
      lock_timeout_ms: lockTimeoutMs,
      statement_timeout_ms: o.statementTimeoutMs ?? null,
      retries: o.retries ?? 3,
      backoff_ms: o.backoffMs ?? 1000,
    });
    const inspect = (await helper.bridge.next()) as InspectInfo;
    if (inspect.event !== 'connected') {
      if (inspect.error !== undefined) throw helper.envError(inspect.error, 'connecting to the database (env.py in online mode)');
      throw new PythonError(`unexpected answer from the helper: ${JSON.stringify(inspect).slice(0, 200)}`);
    }
    this.stopping = true;
    if (inspect.dialect !== 'postgresql') {
      throw new UsageError(`env.py connects to ${inspect.dialect} (${redactUrl(inspect.url)}): migrate runs on PostgreSQL only`, {
        hint: 'Pass --database-url postgresql://… or set the URL env.py reads.',
      });
    }
    const url = toPostgresUrl(inspect.url);
    if (given !== undefined && !sameDatabase(url, given)) {
      throw new UsageError(`env.py connects to ${redactUrl(url)}, not to the --database-url ${redactUrl(given)}`, {
        reason: 'env.py builds its own URL and ignores sqlalchemy.url and the url_env variables',
        hint: 'Make env.py read config.get_main_option("sqlalchemy.url") (or DATABASE_URL), or leave out --database-url so that the database env.py uses is the one locked.',
      });
    }
    const versionTable = `${inspect.version_table_schema ?? 'public'}.${inspect.version_table}`;
    Object.assign(this.result, { database: redactUrl(url), versionTable, before: inspect.heads, after: inspect.heads, heads: [...this.graph.heads] });
    const rows = inspect.has_version_table ? inspect.heads : null;
    this.emit({ kind: 'database', database: redactUrl(url), versionTable, current: rows });
    const early = this.refusal(rows, inspect.user_tables);
    this.result.plan = this.planOf(deployStatus(this.graph, rows ?? []).pending);
    if (o.plan === true) {
      await this.stop();
      if (o.sql === true && early === undefined) await this.offlineSql();
      this.emit({ kind: 'plan', plan: this.result.plan, current: rows });
      if (early !== undefined) return this.refuse(early);
      return this.done('planned', 0);
    }
    if (early !== undefined) return this.refuse(early);
    const pgDump = o.backup !== undefined ? findPgDump(inspect.server_version_num, o.env) : undefined;

    // 3. One runner at a time.
    this.lock = await MigrationLock.open(url, versionTable);
    const lock = this.lock;
    const pooled = await lock.poolerProblem();
    if (pooled !== undefined) {
      throw new DatabaseError('the database is reached through a pooler in transaction mode: the migration lock would not be held', {
        reason: `${pooled} (PgBouncer with pool_mode = transaction)`,
        hint: 'Point --database-url (or env.py) for migrations at PostgreSQL directly, or at a pool in session mode (PgBouncer pool_mode = session), and keep transaction pooling for the application.',
      });
    }
    const waitMs = (o.waitSeconds ?? 600) * 1000;
    const got = await lock.acquire(waitMs, ({ holder, waitedMs }) => {
      const wait: LockWait = { for: 'lock', holder, waitedMs };
      this.result.waits.push(wait);
      this.emit({ kind: 'waiting', wait });
    });
    const lastWait = this.result.waits[this.result.waits.length - 1];
    if (lastWait !== undefined) lastWait.waitedMs = got.waitedMs;
    if (!got.ok) {
      const h = got.holder;
      throw new DatabaseError(`gave up waiting for the migration lock after ${Math.round(got.waitedMs / 1000)} s; nothing was migrated`, {
        reason: h !== null ? `held by pid ${h.pid} since ${h.since ?? '?'}, application_name "${h.applicationName}"${h.clientAddr !== null ? `, from ${h.clientAddr}` : ''}` : 'another runner held it',
        hint: 'Another migration is still running: wait for it (raise --wait), or look at that session in pg_stat_activity.',
      });
    }
    await this.waitForOrphans(waitMs - got.waitedMs);
    this.emit({ kind: 'locked', waitedMs: got.waitedMs });

    // 4. The migration.
    helper.bridge.send({ op: 'locked' });
    const plan = (await helper.bridge.next()) as PlanEvent;
    if (plan.event !== 'plan') {
      if (plan.error !== undefined) throw helper.envError(plan.error, 'starting the migration (env.py in online mode)');
      throw new PythonError(`unexpected answer from the helper: ${JSON.stringify(plan).slice(0, 200)}`);
    }
    Object.assign(this.result, {
      before: plan.heads,
      after: plan.heads,
      lockTimeoutMs: plan.lock_timeout_ms,
      statementTimeoutMs: plan.statement_timeout_ms,
      singleTransaction: plan.savepoints,
      plan: this.planOf(plan.steps),
    });
    const late = this.refusal(plan.has_version_table ? plan.heads : null, plan.user_tables);
    if (late !== undefined) {
      await this.stop();
      return this.refuse(late);
    }
    this.emit({ kind: 'plan', plan: this.result.plan, current: plan.has_version_table ? plan.heads : null });
    if (plan.steps.length === 0) {
      await this.stop();
      return this.done('up-to-date', 0);
    }
    if (pgDump !== undefined) {
      try {
        const b = await runPgDump(pgDump, url, o.backup!, o.env);
        this.result.backup = { file: b.file, durationMs: b.ms, pgDump: `${pgDump.path} ${pgDump.version}` };
        this.emit({ kind: 'backup', file: b.file, durationMs: b.ms });
      } catch (e) {
        await this.stop();
        throw e;
      }
    }
    helper.bridge.send({ op: 'go' });
    this.stopping = false;
    return this.follow(plan);
  }

  /** The revisions as they run: progress, retries, the sessions that block a statement, the end. */
  private async follow(plan: PlanEvent): Promise<MigrateResult> {
    const helper = this.helper!;
    const lock = this.lock!;
    const total = plan.steps.length;
    let index = 0;
    let blockers: Session[] = [];
    let current: { revision: string; since: number } | undefined;
    let polling = false;
    // Often enough to see a blocker before lock_timeout ends the wait (pg_blocking_pids is empty after).
    const every = Math.max(25, Math.min(200, Math.round((this.result.lockTimeoutMs ?? 5000) / 4)));
    const poll = setInterval(() => {
      if (polling || current === undefined || performance.now() - current.since < every) return;
      polling = true;
      lock
        .blockersOf(plan.pid)
        .then((b) => {
          if (b.length > 0) blockers = b;
        })
        .catch(() => undefined)
        .finally(() => {
          polling = false;
        });
    }, every);
    try {
      for (;;) {
        const e = await helper.bridge.next();
        lock.check();
        if (e.event === 'step') {
          current = { revision: String(e.revision), since: performance.now() };
          blockers = [];
          this.emit({ kind: 'step', revision: String(e.revision), attempt: Number(e.attempt), index, total });
        } else if (e.event === 'applied') {
          const rev = String(e.revision);
          const applied: AppliedRevision = { revision: rev, ...(this.graph.nodes.get(rev) ? { file: this.graph.nodes.get(rev)!.file.path } : {}), durationMs: Math.round(Number(e.total_ms)), attempts: Number(e.attempts) };
          this.result.applied.push(applied);
          this.result.after = [rev];
          current = undefined;
          this.emit({ kind: 'applied', applied, index: index++, total });
        } else if (e.event === 'retry') {
          const err = e.error as HelperError;
          const retry: Retry = { revision: String(e.revision), attempt: Number(e.attempt), delayMs: Number(e.delay_ms), message: failureMessage(err), blockers: await this.blockersNow(plan.pid, blockers) };
          current = undefined;
          this.result.retries.push(retry);
          this.emit({ kind: 'retry', retry });
        } else if (e.event === 'failed') {
          const err = e.error as HelperError;
          const rev = String(e.revision);
          const node = this.graph.nodes.get(rev);
          const file = err.path !== undefined && err.path !== null ? this.rel(err.path) : node?.file.path;
          const failure: MigrationFailure = {
            revision: rev,
            ...(file !== undefined ? { file } : {}),
            ...(err.line !== undefined && err.line !== null ? { line: err.line } : node?.file.upgrade?.loc.line !== undefined ? { line: node.file.upgrade.loc.line } : {}),
            message: failureMessage(err),
            ...(err.statement !== undefined && err.statement !== null ? { statement: err.statement } : {}),
            ...(err.pgcode !== undefined && err.pgcode !== null ? { pgcode: err.pgcode } : {}),
            attempts: Number(e.attempts),
            blockers: err.pgcode === '55P03' ? await this.blockersNow(plan.pid, blockers) : [],
          };
          current = undefined;
          this.result.failure = failure;
          this.emit({ kind: 'failed', failure });
        } else if (e.event === 'done') {
          if (Array.isArray(e.heads)) this.result.after = e.heads as string[];
          if (!e.ok && this.result.failure === undefined && e.error !== undefined) throw helper.envError(e.error, 'running the migration');
          return this.done(this.result.failure !== undefined ? 'failed' : 'migrated', this.result.failure !== undefined ? 1 : 0);
        }
      }
    } finally {
      clearInterval(poll);
    }
  }

  /** The blockers seen while the statement waited (the last look), else who blocks it now. */
  private async blockersNow(pid: number, seen: Session[]): Promise<Session[]> {
    if (seen.length > 0) return seen;
    return this.lock!.blockersOf(pid).catch(() => []);
  }

  private rel(path: string): string {
    const root = this.project.root.endsWith('/') ? this.project.root : `${this.project.root}/`;
    return path.startsWith(root) ? path.slice(root.length) : path;
  }

  /** A killed run's statement can outlive its connection for a moment: wait for it to end. */
  private async waitForOrphans(budgetMs: number): Promise<void> {
    const started = performance.now();
    let reported = false;
    for (;;) {
      const orphans = await this.lock!.orphans();
      if (orphans.length === 0) return;
      const waitedMs = Math.round(performance.now() - started);
      if (!reported) {
        reported = true;
        const wait: LockWait = { for: 'orphan', holder: orphans[0]!, waitedMs };
        this.result.waits.push(wait);
        this.emit({ kind: 'waiting', wait });
      }
      if (waitedMs > budgetMs) {
        const o = orphans[0]!;
        throw new DatabaseError(`a migration statement of an earlier run is still running (pid ${o.pid}); nothing was migrated`, {
          reason: `state ${o.state ?? '?'} since ${o.since ?? '?'}: ${o.query ?? ''}`,
          hint: `Wait for it to end, or stop it: SELECT pg_cancel_backend(${o.pid});`,
        });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** --plan --sql: each pending revision's upgrade as offline SQL, through env.py. */
  private async offlineSql(): Promise<void> {
    const items = this.result.plan.map((p) => ({ revision: p.revision, parents: this.graph.nodes.get(p.revision)?.downRevisions ?? [] }));
    if (items.length === 0) return;
    const r = await this.helper!.bridge.request({ op: 'offline', revisions: items }, 600_000);
    const results = (r.results as { revision: string; ok: boolean; sql?: string; error?: HelperError }[] | undefined) ?? [];
    if (!r.ok && results.length === 0) throw this.helper!.envError(r.error!, 'rendering the offline SQL (env.py in offline mode)');
    const byRev = new Map(results.map((x) => [x.revision, x]));
    for (const p of this.result.plan) {
      const x = byRev.get(p.revision);
      if (x?.ok === true) p.sql = x.sql ?? '';
      else if (x?.error !== undefined) p.sqlError = failureMessage(x.error);
    }
  }
}

/** Run `migrate`; environment problems are thrown as GuardErrors (exit 2). Releases everything, also on Ctrl-C. */
export async function runMigrate(project: Project, options: MigrateOptions = {}): Promise<MigrateResult> {
  return withSignalCleanup(() => new MigrateRun(project, options).run());
}
