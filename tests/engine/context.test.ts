import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLocalModules } from '../../src/engine/context.js';
import { defaultSettings } from '../../src/project/settings.js';
import type { Project } from '../../src/model.js';

function project(root: string, scriptLocation: string, prepend: string[] = [root]): Project {
  return {
    root,
    configFiles: [],
    section: 'alembic',
    scriptLocation,
    versionLocations: [join(scriptLocation, 'versions')],
    recursiveVersionLocations: false,
    sourceless: false,
    fileTemplate: '%(rev)s_%(slug)s',
    prependSysPath: prepend,
    settings: defaultSettings(),
    warnings: [],
  };
}

function tree(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ag-mods-'));
  for (const f of files) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), '');
  }
  return dir;
}

test('the app is found beside alembic.ini and in a src/ layout; the migrations folder and tooling are not', () => {
  const dir = tree(['app/__init__.py', 'src/billing/__init__.py', 'manage.py', 'setup.py', 'conftest.py', 'migrations/env.py', 'migrations/__init__.py', 'docs/readme.txt']);
  try {
    const names = findLocalModules(project(dir, join(dir, 'migrations')));
    assert.deepEqual([...names].sort(), ['app', 'billing', 'manage']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Flask-Migrate layout: alembic.ini inside migrations/ — the app beside that folder is found', () => {
  const dir = tree(['app/__init__.py', 'migrations/env.py', 'migrations/alembic.ini']);
  try {
    const root = join(dir, 'migrations');
    const names = findLocalModules(project(root, root));
    assert.deepEqual([...names].sort(), ['app']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
