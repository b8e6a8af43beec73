/**
 * Reading the tests on the dialect's name inside a migration's functions (`if dialect == "sqlite":`
 * with `dialect = op.get_bind().dialect.name`, `op.get_context().dialect.name != "postgresql"`,
 * `is_pg = ...`, `def is_postgres(): return ...`), shared by both parsers: each turns the few
 * expression shapes involved into CondNodes, and DialectScope says what they mean. Pure.
 */
import { and, except, only, or, type Guard } from './dialect-guard.js';

/** The expression shapes a dialect test is made of; everything else is `other`. */
export type CondNode =
  | { k: 'name'; name: string }
  /** A call; only its callee matters. */
  | { k: 'call'; callee: CondNode }
  | { k: 'attr'; object: CondNode; attr: string }
  | { k: 'not'; arg: CondNode }
  | { k: 'bool'; op: 'and' | 'or'; left: CondNode; right: CondNode }
  /** A comparison with exactly one operator (`==`, `!=`, `in`, `not in`, `<` …). */
  | { k: 'cmp'; op: string; left: CondNode; right: CondNode }
  /** A single string literal; `value` null when it is an f-string or bytes. */
  | { k: 'str'; value: string | null }
  /** A tuple, list or set display. */
  | { k: 'seq'; items: CondNode[] }
  /** The right side of a chained assignment (`a = b = ...`). */
  | { k: 'assign' }
  | { k: 'other' };

export const OTHER: CondNode = Object.freeze({ k: 'other' }) as CondNode;

/**
 * What a name or expression stands for, dialect-wise: the connection or migration context
 * (`op.get_bind()`, `context.get_context()`), its engine, its dialect, the dialect's name, or a
 * test on that name.
 */
type DialectTerm = { kind: 'bind' | 'engine' | 'dialect' | 'name' } | { kind: 'test'; whenTrue: Guard; whenFalse: Guard };

export interface Test {
  whenTrue: Guard;
  whenFalse: Guard;
}

const UNKNOWN: Test = Object.freeze({ whenTrue: null, whenFalse: null });

/** `a.b.c` for a name or a chain of attributes on one; null otherwise. */
function dotted(n: CondNode): string | null {
  if (n.k === 'name') return n.name;
  if (n.k !== 'attr') return null;
  const head = dotted(n.object);
  return head === null ? null : `${head}.${n.attr}`;
}

/** One string literal (`single`), or a tuple/list/set of string literals; null when it is anything else. */
function strings(n: CondNode, single: boolean): string[] | null {
  if (n.k === 'str') return n.value === null ? null : [n.value];
  if (single || n.k !== 'seq') return null;
  const out: string[] = [];
  for (const item of n.items) {
    if (item.k !== 'str' || item.value === null) return null;
    out.push(item.value);
  }
  return out;
}

/** Per module: the names the current function bound, and the module's one-line test functions. */
export class DialectScope {
  private terms = new Map<string, DialectTerm>();
  /** Module-level functions whose body is one `return <expression>`. */
  readonly returns = new Map<string, CondNode>();
  private readonly following = new Set<string>();

  /** @param receivers dotted names bound to `alembic.op` (the reader's own set, as it grows). */
  constructor(private readonly receivers: ReadonlySet<string>) {}

  /** A new top-level function: its names are its own. Returns what to restore when it ends. */
  enter(): Map<string, DialectTerm> {
    const outer = this.terms;
    this.terms = new Map();
    return outer;
  }

  leave(outer: Map<string, DialectTerm>): void {
    this.terms = outer;
  }

  private term(n: CondNode): DialectTerm | null {
    switch (n.k) {
      case 'name':
        return this.terms.get(n.name) ?? null;
      case 'call': {
        // is_postgres(); op.get_bind(), op.get_context(), context.get_bind(), context.get_context()
        if (n.callee.k === 'name') return this.returned(n.callee.name);
        if (n.callee.k !== 'attr' || (n.callee.attr !== 'get_bind' && n.callee.attr !== 'get_context')) return null;
        const receiver = dotted(n.callee.object);
        return receiver !== null && (this.receivers.has(receiver) || receiver === 'context' || receiver === 'alembic.context') ? { kind: 'bind' } : null;
      }
      case 'attr': {
        // `<anything>.dialect` is SQLAlchemy's Dialect (connections, engines, migration contexts).
        if (n.attr === 'dialect') return { kind: 'dialect' };
        const of = this.term(n.object);
        if (n.attr === 'name') return of?.kind === 'dialect' || of?.kind === 'engine' ? { kind: 'name' } : null;
        if (n.attr === 'engine' || n.attr === 'bind') return of?.kind === 'bind' ? { kind: n.attr === 'engine' ? 'engine' : 'bind' } : null;
        return null;
      }
      default: {
        const t = this.test(n);
        return t.whenTrue === null && t.whenFalse === null ? null : { kind: 'test', ...t };
      }
    }
  }

  /** What a call to a one-line module function returns, read in its own (empty) scope. */
  private returned(fn: string): DialectTerm | null {
    const expr = this.returns.get(fn);
    if (expr === undefined || this.following.has(fn)) return null;
    const outer = this.enter();
    this.following.add(fn);
    try {
      return this.term(expr);
    } finally {
      this.following.delete(fn);
      this.leave(outer);
    }
  }

  /** The dialects on which `n` can be true and can be false (null: every dialect). */
  test(n: CondNode): Test {
    switch (n.k) {
      case 'not': {
        const t = this.test(n.arg);
        return { whenTrue: t.whenFalse, whenFalse: t.whenTrue };
      }
      case 'bool': {
        const l = this.test(n.left);
        const r = this.test(n.right);
        if (n.op === 'and') return { whenTrue: and(l.whenTrue, r.whenTrue), whenFalse: or(l.whenFalse, r.whenFalse) };
        return { whenTrue: or(l.whenTrue, r.whenTrue), whenFalse: and(l.whenFalse, r.whenFalse) };
      }
      case 'name':
      case 'call': {
        const t = this.term(n);
        return t?.kind === 'test' ? { whenTrue: t.whenTrue, whenFalse: t.whenFalse } : UNKNOWN;
      }
      case 'cmp': {
        // Exactly `name OP literal` or `literal OP name`, OP one of == != in `not in`.
        const { op } = n;
        for (const [subject, value, first] of [
          [n.left, n.right, true],
          [n.right, n.left, false],
        ] as const) {
          if (this.term(subject)?.kind !== 'name') continue;
          const names = op === 'in' || op === 'not in' ? (first ? strings(value, false) : null) : strings(value, true);
          if (names === null) return UNKNOWN;
          if (op === '==' || op === 'in') return { whenTrue: only(names), whenFalse: except(names) };
          if (op === '!=' || op === 'not in') return { whenTrue: except(names), whenFalse: only(names) };
          return UNKNOWN;
        }
        return UNKNOWN;
      }
      default:
        return UNKNOWN;
    }
  }

  /**
   * An assignment in the current function: `targets` are every name it binds; `single` the target
   * when it is one plain name; `right` its value (null when there is none to read).
   */
  bind(targets: readonly string[], single: string | null, right: CondNode | null, augmented: boolean): void {
    const t = !augmented && single !== null && right !== null && right.k !== 'assign' ? this.term(right) : null;
    for (const name of targets) this.terms.delete(name);
    if (t !== null) this.terms.set(single!, t);
  }
}
