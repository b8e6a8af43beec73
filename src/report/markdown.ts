/**
 * Markdown for people reviewing a pull request (a GitHub job summary, a PR comment): a status line,
 * the findings grouped by revision, the checks with their durations, and, when the run has it, the
 * offline SQL of the new revisions in collapsible blocks. Pure.
 */
import type { Finding, Severity } from '../model.js';
import type { Report, Reporter } from './types.js';
import { tracesFor } from './trace-table.js';

/** The offline SQL (`alembic upgrade --sql`) of one revision, shown collapsed under the findings. */
export interface OfflineSqlBlock {
  revision: string;
  /** The revision's file, relative to the project root. */
  file?: string;
  /** The first docstring line, when known. */
  message?: string;
  sql: string;
}

/** A report that may carry offline SQL for reviewers (the action attaches it). */
export type MarkdownReport = Report & { offlineSql?: OfflineSqlBlock[] };

const icon: Record<Severity, string> = { error: '🔴 error', warning: '🟡 warning', info: '🔵 info' };

/** A table cell: no pipes, no raw HTML, newlines as <br>. */
export function cell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A fenced block whose fence is longer than any backtick run inside. */
function fenced(lang: string, body: string): string {
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${body.replace(/\s+$/, '')}\n${fence}`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function findingRows(findings: Finding[], prefix: string, showFile: boolean): string[] {
  const rows = [
    showFile ? '| Severity | Where | Rule | Message | Fix |' : '| Severity | Line | Rule | Message | Fix |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const f of findings) {
    const line = f.line !== undefined ? String(f.line) : '';
    const where = showFile ? (f.file !== undefined ? code(`${prefix}${f.file}${line !== '' ? `:${line}` : ''}`) : '') : line;
    const confirmed = f.confirmed === true ? ' (confirmed by the trace)' : '';
    rows.push(`| ${icon[f.severity]} | ${where} | ${code(f.rule)} | ${cell(f.message)}${confirmed} | ${cell(f.fix ?? '')} |`);
  }
  return rows;
}

export const markdownReporter: Reporter = (input, context) => {
  const report = input as MarkdownReport;
  const prefix = context.pathPrefix ?? '';
  const s = report.summary;
  const total = s.errors + s.warnings + s.infos;
  const out: string[] = [];
  const status =
    total === 0
      ? '✅ No problems found'
      : `${s.errors > 0 ? '❌' : '⚠️'} ${plural(total, 'problem')} (${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')})`;
  out.push(`## alembic-guard: ${status}`, '');
  const where: string[] = [];
  if (report.project.config !== undefined) where.push(`config ${code(prefix + report.project.config)}`);
  if (report.project.versionLocations.length > 0) where.push(`versions ${report.project.versionLocations.map((v) => code(prefix + v)).join(', ')}`);
  out.push(`${report.tool.name} ${report.tool.version}${where.length > 0 ? ` · ${where.join(' · ')}` : ''}`, '');
  if (report.hint !== undefined) out.push(`> **Hint:** ${report.hint}`, '');

  if (total > 0) {
    out.push('### Findings by revision', '');
    const byRevision = new Map<string, Finding[]>();
    const noRevision: Finding[] = [];
    for (const f of report.findings) {
      if (f.revision === undefined) {
        noRevision.push(f);
        continue;
      }
      const list = byRevision.get(f.revision);
      if (list) list.push(f);
      else byRevision.set(f.revision, [f]);
    }
    const traced = tracesFor(report.trace, new Set(byRevision.keys()));
    for (const [revision, findings] of byRevision) {
      const files = [...new Set(findings.map((f) => f.file).filter((x): x is string => x !== undefined))];
      const oneFile = files.length === 1 && findings.every((f) => f.file === files[0]);
      out.push(`#### Revision ${code(revision)}${oneFile ? ` · ${code(prefix + files[0]!)}` : ''}`, '');
      out.push(...findingRows(findings, prefix, !oneFile), '');
      const rows = traced.get(revision);
      if (rows !== undefined) {
        out.push('<details>', `<summary>Lock trace of <code>${cell(revision)}</code> on ${cell(report.trace!.server)}</summary>`, '');
        out.push('| Line | Duration | Statement | Locks on existing tables | Rewrites |', '| --- | --- | --- | --- | --- |');
        for (const r of rows) out.push(`| ${r.line} | ${r.durationMs} | ${code(r.statement)} | ${cell(r.locks)} | ${cell(r.rewrites)} |`);
        out.push('', '</details>', '');
      }
    }
    if (noRevision.length > 0) {
      out.push('#### Project', '');
      out.push(...findingRows(noRevision, prefix, true), '');
    }
  }

  if (report.checks.length > 0) {
    out.push('### Checks', '', '| Check | Status | Duration | Details |', '| --- | --- | --- | --- |');
    for (const c of report.checks) {
      const mark = c.status === 'passed' ? '✅ passed' : c.status === 'failed' ? '❌ failed' : '⏭️ skipped';
      out.push(`| ${code(c.id)} | ${mark} | ${formatDuration(c.durationMs)} | ${cell(c.message)} |`);
    }
    out.push('');
  }

  const sql = report.offlineSql ?? [];
  if (sql.length > 0) {
    out.push(`### Offline SQL of the new revisions`, '');
    for (const block of sql) {
      const html = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      const title = [
        `<code>${html(block.revision)}</code>`,
        block.message !== undefined ? html(block.message) : '',
        block.file !== undefined ? `<code>${html(prefix + block.file)}</code>` : '',
      ]
        .filter((x) => x !== '')
        .join(' · ');
      // A blank line after <summary> and before </details> lets GitHub render the Markdown inside.
      out.push('<details>', `<summary>${title}</summary>`, '', fenced('sql', block.sql), '', '</details>', '');
    }
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
};
