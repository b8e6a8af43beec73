/**
 * The six graph rules on literal records: each invalid case must report exactly the expected
 * revisions at the expected lines; each valid case must report nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph } from '../../src/graph/graph.js';
import type { FindingDraft, GuardSettings, MigrationFile } from '../../src/model.js';
import type { Rule } from '../../src/rules/define.js';
import multipleHeads from '../../src/rules/multiple-heads.js';
import missingDownRevision from '../../src/rules/missing-down-revision.js';
import missingDependency from '../../src/rules/missing-dependency.js';
import duplicateRevision from '../../src/rules/duplicate-revision.js';
import revisionCycle from '../../src/rules/revision-cycle.js';
import multipleBases from '../../src/rules/multiple-bases.js';
import { chain, mf, project } from './helpers.js';

export function run(rule: Rule, files: MigrationFile[], settings: Partial<GuardSettings> = {}): FindingDraft[] {
  const graph = buildGraph(files);
  return rule.check!({ project: project(settings), files, graph, lintedFiles: files });
}

/** [revision, file, line] of each finding, and every finding has a message and a fix. */
function where(findings: FindingDraft[]): [string | undefined, string | undefined, number | undefined][] {
  for (const f of findings) {
    assert.ok(f.message.length > 20, 'message');
    assert.ok((f.fix ?? '').length > 10, 'fix');
  }
  return findings.map((f) => [f.revision, f.file, f.line]);
}

const p = (rev: string) => `migrations/versions/${rev}.py`;

test('multiple-heads: each head, its file and where they diverge', () => {
  const files = [...chain(['a', 'b']), mf({ rev: 'c', down: 'b' }), mf({ rev: 'd', down: 'b' })];
  const findings = run(multipleHeads, files);
  assert.deepEqual(where(findings), [
    ['c', p('c'), 10],
    ['d', p('d'), 10],
  ]);
  assert.match(findings[0]!.message, /c is one of 2 heads \(c \(migrations\/versions\/c\.py\) and d \(migrations\/versions\/d\.py\)\)/);
  assert.match(findings[0]!.message, /diverges from d at b \(migrations\/versions\/b\.py\)/);
  assert.match(findings[0]!.fix!, /alembic merge -m "merge heads" c d/);
  assert.match(findings[0]!.fix!, /alembic merge heads/);
});

test('multiple-heads: a single head, or a merged history, is clean', () => {
  assert.deepEqual(run(multipleHeads, chain(['a', 'b', 'c'])), []);
  const merged = [...chain(['a']), mf({ rev: 'b', down: 'a' }), mf({ rev: 'c', down: 'a' }), mf({ rev: 'm', down: ['b', 'c'] })];
  assert.deepEqual(run(multipleHeads, merged), []);
  assert.deepEqual(run(multipleHeads, []), []);
});

test('multiple-heads: allowed_heads by label, by id, and true', () => {
  const branches = [
    mf({ rev: 'a1', down: null, labels: 'core' }),
    mf({ rev: 'a2', down: 'a1' }),
    mf({ rev: 'p1', down: null, labels: 'plugin' }),
    mf({ rev: 'p2', down: 'p1' }),
  ];
  assert.equal(run(multipleHeads, branches).length, 2);
  assert.deepEqual(run(multipleHeads, branches, { allowedHeads: ['core', 'plugin'] }), []);
  assert.deepEqual(run(multipleHeads, branches, { allowedHeads: true }), []);
  assert.deepEqual(run(multipleHeads, branches, { allowedHeads: ['a2', 'p2'] }), []);
  // One head that is not allowed is the main line: allowed heads may coexist with it.
  assert.deepEqual(run(multipleHeads, branches, { allowedHeads: ['core'] }), []);
  const third = [...branches, mf({ rev: 'x1', down: null })];
  assert.deepEqual(where(run(multipleHeads, third, { allowedHeads: ['core'] })), [
    ['p2', p('p2'), 10],
    ['x1', p('x1'), 10],
  ]);
  // A fork inside the core branch: both heads carry `core`, so the label allows neither.
  const fork = [...branches, mf({ rev: 'a3', down: 'a1' })];
  assert.deepEqual(where(run(multipleHeads, fork, { allowedHeads: true })), [
    ['a2', p('a2'), 10],
    ['a3', p('a3'), 10],
  ]);
  const findings = run(multipleHeads, fork, { allowedHeads: ['core', 'plugin'] });
  assert.match(findings[0]!.message, /p2 \(migrations\/versions\/p2\.py, allowed\)/);
  assert.match(findings[0]!.message, /diverges from a3 at a1/);
});

test('multiple-heads: an effective head (only depended on) counts, as in Alembic', () => {
  const files = [
    mf({ rev: 'a1', down: null }),
    mf({ rev: 'a2', down: 'a1' }),
    mf({ rev: 'p1', down: null, deps: 'a2' }),
  ];
  const findings = run(multipleHeads, files);
  assert.deepEqual(where(findings), [
    ['a2', p('a2'), 10],
    ['p1', p('p1'), 10],
  ]);
  assert.match(findings[0]!.message, /a2 is an effective head: p1 only depends on it/);
  assert.match(findings[0]!.message, /shares no history with p1/);
  assert.doesNotMatch(findings[0]!.fix!, /alembic merge heads/);
});

test('missing-down-revision: on the down_revision line, with a hint', () => {
  const files = [...chain(['ae1027a6acf1', 'b']), mf({ rev: 'c', down: 'ae1027a6' }), mf({ rev: 'd', down: 'c' }), mf({ rev: 'e', down: 'zzzz' })];
  const findings = run(missingDownRevision, files);
  assert.deepEqual(where(findings), [
    ['c', p('c'), 11],
    ['e', p('e'), 11],
  ]);
  assert.match(findings[0]!.message, /down_revision "ae1027a6", but no revision file declares/);
  assert.match(findings[0]!.fix!, /Did you mean "ae1027a6acf1"/);
  assert.match(findings[1]!.fix!, /heads on other lines: b and d/);
  const label = run(missingDownRevision, [mf({ rev: 'a', down: null, labels: 'core' }), mf({ rev: 'b', down: 'core' })]);
  assert.match(label[0]!.message, /branch label of a/);
  assert.deepEqual(run(missingDownRevision, chain(['a', 'b', 'c'])), []);
});

test('missing-dependency: on the depends_on line', () => {
  const files = [mf({ rev: 'a', down: null, labels: 'core' }), mf({ rev: 'p', down: null, deps: ['core', 'nope'] })];
  const findings = run(missingDependency, files);
  assert.deepEqual(where(findings), [['p', p('p'), 13]]);
  assert.match(findings[0]!.message, /depends_on "nope"/);
  assert.match(findings[0]!.fix!, /labels: core/);
  assert.deepEqual(run(missingDependency, files.slice(0, 1).concat(mf({ rev: 'p', down: null, deps: ['core', 'a'] }))), []);
});

test('duplicate-revision: both files named, one finding each; repeated branch labels', () => {
  const files = [
    mf({ rev: 'a', down: null }),
    mf({ rev: 'b', down: 'a', path: 'migrations/versions/b_add_email.py' }),
    mf({ rev: 'b', down: 'a', path: 'migrations/versions/c_add_phone.py' }),
  ];
  const findings = run(duplicateRevision, files);
  assert.deepEqual(where(findings), [
    ['b', 'migrations/versions/b_add_email.py', 10],
    ['b', 'migrations/versions/c_add_phone.py', 10],
  ]);
  assert.match(findings[0]!.message, /declared by 2 files: migrations\/versions\/b_add_email\.py and migrations\/versions\/c_add_phone\.py/);
  assert.match(findings[0]!.message, /keeps only migrations\/versions\/c_add_phone\.py/);
  const labels = run(duplicateRevision, [mf({ rev: 'a', down: null, labels: 'x' }), mf({ rev: 'b', down: null, labels: 'x' })]);
  assert.deepEqual(where(labels), [['b', p('b'), 12]]);
  assert.deepEqual(run(duplicateRevision, chain(['a', 'b'])), []);
});

test('revision-cycle: names the revisions in order; self-loops; dependency cycles', () => {
  const files = [mf({ rev: 'base', down: null }), mf({ rev: 'x', down: 'z' }), mf({ rev: 'y', down: 'x' }), mf({ rev: 'z', down: 'y' })];
  const findings = run(revisionCycle, files);
  assert.deepEqual(where(findings), [['x', p('x'), 11]]);
  assert.match(findings[0]!.message, /x → z → y → x/);
  const self = run(revisionCycle, [mf({ rev: 'a', down: 'a' })]);
  assert.deepEqual(where(self), [['a', p('a'), 11]]);
  assert.match(self[0]!.message, /names itself in down_revision/);
  const deps = run(revisionCycle, [
    mf({ rev: 'a1', down: null }),
    mf({ rev: 'a2', down: 'a1', deps: 'p2' }),
    mf({ rev: 'p1', down: null }),
    mf({ rev: 'p2', down: 'p1', deps: 'a2' }),
  ]);
  assert.deepEqual(where(deps), [['a2', p('a2'), 13]]);
  assert.match(deps[0]!.message, /a2 → p2 → a2/);
  assert.deepEqual(run(revisionCycle, chain(['a', 'b', 'c'])), []);
});

test('multiple-bases: warns on an unlabelled extra base, not on labelled branches', () => {
  const accidental = [...chain(['a', 'b', 'c']), mf({ rev: 'x', down: null }), mf({ rev: 'y', down: 'x' })];
  const findings = run(multipleBases, accidental);
  assert.deepEqual(where(findings), [['x', p('x'), 11]]);
  assert.match(findings[0]!.message, /one of 2 bases/);
  assert.match(findings[0]!.message, /main line from a/);
  const labelled = [...chain(['a', 'b']), mf({ rev: 'n1', down: null, labels: 'networking' }), mf({ rev: 'n2', down: 'n1' })];
  assert.deepEqual(run(multipleBases, labelled), []);
  const bothLabelled = [mf({ rev: 'a', down: null, labels: 'core' }), mf({ rev: 'p', down: null, labels: 'plugin' })];
  assert.deepEqual(run(multipleBases, bothLabelled), []);
  // A label declared further up an unbranched line is inherited by its base.
  const inherited = [...chain(['a', 'b']), mf({ rev: 'n1', down: null }), mf({ rev: 'n2', down: 'n1', labels: 'networking' })];
  assert.deepEqual(run(multipleBases, inherited), []);
  assert.deepEqual(run(multipleBases, chain(['a', 'b'])), []);
});

test('multiple-heads: heads made by a missing parent or a cycle are left to those rules', () => {
  assert.deepEqual(run(multipleHeads, [...chain(['a', 'b']), mf({ rev: 'c', down: 'gone' })]), []);
  assert.deepEqual(run(multipleHeads, [...chain(['a', 'b']), mf({ rev: 'c', down: 'c' })]), []);
});

test('multiple-heads: with a missing parent, the heads that remain whatever the repair, in the same run', () => {
  // a <- b <- c and b <- d diverged; x names a parent that is gone.
  const diverged = [...chain(['a', 'b', 'c']), mf({ rev: 'd', down: 'b' }), mf({ rev: 'x', down: 'gone' }), mf({ rev: 'y', down: 'x' })];
  const findings = run(multipleHeads, diverged);
  assert.deepEqual(where(findings), [
    ['c', p('c'), 10],
    ['d', p('d'), 10],
  ]);
  assert.match(findings[0]!.message, /c is one of 2 heads \(c \(migrations\/versions\/c\.py\) and d \(migrations\/versions\/d\.py\)\)/);
  assert.match(findings[0]!.message, /diverges from d at b/);
  assert.match(findings[0]!.message, /Counted over the revisions that load, as Alembic will once the broken down_revision is fixed; left out: x \(migrations\/versions\/x\.py\) and the 1 revision above it/);
  assert.match(findings[0]!.message, /at least 2 heads remain/);
  assert.match(findings[0]!.fix!, /^Fix the missing down_revision first/);
  // The broken link itself is one finding, not a head finding too.
  assert.equal(run(missingDownRevision, diverged).length, 1);

  // The broken revision may be the merge of b and c: fixing it can leave one head, so nothing yet.
  const mergeTypo = [...chain(['a', 'b']), mf({ rev: 'c', down: 'a' }), mf({ rev: 'm', down: ['b', 'gne'] })];
  assert.deepEqual(run(multipleHeads, mergeTypo), []);
  // A fork above the broken link stays whatever it is attached to.
  const forkAbove = [...chain(['a', 'b']), mf({ rev: 'x', down: 'gone' }), mf({ rev: 'y', down: 'x' }), mf({ rev: 'z', down: 'x' })];
  const above = run(multipleHeads, forkAbove);
  assert.deepEqual(where(above), [
    ['y', p('y'), 10],
    ['z', p('z'), 10],
  ]);
  assert.match(above[0]!.message, /y is one of 2 heads .* diverges from z at x .*Counted above x, whose down_revision names a missing revision/);
  // A merge with two missing parents may continue both lines: three heads can come down to one.
  const twoLinks = [...chain(['a', 'b', 'c']), mf({ rev: 'd', down: 'b' }), mf({ rev: 'x', down: ['gone', 'lost'] })];
  assert.deepEqual(run(multipleHeads, twoLinks), []);
  // Two broken revisions that are heads themselves stay heads: two remain whatever the repair.
  const twoTips = [...chain(['a', 'b']), mf({ rev: 'x', down: 'gone' }), mf({ rev: 'w', down: 'lost' })];
  assert.deepEqual(run(multipleHeads, twoTips), []);
  const twoTipsDiverged = [...twoTips, mf({ rev: 'c', down: 'a' })];
  assert.match(run(multipleHeads, twoTipsDiverged)[0]!.message, /b is one of 2 heads .*at least 2 heads remain/);
  // Allowed heads still count as allowed.
  assert.deepEqual(run(multipleHeads, diverged, { allowedHeads: ['d'] }), []);
});

test('unreadable revision variables: no base, no head/base findings, a hint on missing parents', () => {
  const files = [
    mf({ rev: 'a', down: null }),
    mf({ rev: 'b', down: null, unreadable: ['downRevision'] }),
    mf({ rev: null, down: 'a', unreadable: ['revision'], path: 'migrations/versions/const_id.py' }),
    mf({ rev: 'd', down: 'c' }),
  ];
  const g = buildGraph(files);
  assert.deepEqual(g.bases, ['a']);
  assert.deepEqual(
    g.unreadable.map((u) => [u.file.path, u.field]),
    [
      ['migrations/versions/b.py', 'downRevision'],
      ['migrations/versions/const_id.py', 'revision'],
    ],
  );
  assert.deepEqual(run(multipleHeads, files), []);
  assert.deepEqual(run(multipleBases, files), []);
  const missing = run(missingDownRevision, files);
  assert.match(missing[0]!.message, /The revision id of migrations\/versions\/const_id\.py cannot be read statically; if it is "c", fix that file first/);
});

test('malformed graphs give findings from every rule, never an exception', () => {
  const files = [
    mf({ rev: 'a', down: null }),
    mf({ rev: 'a', down: 'a' }),
    mf({ rev: 'b', down: ['a', 'missing'], deps: ['c', 'nolabel'], labels: 'b' }),
    mf({ rev: 'c', down: 'b', deps: 'b' }),
    mf({ rev: null, down: 'c' }),
    mf({ rev: 'd', down: ['d', 'c', 'c'] }),
    mf({ rev: 'e', down: 'f' }),
    mf({ rev: 'f', down: 'e' }),
  ];
  for (const rule of [multipleHeads, missingDownRevision, missingDependency, duplicateRevision, revisionCycle, multipleBases]) {
    assert.doesNotThrow(() => run(rule, files), rule.id);
  }
  assert.ok(run(duplicateRevision, files).length >= 2);
  assert.ok(run(revisionCycle, files).length >= 2);
  assert.equal(run(missingDownRevision, files).length, 1);
  assert.equal(run(missingDependency, files).length, 1);
});
