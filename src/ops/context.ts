/**
 * The context of each operation within its revision phase: transaction state (autocommit blocks,
 * COMMIT / BEGIN issued through SQL), tables created earlier in the same phase, position. Shared
 * by the static build and the offline-SQL path (which must not load the Python parser).
 */
import type { OpCall } from '../model.js';
import type { Operation, QualifiedName } from './model.js';
import type { OpDraft } from './from-python.js';

export { phaseOf } from './phases.js';

/**
 * Comparison key of a table name: PostgreSQL folds unquoted names to lower case, and `public` is
 * the default schema.
 */
export function tableKey(t: QualifiedName): string {
  const schema = t.schema?.toLowerCase();
  const name = t.name.toLowerCase();
  return schema === undefined || schema === 'public' ? name : `${schema}.${name}`;
}

/** The table an operation acts on, if any. */
export function tableOf(op: OpDraft | Operation): QualifiedName | undefined {
  switch (op.kind) {
    case 'create-table':
    case 'drop-table':
    case 'rename-table':
    case 'add-column':
    case 'drop-column':
    case 'rename-column':
    case 'alter-column-type':
    case 'set-not-null':
    case 'drop-not-null':
    case 'set-default':
    case 'create-index':
    case 'add-constraint':
    case 'validate-constraint':
    case 'drop-constraint':
      return op.table;
    case 'drop-index':
      return op.table;
    case 'data-change':
    case 'other-sql':
      return op.table ?? undefined;
    case 'reindex':
      return op.target === 'table' && op.name !== null ? op.name : undefined;
    case 'truncate':
      return op.tables[0];
    default:
      return undefined;
  }
}

export interface ContextMeta {
  file: string;
  revision: string | null;
  phase: 'upgrade' | 'downgrade';
  /** Whether the phase starts inside a transaction (true for PostgreSQL's transactional DDL). */
  initialInTransaction?: boolean;
}

/**
 * Add context to drafts, in execution order: transaction state (autocommit blocks; COMMIT and
 * BEGIN issued through SQL), tables created earlier in the same phase, position. The drafts are
 * completed in place and returned as operations: pass fresh drafts.
 */
export function contextualize(drafts: readonly OpDraft[], meta: ContextMeta): Operation[] {
  const created = new Set<string>();
  let txn = meta.initialInTransaction ?? true;
  const out: Operation[] = [];
  for (const d of drafts) {
    const call: OpCall | undefined = d.source.kind === 'python' ? d.source.call : d.source.call;
    const autocommit = call?.autocommit === true;
    const table = tableOf(d);
    let tableCreatedInRevision = false;
    if (table !== undefined && d.kind !== 'create-table') tableCreatedInRevision = created.has(tableKey(table));
    if (d.kind === 'truncate') tableCreatedInRevision = d.tables.every((t) => created.has(tableKey(t)));
    // The drafts are fresh objects owned by this call: completing them in place saves a copy per
    // operation (the static path builds tens of thousands of them).
    const op = d as Operation;
    op.file = meta.file;
    op.revision = meta.revision;
    op.phase = meta.phase;
    op.function = call?.function ?? meta.phase;
    op.inTransaction = autocommit ? false : txn;
    op.batch = call?.batch !== undefined;
    op.tableCreatedInRevision = tableCreatedInRevision;
    op.index = out.length;
    out.push(op);
    // Effects on what follows.
    switch (d.kind) {
      case 'create-table':
        created.add(tableKey(d.table));
        break;
      case 'rename-table':
        if (created.delete(tableKey(d.table))) created.add(tableKey({ ...(d.table.schema !== undefined ? { schema: d.table.schema } : {}), name: d.newName }));
        break;
      case 'drop-table':
        created.delete(tableKey(d.table));
        break;
      case 'transaction-control':
        if (!autocommit) {
          if (d.statement === 'commit' || d.statement === 'rollback') txn = false;
          else if (d.statement === 'begin') txn = true;
        }
        break;
    }
  }
  return out;
}
