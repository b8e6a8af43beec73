/**
 * `--output FILE` of `check`: a second report written to a file while the terminal gets text.
 * Kept here so that the CLI only calls in.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { reporters, type Report, type ReportContext } from '../report/index.js';

export const FILE_FORMATS = ['text', 'json', 'github', 'sarif', 'markdown', 'html'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

const byExtension: Record<string, FileFormat> = {
  '.sarif': 'sarif',
  '.json': 'json',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.log': 'text',
  '.html': 'html',
  '.htm': 'html',
};

export interface OutputTarget {
  file: string;
  format: FileFormat;
}

/**
 * Where `--output` writes and in which format: an explicit `FORMAT:FILE` (`markdown:summary.txt`,
 * `github:annotations.txt`), else `--format` (the terminal then gets text), else the file's
 * extension (`results.sarif`, `report.sarif.json`, `summary.md`, `report.json`, `report.html`). With any --output
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
        hint: `Add --format (${FILE_FORMATS.join(', ')}), write FORMAT:FILE (e.g. markdown:${spec}), or name the file .sarif, .json, .md, .html or .txt.`,
      });
    }
    return { file: spec, format: inferred };
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
