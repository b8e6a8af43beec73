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
 * Where `--output` writes and in which format: `--format` when given (the terminal then gets
 * text), else the file's extension (`results.sarif`, `report.sarif.json`, `summary.md`, `report.json`).
 */
export function outputTargets(output: readonly string[] | undefined, format: string | undefined): OutputTarget[] {
  if (output === undefined || output.length === 0) return [];
  return output.map((file) => {
    if (format !== undefined) {
      if (!(FILE_FORMATS as readonly string[]).includes(format)) {
        throw new UsageError(`unknown --format "${format}"`, { hint: `Use one of: ${FILE_FORMATS.join(', ')}.` });
      }
      return { file, format: format as FileFormat };
    }
    const lower = file.toLowerCase();
    const ext = lower.endsWith('.sarif.json') ? '.sarif' : extname(lower);
    const inferred = byExtension[ext];
    if (inferred === undefined) {
      throw new UsageError(`cannot tell the format of --output ${file} from its extension`, {
        hint: `Add --format (${FILE_FORMATS.join(', ')}), or name the file .sarif, .json, .md or .txt.`,
      });
    }
    return { file, format: inferred };
  });
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
