/** The binary itself: exit codes, help, and errors rendered for people (never a stack trace). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath } from '../helpers/paths.js';

function cli(args: string[], cwd: string) {
  const p = spawnSync(process.execPath, [cliPath, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: p.status, stdout: p.stdout, stderr: p.stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ag-cli-'));
}

test('--version prints the package version', () => {
  const r = cli(['--version'], process.cwd());
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
});

test('--help lists the commands', () => {
  const r = cli(['--help'], process.cwd());
  assert.equal(r.code, 0);
  for (const cmd of ['check', 'heads', 'history', 'graph', 'rules']) assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`));
});

test('check --help lists its flags', () => {
  const r = cli(['check', '--help'], process.cwd());
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--static/);
  assert.match(r.stdout, /--database-url/);
});

test('an unknown command exits 2 and says so', () => {
  const r = cli(['chekc'], process.cwd());
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command "chekc"/);
});

test('an unknown flag exits 2 with a usage error, not a stack trace', () => {
  const r = cli(['check', '--statik'], process.cwd());
  assert.equal(r.code, 2);
  assert.match(r.stderr, /alembic-guard: error: .*--statik/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a flag the command does not take exits 2 and names the command', () => {
  const r = cli(['heads', '--database-url', 'postgresql://u:secret@h/db'], process.cwd());
  assert.equal(r.code, 2);
  assert.match(r.stderr, /`heads` does not take --database-url/);
  assert.doesNotMatch(r.stderr + r.stdout, /secret/);
});

test('an unknown --format exits 2 and lists the formats', () => {
  const dir = tempDir();
  try {
    const r = cli(['graph', '--format', 'png'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown --format "png"/);
    assert.match(r.stderr, /mermaid/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no configuration anywhere exits 2 with what to do next', () => {
  const dir = tempDir();
  try {
    const r = cli(['check', '--static'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /alembic-guard: error: /);
    assert.match(r.stderr, /Next: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--versions names a folder directly; a clean chain exits 0', () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'versions'));
    writeFileSync(
      join(dir, 'versions', 'aaa111_first.py'),
      '"""first"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = "aaa111"\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))\n\n\ndef downgrade():\n    op.drop_table("t")\n',
    );
    const r = cli(['check', '--static', '--versions', 'versions', '--no-cache'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /No problems found/);
    const h = cli(['heads', '--versions', 'versions', '--no-cache'], dir);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /aaa111 \(head\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
