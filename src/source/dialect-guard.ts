/**
 * Sets of dialects, for the `if` tests on the dialect's name that migrations use to run a
 * statement on one database only. A set is finite (`only` these) or cofinite (every dialect
 * `except` these), which is closed under and / or / not. `null` stands for every dialect. Pure.
 */
import type { DialectGuard } from '../model.js';

export type Guard = DialectGuard | null;

/** No dialect: a statement after a branch that always returns. */
export const NO_DIALECT: DialectGuard = Object.freeze({ only: [] }) as DialectGuard;

function sorted(items: Iterable<string>): string[] {
  return [...new Set(items)].sort();
}

function normal(g: DialectGuard): Guard {
  return 'except' in g && g.except.length === 0 ? null : g;
}

export function only(names: Iterable<string>): Guard {
  return { only: sorted(names) };
}

export function except(names: Iterable<string>): Guard {
  return normal({ except: sorted(names) });
}

export function not(g: Guard): Guard {
  if (g === null) return NO_DIALECT;
  return 'only' in g ? except(g.only) : { only: g.except };
}

export function and(a: Guard, b: Guard): Guard {
  if (a === null) return b;
  if (b === null) return a;
  if ('only' in a && 'only' in b) return only(a.only.filter((d) => b.only.includes(d)));
  if ('only' in a) return only(a.only.filter((d) => !(b as { except: string[] }).except.includes(d)));
  if ('only' in b) return only(b.only.filter((d) => !a.except.includes(d)));
  return except([...a.except, ...b.except]);
}

export function or(a: Guard, b: Guard): Guard {
  return not(and(not(a), not(b)));
}

/** Does a statement under `g` run on `dialect`? */
export function runsOn(g: Guard | undefined, dialect: string): boolean {
  if (g === null || g === undefined) return true;
  return 'only' in g ? g.only.includes(dialect) : !g.except.includes(dialect);
}
