/**
 * The terminal report: findings grouped by file, each with the source line and a pointer, the fix,
 * then the checks and a one-line summary. Colour only when the context says so.
 */
import type { Finding, Severity } from '../model.js';
import type { Reporter } from './types.js';
import { tracesFor } from './trace-table.js';

const codes = { red: [31, 39], yellow: [33, 39], blue: [34, 39], cyan: [36, 39], green: [32, 39], dim: [2, 22], bold: [1, 22] } as const;
type Style = keyof typeof codes;

function painter(color: boolean) {
  return (style: Style, s: string) => (color ? `\u001b[${codes[style][0]}m${s}\u001b[${codes[style][1]}m` : s);
}

const severityStyle: Record<Severity, Style> = { error: 'red', warning: 'yellow', info: 'blue' };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export const textReporter: Reporter = (report, context) => {
  const paint = painter(context.color);
  const out: string[] = [];
  const groups = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const key = f.file ?? '';
    const list = groups.get(key);
    if (list) list.push(f);
    else groups.set(key, [f]);
  }
  const traced = tracesFor(report.trace, new Set(report.findings.map((f) => f.revision).filter((r): r is string => r !== undefined)));
  for (const [file, findings] of groups) {
    const revisions = [...new Set(findings.map((f) => f.revision).filter((r): r is string => r !== undefined))];
    const heading = file === '' ? '(project)' : file;
    out.push(paint('bold', heading) + (revisions.length === 1 ? paint('dim', `  revision ${revisions[0]}`) : ''));
    for (const f of findings) {
      const where = f.line !== undefined ? `${f.line}:${f.column ?? 1}` : '';
      const rev = f.revision !== undefined && revisions.length !== 1 ? paint('dim', ` (revision ${f.revision})`) : '';
      const confirmed = f.confirmed === true ? ` ${paint('bold', '(confirmed by the trace)')}` : '';
      out.push(`  ${paint('dim', where.padEnd(7))} ${paint(severityStyle[f.severity], f.severity.padEnd(7))} ${f.message}${rev}${confirmed}  ${paint('dim', f.rule)}`);
      const src = f.file !== undefined && f.line !== undefined ? context.sourceLine?.(f.file, f.line) : undefined;
      if (src !== undefined) {
        const gutter = String(f.line);
        const expanded = src.replace(/\t/g, '    ');
        out.push(`    ${paint('dim', gutter + ' |')} ${expanded}`);
        const col = Math.max(1, f.column ?? 1);
        const width = f.endLine === f.line && f.endColumn !== undefined && f.endColumn > col ? Math.min(f.endColumn - col, expanded.length - col + 1) : 1;
        out.push(`    ${paint('dim', ' '.repeat(gutter.length) + ' |')} ${' '.repeat(col - 1)}${paint(severityStyle[f.severity], '^'.repeat(Math.max(1, width)))}`);
      }
      if (f.fix !== undefined) out.push(`    ${paint('cyan', 'fix:')} ${f.fix}`);
    }
    for (const revision of revisions) {
      const rows = traced.get(revision);
      if (rows === undefined) continue;
      out.push(`  ${paint('dim', `lock trace of ${revision} on ${report.trace!.server}:`)}`);
      for (const r of rows) {
        const what = [r.locks, r.rewrites !== '' ? `rewrote ${r.rewrites}` : ''].filter((x) => x !== '').join('; ');
        out.push(`    ${paint('dim', r.line.padStart(4))} ${paint('dim', r.durationMs.padStart(8))}  ${r.statement}  ${paint('yellow', what)}`);
      }
    }
    out.push('');
  }
  for (const c of report.checks) {
    const mark = c.status === 'passed' ? paint('green', 'passed ') : c.status === 'failed' ? paint('red', 'failed ') : paint('yellow', 'skipped');
    out.push(`${mark} ${c.id}: ${c.message} ${paint('dim', `(${c.durationMs} ms)`)}`);
  }
  const s = report.summary;
  const total = s.errors + s.warnings + s.infos;
  const line =
    total === 0
      ? paint('green', 'No problems found.')
      : `${paint(s.errors > 0 ? 'red' : 'yellow', plural(total, 'problem'))} (${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')})`;
  out.push(line);
  if (report.hint !== undefined) out.push(`${paint('cyan', 'hint:')} ${report.hint}`);
  return out.join('\n') + '\n';
};
