/** The Markdown reporter: grouping by revision, escaping in tables, collapsible offline SQL. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cell, code, markdownReporter, type MarkdownReport } from '../../src/report/markdown.js';

const base: MarkdownReport = {
  tool: { name: 'alembic-guard', version: '0.1.0' },
  project: { root: '/w/svc', config: 'alembic.ini', versionLocations: ['migrations/versions'] },
  findings: [],
  checks: [{ id: 'static', status: 'passed', message: '3 revisions', durationMs: 12 }],
  summary: { errors: 0, warnings: 0, infos: 0 },
};

test('a clean run says so and lists the checks', () => {
  const md = markdownReporter(base, { color: false });
  assert.match(md, /^## alembic-guard: ✅ No problems found\n/);
  assert.match(md, /\| `static` \| ✅ passed \| 12 ms \| 3 revisions \|/);
  assert.doesNotMatch(md, /Findings|Offline SQL/);
});

test('findings grouped by revision, table cells escaped, project-wide findings last, SQL collapsed', () => {
  const report: MarkdownReport = {
      ...base,
      findings: [
        { rule: 'multiple-heads', severity: 'error', message: 'a | b <script>\nnext', file: 'migrations/versions/0003_a.py', line: 3, revision: '0003', fix: 'run `alembic merge`' },
        { rule: 'ban-drop-column', severity: 'warning', message: 'drop', file: 'migrations/versions/0003_a.py', line: 9, revision: '0003' },
        { rule: 'upgrade-failed', severity: 'error', message: 'env.py raised' },
      ],
      summary: { errors: 2, warnings: 1, infos: 0 },
      offlineSql: [{ revision: '0003', file: 'migrations/versions/0003_a.py', message: 'add <a>', sql: 'SELECT 1;\n-- ```\n' }],
  };
  const md = markdownReporter(report, { color: false, pathPrefix: 'svc/' });
  assert.match(md, /^## alembic-guard: ❌ 3 problems \(2 errors, 1 warning, 0 infos\)/);
  assert.match(md, /#### Revision `0003` · `svc\/migrations\/versions\/0003_a\.py`\n\n\| Severity \| Line \|/);
  assert.match(md, /\| 🔴 error \| 3 \| `multiple-heads` \| a \\\| b &lt;script&gt;<br>next \| run `alembic merge` \|/);
  assert.match(md, /\| 🟡 warning \| 9 \| `ban-drop-column` \|/);
  assert.match(md, /#### Project\n\n\| Severity \| Where \|[\s\S]*\| 🔴 error \|  \| `upgrade-failed` \| env\.py raised \|/);
  assert.match(md, /<summary><code>0003<\/code> · add &lt;a&gt; · <code>svc\/migrations\/versions\/0003_a\.py<\/code><\/summary>\n\n````sql\nSELECT 1;\n-- ```\n````/);
});

test('helpers: cell and code', () => {
  assert.equal(cell('a|b\r\nc & <d>'), 'a\\|b<br>c &amp; &lt;d&gt;');
  assert.equal(code('x`y'), '``x`y``');
  assert.equal(code('`x'), '`` `x ``');
});
