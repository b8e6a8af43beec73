import { allowOnly, helpFor, type FlagName, type ParsedArgs } from './args.js';
import { formatFlag, projectFromArgs, write, writeWarnings, type CommandContext } from './shared.js';
import { loadRevisions } from '../engine/load.js';
import { UsageError, redactUrl } from '../errors.js';

const flags: FlagName[] = ['config', 'name', 'versions', 'recursive', 'format', 'python', 'no-cache', 'verbose'];
const formats = ['text', 'markdown'] as const;

export const help = helpFor(
  'alembic-guard sql [RANGE] [--format text|markdown]',
  'Print each revision\'s upgrade as offline SQL (what `alembic upgrade --sql` prints for it), rendered through\nyour env.py; no database needed. RANGE: REV, A:B (what B needs and A does not), :B, A:; default every revision.\n--format markdown prints one block per revision, for a pull-request comment.',
  flags,
);

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  allowOnly(args, flags);
  if (args.positionals.length > 1) throw new UsageError('`sql` takes one RANGE at most', { hint: 'For example: alembic-guard sql 0003:head' });
  const format = formatFlag(args, formats, 'text');
  const project = projectFromArgs(args, ctx);
  writeWarnings(project, ctx);
  const { graph } = await loadRevisions(project, { cache: !args.flags['no-cache'] });
  const { offlineSql, formatSqlMarkdown, formatSqlText } = await import('../checks/offline-sql-command.js');
  const result = await offlineSql(project, graph, {
    ...(args.positionals[0] !== undefined ? { range: args.positionals[0] } : {}),
    python: args.flags.python,
    cwd: ctx.cwd,
    env: ctx.env as NodeJS.ProcessEnv,
    ...(args.flags.verbose === true ? { onLog: (line: string) => ctx.stderr.write(`  | ${redactUrl(line)}\n`) } : {}),
  });
  if (result.error !== undefined) {
    const { renderError } = await import('./render-error.js');
    ctx.stderr.write(renderError(result.error, args.flags.debug === true));
    return 2;
  }
  await write(ctx.stdout, format === 'markdown' ? formatSqlMarkdown(result.revisions) : formatSqlText(result.revisions));
  return 0;
}
