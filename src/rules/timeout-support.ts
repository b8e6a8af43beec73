/**
 * require-lock-timeout and require-statement-timeout share this check: the timeline of settings
 * in force comes from the ops stage (ops/env-settings.ts), the findings are made here.
 */
import type { FindingDraft } from '../model.js';
import type { RuleContext } from './define.js';
import type { Operation } from '../ops/model.js';
import { accessExclusiveTarget, envSettingsOf, isDisabledTimeout, opLabel, timeoutTimeline, type SettingInForce, type TimeoutName } from '../ops/env-settings.js';
import { lintedRevisions, report } from './support.js';

const SUGGESTED: Record<TimeoutName, string> = { lock_timeout: '5s', statement_timeout: '15min' };

/**
 * The check behind `require-lock-timeout` and `require-statement-timeout`: in each linted
 * revision's upgrade, the first operation that locks an existing table ACCESS EXCLUSIVE with no
 * `name` in force (per revision: a SET in one revision does not carry to the next, since each may
 * run alone; env.py settings apply to all). One finding per revision, at that operation.
 */
export function timeoutFindings(ctx: RuleContext, name: TimeoutName): FindingDraft[] {
  const env = envSettingsOf(ctx.envPy);
  const out: FindingDraft[] = [];
  const value = SUGGESTED[name];
  for (const rev of lintedRevisions(ctx)) {
    const ops = rev.upgrade;
    const timeline = timeoutTimeline(ops, name, env);
    const unprotected: { op: Operation; what: string; inForce: SettingInForce | null }[] = [];
    ops.forEach((op, i) => {
      const target = accessExclusiveTarget(op, ops);
      if (target === undefined) return;
      const inForce = timeline[i] ?? null;
      if (inForce !== null && !isDisabledTimeout(inForce.value)) return;
      unprotected.push({ op, what: target.what, inForce });
    });
    const first = unprotected[0];
    if (first === undefined) continue;
    const { op, what, inForce } = first;
    let why: string;
    if (inForce !== null) {
      why = `${name} is ${inForce.value} (no timeout), set ${inForce.from === 'env' ? `in env.py line ${inForce.line}` : `at line ${inForce.op?.loc.line}`}`;
    } else {
      const endedLocal = ops.slice(0, op.index).find((o) => o.kind === 'set-setting' && o.name === name && o.local && o.value !== null && o.inTransaction);
      why = endedLocal !== undefined ? `no ${name} in force (the SET LOCAL at line ${endedLocal.loc.line} ended with its transaction)` : `no ${name} in force`;
    }
    const more = unprotected.length > 1 ? ` (${unprotected.length - 1} more such operation${unprotected.length > 2 ? 's' : ''} in this revision)` : '';
    const consequence =
      name === 'lock_timeout'
        ? 'While it waits for a lock held by any running transaction, every query on that table queues behind it, so one long-running query turns this migration into an outage'
        : 'If the statement runs long (a table rewrite, a scan, or waiting for a lock), nothing stops it and the table stays locked for as long as it runs';
    out.push(
      report(op, `${opLabel(op)} takes an ACCESS EXCLUSIVE lock (${what}) with ${why}${more}. ${consequence}.`, {
        python:
          `Set a timeout before the first such operation, at the start of upgrade(): op.execute("SET ${name} = '${value}'") ` +
          `(or for every migration in env.py: connect_args={"options": "-c ${name}=${value}"}), and retry the migration when it times out.`,
        sql: `Run SET ${name} = '${value}' before this statement (or set it for every migration in env.py's connect_args options), and retry when it times out.`,
      }),
    );
  }
  return out;
}
