/**
 * The warm static path loads neither tree-sitter's native binding nor libpg-query's wasm: every
 * file comes from the parse cache and every op.execute SQL string from the SQL cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fixturesDir, repoRoot } from '../helpers/paths.js';

const script = `
import { createRequire } from 'node:module';
const { loadProject, runCheck } = await import(${JSON.stringify(join(repoRoot, 'dist', 'src', 'index.js'))});
const project = loadProject({ cwd: process.argv[1] });
const { report } = await runCheck(project, { static: true });
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => /node_modules\\/(tree-sitter|tree-sitter-python|libpg-query)\\//.test(k));
console.log(JSON.stringify({ findings: report.findings, loaded }));
`;

function run(dir: string): { findings: unknown[]; loaded: string[] } {
  const p = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  return JSON.parse(p.stdout) as { findings: unknown[]; loaded: string[] };
}

test('a warm check --static loads neither tree-sitter nor libpg-query, and finds the same', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ag-warm-'));
  try {
    cpSync(join(fixturesDir, 'ops-sql-execute'), dir, { recursive: true });
    const cold = run(dir);
    assert.ok(cold.loaded.some((k) => k.includes('tree-sitter')), 'the cold run parses with tree-sitter');
    assert.ok(cold.loaded.some((k) => k.includes('libpg-query')), 'the cold run parses SQL with libpg-query');
    const warm = run(dir);
    assert.deepEqual(warm.loaded, []);
    assert.ok(cold.findings.length > 0);
    assert.deepEqual(warm.findings, cold.findings);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const name of ['ops-context-across-files', 'ops2-lock-timeout-per-revision', 'ops2-enum', 'ops-dialect-sqlite', 'ops-sql-execute']) {
  test(`${name}: the warm run (operations from the cache) reports exactly what the cold run does`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ag-warm-'));
    try {
      cpSync(join(fixturesDir, name), dir, { recursive: true });
      const cold = run(dir);
      const warm = run(dir);
      assert.ok(cold.findings.length > 0);
      assert.deepEqual(warm.findings, cold.findings);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
