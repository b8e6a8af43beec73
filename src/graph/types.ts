/**
 * The revision graph's public shape. The implementation lives in graph.ts; rules and commands
 * read only this.
 */
import type { MigrationFile } from '../model.js';

export interface RevisionNode {
  revision: string;
  file: MigrationFile;
  /** Parents from down_revision, in declared order. */
  downRevisions: string[];
  /** depends_on as declared (may name branch labels), resolved to revision ids where possible. */
  dependsOn: string[];
  branchLabels: string[];
  /** Children through down_revision. */
  nextRevisions: string[];
}

export type GraphProblem =
  | { kind: 'missing-down-revision'; revision: string; missing: string }
  | { kind: 'missing-dependency'; revision: string; missing: string }
  | { kind: 'duplicate-revision'; revision: string; files: MigrationFile[] }
  | { kind: 'revision-cycle'; revisions: string[] }
  | { kind: 'duplicate-branch-label'; label: string; revisions: string[] };

export interface RevisionGraph {
  nodes: Map<string, RevisionNode>;
  /** What `alembic heads` lists (heads, effective heads through depends_on included). */
  heads: string[];
  /** What the alembic_version table holds when every branch is at head. */
  realHeads: string[];
  bases: string[];
  /** Revision ids in the order `alembic history` prints them (newest first). */
  history: string[];
  /** branch label → revision id that declares it. */
  branchLabels: Map<string, string>;
  problems: GraphProblem[];
}
