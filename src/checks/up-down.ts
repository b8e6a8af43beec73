/**
 * up-down: for each revision in order, upgrade it, downgrade it, compare the schema with the one
 * before its upgrade, and upgrade it again. The walk (walk.ts) observes; this file judges: a step
 * that fails (upgrade-failed, downgrade-failed, up-down-inconsistent), a downgrade that leaves
 * something behind (downgrade-leaves-trace), a downgrade that is irreversible only when it runs
 * (irreversible-downgrade: nothing below it is judged).
 */
import type { SchemaDifference } from '../database/snapshot/snapshot.js';
import upgradeFailed from '../rules/upgrade-failed.js';
import downgradeFailed from '../rules/downgrade-failed.js';
import downgradeLeavesTrace from '../rules/downgrade-leaves-trace.js';
import upDownInconsistent from '../rules/up-down-inconsistent.js';
import irreversibleDowngrade from '../rules/irreversible-downgrade.js';
import { upgradeFix, type RunContext } from './context.js';
import type { CheckOutcome, DatabaseCheck, RevisionCycle } from './types.js';

export const upDownCheck: DatabaseCheck = {
  id: 'up-down',
  title: 'up/down per revision',
  rules: [upgradeFailed, downgradeFailed, downgradeLeavesTrace, upDownInconsistent, irreversibleDowngrade],
};

const BELOW_IRREVERSIBLE = new Set(['downgrade-failed', 'downgrade-leaves-trace', 'up-down-inconsistent']);

/**
 * The verdicts of the walk, in the walk's order. `notes` are added to the check's message (how
 * the walk ran). The counts add up: every revision is tested, not downgrade-tested, not reached,
 * or failed its upgrade.
 */
export function judgeUpDown(ctx: RunContext, cycles: readonly RevisionCycle[], notes: string[] = []): CheckOutcome {
  let problems = 0;
  let tested = 0;
  let notReached = 0;
  let upFailed = 0;
  let untested = 0;
  const first = ctx.findings.length;
  for (const c of cycles) {
    const rev = c.revision;
    if (c.notReached === true) {
      notReached++;
      continue;
    }
    const upErr = ctx.stepError(c.up, `upgrading ${rev}`);
    if (upErr !== undefined) {
      problems++;
      upFailed++;
      if (ctx.upgradeFailedAt !== rev) {
        ctx.stepFinding(
          'upgrade-failed',
          upErr,
          `upgrade of ${rev} fails when applied on its own, one revision per transaction`,
          upgradeFix(upErr, 'Make upgrade() work on a database that holds exactly what the earlier migrations create, whether it runs alone or with the others.'),
        );
      }
      continue;
    }
    if (c.untested === true) {
      untested++;
      continue;
    }
    tested++;
    const downErr = ctx.stepError(c.down, `downgrading ${rev}`);
    if (downErr !== undefined) {
      if (downErr.kind === 'irreversible') {
        ctx.noteIrreversible(rev, downErr);
        continue;
      }
      problems++;
      ctx.stepFinding(
        'downgrade-failed',
        downErr,
        `downgrade of ${rev} fails right after its upgrade`,
        'Make downgrade() undo exactly what upgrade() does, in reverse order, with the same names; if the revision cannot be reversed, raise NotImplementedError in downgrade().',
      );
      continue;
    }
    if (c.same === false && c.diffs !== undefined && c.diffs.length > 0) {
      problems++;
      ctx.add({
        rule: 'downgrade-leaves-trace',
        message: `downgrade of ${rev} does not undo its upgrade: ${c.diffs.map((d: SchemaDifference) => d.sentence({ action: `downgrading ${rev}` })).join('; ')}.`,
        file: ctx.revisionFile(rev),
        line: ctx.fallbackLine(rev, 'downgrade'),
        revision: rev,
        fix: 'Drop in downgrade() everything upgrade() creates, including what op.create_table creates implicitly (enum types: sa.Enum(name=…).drop(op.get_bind())).',
      });
    }
    const againErr = ctx.stepError(c.again, `upgrading ${rev} again`);
    if (againErr !== undefined) {
      problems++;
      ctx.stepFinding(
        'up-down-inconsistent',
        againErr,
        `upgrade of ${rev} fails again after its own downgrade`,
        'Make downgrade() leave the database exactly as it was before upgrade(), so that upgrading again works.',
      );
    }
  }
  // A downgrade below a revision that turned out irreversible only when it ran can never be
  // reached by `alembic downgrade`: what was found there is dropped.
  const below = new Set<string>();
  for (const rev of ctx.dynamicIrreversible) for (const a of ctx.plan.ancestors.get(rev) ?? []) below.add(a);
  if (below.size > 0) {
    const mine = new Set(ctx.findings.slice(first));
    problems -= ctx.drop((f) => mine.has(f) && BELOW_IRREVERSIBLE.has(f.rule) && f.revision !== undefined && below.has(f.revision));
  }
  const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
  const parts = [
    `${plural(tested, 'revision')} upgraded, downgraded and upgraded again`,
    untested > 0 ? `${untested} not downgrade-tested (irreversible, downgrade_floor or skip_revisions)` : undefined,
    upFailed > 0 ? `${upFailed} failed to upgrade` : undefined,
    notReached > 0 ? `${notReached} not reached because an earlier revision failed` : undefined,
    ...notes,
  ].filter((n) => n !== undefined);
  return { status: problems > 0 ? 'failed' : 'passed', message: `${parts.join('; ')} (of ${cycles.length})` };
}
