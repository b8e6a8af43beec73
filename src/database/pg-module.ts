/**
 * node-postgres, loaded on first use: its modules take 50-90 ms to load, which a command that
 * connects late (migrate connects after Python has started and env.py has run) or never should
 * not pay before it starts its own work.
 */
import type pg from 'pg';

let loading: Promise<typeof pg> | undefined;

export function loadPg(): Promise<typeof pg> {
  loading ??= import('pg').then((m) => m.default);
  return loading;
}
