/**
 * A package-style script_location (`pkg.mod:dir`, `pkg:sub:dir`) whose package is installed in the
 * project's virtualenv, not in the project's folders: alembic-guard asks the project's Python where
 * the package lives. The package is a real wheel installed by pip into a real venv's site-packages;
 * the judge is `importlib.resources.files`, which is what Alembic calls.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { venvPython } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { loadProject } from '../../src/project/discover.js';

let dir: string;
let project: string;
let sitePython: string;

const revision = (rev: string, down: string | null) => `"""${rev}"""
from alembic import op
import sqlalchemy as sa

revision = "${rev}"
down_revision = ${down === null ? 'None' : `"${down}"`}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("t${rev}", sa.Column("id", sa.BigInteger(), primary_key=True))


def downgrade():
    op.drop_table("t${rev}")
`;

/** A wheel, written by Python's zipfile: guardpkg with its migrations under guardpkg/db/migrations. */
const BUILD_WHEEL = `
import base64, hashlib, sys, zipfile
out = sys.argv[1]
files = {
    "guardpkg/__init__.py": "",
    "guardpkg/db/__init__.py": "",
    "guardpkg/db/migrations/env.py": "# env.py\\n",
    "guardpkg/db/migrations/script.py.mako": "",
    "guardpkg/db/migrations/versions/0001_first.py": sys.argv[2],
    "guardpkg/db/migrations/versions/0002_second.py": sys.argv[3],
    "guardpkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: guardpkg\\nVersion: 1.0\\n",
    "guardpkg-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(out, "w") as z:
    for name, text in files.items():
        data = text.encode()
        z.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("guardpkg-1.0.dist-info/RECORD,,")
    z.writestr("guardpkg-1.0.dist-info/RECORD", "\\n".join(record) + "\\n")
`;

before(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'ag-pkg-')));
  project = join(dir, 'project');
  mkdirSync(project);
  // The project's own venv (no pip needed in it: the test venv's pip installs into it).
  execFileSync(venvPython, ['-m', 'venv', '--without-pip', join(project, '.venv')]);
  sitePython = join(project, '.venv', 'bin', 'python');
  const wheel = join(dir, 'guardpkg-1.0-py3-none-any.whl');
  execFileSync(venvPython, ['-c', BUILD_WHEEL, wheel, revision('0001', null), revision('0002', '0001')]);
  execFileSync(venvPython, ['-m', 'pip', '--python', sitePython, 'install', '--quiet', '--no-index', '--no-deps', '--disable-pip-version-check', wheel]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

function writeIni(location: string, at = project): void {
  writeFileSync(join(at, 'alembic.ini'), `[alembic]\nscript_location = ${location}\npath_separator = os\nsqlalchemy.url = postgresql://app@localhost/app\n`);
}

/** What Alembic itself would use: importlib.resources.files(pkg) / rest, in the project's interpreter. */
function alembicsDir(location: string): string {
  const [pkg, ...rest] = location.split(':');
  const code = `import importlib.resources as r, sys\nref = r.files(sys.argv[1])\nfor t in sys.argv[2:]:\n    ref = ref / t\nprint(ref)`;
  return execFileSync(sitePython, ['-c', code, pkg!, ...rest], { cwd: project, encoding: 'utf8' }).trim();
}

test('pkg.mod:dir installed in the venv: found where importlib.resources finds it, and checked', async () => {
  writeIni('guardpkg.db:migrations');
  const p = loadProject({ cwd: project, env: { PATH: process.env.PATH } });
  assert.equal(p.scriptLocation, alembicsDir('guardpkg.db:migrations'));
  assert.match(p.scriptLocation!, /site-packages\/guardpkg\/db\/migrations$/);
  assert.deepEqual(p.versionLocations, [join(p.scriptLocation!, 'versions')]);
  const r = await runCli(['heads'], project);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '0002 (head)');
  const check = await runCli(['check', '--static', '--no-cache', '--format', 'json'], project);
  assert.equal(check.code, 0, check.stderr);
  const report = JSON.parse(check.stdout) as { checks: { id: string; message: string }[]; findings: unknown[] };
  assert.match(report.checks.find((c) => c.id === 'static')!.message, /^2 revisions in 2 files/);
});

test('pkg:sub:dir is joined folder by folder, as Alembic does', () => {
  writeIni('guardpkg:db:migrations');
  const p = loadProject({ cwd: project, env: { PATH: process.env.PATH } });
  assert.equal(p.scriptLocation, alembicsDir('guardpkg:db:migrations'));
});

test('--python names the interpreter to ask', () => {
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(elsewhere, { recursive: true });
  writeIni('guardpkg.db:migrations', elsewhere);
  // No .venv here: the test venv's Python does not have guardpkg, the project's does.
  const env = { PATH: process.env.PATH };
  assert.throws(() => loadProject({ cwd: elsewhere, env, python: venvPython }), (e: Error & { reason?: string }) => {
    assert.match(e.message, /cannot find package 'guardpkg\.db' of script_location 'guardpkg\.db:migrations'/);
    assert.match(e.reason ?? '', /\.venv-test\/bin\/python \(found by --python\) cannot import 'guardpkg'/);
    return true;
  });
  assert.equal(loadProject({ cwd: elsewhere, env, python: sitePython }).scriptLocation, alembicsDir('guardpkg.db:migrations'));
});

test('no Python at all: a clear error, exit 2, no traceback', async () => {
  const bare = join(dir, 'bare');
  mkdirSync(bare, { recursive: true });
  writeIni('guardpkg.db:migrations', bare);
  const r = await runCli(['check', '--static'], bare, { PATH: '', VIRTUAL_ENV: '' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot find package 'guardpkg\.db' of script_location 'guardpkg\.db:migrations'/);
  assert.match(r.stderr, /there is no Python to ask where it is installed \(could not start Python: no interpreter was found/);
  assert.match(r.stderr, /Install the project in its virtualenv \(or pass --python PATH/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
});
