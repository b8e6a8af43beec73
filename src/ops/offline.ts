/**
 * Offline SQL (`alembic upgrade --sql`) into the same model, and the merge of both front ends:
 * an operation seen by both is reported once, at the Python location.
 */
import type { Operation } from './model.js';
import { contextualize, tableKey, tableOf, type ContextMeta } from './context.js';
import { operationsFromSql } from './from-sql.js';

/**
 * Operations of one revision's offline SQL (one section of `splitOfflineSql`). Locations are lines
 * in that SQL (shifted by `firstLine`). The SQL parser must be loaded (`await loadSqlParser()`).
 */
export function operationsFromOfflineSql(sql: string, meta: ContextMeta & { firstLine?: number }): Operation[] {
  return contextualize(operationsFromSql(sql, { firstLine: meta.firstLine ?? 1 }), meta);
}

/** A key that is equal for the same operation seen by both front ends. */
export function operationSignature(op: Operation): string {
  const t = tableOf(op);
  const table = t !== undefined ? tableKey(t) : '';
  const lc = (x: string | null | undefined): string => (x ?? '').toLowerCase();
  switch (op.kind) {
    case 'add-column':
      return `${op.kind}|${table}|${lc(op.column.name)}`;
    case 'drop-column':
    case 'set-not-null':
    case 'drop-not-null':
    case 'set-default':
    case 'alter-column-type':
      return `${op.kind}|${table}|${lc(op.column)}`;
    case 'rename-column':
      return `${op.kind}|${table}|${lc(op.column)}|${lc(op.newName)}`;
    case 'rename-table':
      return `${op.kind}|${table}|${lc(op.newName)}`;
    case 'create-index':
      // An unnamed index gets SQLAlchemy's default convention name, ix_<table>_<first column>.
      return `${op.kind}|${table}|${lc(op.name ?? (t !== undefined && op.columns[0] !== undefined ? `ix_${t.name}_${op.columns[0]}` : ''))}`;
    case 'drop-index':
      return `${op.kind}|${lc(op.name)}`;
    case 'add-constraint':
      return `${op.kind}|${table}|${op.constraint.type}|${lc(op.constraint.name)}`;
    case 'validate-constraint':
    case 'drop-constraint':
      return `${op.kind}|${table}|${lc(op.name)}`;
    case 'create-type':
    case 'drop-type':
      return `${op.kind}|${tableKey(op.typeName)}`;
    case 'alter-type-add-value':
    case 'alter-type-rename-value':
      return `${op.kind}|${tableKey(op.typeName)}|${op.value}`;
    case 'truncate':
      return `${op.kind}|${op.tables.map(tableKey).join(',')}`;
    case 'reindex':
      return `${op.kind}|${op.target}|${op.name !== null ? tableKey(op.name) : ''}`;
    case 'data-change':
      return `${op.kind}|${op.statement}|${table}`;
    case 'set-setting':
      return `${op.kind}|${op.name}|${op.value ?? ''}|${op.local}`;
    case 'transaction-control':
      return `${op.kind}|${op.statement}`;
    case 'other-sql':
      return `${op.kind}|${op.statementType}|${table}`;
    default:
      return `${op.kind}|${table}`;
  }
}

/**
 * Merge the static operations of one revision phase (Python front end, `op.execute` SQL included)
 * with the operations read from the same revision's offline SQL. Each offline operation that the
 * static side also has is dropped (the static one, at the Python location, stays); offline
 * operations the static side could not see (SQL built at run time) are added after. Alembic's own
 * BEGIN/COMMIT around autocommit blocks only served to compute the transaction state and are
 * dropped. The static operations take the offline side's transaction state when both are known
 * and they disagree (env.py settings such as transaction_per_migration are only visible there).
 */
export function mergeFrontEnds(staticOps: readonly Operation[], offlineOps: readonly Operation[]): Operation[] {
  const pool = new Map<string, number[]>();
  offlineOps.forEach((op, i) => {
    const k = operationSignature(op);
    const list = pool.get(k);
    if (list === undefined) pool.set(k, [i]);
    else list.push(i);
  });
  /** offline index → static index, for the matched ones. */
  const matchedTo = new Map<number, number>();
  const merged: Operation[] = staticOps.map((op, si) => {
    const oi = pool.get(operationSignature(op))?.shift();
    if (oi === undefined) return op;
    matchedTo.set(oi, si);
    const match = offlineOps[oi]!;
    return match.inTransaction !== op.inTransaction ? { ...op, inTransaction: match.inTransaction } : op;
  });
  // Offline operations the static side did not see: attribute each to the one op.execute() the
  // static side could not read between the same matched neighbours, when there is exactly one.
  const resolved = new Set<number>();
  const extra: { at: number; op: Operation }[] = [];
  offlineOps.forEach((op, oi) => {
    if (matchedTo.has(oi) || op.kind === 'transaction-control') return;
    let prev = -1;
    let next = staticOps.length;
    for (const [o, si] of matchedTo) {
      if (o < oi && si > prev) prev = si;
      if (o > oi && si < next) next = si;
    }
    const candidates: number[] = [];
    for (let si = prev + 1; si < next; si++) if (staticOps[si]!.kind === 'unanalyzable') candidates.push(si);
    if (candidates.length === 1) {
      const host = staticOps[candidates[0]!]!;
      resolved.add(candidates[0]!);
      const call = host.source.kind === 'python' ? host.source.call : host.source.call;
      const source = op.source.kind === 'sql' && call !== undefined ? { ...op.source, call } : op.source;
      extra.push({ at: candidates[0]!, op: { ...op, loc: host.loc, function: host.function, source } });
    } else extra.push({ at: next - 0.5, op });
  });
  const ordered: { at: number; op: Operation }[] = merged.map((op, i) => ({ at: i, op })).filter((x) => !resolved.has(x.at));
  ordered.push(...extra.map((e, k) => ({ at: e.at + 0.001 * (k + 1) / (extra.length + 1), op: e.op })));
  ordered.sort((a, b) => a.at - b.at);
  return ordered.map((x, index) => ({ ...x.op, index }));
}
