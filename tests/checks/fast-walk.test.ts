/**
 * The per-revision walk split between two helpers (each on its own database, the second one
 * upgrading plainly through the first part) reports exactly what one helper reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { venvPython } from '../helpers/paths.js';
import { runRuntimeChecks } from '../../src/checks/run.js';
import { findingKey, load, runtimeFixtures } from './helpers.js';

const WALK = new Set(['upgrade-failed', 'downgrade-failed', 'downgrade-leaves-trace', 'up-down-inconsistent', 'irreversible-downgrade']);

for (const name of ['runtime-enum-left-behind', 'runtime-env-begin-transaction', 'runtime-downgrade-noop', 'runtime-irreversible', 'runtime-merge-point', 'runtime-labelled-heads', 'runtime-floor-and-skip', 'runtime-async-env']) {
  test(`${name}: the walk split between two helpers finds the same as one helper`, async () => {
    const fx = runtimeFixtures().find((f) => f.name === name)!;
    const { project, graph } = await load(fx.dir);
    const keys = async (parallel: boolean): Promise<string[]> => {
      const r = await runRuntimeChecks(project, graph, { python: venvPython, handleSignals: false, only: ['up-down'], parallel });
      assert.equal(r.error, undefined, r.error?.message);
      const upDown = r.checks.find((c) => c.id === 'up-down')!;
      if (parallel) assert.match(upDown.message, /two helpers in parallel/);
      return r.findings.map(findingKey).sort();
    };
    const one = await keys(false);
    const two = await keys(true);
    assert.deepEqual(two, one);
    // and both agree with the fixture's expectations for the walk's rules
    const want = fx.expected.findings.filter((f) => WALK.has(f.rule)).map(findingKey).sort();
    assert.deepEqual(one, want);
  });
}
