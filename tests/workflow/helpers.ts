/** Shared by the workflow tests: fixture copies in temporary git repositories. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fixturesDir } from '../helpers/paths.js';

/** A copy of tests/fixtures/<name> in a new temporary folder (removed by `cleanup`). */
export function copyFixture(name: string, into?: string): string {
  const dir = into ?? mkdtempSync(join(tmpdir(), `ag-${name}-`));
  cpSync(join(fixturesDir, name), dir, { recursive: true, filter: (src) => !src.endsWith('expected.json') });
  return dir;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
}

/** `git init` on main, everything committed. */
export function gitInit(dir: string, message = 'initial'): void {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 't@example.com');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface JsonFinding {
  rule: string;
  severity: string;
  message: string;
  file: string | null;
  line: number | null;
  revision: string | null;
  fix?: string;
}

/** (rule, file, line) triples, sorted, for exact comparisons. */
export function triples(findings: JsonFinding[]): string[] {
  return findings.map((f) => `${f.rule} ${f.file ?? '-'}:${f.line ?? '-'}`).sort();
}
