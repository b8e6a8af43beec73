/**
 * model-drift: the models (env.py's target_metadata) against the database at head, judged the way
 * `alembic check` judges it, with env.py's own comparison settings.
 */
import modelDrift from '../rules/model-drift.js';
import type { PythonBridge } from '../python/bridge.js';
import { Stop, type RunContext } from './context.js';
import type { CheckOutcome, DatabaseCheck } from './types.js';

export const modelDriftCheck: DatabaseCheck = { id: 'model-drift', title: 'model drift', rules: [modelDrift] };

export async function runDrift(ctx: RunContext, bridge: PythonBridge): Promise<CheckOutcome> {
  const r = await bridge.request({ op: 'drift' }, ctx.commandTimeout(1));
  if (!r.ok) throw new Stop(ctx.envError(r.error!, 'comparing the models with the database'));
  if (typeof r.skipped === 'string') return { status: 'skipped', message: r.skipped };
  const diffs = (r.differences as { message: string; path?: string; line?: number }[] | undefined) ?? [];
  for (const d of diffs) {
    ctx.add({
      rule: 'model-drift',
      message: `${d.message} (alembic check would fail).`,
      file: ctx.rel(d.path),
      line: d.path !== undefined ? d.line : undefined,
      fix: 'Generate a migration for the change (alembic revision --autogenerate) and review it, or change the model back.',
    });
  }
  return diffs.length === 0
    ? { status: 'passed', message: 'the models match the database at head' }
    : { status: 'failed', message: `${diffs.length} difference${diffs.length === 1 ? '' : 's'} between the models and the database` };
}
