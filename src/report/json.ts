import type { Reporter } from './types.js';

/** The versioned machine contract (documented in docs/json-format.md). */
export const JSON_FORMAT_VERSION = 1;

export const jsonReporter: Reporter = (report) =>
  JSON.stringify(
    {
      version: JSON_FORMAT_VERSION,
      tool: report.tool,
      project: {
        config: report.project.config ?? null,
        scriptLocation: report.project.scriptLocation ?? null,
        versionLocations: report.project.versionLocations,
      },
      findings: report.findings.map((f) => ({
        rule: f.rule,
        severity: f.severity,
        message: f.message,
        file: f.file ?? null,
        line: f.line ?? null,
        column: f.column ?? null,
        ...(f.endLine !== undefined ? { endLine: f.endLine, endColumn: f.endColumn ?? null } : {}),
        revision: f.revision ?? null,
        ...(f.fix !== undefined ? { fix: f.fix } : {}),
        ...(f.confirmed === true ? { confirmed: true } : {}),
      })),
      checks: report.checks,
      summary: report.summary,
      ...(report.trace !== undefined ? { trace: report.trace } : {}),
      ...(report.hint !== undefined ? { hint: report.hint } : {}),
    },
    null,
    2,
  ) + '\n';
