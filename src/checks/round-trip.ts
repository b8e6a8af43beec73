/**
 * round-trip: head → base (or down to the revisions that may not be downgraded) → head, as the
 * commands run it, gives the schema of the first upgrade.
 *
 * The fast walk establishes it without running the commands again: every downgrade, from head down,
 * gave exactly the schema before its revision's upgrade (digests compared), and `alembic upgrade
 * heads` from that schema gave the schema at head. When anything differs, runRoundTrip runs the
 * commands themselves on a database at head and reports what they do.
 */
import roundTripFailed from '../rules/round-trip-failed.js';
import type { PythonBridge } from '../python/bridge.js';
import type { ScratchDatabase } from '../database/server.js';
import { diffSnapshots, takeSnapshot } from '../database/snapshot/snapshot.js';
import { Stop, type RunContext } from './context.js';
import type { CheckOutcome, DatabaseCheck } from './types.js';

export const roundTripCheck: DatabaseCheck = { id: 'round-trip', title: 'round trip', rules: [roundTripFailed] };

export function roundTripLabel(ctx: RunContext): string {
  const targets = ctx.plan.roundTripTargets;
  return targets[0] === 'base' ? 'base' : targets.join(', ');
}

/** The verdict of the fast walk: every downgrade exact and the upgrade back to head equal. */
export function fastRoundTrip(ctx: RunContext): CheckOutcome {
  const label = roundTripLabel(ctx);
  return { status: 'passed', message: `head → ${label} → head gives the same schema` };
}

/** The commands themselves, on `db` at head (after the upgrade check). */
export async function runRoundTrip(ctx: RunContext, bridge: PythonBridge, db: ScratchDatabase): Promise<CheckOutcome> {
  const targets = ctx.plan.roundTripTargets;
  let label = roundTripLabel(ctx);
  let stoppedAt: string | undefined;
  const before = await takeSnapshot(db.client);
  for (const target of targets) {
    const r = await bridge.request({ op: 'downgrade', target }, ctx.commandTimeout(ctx.revisions.size));
    if (r.ok) continue;
    const err = r.error!;
    if (err.kind === 'irreversible' && err.revision !== undefined) {
      ctx.noteIrreversible(err.revision, err);
      stoppedAt = err.revision;
      break;
    }
    if (err.kind !== 'step') throw new Stop(ctx.envError(err, `running alembic downgrade ${target}`));
    ctx.stepFinding(
      'round-trip-failed',
      err,
      `alembic downgrade ${target} fails at ${err.revision} (head → ${label} → head)`,
      'Make downgrade() undo exactly what upgrade() does, in reverse order, also when the later revisions were downgraded in the same command; mark a revision that cannot be reversed with `raise NotImplementedError`.',
    );
    return { status: 'failed', message: `alembic downgrade ${target} fails at ${err.revision}` };
  }
  if (stoppedAt !== undefined) label = `${stoppedAt} (irreversible)`;
  const up = await bridge.request({ op: 'upgrade', target: 'heads' }, ctx.commandTimeout(ctx.revisions.size));
  ctx.noteDataErrors(up.dataErrors);
  if (!up.ok) {
    const err = up.error!;
    if (err.kind !== 'step') throw new Stop(ctx.envError(err, 'running alembic upgrade heads again'));
    ctx.stepFinding(
      'round-trip-failed',
      err,
      `alembic upgrade heads fails at ${err.revision} after alembic downgrade ${label} (head → ${label} → head)`,
      'The downgrade leaves something the upgrade cannot run on: make downgrade() drop everything upgrade() creates.',
    );
    return { status: 'failed', message: `alembic upgrade heads fails at ${err.revision} after downgrading to ${label}` };
  }
  const after = await takeSnapshot(db.client);
  const diffs = diffSnapshots(before, after, { ignoreTables: ctx.versionTables });
  if (diffs.length > 0) {
    ctx.add({
      rule: 'round-trip-failed',
      message: `after head → ${label} → head the schema differs from the first upgrade: ${diffs.map((d) => d.sentence({ action: `downgrading to ${label} and upgrading to head again` })).join('; ')}.`,
      fix: 'Make each downgrade() undo exactly what its upgrade() creates (the up-down findings name the revision when one is reported).',
    });
    return { status: 'failed', message: `the schema differs after head → ${label} → head` };
  }
  return { status: 'passed', message: `head → ${label} → head gives the same schema` };
}

/**
 * A round-trip finding that only repeats what the per-revision checks report is dropped: one at a
 * revision the per-revision checks already blame, or one of whose descendants they blame (a later
 * downgrade that leaves a table behind makes this one's DROP fail). One about another revision
 * stays, with the database's error at its downgrade; one about the whole schema stays when the
 * per-revision checks found nothing.
 */
export function dedupeRoundTrip(ctx: RunContext): string[] {
  const STEP_RULES = ['downgrade-failed', 'up-down-inconsistent', 'downgrade-leaves-trace', 'upgrade-failed'];
  const blamed = [...new Set(ctx.findings.filter((f) => STEP_RULES.includes(f.rule) && f.revision !== undefined).map((f) => f.revision!))];
  const explaining = (rev: string): string[] => blamed.filter((b) => b === rev || ctx.plan.ancestors.get(b)?.has(rev) === true);
  const anyStepProblem = ctx.findings.some((f) => STEP_RULES.slice(0, 3).includes(f.rule));
  const because = new Set<string>();
  ctx.drop((f) => {
    if (f.rule !== 'round-trip-failed') return false;
    const by = f.revision !== undefined ? explaining(f.revision) : anyStepProblem ? blamed : [];
    for (const b of by) because.add(b);
    return by.length > 0 || (f.revision === undefined && anyStepProblem);
  });
  return [...because];
}
