/**
 * Which round-trip findings the per-revision findings explain (and so are not repeated), and which
 * stay: the round trip's own cause, with its database error, must never disappear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunContext } from '../../src/checks/context.js';
import { dedupeRoundTrip } from '../../src/checks/round-trip.js';
import { planWalk } from '../../src/checks/plan.js';
import type { Finding, Project } from '../../src/model.js';
import { defaultSettings } from '../../src/project/settings.js';

const project = { root: '/p', settings: defaultSettings() } as unknown as Project;
const rev = (revision: string, down: string[]) => ({ revision, downRevisions: down, dependencies: [], branchLabels: [], irreversible: false });

function context(findings: Omit<Finding, 'severity'>[]): RunContext {
  const ctx = new RunContext(project, 60, {});
  // a1 → a2 on one branch, b1 on another, all from r0
  ctx.plan = planWalk([rev('r0', []), rev('a1', ['r0']), rev('a2', ['a1']), rev('b1', ['r0'])]);
  for (const f of findings) ctx.add(f);
  return ctx;
}

test('a round-trip failure at a revision whose descendant the per-revision checks blame is that one\'s consequence', () => {
  const ctx = context([
    { rule: 'downgrade-leaves-trace', message: 'x', revision: 'a2' },
    { rule: 'round-trip-failed', message: 'cannot drop table', revision: 'a1' },
  ]);
  assert.deepEqual(dedupeRoundTrip(ctx), ['a2']);
  assert.deepEqual(ctx.findings.map((f) => f.rule), ['downgrade-leaves-trace']);
});

test('a round-trip failure on another branch than the per-revision problem stays, with its error', () => {
  const ctx = context([
    { rule: 'downgrade-leaves-trace', message: 'x', revision: 'a2' },
    { rule: 'round-trip-failed', message: 'cannot drop table accounts because other objects depend on it', revision: 'b1' },
  ]);
  assert.deepEqual(dedupeRoundTrip(ctx), []);
  assert.deepEqual(ctx.findings.map((f) => [f.rule, f.revision]), [['downgrade-leaves-trace', 'a2'], ['round-trip-failed', 'b1']]);
});

test('a schema difference after the round trip stays only when the per-revision checks found nothing', () => {
  const alone = context([{ rule: 'round-trip-failed', message: 'schema differs' }]);
  dedupeRoundTrip(alone);
  assert.equal(alone.findings.length, 1);
  const explained = context([{ rule: 'downgrade-failed', message: 'x', revision: 'b1' }, { rule: 'round-trip-failed', message: 'schema differs' }]);
  assert.deepEqual(dedupeRoundTrip(explained), ['b1']);
  assert.deepEqual(explained.findings.map((f) => f.rule), ['downgrade-failed']);
});
