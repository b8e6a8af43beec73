/**
 * Settings that change how the migrations are run: --step-timeout (statement_timeout, so a hung
 * migration fails instead of hanging CI) and connection_attribute = "connection" (the cookbook
 * recipe: env.py uses the Connection it finds in config.attributes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { venvPython } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { scratchProject, slowRevision } from './helpers.js';


test('--step-timeout: a statement that runs too long fails the step with a message that says so', async () => {
  const p = scratchProject('runtime-clean', { 'migrations/versions/0004_slow.py': slowRevision(30) });
  try {
    const started = Date.now();
    const r = await runCli(['check', '--format', 'json', '--no-cache', '--python', venvPython, '--step-timeout', '1'], p.dir);
    assert.ok(Date.now() - started < 25_000, 'the 30 s statement was cancelled');
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { findings: { rule: string; revision?: string; line?: number; message: string }[] };
    const f = report.findings.find((x) => x.rule === 'upgrade-failed');
    assert.ok(f, r.stdout);
    assert.equal(f.revision, '0004');
    assert.equal(f.line, 15, 'the op.execute line');
    assert.match(f.message, /canceling statement due to statement timeout/);
    assert.match(f.message, /statement_timeout = 1 s; raise --step-timeout/);
    assert.match(f.message, /Failing SQL: SELECT pg_sleep\(30\)/);
  } finally {
    p.cleanup();
  }
});

const COOKBOOK_ENV = `"""The cookbook recipe: a Connection shared through config.attributes, no fallback."""
from alembic import context

from app.models import Base

config = context.config
target_metadata = Base.metadata

connection = config.attributes.get("connection", None)
if connection is None:
    raise RuntimeError("pass a Connection in config.attributes['connection']")

context.configure(connection=connection, target_metadata=target_metadata)
with context.begin_transaction():
    context.run_migrations()
`;

test('connection_attribute = "connection": env.py gets a Connection in config.attributes', async () => {
  const p = scratchProject('runtime-enum-left-behind', {
    'migrations/env.py': COOKBOOK_ENV,
    'pyproject.toml': '[tool.alembic-guard]\nconnection_attribute = "connection"\n',
  });
  try {
    const r = await runCli(['check', '--format', 'json', '--no-cache', '--python', venvPython], p.dir);
    const report = JSON.parse(r.stdout) as { findings: { rule: string; revision?: string }[]; checks: { id: string; status: string; message: string }[] };
    // offline mode cannot use a Connection: that one check reports it, the others run
    assert.deepEqual(
      report.findings.map((f) => `${f.rule} ${f.revision ?? ''}`).sort(),
      ['downgrade-leaves-trace 0002', 'offline-sql-failed ', 'up-down-inconsistent 0002'],
      r.stdout + r.stderr,
    );
    assert.equal(r.code, 1, r.stderr);
  } finally {
    p.cleanup();
  }
});
