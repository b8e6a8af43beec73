/**
 * listRevisionFiles on real folders with awkward names, compared with the files real Alembic
 * loads (ScriptDirectory._load_revisions) from the same folders, for sourceless and
 * recursive_version_locations on and off.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { listRevisionFiles } from '../../src/project/collect.js';
import { loadProject } from '../../src/project/discover.js';
import { Oracle, tempDir } from './oracle.js';
import { revisionModule, writeTree } from './tree.js';

const oracle = new Oracle();
after(() => oracle.close());

const BOOM = 'raise RuntimeError("Alembic must not import this file")\n';

/** The odd version folders, shared by the four option combinations. */
async function buildVersions(dir: string): Promise<void> {
  const v = 'migrations/versions';
  writeTree(dir, {
    'migrations/env.py': '',
    [`${v}/0001_first.py`]: revisionModule('0001'),
    [`${v}/0002_second.py`]: revisionModule('0002', '0001'),
    [`${v}/__init__.py`]: BOOM,
    [`${v}/__init__helper.py`]: BOOM,
    [`${v}/.#0003_lock.py`]: { symlink: 'someone@host.12345:1700000000' }, // an Emacs lock file
    [`${v}/.#real_file.py`]: BOOM,
    [`${v}/.hidden_0004.py`]: revisionModule('0004'), // only `.#` is excluded, other dot files load
    [`${v}/notes.txt`]: 'not python',
    [`${v}/README.md`]: '# versions',
    [`${v}/0015_ünïcode.py`]: revisionModule('0015'),
    [`${v}/0016_Zed.py`]: revisionModule('0016Z'),
    [`${v}/0016_a.py`]: revisionModule('0016a'),
    [`${v}/0017.PY`]: BOOM,
    [`${v}/0018_x.py.txt`]: BOOM,
    [`${v}/0019_x.py.py`]: revisionModule('0019'),
    [`${v}/sub/0008_nested.py`]: revisionModule('0008'),
    [`${v}/sub/deeper/0010_deep.py`]: revisionModule('0010'),
    [`${v}/b_sub/0021_b.py`]: revisionModule('0021'),
    [`${v}/a__pycache__/0011_skipped.py`]: revisionModule('0011'), // folder name ends with __pycache__
    'shared/0012_linked.py': revisionModule('0012'),
    'shared/0013_alias.py': revisionModule('0013'),
    'shared_dir/0014_in_linked_dir.py': revisionModule('0014'),
    [`${v}/linked.py`]: { symlink: '../../shared/0012_linked.py' },
    [`${v}/alias.txt`]: { symlink: '../../shared/0013_alias.py' }, // Alembic matches the resolved name
    [`${v}/dup_of_first.py`]: { symlink: '0001_first.py' },
    [`${v}/linkdir`]: { symlink: '../../shared_dir' }, // symlinked folders are not entered
    'other/0020_other.py': revisionModule('0020'),
    'other/0001_again.py': { symlink: `../${v}/0001_first.py` }, // the same real file again
    'alembic.ini': '',
  });
  // Byte-compiled revisions: next to a source (ignored), alone (sourceless only), in __pycache__.
  const src = join(dir, 'pysrc');
  mkdirSync(src);
  const sources: Record<string, string> = {
    first_other: revisionModule('X0001'),
    compiled: revisionModule('0005'),
    opt_c: revisionModule('0006'),
    opt_o: BOOM,
    cached: revisionModule('0007'),
    cached_first: BOOM,
    nested_cached: revisionModule('0009'),
  };
  for (const [name, text] of Object.entries(sources)) writeFileSync(join(src, `${name}.py`), text);
  const pairs: [string, string][] = [
    [join(src, 'first_other.py'), join(dir, v, '0001_first.pyc')],
    [join(src, 'compiled.py'), join(dir, v, '0005_compiled.pyc')],
    [join(src, 'opt_c.py'), join(dir, v, '0006_opt.pyc')],
    [join(src, 'opt_o.py'), join(dir, v, '0006_opt.pyo')],
    [join(src, 'cached.py'), join(dir, v, '__pycache__', '0007_cached.cpython-311.pyc')],
    [join(src, 'cached_first.py'), join(dir, v, '__pycache__', '0001_first.cpython-311.pyc')],
    [join(src, 'cached_first.py'), join(dir, v, '__pycache__', '0002_second.cpython-311.pyc')],
    [join(src, 'nested_cached.py'), join(dir, v, 'sub', '__pycache__', '0009_nested_cached.cpython-311.pyc')],
  ];
  mkdirSync(join(dir, v, '__pycache__'), { recursive: true });
  mkdirSync(join(dir, v, 'sub', '__pycache__'), { recursive: true });
  await oracle.ask({ mode: 'compile', pairs });
}

interface LoadView {
  ok: boolean;
  revisions?: string[];
  load_error?: string;
  message?: string;
}

test('listRevisionFiles lists exactly the files Alembic loads, in its order (sourceless × recursive)', async () => {
  const dir = tempDir('ag-collect-');
  try {
    await buildVersions(dir);
    for (const sourceless of [false, true]) {
      for (const recursive of [false, true]) {
        writeFileSync(
          join(dir, 'alembic.ini'),
          `[alembic]\nscript_location = %(here)s/migrations\nversion_locations = %(here)s/migrations/versions %(here)s/other\npath_separator = space\nsourceless = ${sourceless}\nrecursive_version_locations = ${recursive}\n`,
        );
        const label = `sourceless=${sourceless} recursive=${recursive}`;
        const view = await oracle.ask<LoadView>({ mode: 'project', cwd: dir, ini: 'alembic.ini', toml: null, load: true });
        assert.ok(view.ok && view.revisions, `${label}: Alembic failed: ${view.message ?? view.load_error}`);
        const project = loadProject({ cwd: dir, env: {} });
        const ours = listRevisionFiles(project);
        assert.deepEqual(
          ours.map((f) => realpathSync(f.absPath)),
          view.revisions,
          label,
        );
        // A non-trivial listing, so the comparison proves something.
        assert.ok(ours.length >= (recursive ? 12 : 9), `${label}: only ${ours.length} files`);
      }
    }
    // Paths are relative to the project root, forward slashes, with their version location.
    const project = loadProject({ cwd: dir, env: {} });
    const files = listRevisionFiles(project);
    const linked = files.find((f) => f.path.endsWith('linked.py'))!;
    assert.equal(linked.path, 'migrations/versions/linked.py');
    assert.equal(linked.absPath, join(dir, 'migrations', 'versions', 'linked.py'));
    assert.equal(linked.versionLocation, join(dir, 'migrations', 'versions'));
    const cached = files.find((f) => f.path.includes('__pycache__'))!;
    assert.equal(cached.path, 'migrations/versions/__pycache__/0007_cached.cpython-311.pyc');
    assert.equal(files.find((f) => f.path === 'other/0020_other.py')?.versionLocation, join(dir, 'other'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('listRevisionFiles: a dangling symlink that Alembic would import is a ConfigError', async () => {
  const dir = tempDir('ag-collect-');
  try {
    writeTree(dir, {
      'alembic.ini': '[alembic]\nscript_location = %(here)s/m\n',
      'm/versions/0001_a.py': revisionModule('0001'),
      'm/versions/0002_gone.py': { symlink: '../../elsewhere/0002_gone.py' },
    });
    const view = await oracle.ask<LoadView>({ mode: 'project', cwd: dir, ini: 'alembic.ini', toml: null, load: true });
    assert.match(view.load_error ?? '', /ImportError/);
    const project = loadProject({ cwd: dir, env: {} });
    assert.throws(
      () => listRevisionFiles(project),
      (e: unknown) => e instanceof ConfigError && /^m\/versions\/0002_gone\.py: broken symlink \(points to \.\.\/\.\.\/elsewhere\/0002_gone\.py\)/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('listRevisionFiles: an empty versions folder gives no files; a missing extra location is skipped', () => {
  const dir = tempDir('ag-collect-');
  try {
    writeTree(dir, {
      'alembic.ini': '[alembic]\nscript_location = %(here)s/m\nversion_locations = %(here)s/m/versions;%(here)s/gone\npath_separator = ;\n',
      'm/versions': { dir: true },
    });
    const project = loadProject({ cwd: dir, env: {} });
    assert.equal(project.versionLocations.length, 2);
    assert.deepEqual(listRevisionFiles(project), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
