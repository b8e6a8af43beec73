/**
 * Where each function of a migration module runs, and on which dialects: `upgrade()` and
 * `downgrade()` (and the multi-database template's `upgrade_<name>()` / `downgrade_<name>()`) run
 * in their phase; a helper runs in the phases of the functions that call it, followed through the
 * module's own calls (`MigrationFile.helperCalls`), under the dialect branches around those calls.
 * A function that no phase reaches (called in a way the parser does not follow, such as through a
 * variable) falls back to its name: `_downgrade_data` runs in downgrade, anything else in upgrade.
 * Pure.
 */
import type { MigrationFile, OpCall } from '../model.js';
import { and, or, runsOn, type Guard } from '../source/dialect-guard.js';

export type Phase = 'upgrade' | 'downgrade';
export const PHASES: readonly Phase[] = ['upgrade', 'downgrade'];

/** The phase a function's name suggests (the fallback for functions no phase reaches). */
export function phaseOf(fn: string): Phase {
  // Alembic's multidb template names them upgrade_<engine>() / downgrade_<engine>(); helpers are
  // usually named after the phase that calls them (`_downgrade_data`, `downgrade_enum`).
  return fn.toLowerCase().includes('downgrade') ? 'downgrade' : 'upgrade';
}

/** The functions Alembic itself calls: the phase entry points. */
export function isEntryPoint(fn: string): boolean {
  return fn === 'upgrade' || fn === 'downgrade' || fn.startsWith('upgrade_') || fn.startsWith('downgrade_');
}

/** Per phase a function runs in: the dialects it runs on there (null: every dialect). */
export type FunctionPhases = Partial<Record<Phase, Guard>>;

/** Every function of the module that some phase reaches, with where it runs. */
export function functionPhases(file: Pick<MigrationFile, 'opCalls' | 'helperCalls'>): Map<string, FunctionPhases> {
  const where = new Map<string, FunctionPhases>();
  const names = new Set<string>([...file.opCalls.map((c) => c.function), ...file.helperCalls.flatMap((c) => [c.from, c.to])]);
  for (const fn of names) if (isEntryPoint(fn)) where.set(fn, { [phaseOf(fn)]: null });
  // Propagate along the calls until nothing changes: each round can only widen a guard, and a
  // guard only names dialects written in the file, so this ends after a few rounds.
  for (let round = 0, changed = true; changed && round < 64; round++) {
    changed = false;
    for (const call of file.helperCalls) {
      const from = where.get(call.from);
      if (from === undefined) continue;
      for (const phase of PHASES) {
        if (!(phase in from)) continue;
        const guard = and(from[phase]!, call.dialects ?? null);
        const to = where.get(call.to) ?? {};
        const next = phase in to ? or(to[phase]!, guard) : guard;
        if (!(phase in to) || JSON.stringify(next) !== JSON.stringify(to[phase])) {
          to[phase] = next;
          where.set(call.to, to);
          changed = true;
        }
      }
    }
  }
  return where;
}

/** The phases an `op.*` call runs in for `dialect` (none when every branch it sits in is for another dialect). */
export function callPhases(call: OpCall, phases: ReadonlyMap<string, FunctionPhases>, dialect: string): Phase[] {
  const where = phases.get(call.function) ?? { [phaseOf(call.function)]: null };
  return PHASES.filter((p) => p in where && runsOn(and(where[p]!, call.dialects ?? null), dialect));
}
