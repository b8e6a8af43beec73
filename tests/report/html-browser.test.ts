/**
 * The HTML report in a real browser (headless Chromium): fixture projects rendered through
 * `check --output html:FILE`, opened from disk. The graph has a node per revision (or per
 * collapsed run) and an edge per down revision, a click opens the revision's panel, the filter hides
 * findings, text stays text, and the page fetches nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { fixturesDir, venvPython } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { launchBrowser, openReport, outputPath, scratch } from '../helpers/browser.js';
import { migrationModule } from '../../bench/generate.js';
import { loadProject } from '../../src/project/discover.js';
import { runCheck } from '../../src/engine/check.js';
import { htmlReporter } from '../../src/report/html/index.js';
import type { TraceReport } from '../../src/checks/trace.js';
import { sourceLineReader } from '../../src/cli/shared.js';
import { copyFixture, git, gitInit } from '../workflow/helpers.js';

let browser: Browser;
const work = scratch('alembic-guard-html-');
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  work.remove();
});

/** `check --output html:FILE` in a project folder; returns the file and the graph as `graph --format json` sees it. */
type GraphJson = { revision: string; file: string; downRevisions: string[] }[];

async function render(dir: string, name: string, args: string[] = ['--static']): Promise<{ file: string; graph: GraphJson }> {
  const file = join(work.dir, `${name}.html`);
  const r = await runCli(['check', ...args, '--no-cache', '--output', `html:${file}`], dir);
  assert.notEqual(r.code, 2, r.stderr);
  const g = await runCli(['graph', '--format', 'json', '--no-cache'], dir);
  assert.equal(g.code, 0, g.stderr);
  return { file, graph: (JSON.parse(g.stdout) as { revisions: GraphJson }).revisions };
}

interface Shape {
  nodes: { id: string; kind: string; revisions: string[]; text: string; classes: string }[];
  edges: { from: string; to: string; kind: string }[];
}

async function graphShape(page: Page): Promise<Shape> {
  return page.evaluate(() => ({
    nodes: [...document.querySelectorAll<SVGGElement>('#graph .node')].map((g) => ({
      id: g.dataset.node!,
      kind: g.dataset.kind!,
      revisions: g.dataset.revisions!.split(' '),
      text: g.textContent ?? '',
      classes: g.getAttribute('class') ?? '',
    })),
    edges: [...document.querySelectorAll<SVGPathElement>('#graph path.edge')].map((p) => ({
      from: p.dataset.from!,
      to: p.dataset.to!,
      kind: p.classList.contains('down') ? 'down' : 'depends',
    })),
  }));
}

/**
 * Every revision is on exactly one node; a collapsed run says how many it holds; each down revision
 * is either the step inside a run or exactly one edge between the two nodes, and there are no others.
 */
function assertShapeMatches(shape: Shape, graph: { revision: string; downRevisions: string[] }[]): void {
  const shown = shape.nodes.filter((n) => n.kind !== 'missing').flatMap((n) => n.revisions);
  assert.deepEqual([...shown].sort(), graph.map((r) => r.revision).sort(), 'one node per revision (or per run)');
  const nodeOf = new Map<string, Shape['nodes'][number]>();
  for (const n of shape.nodes) for (const r of n.revisions) nodeOf.set(r, n);
  for (const n of shape.nodes.filter((x) => x.kind === 'run')) {
    assert.ok(n.revisions.length >= 2, 'a run holds several revisions');
    assert.match(n.text, new RegExp(`^${n.revisions.length} revisions`), 'a run shows its count');
  }
  const expected: string[] = [];
  for (const r of graph) {
    for (const p of new Set(r.downRevisions)) {
      const from = nodeOf.get(p)!;
      const to = nodeOf.get(r.revision)!;
      if (from === to) {
        assert.equal(to.kind, 'run');
        assert.equal(to.revisions.indexOf(p) + 1, to.revisions.indexOf(r.revision), `${p} -> ${r.revision} is a step inside the run`);
      } else expected.push(`${from.id}->${to.id}`);
    }
  }
  const drawn = shape.edges.filter((e) => e.kind === 'down').map((e) => `${e.from}->${e.to}`);
  assert.deepEqual(drawn.sort(), expected.sort(), 'an edge per down revision between nodes');
}

async function panelText(page: Page): Promise<string> {
  await page.waitForSelector('#panel:not([hidden])');
  return (await page.textContent('#panel-body')) ?? '';
}

test('graph-branch-merge: a node per revision, an edge per down revision, heads and merge points marked, a click opens the panel', async () => {
  const { file, graph } = await render(join(fixturesDir, 'graph-branch-merge'), 'graph-branch-merge');
  const { page, otherRequests, errors } = await openReport(browser, file);
  const shape = await graphShape(page);
  assert.equal(shape.nodes.length, 12);
  assert.equal(shape.edges.filter((e) => e.kind === 'down').length, 14);
  assertShapeMatches(shape, graph);
  const head = shape.nodes.find((n) => n.revisions[0] === '95f8aa693680')!;
  assert.match(head.classes, /\bhead\b/);
  assert.match(head.text, /HEAD/);
  assert.match(shape.nodes.find((n) => n.revisions[0] === '6340b20316c7')!.classes, /\bbase\b/);
  assert.match(shape.nodes.find((n) => n.revisions[0] === '89e350477b42')!.text, /MERGE/);
  assert.match(shape.nodes.find((n) => n.revisions[0] === 'e6412b77db38')!.text, /BRANCH/);

  assert.equal(await page.isHidden('#panel'), true);
  await page.click('[data-revisions="89e350477b42"]');
  const text = await panelText(page);
  assert.match(text, /Revision 89e350477b42/);
  assert.match(text, /merge refunds coupons reviews/);
  assert.match(text, /migrations\/versions\/89e350477b42_merge_refunds_coupons_reviews\.py/);
  for (const parent of ['7159ad1640b2', '8f8d677ecd4c', '7f2a21526ec1']) assert.ok(await page.isVisible(`#panel a[href="#rev=${parent}"]`), `down revision ${parent} links to its panel`);
  // A down revision's link opens that revision.
  await page.click('#panel a[href="#rev=7159ad1640b2"]');
  await page.waitForFunction(() => document.querySelector('#panel-body h2')?.textContent?.includes('7159ad1640b2'));
  assert.match(await page.getAttribute('[data-revisions="7159ad1640b2"]', 'class') ?? '', /\bcurrent\b/);
  await page.screenshot({ path: outputPath('graph-branch-merge.png') });
  assert.deepEqual(otherRequests, [], 'nothing but the file itself is loaded');
  assert.deepEqual(errors, []);
  await page.close();
});

test('zoom and pan move the graph', async () => {
  const { file } = await render(join(fixturesDir, 'graph-branch-merge'), 'zoom');
  const { page } = await openReport(browser, file);
  const transform = () => page.getAttribute('#viewport', 'transform');
  const before = await transform();
  await page.click('#zoom-in');
  const zoomed = await transform();
  assert.notEqual(zoomed, before);
  const scaleOf = (t: string | null) => Number(/scale\(([\d.]+)\)/.exec(t ?? '')![1]);
  assert.ok(scaleOf(zoomed) > scaleOf(before));
  const box = (await page.locator('#graph').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 20);
  await page.mouse.wheel(0, 400);
  assert.ok(scaleOf(await transform()) < scaleOf(zoomed), 'the wheel zooms out');
  const panStart = await transform();
  await page.mouse.move(box.x + 30, box.y + box.height - 60);
  await page.mouse.down();
  await page.mouse.move(box.x + 130, box.y + box.height - 160, { steps: 5 });
  await page.mouse.up();
  const translate = (t: string | null) => /translate\(([-\d.]+) ([-\d.]+)\)/.exec(t ?? '')!.slice(1).map(Number);
  const [x0, y0] = translate(panStart);
  const [x1, y1] = translate(await transform());
  assert.ok(Math.abs(x1! - x0! - 100) < 2 && Math.abs(y1! - y0! + 100) < 2, 'a drag pans by the distance dragged');
  assert.equal(await page.isHidden('#panel'), true, 'a drag is not a click');
  await page.close();
});

test('graph-long-chain: linear runs collapse into one node with its count; the run lists its revisions', async () => {
  const { file, graph } = await render(join(fixturesDir, 'graph-long-chain'), 'graph-long-chain');
  const { page, otherRequests } = await openReport(browser, file);
  const shape = await graphShape(page);
  assertShapeMatches(shape, graph);
  const runs = shape.nodes.filter((n) => n.kind === 'run');
  assert.ok(runs.length > 10 && shape.nodes.length < graph.length / 2, `runs collapse (${shape.nodes.length} nodes for ${graph.length} revisions)`);
  const run = runs[0]!;
  await page.click(`[data-node="${run.id}"]`);
  const text = await panelText(page);
  assert.match(text, new RegExp(`${run.revisions.length} revisions in a line`));
  assert.equal(await page.locator('#panel .runlist li').count(), run.revisions.length);
  const member = run.revisions[1]!;
  await page.click(`#panel .runlist a[href="#rev=${member}"]`);
  await page.waitForFunction((rev) => document.querySelector('#panel-body h2')?.textContent?.includes(rev), member);
  assert.deepEqual(otherRequests, []);
  await page.close();
});

test('--since: the revisions the branch adds or changes are ringed and never folded into a run', async () => {
  const dir = copyFixture('graph-long-chain', join(work.dir, 'since-project'));
  gitInit(dir);
  const before = await render(dir, 'since-before');
  const { page: first } = await openReport(browser, before.file);
  const run = (await graphShape(first)).nodes.find((n) => n.kind === 'run' && n.revisions.length >= 3)!;
  await first.close();
  const changed = run.revisions[1]!;
  const head = before.graph[0]!.revision;
  git(dir, 'checkout', '-q', '-b', 'feature');
  const versions = join(dir, 'migrations', 'versions');
  appendFileSync(join(dir, before.graph.find((r) => r.revision === changed)!.file), '# edited on the branch\n');
  writeFileSync(join(versions, 'ffff00000001_add_flag.py'), migrationModule('ffff00000001', [head], 'add flag', '    op.add_column("t", sa.Column("flag", sa.Boolean(), nullable=True))', '    op.drop_column("t", "flag")'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'branch work');
  const { file: report, graph } = await render(dir, 'since-after', ['--static', '--since', 'main']);
  const { page, otherRequests } = await openReport(browser, report);
  const shape = await graphShape(page);
  assertShapeMatches(shape, graph);
  const selected = shape.nodes.filter((n) => /\bselected\b/.test(n.classes));
  assert.deepEqual(selected.map((n) => n.revisions).sort(), [[changed], ['ffff00000001']].sort());
  for (const n of selected) {
    assert.equal(n.kind, 'revision');
    assert.match(n.text, /SINCE/);
  }
  await page.click(`[data-revisions="${changed}"]`);
  assert.match(await panelText(page), /changed \(--since\)[\s\S]*modified-migration/);
  assert.deepEqual(otherRequests, []);
  await page.close();
});

test('findings: coloured by worst severity, listed with their source lines; the filter by rule and severity hides them', async () => {
  const { file } = await render(join(fixturesDir, 'ops-sql-execute'), 'ops-sql-execute');
  const { page, otherRequests, errors } = await openReport(browser, file);
  assert.match((await page.getAttribute('[data-revisions="0002"]', 'class')) ?? '', /\bsev-error\b/);
  assert.doesNotMatch((await page.getAttribute('[data-revisions="0001"]', 'class')) ?? '', /\bsev-/);
  const visible = (where: string) => page.locator(`${where} .finding:visible`).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.rule));
  assert.deepEqual((await visible('#findings-list')).sort(), ['adding-field-with-default', 'ban-truncate-cascade', 'require-concurrent-index-creation', 'unanalyzable-operation']);
  assert.match((await page.textContent('#findings-list')) ?? '', /op\.execute\("CREATE INDEX ix_users_email ON users \(email\)"\)/, 'the source line is shown');
  assert.equal(await page.getAttribute('#rules-table a[href="#rule-ban-truncate-cascade"]', 'href'), '#rule-ban-truncate-cascade');
  assert.equal(await page.locator('#rule-ban-truncate-cascade').count(), 1, 'each rule links to its docs page in the report');

  await page.uncheck('#rules-table input[value="ban-truncate-cascade"]');
  assert.deepEqual((await visible('#findings-list')).sort(), ['adding-field-with-default', 'require-concurrent-index-creation', 'unanalyzable-operation']);
  await page.uncheck('#severity-filter input[value="info"]');
  assert.deepEqual((await visible('#findings-list')).sort(), ['adding-field-with-default', 'require-concurrent-index-creation']);
  assert.equal(await page.textContent('#filter-note'), 'showing 2 of 4 findings');
  // The revision's panel applies the same filter.
  await page.click('[data-revisions="0002"]');
  await panelText(page);
  assert.deepEqual((await visible('#panel')).sort(), ['adding-field-with-default', 'require-concurrent-index-creation']);
  await page.check('#rules-table input[value="ban-truncate-cascade"]');
  assert.deepEqual((await visible('#panel')).sort(), ['adding-field-with-default', 'ban-truncate-cascade', 'require-concurrent-index-creation']);
  await page.screenshot({ path: outputPath('findings.png') });
  // A rule link opens its docs.
  await page.click('#panel a[href="#rule-ban-truncate-cascade"]');
  await page.waitForFunction(() => (document.getElementById('rule-ban-truncate-cascade') as HTMLDetailsElement).open);
  assert.deepEqual(otherRequests, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('text from migrations stays text: <script> in a message and markup in a finding run nothing and load nothing', async () => {
  const dir = join(work.dir, 'script-project');
  const versions = join(dir, 'migrations', 'versions');
  mkdirSync(versions, { recursive: true });
  writeFileSync(join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/migrations\npath_separator = os\nsqlalchemy.url = postgresql://app@localhost/app\n');
  writeFileSync(join(dir, 'migrations', 'env.py'), '');
  writeFileSync(join(versions, '0001_users.py'), migrationModule('0001', null, 'create users', '    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("legacy", sa.Text()))', '    op.drop_table("users")'));
  const evil = '<script>window.__pwned = 1</script> drop <b>legacy</b>';
  writeFileSync(join(versions, '0002_drop.py'), migrationModule('0002', ['0001'], evil, '    op.drop_column("users", "<img src=x onerror=window.__pwned=2>")', '    pass'));
  const { file } = await render(dir, 'script');
  const html = readFileSync(file, 'utf8');
  assert.equal(html.match(/<script\b/g)?.length, 2, 'only the page\'s own two script elements');
  const { page, otherRequests, errors } = await openReport(browser, file);
  await page.click('[data-revisions="0002"]');
  const text = await panelText(page);
  assert.ok(text.includes(evil), 'the message is shown as written');
  assert.ok(text.includes('<img src=x onerror=window.__pwned=2>'), 'the finding is shown as written');
  assert.ok(((await page.textContent('[data-revisions="0002"] title')) ?? '').includes(evil));
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(await page.locator('img, b').count(), 0, 'no element came from the text');
  assert.deepEqual(otherRequests, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a lock trace on the report is a table in its revision\'s panel', async () => {
  // A trace as the JSON report carries it, made up for ops-sql-execute in the shapes a real one has:
  // the index build takes SHARE on users (confirming the static finding); the ALTER and TRUNCATE
  // ran in an autocommit block, where no lock outlives the statement and no rewrite is seen.
  const dir = join(fixturesDir, 'ops-sql-execute');
  const { report } = await runCheck(loadProject({ cwd: dir, env: {} }), { static: true, cache: false, revisions: true });
  const trace: TraceReport = {
    server: 'PostgreSQL 18.1',
    serverVersionNum: 180001,
    rowsPerTable: 3,
    revisions: [
      {
        revision: '0002',
        file: 'migrations/versions/0002_raw_sql.py',
        statements: [
          {
            sql: 'CREATE INDEX ix_users_email ON users (email)',
            line: 23,
            function: 'upgrade',
            durationMs: 12,
            transaction: 0,
            locks: [{ relation: 'users', mode: 'SHARE', blocks: 'writes', preexisting: true, heldMs: 12, heldUntilStatement: 0 }],
            rewrites: [],
          },
          { sql: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid(); TRUNCATE TABLE users CASCADE;', line: 24, function: 'upgrade', durationMs: 1400, transaction: 1, autocommit: true, locks: [], rewrites: [] },
        ],
        seeded: [{ table: 'users', rows: 3 }],
        skipped: [{ table: 'audit', reason: 'cannot make a value for column span (int4range)' }],
        confirmed: [{ rule: 'require-concurrent-index-creation', line: 23 }],
        notObserved: [
          { rule: 'adding-field-with-default', line: 24, reason: 'no table or index was rewritten on PostgreSQL 18.1' },
          { rule: 'ban-truncate-cascade', line: 24, reason: 'it ran in an autocommit block (its locks last only while it runs)' },
        ],
        traceOnly: [],
      },
    ],
  };
  const file = join(work.dir, 'trace.html');
  writeFileSync(file, htmlReporter({ ...report, trace }, { color: false, sourceLine: sourceLineReader(report.project.root) }));
  const { page, otherRequests } = await openReport(browser, file);
  assert.match((await page.textContent('#side')) ?? '', /Lock trace\s*PostgreSQL 18\.1/);
  await page.click('[data-revisions="0001"]');
  await panelText(page);
  assert.equal(await page.locator('#panel table.trace').count(), 0, 'no trace, no table');
  await page.click('[data-revisions="0002"]');
  await page.waitForSelector('#panel table.trace');
  const rows = await page.locator('#panel table.trace tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  assert.deepEqual(rows, [
    ['1', 'CREATE INDEX ix_users_email ON users (email)', '23', '12 ms', 'SHARE on users (held 12 ms)', ''],
    ['2', 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid(); TRUNCATE TABLE users CASCADE;', '24', '1.40 s', '', ''],
  ]);
  const text = await panelText(page);
  assert.match(text, /Seeded: users \(3 rows\)/);
  assert.match(text, /Not seeded: audit \(cannot make a value for column span \(int4range\)\)/);
  assert.match(text, /Confirmed by the trace: require-concurrent-index-creation \(line 23\)/);
  assert.match(text, /Not observed: adding-field-with-default \(line 24\): no table or index was rewritten on PostgreSQL 18\.1; ban-truncate-cascade \(line 24\): it ran in an autocommit block/);
  assert.doesNotMatch(text, /Found only by the trace/);
  assert.deepEqual(otherRequests, []);
  await page.close();
});

test('a real lock trace (runtime-trace on the embedded PostgreSQL): what only the trace found, in the panel of its revision', async () => {
  const { file } = await render(join(fixturesDir, 'runtime-trace'), 'runtime-trace', ['--python', venvPython]);
  const { page, otherRequests, errors } = await openReport(browser, file);
  assert.match((await page.textContent('#side')) ?? '', /Lock trace\s*PostgreSQL \d+\.\d+/);
  // twelve revisions in a line fold into one node: open them through their links
  const open = async (rev: string): Promise<void> => {
    await page.evaluate((r) => (location.hash = `#rev=${r}`), rev);
    await page.waitForFunction((r) => document.querySelector('#panel-body')?.textContent?.includes(`Revision ${r}`) === true || document.querySelector('#panel-body')?.textContent?.includes(r) === true, rev);
    await page.waitForSelector('#panel table.trace');
  };
  await open('0002');
  // the index built through op.get_bind() in a helper function: SHARE on orders, at the helper's line
  const rows = await page.locator('#panel table.trace tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  const index = rows.find((r) => r[1]!.startsWith('CREATE INDEX ix_orders_customer_id'));
  assert.ok(index !== undefined, JSON.stringify(rows));
  assert.equal(index[2], '19');
  assert.match(index[4]!, /SHARE on orders/);
  const text = await panelText(page);
  assert.match(text, /Found only by the trace: blocking-lock-observed \(line 19\)/);
  assert.match(text, /blocking-lock-observed/);
  await open('0003');
  assert.match(await panelText(page), /Confirmed by the trace: changing-column-type \(line 18\)/);
  await page.locator('#panel table.trace').scrollIntoViewIfNeeded();
  await page.screenshot({ path: outputPath('lock-trace.png') });
  assert.deepEqual(otherRequests, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('after the database checks: every revision shows its offline SQL, highlighted, each check\'s outcome there and its lock trace', async () => {
  const { file } = await render(join(fixturesDir, 'runtime-downgrade-fails'), 'runtime', ['--python', venvPython]);
  const { page, otherRequests, errors } = await openReport(browser, file);
  for (const rev of ['0001', '0002']) {
    await page.click(`[data-revisions="${rev}"]`);
    await page.waitForFunction((r) => document.querySelector('#panel-body h2')?.textContent?.includes(r), rev);
    const sql = (await page.textContent('#panel pre.sql')) ?? '';
    assert.match(sql, /CREATE TABLE (customers|orders)/);
    assert.ok((await page.locator('#panel pre.sql span.k').count()) > 3, 'keywords are highlighted');
    const outcomes = Object.fromEntries(
      await page.locator('#panel table.checks tr').evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent])),
    ) as Record<string, string>;
    // One row per database check the run lists in the sidebar (every check but the static pass).
    const databaseChecks = await page.locator('#checks-table tbody tr td:first-child').evaluateAll((tds) => tds.map((td) => td.textContent!).filter((id) => id !== 'static'));
    assert.ok(databaseChecks.includes('up-down') && databaseChecks.includes('trace'), databaseChecks.join(', '));
    assert.deepEqual(Object.keys(outcomes).sort(), [...databaseChecks].sort());
    assert.equal(outcomes['upgrade'], 'passed');
    assert.equal(outcomes['up-down'], rev === '0002' ? 'failed' : 'no finding here');
    // The lock trace the database checks recorded: the revision's statements with their locks.
    const traced = await page.locator('#panel table.trace tbody tr').evaluateAll((trs) => trs.map((tr) => tr.children[1]!.textContent ?? ''));
    assert.ok(traced.some((sql) => /CREATE TABLE (customers|orders)/.test(sql)), traced.join('\n'));
  }
  await page.screenshot({ path: outputPath('runtime.png') });
  assert.deepEqual(otherRequests, []);
  assert.deepEqual(errors, []);
  await page.close();
});
