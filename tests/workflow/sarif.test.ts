/**
 * SARIF output against the official SARIF 2.1.0 JSON schema (shipped in the npm package
 * @microsoft/jest-sarif), validated with Ajv (draft-04, with formats).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { sarifReporter } from '../../src/report/sarif.js';
import { rules } from '../../src/rules/index.js';
import type { Report } from '../../src/report/types.js';

const require = createRequire(import.meta.url);
const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;

function validator() {
  // The official schema's language-tag pattern has a stray `]`, invalid as a Unicode RegExp:
  // compile patterns the way JSON Schema draft-04 (ECMA 262, non-Unicode) reads them.
  const ajv = new Ajv04.default({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats.default(ajv as never);
  return ajv.compile(schema);
}

const report: Report = {
  tool: { name: 'alembic-guard', version: '0.1.0' },
  project: { root: '/work/repo/services/api', config: 'alembic.ini', versionLocations: ['migrations/versions'] },
  findings: [
    {
      rule: 'multiple-heads',
      severity: 'error',
      message: 'two heads: 0003, 0004: merge them,\nthen re-run',
      file: 'migrations/versions/0004_add orders, items.py',
      line: 12,
      column: 1,
      endLine: 12,
      endColumn: 20,
      revision: '0004',
      fix: 'alembic merge heads',
    },
    { rule: 'unused-ignore', severity: 'info', message: 'ignore suppresses nothing', file: 'migrations/versions/0002_x.py', line: 3 },
    { rule: 'upgrade-from-scratch', severity: 'warning', message: 'a runtime check id that no rule file declares' },
  ],
  checks: [
    { id: 'static', status: 'failed', message: '4 revisions', durationMs: 12 },
    { id: 'upgrade', status: 'skipped', message: '--static', durationMs: 0 },
  ],
  summary: { errors: 1, warnings: 1, infos: 1 },
};

test('the SARIF log is valid against the SARIF 2.1.0 schema', () => {
  const log = JSON.parse(sarifReporter(report, { color: false, pathPrefix: 'services/api/' })) as Record<string, unknown>;
  const validate = validator();
  const ok = validate(log);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
  // The validator really validates: a broken log fails.
  const broken = structuredClone(log) as { runs: { results: { level: string }[] }[] };
  broken.runs[0]!.results[0]!.level = 'fatal';
  assert.equal(validate(broken), false);
});

test('one rule entry per rule, with description and help text from the rule docs', () => {
  const log = JSON.parse(sarifReporter(report, { color: false })) as {
    runs: { tool: { driver: { rules: { id: string; shortDescription: { text: string }; fullDescription?: { text: string }; help?: { text: string; markdown: string } }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations?: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: Record<string, number> } }[] }[]; originalUriBaseIds: Record<string, { uri: string }> }[];
  };
  const run = log.runs[0]!;
  const ids = run.tool.driver.rules.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'rule ids are unique');
  for (const rule of rules) {
    const entry = run.tool.driver.rules.find((r) => r.id === rule.id);
    assert.ok(entry, `${rule.id} has a rule entry`);
    assert.ok(entry.fullDescription!.text.length > 20);
    assert.ok(entry.help!.text.includes('Why:'), `${rule.id} help text`);
    assert.ok(entry.help!.markdown.startsWith(`# ${rule.id}`));
  }
  // A finding from a rule no file declares still gets an entry, and ruleIndex points at it.
  for (const r of run.results) assert.equal(run.tool.driver.rules[r.ruleIndex]!.id, r.ruleId);
  assert.deepEqual(
    run.results.map((r) => r.level),
    ['error', 'note', 'warning'],
  );
  const loc = run.results[0]!.locations![0]!.physicalLocation;
  assert.equal(loc.artifactLocation.uri, 'migrations/versions/0004_add%20orders%2C%20items.py');
  assert.equal(loc.artifactLocation.uriBaseId, 'SRCROOT');
  assert.deepEqual(loc.region, { startLine: 12, startColumn: 1, endLine: 12, endColumn: 20 });
  assert.equal(run.originalUriBaseIds.SRCROOT!.uri, 'file:///work/repo/services/api/');
});

test('with a workspace prefix, URIs are relative to the workspace', () => {
  const log = JSON.parse(sarifReporter(report, { color: false, pathPrefix: 'services/api/' })) as {
    runs: { results: { locations?: { physicalLocation: { artifactLocation: { uri: string } } }[] }[]; originalUriBaseIds: Record<string, { uri: string }> }[];
  };
  assert.equal(log.runs[0]!.results[0]!.locations![0]!.physicalLocation.artifactLocation.uri, 'services/api/migrations/versions/0004_add%20orders%2C%20items.py');
  assert.equal(log.runs[0]!.originalUriBaseIds.SRCROOT!.uri, 'file:///work/repo/');
});
