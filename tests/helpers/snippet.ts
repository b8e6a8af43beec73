/**
 * Runs rules on Alembic snippets in memory, through the real parser, graph and ops stage. A snippet
 * is a whole module (contains `revision =`), several modules each introduced by
 * `# file: versions/<name>.py`, or only the body of upgrade(), which is wrapped into a one-revision
 * migration (revision "0002", a base) on PostgreSQL whose tables already exist.
 */
import { createHash } from 'node:crypto';
import type { Finding, MigrationFile, Project } from '../../src/model.js';
import type { Rule, RuleContext } from '../../src/rules/define.js';
import { parseMigration } from '../../src/source/parse.js';
import { buildGraph } from '../../src/graph/graph.js';
import { buildOperations } from '../../src/ops/build.js';
import { defaultSettings } from '../../src/project/settings.js';
import { applyIgnores, toFindings } from '../../src/engine/findings.js';

const ROOT = '/project';

function wrap(body: string): string {
  const lines = body.replace(/^\n+|\s+$/g, '').split('\n');
  const indented = lines.every((l) => l.trim() === '' || l.startsWith('    ')) ? lines : lines.map((l) => (l.trim() === '' ? l : `    ${l}`));
  return `"""example

Revision ID: 0002
Revises:
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
${indented.join('\n')}


def downgrade():
    pass
`;
}

/** Splits a snippet into (file name, module source) pairs. */
export function modulesOf(snippet: string): { name: string; source: string }[] {
  const lines = snippet.replace(/^\n+/, '').split('\n');
  const marks = lines.flatMap((l, i) => {
    const m = /^# file: (?:versions\/)?(\S+\.py)\s*$/.exec(l);
    return m ? [{ i, name: m[1]! }] : [];
  });
  if (marks.length > 0) {
    return marks.map((m, k) => ({ name: m.name, source: lines.slice(m.i + 1, marks[k + 1]?.i ?? lines.length).join('\n') + '\n' }));
  }
  const text = lines.join('\n');
  // A whole module assigns `revision` at module level; ask the parser rather than guess.
  const whole = parse('0002_example.py', text).revision.loc !== undefined;
  return [{ name: '0002_example.py', source: whole ? text : wrap(text) }];
}

export interface SnippetOptions {
  dialect?: string;
  postgresVersion?: number;
  localModules?: string[];
  envPy?: string;
}

function parse(name: string, source: string): MigrationFile {
  const buf = Buffer.from(source, 'utf8');
  const path = `migrations/versions/${name}`;
  return parseMigration(buf, { path, absPath: `${ROOT}/${path}` }, createHash('sha1').update(buf).digest('hex'));
}

export function snippetFiles(snippet: string): MigrationFile[] {
  return modulesOf(snippet).map(({ name, source }) => parse(name, source));
}

export async function runRuleOnSnippet(rule: Rule, snippet: string, options: SnippetOptions = {}): Promise<Finding[]> {
  const files = snippetFiles(snippet);
  const settings = defaultSettings();
  if (options.postgresVersion !== undefined) settings.postgresVersion = options.postgresVersion;
  const project: Project = {
    root: ROOT,
    configFiles: [],
    section: 'alembic',
    scriptLocation: `${ROOT}/migrations`,
    versionLocations: [`${ROOT}/migrations/versions`],
    recursiveVersionLocations: false,
    sourceless: false,
    fileTemplate: '%(rev)s_%(slug)s',
    prependSysPath: [ROOT],
    dialect: options.dialect ?? rule.dialects?.[0] ?? 'postgresql',
    settings,
    warnings: [],
  };
  const graph = buildGraph(files);
  const ctx: RuleContext = {
    project,
    files,
    graph,
    lintedFiles: files,
    localModules: new Set(options.localModules ?? ['app', 'myapp']),
    ...(options.envPy !== undefined ? { envPy: { path: `${ROOT}/migrations/env.py`, source: options.envPy } } : {}),
  };
  if (rule.category === 'operation') ctx.ops = await buildOperations({ project, files });
  const severity = rule.severity === 'off' ? 'warning' : rule.severity;
  // Through the engine's suppression step, as in a real run.
  const raw = toFindings(rule, severity, rule.check?.(ctx) ?? []);
  return applyIgnores(raw, files, new Set([rule.id]), false).findings;
}
