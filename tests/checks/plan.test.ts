/**
 * The walk plan and the small decisions of the runtime, with literals: order, what is
 * downgrade-tested, where the round trip turns back, which driver env.py gets, error wording.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planWalk, PlanError, resolveRevision, topologicalOrder, type PlanRevision } from '../../src/checks/plan.js';
import { chooseDriverScheme } from '../../src/python/driver.js';
import { errorSummary } from '../../src/checks/context.js';

const rev = (revision: string, down: string[] = [], extra: Partial<PlanRevision> = {}): PlanRevision => ({
  revision,
  downRevisions: down,
  dependencies: [],
  branchLabels: [],
  irreversible: false,
  ...extra,
});

test('a linear chain is walked base first', () => {
  assert.deepEqual(topologicalOrder([rev('a'), rev('b', ['a']), rev('c', ['b'])]), ['a', 'b', 'c']);
  // the input order does not matter, only the parents do
  assert.deepEqual(topologicalOrder([rev('c', ['b']), rev('b', ['a']), rev('a')]), ['a', 'b', 'c']);
});

test('a merge point comes after both of its parents; branches keep the given order', () => {
  const revs = [rev('base'), rev('x', ['base']), rev('y', ['base']), rev('m', ['x', 'y']), rev('after', ['m'])];
  assert.deepEqual(topologicalOrder(revs), ['base', 'x', 'y', 'm', 'after']);
});

test('depends_on orders across branches', () => {
  const revs = [rev('b1', [], { dependencies: ['c2'] }), rev('c1'), rev('c2', ['c1'])];
  assert.deepEqual(topologicalOrder(revs), ['c1', 'c2', 'b1']);
});

test('a cycle is a PlanError', () => {
  assert.throws(() => topologicalOrder([rev('a', ['b']), rev('b', ['a'])]), PlanError);
});

test('without marks everything is downgrade-tested and the round trip goes to base', () => {
  const plan = planWalk([rev('a'), rev('b', ['a'])]);
  assert.equal(plan.noDowngrade.size, 0);
  assert.deepEqual(plan.roundTripTargets, ['base']);
  assert.deepEqual([...plan.ancestors.get('b')!], ['a']);
});

test('an irreversible revision blocks itself and everything below it, not above', () => {
  const plan = planWalk([rev('a'), rev('b', ['a'], { irreversible: true }), rev('c', ['b']), rev('d', ['c'])]);
  assert.deepEqual([...plan.noDowngrade.keys()].sort(), ['a', 'b']);
  assert.deepEqual(plan.noDowngrade.get('a'), { reason: 'irreversible', by: 'b' });
  assert.deepEqual(plan.roundTripTargets, ['b']);
});

test('an irreversible revision on one branch leaves the other branch testable', () => {
  const revs = [rev('base'), rev('x', ['base'], { irreversible: true }), rev('y', ['base']), rev('m', ['x', 'y'])];
  const plan = planWalk(revs);
  assert.deepEqual([...plan.noDowngrade.keys()].sort(), ['base', 'x']);
  assert.equal(plan.noDowngrade.has('y'), false);
  assert.equal(plan.noDowngrade.has('m'), false);
});

test('downgrade_floor by id, prefix or branch label; skip_revisions only skips the revision itself', () => {
  const revs = [rev('0001aa'), rev('0002bb', ['0001aa'], { branchLabels: ['core'] }), rev('0003cc', ['0002bb']), rev('0004dd', ['0003cc']), rev('0005ee', ['0004dd'])];
  for (const floor of ['0002bb', '0002', 'core']) {
    const plan = planWalk(revs, { downgradeFloor: floor, skipRevisions: ['0004dd'] });
    assert.deepEqual([...plan.noDowngrade.keys()].sort(), ['0001aa', '0002bb', '0004dd'], floor);
    assert.deepEqual(plan.noDowngrade.get('0004dd'), { reason: 'skipped', by: '0004dd' });
    assert.deepEqual(plan.noDowngrade.get('0001aa'), { reason: 'floor', by: '0002bb' });
    // the round trip cannot step over a skipped revision: it turns back above it
    assert.deepEqual(plan.roundTripTargets, ['0004dd']);
  }
});

test('a floor that names nothing, or several revisions, is a PlanError', () => {
  const revs = [rev('abc1'), rev('abc2', ['abc1'])];
  assert.throws(() => planWalk(revs, { downgradeFloor: 'zzz' }), /names no revision/);
  assert.throws(() => resolveRevision('abc', revs), /matches several revisions/);
});

test('env.py gets the project\'s own driver, else an installed one, always with an explicit scheme', () => {
  const all = { psycopg2: '2.9', asyncpg: '0.32', psycopg: '3.2' };
  assert.deepEqual(chooseDriverScheme('postgresql+asyncpg', all, true), { scheme: 'postgresql+asyncpg', driver: 'asyncpg', syncScheme: 'postgresql+psycopg2' });
  assert.deepEqual(chooseDriverScheme('postgresql+psycopg', all, false), { scheme: 'postgresql+psycopg', driver: 'psycopg', syncScheme: 'postgresql+psycopg2' });
  // the plain scheme means psycopg2 on SQLAlchemy <= 2.0 (and psycopg on 2.1): say which one
  assert.equal((chooseDriverScheme('postgresql', all, false) as { scheme: string }).scheme, 'postgresql+psycopg2');
  // a bare postgresql:// is what the installed SQLAlchemy makes of it: psycopg from 2.1
  assert.equal((chooseDriverScheme('postgresql', all, false, '2.1.9') as { scheme: string }).scheme, 'postgresql+psycopg');
  assert.equal((chooseDriverScheme('postgresql', all, false, '2.0.36') as { scheme: string }).scheme, 'postgresql+psycopg2');
  assert.equal((chooseDriverScheme('postgresql', { psycopg2: '2.9' }, false, '2.1.9') as { scheme: string }).scheme, 'postgresql+psycopg2');
  assert.equal((chooseDriverScheme('postgresql', { psycopg: '3' }, false) as { scheme: string }).scheme, 'postgresql+psycopg');
  // alembic.ini's placeholder says nothing: an async env.py gets an async driver
  assert.equal((chooseDriverScheme('driver', all, true) as { scheme: string }).scheme, 'postgresql+asyncpg');
  assert.equal((chooseDriverScheme(undefined, all, false) as { scheme: string }).scheme, 'postgresql+psycopg2');
  assert.equal((chooseDriverScheme(undefined, { asyncpg: '1' }, false) as { scheme: string }).scheme, 'postgresql+asyncpg');
  assert.deepEqual(chooseDriverScheme('postgresql+asyncpg', { psycopg2: '2.9' }, true), {
    missing: 'asyncpg',
    reason: 'sqlalchemy.url uses postgresql+asyncpg://, but the asyncpg package is not installed',
  });
  assert.ok('missing' in chooseDriverScheme(undefined, {}, false));
  assert.ok('missing' in chooseDriverScheme(undefined, { psycopg2: '2' }, true));
});

test('database errors lose psycopg2\'s LINE and caret decoration; Python errors keep their type', () => {
  assert.equal(
    errorSummary({ kind: 'step', message: 'relation "audit_log" does not exist\nLINE 1: ALTER TABLE audit_log ADD COLUMN actor TEXT\n                    ^\n', statement: 'ALTER TABLE audit_log ADD COLUMN actor TEXT' }),
    'relation "audit_log" does not exist',
  );
  assert.equal(errorSummary({ kind: 'step', type: 'NameError', message: "name 'x' is not defined", statement: null }), "NameError: name 'x' is not defined");
});
