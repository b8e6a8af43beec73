/**
 * Conformance: every graph-* fixture project is read the way the tool reads it (project discovery,
 * the revision file list, the tree-sitter parser) and the graph must match what real Alembic
 * (Config + ScriptDirectory from the test venv) says about the same project: heads, real heads,
 * bases, the history order, effective branch labels, the file of each revision, and the exact
 * lines of `alembic heads` and `alembic history` (plain, --verbose, --resolve-dependencies).
 * Broken fixtures must fail in Alembic the way our findings say they do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '../helpers/paths.js';
import { buildGraph } from '../../src/graph/graph.js';
import { renderHeads, renderHistory } from '../../src/graph/render.js';
import type { RevisionGraph } from '../../src/graph/types.js';
import { alembicFromConfig, type AlembicView } from './alembic.js';
import { loadFixture } from './load.js';

/**
 * Alembic prints a revision's branch labels and children from Python sets (hash order); sort every
 * parenthesised comma list and every "Branches into:"/"Branch names:" list on both sides.
 */
function normalize(text: string): string {
  const sorted = (items: string) => items.split(', ').sort().join(', ');
  return text
    .replace(/\(([^()]*, [^()]*)\)/g, (_, items: string) => `(${sorted(items)})`)
    .replace(/^(Branches into|Branch names): (.*)$/gm, (_, head: string, items: string) => `${head}: ${sorted(items)}`);
}
const lines = (text: string) => normalize(text).split('\n').filter((l) => l !== '');

/** Broken fixtures: how Alembic fails on them. */
const alembicFails: Record<string, RegExp> = {
  'graph-missing-down-revision': /^KeyError: '0003'$/,
  // repair.test.ts hands Alembic every repair of this one and checks the heads it then reports.
  'graph-every-problem': /^KeyError: '0044'$/,
  'graph-missing-dependency': /^KeyError: 'cor'$/,
  'graph-revision-cycle': /^CycleDetected: Cycle is detected in revisions \(0002, 0003, 0004\)$/,
  'graph-self-reference': /^LoopDetected: Self-loop is detected in revisions \(0003\)$/,
};

function compareValid(name: string, graph: RevisionGraph, alembic: AlembicView): void {
  assert.equal(alembic.error, undefined, `${name}: Alembic failed: ${alembic.error}`);
  assert.deepEqual(graph.problems, [], `${name}: no graph problems`);
  const labels: Record<string, string[]> = {};
  for (const [rev, node] of graph.nodes) labels[rev] = [...node.branchLabels].sort();
  assert.deepEqual(
    { heads: graph.heads, realHeads: graph.realHeads, bases: graph.bases, realBases: graph.realBases, history: graph.history, labels },
    { heads: alembic.heads, realHeads: alembic.realHeads, bases: alembic.bases, realBases: alembic.realBases, history: alembic.history, labels: alembic.labels },
    name,
  );
  const paths: Record<string, string> = {};
  for (const [rev, node] of graph.nodes) paths[rev] = node.file.absPath;
  assert.deepEqual(paths, alembic.paths, `${name}: files`);
  assert.deepEqual(lines(renderHistory(graph)), alembic.historyLines!.map(normalize), `${name}: alembic history`);
  assert.deepEqual(lines(renderHeads(graph)), alembic.headsLines!.map(normalize), `${name}: alembic heads`);
  assert.deepEqual(lines(renderHeads(graph, { resolveDependencies: true })), alembic.headsResolvedLines!.map(normalize), `${name}: alembic heads --resolve-dependencies`);
  assert.equal(normalize(renderHistory(graph, { verbose: true })), normalize(alembic.historyVerbose!), `${name}: alembic history --verbose`);
  assert.equal(normalize(renderHeads(graph, { verbose: true })), normalize(alembic.headsVerbose!), `${name}: alembic heads --verbose`);
}

const fixtures = readdirSync(fixturesDir)
  .filter((n) => n.startsWith('graph-') && existsSync(join(fixturesDir, n, 'alembic.ini')))
  .sort();

test('there are graph fixtures, valid and broken', () => {
  assert.ok(fixtures.length >= 10, fixtures.join(', '));
  for (const broken of Object.keys(alembicFails)) assert.ok(fixtures.includes(broken), broken);
});

for (const name of fixtures) {
  test(`conformance with Alembic: ${name}`, async () => {
    const dir = join(fixturesDir, name);
    const { files } = await loadFixture(dir);
    assert.ok(files.length > 0);
    const graph = buildGraph(files);
    const alembic = alembicFromConfig(join(dir, 'alembic.ini'), 'alembic', dir);
    if (name === 'graph-duplicate-revision') {
      // Alembic only warns, keeps the file it loaded last, and leaves the copied file's Revision in
      // its head set, so `alembic heads` lists 0002 twice (and `upgrade head` would fail). We keep
      // the same file and report the duplicate instead of the phantom head.
      assert.equal(alembic.error, undefined);
      assert.deepEqual(alembic.heads, ['0002', '0002']);
      assert.deepEqual(graph.heads, ['0002']);
      assert.equal(graph.nodes.get('0002')!.file.absPath, alembic.paths!['0002']);
      assert.deepEqual(graph.history, alembic.history);
      assert.deepEqual(lines(renderHistory(graph)), alembic.historyLines);
      assert.deepEqual(graph.problems.map((p) => p.kind), ['duplicate-revision']);
      return;
    }
    const failure = alembicFails[name];
    if (failure === undefined) {
      compareValid(name, graph, alembic);
      return;
    }
    assert.match(alembic.error ?? '(no error)', failure, name);
    assert.notDeepEqual(graph.problems, [], `${name}: the problem is recorded`);
    // Whatever Alembic chokes on, we still list every revision once.
    assert.equal(graph.history.length, graph.nodes.size);
    assert.deepEqual([...new Set(graph.history)].sort(), [...graph.nodes.keys()].sort());
  });
}
