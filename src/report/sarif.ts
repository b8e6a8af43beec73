/**
 * SARIF 2.1.0 (OASIS), the format GitHub code scanning and most review tools read. One rule entry
 * per registered rule with its description and help text (the rule's generated docs page), one
 * result per finding. Pure: the same report gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Finding, Severity } from '../model.js';
import type { Rule } from '../rules/define.js';
import { rules as allRules } from '../rules/index.js';
import { firstSentence, renderRuleDoc } from '../rules/docs.js';
import type { Report, ReportContext, Reporter } from './types.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const BASE_ID = 'SRCROOT';

type SarifLevel = 'error' | 'warning' | 'note';
const level: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

/** `multiple-heads` → `MultipleHeads` (SARIF's `name` is a readable identifier). */
function pascal(id: string): string {
  return id
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function ruleDescriptor(rule: Rule): Record<string, unknown> {
  const d = rule.docs;
  const text = [
    d.whatItDoes.trim(),
    '',
    `Why: ${d.whyIsThisBad.trim()}`,
    '',
    'Use instead:',
    d.useInstead.replace(/^\n+|\s+$/g, ''),
  ].join('\n');
  return {
    id: rule.id,
    name: pascal(rule.id),
    shortDescription: { text: firstSentence(d.whatItDoes).replace(/\\\|/g, '|') },
    fullDescription: { text: d.whatItDoes.trim().replace(/\s+/g, ' ') },
    help: { text, markdown: renderRuleDoc(rule) },
    defaultConfiguration: rule.severity === 'off' ? { enabled: false, level: 'warning' } : { level: level[rule.severity] },
    properties: { category: rule.category, tags: ['alembic', 'migrations', rule.category] },
  };
}

/** A descriptor for ids that no rule file declares (runtime check ids, future rules). */
function bareDescriptor(id: string): Record<string, unknown> {
  return { id, name: pascal(id), shortDescription: { text: `alembic-guard ${id}` } };
}

function fingerprint(f: Finding): string {
  return createHash('sha256')
    .update([f.rule, f.file ?? '', f.revision ?? '', f.message].join('\0'))
    .digest('hex')
    .slice(0, 32);
}

/** URIs are relative references: encode each path segment, keep the slashes. */
function relativeUri(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

/** The folder the URIs are relative to: the project root, or the workspace when a path prefix is set. */
function baseFolder(report: Report, prefix: string): string {
  let base = report.project.root.replace(/\\/g, '/').replace(/\/+$/, '');
  const ups = prefix.split('/').filter((s) => s !== '');
  for (const segment of ups) {
    if (segment === '..') return report.project.root; // unusual layout: fall back to the root itself
    base = base.slice(0, Math.max(0, base.lastIndexOf('/')));
  }
  return base === '' ? '/' : base;
}

export function toSarif(report: Report, context: ReportContext): Record<string, unknown> {
  const prefix = context.pathPrefix ?? '';
  const known = new Map(allRules.map((r) => [r.id, r]));
  const descriptors: Record<string, unknown>[] = allRules.map(ruleDescriptor);
  const index = new Map(allRules.map((r, i) => [r.id, i]));
  for (const f of report.findings) {
    if (!index.has(f.rule) && !known.has(f.rule)) {
      index.set(f.rule, descriptors.length);
      descriptors.push(bareDescriptor(f.rule));
    }
  }
  const results = report.findings.map((f) => {
    const message = f.revision !== undefined ? `${f.message} (revision ${f.revision})` : f.message;
    const result: Record<string, unknown> = {
      ruleId: f.rule,
      ruleIndex: index.get(f.rule),
      level: level[f.severity],
      message: { text: f.fix !== undefined ? `${message}\nFix: ${f.fix}` : message },
    };
    if (f.file !== undefined) {
      const region: Record<string, number> = {};
      if (f.line !== undefined) {
        region.startLine = f.line;
        if (f.column !== undefined) region.startColumn = f.column;
        if (f.endLine !== undefined) region.endLine = f.endLine;
        if (f.endColumn !== undefined && f.endLine !== undefined) region.endColumn = f.endColumn;
      }
      result.locations = [
        {
          physicalLocation: {
            artifactLocation: { uri: relativeUri(prefix + f.file), uriBaseId: BASE_ID },
            ...(f.line !== undefined ? { region } : {}),
          },
        },
      ];
    }
    result.partialFingerprints = { 'alembicGuardFinding/v1': fingerprint(f) };
    const properties: Record<string, string> = {};
    if (f.revision !== undefined) properties.revision = f.revision;
    if (f.fix !== undefined) properties.fix = f.fix;
    if (Object.keys(properties).length > 0) result.properties = properties;
    return result;
  });
  const base = baseFolder(report, prefix);
  const baseUri = pathToFileURL(base).href.replace(/\/?$/, '/');
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: 'https://www.npmjs.com/package/alembic-guard',
            rules: descriptors,
          },
        },
        originalUriBaseIds: { [BASE_ID]: { uri: baseUri } },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.checks
              .filter((c) => c.status !== 'passed')
              .map((c) => ({ level: c.status === 'failed' ? 'error' : 'note', message: { text: `${c.id} ${c.status}: ${c.message}` } })),
          },
        ],
        columnKind: 'unicodeCodePoints',
        results,
      },
    ],
  };
}

export const sarifReporter: Reporter = (report, context) => JSON.stringify(toSarif(report, context), null, 2) + '\n';
