/**
 * The HTML report: one self-contained page (inline CSS and script, no network, works from disk).
 * The revision graph as SVG laid out by ELK (layout.ts), a summary with counts per severity and per
 * rule that doubles as the filter, every check with its duration, the rules' docs, and a panel per
 * revision (message, file, parents, findings with their source lines, database check outcomes, the
 * lock trace, the offline SQL) that the script renders from a JSON block. A Content-Security-Policy
 * allows only this page's own script and style (by hash) and no fetch of any kind.
 */
import { createHash } from 'node:crypto';
import type { Severity } from '../../model.js';
import { ruleById } from '../../rules/index.js';
import type { Rule } from '../../rules/define.js';
import type { Report, ReportContext, ReportRevision, Reporter } from '../types.js';
import { formatDuration, plural } from '../markdown.js';
import { client } from './client.js';
import { clientData } from './data.js';
import { escapeHtml, jsonForScript } from './escape.js';
import { layoutGraph } from './layout.js';
import { STYLE } from './style.js';
import { renderSvg, worstOf } from './svg.js';

const SEVERITIES: Severity[] = ['error', 'warning', 'info'];

/** Rule docs text: escaped, `code` spans kept, paragraphs on blank lines. */
function docText(text: string): string {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((p) => `<p>${escapeHtml(p).replace(/`([^`]+)`/g, '<code>$1</code>').replace(/\\\|/g, '|')}</p>`)
    .join('');
}

function codeBlock(label: string, code: string | undefined): string {
  if (code === undefined) return '';
  return `<div class="muted">${escapeHtml(label)}</div><pre>${escapeHtml(code.replace(/^\n+|\s+$/g, ''))}</pre>`;
}

/** A rule's docs page, the same text as docs/rules/<id>.md, as a collapsible section of the page. */
function ruleDoc(id: string, rule: Rule | undefined): string {
  if (rule === undefined) return `<details class="rule-doc" id="rule-${escapeHtml(id)}"><summary>${escapeHtml(id)}</summary><p class="muted">Not a rule of this version of alembic-guard.</p></details>`;
  const d = rule.docs;
  const refs = (d.references ?? []).map((r) => (/^https?:\/\//.test(r) ? `<li><a href="${escapeHtml(r)}" rel="noreferrer">${escapeHtml(r)}</a></li>` : `<li>${escapeHtml(r)}</li>`)).join('');
  return (
    `<details class="rule-doc" id="rule-${escapeHtml(id)}"><summary>${escapeHtml(id)}</summary>` +
    `<p class="muted">${escapeHtml(rule.category)} · default severity ${escapeHtml(rule.severity)} · docs/rules/${escapeHtml(id)}.md, <code>alembic-guard rule ${escapeHtml(id)}</code></p>` +
    `<h4>What it does</h4>${docText(d.whatItDoes)}<h4>Why is this bad</h4>${docText(d.whyIsThisBad)}` +
    `<h4>Example</h4>${codeBlock('Python', d.example)}${codeBlock('SQL', d.exampleSql)}` +
    `<h4>Use instead</h4>${codeBlock('Python', d.useInstead)}${codeBlock('SQL', d.useInsteadSql)}` +
    (refs !== '' ? `<h4>References</h4><ul>${refs}</ul>` : '') +
    `</details>`
  );
}

function summaryHtml(report: Report): string {
  const s = report.summary;
  const counts: Record<Severity, number> = { error: s.errors, warning: s.warnings, info: s.infos };
  const chips = SEVERITIES.map(
    (sev) => `<label class="chip-${sev}"><input type="checkbox" data-filter="severity" value="${sev}" checked>${plural(counts[sev], sev)}</label>`,
  ).join('');
  const perRule = new Map<string, { count: number; severity: Severity[] }>();
  for (const f of report.findings) {
    const entry = perRule.get(f.rule) ?? { count: 0, severity: [] };
    entry.count++;
    entry.severity.push(f.severity);
    perRule.set(f.rule, entry);
  }
  const rules = [...perRule.entries()].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]));
  const ruleRows = rules
    .map(([id, e]) => {
      const sev = worstOf(e.severity)!;
      return `<tr><td><input type="checkbox" data-filter="rule" value="${escapeHtml(id)}" checked aria-label="show ${escapeHtml(id)}"></td><td><a class="mono" href="#rule-${escapeHtml(id)}">${escapeHtml(id)}</a></td><td class="sev sev-${sev}">${sev}</td><td class="num">${e.count}</td></tr>`;
    })
    .join('');
  const checkRows = report.checks
    .map((c) => `<tr><td class="mono">${escapeHtml(c.id)}</td><td class="status-${c.status}">${c.status}</td><td class="num">${formatDuration(c.durationMs)}</td><td>${escapeHtml(c.message)}</td></tr>`)
    .join('');
  const project = [
    `<dt>Root</dt><dd><code>${escapeHtml(report.project.root)}</code></dd>`,
    report.project.config !== undefined ? `<dt>Config</dt><dd><code>${escapeHtml(report.project.config)}</code></dd>` : '',
    report.project.versionLocations.length > 0 ? `<dt>Versions</dt><dd>${report.project.versionLocations.map((v) => `<code>${escapeHtml(v)}</code>`).join(', ')}</dd>` : '',
    `<dt>Revisions</dt><dd>${report.revisions?.length ?? 0}</dd>`,
    `<dt>Tool</dt><dd>${escapeHtml(report.tool.name)} ${escapeHtml(report.tool.version)}</dd>`,
    report.trace !== undefined ? `<dt>Lock trace</dt><dd>${escapeHtml(report.trace.server)}</dd>` : '',
  ].join('');
  return (
    `<h2>Project</h2><dl class="props">${project}</dl>` +
    `<h2>Findings</h2><div class="counts" id="severity-filter">${chips}</div>` +
    (rules.length > 0 ? `<table id="rules-table"><thead><tr><th>show</th><th>rule</th><th>severity</th><th>count</th></tr></thead><tbody>${ruleRows}</tbody></table>` : '') +
    `<h2>Checks</h2><table id="checks-table"><thead><tr><th>check</th><th>status</th><th>duration</th><th>details</th></tr></thead><tbody>${checkRows}</tbody></table>` +
    `<h2>Findings by revision</h2><p class="filter-note" id="filter-note"></p><div id="findings-list"></div>` +
    (rules.length > 0 ? `<h2>Rules</h2><div id="rule-docs">${rules.map(([id]) => ruleDoc(id, ruleById.get(id))).join('')}</div>` : '')
  );
}

function hash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

export const htmlReporter: Reporter = (report, context: ReportContext) => {
  const revisions: ReportRevision[] = report.revisions ?? [];
  const drawing = layoutGraph(revisions);
  const severity = new Map<string, Severity>();
  for (const f of report.findings) {
    if (f.revision === undefined) continue;
    severity.set(f.revision, worstOf([f.severity, ...(severity.has(f.revision) ? [severity.get(f.revision)!] : [])])!);
  }
  const childCount = new Map<string, number>();
  for (const r of revisions) for (const p of new Set(r.downRevisions)) childCount.set(p, (childCount.get(p) ?? 0) + 1);
  const svg = renderSvg({ drawing, revisions: new Map(revisions.map((r) => [r.revision, r])), severity, childCount });
  const data = clientData(report, revisions, drawing, context);
  const script = `(${client.toString()})();`;
  const s = report.summary;
  const total = s.errors + s.warnings + s.infos;
  const status = total === 0 ? 'No problems found' : `${plural(total, 'problem')} (${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')})`;
  const name = report.project.root.split(/[\\/]/).filter((p) => p !== '').pop() ?? 'project';
  // Hashes and keywords only: nothing in it needs escaping inside the attribute.
  const csp = `default-src 'none'; style-src ${hash(STYLE)}; script-src ${hash(script)}; img-src data:; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(`${report.tool.name} ${report.tool.version}`)}">
<title>${escapeHtml(`${name}: alembic-guard report`)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>alembic-guard report · ${escapeHtml(name)}</h1><span class="meta">${escapeHtml(`${report.tool.name} ${report.tool.version}`)} · ${plural(revisions.length, 'revision')}</span><span class="status ${s.errors > 0 ? 'sev-error' : ''}" id="status">${escapeHtml(status)}</span></header>
<nav id="side">${summaryHtml(report)}</nav>
<main id="graph-pane">
<div class="toolbar"><button id="zoom-in" title="zoom in">+</button><button id="zoom-out" title="zoom out">−</button><button id="zoom-fit" title="the whole graph">fit</button><button id="zoom-reset" title="back to the top">top</button></div>
${svg}
<div class="legend"><span><i class="lg-error"></i>error</span><span><i class="lg-warning"></i>warning</span><span><i class="lg-info"></i>info</span><span>dashed: a collapsed line of revisions</span><span>violet ring: changed (--since)</span></div>
<noscript><p>The graph's zoom, the filter and the revision panels need JavaScript.</p></noscript>
</main>
<aside id="panel" hidden><button class="close" id="panel-close" title="close (Esc)">×</button><div id="panel-body"></div></aside>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${script}</script>
</body>
</html>
`;
};
