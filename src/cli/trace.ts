import { allowOnly, helpFor, type FlagName, type ParsedArgs } from './args.js';
import { formatFlag, projectFromArgs, write, writeWarnings, type CommandContext } from './shared.js';
import { loadRevisions } from '../engine/load.js';
import { UsageError, redactUrl } from '../errors.js';

const flags: FlagName[] = ['config', 'name', 'versions', 'recursive', 'format', 'python', 'database-url', 'allow-destructive', 'step-timeout', 'no-cache', 'verbose'];
const formats = ['text', 'markdown', 'json'] as const;

export const help = helpFor(
  'alembic-guard trace [RANGE] [--format text|markdown|json]',
  "Run the revisions up one at a time on a throwaway PostgreSQL and print what each upgrade did: every\nstatement with its Python line and duration, the locks it added and how long they were held, the\ntables and indexes it rewrote, the rows generated before it. RANGE as for `sql`; default every revision.",
  flags,
);

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  allowOnly(args, flags);
  if (args.positionals.length > 1) throw new UsageError('`trace` takes one RANGE at most', { hint: 'For example: alembic-guard trace 0003:head' });
  const format = formatFlag(args, formats, 'text');
  const project = projectFromArgs(args, ctx);
  writeWarnings(project, ctx);
  const timeout = args.flags['step-timeout'];
  const stepTimeoutSeconds = timeout === undefined ? undefined : Number(timeout);
  if (stepTimeoutSeconds !== undefined && !(Number.isFinite(stepTimeoutSeconds) && stepTimeoutSeconds > 0)) {
    throw new UsageError(`--step-timeout must be a number of seconds, not "${timeout}"`, { hint: 'For example --step-timeout 120.' });
  }
  const { graph } = await loadRevisions(project, { cache: !args.flags['no-cache'] });
  const { traceRevisions, formatTraceText, formatTraceMarkdown } = await import('../checks/trace-command.js');
  const result = await traceRevisions(project, graph, {
    ...(args.positionals[0] !== undefined ? { range: args.positionals[0] } : {}),
    python: args.flags.python,
    cwd: ctx.cwd,
    databaseUrl: args.flags['database-url'],
    allowDestructive: args.flags['allow-destructive'] === true,
    ...(stepTimeoutSeconds !== undefined ? { stepTimeoutSeconds } : {}),
    env: ctx.env as NodeJS.ProcessEnv,
    ...(args.flags.verbose === true ? { onLog: (line: string) => ctx.stderr.write(`  | ${redactUrl(line)}\n`) } : {}),
  });
  if (result.error !== undefined) {
    const { renderError } = await import('./render-error.js');
    ctx.stderr.write(renderError(result.error, args.flags.debug === true));
    return 2;
  }
  const text =
    format === 'json'
      ? JSON.stringify({ server: result.trace?.server ?? null, rowsPerTable: result.trace?.rowsPerTable ?? 0, revisions: result.revisions, findings: result.findings }, null, 2) + '\n'
      : format === 'markdown'
        ? formatTraceMarkdown(result)
        : formatTraceText(result);
  await write(ctx.stdout, text);
  return 0;
}
