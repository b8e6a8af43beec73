/**
 * Pure renderers for the `heads`, `history` and `graph` commands. `renderHeads` and
 * `renderHistory` print what `alembic heads` and `alembic history` print (alembic/script/base.py,
 * Script._head_only and Script.log_entry), except that Alembic shows a revision's several branch
 * labels, children and dependencies in Python set order where we use a stable one.
 */
import type { Project } from '../model.js';
import type { RevisionGraph, RevisionNode } from './types.js';

export interface HeadsOptions {
  /** `alembic heads --verbose`: the full log entry of each head. */
  verbose?: boolean;
  /** `alembic heads --resolve-dependencies`: only what alembic_version holds at head. */
  resolveDependencies?: boolean;
}

export interface HistoryOptions {
  /** `alembic history --verbose`. */
  verbose?: boolean;
}

export type GraphFormat = 'text' | 'mermaid' | 'dot' | 'json';

/** The docstring as Alembic's Script.longdoc: stripped, or empty. */
function longdoc(node: RevisionNode): string {
  return node.file.docstring?.text.trim() ?? '';
}

/** Script.doc: the first paragraph of the docstring. */
function doc(node: RevisionNode): string {
  return longdoc(node).split('\n\n')[0]!;
}

/** Script._format_down_revision. */
function formatDown(node: RevisionNode): string {
  return node.downRevisions.length === 0 ? '<base>' : node.downRevisions.join(', ');
}

interface Flags {
  isHead: boolean;
  isRealHead: boolean;
}

function flagsOf(graph: RevisionGraph): (rev: string) => Flags {
  const heads = new Set(graph.heads);
  const real = new Set(graph.realHeads);
  return (rev) => ({ isHead: heads.has(rev), isRealHead: real.has(rev) });
}

/** Script._head_only. */
function headOnly(
  node: RevisionNode,
  flags: Flags,
  opts: { includeDoc: boolean; includeParents: boolean; treeIndicators: boolean },
): string {
  let text = node.revision;
  if (opts.includeParents) {
    const declaredDeps = node.file.dependsOn.value;
    text =
      declaredDeps.length > 0
        ? `${formatDown(node)} (${declaredDeps.join(', ')}) -> ${text}`
        : `${formatDown(node)} -> ${text}`;
  }
  if (node.branchLabels.length > 0) text += ` (${node.branchLabels.join(', ')})`;
  if (flags.isRealHead) text += ' (head)';
  if (flags.isHead && !flags.isRealHead) text += ' (effective head)';
  if (opts.treeIndicators) {
    if (node.nextRevisions.length > 1) text += ' (branchpoint)';
    if (node.downRevisions.length > 1) text += ' (mergepoint)';
  }
  if (opts.includeDoc) text += `, ${doc(node)}`;
  return text;
}

/** Script.log_entry (the verbose form), followed by the newline print_stdout adds. */
function logEntry(node: RevisionNode, flags: Flags): string {
  const merge = node.downRevisions.length > 1;
  const branch = node.nextRevisions.length > 1;
  let entry = `Rev: ${node.revision}${flags.isHead ? ' (head)' : ''}${branch ? ' (branchpoint)' : ''}${merge ? ' (mergepoint)' : ''}\n`;
  entry += merge ? `Merges: ${formatDown(node)}\n` : `Parent: ${formatDown(node)}\n`;
  const declaredDeps = node.file.dependsOn.value;
  if (declaredDeps.length > 0) entry += `Also depends on: ${declaredDeps.join(', ')}\n`;
  if (branch) entry += `Branches into: ${node.nextRevisions.join(', ')}\n`;
  if (node.branchLabels.length > 0) entry += `Branch names: ${node.branchLabels.join(', ')}\n`;
  entry += `Path: ${node.file.absPath}\n`;
  const doc = longdoc(node);
  const lines = doc === '' ? [] : doc.split(/\r\n|\r|\n/);
  entry += `\n${lines.map((l) => `    ${l}`).join('\n')}\n`;
  return `${entry}\n`;
}

/** What `alembic heads` prints (`--verbose`, `--resolve-dependencies`). */
export function renderHeads(graph: RevisionGraph, options: HeadsOptions = {}): string {
  const flags = flagsOf(graph);
  const list = options.resolveDependencies === true ? graph.realHeads : graph.heads;
  let out = '';
  for (const rev of list) {
    const node = graph.nodes.get(rev);
    if (node === undefined) continue;
    out += options.verbose === true
      ? logEntry(node, flags(rev))
      : `${headOnly(node, flags(rev), { includeDoc: false, includeParents: false, treeIndicators: false })}\n`;
  }
  return out;
}

/** What `alembic history` prints (`--verbose`): newest first, "parent -> rev (head), message". */
export function renderHistory(graph: RevisionGraph, options: HistoryOptions = {}): string {
  const flags = flagsOf(graph);
  let out = '';
  for (const rev of graph.history) {
    const node = graph.nodes.get(rev)!;
    out += options.verbose === true
      ? logEntry(node, flags(rev))
      : `${headOnly(node, flags(rev), { includeDoc: true, includeParents: true, treeIndicators: true })}\n`;
  }
  return out;
}

/** The graph as text (lanes, newest first), Mermaid, Graphviz dot, or JSON. */
export function renderGraph(graph: RevisionGraph, format: GraphFormat, project?: Pick<Project, 'root'>): string {
  switch (format) {
    case 'json':
      return renderJson(graph);
    case 'mermaid':
      return renderMermaid(graph, title(project));
    case 'dot':
      return renderDot(graph, title(project));
    case 'text':
      return renderText(graph);
  }
}

function title(project: Pick<Project, 'root'> | undefined): string {
  const parts = (project?.root ?? '').split(/[\\/]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? 'revisions';
}

/** Versioned parents that exist and come later in history (so drawing always terminates). */
function drawnParents(graph: RevisionGraph, position: Map<string, number>, node: RevisionNode): string[] {
  const at = position.get(node.revision)!;
  return [...new Set(node.downRevisions)].filter((p) => (position.get(p) ?? -1) > at);
}

function renderJson(graph: RevisionGraph): string {
  const revisions = graph.history.map((rev) => {
    const node = graph.nodes.get(rev)!;
    return {
      revision: node.revision,
      file: node.file.path,
      downRevisions: node.downRevisions,
      dependsOn: node.file.dependsOn.value,
      resolvedDependsOn: node.dependsOn,
      branchLabels: node.declaredBranchLabels,
      effectiveBranchLabels: node.branchLabels,
      message: doc(node),
    };
  });
  return `${JSON.stringify({ revisions, heads: graph.heads, realHeads: graph.realHeads, bases: graph.bases }, null, 2)}\n`;
}

function textLine(graph: RevisionGraph, node: RevisionNode, flags: Flags): string {
  let text = node.revision;
  if (node.branchLabels.length > 0) text += ` (${node.branchLabels.join(', ')})`;
  if (flags.isRealHead) text += ' (head)';
  if (flags.isHead && !flags.isRealHead) text += ' (effective head)';
  if (node.downRevisions.length === 0) text += ' (base)';
  if (node.dependsOn.length > 0) text += ` [depends on ${node.dependsOn.join(', ')}]`;
  const message = doc(node);
  return message === '' ? text : `${text}, ${message}`;
}

/**
 * Lanes, newest first, like `git log --graph`: `*` is the revision, `|` a line waiting for its
 * parent, `|\` a merge point opening a lane per extra parent, `|/` lanes joining at a branch
 * point, `/` lanes moving left when a line ends at a base. Lane k is drawn in column 2k.
 */
function renderText(graph: RevisionGraph): string {
  const flags = flagsOf(graph);
  const position = new Map(graph.history.map((rev, i) => [rev, i]));
  const lanes: string[] = [];
  const rows: string[] = [];
  const grid = (width: number) => Array.from({ length: 2 * width }, () => ' ');
  const draw = (cells: string[]) => cells.join('').replace(/\s+$/, '');
  for (const rev of graph.history) {
    const node = graph.nodes.get(rev)!;
    let c = lanes.indexOf(rev);
    if (c === -1) {
      lanes.push(rev);
      c = lanes.length - 1;
    }
    // Lanes that also wait for this revision join it here (it is a branch point).
    const joining = lanes.flatMap((l, k) => (k > c && l === rev ? [k] : []));
    if (joining.length > 0) {
      const cells = grid(lanes.length);
      lanes.forEach((_, k) => {
        // A joining lane, and any lane to the right of one, moves left.
        if (joining.some((j) => j <= k)) cells[2 * k - 1] = '/';
        else cells[2 * k] = '|';
      });
      rows.push(draw(cells));
      for (const k of [...joining].reverse()) lanes.splice(k, 1);
    }
    const cells = grid(lanes.length);
    lanes.forEach((_, k) => (cells[2 * k] = k === c ? '*' : '|'));
    rows.push(`${draw(cells)}  ${textLine(graph, node, flags(rev))}`);
    const parents = drawnParents(graph, position, node);
    if (parents.length === 0) {
      // The line ends here; lanes to the right move one to the left.
      if (c < lanes.length - 1) {
        const shift = grid(lanes.length);
        lanes.forEach((_, k) => {
          if (k < c) shift[2 * k] = '|';
          else if (k > c) shift[2 * k - 1] = '/';
        });
        rows.push(draw(shift));
      }
      lanes.splice(c, 1);
    } else {
      lanes[c] = parents[0]!;
      if (parents.length > 1) {
        const extra = parents.slice(1);
        const opened = grid(lanes.length + extra.length);
        lanes.forEach((_, k) => {
          if (k <= c) opened[2 * k] = '|';
          else opened[2 * (k + extra.length) - 1] = '\\';
        });
        extra.forEach((_, j) => (opened[2 * (c + j + 1) - 1] = '\\'));
        rows.push(draw(opened));
        lanes.splice(c + 1, 0, ...extra);
      }
    }
  }
  return rows.map((r) => `${r}\n`).join('');
}

function mermaidText(s: string): string {
  return s.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

function renderMermaid(graph: RevisionGraph, name: string): string {
  const flags = flagsOf(graph);
  const id = new Map(graph.history.map((rev, i) => [rev, `r${i}`]));
  const lines = ['---', `title: ${mermaidText(name)}`, '---', 'flowchart BT'];
  for (const rev of graph.history) {
    const node = graph.nodes.get(rev)!;
    const parts = [rev];
    if (node.branchLabels.length > 0) parts[0] += ` (${node.branchLabels.join(', ')})`;
    const message = doc(node);
    if (message !== '') parts.push(message);
    lines.push(`  ${id.get(rev)}["${parts.map(mermaidText).join('<br/>')}"]`);
  }
  for (const rev of graph.history) {
    const node = graph.nodes.get(rev)!;
    for (const p of new Set(node.downRevisions)) if (id.has(p)) lines.push(`  ${id.get(p)} --> ${id.get(rev)}`);
    for (const d of node.dependsOn) if (id.has(d)) lines.push(`  ${id.get(d)} -.->|depends on| ${id.get(rev)}`);
  }
  const headIds = graph.history.filter((rev) => flags(rev).isHead).map((rev) => id.get(rev)!);
  if (headIds.length > 0) {
    lines.push('  classDef head stroke-width:3px');
    lines.push(`  class ${headIds.join(',')} head`);
  }
  return `${lines.join('\n')}\n`;
}

function dotText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n');
}

function renderDot(graph: RevisionGraph, name: string): string {
  const flags = flagsOf(graph);
  const lines = [`digraph "${dotText(name)}" {`, '  rankdir=BT;', '  node [shape=box];'];
  for (const rev of graph.history) {
    const node = graph.nodes.get(rev)!;
    let label = rev;
    if (node.branchLabels.length > 0) label += ` (${node.branchLabels.join(', ')})`;
    const message = doc(node);
    if (message !== '') label += `\n${message}`;
    const style = flags(rev).isHead ? ', penwidth=2' : '';
    lines.push(`  "${dotText(rev)}" [label="${dotText(label)}"${style}];`);
  }
  for (const rev of graph.history) {
    const node = graph.nodes.get(rev)!;
    for (const p of new Set(node.downRevisions)) {
      if (graph.nodes.has(p)) lines.push(`  "${dotText(p)}" -> "${dotText(rev)}";`);
    }
    for (const d of node.dependsOn) {
      if (graph.nodes.has(d)) lines.push(`  "${dotText(d)}" -> "${dotText(rev)}" [style=dashed, label="depends on"];`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
