/**
 * GitHub Actions workflow commands (`::error file=…,line=…::message`), escaped the way
 * @actions/core escapes them: data escapes % CR LF; properties also escape : and ,.
 */
import type { Severity } from '../model.js';
import type { Reporter } from './types.js';

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const command: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

export const githubReporter: Reporter = (report, context) => {
  const lines: string[] = [];
  for (const f of report.findings) {
    const props: string[] = [];
    if (f.file !== undefined) props.push(`file=${escapeProperty((context.pathPrefix ?? '') + f.file)}`);
    if (f.line !== undefined) {
      props.push(`line=${f.line}`);
      const multiLine = f.endLine !== undefined && f.endLine !== f.line;
      if (multiLine) props.push(`endLine=${f.endLine}`);
      // GitHub ignores columns on multi-line spans; give them only for single-line ones.
      else if (f.column !== undefined) {
        props.push(`col=${f.column}`);
        if (f.endColumn !== undefined && f.endLine === f.line) props.push(`endColumn=${f.endColumn}`);
      }
    }
    props.push(`title=${escapeProperty(`alembic-guard ${f.rule}`)}`);
    const revision = f.revision !== undefined ? ` (revision ${f.revision})` : '';
    const fix = f.fix !== undefined ? `\nFix: ${f.fix}` : '';
    lines.push(`::${command[f.severity]} ${props.join(',')}::${escapeData(f.message + revision + fix)}`);
  }
  const s = report.summary;
  lines.push(`alembic-guard: ${s.errors} error(s), ${s.warnings} warning(s), ${s.infos} info(s)`);
  return lines.join('\n') + '\n';
};
