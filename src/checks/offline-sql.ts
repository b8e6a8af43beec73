/**
 * offline-sql: every revision rendered as `alembic upgrade <down>:<rev> --sql` would, separately,
 * through env.py in offline mode (no database). The SQL feeds the `sql` command, the Markdown and
 * HTML reports, and the SQL-level operation rules.
 */
import type { Finding, Severity } from '../model.js';
import { redactUrl } from '../errors.js';
import offlineSqlFailed from '../rules/offline-sql-failed.js';
import type { HelperError, PythonBridge } from '../python/bridge.js';
import { errorSummary, type RunContext } from './context.js';
import type { CheckOutcome, DatabaseCheck } from './types.js';

export const offlineSqlCheck: DatabaseCheck = { id: 'offline-sql', title: 'offline SQL', rules: [offlineSqlFailed] };

export interface OfflineRevisionSql {
  revision: string;
  /** Relative to the project root. */
  file: string;
  /** The SQL `alembic upgrade <down>:<revision> --sql` prints for this revision alone. */
  sql?: string;
  error?: string;
}

export interface OfflineResult {
  outcome: CheckOutcome;
  sql: OfflineRevisionSql[];
  /** env.py itself cannot run offline: reported only when it works online (else that error says it). */
  envFinding?: Finding;
}

export async function runOffline(ctx: RunContext, bridge: PythonBridge, order: readonly string[], onRevision?: (rev: string, index: number) => void): Promise<OfflineResult> {
  const items = order.map((rev) => ({ revision: rev, parents: ctx.revisions.get(rev)?.down_revisions ?? [] }));
  const r = await bridge.request({ op: 'offline', revisions: items }, ctx.commandTimeout(items.length));
  const results = (r.results as { revision: string; ok: boolean; sql?: string; error?: HelperError }[] | undefined) ?? [];
  const sql: OfflineRevisionSql[] = [];
  let failed = 0;
  results.forEach((res, i) => {
    onRevision?.(res.revision, i);
    const file = ctx.revisionFile(res.revision) ?? '';
    if (res.ok) {
      sql.push({ revision: res.revision, file, sql: res.sql ?? '' });
      return;
    }
    failed++;
    const err = res.error!;
    sql.push({ revision: res.revision, file, error: errorSummary(err) });
    ctx.add({
      rule: 'offline-sql-failed',
      message: `the upgrade of ${res.revision} cannot be rendered as offline SQL (alembic upgrade --sql): ${errorSummary(err)}.`,
      file,
      line: err.line ?? ctx.fallbackLine(res.revision, 'upgrade'),
      revision: res.revision,
      fix: 'Write data migrations as SQL that does not read rows first (op.execute("UPDATE … SET … WHERE …")), or guard the Python part with `if not context.is_offline_mode():` and document the manual step.',
    });
  });
  if (!r.ok && results.length === 0) {
    const err = r.error!;
    const severity = ctx.severity('offline-sql-failed');
    const envFinding: Finding | undefined =
      severity === 'off'
        ? undefined
        : {
            rule: 'offline-sql-failed',
            severity: severity as Severity,
            message: redactUrl(`env.py cannot run in offline mode (alembic upgrade --sql): ${errorSummary(err)}.`),
            file: ctx.rel(err.path) ?? ctx.rel(ctx.hello?.env_py),
            ...(err.line !== undefined && err.line !== null ? { line: err.line } : {}),
            fix: 'Give env.py a run_migrations_offline() that calls context.configure(url=…, literal_binds=True) and context.run_migrations(), as the Alembic templates do.',
          };
    return { outcome: { status: 'failed', message: 'env.py cannot run in offline mode' }, sql, ...(envFinding !== undefined ? { envFinding } : {}) };
  }
  return {
    outcome:
      failed === 0
        ? { status: 'passed', message: `${results.length} revision${results.length === 1 ? '' : 's'} rendered as offline SQL` }
        : { status: 'failed', message: `${failed} of ${results.length} revisions cannot be rendered as offline SQL` },
    sql,
  };
}
