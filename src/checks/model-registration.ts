/**
 * model-registration: every model module registers on target_metadata. After env.py has given its
 * target_metadata, the helper imports every module of the application's packages; a table that only
 * then appears on it belongs to a model env.py never imports (invisible to autogenerate and drift).
 */
import unregisteredModel from '../rules/unregistered-model.js';
import type { PythonBridge } from '../python/bridge.js';
import { findLocalModules } from '../engine/context.js';
import { Stop, oneLine, type RunContext } from './context.js';
import type { CheckOutcome, DatabaseCheck } from './types.js';

export const modelRegistrationCheck: DatabaseCheck = { id: 'model-registration', title: 'model registration', rules: [unregisteredModel] };

interface Unregistered {
  table: string;
  class?: string;
  module?: string | null;
  path?: string;
  line?: number;
}

export async function runModelRegistration(ctx: RunContext, bridge: PythonBridge): Promise<CheckOutcome> {
  const settings = ctx.project.settings;
  const packages = settings.modelPackages ?? [...findLocalModules(ctx.project)].sort();
  if (packages.length === 0) return { status: 'skipped', message: 'no application packages found beside the Alembic config (name them with model_packages)' };
  const r = await bridge.request({ op: 'models', packages, exclude: settings.modelExclude ?? [] }, ctx.commandTimeout(1));
  if (!r.ok) throw new Stop(ctx.envError(r.error!, 'importing the application modules for model registration'));
  if (typeof r.skipped === 'string') return { status: 'skipped', message: r.skipped };
  const found = (r.unregistered as Unregistered[] | undefined) ?? [];
  const failed = (r.failed as { module: string; error: string }[] | undefined) ?? [];
  const envPy = ctx.rel(ctx.hello?.env_py) ?? 'env.py';
  for (const u of found) {
    const what = u.class !== undefined ? `model ${u.class} (table ${u.table}) in ${u.module}` : `table ${u.table}${u.module ? ` in ${u.module}` : ''}`;
    ctx.add({
      rule: 'unregistered-model',
      message: `${what} is not on target_metadata when env.py runs: no module env.py imports imports ${u.module ?? 'it'}, so autogenerate and alembic check do not see this table.`,
      file: ctx.rel(u.path),
      ...(u.path !== undefined && u.line !== undefined ? { line: u.line } : {}),
      fix: `Add \`import ${u.module ?? '…'}  # noqa: F401\` to ${envPy} (or to the module that defines target_metadata).`,
    });
  }
  const imported = typeof r.imported === 'number' ? r.imported : 0;
  const notes = [
    `${imported} module${imported === 1 ? '' : 's'} of ${packages.join(', ')} imported`,
    failed.length > 0 ? `${failed.length} could not be imported: ${failed.slice(0, 5).map((f) => `${f.module} (${oneLine(f.error, 80)})`).join('; ')}${failed.length > 5 ? ' …' : ''}` : undefined,
  ].filter((n) => n !== undefined);
  return { status: found.length > 0 ? 'failed' : 'passed', message: `${found.length === 0 ? 'every model is on target_metadata' : `${found.length} model${found.length === 1 ? '' : 's'} not on target_metadata`}: ${notes.join('; ')}` };
}
