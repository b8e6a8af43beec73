/**
 * Headless Chromium for the tests that open a report: Debian's chromium package (/usr/bin/chromium,
 * or $CHROMIUM_PATH), driven by playwright-core. `.ci/run` installs the package.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './paths.js';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the browser tests leave what a person may want to look at (screenshots, numbers). */
export const testOutputDir = join(repoRoot, 'test-output', 'html-report');

export function outputPath(name: string): string {
  mkdirSync(testOutputDir, { recursive: true });
  return join(testOutputDir, name);
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no browser at ${chromiumPath}: install Debian's chromium package (apt-get install chromium), or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    // playwright-core gives every launch a fresh, temporary profile.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

export interface OpenedReport {
  page: Page;
  /** Every request the page made other than the report file itself. */
  otherRequests: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
}

/** Opens a report file from disk and waits for its script to finish (html[data-ready]). */
export async function openReport(browser: Browser, file: string, viewport = { width: 1400, height: 900 }): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport });
  const url = pathToFileURL(file).href;
  const otherRequests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => {
    if (r.url() !== url) otherRequests.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('html[data-ready]', { timeout: 30_000 });
  return { page, otherRequests, errors };
}

/** A scratch folder for generated reports and projects, removed by the returned function. */
export function scratch(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
