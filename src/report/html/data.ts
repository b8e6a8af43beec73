/**
 * The data the report's script reads (a JSON block in the page): every revision with its details,
 * the drawing's nodes, the findings with their source lines, and, when the database checks ran, each
 * check's outcome at each revision. Pure apart from `context.sourceLine`.
 */
import type { CheckResult, Finding, Severity } from '../../model.js';
import type { TraceRevision } from '../../checks/trace.js';
import type { Report, ReportContext, ReportRevision } from '../types.js';
import type { GraphDrawing } from './layout.js';

export type CheckOutcome = { check: string; status: 'passed' | 'failed' | 'info' | 'skipped' | 'elsewhere'; message: string };

export type ClientFinding = Pick<Finding, 'rule' | 'severity' | 'message' | 'file' | 'line' | 'column' | 'revision' | 'fix'> & {
  /** Source lines around the finding: [line number, text, part of the finding (1) or context (0)]. */
  source?: [number, string, 0 | 1][];
};

export interface ClientRevision {
  file: string;
  message: string;
  down: string[];
  dependsOn: string[];
  labels: string[];
  children: string[];
  head: boolean;
  base: boolean;
  selected: boolean;
  /** The drawing's node that shows it. */
  node: string;
  sql?: string;
  sqlError?: string;
  checks?: CheckOutcome[];
}

export interface ClientData {
  revisions: Record<string, ClientRevision>;
  nodes: Record<string, { kind: string; revisions: string[] }>;
  findings: ClientFinding[];
  trace?: Record<string, TraceRevision>;
  /** Whether the database checks ran (else there is no offline SQL to show). */
  runtime: boolean;
}

const MAX_SOURCE_LINES = 12;

function sourceOf(f: Finding, context: ReportContext): ClientFinding['source'] {
  if (f.file === undefined || f.line === undefined || context.sourceLine === undefined) return undefined;
  const last = Math.min(Math.max(f.endLine ?? f.line, f.line), f.line + MAX_SOURCE_LINES - 3);
  const lines: [number, string, 0 | 1][] = [];
  for (let n = Math.max(1, f.line - 1); n <= last + 1; n++) {
    const text = context.sourceLine(f.file, n);
    if (text === undefined) {
      if (n >= f.line) break;
      continue;
    }
    lines.push([n, text, n >= f.line && n <= last ? 1 : 0]);
  }
  return lines.length > 0 ? lines : undefined;
}

/**
 * Each database check's outcome at one revision, from the check's status and its findings there.
 * A rule that several checks report (`upgrade-failed`: upgrade from scratch and the up/down walk)
 * counts for those of them that failed, or for all of them when none did.
 */
export function revisionOutcomes(checks: readonly CheckResult[], findings: readonly Finding[], checkRules: Readonly<Record<string, readonly string[]>>): (revision: string) => CheckOutcome[] {
  const ran = checks.filter((c) => checkRules[c.id] !== undefined);
  const owners = (rule: string): string[] => {
    const all = ran.filter((c) => checkRules[c.id]!.includes(rule));
    const failed = all.filter((c) => c.status === 'failed');
    return (failed.length > 0 ? failed : all).map((c) => c.id);
  };
  const at = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.revision === undefined) continue;
    for (const check of owners(f.rule)) {
      const key = `${check}\0${f.revision}`;
      const list = at.get(key);
      if (list) list.push(f);
      else at.set(key, [f]);
    }
  }
  return (revision) =>
    ran.map((c): CheckOutcome => {
      const here = at.get(`${c.id}\0${revision}`);
      if (here !== undefined) {
        const status = here.some((f) => f.severity !== 'info') ? 'failed' : 'info';
        return { check: c.id, status, message: here.map((f) => f.message).join('\n') };
      }
      if (c.status === 'failed') return { check: c.id, status: 'elsewhere', message: `no finding at this revision; the check failed: ${c.message}` };
      return { check: c.id, status: c.status, message: c.message };
    });
}

export function clientData(report: Report, revisions: readonly ReportRevision[], drawing: GraphDrawing, context: ReportContext): ClientData {
  const nodeOf = new Map<string, string>();
  const nodes: ClientData['nodes'] = {};
  for (const n of drawing.nodes) {
    nodes[n.id] = { kind: n.kind, revisions: n.revisions };
    for (const r of n.revisions) nodeOf.set(r, n.id);
  }
  const children = new Map<string, string[]>();
  for (const r of revisions) {
    for (const p of new Set(r.downRevisions)) {
      const list = children.get(p);
      if (list) list.push(r.revision);
      else children.set(p, [r.revision]);
    }
  }
  const runtime = report.checkRules !== undefined && report.checks.some((c) => report.checkRules![c.id] !== undefined);
  const outcomes = runtime ? revisionOutcomes(report.checks, report.findings, report.checkRules!) : undefined;
  const out: ClientData['revisions'] = {};
  for (const r of revisions) {
    out[r.revision] = {
      file: r.file,
      message: r.message,
      down: r.downRevisions,
      dependsOn: r.dependsOn,
      labels: r.branchLabels,
      children: children.get(r.revision) ?? [],
      head: r.head,
      base: r.base,
      selected: r.selected,
      node: nodeOf.get(r.revision)!,
      ...(r.offlineSql?.sql !== undefined ? { sql: r.offlineSql.sql } : {}),
      ...(r.offlineSql?.error !== undefined ? { sqlError: r.offlineSql.error } : {}),
      ...(outcomes !== undefined ? { checks: outcomes(r.revision) } : {}),
    };
  }
  // In history order (newest first, as the graph reads from the top); project-wide findings last.
  const position = new Map(revisions.map((r, i) => [r.revision, i]));
  const at = (f: Finding) => (f.revision === undefined ? revisions.length + 1 : (position.get(f.revision) ?? revisions.length));
  const ordered = report.findings.map((f, i) => ({ f, i })).sort((a, b) => at(a.f) - at(b.f) || a.i - b.i);
  const findings = ordered.map(({ f }): ClientFinding => {
    const source = sourceOf(f, context);
    return {
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      ...(f.file !== undefined ? { file: f.file } : {}),
      ...(f.line !== undefined ? { line: f.line } : {}),
      ...(f.column !== undefined ? { column: f.column } : {}),
      ...(f.revision !== undefined ? { revision: f.revision } : {}),
      ...(f.fix !== undefined ? { fix: f.fix } : {}),
      ...(source !== undefined ? { source } : {}),
    };
  });
  const trace = report.trace !== undefined ? Object.fromEntries(report.trace.revisions.map((t) => [t.revision, t])) : undefined;
  return { revisions: out, nodes, findings, runtime, ...(trace !== undefined ? { trace } : {}) };
}
