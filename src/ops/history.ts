/**
 * What the revisions below an operation say about a column: is it already NOT NULL, what type
 * does it have. The ops of the revision's ancestors (through down_revision and depends_on, in
 * Alembic's order) are replayed for that one column: created with the table or added, altered,
 * renamed, dropped. Ancestors outside the run's ops model (before the baseline, or not linted) get
 * their operations from their `op.*` calls here. Anything the model cannot read that mentions the
 * column or its table (SQL that is not parsed, an f-string) makes the state unknown from there on,
 * so an unknown state never turns into a silent pass. Pure.
 */
import type { MigrationFile } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import type { ColumnSpec, Operation, QualifiedName, RevisionOps, TypeSpec } from './model.js';
import { tableKey } from './context.js';

export interface ColumnState {
  nullable?: boolean;
  type?: TypeSpec;
}

/** Per revision id its upgrade operations; `undefined` when the revision has no readable file. */
export type UpgradeOps = (revision: string) => Operation[] | undefined;

export class SchemaHistory {
  /** Revision ids oldest first (a topological order: parents and dependencies before children). */
  private readonly order: string[];
  private readonly position = new Map<string, number>();

  constructor(
    private readonly graph: RevisionGraph,
    private readonly upgradeOps: UpgradeOps,
  ) {
    this.order = [...graph.history].reverse();
    this.order.forEach((r, i) => this.position.set(r, i));
  }

  /** The column as the revisions below `rev.revision` and the operations of `rev` before `op` leave it. */
  columnBefore(rev: RevisionOps, op: Operation, table: QualifiedName, column: string): ColumnState | undefined {
    const key = { table: tableKey(table), column: column.toLowerCase() };
    let state: Tracked = { known: false };
    if (rev.revision !== null && this.graph.nodes.has(rev.revision)) {
      const below = this.ancestors(rev.revision);
      for (const id of below) {
        const ops = this.upgradeOps(id);
        if (ops === undefined) {
          state = { known: false };
          continue;
        }
        for (const o of ops) state = apply(state, o, key);
      }
    }
    for (const o of (op.phase === 'upgrade' ? rev.upgrade : rev.downgrade).slice(0, op.index)) state = apply(state, o, key);
    if (!state.known) return undefined;
    return state.exists ? { ...(state.nullable !== undefined ? { nullable: state.nullable } : {}), ...(state.type !== undefined ? { type: state.type } : {}) } : undefined;
  }

  /** Proper ancestors of `rev` (down_revision and depends_on), oldest first. */
  private ancestors(rev: string): string[] {
    const seen = new Set<string>();
    const stack = [rev];
    while (stack.length > 0) {
      const r = stack.pop()!;
      const node = this.graph.nodes.get(r);
      if (node === undefined) continue;
      for (const p of [...node.downRevisions, ...node.dependsOn]) {
        if (!seen.has(p) && this.graph.nodes.has(p)) {
          seen.add(p);
          stack.push(p);
        }
      }
    }
    return [...seen].sort((a, b) => this.position.get(a)! - this.position.get(b)!);
  }
}

type Tracked = { known: false } | { known: true; exists: false } | { known: true; exists: true; nullable?: boolean; type?: TypeSpec };

function fromSpec(c: ColumnSpec, primaryKey: boolean): Tracked {
  return { known: true, exists: true, nullable: primaryKey ? false : c.nullable, type: c.type };
}

/** The source text of what the model could not read, to see whether it may touch the column. */
function unreadText(o: Operation): string | undefined {
  if (o.kind === 'unanalyzable') return o.text;
  if (o.kind === 'other-sql') return o.source.kind === 'sql' ? o.source.statement : o.source.call.args.map((a) => a.text).join(' ');
  return undefined;
}

function apply(state: Tracked, o: Operation, key: { table: string; column: string }): Tracked {
  const unread = unreadText(o);
  if (unread !== undefined) {
    const text = unread.toLowerCase();
    const bare = key.table.slice(key.table.lastIndexOf('.') + 1);
    return text.includes(key.column) || text.includes(bare) ? { known: false } : state;
  }
  const here = (t: QualifiedName | undefined | null) => t !== undefined && t !== null && tableKey(t) === key.table;
  const named = (c: string | null) => c !== null && c.toLowerCase() === key.column;
  switch (o.kind) {
    case 'create-table': {
      if (!here(o.table)) return state;
      const col = o.columns.find((c) => named(c.name));
      if (col === undefined) return { known: true, exists: false };
      const pk = col.primaryKey || o.constraints.some((c) => c.type === 'primary-key' && c.columns.some((x) => named(x)));
      return fromSpec(col, pk);
    }
    case 'add-column':
      return here(o.table) && named(o.column.name) ? fromSpec(o.column, o.column.primaryKey) : state;
    case 'drop-table':
      return here(o.table) ? { known: true, exists: false } : state;
    case 'drop-column':
      return here(o.table) && named(o.column) ? { known: true, exists: false } : state;
    case 'rename-table':
      // The column's table gets a new name (or another table takes this one's): what we knew no longer applies.
      return here(o.table) || tableKey({ ...(o.table.schema !== undefined ? { schema: o.table.schema } : {}), name: o.newName }) === key.table ? { known: false } : state;
    case 'rename-column':
      if (!here(o.table)) return state;
      if (named(o.column)) return { known: true, exists: false };
      return named(o.newName) ? { known: false } : state;
    case 'alter-column-type':
      return here(o.table) && named(o.column) && state.known && state.exists ? { ...state, type: o.to } : state;
    case 'set-not-null':
      return here(o.table) && named(o.column) && state.known && state.exists ? { ...state, nullable: false } : state;
    case 'drop-not-null':
      return here(o.table) && named(o.column) && state.known && state.exists ? { ...state, nullable: true } : state;
    case 'add-constraint':
      return here(o.table) && o.constraint.type === 'primary-key' && o.constraint.columns.some((c) => named(c)) && state.known && state.exists
        ? { ...state, nullable: false }
        : state;
    default:
      return state;
  }
}

/** A revision's upgrade operations, from the run's ops model or computed here for the others. */
export function upgradeOpsOf(
  graph: RevisionGraph,
  modelled: ReadonlyMap<string, RevisionOps>,
  compute: (file: MigrationFile) => RevisionOps,
): UpgradeOps {
  const memo = new Map<string, Operation[]>();
  return (revision) => {
    const hit = memo.get(revision);
    if (hit !== undefined) return hit;
    const node = graph.nodes.get(revision);
    if (node === undefined || node.file.problems.some((p) => p.kind === 'syntax' || p.kind === 'read' || p.kind === 'internal')) return undefined;
    const ops = (modelled.get(node.file.path) ?? compute(node.file)).upgrade;
    memo.set(revision, ops);
    return ops;
  };
}
