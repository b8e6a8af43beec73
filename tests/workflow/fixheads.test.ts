/**
 * `fix-heads` on fixture projects with two heads (hash ids) and colliding sequential ids, in real
 * git repositories, each followed by a real `alembic upgrade head` on PostgreSQL with the venv's
 * Alembic.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runCli } from '../helpers/run-cli.js';
import { venvPython } from '../helpers/paths.js';
import { cleanup, copyFixture, git, gitInit } from './helpers.js';
import { startPostgres, type TestPostgres } from './pg.js';

const V = 'migrations/versions';
let pgServer: TestPostgres;
let dbCount = 0;

before(async () => {
  pgServer = await startPostgres();
});
after(async () => {
  await pgServer?.stop();
});

/** main holds the fixture without `ours`; the branch `feature` adds them on top (committed). */
function diverged(fixture: string, ours: string[]): string {
  const dir = copyFixture(fixture);
  const aside = mkdtempSync(join(tmpdir(), 'ag-ours-'));
  for (const f of ours) {
    cpSync(join(dir, V, f), join(aside, f));
    rmSync(join(dir, V, f));
  }
  gitInit(dir, 'main');
  git(dir, 'checkout', '-q', '-b', 'feature');
  for (const f of ours) cpSync(join(aside, f), join(dir, V, f));
  git(dir, 'add', V);
  git(dir, 'commit', '-q', '-m', 'feature revisions');
  cleanup(aside);
  return dir;
}

function alembic(dir: string, url: string, ...args: string[]): string {
  return execFileSync(venvPython, ['-m', 'alembic', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function upgradeOnPostgres(dir: string): Promise<{ tables: string[]; version: string[] }> {
  const name = `fixheads_${++dbCount}`;
  await pgServer.createDatabase(name);
  const url = pgServer.url(name).replace('postgresql://', 'postgresql+psycopg2://');
  alembic(dir, url, 'upgrade', 'head');
  const tables = (await pgServer.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1", name)).rows.map((r: { table_name: string }) => r.table_name);
  const version = (await pgServer.query('SELECT version_num FROM alembic_version', name)).rows.map((r: { version_num: string }) => r.version_num);
  return { tables, version };
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(dir, V))) if (f.endsWith('.py')) out[f] = readFileSync(join(dir, V, f), 'utf8');
  return out;
}

test('--rebase --onto with hash ids: dry-run diff, then down_revision and Revises: rewritten; alembic upgrade head works', async () => {
  const dir = diverged('workflow-heads-hash', ['d4e5f6a1b2c3_add_widgets.py', 'e5f6a1b2c3d4_add_widget_color.py']);
  try {
    const untouched = snapshot(dir);
    const dry = await runCli(['fix-heads', '--rebase', '--onto', 'main', '--dry-run'], dir);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(
      dry.stdout,
      [
        `diff --git a/${V}/d4e5f6a1b2c3_add_widgets.py b/${V}/d4e5f6a1b2c3_add_widgets.py`,
        `--- a/${V}/d4e5f6a1b2c3_add_widgets.py`,
        `+++ b/${V}/d4e5f6a1b2c3_add_widgets.py`,
        '@@ -1,7 +1,7 @@',
        ' """add widgets',
        ' ',
        ' Revision ID: d4e5f6a1b2c3',
        '-Revises: b2c3d4e5f6a1',
        '+Revises: c3d4e5f6a1b2',
        ' Create Date: 2024-05-03 10:00:00.000000',
        ' ',
        ' """',
        '@@ -13,7 +13,7 @@',
        ' ',
        ' # revision identifiers, used by Alembic.',
        " revision: str = 'd4e5f6a1b2c3'",
        "-down_revision: Union[str, Sequence[str], None] = 'b2c3d4e5f6a1'",
        "+down_revision: Union[str, Sequence[str], None] = 'c3d4e5f6a1b2'",
        ' branch_labels: Union[str, Sequence[str], None] = None',
        ' depends_on: Union[str, Sequence[str], None] = None',
        ' ',
        '',
      ].join('\n'),
    );
    assert.match(dry.stderr, /nothing was changed/);
    assert.deepEqual(snapshot(dir), untouched, '--dry-run changes nothing');
    // The dry-run diff applies with git itself.
    execFileSync('git', ['apply', '--check', '-'], { cwd: dir, input: dry.stdout });

    const r = await runCli(['fix-heads', '--rebase', '--onto', 'main'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Move 2 revisions on top of c3d4e5f6a1b2/);
    assert.match(r.stdout, /No problems found/);
    const after = snapshot(dir);
    assert.deepEqual(Object.keys(after).sort(), Object.keys(untouched).sort());
    assert.equal(after['e5f6a1b2c3d4_add_widget_color.py'], untouched['e5f6a1b2c3d4_add_widget_color.py']);
    const db = await upgradeOnPostgres(dir);
    assert.deepEqual(db.tables, ['alembic_version', 'orders', 'users', 'widgets']);
    assert.deepEqual(db.version, ['e5f6a1b2c3d4']);
    assert.equal(alembic(dir, 'postgresql://unused/x', 'heads').trim(), 'e5f6a1b2c3d4 (head)');
  } finally {
    cleanup(dir);
  }
});

test('--rebase --onto with colliding sequential ids: files and ids renumbered, every reference updated', async () => {
  const ours = ['003_add_widgets.py', '004_add_widget_color.py', '005_backfill_widget_color.py'];
  const dir = diverged('workflow-heads-numbered', ours);
  try {
    const r = await runCli(['fix-heads', '--rebase', '--onto', 'main'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /003 → 004 {2}\(migrations\/versions\/003_add_widgets\.py → migrations\/versions\/004_add_widgets\.py, down_revision 002 → 003\)/);
    const files = snapshot(dir);
    assert.deepEqual(Object.keys(files).sort(), ['001_create_users.py', '002_add_email.py', '003_create_orders.py', '004_add_widgets.py', '005_add_widget_color.py', '006_backfill_widget_color.py']);
    assert.match(files['004_add_widgets.py']!, /Revision ID: 004\nRevises: 003\n[\s\S]*revision: str = '004'\ndown_revision: Union\[str, Sequence\[str\], None\] = '003'/);
    assert.match(files['005_add_widget_color.py']!, /Revision ID: 005\nRevises: 004\n[\s\S]*revision: str = '005'\ndown_revision: Union\[str, Sequence\[str\], None\] = '004'/);
    assert.match(files['006_backfill_widget_color.py']!, /revision: str = '006'\ndown_revision: Union\[str, Sequence\[str\], None\] = '005'\n[\s\S]*depends_on: Union\[str, Sequence\[str\], None\] = '004'/);
    assert.equal(existsSync(join(dir, V, '003_add_widgets.py')), false);
    const db = await upgradeOnPostgres(dir);
    assert.deepEqual(db.tables, ['alembic_version', 'orders', 'users', 'widgets']);
    assert.deepEqual(db.version, ['006']);
    assert.match(alembic(dir, 'postgresql://unused/x', 'history'), /^005 \(004\) -> 006 \(head\), backfill widget color\n004 -> 005, add widget color\n003 -> 004, add widgets\n002 -> 003, create orders\n001 -> 002, add email\n<base> -> 001, create users\n$/);
  } finally {
    cleanup(dir);
  }
});

test('--merge writes the merge revision through Alembic; alembic upgrade head works', async () => {
  const dir = diverged('workflow-heads-hash', ['d4e5f6a1b2c3_add_widgets.py', 'e5f6a1b2c3d4_add_widget_color.py']);
  try {
    const dry = await runCli(['fix-heads', '--merge', '--dry-run'], dir);
    assert.equal(dry.code, 0);
    assert.match(dry.stdout, /Would write a merge revision of c3d4e5f6a1b2, e5f6a1b2c3d4/);
    const r = await runCli(['fix-heads', '--merge', '-m', 'merge orders and widgets', '--python', venvPython], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const m = /Wrote merge revision ([0-9a-f]+) of c3d4e5f6a1b2, e5f6a1b2c3d4: (migrations\/versions\/\1_merge_orders_and_widgets\.py)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const source = readFileSync(join(dir, m[2]!), 'utf8');
    // The project's own script.py.mako (typed annotations) and file_template.
    assert.match(source, /^"""merge orders and widgets\n\nRevision ID: [0-9a-f]+\nRevises: c3d4e5f6a1b2, e5f6a1b2c3d4\n/);
    assert.match(source, /down_revision: Union\[str, Sequence\[str\], None\] = \('c3d4e5f6a1b2', 'e5f6a1b2c3d4'\)/);
    assert.match(r.stdout, /No problems found/);
    const db = await upgradeOnPostgres(dir);
    assert.deepEqual(db.tables, ['alembic_version', 'orders', 'users', 'widgets']);
    assert.deepEqual(db.version, [m[1]]);
  } finally {
    cleanup(dir);
  }
});

test('changes nothing, and says why, when the moved revisions are applied in the database', async () => {
  const dir = diverged('workflow-heads-hash', ['d4e5f6a1b2c3_add_widgets.py', 'e5f6a1b2c3d4_add_widget_color.py']);
  try {
    await pgServer.createDatabase('staging');
    await pgServer.query("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('d4e5f6a1b2c3')", 'staging');
    const untouched = snapshot(dir);
    const r = await runCli(['fix-heads', '--rebase', '--onto', 'main', '--database-url', pgServer.url('staging')], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /changed nothing: d4e5f6a1b2c3 is already applied in the database[\s\S]*Use --merge instead/);
    assert.doesNotMatch(r.stderr + r.stdout, /s3cret-pw/);
    assert.deepEqual(snapshot(dir), untouched);
    // Against the branch itself nothing is new: nothing to move.
    const none = await runCli(['fix-heads', '--rebase', '--onto', 'feature'], dir);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /changed nothing: no revision exists only on this branch/);
    assert.deepEqual(snapshot(dir), untouched);
    const usage = await runCli(['fix-heads', '--rebase'], dir);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--rebase needs --onto REF/);
    const both = await runCli(['fix-heads', '--merge', '--rebase', '--onto', 'main'], dir);
    assert.equal(both.code, 2);
  } finally {
    cleanup(dir);
  }
});

test('--merge refuses colliding ids (a merge cannot fix them)', async () => {
  const dir = diverged('workflow-heads-numbered', ['003_add_widgets.py', '004_add_widget_color.py', '005_backfill_widget_color.py']);
  try {
    const r = await runCli(['fix-heads', '--merge'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /same revision id[\s\S]*--rebase --onto REF/);
  } finally {
    cleanup(dir);
  }
});
