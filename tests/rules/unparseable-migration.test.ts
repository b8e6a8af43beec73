/**
 * unparseable-migration: one finding per ParseProblem. The shared rule tester refuses snippets with
 * problems (by design), so this table runs the rule on files parsed here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/unparseable-migration.js';
import { fileAt, runRule } from '../source/shape-helpers.js';

interface Case {
  name: string;
  file?: string;
  code: string | Buffer;
  errors: { line: number; column: number; message: string | RegExp }[];
  revision?: string;
}

const TAIL = '\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n';
const valid: { name: string; file?: string; code: string }[] = [
  { name: 'a plain revision', code: `"""doc"""\nrevision = "r1"\ndown_revision = None\n${TAIL}` },
  { name: 'legacy hex name without revision', file: 'ae1027a6acf.py', code: `down_revision = None\n${TAIL}` },
  { name: 'annotated tuple', code: `revision: str = "r1"\ndown_revision: tuple[str, ...] = ("a", "b")\n${TAIL}` },
];
const invalid: Case[] = [
  {
    name: 'syntax error',
    code: `revision = "r1"\ndown_revision = None\n\ndef upgrade(:\n    pass\n`,
    errors: [{ line: 4, column: 13, message: /^syntax error at line 4, column 13 \(missing "\)"\)/ }],
    revision: 'r1',
  },
  {
    name: 'non-literal down_revision and f-string labels',
    code: `PARENT = "r0"\nrevision = "r1"\ndown_revision = PARENT\nbranch_labels = (f"{PARENT}x",)\n${TAIL}`,
    errors: [
      { line: 3, column: 17, message: '`down_revision` cannot be read statically: it is the name `PARENT`' },
      { line: 4, column: 18, message: '`branch_labels` cannot be read statically: an item is an f-string' },
    ],
    revision: 'r1',
  },
  {
    name: 'no revision, non-hex name',
    file: '0007_no_rev.py',
    code: `down_revision = None\n${TAIL}`,
    errors: [{ line: 1, column: 1, message: 'Could not determine revision id from filename 0007_no_rev.py' }],
  },
  {
    name: 'invalid UTF-8',
    code: Buffer.concat([Buffer.from('revision = "r1"\ndown_revision = None\nx = "'), Buffer.from([0xff]), Buffer.from('"\n')]),
    errors: [{ line: 3, column: 6, message: /^not valid UTF-8 at line 3: Python refuses/ }],
    revision: 'r1',
  },
  {
    name: 'conditional assignment',
    code: `revision = "r1"\ndown_revision = None\ntry:\n    from app import PARENT\n    down_revision = PARENT\nexcept ImportError:\n    pass\n${TAIL}`,
    errors: [{ line: 5, column: 5, message: 'assigned inside a block' }],
    revision: 'r1',
  },
];

valid.forEach((c, i) => {
  test(`unparseable-migration valid #${i + 1}: ${c.name}`, () => {
    assert.deepEqual(runRule(rule, [fileAt(c.file ?? '0001_x.py', c.code)]), []);
  });
});
invalid.forEach((c, i) => {
  test(`unparseable-migration invalid #${i + 1}: ${c.name}`, () => {
    const file = fileAt(c.file ?? '0001_x.py', c.code);
    const got = runRule(rule, [file]);
    assert.equal(got.length, c.errors.length, JSON.stringify(got, null, 1));
    c.errors.forEach((e, k) => {
      const f = got[k]!;
      assert.deepEqual([f.line, f.column], [e.line, e.column], f.message);
      if (typeof e.message === 'string') assert.ok(f.message.includes(e.message), f.message);
      else assert.match(f.message, e.message);
      assert.equal(f.file, file.path);
      assert.equal(f.revision, c.revision);
    });
  });
});
