/**
 * The laid-out revision graph as SVG markup: one <g class="node"> per revision or collapsed run
 * (data-node, data-revisions), one <path class="edge"> per down_revision (data-from, data-to) and per
 * depends_on. Colours come from the stylesheet by class: worst severity, head, base, merge point,
 * --since selection. Pure.
 */
import type { Severity } from '../../model.js';
import type { ReportRevision } from '../types.js';
import { escapeHtml } from './escape.js';
import type { DrawNode, GraphDrawing } from './layout.js';

const rank: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export function worstOf(severities: Iterable<Severity>): Severity | undefined {
  let worst: Severity | undefined;
  for (const s of severities) if (worst === undefined || rank[s] > rank[worst]) worst = s;
  return worst;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

type TagKind = 'head' | 'base' | 'merge' | 'branch' | 'since' | 'label';

/** Small capsules at the top right of a node, right to left. */
function tags(list: { text: string; kind: TagKind }[], width: number): string {
  let right = width - 6;
  let out = '';
  for (const t of list) {
    const w = Math.round(t.text.length * 6.2 + 8);
    const x = right - w;
    if (x < 90) break;
    out += `<rect class="tag t-${t.kind}" x="${x}" y="5" width="${w}" height="14" rx="7"/><text class="tag t-${t.kind}" x="${x + w / 2}" y="15.5" text-anchor="middle">${escapeHtml(t.text)}</text>`;
    right = x - 3;
  }
  return out;
}

export interface SvgInput {
  drawing: GraphDrawing;
  revisions: ReadonlyMap<string, ReportRevision>;
  /** Worst severity of each revision's findings. */
  severity: ReadonlyMap<string, Severity>;
  /** Children count of each revision (branch points have more than one). */
  childCount: ReadonlyMap<string, number>;
}

function nodeMarkup(n: DrawNode, input: SvgInput): string {
  const classes = ['node', n.kind];
  const worst = worstOf(n.revisions.flatMap((r) => (input.severity.has(r) ? [input.severity.get(r)!] : [])));
  if (worst !== undefined) classes.push(`sev-${worst}`);
  let body: string;
  let title: string;
  if (n.kind === 'revision') {
    const r = input.revisions.get(n.revisions[0]!)!;
    const list: { text: string; kind: TagKind }[] = [];
    if (r.head) list.push({ text: 'HEAD', kind: 'head' });
    if (r.base) list.push({ text: 'BASE', kind: 'base' });
    if (new Set(r.downRevisions).size > 1) list.push({ text: 'MERGE', kind: 'merge' });
    if ((input.childCount.get(r.revision) ?? 0) > 1) list.push({ text: 'BRANCH', kind: 'branch' });
    if (r.selected) list.push({ text: 'SINCE', kind: 'since' });
    for (const l of r.branchLabels) list.push({ text: `@${clip(l, 14)}`, kind: 'label' });
    if (r.head) classes.push('head');
    if (r.base) classes.push('base');
    if (new Set(r.downRevisions).size > 1) classes.push('merge');
    if (r.selected) classes.push('selected');
    const firstLine = r.message.split('\n')[0]!.trim();
    body =
      `<text class="id" x="8" y="17">${escapeHtml(clip(r.revision, 16))}</text>` +
      tags(list, n.width) +
      `<text class="msg" x="8" y="36">${escapeHtml(clip(firstLine === '' ? r.file.split('/').pop()! : firstLine, 32))}</text>`;
    title = [r.revision, r.branchLabels.length > 0 ? `(${r.branchLabels.join(', ')})` : '', r.message !== '' ? `\n${r.message}` : ''].join(' ').trim();
  } else if (n.kind === 'run') {
    const first = n.revisions[0]!;
    const last = n.revisions[n.revisions.length - 1]!;
    body =
      `<text class="id" x="8" y="15">${n.revisions.length} revisions</text>` +
      `<text class="msg mono" x="8" y="28">${escapeHtml(clip(first, 12))} … ${escapeHtml(clip(last, 12))}</text>`;
    title = `${n.revisions.length} revisions in a line, ${first} to ${last}: click to list them`;
  } else {
    body = `<text class="id" x="8" y="21">missing ${escapeHtml(clip(n.revisions[0]!, 18))}</text>`;
    title = `${n.revisions[0]!}: a down_revision that no file declares`;
  }
  const halo = classes.includes('selected') ? `<rect class="halo" x="-4" y="-4" width="${n.width + 8}" height="${n.height + 8}" rx="10"/>` : '';
  const rx = classes.includes('merge') ? 14 : 6;
  return (
    `<g class="${classes.join(' ')}" data-node="${n.id}" data-kind="${n.kind}" data-revisions="${escapeHtml(n.revisions.join(' '))}" ` +
    `transform="translate(${n.x},${n.y})" tabindex="0" role="button" aria-label="${escapeHtml(title.split('\n')[0]!)}">` +
    `<title>${escapeHtml(title)}</title>${halo}<rect class="box" width="${n.width}" height="${n.height}" rx="${rx}"/>${body}</g>`
  );
}

export function renderSvg(input: SvgInput): string {
  const { drawing } = input;
  const edges = drawing.edges
    .filter((e) => e.points.length >= 2)
    .map((e) => {
      const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
      return `<path class="edge ${e.kind}" data-from="${e.from}" data-to="${e.to}" d="${d}" marker-end="url(#arrow)"/>`;
    })
    .join('\n');
  const nodes = drawing.nodes.map((n) => nodeMarkup(n, input)).join('\n');
  return (
    `<svg id="graph" xmlns="http://www.w3.org/2000/svg" data-width="${drawing.width}" data-height="${drawing.height}" role="img" aria-label="revision graph">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#9aa3b5"/></marker></defs>` +
    `<g id="viewport">\n<g class="edges">\n${edges}\n</g>\n<g class="nodes">\n${nodes}\n</g>\n</g></svg>`
  );
}
