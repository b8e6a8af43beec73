/**
 * `check --since REF` in a real git repository: a new, an edited and a renamed migration, in the
 * work tree (untracked, unstaged), staged, and committed; `--output` beside it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { cleanup, copyFixture, git, gitInit, triples, type JsonFinding } from './helpers.js';

const V = 'migrations/versions';

const newIndex = `"""add orders user index

Revision ID: 0004
Revises: 0003
Create Date: 2024-05-04 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_orders_user_id", "orders", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_user_id", table_name="orders")
`;

async function since(dir: string, ref: string, extra: string[] = []) {
  const r = await runCli(['check', '--static', '--no-cache', '--since', ref, '--format', 'json', ...extra], dir);
  assert.notEqual(r.code, 2, r.stderr);
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings };
}

test('--since: new, edited and renamed migrations, uncommitted, staged and committed', async () => {
  const dir = copyFixture('workflow-since');
  try {
    // The old drop is acknowledged with an ignore: a --since run must not judge that ignore.
    const p2 = join(dir, V, '0002_drop_legacy_flag.py');
    writeFileSync(p2, readFileSync(p2, 'utf8').replace('op.drop_column("users", "legacy_flag")', 'op.drop_column("users", "legacy_flag")  # alembic-guard: ignore[ban-drop-column]'));
    gitInit(dir);
    git(dir, 'tag', 'base');
    const full = await since(dir, 'base');
    assert.deepEqual(full.findings, [], 'nothing changed since base');

    // 1. untracked new file, unstaged edit, plain `mv` rename (deleted + untracked, same content)
    writeFileSync(join(dir, V, '0004_add_orders_index.py'), newIndex);
    const p3 = join(dir, V, '0003_create_orders.py');
    const before = readFileSync(p3, 'utf8');
    const edited = before.replace('        sa.Column("user_id", sa.BigInteger(), nullable=False),\n', '        sa.Column("user_id", sa.BigInteger(), nullable=False),\n        sa.Column("total", sa.Numeric(), nullable=True),\n');
    assert.notEqual(edited, before);
    writeFileSync(p3, edited);
    const editedLine = edited.split('\n').findIndex((l) => l.includes('"total"')) + 1;
    renameSync(p2, join(dir, V, '0002_drop_legacy_flag_column.py'));

    const r1 = await since(dir, 'base');
    assert.deepEqual(triples(r1.findings), [
      `modified-migration ${V}/0003_create_orders.py:${editedLine}`,
      `require-concurrent-index-creation ${V}/0004_add_orders_index.py:18`,
    ]);
    assert.equal(r1.code, 1);
    const modified = r1.findings.find((f) => f.rule === 'modified-migration')!;
    assert.equal(modified.revision, '0003');
    assert.match(modified.message, /revision 0003 already existed at base and was changed since/);
    assert.match(modified.fix!, /git checkout base -- migrations\/versions\/0003_create_orders\.py/);

    // 2. the same, staged (git sees the rename itself)
    git(dir, 'add', '-A');
    assert.deepEqual(triples((await since(dir, 'base')).findings), triples(r1.findings));

    // 3. committed on a branch: --since compares commits too
    git(dir, 'commit', '-q', '-m', 'work');
    assert.deepEqual(triples((await since(dir, 'base')).findings), triples(r1.findings));
    // … and against the new commit nothing changed
    assert.deepEqual((await since(dir, 'HEAD')).findings, []);

    // 4. renamed and edited: modified, naming the old path
    git(dir, 'mv', `${V}/0004_add_orders_index.py`, `${V}/0004_add_orders_user_index.py`);
    appendFileSync(join(dir, V, '0004_add_orders_user_index.py'), '\n# reviewed\n');
    const r4 = await since(dir, 'HEAD');
    assert.deepEqual(triples(r4.findings), [
      `modified-migration ${V}/0004_add_orders_user_index.py:23`,
      `require-concurrent-index-creation ${V}/0004_add_orders_user_index.py:18`,
    ]);
    assert.match(r4.findings.find((f) => f.rule === 'modified-migration')!.message, /it was migrations\/versions\/0004_add_orders_index\.py there/);

    // Without --since every file is linted again, and the old ignore is used.
    const all = await runCli(['check', '--static', '--no-cache', '--format', 'json'], dir);
    assert.deepEqual(triples((JSON.parse(all.stdout) as { findings: JsonFinding[] }).findings), [`require-concurrent-index-creation ${V}/0004_add_orders_user_index.py:18`]);
  } finally {
    cleanup(dir);
  }
});

test('--since: an ignore-file comment silences modified-migration; severity can be configured', async () => {
  const dir = copyFixture('workflow-since');
  try {
    gitInit(dir);
    const p1 = join(dir, V, '0001_create_users.py');
    writeFileSync(p1, '# alembic-guard: ignore-file[modified-migration]\n' + readFileSync(p1, 'utf8'));
    assert.deepEqual((await since(dir, 'main')).findings, []);
    writeFileSync(join(dir, 'pyproject.toml'), '[tool.alembic-guard.rules]\nmodified-migration = "warning"\n');
    const p3 = join(dir, V, '0003_create_orders.py');
    writeFileSync(p3, readFileSync(p3, 'utf8').replace('"""create orders', '"""create the orders table'));
    const r = await since(dir, 'main');
    assert.deepEqual(triples(r.findings), [`modified-migration ${V}/0003_create_orders.py:1`]);
    assert.equal(r.findings[0]!.severity, 'warning');
    assert.equal(r.code, 0);
  } finally {
    cleanup(dir);
  }
});

test('--since: errors for a bad ref and outside git are usage errors (exit 2) with a next step', async () => {
  const dir = copyFixture('workflow-since');
  try {
    const outside = await runCli(['check', '--static', '--since', 'origin/main'], dir);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /not inside a git work tree[\s\S]*baseline/);
    gitInit(dir);
    const bad = await runCli(['check', '--static', '--since', 'origin/main'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown git revision "origin\/main"[\s\S]*git fetch origin/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    cleanup(dir);
  }
});

test('--output writes SARIF, Markdown or JSON to a file while the terminal gets text', async () => {
  const dir = copyFixture('workflow-since');
  try {
    const r = await runCli(['check', '--static', '--no-cache', '--output', 'out/report.sarif', '--output', 'summary.md'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ban-drop-column/);
    assert.match(r.stdout, /1 problem \(0 errors, 1 warning, 0 infos\)/);
    const sarif = JSON.parse(readFileSync(join(dir, 'out/report.sarif'), 'utf8')) as { version: string; runs: { results: { ruleId: string }[] }[] };
    assert.equal(sarif.version, '2.1.0');
    assert.deepEqual(sarif.runs[0]!.results.map((x) => x.ruleId), ['ban-drop-column']);
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    assert.match(md, /^## alembic-guard: ⚠️ 1 problem/);
    assert.match(md, /#### Revision `0002` · `migrations\/versions\/0002_drop_legacy_flag\.py`/);
    const j = await runCli(['check', '--static', '--no-cache', '--format', 'json', '--output', 'r.txt'], dir);
    assert.equal(j.code, 0);
    assert.match(j.stdout, /ban-drop-column/);
    assert.equal(JSON.parse(readFileSync(join(dir, 'r.txt'), 'utf8')).findings.length, 1);
    const unknown = await runCli(['check', '--static', '--output', 'report.xyz'], dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /cannot tell the format of --output report\.xyz/);
  } finally {
    cleanup(dir);
  }
});
