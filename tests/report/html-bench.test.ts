/**
 * The HTML report at 3,000 revisions (bench/generate.ts: linear with a two-way branch every 50)
 * renders in the browser in under 2 s: first contentful paint and the script done (panels, filter,
 * zoom ready). The numbers, and those of a small fixture, go to test-output/html-report/bench.json.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { generateProject } from '../../bench/generate.js';
import { fixturesDir } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { launchBrowser, openReport, outputPath, scratch } from '../helpers/browser.js';

let browser: Browser;
const work = scratch('alembic-guard-html-bench-');
const numbers: Record<string, unknown> = {};
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  work.remove();
  writeFileSync(outputPath('bench.json'), JSON.stringify(numbers, null, 2) + '\n');
});

async function measure(name: string, dir: string, revisions: number) {
  const file = join(work.dir, `${name}.html`);
  const started = performance.now();
  const r = await runCli(['check', '--static', '--no-cache', '--output', `html:${file}`], dir);
  const generateMs = Math.round(performance.now() - started);
  assert.notEqual(r.code, 2, r.stderr);
  const { page, otherRequests, errors } = await openReport(browser, file);
  const timing = await page.evaluate(() => ({
    firstPaintMs: Math.round(performance.getEntriesByName('first-paint')[0]?.startTime ?? NaN),
    firstContentfulPaintMs: Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN),
    readyMs: Number(document.documentElement.dataset.ready),
    nodes: document.querySelectorAll('#graph .node').length,
    shown: [...document.querySelectorAll<SVGGElement>('#graph .node')].reduce((n, g) => n + g.dataset.revisions!.split(' ').length, 0),
  }));
  await page.screenshot({ path: outputPath(`${name}.png`) });
  await page.close();
  const result = { revisions, bytes: statSync(file).size, generateMs, ...timing };
  numbers[name] = result;
  assert.deepEqual(otherRequests, []);
  assert.deepEqual(errors, []);
  assert.equal(timing.shown, revisions, 'every revision is on a node');
  return result;
}

test('a 3,000-revision report: first paint and a ready page in under 2 s', async (t) => {
  const dir = join(work.dir, 'project-3000');
  generateProject(dir, 3000);
  const r = await measure('revisions-3000', dir, 3000);
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.nodes < 400, `linear runs collapse (${r.nodes} nodes)`);
  assert.ok(r.firstContentfulPaintMs < 2000, `first contentful paint ${r.firstContentfulPaintMs} ms`);
  assert.ok(r.readyMs < 2000, `script done at ${r.readyMs} ms`);
});

test('a small project (graph-branch-merge), for comparison', async (t) => {
  const r = await measure('graph-branch-merge', join(fixturesDir, 'graph-branch-merge'), 12);
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.readyMs < 2000);
});
