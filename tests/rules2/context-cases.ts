/**
 * Cases that need more context than the RuleTester gives (env.py, the project's own module names,
 * several revision files): run through tests/helpers/snippet.ts, which builds the same RuleContext
 * the engine does, with the real parser, graph and ops stage. Lines are the module's own lines
 * (snippets here are whole modules, or several introduced by `# file: versions/<name>.py`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rule } from '../../src/rules/define.js';
import { runRuleOnSnippet, type SnippetOptions } from '../helpers/snippet.js';

export interface ContextCase extends SnippetOptions {
  name: string;
  code: string;
  /** Expected findings: file name (in versions/), line, column, and optional message / severity checks. */
  errors: { file?: string; line: number; column?: number; message?: string | RegExp; severity?: string }[];
}

export function contextCases(rule: Rule, cases: ContextCase[]): void {
  for (const c of cases) {
    test(`${rule.id} (context): ${c.name}`, async () => {
      const findings = await runRuleOnSnippet(rule, c.code, c);
      const got = [...findings].sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
      const show = got.map((f) => `  ${f.file}:${f.line}:${f.column} [${f.severity}] ${f.message}`).join('\n') || '  (none)';
      assert.equal(got.length, c.errors.length, `expected ${c.errors.length} finding(s), got:\n${show}`);
      c.errors.forEach((e, k) => {
        const f = got[k]!;
        if (e.file !== undefined) assert.equal(f.file, `migrations/versions/${e.file}`, show);
        assert.equal(f.line, e.line, `finding ${k + 1} line:\n${show}`);
        if (e.column !== undefined) assert.equal(f.column, e.column, `finding ${k + 1} column:\n${show}`);
        if (e.message !== undefined) assert.ok(typeof e.message === 'string' ? f.message.includes(e.message) : e.message.test(f.message), `finding ${k + 1} message:\n${show}`);
        if (e.severity !== undefined) assert.equal(f.severity, e.severity, `finding ${k + 1} severity:\n${show}`);
      });
    });
  }
}
