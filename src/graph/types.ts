/**
 * The revision graph's public shape. The implementation lives in graph.ts; rules and commands
 * read only this.
 */
import type { MigrationFile } from '../model.js';

export interface RevisionNode {
  revision: string;
  /** The file Alembic uses for this id (with duplicates: the last one loaded, as Alembic keeps). */
  file: MigrationFile;
  /** Parents from down_revision, in declared order (as written, even when missing). */
  downRevisions: string[];
  /** depends_on as declared (may name branch labels), resolved to revision ids where possible. */
  dependsOn: string[];
  /**
   * The resolved dependencies that are not already a dependency of an ancestor: Alembic's
   * `_normalized_resolved_dependencies`, which orders `alembic history`.
   */
  normalizedDependsOn: string[];
  /**
   * Branch labels as Alembic sees them once the map is built: the declared ones plus those
   * inherited from labelled ancestors (and, along an unbranched line, from labelled descendants).
   */
  branchLabels: string[];
  /** Branch labels written in this file's `branch_labels`. */
  declaredBranchLabels: string[];
  /** Children through down_revision. */
  nextRevisions: string[];
  /** Revisions that name this one (by id or by one of its labels) in depends_on. */
  dependents: string[];
}

export type GraphProblem =
  /** `labelOf`: the missing name is a branch label of that revision, not a revision id. */
  | { kind: 'missing-down-revision'; revision: string; missing: string; labelOf?: string }
  | { kind: 'missing-dependency'; revision: string; missing: string }
  /** `files` in load order; the last one is the file Alembic keeps. */
  | { kind: 'duplicate-revision'; revision: string; files: MigrationFile[] }
  /**
   * `revisions` in cycle order, each followed by its parent: [a, b] means a's down_revision (or,
   * with `dependency`, depends_on) leads to b and b's back to a. One element: a self-reference.
   */
  | { kind: 'revision-cycle'; revisions: string[]; dependency: boolean }
  /**
   * `revisions`: the earlier owner of the name and the revision declaring it again. `clashesWithRevision`:
   * the label is the id of the first revision rather than another revision's label.
   */
  | { kind: 'duplicate-branch-label'; label: string; revisions: string[]; clashesWithRevision?: boolean };

export interface RevisionGraph {
  nodes: Map<string, RevisionNode>;
  /** What `alembic heads` lists (heads, effective heads through depends_on included). */
  heads: string[];
  /** What the alembic_version table holds when every branch is at head. */
  realHeads: string[];
  /** Revisions whose down_revision is None (`alembic`'s `get_bases()`). */
  bases: string[];
  /** Bases that do not depend_on anything either. */
  realBases: string[];
  /** Revision ids in the order `alembic history` prints them (newest first). */
  history: string[];
  /** branch label → revision id that declares it. */
  branchLabels: Map<string, string>;
  problems: GraphProblem[];
  /**
   * Revision variables assigned something that cannot be read statically (the parser reports
   * them): the graph around these files is incomplete, so heads and bases may be off. A file whose
   * `revision` is unreadable is not a node; one whose `down_revision` is unreadable is not a base.
   */
  unreadable: { file: MigrationFile; field: 'revision' | 'downRevision' | 'branchLabels' | 'dependsOn' }[];
}
