/**
 * `alembic-guard doctor` on each database state it explains, made for real: an unknown revision
 * migrated from another git branch, a schema made by create_all() without a version table, a schema
 * two revisions behind without a version table, a half-applied autocommit revision, stale rows; and
 * proof that it writes nothing (a read-only role, the next transaction id, the catalog snapshot).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { venvPython } from '../helpers/paths.js';
import { cli, copyFixture, query, useDeployServer, writeProbe } from './helpers.js';

const server = useDeployServer('doctor');
/** The shared copy of deploy-shop (made by the server's before hook). */
const project = (): string => server.project();

const database = (): Promise<string> => server.database();

interface DoctorJson {
  state: string;
  current: string[];
  exitCode: number;
  replayed: number;
  diagnoses: { kind: string; summary: string; details: string[]; next: string[]; matches?: { revisions: string[]; exact: boolean }; origin?: { commit: string; file: string; branches: string[] }; tookEffect?: string[]; notApplied?: string[] }[];
}

async function doctor(url: string, cwd = project()) {
  const j = await cli(['doctor', '--database-url', url, '--format', 'json'], cwd).done;
  const t = await cli(['doctor', '--database-url', url], cwd).done;
  assert.equal(t.code, j.code);
  for (const out of [j.stdout, j.stderr, t.stdout, t.stderr]) assert.doesNotMatch(out, /s3cret-pw|\n\s+at .*\.js:\d+/);
  assert.ok(j.stdout.startsWith('{'), j.stderr);
  return { code: j.code, json: JSON.parse(j.stdout) as DoctorJson, text: t.stdout };
}

/** `alembic-guard migrate` to head; it must succeed. */
async function migrated(url: string, cwd = project()): Promise<void> {
  const r = await cli(['migrate', '--database-url', url], cwd).done;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
}

/** `alembic upgrade TARGET` with the test venv, the plain Alembic way. */
function alembic(cwd: string, ...args: string[]): void {
  execFileSync(venvPython, ['-m', 'alembic', ...args], { cwd, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, stdio: 'pipe' });
}

/** The fixture's alembic.ini pointed at `url` (plain Alembic reads sqlalchemy.url). */
function pointAt(cwd: string, url: string): void {
  const path = join(cwd, 'alembic.ini');
  const text = readFileSync(path, 'utf8').replace(/^sqlalchemy\.url = .*$/m, `sqlalchemy.url = ${url.replace('postgresql://', 'postgresql+psycopg2://').replace(/%/g, '%%')}`);
  writeFileSync(path, text);
}

test('at head, and behind: exit 0 and 1, the schema verified against a replay', async () => {
  const url = await database();
  await migrated(url);
  const head = await doctor(url);
  assert.equal(head.code, 0);
  assert.deepEqual(head.json.diagnoses.map((d) => d.kind), ['at-head']);
  assert.match(head.json.diagnoses[0]!.summary, /Its schema is exactly what the scripts create there/);
  assert.equal(head.json.replayed, 5);
});

test('a schema made by create_all() with no version table: it matches head exactly, `alembic stamp 0005` (exit 4)', async () => {
  const url = await database();
  execFileSync(venvPython, ['-c', 'import sys, sqlalchemy as sa; from app.models import Base; Base.metadata.create_all(sa.create_engine(sys.argv[1]))', url.replace('postgresql://', 'postgresql+psycopg2://')], { cwd: project(), stdio: 'pipe' });
  const r = await doctor(url);
  assert.equal(r.code, 4);
  const d = r.json.diagnoses[0]!;
  assert.equal(d.kind, 'schema-without-version-table');
  assert.deepEqual(d.matches, { revisions: ['0005'], exact: true, differences: 0 });
  assert.deepEqual(d.next, ['alembic stamp 0005']);
  assert.match(r.text, /relation already exists/);
});

test('a schema two revisions behind with no version table: it matches 0003, stamp it then migrate', async () => {
  const url = await database();
  const dir = copyFixture();
  pointAt(dir, url);
  alembic(dir, 'upgrade', '0003');
  await query(url, 'DROP TABLE alembic_version');
  const r = await doctor(url);
  assert.equal(r.code, 4);
  const d = r.json.diagnoses[0]!;
  assert.equal(d.kind, 'schema-without-version-table');
  assert.deepEqual(d.matches, { revisions: ['0003'], exact: true, differences: 0 });
  assert.deepEqual(d.next, ['alembic stamp 0003', 'alembic-guard migrate']);
  // A version table older than the schema is the same trouble: stamp the revision the schema is at.
  await query(url, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('0001')");
  const stale = await doctor(url);
  assert.equal(stale.code, 1);
  assert.equal(stale.json.diagnoses[0]!.kind, 'stale-version');
  assert.deepEqual(stale.json.diagnoses[0]!.next, ['alembic stamp 0003', 'alembic-guard migrate']);
});

test('a half-applied autocommit revision: which statements took effect, the INVALID index, what to run', async () => {
  const url = await database();
  const dir = copyFixture();
  pointAt(dir, url);
  alembic(dir, 'upgrade', '0004');
  await query(url, "INSERT INTO customers (id, email) VALUES (1, 'a@example.com'); INSERT INTO orders (customer_id, status) VALUES (1, 'new'), (1, 'paid')");
  const failed = await cli(['migrate', '--database-url', url], project()).done;
  assert.equal(failed.code, 1, failed.stderr);
  const r = await doctor(url);
  assert.equal(r.code, 1);
  const d = r.json.diagnoses.find((x) => x.kind === 'half-applied')!;
  assert.ok(d !== undefined, r.text);
  assert.deepEqual(d.tookEffect, ['index ix_orders_status on table orders']);
  assert.ok(d.details.includes('left INVALID: index public.ux_orders_customer'), d.details.join('\n'));
  assert.match(d.next[0]!, /^DROP INDEX CONCURRENTLY IF EXISTS "public"\."ux_orders_customer";/);
  assert.match(d.summary, /Revision 0005 \(migrations\/versions\/0005_index_orders\.py\) runs statements in an autocommit block and stopped half way/);
});

test('several rows in alembic_version: a row another row includes is stale (`alembic stamp --purge`)', async () => {
  const url = await database();
  await migrated(url);
  await query(url, "INSERT INTO alembic_version VALUES ('0002')");
  const r = await doctor(url);
  assert.equal(r.code, 1);
  const d = r.json.diagnoses.find((x) => x.kind === 'stale-rows')!;
  assert.deepEqual(d.next, ['alembic stamp --purge 0005']);
  assert.deepEqual(d.details, ['0002 is an ancestor of 0005']);
});

test('an unknown revision: found in the git history on another branch, with its commit and file (exit 3)', async () => {
  const repo = copyFixture();
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'the app');
  git('checkout', '-qb', 'feature/archive');
  const file = 'migrations/versions/a1b2c3d4e5f6_archive_orders.py';
  writeFileSync(
    join(repo, file),
    '"""archive orders\n\nRevision ID: a1b2c3d4e5f6\nRevises: 0005\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = "a1b2c3d4e5f6"\ndown_revision = "0005"\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade() -> None:\n    op.add_column("orders", sa.Column("archived", sa.Boolean(), nullable=True))\n\n\ndef downgrade() -> None:\n    op.drop_column("orders", "archived")\n',
  );
  git('add', '.');
  git('commit', '-qm', 'archive orders');
  const commit = git('rev-parse', 'HEAD').trim();
  const url = await database();
  await migrated(url, repo); // deployed from the feature branch
  git('checkout', '-q', 'main');
  const r = await doctor(url, repo);
  assert.equal(r.code, 3);
  const d = r.json.diagnoses[0]!;
  assert.equal(d.kind, 'unknown-revision');
  assert.equal(d.origin!.commit, commit);
  assert.equal(d.origin!.file, file);
  assert.deepEqual(d.origin!.branches, ['feature/archive']);
  assert.match(r.text, new RegExp(`it comes from ${file.replace(/\./g, '\\.')}, added in commit ${commit.slice(0, 12)} \\(\\d{4}-\\d\\d-\\d\\d, "archive orders"\\), on branch feature/archive`));
  assert.match(r.text, /alembic downgrade 0005/);
  // migrate refuses the same database, exit 3.
  assert.equal((await cli(['migrate', '--database-url', url], repo).done).code, 3);
});

test('doctor writes nothing: a role that may only read, the next transaction id and the catalog unchanged', async () => {
  const url = await database();
  await migrated(url);
  await query(url, "DELETE FROM alembic_version; INSERT INTO alembic_version VALUES ('0003')");
  const name = new URL(url).pathname.slice(1);
  await query(url, `CREATE ROLE reader LOGIN PASSWORD 'reader-pw'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader; ALTER DATABASE ${name} SET default_transaction_read_only = on`);
  const readerUrl = url.replace(/postgres:[^@]*@/, `reader:reader-pw@`);
  const before = await writeProbe(url);
  const r = await doctor(readerUrl);
  assert.equal(r.code, 1, r.text);
  assert.equal(r.json.diagnoses[0]!.kind, 'stale-version');
  const after = await writeProbe(url);
  assert.equal(after.nextXid, before.nextXid, 'no transaction id was assigned on the server');
  assert.deepEqual(after.snapshot, before.snapshot);
  assert.deepEqual(after.versionRows, ['0003']);
  assert.doesNotMatch(r.text, /reader-pw/);
});
