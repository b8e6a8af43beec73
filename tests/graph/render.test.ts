/**
 * The renderers on literal graphs. `heads` and `history` output is compared with real Alembic in
 * conformance.test.ts; here: the graph formats (text lanes, JSON contract, Mermaid, dot) and the
 * heads/history forms on effective heads and broken graphs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph } from '../../src/graph/graph.js';
import { renderGraph, renderHeads, renderHistory } from '../../src/graph/render.js';
import { mf, type Spec } from './helpers.js';

const graphOf = (specs: Spec[]) => buildGraph(specs.map(mf));

const merged: Spec[] = [
  { rev: 'a', down: null, doc: 'create users' },
  { rev: 'b', down: 'a', doc: 'add email' },
  { rev: 'c', down: 'a', doc: 'add phone' },
  { rev: 'd', down: 'a', doc: 'add city' },
  { rev: 'm', down: ['b', 'c', 'd'], doc: 'merge heads' },
  { rev: 'n', down: 'm', doc: 'add index\n\nlonger text' },
];

const multibase: Spec[] = [
  { rev: 'a1', down: null, labels: 'core', doc: 'core base' },
  { rev: 'a2', down: 'a1', doc: 'core two' },
  { rev: 'p1', down: null, labels: 'plugin', deps: 'a2', doc: 'plugin "base"' },
  { rev: 'p2', down: 'p1', doc: 'plugin two' },
];

test('text: lanes for a three-way branch and merge', () => {
  assert.equal(
    renderGraph(graphOf(merged), 'text'),
    [
      '*  n (head), add index',
      '*  m, merge heads',
      '|\\ \\',
      '* | |  b, add email',
      '| * |  c, add phone',
      '| | *  d, add city',
      '|/ /',
      '*  a (base), create users',
      '',
    ].join('\n'),
  );
});

test('text: two branches, a line ending at a base while another continues', () => {
  const g = graphOf([
    { rev: 'a', down: null, doc: 'one' },
    { rev: 'b', down: 'a', doc: 'two' },
    { rev: 'p', down: null, doc: 'three' },
    { rev: 'q', down: 'p', doc: 'four' },
    { rev: 'm', down: ['b', 'q'], doc: 'merge' },
  ]);
  assert.equal(
    renderGraph(g, 'text'),
    ['*  m (head), merge', '|\\', '* |  b, two', '* |  a (base), one', ' /', '*  q, four', '*  p (base), three', ''].join('\n'),
  );
});

test('text: labels, effective heads and dependencies are shown', () => {
  assert.equal(
    renderGraph(graphOf(multibase), 'text'),
    [
      '*  p2 (plugin) (head), plugin two',
      '*  p1 (plugin) (base) [depends on a2], plugin "base"',
      '*  a2 (core) (effective head), core two',
      '*  a1 (core) (base), core base',
      '',
    ].join('\n'),
  );
});

test('json: every revision with file, parents, labels, depends_on; heads, realHeads, bases', () => {
  const out = JSON.parse(renderGraph(graphOf(multibase), 'json', { root: '/project' })) as Record<string, unknown>;
  assert.deepEqual(out.heads, ['a2', 'p2']);
  assert.deepEqual(out.realHeads, ['p2']);
  assert.deepEqual(out.bases, ['a1', 'p1']);
  assert.deepEqual((out.revisions as unknown[])[1], {
    revision: 'p1',
    file: 'migrations/versions/p1.py',
    downRevisions: [],
    dependsOn: ['a2'],
    resolvedDependsOn: ['a2'],
    branchLabels: ['plugin'],
    effectiveBranchLabels: ['plugin'],
    message: 'plugin "base"',
  });
  assert.equal((out.revisions as unknown[]).length, 4);
});

test('mermaid and dot: one node per revision, one edge per parent and dependency, escaped text', () => {
  const mermaid = renderGraph(graphOf(multibase), 'mermaid', { root: '/work/shop' });
  assert.match(mermaid, /^---\ntitle: shop\n---\nflowchart BT\n/);
  assert.match(mermaid, /r1\["p1 \(plugin\)<br\/>plugin #quot;base#quot;"\]/);
  assert.equal(mermaid.match(/ --> /g)?.length, 2);
  assert.equal(mermaid.match(/ -\.->\|depends on\| /g)?.length, 1);
  assert.match(mermaid, /class r0,r2 head/);

  const dot = renderGraph(graphOf(merged), 'dot', { root: '/work/shop' });
  assert.match(dot, /^digraph "shop" \{\n  rankdir=BT;/);
  assert.match(dot, /"n" \[label="n\\nadd index", penwidth=2\];/);
  assert.equal(dot.match(/ -> /g)?.length, 7);
  assert.ok(dot.endsWith('}\n'));
});

test('heads and history text forms, as Alembic prints them', () => {
  const g = graphOf(multibase);
  assert.equal(renderHeads(g), 'a2 (core) (effective head)\np2 (plugin) (head)\n');
  assert.equal(renderHeads(g, { resolveDependencies: true }), 'p2 (plugin) (head)\n');
  assert.equal(
    renderHistory(g),
    [
      'p1 -> p2 (plugin) (head), plugin two',
      '<base> (a2) -> p1 (plugin), plugin "base"',
      'a1 -> a2 (core) (effective head), core two',
      '<base> -> a1 (core), core base',
      '',
    ].join('\n'),
  );
  assert.match(renderHistory(graphOf(merged), { verbose: true }), /^Rev: m \(mergepoint\)\nMerges: b, c, d\nPath: \/project\/migrations\/versions\/m\.py\n\n    merge heads\n\n/m);
  assert.equal(renderHeads(graphOf([])), '');
});

test('broken graphs render without throwing', () => {
  const g = graphOf([
    { rev: 'a', down: 'c' },
    { rev: 'b', down: 'a' },
    { rev: 'c', down: 'b' },
    { rev: 'd', down: 'gone' },
    { rev: 'e', down: 'e' },
  ]);
  for (const format of ['text', 'mermaid', 'dot', 'json'] as const) assert.ok(renderGraph(g, format).length > 0, format);
  assert.equal(renderHistory(g).split('\n').filter((l) => l !== '').length, 5);
  assert.ok(renderHeads(g).includes('d (head)'));
});
