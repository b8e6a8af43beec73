/**
 * `alembic-guard trace [RANGE]`: the whole lock trace of the selected revisions for a review: every
 * statement each upgrade ran, with its Python line, duration, the relation locks it added (and how
 * long they stayed held) and the rewrites, the rows generated before it, and the trace's findings.
 * Runs the revisions up one at a time on a throwaway database (no downgrades).
 */
import type { Finding, Project } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import type { GuardError } from '../errors.js';
import { runRuntimeChecks, type RuntimeOptions } from './session.js';
import { selectRange } from './offline-sql-command.js';
import type { TraceReport, TraceRevision } from './trace.js';

export interface TraceResult {
  trace?: TraceReport;
  revisions: TraceRevision[];
  findings: Finding[];
  error?: GuardError;
}

export async function traceRevisions(project: Project, graph: RevisionGraph, options: RuntimeOptions & { range?: string } = {}): Promise<TraceResult> {
  const selected = selectRange(options.range, graph);
  const result = await runRuntimeChecks(project, graph, { ...options, only: ['trace'] });
  const revisions = (result.trace?.revisions ?? []).filter((r) => selected === undefined || selected.has(r.revision));
  const findings = result.findings.filter((f) => f.revision !== undefined && (selected === undefined || selected.has(f.revision)));
  return { ...(result.trace !== undefined ? { trace: result.trace } : {}), revisions, findings, ...(result.error !== undefined ? { error: result.error } : {}) };
}

function ms(n: number | undefined): string {
  if (n === undefined) return '?';
  return n < 10 ? `${n.toFixed(2)} ms` : n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(2)} s`;
}

function statementLines(r: TraceRevision): string[] {
  const out: string[] = [];
  r.statements.forEach((s, i) => {
    const where = s.line !== undefined ? `line ${s.line}${s.function !== undefined ? ` (${s.function})` : ''}` : 'not from the migration file';
    out.push(`  [${i}] ${where}, ${ms(s.durationMs)}, transaction ${s.transaction}${s.autocommit === true ? ' (autocommit)' : ''}`);
    for (const l of s.sql.split('\n')) out.push(`      ${l}`);
    for (const l of s.locks) {
      const held = l.heldMs !== undefined ? `, held ${ms(l.heldMs)}${l.heldUntilStatement !== undefined && l.heldUntilStatement > i ? ` through statement ${l.heldUntilStatement}` : ''}` : '';
      out.push(`      lock ${l.mode} on ${l.relation}${l.preexisting ? ' (existed before)' : ' (new)'}${l.blocks !== undefined ? `, blocks ${l.blocks}` : ''}${held}`);
    }
    for (const w of s.rewrites) out.push(`      rewrote ${w.kind} ${w.relation}`);
  });
  return out;
}

export function formatTraceText(result: TraceResult): string {
  if (result.revisions.length === 0) return 'No revisions selected.\n';
  const out: string[] = [`Lock trace on ${result.trace?.server ?? 'PostgreSQL'} (${result.trace?.rowsPerTable ?? 0} generated rows per table that existed before each revision)`, ''];
  for (const r of result.revisions) {
    out.push(`Revision ${r.revision}${r.file !== undefined ? ` (${r.file})` : ''}`);
    if (r.seeded !== undefined) out.push(`  rows before it: ${r.seeded.map((s) => `${s.rows} in ${s.table}`).join(', ')}`);
    if (r.skipped !== undefined) for (const s of r.skipped) out.push(`  no rows for ${s.table}: ${s.reason}`);
    out.push(...statementLines(r));
    for (const f of result.findings.filter((x) => x.revision === r.revision)) out.push(`  ${f.severity} ${f.rule}${f.line !== undefined ? ` at line ${f.line}` : ''}: ${f.message}`);
    for (const c of r.confirmed) out.push(`  confirmed: ${c.rule}${c.line !== undefined ? ` at line ${c.line}` : ''}`);
    for (const n of r.notObserved) out.push(`  not observed: ${n.rule}${n.line !== undefined ? ` at line ${n.line}` : ''} (${n.reason})`);
    out.push('');
  }
  return out.join('\n');
}

export function formatTraceMarkdown(result: TraceResult): string {
  if (result.revisions.length === 0) return '_No revisions selected._\n';
  const cell = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const out: string[] = [`Lock trace on ${result.trace?.server ?? 'PostgreSQL'}`, ''];
  for (const r of result.revisions) {
    out.push(`### \`${r.revision}\`${r.file !== undefined ? ` — \`${r.file}\`` : ''}`, '');
    out.push('| # | Line | Duration | Statement | Locks added | Rewrites |', '| --- | --- | --- | --- | --- | --- |');
    r.statements.forEach((s, i) => {
      const locks = s.locks.map((l) => `${l.mode} ${l.relation}${l.preexisting ? '' : ' (new)'}${l.heldMs !== undefined ? `, held ${ms(l.heldMs)}` : ''}`).join('<br>');
      out.push(`| ${i} | ${s.line ?? ''} | ${ms(s.durationMs)} | ${cell(s.sql.replace(/\s+/g, ' ').slice(0, 200))} | ${cell(locks).replace(/&lt;br&gt;/g, '<br>')} | ${cell(s.rewrites.map((w) => `${w.kind} ${w.relation}`).join(', '))} |`);
    });
    out.push('');
  }
  return out.join('\n');
}
