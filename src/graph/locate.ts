/**
 * Small helpers the graph rules share: where in a file to put a finding, and graph walks that only
 * the rules need (so buildGraph stays lean). Pure.
 */
import type { FindingDraft, Location, MigrationFile } from '../model.js';
import type { RevisionGraph } from './types.js';

export type IdentifierName = 'revision' | 'downRevision' | 'branchLabels' | 'dependsOn';

type Place = Pick<FindingDraft, 'file' | 'line' | 'column' | 'endLine' | 'endColumn'>;

/**
 * The finding's place: the first of `fields` that is assigned in the file (`down_revision =`,
 * `revision =` …); line 1 when none is (an id taken from the file name, say).
 */
export function at(file: MigrationFile, ...fields: IdentifierName[]): Place {
  let loc: Location | undefined;
  for (const field of fields) {
    loc = file[field].loc;
    if (loc !== undefined) break;
  }
  if (loc === undefined) return { file: file.path, line: 1, column: 1 };
  return { file: file.path, line: loc.line, column: loc.column, endLine: loc.endLine, endColumn: loc.endColumn };
}

/** `id (path)`. */
export function named(graph: RevisionGraph, rev: string): string {
  const node = graph.nodes.get(rev);
  return node === undefined ? rev : `${rev} (${node.file.path})`;
}

/** "a", "a and b", "a, b and c". */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Every revision reachable from `rev` through down_revision, `rev` included. */
export function ancestors(graph: RevisionGraph, rev: string): Set<string> {
  const seen = new Set<string>();
  const stack = [rev];
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (seen.has(r)) continue;
    const node = graph.nodes.get(r);
    if (node === undefined) continue;
    seen.add(r);
    for (const p of node.downRevisions) if (!seen.has(p)) stack.push(p);
  }
  return seen;
}

/**
 * Where `rev` diverges from the `others`: the most recent revisions that are ancestors of both
 * (common ancestors none of whose children is also common). Empty when they share no history.
 */
export function divergence(graph: RevisionGraph, rev: string, others: readonly string[]): string[] {
  const mine = ancestors(graph, rev);
  const theirs = new Set<string>();
  for (const o of others) for (const a of ancestors(graph, o)) theirs.add(a);
  const common = [...mine].filter((a) => theirs.has(a));
  const commonSet = new Set(common);
  return common
    .filter((a) => !(graph.nodes.get(a)?.nextRevisions ?? []).some((c) => commonSet.has(c)))
    .sort((a, b) => graph.history.indexOf(a) - graph.history.indexOf(b));
}

/**
 * Labels that set `rev` apart among `group`: labels it carries (declared or inherited, as Alembic
 * sees them) that no other member of the group carries.
 */
export function ownLabels(graph: RevisionGraph, rev: string, group: readonly string[]): string[] {
  const mine = graph.nodes.get(rev)?.branchLabels ?? [];
  return mine.filter((label) => !group.some((other) => other !== rev && (graph.nodes.get(other)?.branchLabels ?? []).includes(label)));
}
