/**
 * upgrade: `alembic upgrade heads` on an empty database, one command through env.py with its own
 * transaction settings, as a new environment (CI, a developer's checkout, a rebuild) runs it.
 */
import upgradeFailed from '../rules/upgrade-failed.js';
import type { PythonBridge } from '../python/bridge.js';
import { Stop, upgradeFix, type RunContext } from './context.js';
import type { CheckOutcome, DatabaseCheck } from './types.js';

export const upgradeCheck: DatabaseCheck = { id: 'upgrade', title: 'upgrade from scratch', rules: [upgradeFailed] };

/** Runs it; reports a failing revision unless `report` is false (the check is not selected). */
export async function runUpgrade(ctx: RunContext, bridge: PythonBridge, report = true): Promise<{ ok: boolean; outcome: CheckOutcome }> {
  const r = await bridge.request({ op: 'upgrade', target: 'heads' }, ctx.commandTimeout(ctx.revisions.size));
  ctx.noteVersionTable(r.version_table as [string, string | null] | undefined);
  ctx.noteDataErrors(r.dataErrors);
  if (r.ok) return { ok: true, outcome: { status: 'passed', message: `alembic upgrade heads from an empty database (${ctx.revisions.size} revision${ctx.revisions.size === 1 ? '' : 's'})` } };
  const err = r.error!;
  if (err.kind !== 'step') throw new Stop(ctx.envError(err, 'running alembic upgrade heads'));
  ctx.upgradeFailedAt = err.revision;
  if (report) {
    ctx.stepFinding(
      'upgrade-failed',
      err,
      `upgrade of ${err.revision} fails on a database upgraded from scratch (alembic upgrade heads)`,
      upgradeFix(err, 'Make upgrade() work on a database that holds exactly what the earlier migrations create: create what it needs in a migration (not with metadata.create_all() in the application), and test with `alembic upgrade head` on an empty database.'),
    );
  }
  return { ok: false, outcome: { status: 'failed', message: `alembic upgrade heads fails at ${err.revision}` } };
}
