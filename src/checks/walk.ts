/**
 * The walk: the migrations applied revision by revision through env.py, in one env.py run (one
 * connection), each step in its own transaction, producing what the checks judge.
 *
 * The fast walk does each revision's upgrade once and its downgrade once:
 *   up    every revision in order: rows into the tables that existed before it (trace.ts), its
 *         upgrade traced (statements, locks, rewrites), then the schema digest (fingerprint-sql.ts)
 *   down  from head, every revision in reverse order: its downgrade, then the digest compared with
 *         the one recorded before its upgrade
 * and relies on `alembic upgrade heads` from an empty database (the upgrade check) for "upgrade
 * again": when every downgrade gave back exactly the schema before its upgrade, upgrading each
 * revision again is the same step on the same schema as its first upgrade. Revisions that the down
 * pass cannot reach (below one that may not be downgraded: irreversible, downgrade_floor,
 * skip_revisions) get upgrade → downgrade → compare → upgrade right away in the up pass.
 *
 * Whenever the fast walk sees something differ (a downgrade that fails, a schema that is not the
 * same, a dynamic irreversible mark), its verdicts are set aside and the legacy walk runs: for each
 * revision, full snapshot, upgrade, downgrade, full snapshot and diff, upgrade again, exactly as
 * the checks always judged, with the messages naming what differs.
 */
import type { HelperError, HelperResponse, PythonBridge } from '../python/bridge.js';
import { diffSnapshots, parseSnapshot, SNAPSHOT_SQL } from '../database/snapshot/snapshot.js';
import { FINGERPRINT_INSTALL_SQL, FINGERPRINT_TRIGGERS_SQL, statementsOf } from '../database/snapshot/fingerprint-sql.js';
import { Stop, type RunContext } from './context.js';
import type { RevisionCycle, StepResult } from './types.js';

/** One statement of a revision's upgrade, as the helper traced it. */
export interface TracedStatement {
  sql: string;
  /** The innermost line of the migration file on the stack when it ran. */
  line: number | null;
  function: string | null;
  ms: number;
  /** Which transaction of the revision it ran in (0, 1 …: autocommit blocks and commits start new ones). */
  txn: number;
  autocommit?: boolean;
  /** Relation locks it added to those the transaction already held. */
  locks: {
    relation: string;
    kind: string;
    mode: string;
    granted: boolean;
    /** The relation existed before the revision. */
    preexisting: boolean;
    /** From the statement's start to the end of its transaction. */
    heldMs?: number;
    /** The last statement (index) that ran while it was held. */
    until?: number;
  }[];
  rewrites: { relation: string; kind: 'table' | 'index' }[];
}

export interface RevisionRows {
  seeded: { table: string; rows: number }[];
  skipped: { table: string; reason: string }[];
}

export interface WalkTrace {
  revision: string;
  statements: TracedStatement[];
  rows?: RevisionRows;
  /** The upgrade failed with the generated rows, and passed without them. */
  withRows?: HelperError;
}

export interface WalkOptions {
  trace: boolean;
  /** Rows per table before each revision (0: none). */
  rows: number;
  /** Only the up pass (the trace of every revision), no downgrades. */
  upOnly?: boolean;
  onRevision?: (rev: string) => void;
  /** Where each pass's time went inside the helper (step, digest, trace, rows). */
  onProfile?: (pass: 'up' | 'down', profile: Record<string, number>, ms: number) => void;
}

export interface FastWalk {
  cycles: RevisionCycle[];
  traces: WalkTrace[];
  /** Downgrades that failed with the generated rows and passed without them. */
  downWithRows: { revision: string; error: HelperError }[];
  /** Why the fast verdicts cannot stand (the legacy walk decides instead). */
  anomaly?: string;
  /** The schema digest at head after the up pass. */
  headDigest?: string;
  /** Where the down pass stopped on purpose: the newest revision it may not downgrade (else base). */
  cut: number;
  incremental: boolean;
  /** env.py owns one transaction around all revisions (steps run in savepoints). */
  savepoints: boolean;
}

interface RevisionEvent extends HelperResponse {
  event: 'revision';
  revision: string;
  notReached?: boolean;
  before?: string;
  digest?: string;
  up?: StepResult;
  down?: StepResult;
  same?: boolean;
  again?: StepResult;
  trace?: TracedStatement[];
  rows?: RevisionRows;
}

/** Start the session (one env.py run) on `bridge`; returns the ready event. */
async function openSession(ctx: RunContext, bridge: PythonBridge, snapshotSql?: string): Promise<HelperResponse> {
  bridge.send({ op: 'session', ...(snapshotSql !== undefined ? { snapshot_sql: snapshotSql } : {}) });
  const ready = await bridge.next(ctx.commandTimeout(1));
  if (!ready.ok || ready.event !== 'ready') {
    throw new Stop(ctx.envError(ready.error ?? { kind: 'protocol', message: `unexpected answer ${JSON.stringify(ready).slice(0, 200)}` }, 'starting env.py for the up/down steps'));
  }
  ctx.noteVersionTable(ready.version_table as [string, string | null] | undefined);
  return ready;
}

async function closeSession(ctx: RunContext, bridge: PythonBridge): Promise<void> {
  const end = await bridge.request({ op: 'end' }, ctx.commandTimeout(1));
  if (!end.ok) throw new Stop(ctx.envError(end.error!, 'finishing env.py after the up/down steps'));
}

/** A request that answers with one event per revision, then its own response. */
async function streamed(ctx: RunContext, bridge: PythonBridge, req: Record<string, unknown>, what: string, onEvent: (e: RevisionEvent) => void): Promise<HelperResponse> {
  const id = bridge.send(req);
  for (;;) {
    const r = await bridge.next((ctx.stepTimeout * 4 + 60) * 1000);
    if (r.event === 'revision' && r.id === id) {
      onEvent(r as RevisionEvent);
      continue;
    }
    if (!r.ok) throw new Stop(ctx.envError(r.error ?? { kind: 'protocol', message: 'no answer' }, what));
    return r;
  }
}

/** The position in the order after which every revision can be downgraded from head (-1: all). */
export function cutOf(ctx: RunContext): number {
  const order = ctx.plan.order;
  let cut = -1;
  order.forEach((rev, i) => {
    if (ctx.plan.noDowngrade.has(rev)) cut = i;
  });
  return cut;
}

export async function fastWalk(ctx: RunContext, bridge: PythonBridge, options: WalkOptions): Promise<FastWalk> {
  const plan = ctx.plan;
  const order = plan.order;
  const cut = cutOf(ctx);
  await openSession(ctx, bridge);
  const installed = await bridge.request(
    {
      op: 'install',
      install_sql: statementsOf(FINGERPRINT_INSTALL_SQL),
      triggers_sql: statementsOf(FINGERPRINT_TRIGGERS_SQL),
      ignore_tables: ctx.versionTables,
      trace: options.trace,
      rows: options.rows,
    },
    ctx.commandTimeout(1),
  );
  if (!installed.ok) throw new Stop(ctx.envError(installed.error!, 'preparing the scratch database'));
  const result: FastWalk = {
    cycles: [],
    traces: [],
    downWithRows: [],
    cut,
    incremental: installed.incremental === true,
    savepoints: installed.savepoints === true,
  };
  const byRev = new Map<string, RevisionCycle>();
  const before = new Map<string, string>();
  const items = order.map((rev, i) => {
    const r = ctx.revisions.get(rev);
    return {
      revision: rev,
      parents: [...(r?.down_revisions ?? []), ...(r?.dependencies ?? [])],
      cycle: i <= cut && !plan.noDowngrade.has(rev),
    };
  });
  const up = await streamed(ctx, bridge, { op: 'walk_up', revisions: items, trace: options.trace, digest: installed.digest }, 'upgrading revision by revision', (e) => {
    options.onRevision?.(e.revision);
    const c: RevisionCycle = { revision: e.revision };
    byRev.set(e.revision, c);
    result.cycles.push(c);
    if (e.notReached === true) {
      c.notReached = true;
      return;
    }
    c.up = e.up;
    ctx.noteDataErrors((e.up as { dataErrors?: unknown } | undefined)?.dataErrors);
    if (e.before !== undefined) before.set(e.revision, e.before);
    if (e.trace !== undefined || e.rows !== undefined || e.up?.withRows !== undefined) {
      result.traces.push({
        revision: e.revision,
        statements: e.trace ?? [],
        ...(e.rows !== undefined ? { rows: e.rows } : {}),
        ...(e.up?.withRows !== undefined ? { withRows: e.up.withRows } : {}),
      });
    }
    if (e.up?.ok !== true) return;
    if (plan.noDowngrade.has(e.revision)) {
      c.untested = true;
      return;
    }
    if (e.down !== undefined) {
      c.down = e.down;
      c.same = e.same;
      c.again = e.again;
      const irreversible = e.down.error?.kind === 'irreversible';
      if (!e.down.ok && !irreversible) result.anomaly ??= `downgrade of ${e.revision} failed`;
      if (e.down.ok && e.same === false) result.anomaly ??= `downgrade of ${e.revision} left the schema different`;
      if (e.again !== undefined && !e.again.ok) result.anomaly ??= `upgrade of ${e.revision} failed again`;
    }
  });
  result.headDigest = up.digest as string | undefined;
  options.onProfile?.('up', up.profile as Record<string, number>, up.ms as number);
  // The down pass, from head to the cut, over the revisions the up pass applied.
  const down = [...order.slice(cut + 1)].reverse().filter((rev) => byRev.get(rev)?.up?.ok === true);
  if (result.anomaly === undefined && down.length > 0 && options.upOnly !== true) {
    const downR = await streamed(ctx, bridge, { op: 'walk_down', revisions: down.map((rev) => ({ revision: rev, expect: before.get(rev) })) }, 'downgrading revision by revision', (e) => {
      const c = byRev.get(e.revision)!;
      c.down = e.down;
      c.same = e.same;
      if (e.down?.withRows !== undefined) result.downWithRows.push({ revision: e.revision, error: e.down.withRows });
      if (e.down?.ok !== true) result.anomaly ??= e.down?.error?.kind === 'irreversible' ? `downgrade of ${e.revision} is irreversible` : `downgrade of ${e.revision} failed`;
      else if (e.same === false) result.anomaly ??= `downgrade of ${e.revision} left the schema different`;
      // upgrading again: the first upgrade's step on the same schema (see the header)
      else c.again = { ok: true };
    });
    options.onProfile?.('down', downR.profile as Record<string, number>, downR.ms as number);
  }
  await closeSession(ctx, bridge);
  return result;
}

/**
 * The legacy walk: for each revision in order, full snapshot, upgrade, downgrade, full snapshot
 * compared, upgrade again, all in one env.py run.
 */
export async function legacyWalk(ctx: RunContext, bridge: PythonBridge, onRevision?: (rev: string) => void): Promise<RevisionCycle[]> {
  const plan = ctx.plan;
  await openSession(ctx, bridge, SNAPSHOT_SQL);
  const failed = new Set<string>();
  const cycles: RevisionCycle[] = [];
  type Cycle = HelperResponse & { up?: StepResult; down?: StepResult; again?: StepResult; same?: boolean; pre?: string; post?: string };
  for (const rev of plan.order) {
    onRevision?.(rev);
    if ([...(plan.ancestors.get(rev) ?? [])].some((a) => failed.has(a))) {
      failed.add(rev);
      cycles.push({ revision: rev, notReached: true });
      continue;
    }
    const testDown = !plan.noDowngrade.has(rev);
    const r = (await bridge.request({ op: 'cycle', revision: rev, test_down: testDown }, (ctx.stepTimeout * 3 + 60) * 1000)) as Cycle;
    if (!r.ok) throw new Stop(ctx.envError(r.error ?? { kind: 'protocol', message: 'no answer for the cycle' }, `checking ${rev}`));
    const c: RevisionCycle = { revision: rev, ...(r.up !== undefined ? { up: r.up } : {}) };
    for (const step of [r.up, r.again]) ctx.noteDataErrors((step as { dataErrors?: unknown } | undefined)?.dataErrors);
    cycles.push(c);
    if (r.up?.ok !== true) {
      failed.add(rev);
      continue;
    }
    if (!testDown) {
      c.untested = true;
      continue;
    }
    if (r.down !== undefined) c.down = r.down;
    if (r.same !== undefined) c.same = r.same;
    if (r.same === false && r.pre !== undefined && r.post !== undefined) {
      c.diffs = diffSnapshots(parseSnapshot(JSON.parse(r.pre)), parseSnapshot(JSON.parse(r.post)), { ignoreTables: ctx.versionTables });
      if (c.diffs.length === 0) c.same = true;
    }
    if (r.again !== undefined) {
      c.again = r.again;
      if (!r.again.ok) failed.add(rev);
    }
  }
  await closeSession(ctx, bridge);
  return cycles;
}
