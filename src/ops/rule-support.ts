/**
 * Small helpers shared by the operation rules: which operations to look at, how to point at them,
 * how to name things in messages. Pure.
 */
import type { FindingDraft } from '../model.js';
import type { RuleContext } from '../rules/define.js';
import { DEFAULT_POSTGRES_VERSION, type Operation, type OperationKind, type OperationOf, type OpsModel, type QualifiedName, type RevisionOps } from './model.js';

/** The revisions operation rules report on (lintedFiles: skip_revisions, baseline, --since). */
export function lintedRevisions(ctx: RuleContext): RevisionOps[] {
  const ops = ctx.ops;
  if (ops === undefined) return [];
  const out: RevisionOps[] = [];
  for (const f of ctx.lintedFiles) {
    const r = ops.byPath.get(f.path);
    if (r !== undefined) out.push(r);
  }
  return out;
}

/** The operations model, or a PostgreSQL default when the engine did not build one. */
export function target(ctx: RuleContext): Pick<OpsModel, 'dialect' | 'postgresVersion'> {
  return ctx.ops ?? { dialect: ctx.project.dialect ?? 'postgresql', postgresVersion: ctx.project.settings.postgresVersion ?? DEFAULT_POSTGRES_VERSION };
}

/** Every upgrade operation of the linted revisions, optionally of some kinds only. */
export function upgradeOps<K extends OperationKind>(ctx: RuleContext, ...kinds: K[]): OperationOf<K>[] {
  const want = new Set<string>(kinds);
  const out: OperationOf<K>[] = [];
  for (const r of lintedRevisions(ctx)) {
    for (const op of r.upgrade) if (want.size === 0 || want.has(op.kind)) out.push(op as OperationOf<K>);
  }
  return out;
}

/** `schema.name` or `name`. */
export function q(n: QualifiedName): string {
  return n.schema !== undefined ? `${n.schema}.${n.name}` : n.name;
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
