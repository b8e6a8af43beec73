/**
 * The rule docs are generated from the rule files: the committed pages must match, the registry
 * must list every rule file, and each rule's id must match its file name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { repoRoot } from '../helpers/paths.js';
import { rules } from '../../src/rules/index.js';
import { renderRuleDoc, renderRuleIndex } from '../../src/rules/docs.js';

test('the rule registry lists every rule file (scripts/gen-rules.mjs --check)', () => {
  execFileSync(process.execPath, ['scripts/gen-rules.mjs', '--check'], { cwd: repoRoot, stdio: 'pipe' });
});

test('each rule lives in the file named after its id', () => {
  const files = readdirSync(join(repoRoot, 'src', 'rules')).filter((f) => f.endsWith('.ts'));
  for (const rule of rules) assert.ok(files.includes(`${rule.id}.ts`), `${rule.id} should be in src/rules/${rule.id}.ts`);
});

test('every docs page is current (run `npm run docs` to regenerate)', () => {
  for (const rule of rules) {
    const path = join(repoRoot, 'docs', 'rules', `${rule.id}.md`);
    assert.ok(existsSync(path), `docs/rules/${rule.id}.md is missing`);
    assert.equal(readFileSync(path, 'utf8'), renderRuleDoc(rule), `docs/rules/${rule.id}.md is stale`);
  }
  assert.equal(readFileSync(join(repoRoot, 'docs', 'rules', 'README.md'), 'utf8'), renderRuleIndex(rules));
  const pages = readdirSync(join(repoRoot, 'docs', 'rules')).filter((f) => f !== 'README.md');
  const ids = new Set(rules.map((r) => `${r.id}.md`));
  for (const p of pages) assert.ok(ids.has(p), `docs/rules/${p} has no rule`);
});

test('every rule has all documentation headings filled in', () => {
  for (const rule of rules) {
    for (const field of ['whatItDoes', 'whyIsThisBad', 'example', 'useInstead'] as const) {
      assert.ok(rule.docs[field].trim().length > 20, `${rule.id}: docs.${field} is too short`);
    }
  }
});
