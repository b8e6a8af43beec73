/**
 * The fast walk (each revision up once and down once, schema digests compared) reports exactly
 * what the legacy walk (full snapshots around every revision's upgrade → downgrade → upgrade)
 * reports, on every runtime fixture; and on the fixtures where nothing differs it does so without
 * falling back to the legacy walk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { venvPython } from '../helpers/paths.js';
import { runRuntimeChecks } from '../../src/checks/session.js';
import { findingKey, load, runtimeFixtures } from './helpers.js';

const WALK = new Set(['upgrade-failed', 'downgrade-failed', 'downgrade-leaves-trace', 'up-down-inconsistent', 'irreversible-downgrade']);

for (const fx of runtimeFixtures()) {
  test(`${fx.name}: the fast walk finds what the legacy walk finds`, async () => {
    const args = fx.expected.args ?? [];
    const n = args.findIndex((a) => a === '-n' || a === '--name');
    const { project, graph } = await load(fx.dir, n >= 0 ? args[n + 1] : undefined);
    const run = async (legacyWalk: boolean) => {
      const r = await runRuntimeChecks(project, graph, { python: venvPython, handleSignals: false, only: ['up-down'], legacyWalk, trace: false });
      assert.equal(r.error, undefined, r.error?.message);
      return r;
    };
    const legacy = await run(true);
    const fast = await run(false);
    assert.deepEqual(fast.findings.map(findingKey).sort(), legacy.findings.map(findingKey).sort());
    const want = fx.expected.findings.filter((f) => WALK.has(f.rule)).map(findingKey).sort();
    assert.deepEqual(fast.findings.map(findingKey).sort(), want);
    if (fast.findings.length === 0) assert.equal(fast.info.walk?.mode, 'fast', `fell back: ${fast.info.walk?.reason}`);
  });
}

for (const name of ['runtime-clean', 'runtime-downgrade-fails', 'runtime-enum-left-behind', 'runtime-model-drift', 'runtime-settings-at-import', 'runtime-floor-and-skip']) {
  test(`${name}: with a second helper (upgrade check and drift beside the walk) every check finds what one helper finds`, async () => {
    const fx = runtimeFixtures().find((f) => f.name === name)!;
    const { project, graph } = await load(fx.dir);
    const run = async (parallel: boolean) => {
      const r = await runRuntimeChecks(project, graph, { python: venvPython, handleSignals: false, parallel });
      assert.equal(r.error, undefined, r.error?.message);
      return r;
    };
    const one = await run(false);
    const two = await run(true);
    assert.equal(two.info.helpers, 2);
    assert.equal(one.info.helpers, undefined);
    assert.deepEqual(two.findings.map(findingKey).sort(), one.findings.map(findingKey).sort());
    assert.deepEqual(two.checks.map((c) => [c.id, c.status]), one.checks.map((c) => [c.id, c.status]));
    assert.deepEqual(two.offlineSql, one.offlineSql);
  });
}
