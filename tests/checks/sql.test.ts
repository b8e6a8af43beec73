/**
 * `alembic-guard sql [RANGE]`: offline SQL per revision through the project's env.py, as text or
 * Markdown; ranges read as Alembic reads them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixturesDir, venvPython } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { selectRange } from '../../src/checks/offline-sql-command.js';
import { UsageError } from '../../src/errors.js';
import { load } from './helpers.js';

test('ranges: REV, A:B (what B needs and A does not), :B, A:, labels and prefixes', async () => {
  const { graph } = await load(join(fixturesDir, 'runtime-merge-point'));
  const sel = (r: string) => [...(selectRange(r, graph) ?? [])].sort();
  assert.equal(selectRange(undefined, graph), undefined);
  assert.deepEqual(sel('0003'), ['0003']);
  assert.deepEqual(sel('0001:0003'), ['0002a', '0002b', '0003']);
  assert.deepEqual(sel(':0002a'), ['0001', '0002a']);
  assert.deepEqual(sel('0002a:'), ['0002b', '0003', '0004']);
  assert.deepEqual(sel('base:heads'), ['0001', '0002a', '0002b', '0003', '0004']);
  assert.throws(() => selectRange('0002', graph), (e: unknown) => e instanceof UsageError && /matches several revisions: 0002a, 0002b/.test(e.message));
  const labelled = await load(join(fixturesDir, 'runtime-labelled-heads'));
  assert.deepEqual([...(selectRange('billing', labelled.graph) ?? [])], ['b001']);
  assert.deepEqual([...(selectRange(':billing', labelled.graph) ?? [])].sort(), ['b001', 'c001'], 'depends_on counts as needed');
});

test('sql --format markdown: a reviewable block per revision', async () => {
  const r = await runCli(['sql', '0003', '--format', 'markdown', '--python', venvPython, '--no-cache'], join(fixturesDir, 'runtime-merge-point'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      '### `0003` — `migrations/versions/0003_merge_products_warehouses.py`',
      '',
      '```sql',
      'BEGIN;',
      '',
      '-- Running upgrade 0002a, 0002b -> 0003',
      '',
      "DELETE FROM alembic_version WHERE alembic_version.version_num = '0002a';",
      '',
      "UPDATE alembic_version SET version_num='0003' WHERE alembic_version.version_num = '0002b';",
      '',
      'COMMIT;',
      '```',
      '',
    ].join('\n'),
  );
});

test('sql: a revision that cannot render offline says so; the others are printed', async () => {
  const r = await runCli(['sql', '--python', venvPython, '--no-cache'], join(fixturesDir, 'runtime-offline-data-migration'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^-- Revision 0001 \(migrations\/versions\/0001_create_customers\.py\)\nBEGIN;/);
  assert.match(r.stdout, /CREATE TABLE customers/);
  assert.match(r.stdout, /-- Revision 0002 \(migrations\/versions\/0002_normalize_emails\.py\)\n-- cannot be rendered as offline SQL: AttributeError: 'NoneType' object has no attribute 'fetchall'\n/);
});

test('sql: an unknown revision is a usage error (exit 2) before Python starts', async () => {
  const r = await runCli(['sql', 'nope', '--python', '/nonexistent/python'], join(fixturesDir, 'runtime-merge-point'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /"nope" names no revision/);
});
