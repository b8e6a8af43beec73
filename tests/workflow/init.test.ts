/**
 * `alembic-guard init` on a copy of the fixture history workflow-init-long-history (23 revisions,
 * errors in old ones, a pyproject.toml with comments and other tables, a docker-compose.yml that
 * runs postgres:16-alpine), and the hint in `check`'s summary that leads there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { runCli } from '../helpers/run-cli.js';
import { cleanup, copyFixture } from './helpers.js';
import { LONG_HISTORY } from '../../src/engine/adoption.js';

const FIXTURE = 'workflow-init-long-history';

async function check(dir: string): Promise<{ code: number; report: { findings: { rule: string; revision: string | null }[]; hint?: string } }> {
  const r = await runCli(['check', '--static', '--no-cache', '--format', 'json'], dir);
  assert.notEqual(r.code, 2, r.stderr);
  return { code: r.code, report: JSON.parse(r.stdout) };
}

test('check: a long history without a baseline, with errors in old revisions, hints at init', async () => {
  const dir = copyFixture(FIXTURE);
  try {
    const { code, report } = await check(dir);
    assert.equal(code, 1);
    assert.match(report.hint ?? '', /^3 errors are in 3 older revisions of this 23-revision history, most likely deployed already, and there is no baseline: run `alembic-guard init` to set \[tool\.alembic-guard\] baseline to the current head \(0023\)/);
    const text = await runCli(['check', '--static', '--no-cache'], dir);
    assert.match(text.stdout, /\n7 problems \(3 errors, 4 warnings, 0 infos\)\nhint: 3 errors are in 3 older revisions/);
  } finally {
    cleanup(dir);
  }
});

test('init: baseline = the current head and postgres_version from docker-compose.yml; every other byte kept', async () => {
  const dir = copyFixture(FIXTURE);
  try {
    const file = join(dir, 'pyproject.toml');
    const before = readFileSync(file, 'utf8');
    const r = await runCli(['init'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^updated pyproject\.toml: \[tool\.alembic-guard\] baseline = "0023", the current head\./);
    assert.match(r.stdout, /no longer report the 23 revisions up to it/);
    assert.match(r.stdout, /postgres_version = 16, from docker-compose\.yml:3 \(postgres:16-alpine\)/);
    const after = readFileSync(file, 'utf8');
    // The new table goes before its sub-table; nothing else moves.
    const added = [
      '[tool.alembic-guard]',
      'baseline = "0023"  # the head when alembic-guard was adopted: only later revisions get shape and operation findings',
      'postgres_version = 16  # from docker-compose.yml:3 (postgres:16-alpine)',
      '',
    ].join('\n');
    assert.equal(after, before.replace('[tool.alembic-guard.rules]', `${added}\n[tool.alembic-guard.rules]`));
    const data = parse(after) as { tool: { 'alembic-guard': Record<string, unknown> } };
    assert.deepEqual(JSON.parse(JSON.stringify(data.tool['alembic-guard'])), { baseline: '0023', postgres_version: 16, rules: { 'empty-downgrade': 'off' } });

    // The per-file rules now judge only what comes after the head: nothing yet.
    const { code, report } = await check(dir);
    assert.equal(code, 0);
    assert.deepEqual(report.findings, []);
    assert.equal(report.hint, undefined);

    // Run again: the baseline is already the head.
    const again = await runCli(['init'], dir);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /baseline is already the current head, 0023; nothing to change/);
    assert.equal(readFileSync(file, 'utf8'), after);
  } finally {
    cleanup(dir);
  }
});

test('init refuses to move a baseline that is set, unless --force; --dry-run prints the diff', async () => {
  const dir = copyFixture(FIXTURE);
  try {
    const file = join(dir, 'pyproject.toml');
    const text = readFileSync(file, 'utf8').replace('[tool.alembic-guard.rules]', '[tool.alembic-guard]\nbaseline = "0012"  # old\n\n[tool.alembic-guard.rules]');
    writeFileSync(file, text);
    const refused = await runCli(['init'], dir);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /\[tool\.alembic-guard\] baseline is already set to "0012" in pyproject\.toml/);
    assert.match(refused.stderr, /Pass --force to move the baseline to 0023/);
    assert.equal(readFileSync(file, 'utf8'), text);

    const dry = await runCli(['init', '--force', '--dry-run'], dir);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^-baseline = "0012"  # old$/m);
    assert.match(dry.stdout, /^\+baseline = "0023"  # the head when alembic-guard was adopted/m);
    assert.equal(readFileSync(file, 'utf8'), text);

    const forced = await runCli(['init', '--force'], dir);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /baseline = "0023" \(was "0012"\)/);
    assert.equal(readFileSync(file, 'utf8'), text.replace('baseline = "0012"  # old', 'baseline = "0023"  # the head when alembic-guard was adopted: only later revisions get shape and operation findings\npostgres_version = 16  # from docker-compose.yml:3 (postgres:16-alpine)'));
  } finally {
    cleanup(dir);
  }
});

test('init creates pyproject.toml when there is none; without a versioned image it says so and sets no postgres_version', async () => {
  const dir = copyFixture(FIXTURE);
  try {
    rmSync(join(dir, 'pyproject.toml'));
    writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  db:\n    image: postgres\n');
    const r = await runCli(['init'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^created pyproject\.toml/);
    assert.match(r.stdout, /postgres_version not set: no PostgreSQL image with a version in docker-compose\.yml; set the one you deploy to yourself/);
    assert.equal(readFileSync(join(dir, 'pyproject.toml'), 'utf8'), '[tool.alembic-guard]\nbaseline = "0023"  # the head when alembic-guard was adopted: only later revisions get shape and operation findings\n');
  } finally {
    cleanup(dir);
  }
});

test('init: versions that disagree are not guessed; two heads are refused', async () => {
  const dir = copyFixture(FIXTURE);
  try {
    writeFileSync(join(dir, 'Dockerfile.db'), 'FROM postgres:15\n');
    const r = await runCli(['init', '--dry-run'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /postgres_version/);
    const versions = join(dir, 'migrations', 'versions');
    const second = readFileSync(join(versions, '0023_add_users_email.py'), 'utf8').replaceAll('0023', '0024').replace('add_column("users", sa.Column("email"', 'add_column("users", sa.Column("phone"');
    writeFileSync(join(versions, '0024_add_users_phone.py'), second);
    const heads = await runCli(['init'], dir);
    assert.equal(heads.code, 2);
    assert.match(heads.stderr, /the history has 2 heads \(0023, 0024\); the baseline is one revision/);
    assert.match(heads.stderr, /fix-heads --merge/);
    assert.ok(!readFileSync(join(dir, 'pyproject.toml'), 'utf8').includes('baseline'));
    assert.ok(existsSync(join(dir, 'Dockerfile.db')));
  } finally {
    cleanup(dir);
  }
});

test(`the hint needs ${LONG_HISTORY} revisions: a short history gets none`, async () => {
  const dir = copyFixture(FIXTURE);
  try {
    const versions = join(dir, 'migrations', 'versions');
    // Cut the history to the first 19 revisions (0013-0015 with their errors stay).
    for (let n = 20; n <= 23; n++) for (const f of ['create_returns', 'create_refunds', 'create_gift_cards', 'create_tax_rates', 'create_vendors', 'add_users_email']) rmSync(join(versions, `${String(n).padStart(4, '0')}_${f}.py`), { force: true });
    const { code, report } = await check(dir);
    assert.equal(code, 1);
    assert.equal(report.hint, undefined);
  } finally {
    cleanup(dir);
  }
});
