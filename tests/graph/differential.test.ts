/**
 * Differential test: many random revision graphs (branches, merges, several bases, depends_on on
 * ids and on labels, branch labels, files in shuffled load order), each given to buildGraph and to
 * Alembic's RevisionMap. Heads, real heads, bases, real bases, the history order and the
 * effective branch labels must be identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph } from '../../src/graph/graph.js';
import { mf } from './helpers.js';
import { alembicFromSpecs, type RevSpec } from './alembic.js';
import { rng } from '../helpers/rng.js';


export function randomGraph(seed: number): RevSpec[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const size = 1 + Math.floor(r() * 45);
  const specs: RevSpec[] = [];
  const hasChild = new Set<string>();
  const labelOf = new Map<string, string>();
  for (let k = 0; k < size; k++) {
    const rev = `${Math.floor(r() * 0xffff).toString(16).padStart(4, '0')}${k}`;
    const existing = specs.map((s) => s.rev);
    const heads = existing.filter((e) => !hasChild.has(e));
    const parent = () => (r() < 0.7 && heads.length > 0 ? pick(heads) : pick(existing));
    let down: string | string[] | null;
    const roll = r();
    if (k === 0 || roll < 0.07) down = null;
    else if (roll < 0.22 && existing.length >= 2) {
      const ps = new Set<string>();
      const want = r() < 0.15 ? 3 : 2;
      for (let tries = 0; tries < 10 && ps.size < want; tries++) ps.add(parent());
      down = ps.size === 1 ? [...ps][0]! : [...ps];
    } else down = parent();
    for (const p of down === null ? [] : typeof down === 'string' ? [down] : down) hasChild.add(p);
    const spec: RevSpec = { rev, down };
    if (k > 0 && r() < 0.12) {
      const target = pick(existing);
      spec.deps = [labelOf.has(target) && r() < 0.5 ? labelOf.get(target)! : target];
    }
    if (r() < 0.12) {
      spec.labels = [`label${k}`];
      labelOf.set(rev, `label${k}`);
    }
    specs.push(spec);
  }
  // Load order is file-name order, unrelated to the graph.
  for (let i = specs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [specs[i], specs[j]] = [specs[j]!, specs[i]!];
  }
  return specs;
}

test('buildGraph agrees with Alembic on 400 random graphs', () => {
  const graphs = Array.from({ length: 400 }, (_, i) => randomGraph(1000 + i));
  const alembic = alembicFromSpecs(graphs);
  let compared = 0;
  graphs.forEach((specs, i) => {
    const expected = alembic[i]!;
    assert.equal(expected.error, undefined, `seed ${1000 + i}: Alembic refused it: ${expected.error}`);
    const g = buildGraph(specs.map((s) => mf({ rev: s.rev, down: s.down, deps: s.deps, labels: s.labels })));
    assert.deepEqual(g.problems, [], `seed ${1000 + i}`);
    const labels: Record<string, string[]> = {};
    for (const [rev, node] of g.nodes) labels[rev] = [...node.branchLabels].sort();
    assert.deepEqual(
      { heads: g.heads, realHeads: g.realHeads, bases: g.bases, realBases: g.realBases, history: g.history, labels },
      { heads: expected.heads, realHeads: expected.realHeads, bases: expected.bases, realBases: expected.realBases, history: expected.history, labels: expected.labels },
      `seed ${1000 + i}: ${JSON.stringify(specs)}`,
    );
    compared++;
  });
  assert.equal(compared, 400);
});
