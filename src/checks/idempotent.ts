/**
 * idempotent (opt-in): every upgrade is safe to run again when its change already exists. The
 * walk's up pass stamps the version table back to the parent after a revision's upgrade and runs
 * it again; this file judges what that second run did.
 */
import notIdempotent from '../rules/not-idempotent.js';
import { resolveRevision } from './plan.js';
import { Stop, type RunContext } from './context.js';
import { ConfigError } from '../errors.js';
import type { CheckOutcome, DatabaseCheck, RevisionCycle } from './types.js';

export const idempotentCheck: DatabaseCheck = { id: 'idempotent', title: 'idempotent upgrades', rules: [notIdempotent] };

/** The revisions to run twice: every one (`idempotent = true`), or the ones after idempotent_since. */
export function idempotentRevisions(ctx: RunContext): Set<string> | undefined {
  const s = ctx.project.settings;
  if (s.idempotentSince !== undefined) {
    const revs = [...ctx.revisions.values()].map((r) => ({ revision: r.revision, downRevisions: r.down_revisions, dependencies: r.dependencies, branchLabels: r.branch_labels, irreversible: false }));
    let since: string;
    try {
      since = resolveRevision(s.idempotentSince, revs);
    } catch (e) {
      throw new Stop(new ConfigError(`[tool.alembic-guard] idempotent_since: ${e instanceof Error ? e.message : String(e)}`, { hint: 'Name an existing revision id, unique prefix or branch label.' }));
    }
    const notAfter = new Set([since, ...(ctx.plan.ancestors.get(since) ?? [])]);
    return new Set(ctx.plan.order.filter((r) => !notAfter.has(r)));
  }
  return s.idempotent === true ? new Set(ctx.plan.order) : undefined;
}

export function judgeIdempotent(ctx: RunContext, cycles: readonly RevisionCycle[], selected: ReadonlySet<string>): CheckOutcome {
  let problems = 0;
  let ran = 0;
  const fix = 'Guard each change so that it can run when it already exists: check first with sa.inspect(op.get_bind()) (has_table, get_columns, get_indexes), or use if_not_exists=True / if_exists=True where Alembic has them (create_index, drop_index, create_table, drop_table); write data migrations as INSERT … ON CONFLICT DO NOTHING.';
  for (const c of cycles) {
    const r = c.rerun;
    if (r === undefined || !selected.has(c.revision)) continue;
    ran++;
    const parent = (ctx.revisions.get(c.revision)?.down_revisions ?? []).join(', ') || 'base';
    if (!r.ok && r.error !== undefined) {
      const err = ctx.stepError(r, `running the upgrade of ${c.revision} again`)!;
      problems++;
      ctx.stepFinding('not-idempotent', err, `upgrade of ${c.revision} is not safe to run again: with the version table stamped back to ${parent}, the second run fails`, fix);
      continue;
    }
    const what = [r.same === false ? 'changes the schema again' : undefined, (r.inserted ?? 0) > 0 ? `inserts ${r.inserted} more row${r.inserted === 1 ? '' : 's'}` : undefined].filter((x) => x !== undefined);
    if (what.length > 0) {
      problems++;
      ctx.add({
        rule: 'not-idempotent',
        message: `upgrade of ${c.revision} is not safe to run again: with the version table stamped back to ${parent}, the second run ${what.join(' and ')}.`,
        file: ctx.revisionFile(c.revision),
        line: ctx.fallbackLine(c.revision, 'upgrade'),
        revision: c.revision,
        fix,
      });
    }
  }
  return { status: problems > 0 ? 'failed' : 'passed', message: `${ran} upgrade${ran === 1 ? '' : 's'} run a second time; ${problems === 0 ? 'each is safe to run again' : `${problems} not safe to run again`}` };
}
