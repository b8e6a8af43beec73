/**
 * revision_data errors that stop the run: an id that names no revision (exit 2, the id and the line
 * named), and a Python file with a key that names no revision.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { venvPython } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { scratchProject } from './helpers.js';

test('[tool.alembic-guard.revision_data] naming no revision: exit 2 with the id and its line', async () => {
  const project = scratchProject('runtime-revision-data', {
    'pyproject.toml': '[tool.alembic-guard.rules]\nempty-downgrade = "off"\n\n[tool.alembic-guard.revision_data."0009"]\nbefore = [{ table = "settings", key = "theme", value = "dark" }]\n',
  });
  try {
    const r = await runCli(['check', '--python', venvPython, '--no-cache'], project.dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /pyproject\.toml:4: \[tool\.alembic-guard\.revision_data\] "0009" names no revision/);
  } finally {
    project.cleanup();
  }
});

test('a revision_data Python file with a key that names no revision: exit 2 naming the file and the key', async () => {
  const project = scratchProject('runtime-revision-data-module', {
    'migration_data.py': 'before_revision_data = {"0009": {"__tablename__": "settings", "key": "x", "value": "y"}}\n',
  });
  try {
    const r = await runCli(['check', '--python', venvPython, '--no-cache'], project.dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /migration_data\.py: revision_data: before_revision_data\['0009'\] in .*migration_data\.py: no such revision/);
  } finally {
    project.cleanup();
  }
});
