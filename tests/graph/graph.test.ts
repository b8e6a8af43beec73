/**
 * buildGraph on literal records: Alembic's heads, bases, history order, labels and dependencies,
 * and broken graphs that give problems instead of exceptions. Valid graphs are also handed to
 * Alembic's own RevisionMap and must come out the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph } from '../../src/graph/graph.js';
import type { GraphProblem, RevisionGraph } from '../../src/graph/types.js';
import type { MigrationFile } from '../../src/model.js';
import { chain, mf, type Spec } from './helpers.js';
import { alembicFromSpecs, type RevSpec } from './alembic.js';

function specsOf(files: MigrationFile[]): RevSpec[] {
  return files
    .filter((f) => f.revision.value !== null)
    .map((f) => ({
      rev: f.revision.value!,
      down: f.downRevision.value === null ? null : f.downRevision.value.length === 1 ? f.downRevision.value[0]! : f.downRevision.value,
      deps: f.dependsOn.value,
      labels: f.branchLabels.value,
    }));
}

function summary(g: RevisionGraph) {
  const labels: Record<string, string[]> = {};
  for (const [rev, node] of g.nodes) labels[rev] = [...node.branchLabels].sort();
  return { heads: g.heads, realHeads: g.realHeads, bases: g.bases, realBases: g.realBases, history: g.history, labels };
}

/** Cases that Alembic accepts: ours must equal Alembic's, field by field. */
const valid: Record<string, Spec[]> = {
  empty: [],
  single: [{ rev: 'a', down: null }],
  linear: [
    { rev: 'a', down: null },
    { rev: 'b', down: 'a' },
    { rev: 'c', down: 'b' },
  ],
  'load order is not history order': [
    { rev: 'c', down: 'b' },
    { rev: 'a', down: null },
    { rev: 'b', down: 'a' },
  ],
  'branch then merge': [
    { rev: 'a', down: null },
    { rev: 'b1', down: 'a' },
    { rev: 'c1', down: 'a' },
    { rev: 'b2', down: 'b1' },
    { rev: 'm', down: ['b2', 'c1'] },
    { rev: 'n', down: 'm' },
  ],
  'two heads': [
    { rev: 'a', down: null },
    { rev: 'b', down: 'a' },
    { rev: 'c', down: 'a' },
    { rev: 'd', down: 'c' },
  ],
  'two bases with labels': [
    { rev: 'a1', down: null, labels: 'core' },
    { rev: 'a2', down: 'a1' },
    { rev: 'p1', down: null, labels: 'plugin' },
    { rev: 'p2', down: 'p1' },
  ],
  'label on a later revision reaches down the unbranched line': [
    { rev: 'a', down: null },
    { rev: 'b', down: 'a' },
    { rev: 'c', down: 'b', labels: 'x' },
    { rev: 'd', down: 'c' },
  ],
  'label stops at a branch point': [
    { rev: 'a', down: null },
    { rev: 'b', down: 'a' },
    { rev: 'f', down: 'a' },
    { rev: 'c', down: 'b', labels: 'x' },
  ],
  'depends_on an id makes an effective head': [
    { rev: 'a1', down: null, labels: 'core' },
    { rev: 'a2', down: 'a1' },
    { rev: 'p1', down: null, labels: 'plugin', deps: 'a2' },
    { rev: 'p2', down: 'p1' },
  ],
  'depends_on a branch label resolves to the labelled revision': [
    { rev: 'a1', down: null, labels: 'core' },
    { rev: 'a2', down: 'a1' },
    { rev: 'p1', down: null, labels: 'plugin' },
    { rev: 'p2', down: 'p1', deps: 'core' },
  ],
  'dependency already held by an ancestor is normalized away': [
    { rev: 'a1', down: null },
    { rev: 'a2', down: 'a1' },
    { rev: 'p1', down: null, deps: 'a1' },
    { rev: 'p2', down: 'p1', deps: 'a1' },
    { rev: 'p3', down: 'p2', deps: 'a2' },
  ],
  'three-way merge and a criss-cross': [
    { rev: 'a', down: null },
    { rev: 'b', down: 'a' },
    { rev: 'c', down: 'a' },
    { rev: 'd', down: 'a' },
    { rev: 'm', down: ['b', 'c', 'd'] },
    { rev: 'x', down: 'm' },
    { rev: 'y', down: 'm' },
    { rev: 'm1', down: ['x', 'y'] },
    { rev: 'm2', down: ['y', 'x'] },
  ],
};

test('valid graphs: heads, real heads, bases, history order and labels equal Alembic', () => {
  const names = Object.keys(valid);
  const files = names.map((name) => valid[name]!.map(mf));
  const alembic = alembicFromSpecs(files.map(specsOf));
  names.forEach((name, i) => {
    const expected = alembic[i]!;
    assert.equal(expected.error, undefined, `${name}: Alembic refused it: ${expected.error}`);
    const ours = summary(buildGraph(files[i]!));
    const { historyLines: _h, headsLines: _l, paths: _p, error: _e, ...theirs } = expected;
    assert.deepEqual(ours, theirs, name);
    assert.deepEqual(buildGraph(files[i]!).problems, [], `${name}: no problems`);
  });
});

test('heads and bases of a simple branch, and the nodes', () => {
  const g = buildGraph(valid['two heads']!.map(mf));
  assert.deepEqual(g.heads, ['b', 'd']);
  assert.deepEqual(g.bases, ['a']);
  assert.deepEqual(g.history, ['b', 'd', 'c', 'a']);
  assert.deepEqual(g.nodes.get('a')!.nextRevisions, ['b', 'c']);
  assert.equal(g.nodes.get('d')!.file.path, 'migrations/versions/d.py');
});

test('depends_on: effective head, dependents, resolution of labels', () => {
  const g = buildGraph(valid['depends_on a branch label resolves to the labelled revision']!.map(mf));
  assert.deepEqual(g.heads, ['a2', 'p2']);
  assert.deepEqual(g.realHeads, ['a2', 'p2']);
  assert.deepEqual(g.nodes.get('p2')!.dependsOn, ['a1']);
  assert.deepEqual(g.nodes.get('a1')!.dependents, ['p2']);
  assert.equal(g.branchLabels.get('core'), 'a1');

  const e = buildGraph(valid['depends_on an id makes an effective head']!.map(mf));
  assert.deepEqual(e.heads, ['a2', 'p2']);
  assert.deepEqual(e.realHeads, ['p2']);
  assert.deepEqual(e.bases, ['a1', 'p1']);
  assert.deepEqual(e.realBases, ['a1']);

  const n = buildGraph(valid['dependency already held by an ancestor is normalized away']!.map(mf));
  assert.deepEqual(n.nodes.get('p2')!.dependsOn, ['a1']);
  assert.deepEqual(n.nodes.get('p2')!.normalizedDependsOn, []);
  assert.deepEqual(n.nodes.get('p1')!.normalizedDependsOn, ['a1']);
});

test('files without a revision id are not nodes', () => {
  const g = buildGraph([mf({ rev: 'a', down: null }), mf({ rev: null, down: 'a', path: 'migrations/versions/broken.py' })]);
  assert.deepEqual([...g.nodes.keys()], ['a']);
  assert.deepEqual(g.heads, ['a']);
  assert.deepEqual(g.problems, []);
});

function kinds(problems: GraphProblem[]) {
  return problems.map((p) => {
    const { kind } = p;
    if (p.kind === 'duplicate-revision') return { kind, revision: p.revision, files: p.files.map((f) => f.path) };
    return { ...p, kind };
  });
}

test('duplicate id: the last file loaded wins, both files are reported, the graph stays clean', () => {
  const files = [
    mf({ rev: '1', down: null }),
    mf({ rev: '2', down: '1', path: 'migrations/versions/2_first.py' }),
    mf({ rev: '2', down: '1', path: 'migrations/versions/2_second.py' }),
    mf({ rev: '3', down: '2' }),
  ];
  const g = buildGraph(files);
  assert.equal(g.nodes.get('2')!.file.path, 'migrations/versions/2_second.py');
  assert.deepEqual(kinds(g.problems), [
    { kind: 'duplicate-revision', revision: '2', files: ['migrations/versions/2_first.py', 'migrations/versions/2_second.py'] },
  ]);
  assert.deepEqual(g.heads, ['3']);
  assert.deepEqual(g.history, ['3', '2', '1']);
  // Alembic keeps the same file (and, unlike us, also lists the id as an extra head).
  const [alembic] = alembicFromSpecs([specsOf(files)]);
  assert.deepEqual(alembic!.heads, ['2', '3']);
});

test('missing parent in the middle of a chain: reported, no exception, history still complete', () => {
  const files = [...chain(['a', 'b']), mf({ rev: 'c', down: 'gone' }), mf({ rev: 'd', down: 'c' })];
  const g = buildGraph(files);
  assert.deepEqual(kinds(g.problems), [{ kind: 'missing-down-revision', revision: 'c', missing: 'gone' }]);
  assert.deepEqual(g.heads, ['b', 'd']);
  assert.deepEqual(g.bases, ['a']);
  assert.deepEqual([...g.history].sort(), ['a', 'b', 'c', 'd']);
  const [alembic] = alembicFromSpecs([specsOf(files)]);
  assert.match(alembic!.error!, /KeyError: 'gone'/);
});

test('down_revision naming a branch label is a missing down revision that says so', () => {
  const g = buildGraph([mf({ rev: 'a', down: null, labels: 'core' }), mf({ rev: 'b', down: 'core' })]);
  assert.deepEqual(kinds(g.problems), [{ kind: 'missing-down-revision', revision: 'b', missing: 'core', labelOf: 'a' }]);
});

test('missing dependency', () => {
  const g = buildGraph([mf({ rev: 'a', down: null }), mf({ rev: 'b', down: 'a', deps: ['a', 'nowhere'] })]);
  assert.deepEqual(kinds(g.problems), [{ kind: 'missing-dependency', revision: 'b', missing: 'nowhere' }]);
  assert.deepEqual(g.nodes.get('b')!.dependsOn, ['a', 'nowhere']);
  assert.deepEqual(g.history, ['b', 'a']);
});

test('self-reference in down_revision and in depends_on', () => {
  const g = buildGraph([mf({ rev: 'a', down: null }), mf({ rev: 'b', down: 'b' }), mf({ rev: 'c', down: 'a', deps: 'c' })]);
  assert.deepEqual(kinds(g.problems), [
    { kind: 'revision-cycle', revisions: ['c'], dependency: true },
    { kind: 'revision-cycle', revisions: ['b'], dependency: false },
  ]);
  assert.deepEqual([...g.history].sort(), ['a', 'b', 'c']);
  const [alembic] = alembicFromSpecs([specsOf([mf({ rev: 'b', down: 'b' })])]);
  assert.match(alembic!.error!, /LoopDetected/);
});

test('a cycle names its revisions in order, following down_revision', () => {
  const g = buildGraph([
    mf({ rev: 'base', down: null }),
    mf({ rev: 'x', down: 'z' }),
    mf({ rev: 'y', down: 'x' }),
    mf({ rev: 'z', down: 'y' }),
    mf({ rev: 'top', down: 'x' }),
  ]);
  assert.deepEqual(kinds(g.problems), [{ kind: 'revision-cycle', revisions: ['x', 'z', 'y'], dependency: false }]);
  assert.deepEqual([...g.history].sort(), ['base', 'top', 'x', 'y', 'z']);
  assert.deepEqual(g.heads, ['base', 'top']);
});

test('a cycle through depends_on is a dependency cycle', () => {
  const g = buildGraph([
    mf({ rev: 'a1', down: null }),
    mf({ rev: 'a2', down: 'a1', deps: 'p2' }),
    mf({ rev: 'p1', down: null }),
    mf({ rev: 'p2', down: 'p1', deps: 'a2' }),
  ]);
  assert.deepEqual(kinds(g.problems), [{ kind: 'revision-cycle', revisions: ['a2', 'p2'], dependency: true }]);
  assert.equal(g.history.length, 4);
});

test('a graph that is nothing but a cycle', () => {
  const g = buildGraph([mf({ rev: 'a', down: 'b' }), mf({ rev: 'b', down: 'a' })]);
  assert.deepEqual(kinds(g.problems), [{ kind: 'revision-cycle', revisions: ['a', 'b'], dependency: false }]);
  assert.deepEqual(g.heads, []);
  assert.deepEqual(g.bases, []);
  assert.deepEqual([...g.history].sort(), ['a', 'b']);
});

test('a branch label used twice, or equal to a revision id', () => {
  const g = buildGraph([
    mf({ rev: 'a', down: null, labels: 'core' }),
    mf({ rev: 'b', down: null, labels: ['core', 'a'] }),
  ]);
  assert.deepEqual(kinds(g.problems), [
    { kind: 'duplicate-branch-label', label: 'core', revisions: ['a', 'b'] },
    { kind: 'duplicate-branch-label', label: 'a', revisions: ['a', 'b'], clashesWithRevision: true },
  ]);
  assert.equal(g.branchLabels.get('core'), 'a');
});

test('every broken shape at once still gives a graph', () => {
  const files = [
    mf({ rev: 'a', down: null }),
    mf({ rev: 'a', down: 'a' }),
    mf({ rev: 'b', down: ['a', 'missing'], deps: ['c', 'nolabel'], labels: 'b' }),
    mf({ rev: 'c', down: 'b', deps: 'b' }),
    mf({ rev: null, down: 'c' }),
    mf({ rev: 'd', down: ['d', 'c', 'c'] }),
  ];
  const g = buildGraph(files);
  assert.ok(g.problems.length >= 5);
  assert.deepEqual([...g.history].sort(), ['a', 'b', 'c', 'd']);
});
