/** The HTML report without a browser: the drawing model, check outcomes per revision, the page's policy, and the JSON contract left alone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { drawingModel } from '../../src/report/html/layout.js';
import { revisionOutcomes } from '../../src/report/html/data.js';
import { htmlReporter } from '../../src/report/html/index.js';
import { jsonReporter } from '../../src/report/json.js';
import { outputTargets } from '../../src/workflow/output.js';
import type { Report, ReportRevision } from '../../src/report/types.js';

/** Revisions newest first, each `id:parent,parent` (no parents: a base). */
function revs(spec: string, extra: Partial<Record<string, Partial<ReportRevision>>> = {}): ReportRevision[] {
  const list = spec.split(' ').map((s) => {
    const [id, down = ''] = s.split(':');
    return { revision: id!, file: `versions/${id}.py`, message: `${id} message`, downRevisions: down === '' ? [] : down.split(','), dependsOn: [], branchLabels: [], head: false, base: down === '', selected: false, ...extra[id!] };
  });
  const parents = new Set(list.flatMap((r) => r.downRevisions));
  return list.map((r) => ({ ...r, head: extra[r.revision]?.head ?? !parents.has(r.revision) }));
}

const shape = (m: ReturnType<typeof drawingModel>) => ({
  nodes: m.nodes.map((n) => `${n.kind}:${n.revisions.join(',')}`),
  edges: m.edges.map((e) => `${m.nodes.find((n) => n.id === e.from)!.revisions[0]}->${m.nodes.find((n) => n.id === e.to)!.revisions[0]}${e.kind === 'depends' ? ' (depends)' : ''}`),
});

test('a linear run between two marked revisions becomes one node, oldest first', () => {
  const m = drawingModel(revs('f:e e:d d:c c:b b:a a'));
  assert.deepEqual(shape(m), { nodes: ['revision:f', 'run:b,c,d,e', 'revision:a'], edges: ['b->f', 'a->b'] });
});

test('branch points, merge points, labels, --since and depends_on break runs; short runs stay revisions', () => {
  const m = drawingModel(revs('m:d,y d:c y:x x:c c:b b:a a', { b: { selected: true } }));
  assert.deepEqual(shape(m).nodes, ['revision:m', 'revision:d', 'revision:y', 'revision:x', 'revision:c', 'revision:b', 'revision:a']);
  assert.deepEqual(shape(m).edges.sort(), ['a->b', 'b->c', 'c->d', 'c->x', 'd->m', 'x->y', 'y->m']);
  const labelled = drawingModel(revs('e:d d:c c:b b:a a', { c: { branchLabels: ['billing'] } }));
  assert.deepEqual(shape(labelled).nodes, ['revision:e', 'revision:d', 'revision:c', 'revision:b', 'revision:a']);
  const depends = drawingModel(revs('f:e e:d d:c c:b b:a a', { e: { dependsOn: ['b'] } }));
  assert.deepEqual(shape(depends).nodes, ['revision:f', 'revision:e', 'revision:d', 'revision:c', 'revision:b', 'revision:a']);
  assert.ok(shape(depends).edges.includes('b->e (depends)'));
  assert.deepEqual(shape(drawingModel(revs('f:e e:d d:c c:b b:a a'), { minRun: 5 })).nodes.length, 6);
});

test('a down_revision that no file declares is drawn as a missing node', () => {
  const m = drawingModel(revs('b:a a:gone'));
  assert.deepEqual(shape(m), { nodes: ['revision:b', 'revision:a', 'missing:gone'], edges: ['a->b', 'gone->a'] });
});

test('a check\'s outcome at a revision: its findings there, else its status', () => {
  const outcome = revisionOutcomes(
    [
      { id: 'static', status: 'passed', message: '', durationMs: 1 },
      { id: 'upgrade', status: 'passed', message: 'upgrade heads', durationMs: 1 },
      { id: 'up-down', status: 'failed', message: 'failed at 0002', durationMs: 1 },
      { id: 'model-drift', status: 'skipped', message: 'no target_metadata', durationMs: 0 },
    ],
    [
      { rule: 'downgrade-failed', severity: 'error', message: 'downgrade of 0002 fails', revision: '0002' },
      { rule: 'upgrade-failed', severity: 'error', message: 'upgrade of 0003 fails in the walk', revision: '0003' },
      { rule: 'irreversible-downgrade', severity: 'info', message: 'irreversible', revision: '0001' },
    ],
    { upgrade: ['upgrade-failed'], 'up-down': ['upgrade-failed', 'downgrade-failed', 'irreversible-downgrade'], 'model-drift': ['model-drift'] },
  );
  const at = (rev: string) => Object.fromEntries(outcome(rev).map((o) => [o.check, o.status]));
  assert.deepEqual(at('0002'), { upgrade: 'passed', 'up-down': 'failed', 'model-drift': 'skipped' });
  assert.deepEqual(at('0003'), { upgrade: 'passed', 'up-down': 'failed', 'model-drift': 'skipped' }, 'upgrade-failed is the walk\'s when upgrade passed');
  assert.deepEqual(at('0001'), { upgrade: 'passed', 'up-down': 'info', 'model-drift': 'skipped' });
  assert.deepEqual(at('0004'), { upgrade: 'passed', 'up-down': 'elsewhere', 'model-drift': 'skipped' });
});

const report: Report = {
  tool: { name: 'alembic-guard', version: '9.9.9' },
  project: { root: '/w/shop', config: 'alembic.ini', versionLocations: ['migrations/versions'] },
  findings: [{ rule: 'ban-drop-column', severity: 'warning', message: 'drop </script><script>x()</script>', file: 'versions/b.py', line: 3, revision: 'b' }],
  checks: [{ id: 'static', status: 'passed', message: '2 revisions', durationMs: 5 }],
  summary: { errors: 0, warnings: 1, infos: 0 },
  revisions: revs('b:a a'),
};

test('the JSON report does not change with the HTML report\'s data', () => {
  const { revisions: _r, ...plain } = report;
  const withHtmlData: Report = { ...report, checkRules: { upgrade: ['upgrade-failed'] } };
  assert.equal(jsonReporter(withHtmlData, { color: false }), jsonReporter(plain, { color: false }));
});

test('the page: one file, a policy that allows only its own script and style and no fetch, text escaped', () => {
  const html = htmlReporter(report, { color: false });
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
  const sha = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
  assert.ok(csp.startsWith("default-src 'none';"), csp);
  assert.ok(csp.includes(`script-src ${sha(script)}`) && csp.includes(`style-src ${sha(style)}`), 'the inline script and style are allowed by their hashes');
  assert.doesNotMatch(html, /<link\b|\bsrc=|@import|url\((?!#)/, 'nothing to load');
  assert.equal(html.match(/<script\b/g)?.length, 2);
  assert.ok(html.includes('drop \\u003c/script>\\u003cscript>x()\\u003c/script>'), 'the data block cannot be closed from inside');
  assert.match(html, /<a class="mono" href="#rule-ban-drop-column">ban-drop-column<\/a>/);
  assert.match(html, /<details class="rule-doc" id="rule-ban-drop-column">/);
});

test('--output report.html writes HTML', () => {
  assert.deepEqual(outputTargets(['report.html', 'r.htm'], undefined), [{ file: 'report.html', format: 'html' }, { file: 'r.htm', format: 'html' }]);
});
