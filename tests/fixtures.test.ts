/**
 * Every fixture project under tests/fixtures/ with an expected.json is checked here: `check` must
 * give exactly the expected findings (rule, severity, file, line, revision) and the matching exit
 * code. Fixtures that run the database checks (no --static in args) use the test venv's Python.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir, venvPython } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';

interface Expected {
  description?: string;
  args?: string[];
  /** Expected exit code; default 1 when an error finding is expected, else 0. */
  exitCode?: number;
  findings: { rule: string; severity: string; file?: string | null; line?: number | null; revision?: string | null }[];
}

const key = (f: Expected['findings'][number]) =>
  JSON.stringify([f.rule, f.severity, f.file ?? null, f.line ?? null, f.revision ?? null]);

for (const name of readdirSync(fixturesDir).sort()) {
  const dir = join(fixturesDir, name);
  const expectedPath = join(dir, 'expected.json');
  if (!existsSync(expectedPath)) continue;
  const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as Expected;
  test(`fixture ${name}${expected.description ? `: ${expected.description}` : ''}`, async () => {
    const args = expected.args ?? ['--static'];
    const runtime = !args.includes('--static');
    const argv = ['check', ...args, '--format', 'json', '--no-cache', ...(runtime && !args.includes('--python') ? ['--python', venvPython] : [])];
    const result = await runCli(argv, dir);
    assert.notEqual(result.code, 2, `exit 2: ${result.stderr}`);
    const report = JSON.parse(result.stdout) as { findings: Expected['findings'] & { message: string }[] };
    const got = report.findings.map(key).sort();
    const want = expected.findings.map(key).sort();
    assert.deepEqual(got, want, `findings differ; full report:\n${result.stdout}`);
    const wantCode = expected.exitCode ?? (expected.findings.some((f) => f.severity === 'error') ? 1 : 0);
    assert.equal(result.code, wantCode);
    for (const f of report.findings) assert.ok(f.message.length > 0, 'every finding has a message');
  });
}
