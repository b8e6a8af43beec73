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

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Names `name` was probably meant to be: candidates it is a prefix of (or that are a prefix of
 * it: a shortened or lengthened id), else those within a small edit distance (a typo), except
 * for numeric ids.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string[] {
  const all = [...new Set(candidates)].filter((c) => c !== name);
  const prefixed = name.length >= 4 ? all.filter((c) => c.length >= 4 && (c.startsWith(name) || name.startsWith(c))) : [];
  if (prefixed.length > 0) return prefixed.slice(0, 3);
  // Sequential numeric ids ("0003" vs "0002") are one edit apart by design: no typo guesses.
  if (/^\d+$/.test(name)) return [];
  const limit = name.length <= 4 ? 1 : 2;
  return all
    .map((c) => ({ c, d: editDistance(name, c) }))
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d)
    .map((x) => x.c)
    .slice(0, 3);
}

/**
 * The heads a history keeps once its broken `down_revision` links are repaired, whatever the
 * repair. Alembic stops at the first missing parent, so a user learns about diverged heads only on
 * the next run; this answers now. A repaired link makes the broken revision the child of some
 * existing revision, which stops being a head if it was one: each link can continue at most one
 * head, and the heads above the broken revisions stay heads. So at least `heads.length - links`
 * heads remain over the whole graph (`atLeast`).
 */
export interface HeadsDespiteBrokenLinks {
  /** The revisions with a missing parent and everything above them: where they attach is unknown. */
  leftOut: string[];
  /** The revisions with a missing parent themselves, in map order. */
  broken: string[];
  /** Missing parents (one per name that resolves to no revision). */
  links: number;
  /** The heads of the revisions whose whole ancestry loads (those not in `leftOut`), in map order. */
  heads: string[];
  /** The fewest heads `consider` (default: every head of the graph) can come down to once every link is repaired. */
  atLeast: number;
}

export function headsDespiteBrokenLinks(graph: RevisionGraph, consider: readonly string[] = graph.heads): HeadsDespiteBrokenLinks {
  const broken: string[] = [];
  let links = 0;
  for (const p of graph.problems) {
    if (p.kind !== 'missing-down-revision') continue;
    links++;
    if (!broken.includes(p.revision)) broken.push(p.revision);
  }
  const left = new Set<string>();
  const stack = [...broken];
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (left.has(r)) continue;
    left.add(r);
    for (const c of graph.nodes.get(r)?.nextRevisions ?? []) if (!left.has(c)) stack.push(c);
  }
  const leftOut = graph.history.filter((r) => left.has(r)).reverse();
  // Heads of the part that loads: revisions outside it whose children are all left out count too.
  const heads = [...graph.nodes.values()].filter((n) => !left.has(n.revision) && n.nextRevisions.every((c) => left.has(c))).map((n) => n.revision);
  return { leftOut, broken, links, heads, atLeast: Math.max(consider.length - links, 0) };
}
