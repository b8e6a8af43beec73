/**
 * Small helpers shared by the operation rules: which operations to look at, how to point at them,
 * how to name things in messages. Pure.
 */
import type { FindingDraft, MigrationFile, OpCall } from '../model.js';
import { callPhases, functionPhases, type FunctionPhases, type Phase } from '../ops/phases.js';
import { SchemaHistory, upgradeOpsOf, type ColumnState } from '../ops/history.js';
import { fileOperations } from '../ops/file-ops.js';
import type { RuleContext } from './define.js';
import { DEFAULT_POSTGRES_VERSION, type Operation, type OperationKind, type OperationOf, type OpsModel, type QualifiedName, type RevisionOps } from '../ops/model.js';

/** Per run (per context): the linted revisions, and their upgrade operations by kind in source order. */
interface LintedIndex {
  revisions: RevisionOps[];
  all: Operation[];
  byKind: Map<string, Operation[]>;
  /** Position of each operation in `all`, to merge several kinds back into source order. */
  order: Map<Operation, number>;
}
const indexes = new WeakMap<RuleContext, LintedIndex>();

function lintedIndex(ctx: RuleContext): LintedIndex {
  let index = indexes.get(ctx);
  if (index === undefined) {
    const revisions: RevisionOps[] = [];
    const all: Operation[] = [];
    const byKind = new Map<string, Operation[]>();
    const order = new Map<Operation, number>();
    const ops = ctx.ops;
    if (ops !== undefined) {
      for (const f of ctx.lintedFiles) {
        const r = ops.byPath.get(f.path);
        if (r === undefined) continue;
        revisions.push(r);
        for (const op of r.upgrade) {
          order.set(op, all.length);
          all.push(op);
          const list = byKind.get(op.kind);
          if (list === undefined) byKind.set(op.kind, [op]);
          else list.push(op);
        }
      }
    }
    index = { revisions, all, byKind, order };
    indexes.set(ctx, index);
  }
  return index;
}

/** The revisions operation rules report on (lintedFiles: skip_revisions, baseline, --since). */
export function lintedRevisions(ctx: RuleContext): RevisionOps[] {
  return lintedIndex(ctx).revisions;
}

/** The operations model, or a PostgreSQL default when the engine did not build one. */
export function target(ctx: RuleContext): Pick<OpsModel, 'dialect' | 'postgresVersion'> {
  return ctx.ops ?? { dialect: ctx.project.dialect ?? 'postgresql', postgresVersion: ctx.project.settings.postgresVersion ?? DEFAULT_POSTGRES_VERSION };
}

/** Every upgrade operation of the linted revisions, optionally of some kinds only, in source order. */
export function upgradeOps<K extends OperationKind>(ctx: RuleContext, ...kinds: K[]): OperationOf<K>[] {
  const index = lintedIndex(ctx);
  if (kinds.length === 0) return [...index.all] as OperationOf<K>[];
  const lists = [...new Set<string>(kinds)].map((k) => index.byKind.get(k) ?? []);
  if (lists.length === 1) return [...lists[0]!] as OperationOf<K>[];
  return lists.flat().sort((a, b) => index.order.get(a)! - index.order.get(b)!) as OperationOf<K>[];
}

/** `schema.name` or `name`. */
export function q(n: QualifiedName): string {
  return n.schema !== undefined ? `${n.schema}.${n.name}` : n.name;
}

const COMPUTED = 'whose name is computed at run time';

/**
 * The operation's table, for a message: `users`, or "a table whose name is computed at run time"
 * when the migration passes an expression (a variable, `Model.__tablename__`): never the
 * expression itself as if it were the table's name.
 */
export function tableRef(op: Operation & { table?: QualifiedName | null }): string {
  if (op.computed?.table !== undefined) return `a table ${COMPUTED}`;
  return op.table === undefined || op.table === null ? 'a table' : q(op.table);
}

/**
 * The operation's column: `users.email` (`column users.email` with `noun`), and when a name is
 * computed at run time, `column email of a table whose name is computed at run time` or `a column
 * of users whose name is computed at run time`.
 */
export function columnRef(op: Operation & { table: QualifiedName; column: string }, noun = false): string {
  if (op.computed?.column !== undefined) return op.computed.table !== undefined ? 'a column of a table, both with names computed at run time' : `a column of ${tableRef(op)} ${COMPUTED}`;
  if (op.computed?.table !== undefined) return `column ${op.column} of ${tableRef(op)}`;
  return `${noun ? 'column ' : ''}${q(op.table)}.${op.column}`;
}

/**
 * The operation's own index or constraint: `index ix_a`, "an index whose name is computed at run
 * time", or `unnamed` (e.g. "unnamed index") when there is no name.
 */
export function nameRef(op: Operation, noun: string, name: string | null, unnamed = `unnamed ${noun}`): string {
  if (op.computed?.name !== undefined) return `${/^(?:[aeio]|u(?!ni))/i.test(noun) ? 'an' : 'a'} ${noun} ${COMPUTED}`;
  return name === null ? unnamed : `${noun} ${name}`;
}

/** A new name given by the operation (rename): the name, or "a name computed at run time". */
export function newNameRef(op: Operation & { newName: string }): string {
  return op.computed?.newName !== undefined ? 'a name computed at run time' : op.newName;
}

/** True when the operation came from SQL (op.execute or offline SQL), so the fix should be SQL. */
export function fromSql(op: Operation): boolean {
  return op.source.kind === 'sql';
}

/** Where the operation came from, for messages: ` (in op.execute SQL)` or ``. */
export function via(op: Operation): string {
  return op.source.kind === 'sql' && op.source.call !== undefined ? ' (in op.execute SQL)' : '';
}

/** A finding at the operation's `op.*` call (or its SQL statement for offline SQL). */
export function report(op: Operation, message: string, fix?: { python: string; sql?: string } | string): FindingDraft {
  const fixText = fix === undefined ? undefined : typeof fix === 'string' ? fix : fromSql(op) && fix.sql !== undefined ? fix.sql : fix.python;
  return {
    message,
    file: op.file,
    line: op.loc.line,
    column: op.loc.column,
    endLine: op.loc.endLine,
    endColumn: op.loc.endColumn,
    ...(op.revision !== null ? { revision: op.revision } : {}),
    ...(fixText !== undefined ? { fix: fixText } : {}),
  };
}

/** Operations of the same revision phase as `op`, before it. */
export function earlier(rev: RevisionOps, op: Operation): Operation[] {
  const list = op.phase === 'upgrade' ? rev.upgrade : rev.downgrade;
  return list.slice(0, op.index);
}

/** The revision an operation belongs to. */
export function revisionOf(ctx: RuleContext, op: Operation): RevisionOps | undefined {
  return ctx.ops?.byPath.get(op.file);
}

/** Same table, compared as PostgreSQL would (case-folded, `public` default schema). */
export function sameTable(a: QualifiedName | undefined, b: QualifiedName | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const norm = (x: QualifiedName): string => {
    const s = x.schema?.toLowerCase();
    return `${s === undefined || s === 'public' ? '' : s}.${x.name.toLowerCase()}`;
  };
  return norm(a) === norm(b);
}

/** `'x'` quoted as a Python string literal for fixes. */
export function py(s: string | null | undefined): string {
  return s === null || s === undefined ? 'None' : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * One finding per rule per `op.*` call: a single `op.execute` with twenty ALTER TABLE statements
 * gets one finding that says how many statements it covers, not twenty findings on one line.
 */
export function collapsePerCall(drafts: FindingDraft[]): FindingDraft[] {
  const byCall = new Map<string, FindingDraft[]>();
  const order: string[] = [];
  for (const d of drafts) {
    const k = `${d.file ?? ''}:${d.line ?? ''}:${d.column ?? ''}`;
    const list = byCall.get(k);
    if (list === undefined) {
      byCall.set(k, [d]);
      order.push(k);
    } else list.push(d);
  }
  return order.map((k) => {
    const list = byCall.get(k)!;
    if (list.length === 1) return list[0]!;
    const first = list[0]!;
    return { ...first, message: `${first.message.replace(/\.$/, '')}; and ${list.length - 1} more like it in this call.` };
  });
}

const phasesByFile = new WeakMap<MigrationFile, Map<string, FunctionPhases>>();

/**
 * Does this `op.*` call of `file` run in `phase` on the run's dialect? (For rules that read calls
 * rather than operations: the helper's callers and the dialect branches decide, as in the ops stage.)
 */
export function callRunsIn(ctx: RuleContext, file: MigrationFile, call: OpCall, phase: Phase): boolean {
  let phases = phasesByFile.get(file);
  if (phases === undefined) {
    phases = functionPhases(file);
    phasesByFile.set(file, phases);
  }
  return callPhases(call, phases, target(ctx).dialect).includes(phase);
}

const histories = new WeakMap<RuleContext, SchemaHistory>();

/**
 * The column as the revisions below `op` leave it (history.ts): undefined when they do not show
 * it (created outside the migrations, or touched by SQL the model cannot read).
 */
export function columnBefore(ctx: RuleContext, op: Operation, table: QualifiedName, column: string): ColumnState | undefined {
  const rev = revisionOf(ctx, op);
  if (rev === undefined) return undefined;
  let history = histories.get(ctx);
  if (history === undefined) {
    const { dialect } = target(ctx);
    history = new SchemaHistory(ctx.graph, upgradeOpsOf(ctx.graph, ctx.ops?.byPath ?? new Map(), (file) => fileOperations(file, { dialect })));
    histories.set(ctx, history);
  }
  return history.columnBefore(rev, op, table, column);
}
