/**
 * The Python side: interpreter discovery in its documented order (real files on disk), and what
 * the user gets when Python, Alembic or env.py fail: one PythonError that says what failed, the
 * Python used, the last lines of the traceback and what to do; through the CLI, exit 2 with the
 * static findings still printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { findPython } from '../../src/python/find.js';
import { runRuntimeChecks } from '../../src/checks/session.js';
import { PythonError } from '../../src/errors.js';
import type { Project } from '../../src/model.js';
import { fixturesDir, venvPython } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { load, scratchProject, tempDir } from '../checks/helpers.js';

function executable(path: string, body = '#!/bin/sh\nexit 0\n'): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return path;
}

function projectAt(root: string, python?: string): Project {
  return { root, settings: { rules: {}, skipRevisions: [], allowedHeads: [], versionLocations: [], ...(python !== undefined ? { python } : {}) } } as unknown as Project;
}

test('interpreter discovery follows the documented order', () => {
  const t = tempDir();
  try {
    const repo = join(t.dir, 'repo');
    const root = join(repo, 'backend');
    mkdirSync(join(repo, '.git'), { recursive: true });
    mkdirSync(root, { recursive: true });
    const bin = join(t.dir, 'bin');
    const explicit = executable(join(t.dir, 'explicit', 'python'));
    const configured = executable(join(t.dir, 'configured', 'python'));
    const uv = executable(join(bin, 'uv'));
    const python3 = executable(join(bin, 'python3'));
    const poetryEnv = executable(join(t.dir, 'poetry-env', 'bin', 'python'));
    executable(join(bin, 'poetry'), `#!/bin/sh\n[ "$1 $2 $3" = "env info --executable" ] && echo ${poetryEnv}\n`);
    const virtualEnv = join(t.dir, 'active-venv');
    executable(join(virtualEnv, 'bin', 'python'));
    const env = { PATH: bin, VIRTUAL_ENV: virtualEnv };

    const find = (opts: { python?: string; configured?: boolean } = {}) =>
      findPython(projectAt(root, opts.configured ? configured : undefined), { env, cwd: t.dir, ...(opts.python !== undefined ? { python: opts.python } : {}) });

    // 7. python3 on PATH (after VIRTUAL_ENV is gone)
    assert.deepEqual(findPython(projectAt(root), { env: { PATH: bin }, cwd: t.dir }), { command: python3, args: [], source: 'PATH' });
    // 6. $VIRTUAL_ENV
    assert.equal(find().command, join(virtualEnv, 'bin', 'python'));
    assert.equal(find().source, '$VIRTUAL_ENV');
    // 5. poetry's environment where poetry.lock exists (found upwards, in the repository root)
    writeFileSync(join(repo, 'poetry.lock'), '');
    assert.equal(find().command, poetryEnv);
    // 4. .venv/bin/python, in the project or a parent up to the repository root
    const dotVenv = executable(join(repo, '.venv', 'bin', 'python'));
    assert.deepEqual(find(), { command: dotVenv, args: [], source: '.venv' });
    // 3. uv run where uv.lock exists and uv is installed
    writeFileSync(join(root, 'uv.lock'), '');
    assert.deepEqual(find(), { command: uv, args: ['run', '--frozen', '--project', root, 'python'], source: `uv run (${join(root, 'uv.lock')})` });
    // ... but uv.lock without uv falls through to .venv
    assert.equal(findPython(projectAt(root), { env: { PATH: join(t.dir, 'empty') }, cwd: t.dir }).command, dotVenv);
    // 2. [tool.alembic-guard] python
    assert.deepEqual(find({ configured: true }), { command: configured, args: [], source: '[tool.alembic-guard] python' });
    // 1. --python, relative to the working directory
    assert.deepEqual(find({ configured: true, python: 'explicit/python' }), { command: explicit, args: [], source: '--python' });
    // a --python that does not exist is an error that says so
    assert.throws(() => find({ python: 'nope/python' }), (e: unknown) => e instanceof PythonError && /does not exist/.test(e.message));
    // a .git directory stops the upward search: a .venv above the repository is not used
    executable(join(t.dir, '.venv', 'bin', 'python'));
    const inner = join(t.dir, 'other', 'proj');
    mkdirSync(join(t.dir, 'other', '.git'), { recursive: true });
    mkdirSync(inner, { recursive: true });
    assert.equal(findPython(projectAt(inner), { env: { PATH: bin }, cwd: t.dir }).command, python3);
  } finally {
    t.cleanup();
  }
});

test('no Python at all: one clear error, nothing started', () => {
  const t = tempDir();
  try {
    mkdirSync(join(t.dir, 'proj'));
    assert.throws(
      () => findPython(projectAt(join(t.dir, 'proj')), { env: { PATH: join(t.dir, 'nothing') }, cwd: t.dir }),
      (e: unknown) => e instanceof PythonError && /no interpreter was found/.test(e.message) && /--python/.test(e.hint ?? ''),
    );
  } finally {
    t.cleanup();
  }
});

test('"could not start" and "exited non-zero" are told apart', async () => {
  const p = scratchProject('runtime-merge-point');
  try {
    const { project, graph } = await load(p.dir);
    const broken = executable(join(p.dir, 'bin', 'python-broken'), '#!/nonexistent/interpreter\n');
    const r1 = await runRuntimeChecks(project, graph, { python: broken, handleSignals: false });
    assert.ok(r1.error instanceof PythonError);
    assert.match(r1.error.message, /could not start Python/);
    const failing = executable(join(p.dir, 'bin', 'python-failing'), '#!/bin/sh\necho "Fatal Python error: init_fs_encoding" >&2\nexit 3\n');
    const r2 = await runRuntimeChecks(project, graph, { python: failing, handleSignals: false });
    assert.ok(r2.error instanceof PythonError);
    assert.match(r2.error.message, /exited with code 3/);
    assert.match(r2.error.reason ?? '', /Fatal Python error: init_fs_encoding/);
  } finally {
    p.cleanup();
  }
});

test('no Alembic in the interpreter: says which Python and how to fix it; the CLI still prints the static findings and exits 2', async () => {
  const p = scratchProject('runtime-merge-point');
  try {
    const bare = join(p.dir, 'bare-venv');
    execFileSync(venvPython, ['-c', 'import sys, venv; venv.create(sys.argv[1], with_pip=False)', bare]);
    const py = join(bare, 'bin', 'python');
    assert.ok(existsSync(py));
    const { project, graph } = await load(p.dir);
    const r = await runRuntimeChecks(project, graph, { python: py, handleSignals: false });
    assert.ok(r.error instanceof PythonError);
    assert.match(r.error.message, /^Alembic is not installed in the Python used: .*bare-venv\/bin\/python/);
    assert.match(r.error.hint ?? '', /pip install alembic/);
    assert.equal(r.findings.length, 0);

    const cli = await runCli(['check', '--format', 'json', '--no-cache', '--python', py], p.dir);
    assert.equal(cli.code, 2);
    const report = JSON.parse(cli.stdout) as { checks: { id: string; status: string }[] };
    assert.equal(report.checks[0]?.id, 'static');
    assert.match(cli.stderr, /alembic-guard: error: Alembic is not installed in the Python used/);
    assert.match(cli.stderr, /Next: Install your project's dependencies/);
  } finally {
    p.cleanup();
  }
});

const RAISING_ENV = `import os
from alembic import context

config = context.config
# the application's settings, read when env.py runs
DATABASE_URL = os.environ["SHOP_DATABASE_URL"]
`;

test('env.py raising: the error names env.py and its line, the traceback and the Python used', async () => {
  const p = scratchProject('runtime-merge-point', { 'migrations/env.py': RAISING_ENV });
  try {
    const { project, graph } = await load(p.dir);
    const r = await runRuntimeChecks(project, graph, { python: venvPython, handleSignals: false });
    assert.ok(r.error instanceof PythonError);
    assert.match(r.error.message, /^env\.py raised KeyError at migrations\/env\.py:6 \(/);
    assert.match(r.error.reason ?? '', /Python: .*\.venv-test\/bin\/python \(Python 3\.\d+\.\d+, Alembic 1\.20\.1, SQLAlchemy 2\.1\.9\)/);
    assert.match(r.error.reason ?? '', /KeyError: 'SHOP_DATABASE_URL'/);
    assert.match(r.error.hint ?? '', /url_env/);
    // nothing is reported as a migration failure
    assert.deepEqual(r.findings.filter((f) => f.rule !== 'offline-sql-failed'), []);
    assert.ok(!r.findings.some((f) => f.rule === 'offline-sql-failed'), 'the offline failure of the same env.py is not reported on top');

    const cli = await runCli(['check', '--format', 'json', '--no-cache', '--python', venvPython], p.dir);
    assert.equal(cli.code, 2);
    assert.equal((JSON.parse(cli.stdout) as { checks: { id: string }[] }).checks[0]?.id, 'static');
    assert.match(cli.stderr, /error: env\.py raised KeyError at migrations\/env\.py:6/);
    assert.doesNotMatch(cli.stderr, /internal error/);
  } finally {
    p.cleanup();
  }
});

const NOISY_ENV = `import os
import sys

print("env.py: loading settings")          # print() to stdout
sys.stdout.write("more noise on stdout\\n")
os.system("echo a child process writes to stdout too")
input_fd_text = sys.stdin.read()             # user code reading stdin must not eat the protocol
`;

test('env.py writing to stdout or reading stdin does not disturb the helper', async () => {
  const original = readFileSync(join(fixturesDir, 'runtime-merge-point', 'migrations', 'env.py'), 'utf8');
  const p = scratchProject('runtime-merge-point', { 'migrations/env.py': NOISY_ENV + original });
  try {
    const { project, graph } = await load(p.dir);
    const lines: string[] = [];
    const r = await runRuntimeChecks(project, graph, { python: venvPython, handleSignals: false, onLog: (l) => lines.push(l) });
    assert.equal(r.error, undefined, r.error?.message);
    assert.deepEqual(r.findings, []);
    assert.ok(r.checks.every((c) => c.status === 'passed'), JSON.stringify(r.checks));
    assert.ok(lines.includes('env.py: loading settings'), 'what env.py prints reaches the log (stderr), not the protocol');
    assert.ok(lines.includes('a child process writes to stdout too'));
  } finally {
    p.cleanup();
  }
});
