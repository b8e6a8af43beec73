/**
 * Deploy status: what the database's version table says compared with the scripts. Pure: takes
 * the graph and the rows of alembic_version.
 */
import type { RevisionGraph } from '../graph/types.js';

export type DeployState =
  /** Every revision the scripts declare is applied. */
  | 'at-head'
  /** Some revisions are not applied yet (`pending`, in upgrade order). */
  | 'behind'
  /** The database is at a revision no script declares (Alembic: "Can't locate revision"). */
  | 'unknown-revision'
  /** There is no version table: Alembic never ran here (or another table name is configured). */
  | 'no-version-table';

export interface DeployStatus {
  state: DeployState;
  /** The rows of the version table, as stored (several when the database has several heads). */
  current: string[];
  /** The heads of the scripts, as `alembic heads` lists them. */
  heads: string[];
  /** Revisions `alembic upgrade heads` would run, in upgrade order (parents before children). */
  pending: string[];
  /** For unknown-revision: the rows no script declares. */
  unknown: string[];
}

/** Exit codes documented in `status --help`. */
export const STATUS_EXIT: Record<DeployState, number> = {
  'at-head': 0,
  behind: 1,
  'unknown-revision': 3,
  'no-version-table': 4,
};

/** Every revision `revisions` stand on: themselves, their down_revisions and dependencies, transitively. */
export function appliedClosure(graph: RevisionGraph, revisions: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const stack = revisions.filter((r) => graph.nodes.has(r));
  while (stack.length > 0) {
    const rev = stack.pop()!;
    if (seen.has(rev)) continue;
    seen.add(rev);
    const node = graph.nodes.get(rev)!;
    for (const parent of [...node.downRevisions, ...node.dependsOn]) {
      if (graph.nodes.has(parent) && !seen.has(parent)) stack.push(parent);
    }
  }
  return seen;
}

/**
 * `rows` is null when the version table does not exist. Pending revisions come in the reverse of
 * `alembic history` order, which puts every revision after its down_revisions and dependencies.
 */
export function deployStatus(graph: RevisionGraph, rows: readonly string[] | null): DeployStatus {
  const heads = [...graph.heads];
  if (rows === null) return { state: 'no-version-table', current: [], heads, pending: [], unknown: [] };
  const current = [...rows];
  const unknown = current.filter((r) => !graph.nodes.has(r));
  if (unknown.length > 0) return { state: 'unknown-revision', current, heads, pending: [], unknown };
  const applied = appliedClosure(graph, current);
  const order = [...graph.history].reverse();
  const listed = new Set(order);
  // Revisions outside the history walk (only in a broken graph) still count, after the others.
  for (const rev of graph.nodes.keys()) if (!listed.has(rev)) order.push(rev);
  const pending = order.filter((r) => !applied.has(r));
  return { state: pending.length === 0 ? 'at-head' : 'behind', current, heads, pending, unknown: [] };
}
