/** `npm run docs`: writes docs/rules/<id>.md and docs/rules/README.md from the rule files. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rules } from './index.js';
import { renderRuleDoc, renderRuleIndex } from './docs.js';

const dir = process.argv[2] ?? 'docs/rules';
mkdirSync(dir, { recursive: true });
const wanted = new Set(rules.map((r) => `${r.id}.md`).concat('README.md'));
for (const f of readdirSync(dir)) if (f.endsWith('.md') && !wanted.has(f)) rmSync(join(dir, f));
for (const rule of rules) writeFileSync(join(dir, `${rule.id}.md`), renderRuleDoc(rule));
writeFileSync(join(dir, 'README.md'), renderRuleIndex(rules));
