/**
 * loadProject on real folders, compared with what real Alembic (ScriptDirectory.from_config run
 * from the same working directory) makes of the same files.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import type { Project } from '../../src/model.js';
import { loadProject, type LoadProjectOptions } from '../../src/project/discover.js';
import { Oracle, tempDir } from './oracle.js';
import { writeTree, type TreeEntry } from './tree.js';

interface AlembicView {
  ok: boolean;
  error?: string;
  message?: string;
  dir?: string;
  version_locations?: string[];
  sourceless?: boolean;
  recursive?: boolean;
  file_template?: string;
  prepend_sys_path?: string[] | null;
  warnings?: string[];
}

const oracle = new Oracle();
after(() => oracle.close());

function alembic(cwd: string, ini: string | null, toml: string | null, name?: string): Promise<AlembicView> {
  return oracle.ask<AlembicView>({ mode: 'project', cwd, ini, toml, name: name ?? 'alembic' });
}

/** The Alembic-derived fields of `project` equal what Alembic computed from `cwd`. */
function assertSameAsAlembic(project: Project, view: AlembicView, cwd: string): void {
  assert.ok(view.ok, `Alembic failed: ${view.error}: ${view.message}`);
  assert.equal(project.scriptLocation, view.dir);
  assert.deepEqual(project.versionLocations, view.version_locations);
  assert.equal(project.sourceless, view.sourceless);
  assert.equal(project.recursiveVersionLocations, view.recursive);
  assert.equal(project.fileTemplate, view.file_template);
  assert.deepEqual(project.prependSysPath, (view.prepend_sys_path ?? []).map((p) => resolve(cwd, p)));
}

async function withProject(tree: Record<string, TreeEntry>, fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    writeTree(dir, tree);
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function load(options: Partial<LoadProjectOptions> & { cwd: string }): Project {
  return loadProject({ env: {}, ...options });
}

function throwsConfig(fn: () => unknown, message: RegExp, extra?: { reason?: RegExp; hint?: RegExp }): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.match(e.message, message);
    if (extra?.reason) assert.match(e.reason ?? '', extra.reason);
    if (extra?.hint) assert.match(e.hint ?? '', extra.hint);
    return true;
  });
}

const VERSIONS = { dir: true } as const;

test('discovery: alembic.ini in the working directory, same result as Alembic', async () => {
  await withProject(
    {
      'alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\nprepend_sys_path = .\npath_separator = os\nfile_template = %%(year)d_%%(rev)s\n',
      'migrations/versions': VERSIONS,
    },
    async (dir) => {
      const p = load({ cwd: dir });
      assert.equal(p.root, dir);
      assert.equal(p.configFile, join(dir, 'alembic.ini'));
      assert.deepEqual(p.configFiles, [join(dir, 'alembic.ini')]);
      assert.equal(p.section, 'alembic');
      assert.equal(p.fileTemplate, '%(year)d_%(rev)s');
      assert.deepEqual(p.warnings, []);
      assertSameAsAlembic(p, await alembic(dir, 'alembic.ini', 'pyproject.toml'), dir);
    },
  );
});

test('discovery: alembic.ini in a parent folder', async () => {
  await withProject(
    { 'alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n', 'migrations/versions': VERSIONS, 'app/models/x.py': '' },
    async (dir) => {
      const p = load({ cwd: join(dir, 'app', 'models') });
      assert.equal(p.root, dir);
      assert.equal(p.scriptLocation, join(dir, 'migrations'));
      assert.deepEqual(p.versionLocations, [join(dir, 'migrations', 'versions')]);
      assert.deepEqual(p.warnings, []);
    },
  );
});

test('discovery: relative script_location found from a sub-folder resolves where alembic runs, with a warning', async () => {
  await withProject(
    { 'alembic.ini': '[alembic]\nscript_location = migrations\n', 'migrations/versions': VERSIONS, 'app/x.py': '' },
    async (dir) => {
      const p = load({ cwd: join(dir, 'app') });
      // Alembic, run where it finds alembic.ini, gives the same.
      assertSameAsAlembic(p, await alembic(dir, 'alembic.ini', null), dir);
      assert.equal(p.warnings.length, 1);
      assert.equal(p.warnings[0]!.file, 'alembic.ini');
      assert.equal(p.warnings[0]!.line, 2);
      assert.match(p.warnings[0]!.message, /script_location 'migrations' is a relative path/);
      assert.match(p.warnings[0]!.message, /%\(here\)s\/migrations/);
      // Run from the config folder itself: no surprise, no warning.
      assert.deepEqual(load({ cwd: dir }).warnings, []);
    },
  );
});

test('-c from another folder: relative paths resolve against the working directory, as in Alembic', async () => {
  await withProject(
    {
      'proj/alembic.ini': '[alembic]\nscript_location = migrations\n',
      'proj/migrations/versions': VERSIONS,
      'migrations/versions': VERSIONS, // what the working directory resolution finds
    },
    async (dir) => {
      const p = load({ cwd: dir, config: ['proj/alembic.ini'] });
      assert.equal(p.root, join(dir, 'proj'));
      assertSameAsAlembic(p, await alembic(dir, 'proj/alembic.ini', null), dir);
      assert.equal(p.scriptLocation, join(dir, 'migrations'));
      assert.equal(p.warnings.length, 1);
      assert.match(p.warnings[0]!.message, /against the working directory \(migrations\), not against the folder of proj\/alembic\.ini \(proj\/migrations\)/);
    },
  );
});

test('-c from another folder: a relative script_location that only exists next to the ini is an error with the fix', async () => {
  await withProject({ 'proj/alembic.ini': '[alembic]\nscript_location = migrations\n', 'proj/migrations/versions': VERSIONS }, async (dir) => {
    const view = await alembic(dir, 'proj/alembic.ini', null);
    assert.equal(view.ok, false); // Alembic: "Path doesn't exist"
    throwsConfig(() => load({ cwd: dir, config: ['proj/alembic.ini'] }), /^proj\/alembic\.ini:2: script_location 'migrations' points to migrations, which does not exist/, {
      reason: /not against the config file; proj\/migrations exists/,
      hint: /Run from proj, or write script_location = %\(here\)s\/migrations/,
    });
  });
});

test('-c twice: an ini and a pyproject.toml merge as in Alembic 1.16+ (ini first, then [tool.alembic])', async () => {
  await withProject(
    {
      'cfg/alembic.ini': '[alembic]\nsqlalchemy.url = postgresql+psycopg2://u:secret@h/db\nsourceless = false\n',
      'cfg/pyproject.toml':
        '[tool.alembic]\nscript_location = "%(here)s/migrations"\nversion_locations = ["%(here)s/migrations/versions", "%(here)s/more"]\nsourceless = true\nfile_template = "%%(rev)s"\nprepend_sys_path = ["."]\n',
      'cfg/migrations/versions': VERSIONS,
      'cfg/more': VERSIONS,
    },
    async (dir) => {
      const p = load({ cwd: dir, config: ['cfg/alembic.ini', 'cfg/pyproject.toml'] });
      assert.equal(p.configFile, join(dir, 'cfg', 'alembic.ini'));
      assert.deepEqual(p.configFiles, [join(dir, 'cfg', 'alembic.ini'), join(dir, 'cfg', 'pyproject.toml')]);
      assert.equal(p.sourceless, false); // the ini wins
      assert.equal(p.dialect, 'postgresql');
      assert.equal(p.driver, 'psycopg2');
      assertSameAsAlembic(p, await alembic(dir, 'cfg/alembic.ini', 'cfg/pyproject.toml'), dir);
      // Order of -c does not matter.
      assert.deepEqual(load({ cwd: dir, config: ['cfg/pyproject.toml', 'cfg/alembic.ini'] }), p);
    },
  );
});

test('alembic.ini plus a pyproject.toml with [tool.alembic] next to it are both read, as the alembic command does', async () => {
  await withProject(
    {
      'alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n',
      'pyproject.toml': '[tool.alembic]\nrecursive_version_locations = true\n',
      'migrations/versions': VERSIONS,
    },
    async (dir) => {
      const p = load({ cwd: dir });
      assert.deepEqual(p.configFiles, [join(dir, 'alembic.ini'), join(dir, 'pyproject.toml')]);
      assertSameAsAlembic(p, await alembic(dir, 'alembic.ini', 'pyproject.toml'), dir);
      assert.equal(p.recursiveVersionLocations, true);
    },
  );
});

test('ALEMBIC_CONFIG names the ini (or the pyproject.toml); -c overrides it', async () => {
  await withProject(
    {
      'deploy/prod.ini': '[alembic]\nscript_location = %(here)s/../migrations\n',
      'deploy/other.ini': '[alembic]\nscript_location = %(here)s/../other\n',
      'migrations/versions': VERSIONS,
      'other/versions': VERSIONS,
      'tools/pyproject.toml': '[tool.alembic]\nscript_location = "%(here)s/../other"\n',
    },
    async (dir) => {
      const p = load({ cwd: dir, env: { ALEMBIC_CONFIG: 'deploy/prod.ini' } });
      assert.equal(p.configFile, join(dir, 'deploy', 'prod.ini'));
      assert.equal(p.scriptLocation, join(dir, 'migrations'));
      const q = load({ cwd: dir, env: { ALEMBIC_CONFIG: 'deploy/prod.ini' }, config: ['deploy/other.ini'] });
      assert.equal(q.scriptLocation, join(dir, 'other'));
      // ALEMBIC_CONFIG=…/pyproject.toml is the TOML file; the ini stays the default alembic.ini.
      const t = load({ cwd: dir, env: { ALEMBIC_CONFIG: 'tools/pyproject.toml' } });
      assert.equal(t.configFile, join(dir, 'tools', 'pyproject.toml'));
      assertSameAsAlembic(t, await alembic(dir, 'alembic.ini', 'tools/pyproject.toml'), dir);
      throwsConfig(() => load({ cwd: dir, env: { ALEMBIC_CONFIG: 'nope.ini' } }), /config file not found: nope\.ini \(from ALEMBIC_CONFIG=nope\.ini\)/);
    },
  );
});

test('-n/--name reads another ini section; a missing section is a ConfigError listing the sections', async () => {
  await withProject(
    {
      'alembic.ini': '[alembic]\nscript_location = %(here)s/a\n\n[reporting]\nscript_location = %(here)s/b\n',
      'a/versions': VERSIONS,
      'b/versions': VERSIONS,
    },
    async (dir) => {
      const p = load({ cwd: dir, name: 'reporting' });
      assert.equal(p.section, 'reporting');
      assertSameAsAlembic(p, await alembic(dir, 'alembic.ini', null, 'reporting'), dir);
      throwsConfig(() => load({ cwd: dir, name: 'Reporting' }), /alembic\.ini: no \[Reporting\] section/, {
        reason: /\[alembic\], \[reporting\]/,
        hint: /-n\/--name/,
      });
    },
  );
});

test('pyproject.toml only ([tool.alembic], Alembic 1.16+), found from a sub-folder', async () => {
  await withProject(
    {
      'pyproject.toml':
        '[project]\nname = "x"\n\n[tool.alembic]\nscript_location = "%(here)s/db/migrations"\nversion_locations = ["%(here)s/db/migrations/versions", "%(here)s/db/extra"]\nrecursive_version_locations = true\n',
      'db/migrations/versions': VERSIONS,
      'db/extra': VERSIONS,
      'src/app/x.py': '',
    },
    async (dir) => {
      const p = load({ cwd: join(dir, 'src', 'app') });
      assert.equal(p.configFile, join(dir, 'pyproject.toml'));
      assert.equal(p.root, dir);
      assertSameAsAlembic(p, await alembic(dir, null, 'pyproject.toml'), dir);
    },
  );
});

test('[tool.alembic] value errors: wrong types and bad % substitutions', async () => {
  await withProject({ 'pyproject.toml': '[tool.alembic]\nscript_location = "%(here)s/m"\nsourceless = "true"\n', 'm/versions': VERSIONS }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /^pyproject\.toml:3: \[tool\.alembic\] sourceless must be true or false/);
  });
  await withProject({ 'pyproject.toml': '[tool.alembic]\nscript_location = "%(root)s/m"\n' }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /^pyproject\.toml:2: bad % substitution in \[tool\.alembic\] script_location: unknown key %\(root\)s/);
  });
  await withProject({ 'pyproject.toml': '[tool.alembic]\nscript_location = "m"\nversion_locations = "v"\n', 'm/versions': VERSIONS }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /^pyproject\.toml:3: \[tool\.alembic\] version_locations must be an array of strings/);
  });
  await withProject({ 'pyproject.toml': '[tool.alembic]\nscript_location = "m"\n[tool.alembic\n' }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /^pyproject\.toml:3:\d+: pyproject\.toml is not valid TOML/);
  });
});

test('[tool.alembic-guard] version_locations name the folders when there is no Alembic config', async () => {
  await withProject(
    {
      'pyproject.toml': '[tool.alembic-guard]\nversion_locations = ["migrations/versions"]\nrecursive_version_locations = true\n',
      'migrations/versions': VERSIONS,
    },
    async (dir) => {
      const p = load({ cwd: join(dir, 'migrations') });
      assert.equal(p.root, dir);
      assert.equal(p.configFile, join(dir, 'pyproject.toml'));
      assert.deepEqual(p.versionLocations, [join(dir, 'migrations', 'versions')]);
      assert.equal(p.recursiveVersionLocations, true);
      assert.equal(p.scriptLocation, undefined);
      assert.deepEqual(p.settings.versionLocations, [join(dir, 'migrations', 'versions')]);
    },
  );
  await withProject({ 'pyproject.toml': '[tool.alembic-guard]\nversion_locations = ["nope"]\n' }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /^pyproject\.toml: \[tool\.alembic-guard\] version_locations names nope, which does not exist/);
  });
});

test('--versions and --recursive name the folders directly (Flask-Migrate: an ini without script_location)', async () => {
  await withProject(
    {
      'migrations/alembic.ini': '[alembic]\n# template used to generate migration files\n\n[loggers]\nkeys = root\n',
      'migrations/versions': VERSIONS,
      'pyproject.toml': '[tool.alembic-guard]\nrecursive_version_locations = true\n',
    },
    async (dir) => {
      throwsConfig(() => load({ cwd: join(dir, 'migrations') }), /^no script_location in \[alembic\] of alembic\.ini$/, {
        hint: /--versions migrations\/versions/,
      });
      const p = load({ cwd: dir, versions: ['migrations/versions'] });
      assert.deepEqual(p.versionLocations, [join(dir, 'migrations', 'versions')]);
      assert.equal(p.root, dir); // no config file found: the working directory
      assert.equal(p.recursiveVersionLocations, true); // from [tool.alembic-guard]
      assert.equal(load({ cwd: dir, versions: ['migrations/versions'], recursive: false }).recursiveVersionLocations, false);
      const q = load({ cwd: join(dir, 'migrations'), versions: ['versions'], recursive: true });
      assert.equal(q.root, join(dir, 'migrations'));
      assert.equal(q.configFile, join(dir, 'migrations', 'alembic.ini'));
      assert.equal(q.recursiveVersionLocations, true);
      throwsConfig(() => load({ cwd: dir, versions: ['migrations/nope'] }), /^--versions migrations\/nope: migrations\/nope does not exist/);
    },
  );
});

test('path separators: every path_separator Alembic accepts, the deprecated version_path_separator and the legacy default', async () => {
  const cases: { name: string; ini: string; warn: RegExp[] }[] = [
    { name: 'os', ini: 'version_locations = %(here)s/a:%(here)s/b\npath_separator = os\n', warn: [] },
    { name: 'colon', ini: 'version_locations = %(here)s/a: %(here)s/b\npath_separator = :\n', warn: [] },
    { name: 'semicolon', ini: 'version_locations = %(here)s/a;%(here)s/b\npath_separator = ;\n', warn: [] },
    { name: 'space', ini: 'version_locations = %(here)s/a %(here)s/b\npath_separator = space\n', warn: [] },
    { name: 'newline', ini: 'version_locations =\n    %(here)s/a\n    %(here)s/b\npath_separator = newline\n', warn: [] },
    {
      name: 'legacy (no separator)',
      ini: 'version_locations = %(here)s/a, %(here)s/b\n',
      warn: [/falls back to the deprecated splitting of version_locations on spaces and commas/],
    },
    {
      name: 'legacy, spaces only',
      ini: 'version_locations = %(here)s/a   %(here)s/b\n',
      warn: [/falls back to the deprecated splitting of version_locations on spaces and commas/],
    },
    {
      name: 'version_path_separator',
      ini: 'version_locations = %(here)s/a;%(here)s/b\nversion_path_separator = ;\n',
      warn: [/version_path_separator is deprecated/],
    },
    {
      name: 'prepend_sys_path legacy splits on colons too',
      ini: 'version_locations = %(here)s/a;%(here)s/b\nversion_path_separator = ;\nprepend_sys_path = .:src lib\n',
      // Alembic reads prepend_sys_path first (ScriptDirectory.from_config), so its warning comes first.
      warn: [/deprecated splitting of prepend_sys_path on spaces, commas and colons/, /version_path_separator is deprecated/],
    },
    { name: 'path_separator applies to prepend_sys_path', ini: 'version_locations = %(here)s/a\nprepend_sys_path = .;src\npath_separator = ;\n', warn: [] },
  ];
  for (const c of cases) {
    await withProject({ 'alembic.ini': `[alembic]\nscript_location = %(here)s/m\n${c.ini}`, 'm': VERSIONS, 'a': VERSIONS, 'b': VERSIONS }, async (dir) => {
      const p = load({ cwd: dir });
      const view = await alembic(dir, 'alembic.ini', null);
      assertSameAsAlembic(p, view, dir);
      assert.equal(p.warnings.length, c.warn.length, `${c.name}: ${JSON.stringify(p.warnings)}`);
      c.warn.forEach((re, i) => assert.match(p.warnings[i]!.message, re, c.name));
      // Alembic warns exactly when we do.
      assert.equal(view.warnings!.length, c.warn.length, `${c.name}: ${JSON.stringify(view.warnings)}`);
    });
  }
  await withProject({ 'alembic.ini': '[alembic]\nscript_location = m\nversion_locations = a\npath_separator = comma\n', m: VERSIONS }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /^alembic\.ini:4: 'comma' is not a valid value for path_separator/, { hint: /path_separator = os/ });
  });
});

test('package:dir script_location is resolved statically through prepend_sys_path, the config folder and src/', async () => {
  await withProject(
    {
      'alembic.ini': '[alembic]\nscript_location = myapp.db:migrations\nprepend_sys_path = src\npath_separator = os\n',
      'src/myapp/__init__.py': '',
      'src/myapp/db/__init__.py': '',
      'src/myapp/db/migrations/versions': VERSIONS,
    },
    async (dir) => {
      const p = load({ cwd: dir });
      assert.equal(p.scriptLocation, join(dir, 'src', 'myapp', 'db', 'migrations'));
      assertSameAsAlembic(p, await alembic(dir, 'alembic.ini', null), dir);
    },
  );
  // Without prepend_sys_path Alembic needs the package installed; we still find it under src/.
  await withProject(
    { 'alembic.ini': '[alembic]\nscript_location = myapp:migrations\n', 'src/myapp/__init__.py': '', 'src/myapp/migrations/versions': VERSIONS },
    async (dir) => {
      assert.equal(load({ cwd: dir }).scriptLocation, join(dir, 'src', 'myapp', 'migrations'));
    },
  );
  await withProject({ 'alembic.ini': '[alembic]\nscript_location = nothere:migrations\n' }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /^alembic\.ini:2: cannot find package 'nothere' of script_location 'nothere:migrations'/, {
      // Not in the project's folders, and (with an empty environment) no Python to ask: see package-location.test.ts.
      reason: /It is not a 'nothere' folder in \., src, and there is no Python to ask where it is installed/,
      hint: /prepend_sys_path/,
    });
  });
});

test('errors: no config, no script_location, missing folders; an empty versions folder is fine', async () => {
  await withProject({ 'readme.txt': '' }, async (dir) => {
    // (The temporary folder's parents hold no alembic.ini.)
    throwsConfig(() => load({ cwd: dir }), /^no Alembic configuration found in \. or its parents$/, { hint: /-c path\/to\/alembic\.ini.*--versions/s });
  });
  await withProject({ 'alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n' }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /^alembic\.ini:2: script_location '.*\/migrations' points to migrations, which does not exist/, {
      hint: /alembic init/,
    });
  });
  await withProject({ 'alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n', 'migrations/env.py': '' }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /^alembic\.ini:2: the versions folder migrations\/versions does not exist/, {
      hint: /mkdir migrations\/versions; an empty folder is fine/,
    });
  });
  await withProject({ 'alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n', 'migrations/versions': VERSIONS }, async (dir) => {
    const p = load({ cwd: dir });
    assert.deepEqual(p.versionLocations, [join(dir, 'migrations', 'versions')]);
  });
  await withProject(
    { 'alembic.ini': '[alembic]\nscript_location = %(here)s/m\nversion_locations = %(here)s/a %(here)s/gone\npath_separator = space\n', m: VERSIONS, a: VERSIONS },
    async (dir) => {
      const p = load({ cwd: dir });
      assert.equal(p.warnings.length, 1);
      assert.match(p.warnings[0]!.message, /version_locations: gone does not exist; Alembic skips it/);
    },
  );
  await withProject({ 'alembic.ini': '[alembic]\nscript_location = %(here)s/m\nversion_locations = %(here)s/x\n', m: VERSIONS }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /no folder of version_locations exists \(x\)/);
  });
  await withProject({ 'alembic.ini': '[alembic]\nscript_location = %(here)s/m\n', m: 'a file' }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /points to m, which is not a folder/);
  });
  await withProject({ 'alembic.ini': '[alembic]\nsqlalchemy.url = sqlite://\n' }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /^no script_location in \[alembic\] of alembic\.ini$/, { hint: /script_location = %\(here\)s\/migrations/ });
  });
  await withProject({ 'alembic.ini': 'script_location = x\n' }, async (dir) => {
    throwsConfig(() => load({ cwd: dir }), /^alembic\.ini:1: the file does not start with a \[section\] header/);
  });
});

test('-c errors: two ini files, two pyproject.toml files, a missing file, a folder', async () => {
  await withProject({ 'a.ini': '[alembic]\n', 'b.ini': '[alembic]\n', 'x/pyproject.toml': '', 'y/pyproject.toml': '' }, async (dir) => {
    throwsConfig(() => load({ cwd: dir, config: ['a.ini', 'b.ini'] }), /^two ini files given with -c\/--config \(a\.ini, b\.ini\)/, {
      reason: /not named pyproject\.toml is read as an ini file/,
    });
    throwsConfig(() => load({ cwd: dir, config: ['x/pyproject.toml', 'y/pyproject.toml'] }), /^pyproject\.toml given twice/);
    throwsConfig(() => load({ cwd: dir, config: ['missing.ini'] }), /^config file not found: missing\.ini \(from -c missing\.ini\)/);
    throwsConfig(() => load({ cwd: dir, config: ['x'] }), /^x \(from -c x\) is not a file/);
  });
});

test('sqlalchemy.url gives the dialect and driver only; the password is kept nowhere', async () => {
  const url = async (u: string): Promise<Project | undefined> => {
    let out: Project | undefined;
    await withProject({ 'alembic.ini': `[alembic]\nscript_location = %(here)s/m\nsqlalchemy.url = ${u}\n`, 'm/versions': VERSIONS }, async (dir) => {
      out = load({ cwd: dir });
    });
    return out;
  };
  const a = (await url('postgresql+asyncpg://app:hunter2@db:5432/app'))!;
  assert.equal(a.dialect, 'postgresql');
  assert.equal(a.driver, 'asyncpg');
  assert.ok(!JSON.stringify(a).includes('hunter2'));
  const b = (await url('postgresql://app@db/app'))!;
  assert.equal(b.dialect, 'postgresql');
  assert.equal(b.driver, undefined);
  // The placeholder `alembic init` writes names no dialect (env.py sets the real URL).
  const c = (await url('driver://user:pass@localhost/dbname'))!;
  assert.equal(c.dialect, undefined);
  const alias = (await url('postgres://app@db/app'))!;
  assert.equal(alias.dialect, 'postgresql');
  // A bad % in the URL (an unescaped URL-encoded password) is only a warning: env.py may never read it.
  const d = (await url('postgresql+psycopg2://app:p%40ss@db/app'))!;
  assert.equal(d.dialect, 'postgresql');
  assert.equal(d.driver, 'psycopg2');
  assert.equal(d.warnings.length, 1);
  assert.match(d.warnings[0]!.message, /sqlalchemy\.url cannot be read/);
  assert.equal(d.warnings[0]!.line, 3);
  assert.ok(!JSON.stringify(d).includes('p%40ss') && !JSON.stringify(d).includes('p@ss'));
  const e = (await url('%(DB_URL)s'))!;
  assert.equal(e.dialect, undefined);
});

test('booleans: the ini wants exactly "true" (with a warning for True/yes); file_template is un-escaped', async () => {
  await withProject(
    { 'alembic.ini': '[alembic]\nscript_location = %(here)s/m\nsourceless = True\nrecursive_version_locations = true\nfile_template = %%(rev)s_%%(slug)s_100%%\n', 'm/versions': VERSIONS },
    async (dir) => {
      const p = load({ cwd: dir });
      assertSameAsAlembic(p, await alembic(dir, 'alembic.ini', null), dir);
      assert.equal(p.sourceless, false);
      assert.equal(p.recursiveVersionLocations, true);
      assert.equal(p.fileTemplate, '%(rev)s_%(slug)s_100%');
      assert.equal(p.warnings.length, 1);
      assert.match(p.warnings[0]!.message, /sourceless = True is read as false/);
      assert.equal(p.warnings[0]!.line, 3);
    },
  );
});

test('settings: [tool.alembic-guard] next to the config, or found from the working directory upwards', async () => {
  await withProject(
    {
      'alembic.ini': '[alembic]\nscript_location = %(here)s/m\n',
      'm/versions': VERSIONS,
      'pyproject.toml': '[tool.alembic-guard]\nskip_revisions = ["0001"]\npostgres_version = 15\n',
    },
    async (dir) => {
      const p = load({ cwd: dir });
      assert.deepEqual(p.settings.skipRevisions, ['0001']);
      assert.equal(p.settings.postgresVersion, 15);
      assert.deepEqual(p.configFiles, [join(dir, 'alembic.ini'), join(dir, 'pyproject.toml')]);
    },
  );
  await withProject(
    {
      'pyproject.toml': '[tool.alembic-guard]\nallowed_heads = true\n',
      'services/api/alembic.ini': '[alembic]\nscript_location = %(here)s/m\n',
      'services/api/m/versions': VERSIONS,
    },
    async (dir) => {
      const p = load({ cwd: join(dir, 'services', 'api') });
      assert.equal(p.root, join(dir, 'services', 'api'));
      assert.equal(p.settings.allowedHeads, true);
      assert.deepEqual(p.configFiles, [join(dir, 'services', 'api', 'alembic.ini'), join(dir, 'pyproject.toml')]);
    },
  );
  await withProject({ 'alembic.ini': '[alembic]\nscript_location = %(here)s/m\n', 'm/versions': VERSIONS }, async (dir) => {
    const p = load({ cwd: dir });
    assert.deepEqual(p.settings, { rules: {}, skipRevisions: [], allowedHeads: [], versionLocations: [], urlEnv: ['DATABASE_URL'] });
  });
});
