/**
 * trace: what each revision's upgrade did to a live database, observed during the walk's up pass
 * (walk.ts): every statement with the Python line that issued it, the relation locks it added and
 * how long they stayed held, the tables and indexes it rewrote, and whether the revision still
 * works once its tables hold rows.
 *
 * Findings: fails-on-existing-rows, blocking-lock-observed, table-rewrite-observed. Where a static
 * operation finding already covers the statement (same file, its line inside the finding's lines),
 * the static finding is marked confirmed instead of a second report; the per-revision report says
 * which static findings the trace confirmed, which it did not observe (on this server version), and
 * which dangers only the trace saw.
 */
import type { Finding } from '../model.js';
import failsOnExistingRows from '../rules/fails-on-existing-rows.js';
import blockingLockObserved from '../rules/blocking-lock-observed.js';
import tableRewriteObserved from '../rules/table-rewrite-observed.js';
import { oneLine, type RunContext } from './context.js';
import { loadSqlParser, operationsFromSql } from '../ops/from-sql.js';
import type { FastWalk, TracedStatement } from './walk.js';
import type { CheckOutcome, DatabaseCheck } from './types.js';

export const traceCheck: DatabaseCheck = { id: 'trace', title: 'lock trace', rules: [failsOnExistingRows, blockingLockObserved, tableRewriteObserved] };

/** The rules the trace reports (judged, like operation rules, only on the revisions that are linted). */
export const TRACE_RULE_IDS: ReadonlySet<string> = new Set(traceCheck.rules.map((r) => r.id));

/** Static rules whose danger the trace can observe, and what it would see. */
export const OBSERVABLE: Record<string, 'lock' | 'rewrite' | 'rows'> = {
  'require-concurrent-index-creation': 'lock',
  'require-concurrent-index-deletion': 'lock',
  'require-concurrent-reindex': 'lock',
  'adding-foreign-key-constraint': 'lock',
  'constraint-missing-not-valid': 'lock',
  'disallowed-unique-constraint': 'lock',
  'adding-primary-key-constraint': 'lock',
  'ban-drop-column': 'lock',
  'ban-drop-table': 'lock',
  'ban-drop-not-null': 'lock',
  'ban-truncate-cascade': 'lock',
  'renaming-column': 'lock',
  'renaming-table': 'lock',
  'rename-via-drop-add': 'lock',
  'adding-field-with-default': 'rewrite',
  'changing-column-type': 'rewrite',
  'adding-not-nullable-field': 'rows',
  'adding-required-field': 'rows',
};

const BLOCKING: Record<string, { name: string; blocks: string }> = {
  AccessExclusiveLock: { name: 'ACCESS EXCLUSIVE', blocks: 'reads and writes' },
  ExclusiveLock: { name: 'EXCLUSIVE', blocks: 'writes (and SELECT … FOR UPDATE)' },
  ShareRowExclusiveLock: { name: 'SHARE ROW EXCLUSIVE', blocks: 'writes' },
  ShareLock: { name: 'SHARE', blocks: 'writes' },
};

/** Strongest first. */
const STRENGTH = ['AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock'];

const MODE_NAMES: Record<string, string> = {
  AccessShareLock: 'ACCESS SHARE',
  RowShareLock: 'ROW SHARE',
  RowExclusiveLock: 'ROW EXCLUSIVE',
  ShareUpdateExclusiveLock: 'SHARE UPDATE EXCLUSIVE',
  ...Object.fromEntries(Object.entries(BLOCKING).map(([k, v]) => [k, v.name])),
};

/** The trace as the JSON report carries it (docs/json-format.md, `trace`). */
export interface TraceReport {
  /** `PostgreSQL 18.4`: the verdicts follow this server. */
  server: string;
  serverVersionNum: number;
  /** Rows generated per table before each revision (0: none). */
  rowsPerTable: number;
  revisions: TraceRevision[];
}

export interface TraceRevision {
  revision: string;
  file?: string;
  statements: TraceStatementReport[];
  /** Tables that got generated rows before this revision. */
  seeded?: { table: string; rows: number }[];
  /** Tables whose rows could not be generated, and why. */
  skipped?: { table: string; reason: string }[];
  /** Static findings the trace observed (rule, line). */
  confirmed: { rule: string; line?: number }[];
  /** Static findings of rules the trace can observe, at lines where it saw nothing. */
  notObserved: { rule: string; line?: number; reason: string }[];
  /** Dangers only the trace saw: no static finding covers the statement. */
  traceOnly: { rule: string; line?: number }[];
}

export interface TraceStatementReport {
  sql: string;
  line?: number;
  function?: string;
  durationMs: number;
  /** Index of the revision's transaction the statement ran in. */
  transaction: number;
  autocommit?: boolean;
  locks: { relation: string; mode: string; blocks?: string; preexisting: boolean; heldMs?: number; heldUntilStatement?: number }[];
  rewrites: { relation: string; kind: 'table' | 'index' }[];
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

function serverName(num: number): string {
  const major = Math.floor(num / 10000);
  return `PostgreSQL ${major}.${num % 100}`;
}

function ms(n: number | undefined): string {
  if (n === undefined) return '?';
  return n < 1 ? `${n.toFixed(2)} ms` : n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`;
}

function short(sql: string, max = 80): string {
  return oneLine(sql, max);
}

export interface TraceJudgeOptions {
  staticFindings: readonly Finding[];
  /** The revision files to judge (baseline, skip_revisions, --since); undefined: all. */
  linted: ReadonlySet<string> | undefined;
  serverVersionNum: number;
  rowsPerTable: number;
  /** Statements were traced (not only rows generated). */
  traced: boolean;
}

/**
 * SHARE ROW EXCLUSIVE matters when the statement scans existing rows under it: a foreign key or
 * check constraint added without NOT VALID to a table that existed before. The same lock from a
 * NOT VALID constraint, a trigger, or a new table's foreign key on its parent is brief. Read with
 * PostgreSQL's own parser (the SQL front end).
 */
function validates(sql: string, locks: TracedStatement['locks']): boolean {
  let ops: ReturnType<typeof operationsFromSql>;
  try {
    ops = operationsFromSql(sql);
  } catch {
    return true;
  }
  const existing = new Set(locks.filter((l) => l.preexisting).map((l) => l.relation));
  const name = (t: { schema?: string | null; name: string }): string => (t.schema !== undefined && t.schema !== null && t.schema !== 'public' ? `${t.schema}.${t.name}` : t.name);
  return ops.some((op) => {
    if (op.kind === 'add-constraint') return !op.constraint.notValid && ['foreign-key', 'check'].includes(op.constraint.type) && existing.has(name(op.table));
    return op.kind === 'unanalyzable';
  });
}

export async function judgeTrace(
  ctx: RunContext,
  walk: FastWalk,
  { staticFindings, linted, serverVersionNum, rowsPerTable, traced }: TraceJudgeOptions,
): Promise<{ outcome: CheckOutcome; report: TraceReport; confirmed: { rule: string; file?: string; line?: number }[] }> {
  // the SQL parser only when a statement took SHARE ROW EXCLUSIVE on an existing table
  if (walk.traces.some((t) => t.statements.some((s) => s.locks.some((l) => l.mode === 'ShareRowExclusiveLock' && l.preexisting)))) await loadSqlParser();
  const confirmed: { rule: string; file?: string; line?: number }[] = [];
  const report: TraceReport = { server: serverName(serverVersionNum), serverVersionNum, rowsPerTable, revisions: [] };
  let locks = 0;
  let rewrites = 0;
  let rowFailures = 0;
  const server = report.server;
  // the static rules judged for postgres_version; a different server can explain what it did not see
  const configured = ctx.project.settings.postgresVersion;
  const versionNote =
    configured !== undefined && configured !== Math.floor(serverVersionNum / 10000) ? ` (the static rules judge for postgres_version = ${configured})` : '';
  const byFile = new Map<string, Finding[]>();
  for (const f of staticFindings) {
    if (f.file === undefined || OBSERVABLE[f.rule] === undefined) continue;
    let list = byFile.get(f.file);
    if (list === undefined) byFile.set(f.file, (list = []));
    list.push(f);
  }
  // A statement's frame line is where its op.* call starts; a static finding may point inside
  // the call (the sa.Column of an add_column): the call's whole range counts.
  const callRanges = new Map<string, { line: number; endLine: number }[]>();
  for (const node of ctx.graph.nodes.values()) {
    const f = ctx.rel(node.file.absPath);
    if (f === undefined) continue;
    // a batch_alter_table block runs its statements when the block ends: the frame is at the with
    const ranges = node.file.opCalls.map((c) => (c.batch !== undefined ? { line: c.batch.loc.line, endLine: c.loc.endLine } : { line: c.loc.line, endLine: c.loc.endLine }));
    callRanges.set(f, ranges);
  }
  const rangeOf = (file: string, line: number): { line: number; endLine: number } => {
    const calls = (callRanges.get(file) ?? []).filter((c) => line >= c.line && line <= c.endLine);
    if (calls.length === 0) return { line, endLine: line };
    return { line: Math.min(...calls.map((c) => c.line)), endLine: Math.max(...calls.map((c) => c.endLine)) };
  };
  const covering = (file: string | undefined, line: number | null): Finding[] => {
    if (file === undefined || line === null) return [];
    const r = rangeOf(file, line);
    return (byFile.get(file) ?? []).filter((f) => f.line !== undefined && f.line <= r.endLine && (f.endLine ?? f.line) >= r.line);
  };

  for (const t of walk.traces) {
    const rev = t.revision;
    const file = ctx.revisionFile(rev);
    if (linted !== undefined && file !== undefined && !linted.has(file)) continue;
    const entry: TraceRevision = {
      revision: rev,
      ...(file !== undefined ? { file } : {}),
      statements: [],
      ...(t.rows !== undefined && t.rows.seeded.length > 0 ? { seeded: t.rows.seeded } : {}),
      ...(t.rows !== undefined && t.rows.skipped.length > 0 ? { skipped: t.rows.skipped } : {}),
      confirmed: [],
      notObserved: [],
      traceOnly: [],
    };
    // lines where the trace saw each kind of danger: a finding is "seen" only by its own kind (a
    // lock at the line of a rewrite finding is not the rewrite)
    const observedLines: Record<'lock' | 'rewrite' | 'rows', Set<number>> = { lock: new Set(), rewrite: new Set(), rows: new Set() };
    const confirm = (f: Finding): void => {
      if (!confirmed.some((c) => c.rule === f.rule && c.file === f.file && c.line === f.line)) {
        confirmed.push({ rule: f.rule, ...(f.file !== undefined ? { file: f.file } : {}), ...(f.line !== undefined ? { line: f.line } : {}) });
        entry.confirmed.push({ rule: f.rule, ...(f.line !== undefined ? { line: f.line } : {}) });
      }
    };
    t.statements.forEach((s: TracedStatement, index: number) => {
      entry.statements.push({
        sql: s.sql,
        ...(s.line !== null ? { line: s.line } : {}),
        ...(s.function !== null ? { function: s.function } : {}),
        durationMs: s.ms,
        transaction: s.txn,
        ...(s.autocommit === true ? { autocommit: true } : {}),
        locks: s.locks.map((l) => ({
          relation: l.relation,
          mode: MODE_NAMES[l.mode] ?? l.mode,
          ...(BLOCKING[l.mode] !== undefined ? { blocks: BLOCKING[l.mode]!.blocks } : {}),
          preexisting: l.preexisting,
          ...(l.heldMs !== undefined ? { heldMs: l.heldMs } : {}),
          ...(l.until !== undefined ? { heldUntilStatement: l.until } : {}),
        })),
        rewrites: s.rewrites,
      });
      const line = s.line;
      const blocking = s.locks
        .filter((l) => BLOCKING[l.mode] !== undefined && l.preexisting && ['r', 'p', 'm'].includes(l.kind))
        .sort((x, y) => STRENGTH.indexOf(x.mode) - STRENGTH.indexOf(y.mode));
      const rewritten = s.rewrites;
      if (blocking.length === 0 && rewritten.length === 0) return;
      if (line !== null && blocking.length > 0) observedLines.lock.add(line);
      if (line !== null && rewritten.length > 0) observedLines.rewrite.add(line);
      const covered = covering(file, line);
      const covers = (kinds: string[]): Finding[] => covered.filter((f) => kinds.includes(OBSERVABLE[f.rule]!));
      if (blocking.length > 0) covers(['lock']).forEach(confirm);
      if (rewritten.length > 0) covers(['rewrite']).forEach(confirm);
      const strongest = blocking[0];
      const later = strongest?.until !== undefined ? t.statements.slice(index + 1, strongest.until + 1) : [];
      // What makes a lock matter is work on existing data under it: the statement's own (an index
      // build, a validation, a rewrite) or later statements' on tables that existed before. An
      // instant ALTER TABLE alone takes ACCESS EXCLUSIVE (the wait behind other queries is
      // require-lock-timeout's); a new table's foreign key takes SHARE ROW EXCLUSIVE on its parent
      // without scanning anything.
      const laterWork = later.filter((x) => x.locks.some((l) => l.preexisting && ['r', 'p', 'm'].includes(l.kind)));
      const worth =
        strongest !== undefined &&
        (rewritten.length > 0 ||
          laterWork.length > 0 ||
          strongest.mode === 'ShareLock' ||
          strongest.mode === 'ExclusiveLock' ||
          (strongest.mode === 'ShareRowExclusiveLock' && validates(s.sql, s.locks)));
      if (strongest !== undefined && worth && covers(['lock', 'rewrite', 'rows']).length === 0) {
        locks++;
        const mode = BLOCKING[strongest.mode]!;
        const tables = [...new Set(blocking.filter((l) => l.mode === strongest.mode).map((l) => l.relation))].join(', ');
        ctx.add({
          rule: 'blocking-lock-observed',
          message:
            `${short(s.sql)} took ${mode.name} on ${tables} (blocks ${mode.blocks}) and held it ${ms(strongest.heldMs)} in the trace, until the end of its transaction` +
            (laterWork.length > 0 ? `; ${laterWork.length} later statement${laterWork.length === 1 ? '' : 's'} on existing tables ran while it was held: ${laterWork.slice(0, 3).map((x) => short(x.sql, 50)).join('; ')}${laterWork.length > 3 ? ' …' : ''}` : '') +
            ` (observed on ${server}).`,
          file,
          ...(line !== null ? { line } : {}),
          revision: rev,
          fix: 'Keep the lock short and alone: set lock_timeout, run slow work (backfills, index builds) outside the transaction that takes it, and prefer the forms that lock less (CREATE INDEX CONCURRENTLY in an autocommit block, constraints NOT VALID then VALIDATE).',
        });
        entry.traceOnly.push({ rule: 'blocking-lock-observed', ...(line !== null ? { line } : {}) });
      }
      if (rewritten.length > 0 && covers(['rewrite']).length === 0) {
        rewrites++;
        const tables = rewritten.filter((r) => r.kind === 'table').map((r) => r.relation);
        const indexes = rewritten.filter((r) => r.kind === 'index').map((r) => r.relation);
        const what = [tables.length > 0 ? `table ${tables.join(', ')}` : undefined, indexes.length > 0 ? `index${indexes.length === 1 ? '' : 'es'} ${indexes.join(', ')}` : undefined].filter((x) => x !== undefined).join(' and ');
        ctx.add({
          rule: 'table-rewrite-observed',
          message: `${short(s.sql)} rewrote ${what}, which existed before ${rev}: every row is copied under an ACCESS EXCLUSIVE lock (observed on ${server}).`,
          file,
          ...(line !== null ? { line } : {}),
          revision: rev,
          fix: 'Avoid the rewrite: a type change that keeps the binary format (varchar growth, text), a new column filled in batches and swapped in, or a default that is a constant (PostgreSQL 11+).',
        });
        entry.traceOnly.push({ rule: 'table-rewrite-observed', ...(line !== null ? { line } : {}) });
      }
    });
    if (t.withRows !== undefined) {
      rowFailures++;
      const err = t.withRows;
      const seeded = t.rows?.seeded ?? [];
      const covered = covering(file, err.line ?? null).filter((f) => OBSERVABLE[f.rule] === 'rows');
      covered.forEach(confirm);
      if (err.line !== undefined && err.line !== null) observedLines.rows.add(err.line);
      if (covered.length === 0) {
        ctx.stepFinding(
          'fails-on-existing-rows',
          err,
          `upgrade of ${rev} passes on empty tables but fails once they hold rows (${rowsPerTable} generated in each table that existed before it${seeded.length > 0 ? `: ${seeded.map((s) => s.table).join(', ')} got theirs right before it` : ''})`,
          'Make the upgrade work on the data production has: add NOT NULL columns as nullable (or with a server default), backfill, then set NOT NULL; clean up duplicates before a unique index; give casts a USING that handles every value.',
        );
        entry.traceOnly.push({ rule: 'fails-on-existing-rows', ...(err.line !== undefined && err.line !== null ? { line: err.line } : {}) });
      }
    }
    // what the static reading expected here and the trace did not see
    const upOk = walk.cycles.find((c) => c.revision === rev)?.up?.ok === true;
    if (upOk && file !== undefined && traced) {
      for (const f of byFile.get(file) ?? []) {
        if (f.line === undefined) continue;
        const kind = OBSERVABLE[f.rule]!;
        const seen = [...observedLines[kind]].some((l) => l >= f.line! && l <= (f.endLine ?? f.line!));
        if (seen || entry.confirmed.some((c) => c.rule === f.rule && c.line === f.line)) continue;
        const tracedHere = t.statements.some((s) => s.line !== null && s.line >= f.line! && s.line <= (f.endLine ?? f.line!));
        entry.notObserved.push({
          rule: f.rule,
          line: f.line,
          reason: !tracedHere
            ? 'no statement ran at these lines in the trace'
            : kind === 'rows'
              ? `it passed with ${rowsPerTable} rows in each table that existed before (${server})`
              : kind === 'rewrite'
                ? `no table or index was rewritten on ${server}${versionNote}`
                : t.statements.some((s) => s.line !== null && s.line >= f.line! && s.line <= (f.endLine ?? f.line!) && s.autocommit === true)
                  ? 'it ran in an autocommit block (its locks last only while it runs)'
                  : `no blocking lock on a table that existed before, on ${server}${versionNote}`,
        });
      }
    }
    report.revisions.push(entry);
  }
  for (const w of walk.downWithRows) {
    const file = ctx.revisionFile(w.revision);
    if (linted !== undefined && file !== undefined && !linted.has(file)) continue;
    rowFailures++;
    ctx.stepFinding(
      'fails-on-existing-rows',
      w.error,
      `downgrade of ${w.revision} passes on empty tables but fails once they hold rows`,
      'Make the downgrade work on the data production has (a restored NOT NULL or unique constraint needs the data to fit it), or mark the revision irreversible with raise NotImplementedError.',
    );
  }
  const parts = [
    `${plural(walk.traces.reduce((n, t) => n + t.statements.length, 0), 'statement')} of ${plural(walk.traces.length, 'revision')} traced on ${server}`,
    rowsPerTable > 0 ? `${rowsPerTable} rows per pre-existing table` : 'no generated rows',
    locks > 0 ? `${locks} blocking lock${locks === 1 ? '' : 's'}` : undefined,
    rewrites > 0 ? `${rewrites} rewrite${rewrites === 1 ? '' : 's'}` : undefined,
    rowFailures > 0 ? `${rowFailures} failing with rows` : undefined,
    confirmed.length > 0 ? `${confirmed.length} static finding${confirmed.length === 1 ? '' : 's'} confirmed` : undefined,
    walk.savepoints ? 'env.py holds one transaction around all revisions: locks accumulate across revisions' : undefined,
  ].filter((p) => p !== undefined);
  return { outcome: { status: rowFailures > 0 ? 'failed' : 'passed', message: parts.join('; ') }, report, confirmed };
}
