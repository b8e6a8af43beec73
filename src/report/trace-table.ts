/**
 * The lock trace of a revision as table rows, for the text and Markdown reports: only the
 * statements that took a lock on a table that existed before the revision, or rewrote one (the
 * rest is in the JSON report and `alembic-guard trace`). Pure.
 */
import type { TraceReport, TraceRevision } from '../checks/trace.js';

export interface TraceRow {
  line: string;
  durationMs: string;
  statement: string;
  locks: string;
  rewrites: string;
}

function ms(n: number | undefined): string {
  if (n === undefined) return '';
  return n < 10 ? `${n.toFixed(1)} ms` : n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`;
}

export function oneLineSql(sql: string, max = 70): string {
  const t = sql.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function traceRows(revision: TraceRevision): TraceRow[] {
  const rows: TraceRow[] = [];
  for (const s of revision.statements) {
    const locks = s.locks.filter((l) => l.preexisting && l.blocks !== undefined);
    if (locks.length === 0 && s.rewrites.length === 0) continue;
    rows.push({
      line: s.line !== undefined ? String(s.line) : '',
      durationMs: ms(s.durationMs),
      statement: oneLineSql(s.sql),
      locks: locks.map((l) => `${l.mode} ${l.relation}${l.heldMs !== undefined ? ` (held ${ms(l.heldMs)})` : ''}`).join(', '),
      rewrites: s.rewrites.map((r) => `${r.kind} ${r.relation}`).join(', '),
    });
  }
  return rows;
}

/** The trace of the revisions in `revisions` that have rows, by revision. */
export function tracesFor(trace: TraceReport | undefined, revisions: ReadonlySet<string>): Map<string, TraceRow[]> {
  const out = new Map<string, TraceRow[]>();
  for (const r of trace?.revisions ?? []) {
    if (!revisions.has(r.revision)) continue;
    const rows = traceRows(r);
    if (rows.length > 0) out.set(r.revision, rows);
  }
  return out;
}
