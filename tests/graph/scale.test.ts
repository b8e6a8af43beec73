/**
 * buildGraph must stay linear-ish: 3,000 and 30,000 revisions, linear with a two-way branch every
 * 10 revisions that merges back (and, in a second shape, a labelled side branch with depends_on).
 * The times are printed as test diagnostics; the assertion is on the growth, not on the machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph } from '../../src/graph/graph.js';
import type { MigrationFile } from '../../src/model.js';
import multipleHeads from '../../src/rules/multiple-heads.js';
import multipleBases from '../../src/rules/multiple-bases.js';
import { project } from './helpers.js';
import { branchy } from './synthetic.js';

/** Best of five, in CPU milliseconds (the machine is shared; wall time would measure the neighbours). */
function time(files: MigrationFile[]): number {
  buildGraph(files); // warm-up
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = process.cpuUsage();
    buildGraph(files);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

for (const shape of ['branch-and-merge', 'with a labelled side branch using depends_on'] as const) {
  test(`buildGraph scales linearly: 3,000 and 30,000 revisions, ${shape}`, (t) => {
    const sideBranch = shape !== 'branch-and-merge';
    const small = branchy(3000, { sideBranch });
    const large = branchy(30000, { sideBranch });
    const g = buildGraph(large);
    assert.equal(g.history.length, g.nodes.size);
    assert.deepEqual(g.problems, []);
    assert.equal(g.heads.length, sideBranch ? 2 : 1);
    const rules = [multipleHeads, multipleBases].map((r) => {
      const start = performance.now();
      r.check!({ project: project({ allowedHeads: true }), files: large, graph: g, lintedFiles: large });
      return performance.now() - start;
    });
    const a = time(small);
    const b = time(large);
    t.diagnostic(`${small.length} revisions: ${a.toFixed(1)} ms CPU; ${large.length} revisions: ${b.toFixed(1)} ms CPU (x${(b / a).toFixed(1)}); rules on 30k: ${rules.map((r) => r.toFixed(1)).join(', ')} ms`);
    // Ten times the revisions: linear is x10 (x10-x25 here: past ~10,000 revisions the working set
    // outgrows V8's young generation and GC copies more); quadratic would be x100.
    assert.ok(b / a < 50, `grew x${(b / a).toFixed(1)}`);
  });
}
