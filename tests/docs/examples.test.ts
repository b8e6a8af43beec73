/**
 * Doc examples are tests: every rule's Example must trigger it, every Use instead must not.
 * Rules without a static check (database checks, unused-ignore) are produced by the engine or the
 * runtime and are exercised by their own tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rules } from '../../src/rules/index.js';
import { runRuleOnSnippet } from '../helpers/snippet.js';

for (const rule of rules) {
  if (rule.check === undefined) continue;
  test(`${rule.id}: the docs Example triggers the rule`, async () => {
    const findings = await runRuleOnSnippet(rule, rule.docs.example);
    assert.ok(findings.some((f) => f.rule === rule.id), `docs.example of ${rule.id} reports nothing`);
  });
  test(`${rule.id}: the docs Use instead does not trigger the rule`, async () => {
    const findings = await runRuleOnSnippet(rule, rule.docs.useInstead);
    assert.deepEqual(findings.map((f) => `${f.line}: ${f.message}`), [], `docs.useInstead of ${rule.id} reports`);
  });
}
