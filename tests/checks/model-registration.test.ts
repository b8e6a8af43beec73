/**
 * model-registration beyond the fixtures' findings: modules that fail to import are listed in the
 * check's message, and the application is imported with the scratch database's URL in the
 * environment, never the shell's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { venvPython } from '../helpers/paths.js';
import { runRuntimeChecks } from '../../src/checks/session.js';
import { load, scratchProject } from './helpers.js';

test('a module that raises on import is listed; the app sees the scratch database URL, not the shell\'s', async () => {
  const project = scratchProject('runtime-model-unregistered', {
    'app/settings.py': 'import os\nwith open(os.path.join(os.path.dirname(__file__), "seen-url.txt"), "w") as f:\n    f.write(os.environ.get("DATABASE_URL", ""))\n',
  });
  try {
    const { project: p, graph } = await load(project.dir);
    const env = { ...process.env, DATABASE_URL: 'postgresql://prod-user:secret@prod.example.invalid:5432/prod' };
    const r = await runRuntimeChecks(p, graph, { python: venvPython, handleSignals: false, only: ['upgrade', 'model-registration'], env });
    assert.equal(r.error, undefined, r.error?.message);
    const check = r.checks.find((c) => c.id === 'model-registration')!;
    assert.equal(check.status, 'failed');
    assert.match(check.message, /1 could not be imported: app\.broken \(RuntimeError: needs a running Redis\)/);
    assert.deepEqual(r.findings.map((f) => [f.rule, f.file, f.line]), [['unregistered-model', 'app/billing.py', 6]]);
    const seen = readFileSync(join(project.dir, 'app', 'seen-url.txt'), 'utf8');
    assert.match(seen, /\/alembic_guard_[0-9a-f_]+$/, seen);
    assert.doesNotMatch(seen, /prod/);
  } finally {
    project.cleanup();
  }
});
