/**
 * A strict rule tester in the spirit of ESLint's RuleTester: static `valid` / `invalid` tables of
 * Alembic snippets, each registered as a node:test case. Snippets are parsed by the real source
 * parser, go through the real ops stage, and the rule's `check` runs on the result.
 *
 * A snippet is either a whole migration module (it contains `revision =`; line numbers are the
 * module's) or the body of `upgrade()` (indented or not; line and column are counted in the
 * snippet as written). An invalid case must report exactly the listed errors, in order; one that
 * reports nothing fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { FindingDraft, MigrationFile, Project } from '../../src/model.js';
import type { Rule, RuleContext } from '../../src/rules/define.js';
import { parseMigration } from '../../src/source/parse.js';
import { buildGraph } from '../../src/graph/graph.js';
import { buildOperations } from '../../src/ops/build.js';

export interface SnippetOptions {
  /** Dialect from sqlalchemy.url; default postgresql. `null`: not configured (PostgreSQL assumed). */
  dialect?: string | null;
  /** `[tool.alembic-guard] postgres_version`; default: the tool's default. */
  postgresVersion?: number;
  /**
   * Earlier revisions (whole modules or upgrade bodies), in order; the snippet's revision follows
   * the last. They are part of the history but not linted.
   */
  earlier?: string[];
  /** Honour `# alembic-guard: ignore[...]` comments (for docs examples). Default false. */
  applyIgnores?: boolean;
}

export interface ValidCase extends SnippetOptions {
  code: string;
  name?: string;
}

export interface ExpectedError {
  line: number;
  column?: number;
  /** Substring or pattern the message must match. */
  message?: string | RegExp;
  /** Substring or pattern the fix must match. */
  fix?: string | RegExp;
}

export interface InvalidCase extends SnippetOptions {
  code: string;
  name?: string;
  errors: ExpectedError[];
}

const HEADER = [
  '"""Rule tester snippet."""',
  'from alembic import op',
  'import sqlalchemy as sa',
  'from sqlalchemy.dialects import postgresql',
  '',
];

function dedent(code: string): { body: string[]; indent: number } {
  const lines = code.replace(/^\n+/, '').replace(/\s+$/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length);
  const indent = indents.length > 0 ? Math.min(...indents) : 0;
  return { body: lines.map((l) => l.slice(indent)), indent };
}

/** Wrap an upgrade() body into a module; returns the text and how to map file positions back. */
export function wrapSnippet(code: string, revision: string, down: string | null): { text: string; lineOffset: number; columnShift: number } {
  if (/^revision\s*(:\s*str\s*)?=/m.test(code)) return { text: code, lineOffset: 0, columnShift: 0 };
  const { body, indent } = dedent(code);
  const head = [
    ...HEADER,
    `revision = ${JSON.stringify(revision)}`,
    `down_revision = ${down === null ? 'None' : JSON.stringify(down)}`,
    'branch_labels = None',
    'depends_on = None',
    '',
    '',
    'def upgrade():',
  ];
  const text = [...head, ...body.map((l) => (l === '' ? '' : `    ${l}`)), '', '', 'def downgrade():', '    pass', ''].join('\n');
  return { text, lineOffset: head.length, columnShift: 4 - indent };
}

function parse(text: string, path: string): MigrationFile {
  const buf = Buffer.from(text, 'utf8');
  return parseMigration(buf, { path, absPath: `/rule-tester/${path}` }, createHash('sha1').update(buf).digest('hex'));
}

export interface SnippetResult {
  findings: FindingDraft[];
  /** The snippet's own file, parsed. */
  file: MigrationFile;
  lineOffset: number;
  columnShift: number;
}

/** Run one rule on a snippet (and its earlier revisions) the way the engine would. */
export async function runRuleOnSnippet(rule: Rule, code: string, options: SnippetOptions = {}): Promise<SnippetResult> {
  const files: MigrationFile[] = [];
  let down: string | null = null;
  (options.earlier ?? []).forEach((src, i) => {
    const rev = `e${String(i + 1).padStart(3, '0')}`;
    const w = wrapSnippet(src, rev, down);
    const f = parse(w.text, `migrations/versions/${rev}_earlier.py`);
    files.push(f);
    down = f.revision.value ?? rev;
  });
  const w = wrapSnippet(code, 'snippet', down);
  const file = parse(w.text, 'migrations/versions/snippet.py');
  files.push(file);
  for (const f of files) {
    if (f.problems.length > 0) throw new Error(`snippet does not parse: ${f.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('; ')}\n${w.text}`);
  }
  const dialect = options.dialect === undefined ? 'postgresql' : options.dialect;
  const project: Project = {
    root: '/rule-tester',
    configFiles: [],
    section: 'alembic',
    versionLocations: ['/rule-tester/migrations/versions'],
    recursiveVersionLocations: false,
    sourceless: false,
    fileTemplate: '%(rev)s_%(slug)s',
    prependSysPath: [],
    ...(dialect !== null ? { dialect } : {}),
    settings: {
      rules: {},
      skipRevisions: [],
      allowedHeads: [],
      versionLocations: [],
      ...(options.postgresVersion !== undefined ? { postgresVersion: options.postgresVersion } : {}),
    },
    warnings: [],
  };
  // As the engine does: the ops stage runs over the linted files only.
  const ops = await buildOperations({ project, files: [file] });
  const ctx: RuleContext = { project, files, graph: buildGraph(files), lintedFiles: [file], ops };
  const applies = rule.dialects === undefined || rule.dialects.includes(dialect ?? 'postgresql');
  let findings = applies && rule.check !== undefined ? rule.check(ctx) : [];
  if (options.applyIgnores) {
    findings = findings.filter((f) => {
      if (file.ignores.some((i) => i.file && (i.rules.length === 0 || i.rules.includes(rule.id)))) return false;
      return !file.ignores.some((i) => !i.file && (i.rules.length === 0 || i.rules.includes(rule.id)) && f.line !== undefined && (i.line === f.line || i.line === f.line - 1));
    });
  }
  return { findings, file, lineOffset: w.lineOffset, columnShift: w.columnShift };
}

function matches(actual: string | undefined, expected: string | RegExp): boolean {
  if (actual === undefined) return false;
  return typeof expected === 'string' ? actual.includes(expected) : expected.test(actual);
}

function label(code: string): string {
  const first = code.trim().split('\n')[0] ?? '';
  return first.length > 70 ? `${first.slice(0, 67)}...` : first;
}

function describeFindings(findings: FindingDraft[], lineOffset: number, columnShift: number): string {
  return findings.map((f) => `  ${(f.line ?? 0) - lineOffset}:${(f.column ?? 0) - columnShift} ${f.message}`).join('\n') || '  (none)';
}

/** Register the valid and invalid cases of one rule as node:test tests. */
export function ruleTester(rule: Rule, cases: { valid: (string | ValidCase)[]; invalid: InvalidCase[] }): void {
  cases.valid.forEach((c, i) => {
    const v: ValidCase = typeof c === 'string' ? { code: c } : c;
    test(`${rule.id} valid #${i + 1}: ${v.name ?? label(v.code)}`, async () => {
      const r = await runRuleOnSnippet(rule, v.code, v);
      assert.equal(r.findings.length, 0, `expected no findings, got:\n${describeFindings(r.findings, r.lineOffset, r.columnShift)}`);
    });
  });
  cases.invalid.forEach((c, i) => {
    test(`${rule.id} invalid #${i + 1}: ${c.name ?? label(c.code)}`, async () => {
      assert.ok(c.errors.length > 0, 'an invalid case must list at least one error');
      const r = await runRuleOnSnippet(rule, c.code, c);
      const got = [...r.findings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
      assert.equal(got.length, c.errors.length, `expected ${c.errors.length} finding(s), got:\n${describeFindings(got, r.lineOffset, r.columnShift)}`);
      c.errors.forEach((e, k) => {
        const f = got[k]!;
        const line = (f.line ?? 0) - r.lineOffset;
        const column = (f.column ?? 0) - r.columnShift;
        assert.equal(line, e.line, `finding ${k + 1}: line (message: ${f.message})`);
        if (e.column !== undefined) assert.equal(column, e.column, `finding ${k + 1}: column (message: ${f.message})`);
        if (e.message !== undefined) assert.ok(matches(f.message, e.message), `finding ${k + 1}: message ${JSON.stringify(f.message)} does not match ${String(e.message)}`);
        if (e.fix !== undefined) assert.ok(matches(f.fix, e.fix), `finding ${k + 1}: fix ${JSON.stringify(f.fix)} does not match ${String(e.fix)}`);
        assert.ok(f.message.length > 0, 'a finding needs a message');
        assert.equal(f.file, r.file.path);
        assert.equal(f.revision, r.file.revision.value ?? undefined);
      });
    });
  });
}
