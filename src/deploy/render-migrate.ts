/**
 * What `migrate` prints: progress lines as it goes (text), the end state, and the JSON document.
 * Pure: events and results in, text out. Passwords are never in these (URLs come redacted).
 */
import type { Finding } from '../model.js';
import type { Session } from './lock.js';
import type { MigrateEvent, MigrateResult, PlannedRevision } from './migrate.js';

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** `2024-05-01T12:01:07Z` → `12:01:07 UTC (2024-05-01)`. */
function when(iso: string | null): string {
  if (iso === null) return 'an unknown time';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})Z$/.exec(iso);
  return m === null ? iso : `${m[2]} UTC (${m[1]})`;
}

export function describeSession(s: Session): string {
  const parts = [`pid ${s.pid}`, `since ${when(s.since)}`, `application_name "${s.applicationName}"`];
  if (s.user !== null) parts.push(`user ${s.user}`);
  if (s.clientAddr !== null) parts.push(`from ${s.clientAddr}`);
  if (s.state !== null) parts.push(s.state);
  return parts.join(', ');
}

function query(s: Session): string {
  return s.query !== null && s.query.trim() !== '' ? `\n      query: ${s.query.replace(/\s+/g, ' ').trim().slice(0, 300)}` : '';
}

export function planLines(plan: readonly PlannedRevision[], withSql: boolean): string[] {
  if (plan.length === 0) return ['Plan:     nothing to apply: the database is at head.'];
  const width = Math.max(...plan.map((p) => p.revision.length));
  const out = [`Plan:     ${plan.length} revision${plan.length === 1 ? '' : 's'} to apply, in order:`];
  for (const p of plan) {
    out.push(`  ${p.revision.padEnd(width)}  ${p.message}${p.file !== undefined ? `  (${p.file})` : ''}`);
    if (withSql) {
      if (p.sql !== undefined) out.push(...p.sql.trimEnd().split('\n').map((l) => `      ${l}`));
      else if (p.sqlError !== undefined) out.push(`      (no offline SQL: ${p.sqlError})`);
    }
  }
  return out;
}

/** The line(s) for one progress event, or undefined for events that print nothing. */
export function eventLines(e: MigrateEvent, withSql = false): string[] {
  switch (e.kind) {
    case 'static':
      return [`Checked:  static check in ${seconds(e.durationMs)}: ${e.errors} error${e.errors === 1 ? '' : 's'}, ${e.findings - e.errors} other finding${e.findings - e.errors === 1 ? '' : 's'}`];
    case 'database':
      return [`Database: ${e.database} (version table ${e.versionTable})`, `Current:  ${e.current === null ? '(no version table)' : e.current.length === 0 ? '(empty version table)' : e.current.join(', ')}`];
    case 'waiting':
      return e.wait.for === 'lock'
        ? [e.wait.holder !== null ? `Waiting:  for the migration lock held by ${describeSession(e.wait.holder)}` : 'Waiting:  for the migration lock another runner holds']
        : [`Waiting:  for a statement of a killed run to end: ${e.wait.holder !== null ? describeSession(e.wait.holder) : ''}`];
    case 'locked':
      return [`Locked:   the migration lock${e.waitedMs >= 100 ? ` after waiting ${seconds(e.waitedMs)}` : ''}`];
    case 'plan':
      return planLines(e.plan, withSql);
    case 'backup':
      return [`Backup:   ${e.file} (pg_dump, ${seconds(e.durationMs)})`];
    case 'step':
      return [];
    case 'applied':
      return [`  [${e.index + 1}/${e.total}] ${e.applied.revision}  ${seconds(e.applied.durationMs)}${e.applied.attempts > 1 ? ` (attempt ${e.applied.attempts})` : ''}`];
    case 'retry': {
      const r = e.retry;
      const who = r.blockers.length > 0 ? `; blocked by ${r.blockers.map(describeSession).join('; ')}` : '';
      return [`  ${r.revision}: ${r.message}${who}; rolled back, retry ${r.attempt} in ${seconds(r.delayMs)}`];
    }
    case 'failed':
      return [];
  }
}

function findingLine(f: Finding): string {
  const where = f.file !== undefined ? `${f.file}${f.line !== undefined ? `:${f.line}` : ''}: ` : '';
  return `  ${where}${f.severity} ${f.rule}: ${f.message}`;
}

/** The end of the text output: the outcome, where the database is now, what to do next. */
export function resultLines(r: MigrateResult): string[] {
  const out: string[] = [];
  const heads = (revs: string[]) => (revs.length === 0 ? '(base)' : revs.join(', '));
  switch (r.state) {
    case 'planned':
      out.push('Nothing was changed (--plan).');
      break;
    case 'up-to-date':
      out.push(`Done:     nothing to apply; the database is at head (${heads(r.after)}).${r.waits.length > 0 ? ' Another runner applied the revisions.' : ''}`);
      break;
    case 'migrated':
      out.push(`Done:     ${r.applied.length} revision${r.applied.length === 1 ? '' : 's'} applied in ${seconds(r.durationMs)}; the database is at ${heads(r.after)}.`);
      break;
    case 'failed': {
      const f = r.failure!;
      out.push(`Failed:   ${f.revision}${f.file !== undefined ? ` (${f.file}${f.line !== undefined ? `:${f.line}` : ''})` : ''}: ${f.message}${f.attempts > 1 ? ` (after ${f.attempts} attempts)` : ''}`);
      if (f.statement !== undefined) out.push(`  SQL: ${f.statement.replace(/\s+/g, ' ').trim().slice(0, 500)}`);
      for (const b of f.blockers) out.push(`  Blocked by ${describeSession(b)}${query(b)}`);
      out.push(
        r.singleTransaction
          ? `State:    env.py runs every revision in one transaction: nothing was committed; the database is still at ${heads(r.after)}.`
          : `State:    ${f.revision} was rolled back; the database is at ${heads(r.after)}, the last revision that committed${r.applied.length > 0 ? ` (${r.applied.length} applied before the failure)` : ''}.`,
      );
      out.push(
        f.pgcode === '55P03'
          ? 'Next:     the blocking session above held a lock the revision needs; run again when it is gone (or end it), or raise --lock-timeout / --retries.'
          : f.pgcode === '57014'
            ? 'Next:     the statement ran into statement_timeout; make it cheaper (batches, CONCURRENTLY) or raise --statement-timeout, then run again.'
            : 'Next:     fix the revision and run `alembic-guard migrate` again; `alembic-guard doctor` explains the state if in doubt.',
      );
      break;
    }
    case 'refused': {
      const x = r.refusal!;
      out.push(`Refused:  ${x.message}; nothing was changed.`);
      for (const f of x.findings ?? []) out.push(findingLine(f));
      out.push(`Next:     ${x.hint}`);
      break;
    }
  }
  return out;
}

/** `--format json`: the documented document (docs/json-format.md). */
export function migrateJson(r: MigrateResult): string {
  const doc = {
    version: 1,
    command: 'migrate',
    state: r.state,
    exitCode: r.exitCode,
    database: r.database ?? null,
    versionTable: r.versionTable ?? null,
    before: r.before,
    after: r.after,
    heads: r.heads,
    plan: r.plan,
    applied: r.applied,
    waits: r.waits,
    retries: r.retries,
    failure: r.failure ?? null,
    refusal: r.refusal !== undefined ? { reason: r.refusal.reason, message: r.refusal.message, hint: r.refusal.hint, findings: r.refusal.findings ?? [] } : null,
    backup: r.backup ?? null,
    lockTimeoutMs: r.lockTimeoutMs,
    statementTimeoutMs: r.statementTimeoutMs,
    singleTransaction: r.singleTransaction,
    durationMs: r.durationMs,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
