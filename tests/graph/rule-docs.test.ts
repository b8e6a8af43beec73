/**
 * The graph rules' docs examples are tests: each multi-file Example, read by the real parser, must
 * trigger its rule and each Use instead must not. Both are also written out as a real Alembic
 * project and handed to Alembic, which must fail (or show several heads/bases) on the example
 * the way the docs say, and accept the Use instead with a single head.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { buildGraph } from '../../src/graph/graph.js';
import { splitExample } from '../../src/graph/examples.js';
import { parseMigration } from '../../src/source/parse.js';
import type { MigrationFile } from '../../src/model.js';
import type { Rule } from '../../src/rules/define.js';
import multipleHeads from '../../src/rules/multiple-heads.js';
import missingDownRevision from '../../src/rules/missing-down-revision.js';
import missingDependency from '../../src/rules/missing-dependency.js';
import duplicateRevision from '../../src/rules/duplicate-revision.js';
import revisionCycle from '../../src/rules/revision-cycle.js';
import multipleBases from '../../src/rules/multiple-bases.js';
import { project } from './helpers.js';
import { alembicFromConfig, type AlembicView } from './alembic.js';

function filesOf(example: string): MigrationFile[] {
  const parts = splitExample(example);
  assert.ok(parts.length >= 1, 'the example has `# file:` parts');
  return parts.map(({ file, source }) => {
    const buf = Buffer.from(source);
    const path = `migrations/${file}`;
    return parseMigration(buf, { path, absPath: `/project/${path}` }, createHash('sha1').update(buf).digest('hex'));
  });
}

function check(rule: Rule, example: string) {
  const files = filesOf(example);
  for (const f of files) assert.deepEqual(f.problems, [], `${f.path} parses cleanly`);
  return rule.check!({ project: project(), files, graph: buildGraph(files), lintedFiles: files });
}

/** Writes the example as a project and asks Alembic about it. */
function alembicOn(example: string): AlembicView {
  const dir = mkdtempSync(join(tmpdir(), 'ag-graph-docs-'));
  try {
    writeFileSync(join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/migrations\npath_separator = os\n');
    mkdirSync(join(dir, 'migrations', 'versions'), { recursive: true });
    for (const { file, source } of splitExample(example)) writeFileSync(join(dir, 'migrations', file), source);
    return alembicFromConfig(join(dir, 'alembic.ini'), 'alembic', dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const single = (v: AlembicView) => {
  assert.equal(v.error, undefined);
  assert.equal(v.heads.length, 1);
  assert.equal(v.bases.length, 1);
};

const cases: { rule: Rule; alembic: (v: AlembicView) => void; fine?: (v: AlembicView) => void }[] = [
  { rule: multipleHeads, alembic: (v) => assert.equal(v.heads.length, 2) },
  { rule: missingDownRevision, alembic: (v) => assert.match(v.error ?? '', /^KeyError: 'ae1027a6acf'$/) },
  {
    rule: missingDependency,
    alembic: (v) => assert.match(v.error ?? '', /^KeyError: '1975ea83b7'$/),
    // A labelled audit branch of its own, depending on the main line: one real head.
    fine: (v) => {
      assert.equal(v.error, undefined);
      assert.deepEqual(v.realHeads, ['5d2f7a8c9b10']);
      assert.equal(v.bases.length, 2);
    },
  },
  // Alembic only warns, and keeps the copied file's Revision as a phantom head.
  { rule: duplicateRevision, alembic: (v) => assert.deepEqual(v.heads, ['1975ea83b712', '1975ea83b712']) },
  { rule: revisionCycle, alembic: (v) => assert.match(v.error ?? '', /^CycleDetected: /) },
  { rule: multipleBases, alembic: (v) => assert.equal(v.bases.length, 2) },
];

for (const { rule, alembic, fine = single } of cases) {
  test(`${rule.id}: the docs example triggers it, the "use instead" does not, and Alembic agrees`, () => {
    assert.equal(rule.category, 'graph');
    assert.ok(check(rule, rule.docs.example).length > 0, 'example triggers the rule');
    assert.deepEqual(check(rule, rule.docs.useInstead), [], 'use instead is clean');
    alembic(alembicOn(rule.docs.example));
    fine(alembicOn(rule.docs.useInstead));
  });
}
