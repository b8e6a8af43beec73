import { relative } from 'node:path';
import { allowOnly, helpFor, type FlagName, type ParsedArgs } from './args.js';
import { formatFlag, projectFromArgs, stepTimeoutFlag, writeWarnings, sourceLineReader, useColor, write, type CommandContext } from './shared.js';
import { runCheck } from '../engine/check.js';
import { reporters } from '../report/index.js';
import { redactUrl } from '../errors.js';
import { FILE_FORMATS, outputTargets, writeOutputs } from '../workflow/output.js';

const flags: FlagName[] = ['config', 'name', 'versions', 'recursive', 'format', 'static', 'no-cache', 'python', 'database-url', 'allow-destructive', 'step-timeout', 'no-trace', 'verbose', 'since', 'output'];
const formats = FILE_FORMATS;

export const help = helpFor(
  'alembic-guard check [options]',
  'Check the migrations: the revision graph, each file\'s shape and its schema operations (static, no Python),\nthen, without --static, run them on a throwaway PostgreSQL. Exit 0 clean, 1 error findings, 2 usage or environment error.',
  flags,
);

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  allowOnly(args, flags);
  // With --output, --format names the file's format and the terminal gets text.
  const outputs = outputTargets(args.flags.output, args.flags.format);
  const format = outputs.length > 0 ? 'text' : formatFlag(args, formats, 'text');
  const project = projectFromArgs(args, ctx);
  writeWarnings(project, ctx);
  const stepTimeoutSeconds = stepTimeoutFlag(args);
  const progress = args.flags.static === true ? undefined : (await import('./progress.js')).progressPrinter(ctx.stderr);
  const { report, error: runtimeError } = await runCheck(project, {
    cache: !args.flags['no-cache'],
    static: args.flags.static === true,
    ...(args.flags.since !== undefined ? { since: args.flags.since } : {}),
    revisions: format === 'html' || outputs.some((o) => o.format === 'html'),
    runtime: {
      python: args.flags.python,
      cwd: ctx.cwd,
      databaseUrl: args.flags['database-url'],
      allowDestructive: args.flags['allow-destructive'] === true,
      ...(args.flags['no-trace'] === true ? { trace: false } : {}),
      ...(stepTimeoutSeconds !== undefined ? { stepTimeoutSeconds } : {}),
      env: ctx.env as NodeJS.ProcessEnv,
      ...(progress !== undefined ? { onProgress: progress } : {}),
      ...(args.flags.verbose === true ? { onLog: (line: string) => ctx.stderr.write(`  | ${redactUrl(line)}\n`) } : {}),
    },
  });
  const workspace = ctx.env.GITHUB_WORKSPACE ?? ctx.cwd;
  const prefix = relative(workspace, project.root);
  const reportContext = {
    color: useColor(ctx),
    sourceLine: sourceLineReader(project.root),
    pathPrefix: prefix === '' ? '' : prefix.split('\\').join('/') + '/',
  };
  writeOutputs(outputs, ctx.cwd, report, reportContext);
  await write(ctx.stdout, reporters[format]!(report, reportContext));
  if (runtimeError !== undefined) {
    const { renderError } = await import('./render-error.js');
    ctx.stderr.write(renderError(runtimeError, args.flags.debug === true));
    return 2;
  }
  return report.summary.errors > 0 ? 1 : 0;
}
