/**
 * What happens to findings after the rules return them: severity from the configuration,
 * inline and file-level ignores, `unused-ignore`, stable order and the summary. Pure.
 */
import type { ConfiguredSeverity, Finding, FindingDraft, MigrationFile, Severity } from '../model.js';
import type { Rule } from '../rules/define.js';

export interface Summary {
  errors: number;
  warnings: number;
  infos: number;
}

/** The severity a rule runs at: the configured one, else its default. */
export function effectiveSeverity(rule: Rule, configured: Record<string, ConfiguredSeverity>): ConfiguredSeverity {
  return configured[rule.id] ?? rule.severity;
}

/** Turn a rule's drafts into findings at the rule's effective severity (a draft may lower it, e.g. to info). */
export function toFindings(rule: Rule, severity: Severity, drafts: FindingDraft[]): Finding[] {
  return drafts.map((d) => {
    const { severity: own, ...rest } = d;
    return { rule: rule.id, severity: lowerOf(severity, own), ...rest };
  });
}

const rank: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/**
 * A draft may ask for a lower severity than the rule's (an explicit NotImplementedError downgrade
 * is only info); configuration can lower or raise the rule as a whole.
 */
function lowerOf(rule: Severity, own: Severity | undefined): Severity {
  if (own === undefined) return rule;
  return rank[own] < rank[rule] ? own : rule;
}

export interface SuppressionResult {
  findings: Finding[];
  /** Ignore comments that suppressed nothing, as `unused-ignore` findings (info). */
  unused: Finding[];
}

/**
 * Applies `# alembic-guard: ignore[...]` (on the finding's line or the line above) and
 * `# alembic-guard: ignore-file[...]`. An ignore is reported unused only when every rule it names
 * ran (a blanket ignore: when the run was complete), so a static run does not flag ignores meant for
 * the database checks.
 */
export function applyIgnores(
  findings: Finding[],
  files: readonly MigrationFile[],
  ranRules: ReadonlySet<string>,
  complete: boolean,
): SuppressionResult {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const used = new Set<string>();
  const key = (f: MigrationFile, i: number) => `${f.path}#${i}`;
  const kept = findings.filter((finding) => {
    if (finding.file === undefined) return true;
    const file = byPath.get(finding.file);
    if (file === undefined) return true;
    let suppressed = false;
    file.ignores.forEach((ig, i) => {
      const matchesRule = ig.rules.length === 0 || ig.rules.includes(finding.rule);
      const matchesLine = ig.file || (finding.line !== undefined && (ig.line === finding.line || ig.line === finding.line - 1));
      if (matchesRule && matchesLine) {
        used.add(key(file, i));
        suppressed = true;
      }
    });
    return !suppressed;
  });
  const unused: Finding[] = [];
  for (const file of files) {
    file.ignores.forEach((ig, i) => {
      if (used.has(key(file, i))) return;
      const judged = ig.rules.length === 0 ? complete : ig.rules.every((r) => ranRules.has(r));
      if (!judged) return;
      const what = ig.rules.length === 0 ? 'this ignore' : `ignore[${ig.rules.join(', ')}]`;
      unused.push({
        rule: 'unused-ignore',
        severity: 'info',
        message: `${what} suppresses nothing${ig.file ? ' in this file' : ' here'}`,
        file: file.path,
        line: ig.line,
        column: 1,
        revision: file.revision.value ?? undefined,
        fix: 'Remove the comment, or name the rule that reports here.',
      });
    });
  }
  return { findings: kept, unused };
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      (a.file ?? '\uffff').localeCompare(b.file ?? '\uffff') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.rule.localeCompare(b.rule) ||
      a.message.localeCompare(b.message),
  );
}

export function summarize(findings: readonly Finding[]): Summary {
  const s: Summary = { errors: 0, warnings: 0, infos: 0 };
  for (const f of findings) {
    if (f.severity === 'error') s.errors++;
    else if (f.severity === 'warning') s.warnings++;
    else s.infos++;
  }
  return s;
}
