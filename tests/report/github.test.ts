import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeData, escapeProperty, githubReporter } from '../../src/report/github.js';
import type { Report } from '../../src/report/types.js';

test('data escaping follows @actions/core: % CR LF', () => {
  assert.equal(escapeData('100% done\r\nnext'), '100%25 done%0D%0Anext');
});

test('property escaping also escapes : and ,', () => {
  assert.equal(escapeProperty('a,b:c%'), 'a%2Cb%3Ac%25');
});

const report = (findings: Report['findings']): Report => ({
  tool: { name: 'alembic-guard', version: '0.0.0' },
  project: { root: '/x', versionLocations: [] },
  findings,
  checks: [],
  summary: { errors: findings.filter((f) => f.severity === 'error').length, warnings: 0, infos: findings.filter((f) => f.severity === 'info').length },
});

test('an annotation carries file, line, column, title and an escaped message', () => {
  const out = githubReporter(
    report([{ rule: 'multiple-heads', severity: 'error', message: 'two heads: a, b\nmerge them', file: 'migrations/versions/a,b.py', line: 3, column: 5, revision: 'a', fix: 'alembic merge heads' }]),
    { color: false, pathPrefix: 'svc/' },
  );
  const first = out.split('\n')[0]!;
  assert.equal(
    first,
    '::error file=svc/migrations/versions/a%2Cb.py,line=3,col=5,title=alembic-guard multiple-heads::two heads: a, b%0Amerge them (revision a)%0AFix: alembic merge heads',
  );
});

test('info findings become notices; multi-line spans drop the column', () => {
  const out = githubReporter(
    report([{ rule: 'empty-downgrade', severity: 'info', message: 'm', file: 'f.py', line: 3, column: 5, endLine: 7, endColumn: 2 }]),
    { color: false },
  );
  assert.match(out, /^::notice file=f\.py,line=3,endLine=7,title=/);
  assert.doesNotMatch(out.split('\n')[0]!, /col=/);
});
