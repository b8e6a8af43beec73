/** The source edits of fix-heads (tree-sitter positions) and the rebase plan, on literals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readIdentifiers, rewriteMigration } from '../../src/fixheads/edit.js';
import { fileDiff, unifiedHunks } from '../../src/fixheads/diff.js';
import { planRebase, PlanError } from '../../src/fixheads/plan.js';
import { buildGraph } from '../../src/graph/graph.js';
import { mf } from '../graph/helpers.js';

const modern = `"""add widgets

Revision ID: 037
Revises: 036
Create Date: 2024-05-01 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '037'
down_revision: Union[str, None] = '036'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = ('035', "030")


def upgrade() -> None:
    # keep '036' and "037" in code untouched
    op.execute("SELECT '036', '037'")


def downgrade() -> None:
    pass
`;

test('rewrites revision, down_revision, depends_on and the docstring, nothing else', () => {
  const out = rewriteMigration(modern, { renames: new Map([['037', '038'], ['035', '040']]), downRevision: ['037b'] });
  assert.equal(
    out,
    modern
      .replace('Revision ID: 037', 'Revision ID: 038')
      .replace('Revises: 036', 'Revises: 037b')
      .replace("revision: str = '037'", "revision: str = '038'")
      .replace("down_revision: Union[str, None] = '036'", "down_revision: Union[str, None] = '037b'")
      .replace(`('035', "030")`, `('040', "030")`),
  );
  assert.deepEqual(readIdentifiers(out), { revision: '038', downRevision: ['037b'], dependsOn: ['040', '030'] });
});

test('a plain old-style file with a tuple down_revision and renames only', () => {
  const src = `"""merge\n\nRevision ID: abc\nRevises: 037, 020\n"""\nrevision = "abc"\ndown_revision = ("037", "020")\n`;
  const out = rewriteMigration(src, { renames: new Map([['037', '039']]) });
  assert.equal(out, `"""merge\n\nRevision ID: abc\nRevises: 039, 020\n"""\nrevision = "abc"\ndown_revision = ("039", "020")\n`);
  assert.equal(rewriteMigration(src, {}), src);
});

test('a non-ASCII docstring keeps positions right', () => {
  const src = `"""añade ☕ widgets 😀\n\nRevision ID: 0002\nRevises: 0001\n"""\nrevision = "0002"\ndown_revision = "0001"\n`;
  const out = rewriteMigration(src, { renames: new Map([['0002', '0003']]), downRevision: '0002x' });
  assert.equal(out, `"""añade ☕ widgets 😀\n\nRevision ID: 0003\nRevises: 0002x\n"""\nrevision = "0003"\ndown_revision = "0002x"\n`);
});

test('unified diff with rename headers', () => {
  const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
  const after = 'a\nb\nc\nD\ne\nf\ng\nh\n';
  assert.equal(unifiedHunks(before, after), '@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n');
  assert.equal(fileDiff('v/037_a.py', 'v/038_a.py', before, before), 'diff --git a/v/037_a.py b/v/038_a.py\nrename from v/037_a.py\nrename to v/038_a.py\n');
  assert.equal(fileDiff('x', 'x', before, before), '');
});

test('plan: numbered ids that collide (both branches added 037) move to the next free numbers', () => {
  const theirs = buildGraph([mf({ rev: '035', down: null, path: 'v/035_a.py' }), mf({ rev: '036', down: '035', path: 'v/036_b.py' }), mf({ rev: '037', down: '036', path: 'v/037_main.py' })]);
  const ours = buildGraph([mf({ rev: '037', down: '036', path: 'v/037_add_widgets.py' }), mf({ rev: '038', down: '037', deps: '037', path: 'v/038_more.py' })]);
  const plan = planRebase(ours, theirs, new Set(['v/035_a.py', 'v/036_b.py', 'v/037_main.py', 'v/037_add_widgets.py', 'v/038_more.py']));
  assert.equal(plan.onto, '037');
  assert.deepEqual([...plan.renames], [['037', '038'], ['038', '039']]);
  assert.deepEqual(
    plan.moves.map((m) => [m.revision, m.newRevision, m.newPath, m.newDownRevisions]),
    [
      ['037', '038', 'v/038_add_widgets.py', ['037']],
      ['038', '039', 'v/039_more.py', undefined],
    ],
  );
  assert.deepEqual(plan.referencing, []);
});

test('plan: hash ids keep their ids and file names; only the bottom moves', () => {
  const theirs = buildGraph([mf({ rev: 'a1', down: null }), mf({ rev: 'b2', down: 'a1' }), mf({ rev: 'c3', down: 'b2' })]);
  const ours = buildGraph([mf({ rev: 'f9', down: 'b2' }), mf({ rev: 'e8', down: 'f9' })]);
  const plan = planRebase(ours, theirs, new Set());
  assert.equal(plan.onto, 'c3');
  assert.equal(plan.renames.size, 0);
  assert.deepEqual(
    plan.moves.map((m) => [m.revision, m.newPath, m.newDownRevisions]),
    [
      ['f9', 'migrations/versions/f9.py', ['c3']],
      ['e8', 'migrations/versions/e8.py', undefined],
    ],
  );
});

test('plan: refuses when there is nothing to move or the other side is not linear', () => {
  const theirs = buildGraph([mf({ rev: 'a1', down: null }), mf({ rev: 'b2', down: 'a1' })]);
  assert.throws(() => planRebase(buildGraph([]), theirs, new Set()), PlanError);
  assert.throws(() => planRebase(buildGraph([mf({ rev: 'c3', down: 'b2' })]), theirs, new Set()), /already stand on b2/);
  const forked = buildGraph([mf({ rev: 'a1', down: null }), mf({ rev: 'b2', down: 'a1' }), mf({ rev: 'b3', down: 'a1' })]);
  assert.throws(() => planRebase(buildGraph([mf({ rev: 'c3', down: 'a1' })]), forked, new Set()), /2 heads/);
});
