import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/missing-downgrade.js';
import { ruleTester } from '../helpers/rule-tester.js';
import { fileAt, runRule } from '../source/shape-helpers.js';

const head = `"""doc"""
from alembic import op

revision = "a1b2c3"
down_revision = None


def upgrade():
    op.create_table("t")
`;

ruleTester(rule, {
  valid: [
    `${head}\n\ndef downgrade():\n    op.drop_table("t")\n`,
    { name: 'explicitly irreversible', code: `${head}\n\ndef downgrade():\n    raise NotImplementedError("data is gone")\n` },
    { name: 'empty is another rule', code: `${head}\n\ndef downgrade():\n    pass\n` },
  ],
  invalid: [
    { name: 'no downgrade', code: head, errors: [{ line: 1, column: 1, message: 'has no downgrade() function', fix: 'NotImplementedError' }] },
    { name: 'defined inside upgrade', code: `${head}    def downgrade():\n        pass\n`, errors: [{ line: 1, column: 1 }] },
  ],
});

test('missing-downgrade: silent after a syntax error (the recovered tree can swallow the def)', () => {
  const f = fileAt('0001_x.py', `${head.replace('op.create_table("t")', 'op.create_table("t"')}\n\ndef downgrade():\n    op.drop_table("t")\n`);
  assert.equal(f.problems[0]?.kind, 'syntax');
  assert.equal(f.downgrade, null, 'tree-sitter folded downgrade() into the broken call');
  assert.deepEqual(runRule(rule, [f]), []);
});
