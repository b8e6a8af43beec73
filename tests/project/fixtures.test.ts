/**
 * The config-* fixture projects: what loadProject + listRevisionFiles find equals what real
 * Alembic loads from the same folder (for the fixtures that Alembic itself can read).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { listRevisionFiles } from '../../src/project/collect.js';
import { loadProject } from '../../src/project/discover.js';
import { fixturesDir } from '../helpers/paths.js';
import { Oracle } from './oracle.js';

const oracle = new Oracle();
after(() => oracle.close());

function flag(args: string[], ...names: string[]): string | undefined {
  const i = args.findIndex((a) => names.includes(a));
  return i >= 0 ? args[i + 1] : undefined;
}

const fixtures = readdirSync(fixturesDir)
  .filter((n) => n.startsWith('config-') && existsSync(join(fixturesDir, n, 'expected.json')))
  .sort();

test('there are config-* fixtures', () => {
  assert.ok(fixtures.length >= 4, fixtures.join(', '));
});

for (const name of fixtures) {
  test(`fixture ${name}: same revision files as Alembic`, async () => {
    const dir = realpathSync(join(fixturesDir, name));
    const args = (JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { args?: string[] }).args ?? [];
    const section = flag(args, '-n', '--name');
    const project = loadProject({ cwd: dir, env: {}, ...(section ? { name: section } : {}) });
    assert.deepEqual(project.warnings, []);
    const ours = listRevisionFiles(project).map((f) => realpathSync(f.absPath));
    assert.ok(ours.length >= 2, `${name}: only ${ours.length} revision files`);
    if (!project.scriptLocation) {
      // No usable Alembic config (the point of the fixture): Alembic cannot load it from here.
      const view = await oracle.ask<{ ok: boolean; error?: string }>({ mode: 'project', cwd: dir, ini: 'alembic.ini', toml: 'pyproject.toml' });
      assert.equal(view.ok, false);
      return;
    }
    const view = await oracle.ask<{ ok: boolean; revisions?: string[]; message?: string }>({
      mode: 'project',
      cwd: dir,
      ini: 'alembic.ini',
      toml: 'pyproject.toml',
      name: section ?? 'alembic',
      load: true,
    });
    assert.ok(view.ok, view.message);
    assert.deepEqual(ours, view.revisions);
  });
}
