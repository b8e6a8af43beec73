/**
 * pre-commit end to end, with the real `pre-commit` from PyPI: a temporary git repository holding a
 * fixture project uses this repository (its HEAD commit) as the hook source. A bad migration blocks
 * the commit with a readable message; a good one passes; a commit that touches no migration skips
 * the hook; the pre-push hook runs the database checks (here against a server of ours).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot, venvDir } from '../helpers/paths.js';
import { cleanup, copyFixture, git, gitInit } from './helpers.js';
import { startPostgres, type TestPostgres } from './pg.js';

const preCommit = join(venvDir, 'bin', 'pre-commit');
let home: string;
let pgServer: TestPostgres;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'ag-pre-commit-home-'));
  pgServer = await startPostgres();
});
after(async () => {
  cleanup(home);
  await pgServer?.stop();
});

const badIndex = `"""add orders user index

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_orders_user_id", "orders", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_user_id", table_name="orders")
`;

const goodIndex = badIndex.replace(
  '    op.create_index("ix_orders_user_id", "orders", ["user_id"])',
  '    with op.get_context().autocommit_block():\n        op.create_index("ix_orders_user_id", "orders", ["user_id"], postgresql_concurrently=True, if_not_exists=True)',
);

function commit(dir: string, message: string) {
  const env = { ...process.env, PRE_COMMIT_HOME: home, VIRTUAL_ENV: venvDir, PATH: `${join(venvDir, 'bin')}:${process.env.PATH ?? ''}`, NO_COLOR: '1' };
  const r = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=Test', 'commit', '-m', message], { cwd: dir, encoding: 'utf8', env, timeout: 540_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('pre-commit: the hook from this repository blocks a bad migration and lets a good one through', { timeout: 600_000 }, async () => {
  const head = git(repoRoot, 'rev-parse', 'HEAD').trim();
  assert.ok(existsSync(join(repoRoot, '.pre-commit-hooks.yaml')));
  const dir = copyFixture('workflow-since');
  try {
    writeFileSync(
      join(dir, '.pre-commit-config.yaml'),
      `repos:\n  - repo: ${repoRoot}\n    rev: ${head}\n    hooks:\n      - id: alembic-guard\n      - id: alembic-guard-full\n        args: [--database-url, '${pgServer.url()}']\n`,
    );
    gitInit(dir);
    const install = spawnSync(preCommit, ['install', '--hook-type', 'pre-commit', '--hook-type', 'pre-push'], { cwd: dir, encoding: 'utf8', env: { ...process.env, PRE_COMMIT_HOME: home } });
    assert.equal(install.status, 0, install.stderr);

    // A bad migration: the commit is refused, and the output says what, where and the fix.
    writeFileSync(join(dir, 'migrations/versions/0004_add_orders_index.py'), badIndex);
    git(dir, 'add', '-A');
    const bad = commit(dir, 'add orders index');
    assert.notEqual(bad.code, 0, bad.out);
    assert.match(bad.out, /alembic-guard \(static checks\)\.+Failed/);
    assert.match(bad.out, /migrations\/versions\/0004_add_orders_index\.py {2}revision 0004/);
    assert.match(bad.out, /15:5 +error +Creating index ix_orders_user_id on orders without CONCURRENTLY/);
    assert.match(bad.out, /fix: Create it in an autocommit block/);
    assert.doesNotMatch(bad.out, /\n\s+at .*\.js:\d+/, 'no stack trace');
    assert.equal(git(dir, 'log', '--oneline').trim().split('\n').length, 1, 'nothing was committed');

    // The same migration written safely: the commit goes through.
    writeFileSync(join(dir, 'migrations/versions/0004_add_orders_index.py'), goodIndex);
    git(dir, 'add', '-A');
    const good = commit(dir, 'add orders index concurrently');
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /alembic-guard \(static checks\)\.+Passed/);

    // A commit that touches no migration or Alembic config does not run the hook.
    writeFileSync(join(dir, 'README.md'), '# shop\n');
    git(dir, 'add', 'README.md');
    const other = commit(dir, 'readme');
    assert.equal(other.code, 0, other.out);
    assert.match(other.out, /alembic-guard \(static checks\)\.+\(no files to check\)Skipped/);

    // The pre-push hook: the database checks, with the project's Python (here the test venv).
    const push = spawnSync(preCommit, ['run', '--hook-stage', 'pre-push', 'alembic-guard-full', '--all-files'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PRE_COMMIT_HOME: home, VIRTUAL_ENV: venvDir, NO_COLOR: '1' },
      timeout: 300_000,
    });
    assert.equal(push.status, 0, push.stdout + push.stderr);
    assert.match(push.stdout, /alembic-guard \(database checks\)\.+Passed/);
  } finally {
    cleanup(dir);
  }
});
