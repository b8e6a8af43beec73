/**
 * `check --since REF`: per-file rules only on the migrations added or changed since a git revision,
 * `modified-migration` for edited ones, and the offline SQL of the selected revisions for review.
 */
import { UsageError } from '../errors.js';
import type { Finding, MigrationFile, Project } from '../model.js';
import { effectiveSeverity, toFindings } from './findings.js';
import { ruleById } from '../rules/index.js';
import { modifiedMigrationDrafts, selectSince, type SinceSelection } from '../git/since.js';
import type { OfflineSqlBlock } from '../report/markdown.js';

/** The offline SQL blocks the Markdown report shows: the revisions --since selected (none without it). */
export function reviewSql(
  selection: SinceSelection | undefined,
  offline: readonly { revision: string; file?: string; sql?: string }[],
  files: readonly MigrationFile[],
): OfflineSqlBlock[] {
  if (selection === undefined) return [];
  const byRevision = new Map(files.map((f) => [f.revision.value, f]));
  const blocks: OfflineSqlBlock[] = [];
  for (const o of offline) {
    const file = byRevision.get(o.revision);
    if (o.sql === undefined || file === undefined || !selection.onlyPaths.has(file.path)) continue;
    const message = file.docstring?.text.trim().split('\n')[0]?.trim();
    blocks.push({ revision: o.revision, file: file.path, ...(message ? { message } : {}), sql: o.sql });
  }
  return blocks;
}

/** Resolves `--since REF` against the project's git work tree (undefined without the flag). */
export function sinceSelection(project: Project, ref: string | undefined): SinceSelection | undefined {
  if (ref === undefined) return undefined;
  if (ref.trim() === '') throw new UsageError('--since needs a git revision', { hint: 'For example --since origin/main.' });
  return selectSince(project.root, ref);
}

/** `modified-migration` findings for the selection, at the configured severity ([] when off). */
export function sinceFindings(selection: SinceSelection | undefined, files: readonly MigrationFile[], project: Project): { findings: Finding[]; ran: boolean } {
  if (selection === undefined) return { findings: [], ran: false };
  const rule = ruleById.get('modified-migration');
  if (rule === undefined) return { findings: [], ran: false };
  const severity = effectiveSeverity(rule, project.settings.rules);
  if (severity === 'off') return { findings: [], ran: false };
  return { findings: toFindings(rule, severity, modifiedMigrationDrafts(selection, files)), ran: true };
}
