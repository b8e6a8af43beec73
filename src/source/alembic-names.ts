/**
 * What the Alembic API looks like in a migration module, shared by both parsers (parse.ts over
 * tree-sitter, scan.ts over tokens): which names are the `op` proxy after the module's imports,
 * which `with` items open a batch or an autocommit block, which calls are `op.*` calls. Pure.
 */
import type { ImportInfo, Location, PyValue } from '../model.js';

export interface BatchContext {
  alias: string | null;
  call: { args: PyValue[]; kwargs: Record<string, PyValue>; loc: Location };
}

/** The revision variables a migration module declares, and the two functions Alembic calls. */
export const WATCHED: ReadonlySet<string> = new Set(['revision', 'down_revision', 'branch_labels', 'depends_on']);
export const FUNCTIONS: ReadonlySet<string> = new Set(['upgrade', 'downgrade']);

/** Record one import statement (in `imports`), and the names it binds to `alembic.op` (in `receivers`). */
export function recordImport(
  kind: 'import' | 'from',
  module: string,
  bound: readonly { name: string; alias: string | null }[],
  at: { line: number; column: number; inFunction: boolean },
  imports: ImportInfo[],
  receivers: Set<string>,
): void {
  const { line, column, inFunction } = at;
  if (kind === 'import') {
    for (const { name, alias } of bound) {
      imports.push({ module: name, names: [], line, column, inFunction });
      // `import alembic.op as x` binds x to the op proxy; `import alembic[.op]` binds `alembic`.
      if (name === 'alembic.op') receivers.add(alias ?? 'alembic.op');
      else if (name === 'alembic') receivers.add(`${alias ?? 'alembic'}.op`);
    }
    return;
  }
  imports.push({ module, names: bound.map((b) => b.name), line, column, inFunction });
  if (module === 'alembic') for (const b of bound) if (b.name === 'op') receivers.add(b.alias ?? 'op');
}

/** A `with` item's value: a batch_alter_table context, an autocommit block, or neither. */
export function withContext(value: PyValue | undefined, alias: string | null, receivers: ReadonlySet<string>): BatchContext | 'autocommit' | null {
  if (value === undefined || value.kind !== 'call') return null;
  if (value.func.endsWith('.autocommit_block')) return 'autocommit';
  const dot = value.func.lastIndexOf('.');
  if (dot > 0 && value.func.slice(dot + 1) === 'batch_alter_table' && receivers.has(value.func.slice(0, dot))) {
    return { alias, call: { args: value.args, kwargs: value.kwargs, loc: value.loc } };
  }
  return null;
}

/** For a call on a dotted name inside a function: the `op.*` (or `batch_op.*`) operation it is, if any. */
export function opTarget(
  parts: readonly string[],
  receivers: ReadonlySet<string>,
  batches: readonly BatchContext[],
): { name: string; receiver: string; batch?: BatchContext } | null {
  if (parts.length < 2) return null;
  const recv = parts.slice(0, -1).join('.');
  if (receivers.has(recv)) return { name: parts[parts.length - 1]!, receiver: recv };
  if (parts.length === 2) {
    for (let i = batches.length - 1; i >= 0; i--) {
      if (batches[i]!.alias === recv) return { name: parts[1]!, receiver: recv, batch: batches[i]! };
    }
  }
  return null;
}
