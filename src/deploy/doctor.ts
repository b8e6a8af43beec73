/**
 * `alembic-guard doctor`: explain the database's state against the scripts, and the command that
 * fixes it. Never writes to the database it inspects: one READ ONLY transaction (the version table,
 * the tables, the schema snapshot), rolled back. To tell which revision a schema is at, the scripts
 * are replayed revision by revision through env.py (the helper's `upgrade` request) on a throwaway
 * embedded PostgreSQL, with a snapshot after each, compared with the database's.
 */
import pg from 'pg';
import type { Project } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import { DatabaseError, redactUrl } from '../errors.js';
import { loadRevisions } from '../engine/load.js';
import { quoteTableName, toPostgresUrl } from '../database/version-table.js';
import { diffSnapshots, takeSnapshot, type SchemaDifference, type Snapshot } from '../database/snapshot/snapshot.js';
import { startEmbeddedPostgres } from '../database/embedded.js';
import { appliedClosure, deployStatus, STATUS_EXIT, type DeployState } from '../workflow/status.js';
import { withSignalCleanup } from '../process/cleanup.js';
import { startDeployHelper } from './helper.js';
import { findRevisionInGit, type RevisionOrigin } from './git-history.js';
import { failureMessage } from './migrate.js';
import type { HelperError } from '../python/bridge.js';

export interface DoctorOptions {
  databaseUrl: string;
  /** `[schema.]name` (default alembic_version). */
  versionTable?: string;
  python?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  cache?: boolean;
  /** Replay the scripts on a throwaway database to compare schemas (default true). */
  replay?: boolean;
  onProgress?: (message: string) => void;
  onLog?: (line: string) => void;
}

export type DiagnosisKind =
  | 'at-head'
  | 'behind'
  | 'unknown-revision'
  | 'empty-database'
  | 'schema-without-version-table'
  | 'stale-version'
  | 'schema-differs'
  | 'half-applied'
  | 'stale-rows'
  | 'branch-heads'
  | 'replay-failed';

export interface Diagnosis {
  kind: DiagnosisKind;
  /** One sentence. */
  summary: string;
  /** Supporting lines: differences, statements, the git origin. */
  details: string[];
  /** The commands (or SQL) that fix it, in order. */
  next: string[];
  /** The revisions (heads) the schema matches or is nearest to. */
  matches?: { revisions: string[]; exact: boolean; differences: number };
  origin?: RevisionOrigin;
  tookEffect?: string[];
  notApplied?: string[];
}

export interface DoctorResult {
  database: string;
  versionTable: string;
  state: DeployState;
  current: string[];
  heads: string[];
  pending: string[];
  userTables: string[];
  diagnoses: Diagnosis[];
  /** Revisions replayed on the throwaway database (0 without replay). */
  replayed: number;
  exitCode: number;
}

interface Production {
  rows: string[] | null;
  userTables: string[];
  snapshot: Snapshot;
}

export const USER_TABLES_SQL = `SELECT n.nspname || '.' || c.relname AS name
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1`;

/** Everything doctor reads from the database, in one READ ONLY transaction that is rolled back. */
async function readProduction(url: string, table: string): Promise<Production> {
  const quoted = quoteTableName(table);
  const qualified = table.includes('.') ? table : `public.${table}`;
  const client = new pg.Client({ connectionString: url, application_name: 'alembic-guard doctor', connectionTimeoutMillis: 15_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    throw new DatabaseError(`cannot connect to ${redactUrl(url)}`, { reason: redactUrl((e as Error).message), hint: 'Check the host, port, user, password and database name in --database-url.' });
  }
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const exists = (await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [quoted])).rows[0]?.t;
    const rows = exists !== null && exists !== undefined ? (await client.query<{ v: string }>(`SELECT version_num AS v FROM ${quoted} ORDER BY version_num`)).rows.map((r) => r.v) : null;
    const userTables = (await client.query<{ name: string }>(USER_TABLES_SQL)).rows.map((r) => r.name).filter((t) => t !== qualified);
    const snapshot = await takeSnapshot(client);
    await client.query('ROLLBACK');
    return { rows, userTables, snapshot };
  } catch (e) {
    if (e instanceof DatabaseError) throw e;
    throw new DatabaseError(`cannot read the database's state (${table}, the catalog)`, {
      reason: redactUrl((e as Error).message),
      hint: 'doctor needs SELECT on the version table and read access to the system catalogs; pass --version-table when env.py sets version_table.',
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface ReplayState {
  /** The revision just applied (undefined for the empty database). */
  revision?: string;
  heads: string[];
  snapshot: Snapshot;
}

/** Upgrade a throwaway database one revision at a time, in `order`, with a snapshot after each. */
async function replay(project: Project, order: string[], options: DoctorOptions): Promise<{ states: ReplayState[]; failure?: { revision: string; message: string } }> {
  const server = await startEmbeddedPostgres({ env: options.env, onLog: options.onLog });
  try {
    const db = await server.freshDatabase();
    const helper = await startDeployHelper(project, { python: options.python, cwd: options.cwd, env: options.env, databaseUrl: server.urlFor(0), onLog: options.onLog });
    try {
      const states: ReplayState[] = [{ heads: [], snapshot: await takeSnapshot(db.client) }];
      for (const [i, rev] of order.entries()) {
        options.onProgress?.(`replaying ${rev} (${i + 1}/${order.length}) on a throwaway database`);
        const r = await helper.bridge.request({ op: 'upgrade', target: rev }, 600_000);
        if (!r.ok) {
          const err = r.error as HelperError;
          if (err.kind !== 'step') throw helper.envError(err, `replaying ${rev} on a throwaway database`);
          return { states, failure: { revision: rev, message: failureMessage(err) } };
        }
        const vt = (r.version_table as [string, string | null] | undefined) ?? ['alembic_version', null];
        const heads = (await db.client.query<{ v: string }>(`SELECT version_num AS v FROM ${quoteTableName(vt[1] !== null ? `${vt[1]}.${vt[0]}` : vt[0])} ORDER BY 1`)).rows.map((x) => x.v);
        states.push({ revision: rev, heads, snapshot: await takeSnapshot(db.client) });
      }
      return { states };
    } finally {
      await helper.close();
    }
  } finally {
    await server.stop();
  }
}

const identity = (d: SchemaDifference): string => `${d.kind}|${d.objectType}|${d.parent?.name ?? ''}|${d.name}`;

/** A difference from the scripts' schema (`expected`) to the database's, in words. */
function differenceLine(d: SchemaDifference, at: string): string {
  if (d.kind === 'added') return `${d.subject}: in the database, not in the scripts at ${at}`;
  if (d.kind === 'removed') return `${d.subject}: missing from the database (the scripts create it by ${at})`;
  return `${d.subject}: differs from the scripts at ${at}: ${d.detail ?? ''}`;
}

function label(state: ReplayState): string {
  return state.heads.length === 0 ? 'base (empty database)' : state.heads.join(', ');
}

function stamp(state: ReplayState): string {
  return `alembic stamp ${state.heads.length === 0 ? 'base' : state.heads.join(' ')}`;
}

const MAX_LINES = 15;

function limited(lines: string[]): string[] {
  return lines.length <= MAX_LINES ? lines : [...lines.slice(0, MAX_LINES), `… and ${lines.length - MAX_LINES} more`];
}

function quoted(schemaName: string): string {
  return schemaName.split('.').map((p) => `"${p.replace(/"/g, '""')}"`).join('.');
}

class DoctorRun {
  private graph!: RevisionGraph;
  private readonly diagnoses: Diagnosis[] = [];
  private replayed = 0;

  constructor(
    private readonly project: Project,
    private readonly options: DoctorOptions,
  ) {}

  /** Topological order with the revisions `rows` stand on first: the replay passes through exactly that state. */
  private replayOrder(rows: readonly string[]): string[] {
    const topo = [...this.graph.history].reverse();
    const closure = appliedClosure(this.graph, rows);
    return [...topo.filter((r) => closure.has(r)), ...topo.filter((r) => !closure.has(r))];
  }

  async run(): Promise<DoctorResult> {
    const o = this.options;
    ({ graph: this.graph } = await loadRevisions(this.project, { cache: o.cache ?? true }));
    const url = toPostgresUrl(o.databaseUrl);
    const table = o.versionTable ?? 'alembic_version';
    const prod = await readProduction(url, table);
    const status = deployStatus(this.graph, prod.rows);
    if (prod.rows !== null && prod.rows.length > 1) this.severalRows(prod.rows);
    switch (status.state) {
      case 'unknown-revision':
        for (const rev of status.unknown) this.unknown(rev);
        break;
      case 'no-version-table':
        if (prod.userTables.length === 0) {
          this.add({
            kind: 'empty-database',
            summary: 'The database is empty: no version table and no tables. Alembic has never run here.',
            details: [],
            next: ['alembic-guard migrate'],
          });
        } else await this.compare(prod, [], status.state);
        break;
      default:
        if (prod.rows !== null && prod.rows.length === 0 && prod.userTables.length === 0) {
          this.add({ kind: 'behind', summary: `The version table is empty and there are no tables: ${status.pending.length} revisions to apply.`, details: [], next: ['alembic-guard migrate'] });
        } else await this.compare(prod, status.current, status.state, status.pending);
    }
    const problem = this.diagnoses.some((d) => !['at-head', 'branch-heads'].includes(d.kind));
    const exitCode = status.state === 'unknown-revision' || status.state === 'no-version-table' ? STATUS_EXIT[status.state] : problem ? 1 : 0;
    return {
      database: redactUrl(url),
      versionTable: table,
      state: status.state,
      current: status.current,
      heads: status.heads,
      pending: status.pending,
      userTables: prod.userTables,
      diagnoses: this.diagnoses,
      replayed: this.replayed,
      exitCode,
    };
  }

  private add(d: Diagnosis): void {
    this.diagnoses.push(d);
  }

  /** Several rows: one per branch is right; a row that another row already includes is stale. */
  private severalRows(rows: string[]): void {
    const known = rows.filter((r) => this.graph.nodes.has(r));
    const stale = known.filter((r) => known.some((other) => other !== r && appliedClosure(this.graph, [other]).has(r)));
    const duplicates = rows.filter((r, i) => rows.indexOf(r) !== i);
    if (stale.length > 0 || duplicates.length > 0) {
      const keep = [...new Set(known.filter((r) => !stale.includes(r)))];
      this.add({
        kind: 'stale-rows',
        summary: `alembic_version has ${rows.length} rows (${rows.join(', ')}), but ${[...new Set([...stale, ...duplicates])].join(', ')} ${stale.length + duplicates.length === 1 ? 'is' : 'are'} already included by another row: Alembic keeps one row per branch head.`,
        details: stale.map((r) => `${r} is an ancestor of ${known.find((other) => other !== r && appliedClosure(this.graph, [other]).has(r))}`),
        next: [`alembic stamp --purge ${keep.join(' ')}`],
      });
    } else if (known.length === rows.length) {
      this.add({
        kind: 'branch-heads',
        summary: `alembic_version has ${rows.length} rows, one per branch (${rows.join(', ')}): that is how Alembic records several heads.`,
        details: [],
        next: [],
      });
    }
  }

  private unknown(rev: string): void {
    const origin = findRevisionInGit(this.project.root, rev);
    if (origin === undefined) {
      this.add({
        kind: 'unknown-revision',
        summary: `The database is at ${rev}, which no script here declares, and no commit in this repository's history declares it either (Alembic: "Can't locate revision identified by '${rev}'").`,
        details: ['The database was probably migrated from another repository, or from a branch that was never pushed here.'],
        next: ['Deploy the code that has that revision (or fetch its branch and run `alembic-guard doctor` again to find it).'],
      });
      return;
    }
    const short = origin.commit.slice(0, 12);
    const where = origin.branches.length > 0 ? `on ${origin.branches.length === 1 ? 'branch' : 'branches'} ${origin.branches.join(', ')}` : 'in no branch (only reachable from another ref)';
    const down = origin.downRevisions.filter((r) => this.graph.nodes.has(r));
    this.add({
      kind: 'unknown-revision',
      summary: `The database is at ${rev}, which no script here declares: it comes from ${origin.file}, added in commit ${short} (${origin.date}, "${origin.subject}"), ${where}.`,
      details: [
        `${origin.file} at ${short} declares revision = "${rev}"${origin.downRevisions.length > 0 ? `, down_revision ${origin.downRevisions.join(', ')}${down.length > 0 ? ' (known here)' : ''}` : ''}.`,
      ],
      next: [
        `Deploy the code that has it (${origin.branches[0] ?? short}), or merge that branch here;`,
        down.length > 0
          ? `or undo it with that branch's code (git worktree add ../undo ${origin.branches[0] ?? short} && cd ../undo && alembic downgrade ${down.join(' ')}), then deploy this code.`
          : `or undo it with that branch's code (alembic downgrade -1 from a checkout of ${origin.branches[0] ?? short}), then deploy this code.`,
      ],
      origin,
    });
  }

  /** Replay and compare the schema with what the scripts create. */
  private async compare(prod: Production, rows: string[], state: DeployState, pending: string[] = []): Promise<void> {
    if (this.options.replay === false) {
      this.plainState(state, pending, rows);
      return;
    }
    const order = this.replayOrder(rows);
    const { states, failure } = await replay(this.project, order, this.options);
    this.replayed = states.length - 1;
    if (failure !== undefined) {
      this.add({
        kind: 'replay-failed',
        summary: `Replaying the scripts on a throwaway database stopped at ${failure.revision}: ${failure.message}`,
        details: ['Schemas after that revision could not be compared.'],
        next: ['alembic-guard check (it reports the failing revision with its file and line)'],
      });
    }
    const ignore = (() => {
      const t = this.options.versionTable;
      return t !== undefined && t !== 'alembic_version' ? [t] : [];
    })();
    const diffs = states.map((s) => diffSnapshots(s.snapshot, prod.snapshot, { ignoreTables: ignore }));
    const cur = state === 'no-version-table' ? -1 : appliedClosure(this.graph, rows).size;
    if (cur >= 0 && cur < states.length && diffs[cur]!.length === 0) {
      this.plainState(state, pending, rows, true);
      return;
    }
    const exact = diffs.findIndex((d, i) => d.length === 0 && i > cur);
    if (state === 'no-version-table') {
      const best = exact >= 0 ? exact : this.nearest(diffs);
      const s = states[best]!;
      const at = label(s);
      this.add({
        kind: 'schema-without-version-table',
        summary:
          exact >= 0
            ? `The database has tables but no version table, and its schema is exactly what the scripts create up to ${at} (${best} of ${order.length} revisions): \`alembic upgrade head\` would fail with "relation already exists".`
            : `The database has tables but no version table; its schema is nearest to the scripts at ${at}, with ${diffs[best]!.length} difference${diffs[best]!.length === 1 ? '' : 's'}: \`alembic upgrade head\` would fail with "relation already exists".`,
        details: limited(diffs[best]!.map((d) => differenceLine(d, at))),
        next:
          exact >= 0
            ? [stamp(s), ...(best < order.length ? ['alembic-guard migrate'] : [])]
            : [`Make the schema match the scripts at ${at} (the differences above), then ${stamp(s)}`, ...(best < order.length ? ['alembic-guard migrate'] : [])],
        matches: { revisions: s.heads, exact: exact >= 0, differences: diffs[best]!.length },
      });
      return;
    }
    if (exact >= 0) {
      const s = states[exact]!;
      this.add({
        kind: 'stale-version',
        summary: `alembic_version says ${rows.join(', ')}, but the schema is exactly that of ${label(s)}: upgrading would fail with "relation already exists" (the version table is older than the schema: a restore, or a migration run by hand).`,
        details: [`${exact - cur} revision${exact - cur === 1 ? '' : 's'} after ${rows.join(', ')} already took effect: ${order.slice(cur, exact).join(', ')}.`],
        next: [stamp(s), ...(exact < order.length ? ['alembic-guard migrate'] : [])],
        matches: { revisions: s.heads, exact: true, differences: 0 },
      });
      return;
    }
    if (this.halfApplied(prod, states, diffs, order, cur)) return;
    const best = this.nearest(diffs);
    const s = states[best]!;
    const at = label(s);
    const atCurrent = best === cur;
    this.add({
      kind: 'schema-differs',
      summary: atCurrent
        ? `The database is at ${rows.join(', ')}, but its schema differs from what the scripts create there (${diffs[best]!.length} difference${diffs[best]!.length === 1 ? '' : 's'}): changed by hand, or a migration did more than it says.`
        : `The database says ${rows.join(', ')}; its schema matches no revision exactly, and is nearest to ${at} (${diffs[best]!.length} difference${diffs[best]!.length === 1 ? '' : 's'}).`,
      details: limited(diffs[best]!.map((d) => differenceLine(d, at))),
      next: atCurrent
        ? ['Write a migration for the differences, or revert them by hand; then alembic-guard doctor again.']
        : [`Make the schema match the scripts at ${at} (the differences above), then ${stamp(s)}`],
      matches: { revisions: s.heads, exact: false, differences: diffs[best]!.length },
    });
  }

  private nearest(diffs: SchemaDifference[][]): number {
    let best = 0;
    for (let i = 1; i < diffs.length; i++) if (diffs[i]!.length <= diffs[best]!.length) best = i;
    return best;
  }

  /**
   * The next revision has an autocommit block and part of what it creates is in the database: it
   * stopped half way (each statement of the block committed on its own). Which ones took effect.
   */
  private halfApplied(prod: Production, states: ReplayState[], diffs: SchemaDifference[][], order: string[], cur: number): boolean {
    const next = order[cur];
    if (next === undefined || cur + 1 >= states.length) return false;
    const file = this.graph.nodes.get(next)?.file;
    if (file === undefined || !file.opCalls.some((c) => c.autocommit)) return false;
    const delta = diffSnapshots(states[cur]!.snapshot, states[cur + 1]!.snapshot);
    const present = new Set(diffs[cur]!.map(identity));
    const invalid = new Set(prod.snapshot.indexes.filter((i) => !i.valid).map((i) => `${i.schema}.${i.name}`));
    const invalidOf = (d: SchemaDifference): string | undefined => {
      if (d.objectType !== 'index' || d.kind !== 'added') return undefined;
      const schema = d.parent?.name.includes('.') ? d.parent.name.split('.')[0]! : 'public';
      const key = `${schema}.${d.name}`;
      return invalid.has(key) ? key : undefined;
    };
    const took: string[] = [];
    const left: string[] = [];
    const broken: string[] = [];
    for (const d of delta) {
      if (!present.has(identity(d))) left.push(d.subject);
      else if (invalidOf(d) !== undefined) broken.push(invalidOf(d)!);
      else took.push(d.subject);
    }
    if (took.length === 0 && broken.length === 0) return false;
    const where = `${file.path}`;
    const undo = [
      ...broken.map((i) => `DROP INDEX CONCURRENTLY IF EXISTS ${quoted(i)};  -- left INVALID by the failed CREATE INDEX CONCURRENTLY`),
    ];
    this.add({
      kind: 'half-applied',
      summary: `Revision ${next} (${where}) runs statements in an autocommit block and stopped half way: ${took.length} of ${delta.length} changes took effect${broken.length > 0 ? `, ${broken.length} left an INVALID index` : ''}; alembic_version still says ${states[cur]!.heads.join(', ') || 'base'}.`,
      details: [...took.map((t) => `took effect: ${t}`), ...broken.map((b) => `left INVALID: index ${b}`), ...left.map((l) => `did not take effect: ${l}`)],
      next: [
        ...undo,
        `Then either finish by hand what did not take effect and run \`alembic stamp ${next}\`, or make ${next}'s statements idempotent (CREATE INDEX CONCURRENTLY IF NOT EXISTS …) and run alembic-guard migrate again.`,
      ],
      tookEffect: took,
      notApplied: left,
    });
    return true;
  }

  private plainState(state: DeployState, pending: string[], rows: string[], verified = false): void {
    const checked = verified ? ' Its schema is exactly what the scripts create there.' : '';
    if (state === 'at-head') {
      this.add({ kind: 'at-head', summary: `The database is at head (${rows.join(', ')}).${checked}`, details: [], next: [] });
    } else {
      this.add({
        kind: 'behind',
        summary: `The database is at ${rows.length > 0 ? rows.join(', ') : 'base'}, ${pending.length} revision${pending.length === 1 ? '' : 's'} behind head.${checked}`,
        details: pending.map((r) => `pending: ${r}  ${(this.graph.nodes.get(r)?.file.docstring?.text ?? '').trim().split('\n')[0] ?? ''}`.trimEnd()),
        next: ['alembic-guard migrate'],
      });
    }
  }
}

export async function runDoctor(project: Project, options: DoctorOptions): Promise<DoctorResult> {
  return withSignalCleanup(() => new DoctorRun(project, options).run());
}
