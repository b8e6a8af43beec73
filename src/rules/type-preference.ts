/**
 * Shared by the opt-in column type rules (prefer-bigint-over-int, prefer-text-field,
 * prefer-timestamptz, prefer-identity, ban-char-field): every column type a revision's upgrade()
 * declares, in `op.create_table(...)`, `op.add_column(...)`, `op.alter_column(..., type_=...)` and
 * the same in SQL, as squawk checks CREATE TABLE, ADD COLUMN and ALTER COLUMN TYPE.
 */
import type { FindingDraft, Location } from '../model.js';
import type { RuleContext } from './define.js';
import type { ColumnSpec, Operation, TypeSpec } from '../ops/model.js';
import { lintedRevisions, q, report, tableRef } from './support.js';

export interface DeclaredType {
  op: Operation;
  table: string;
  column: string;
  /** How messages start: `Column events.id`, or what is known when a name is computed at run time. */
  label: string;
  type: TypeSpec;
  /** The whole column (absent for a type change). */
  spec?: ColumnSpec;
  /** Where to point: the `sa.Column(...)` when known, else the op call. */
  loc: Location;
}

export function declaredTypes(ctx: RuleContext): DeclaredType[] {
  const out: DeclaredType[] = [];
  for (const rev of lintedRevisions(ctx)) {
    for (const op of rev.upgrade) {
      const label = (column: string | null): string =>
        column === null || op.computed?.column !== undefined
          ? `A column of ${tableRef(op)} whose name is computed at run time`
          : op.computed?.table !== undefined
            ? `Column ${column} of ${tableRef(op)}`
            : `Column ${tableRef(op)}.${column}`;
      const col = (c: ColumnSpec, table: string): void => {
        out.push({ op, table, column: c.name ?? '?', label: label(c.name), type: c.type, spec: c, loc: op.source.kind === 'python' && c.loc !== undefined ? c.loc : op.loc });
      };
      if (op.kind === 'create-table') for (const c of op.columns) col(c, q(op.table));
      else if (op.kind === 'add-column') col(op.column, q(op.table));
      else if (op.kind === 'alter-column-type') out.push({ op, table: q(op.table), column: op.column, label: label(op.column), type: op.to, loc: op.loc });
    }
  }
  return out;
}

/** A finding at the declared column (or the op call). */
export function typeFinding(d: DeclaredType, message: string, fix: { python: string; sql: string }): FindingDraft {
  const base = report(d.op, message, fix);
  return { ...base, line: d.loc.line, column: d.loc.column, endLine: d.loc.endLine, endColumn: d.loc.endColumn };
}
