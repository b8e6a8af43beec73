/**
 * The GitHub Action's script run locally the way a runner runs it: INPUT_* variables,
 * GITHUB_WORKSPACE, and GITHUB_STEP_SUMMARY / GITHUB_OUTPUT pointed at files. The project sits in
 * a sub-folder of the workspace, in a git repository whose branch diverged from main; a file name
 * with a comma and a colon and messages with commas, colons and newlines check the escaping.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot, venvPython } from '../helpers/paths.js';
import { cleanup, copyFixture, git, gitInit } from './helpers.js';
import { startPostgres, type TestPostgres } from './pg.js';
import { escapeData, escapeProperty } from '../../src/report/github.js';

let pgServer: TestPostgres;
before(async () => {
  pgServer = await startPostgres();
});
after(async () => {
  await pgServer?.stop();
});

const V = 'services/api/migrations/versions';
const OURS = ['d4e5f6a1b2c3_add_widgets.py', 'e5f6a1b2c3d4_add_widget_color.py'];
const ODD = 'e5f6a1b2c3d4_add_widget_color,size:v2.py';

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ag-action-ws-'));
  const project = join(ws, 'services', 'api');
  mkdirSync(project, { recursive: true });
  copyFixture('workflow-heads-hash', project);
  const aside = mkdtempSync(join(tmpdir(), 'ag-ours-'));
  for (const f of OURS) {
    cpSync(join(ws, V, f), join(aside, f));
    rmSync(join(ws, V, f));
  }
  gitInit(ws, 'main');
  git(ws, 'checkout', '-q', '-b', 'feature');
  cpSync(join(aside, OURS[0]!), join(ws, V, OURS[0]!));
  cpSync(join(aside, OURS[1]!), join(ws, V, ODD));
  cleanup(aside);
  git(ws, 'add', '-A');
  git(ws, 'commit', '-q', '-m', 'widgets');
  return ws;
}

function runAction(ws: string, inputs: Record<string, string>) {
  const summary = join(ws, '..', `${ws.split('/').pop()}-summary.md`);
  const output = join(ws, '..', `${ws.split('/').pop()}-output.txt`);
  writeFileSync(summary, '# earlier step\n');
  writeFileSync(output, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: ws,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
    RUNNER_TEMP: tmpdir(),
    NO_COLOR: '1',
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase().replace(/-/g, '_')}`] = v;
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'action.mjs')], { cwd: ws, env, encoding: 'utf8', timeout: 300_000 });
  const result = { code: r.status, stdout: r.stdout, stderr: r.stderr, summary: readFileSync(summary, 'utf8'), output: readFileSync(output, 'utf8') };
  rmSync(summary, { force: true });
  rmSync(output, { force: true });
  return result;
}

test('the action: annotations with escaping, job summary with findings, checks and offline SQL, outputs, SARIF', { timeout: 400_000 }, async () => {
  const ws = workspace();
  try {
    await pgServer.createDatabase('ci');
    const r = runAction(ws, {
      'working-directory': 'services/api',
      since: 'main',
      python: venvPython,
      'database-url': pgServer.url('ci'),
      'sarif-file': 'out/alembic-guard.sarif',
    });
    for (const text of [r.stdout, r.stderr, r.summary, r.output]) assert.doesNotMatch(text, /s3cret-pw/, 'the password is never printed');
    assert.equal(r.code, 1, r.stderr);

    // Annotations: one workflow command per line, properties escaped (, :), data escaped (newlines).
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    const file = `${V}/${ODD}`;
    const heads = commands.filter((l) => l.includes('title=alembic-guard multiple-heads'));
    assert.equal(heads.length, 2, r.stdout);
    const ours = heads.find((l) => l.startsWith(`::error file=${escapeProperty(file)},`))!;
    assert.ok(ours, r.stdout);
    assert.ok(ours.startsWith(`::error file=${escapeProperty(file)},line=15,col=1,`), ours);
    assert.ok(ours.includes('file=services/api/migrations/versions/e5f6a1b2c3d4_add_widget_color%2Csize%3Av2.py,'));
    const message = ours.slice(ours.indexOf('::', 2) + 2);
    assert.match(message, /^Multiple heads: e5f6a1b2c3d4 is one of 2 heads \(c3d4e5f6a1b2 /, 'commas and colons stay as they are in the message');
    assert.match(message, /%0AFix: Merge them with `alembic merge/, 'the newline before the fix is escaped');
    assert.doesNotMatch(message, /[\r\n]/);
    assert.equal(escapeData('a%b\r\nc'), 'a%25b%0D%0Ac');
    // The text report is in the log too.
    assert.match(r.stdout, /2 problems \(2 errors/);

    // Job summary: appended after the earlier step's content.
    assert.ok(r.summary.startsWith('# earlier step\n## alembic-guard: ❌ 2 problems (2 errors, 0 warnings, 0 infos)'), r.summary.slice(0, 200));
    assert.match(r.summary, /#### Revision `e5f6a1b2c3d4` · `services\/api\/migrations\/versions\/e5f6a1b2c3d4_add_widget_color,size:v2\.py`/);
    assert.match(r.summary, /\| 🔴 error \| 15 \| `multiple-heads` \| Multiple heads: /);
    assert.match(r.summary, /### Checks\n\n\| Check \| Status \| Duration \| Details \|\n\| --- \| --- \| --- \| --- \|\n\| `static` \| ❌ failed \| \d+(\.\d+)? m?s \|/);
    assert.match(r.summary, /\| `offline-sql` \| ✅ passed \|/);
    assert.match(r.summary, /### Offline SQL of the new revisions/);
    assert.match(r.summary, /<details>\n<summary><code>d4e5f6a1b2c3<\/code> · add widgets · <code>services\/api\/migrations\/versions\/d4e5f6a1b2c3_add_widgets\.py<\/code><\/summary>\n\n```sql\n[\s\S]*CREATE TABLE widgets[\s\S]*```\n\n<\/details>/);
    assert.match(r.summary, /<summary><code>e5f6a1b2c3d4<\/code> · add widget color ·[\s\S]*ALTER TABLE widgets ADD COLUMN color TEXT/);
    assert.doesNotMatch(r.summary, /<code>c3d4e5f6a1b2<\/code>/, 'only the new revisions');

    // Outputs and the SARIF file.
    const outputs = Object.fromEntries(r.output.trim().split('\n').map((l) => l.split('=') as [string, string]));
    assert.equal(outputs['exit-code'], '1');
    assert.equal(outputs.errors, '2');
    assert.equal(outputs['sarif-file'], join(ws, 'out/alembic-guard.sarif'));
    const sarif = JSON.parse(readFileSync(join(ws, 'out/alembic-guard.sarif'), 'utf8')) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    assert.ok(sarif.runs[0]!.results.some((x) => x.locations[0]!.physicalLocation.artifactLocation.uri === 'services/api/migrations/versions/e5f6a1b2c3d4_add_widget_color%2Csize%3Av2.py'));

    // fail-on-error: false keeps the step green; static skips Python and the database.
    const soft = runAction(ws, { 'working-directory': 'services/api', static: 'true', 'fail-on-error': 'false', summary: 'false', 'html-report': 'out/report.html' });
    assert.equal(soft.code, 0, soft.stderr);
    // html-report: the file the upload step picks up, named in the outputs.
    assert.match(soft.output, new RegExp(`^html-report=${join(ws, 'out/report.html')}$`, 'm'));
    assert.match(readFileSync(join(ws, 'out/report.html'), 'utf8'), /^<!doctype html>[\s\S]*data-revisions="e5f6a1b2c3d4"/);
    assert.equal(soft.summary, '# earlier step\n');
    assert.match(soft.output, /^exit-code=1$/m);
    // A usage error still fails.
    const bad = runAction(ws, { 'working-directory': 'services/api', static: 'true', since: 'no-such-ref' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown git revision "no-such-ref"/);
  } finally {
    cleanup(ws);
  }
});
