/**
 * multiple-heads with a broken down_revision: the heads it reports in the same run as the broken
 * link must be the heads Alembic reports once the link is fixed, whatever the fix. Proven on the
 * fixture graph-every-problem (and a few literal graphs) by handing real Alembic every possible
 * repair: the broken revision's down_revision pointed at each revision it could follow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildGraph } from '../../src/graph/graph.js';
import { headsDespiteBrokenLinks } from '../../src/graph/locate.js';
import type { RevisionGraph } from '../../src/graph/types.js';
import type { MigrationFile } from '../../src/model.js';
import multipleHeads from '../../src/rules/multiple-heads.js';
import { loadProject } from '../../src/project/discover.js';
import { loadRevisions } from '../../src/engine/load.js';
import { fixturesDir } from '../helpers/paths.js';
import { alembicFromSpecs, type RevSpec } from './alembic.js';
import { chain, mf, project } from './helpers.js';

/** Every graph made by pointing each broken revision's missing parent at an existing revision (no cycle). */
function repairs(graph: RevisionGraph): RevSpec[][] {
  const specs = (): RevSpec[] =>
    [...graph.nodes.values()].map((n) => ({ rev: n.revision, down: n.downRevisions.length === 0 ? null : n.downRevisions.length === 1 ? n.downRevisions[0]! : n.downRevisions.slice() }));
  const b = headsDespiteBrokenLinks(graph);
  let out: RevSpec[][] = [specs()];
  for (const p of graph.problems) {
    if (p.kind !== 'missing-down-revision') continue;
    const above = new Set(b.leftOut);
    // Its own descendants would make a cycle; the other broken lines may be anywhere.
    const targets = [...graph.nodes.keys()].filter((r) => !above.has(r) || !descendsFrom(graph, r, p.revision));
    out = out.flatMap((g) =>
      targets.map((t) =>
        g.map((s) => {
          if (s.rev !== p.revision) return s;
          const down = (typeof s.down === 'string' ? [s.down] : (s.down ?? [])).map((d) => (d === p.missing ? t : d));
          return { ...s, down: down.length === 1 ? down[0]! : down };
        }),
      ),
    );
  }
  return out;
}

function descendsFrom(graph: RevisionGraph, rev: string, from: string): boolean {
  const stack = [from];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (r === rev) return true;
    if (seen.has(r)) continue;
    seen.add(r);
    stack.push(...(graph.nodes.get(r)?.nextRevisions ?? []));
  }
  return false;
}

function reported(files: MigrationFile[]): string[] {
  const graph = buildGraph(files);
  return multipleHeads.check!({ project: project(), files, graph, lintedFiles: files }).map((f) => f.revision!);
}

/** What Alembic says for every repair: the fewest heads, and the heads present in all of them. */
function underEveryRepair(graph: RevisionGraph): { fewest: number; always: string[] } {
  // Two broken lines pointed at each other make a cycle: not a repair.
  const views = alembicFromSpecs(repairs(graph)).filter((v) => !v.error?.startsWith('CycleDetected'));
  assert.ok(views.length > 0);
  for (const v of views) assert.equal(v.error, undefined, v.error);
  const fewest = Math.min(...views.map((v) => v.heads.length));
  const always = [...graph.nodes.keys()].filter((r) => views.every((v) => v.heads.includes(r)));
  return { fewest, always };
}

test('graph-every-problem: the heads reported next to the broken link are two heads whatever the repair, as Alembic counts them', async () => {
  const dir = join(fixturesDir, 'graph-every-problem');
  const { files, graph } = await loadRevisions(loadProject({ cwd: dir, env: {} }), { cache: false });
  assert.deepEqual(
    graph.problems.map((p) => p.kind).sort(),
    ['duplicate-revision', 'missing-down-revision'],
  );
  const heads = multipleHeads.check!({ project: project(), files, graph, lintedFiles: files }).map((f) => f.revision);
  assert.deepEqual(heads, ['0003', '0004']);
  const b = headsDespiteBrokenLinks(graph);
  const alembic = underEveryRepair(graph);
  assert.ok(alembic.fewest >= 2, `some repair leaves ${alembic.fewest} head(s)`);
  assert.equal(b.atLeast, alembic.fewest, 'the bound is what the best repair achieves');
});

test('literal graphs: reported only when every repair leaves two heads or more (Alembic as the judge)', () => {
  const cases: Record<string, MigrationFile[]> = {
    'diverged below the break': [...chain(['a', 'b', 'c']), mf({ rev: 'd', down: 'b' }), mf({ rev: 'x', down: 'gone' })],
    'the broken revision may be the merge': [...chain(['a', 'b']), mf({ rev: 'c', down: 'a' }), mf({ rev: 'm', down: ['b', 'gne'] })],
    'a fork above the break': [...chain(['a', 'b']), mf({ rev: 'x', down: 'gone' }), mf({ rev: 'y', down: 'x' }), mf({ rev: 'z', down: 'x' })],
    'a linear history with one typo': [...chain(['a', 'b', 'c']), mf({ rev: 'd', down: 'cc' }), mf({ rev: 'e', down: 'd' })],
    'two broken tips': [...chain(['a', 'b']), mf({ rev: 'x', down: 'gone' }), mf({ rev: 'w', down: 'lost' })],
  };
  for (const [name, files] of Object.entries(cases)) {
    const graph = buildGraph(files);
    const alembic = underEveryRepair(graph);
    const ours = reported(files);
    if (alembic.fewest >= 2) {
      assert.ok(ours.length >= 2, `${name}: every repair leaves ${alembic.fewest} heads, none reported`);
      // A head reported above the break is a head whatever the repair.
      const leftOut = new Set(headsDespiteBrokenLinks(graph).leftOut);
      for (const h of ours.filter((r) => leftOut.has(r))) assert.ok(alembic.always.includes(h), `${name}: ${h} is not a head after every repair`);
    } else {
      assert.deepEqual(ours, [], `${name}: a repair leaves ${alembic.fewest} head, yet reported ${ours.join(', ')}`);
    }
  }
});
