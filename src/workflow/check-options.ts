/**
 * The workflow flags of `check`: `--since REF` (per-file rules only on what changed, plus
 * `modified-migration`) and `--output FILE` (a second report written to a file while the terminal
 * gets text). Kept here so that check.ts only calls in.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { Finding, MigrationFile, Project } from '../model.js';
import { effectiveSeverity, toFindings } from '../engine/findings.js';
import { ruleById } from '../rules/index.js';
import { modifiedMigrationDrafts, selectSince, type SinceSelection } from '../git/since.js';
import { reporters, type Report, type ReportContext } from '../report/index.js';
import type { OfflineSqlBlock } from '../report/markdown.js';

export const FILE_FORMATS = ['text', 'json', 'github', 'sarif', 'markdown'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

const byExtension: Record<string, FileFormat> = {
  '.sarif': 'sarif',
  '.json': 'json',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.log': 'text',
};

export interface OutputTarget {
  file: string;
  format: FileFormat;
}

/**
 * Where `--output` writes and in which format: an explicit `FORMAT:FILE` (`markdown:summary.txt`,
 * `github:annotations.txt`), else `--format` (the terminal then gets text), else the file's
 * extension (`results.sarif`, `report.sarif.json`, `summary.md`, `report.json`). With any --output
 * the terminal gets the text report.
 */
export function outputTargets(output: readonly string[] | undefined, format: string | undefined): OutputTarget[] {
  if (output === undefined || output.length === 0) return [];
  if (format !== undefined && !(FILE_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`unknown --format "${format}"`, { hint: `Use one of: ${FILE_FORMATS.join(', ')}.` });
  }
  return output.map((spec) => {
    const colon = spec.indexOf(':');
    const prefix = colon > 0 ? spec.slice(0, colon) : '';
    if ((FILE_FORMATS as readonly string[]).includes(prefix) && spec.length > colon + 1) {
      return { file: spec.slice(colon + 1), format: prefix as FileFormat };
    }
    if (format !== undefined) return { file: spec, format: format as FileFormat };
    const lower = spec.toLowerCase();
    const ext = lower.endsWith('.sarif.json') ? '.sarif' : extname(lower);
    const inferred = byExtension[ext];
    if (inferred === undefined) {
      throw new UsageError(`cannot tell the format of --output ${spec} from its extension`, {
        hint: `Add --format (${FILE_FORMATS.join(', ')}), write FORMAT:FILE (e.g. markdown:${spec}), or name the file .sarif, .json, .md or .txt.`,
      });
    }
    return { file: spec, format: inferred };
  });
}

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

/** Writes each --output file (no colour); paths are relative to `cwd`. */
export function writeOutputs(targets: readonly OutputTarget[], cwd: string, report: Report, context: ReportContext): void {
  for (const t of targets) {
    const path = resolve(cwd, t.file);
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, reporters[t.format]!(report, { ...context, color: false }));
    } catch (e) {
      throw new UsageError(`cannot write --output ${t.file}`, { reason: (e as Error).message });
    }
  }
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
