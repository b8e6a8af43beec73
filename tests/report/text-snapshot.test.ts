/**
 * The terminal report, snapshotted for a few fixtures: the snapshot is also a review of what users
 * read. Durations are masked. `UPDATE_SNAPSHOTS=1 npm test` rewrites them; read the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir, repoRoot } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const cases = ['graph-multiple-heads', 'graph-revision-cycle', 'ops-sql-execute', 'ops-dialect-postgresql', 'graph-linear-chain'];

for (const name of cases) {
  test(`text report of ${name}`, async () => {
    const r = await runCli(['check', '--static', '--no-cache'], join(fixturesDir, name));
    const text = r.stdout.replace(/\(\d+ ms\)/g, '(… ms)');
    const path = join(repoRoot, 'tests', 'report', 'snapshots', `${name}.txt`);
    if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(path)) writeFileSync(path, text);
    assert.equal(text, readFileSync(path, 'utf8'), `the report of ${name} changed: rerun with UPDATE_SNAPSHOTS=1 and review the diff`);
  });
}
