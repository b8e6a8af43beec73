/**
 * Doc examples are tests: each shape rule's `example` must trigger it and `useInstead` must not.
 * Examples are whole modules (`# file: versions/<name>.py` names the file where the name matters).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rule } from '../../src/rules/define.js';
import { rule as unparseable } from '../../src/rules/unparseable-migration.js';
import { rule as missingDocstring } from '../../src/rules/missing-docstring.js';
import { rule as missingUpgrade } from '../../src/rules/missing-upgrade.js';
import { rule as missingDowngrade } from '../../src/rules/missing-downgrade.js';
import { rule as emptyDowngrade } from '../../src/rules/empty-downgrade.js';
import { rule as filenameMismatch } from '../../src/rules/filename-mismatch.js';
import { rule as invalidRevisionId } from '../../src/rules/invalid-revision-id.js';
import { exampleFiles, runRule } from './shape-helpers.js';

const rules: Rule[] = [unparseable, missingDocstring, missingUpgrade, missingDowngrade, emptyDowngrade, filenameMismatch, invalidRevisionId];

for (const rule of rules) {
  test(`${rule.id}: the docs example triggers the rule, "use instead" does not`, () => {
    const bad = runRule(rule, exampleFiles(rule.docs.example));
    assert.ok(bad.length > 0, 'the example reports nothing');
    assert.ok(bad.every((f) => f.severity !== 'info'), 'the example shows the rule at its own severity');
    const good = exampleFiles(rule.docs.useInstead);
    assert.deepEqual(good.flatMap((f) => f.problems), [], 'useInstead parses cleanly');
    assert.deepEqual(runRule(rule, good), []);
  });
  test(`${rule.id}: defined as a shape (or meta) rule with full docs`, () => {
    assert.equal(rule.category, rule.id === 'unparseable-migration' ? 'meta' : 'shape');
    for (const k of ['whatItDoes', 'whyIsThisBad', 'example', 'useInstead'] as const) assert.ok(rule.docs[k].length > 40, k);
  });
}
