import { relative } from 'node:path';
import { allowOnly, helpFor, type FlagName, type ParsedArgs } from './args.js';
import { formatFlag, projectFromArgs, writeWarnings, sourceLineReader, useColor, write, type CommandContext } from './shared.js';
import { runStatic } from '../engine/static.js';
import { applyIgnores, sortFindings, summarize } from '../engine/findings.js';
import { reporters } from '../report/index.js';
import type { Report } from '../report/types.js';
import type { CheckResult, Finding } from '../model.js';
import { VERSION } from '../version.js';
import { redactUrl, UsageError, type GuardError } from '../errors.js';
import { outputTargets, sinceFindings, sinceSelection, writeOutputs } from '../workflow/check-options.js';

const flags: FlagName[] = ['config', 'name', 'versions', 'recursive', 'format', 'static', 'no-cache', 'python', 'database-url', 'allow-destructive', 'step-timeout', 'verbose', 'since', 'output'];
const formats = ['text', 'json', 'github', 'sarif', 'markdown'] as const;

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
  const since = sinceSelection(project, args.flags.since);
  writeWarnings(project, ctx);

  const result = await runStatic(project, { cache: !args.flags['no-cache'], ...(since !== undefined ? { onlyPaths: since.onlyPaths } : {}) });
  const findings: Finding[] = [...result.findings];
  const modified = sinceFindings(since, result.files, project);
  findings.push(...modified.findings);
  const checks: CheckResult[] = [result.check];
  const ran = new Set(result.ran);
  if (modified.ran) ran.add('modified-migration');
  // The database checks (src/runtime): a problem with Python or the database stops them, the
  // findings so far are still reported, then the error, exit 2.
  let runtimeError: GuardError | undefined;
  if (args.flags.static !== true) {
    const { runRuntimeChecks, RUNTIME_RULES } = await import('../runtime/checks.js');
    const { progressPrinter } = await import('../runtime/progress.js');
    const timeout = args.flags['step-timeout'];
    const stepTimeoutSeconds = timeout === undefined ? undefined : Number(timeout);
    if (stepTimeoutSeconds !== undefined && !(Number.isFinite(stepTimeoutSeconds) && stepTimeoutSeconds > 0)) {
      throw new UsageError(`--step-timeout must be a number of seconds, not "${timeout}"`, { hint: 'For example --step-timeout 120.' });
    }
    const rt = await runRuntimeChecks(project, result.graph, {
      python: args.flags.python,
      cwd: ctx.cwd,
      databaseUrl: args.flags['database-url'],
      allowDestructive: args.flags['allow-destructive'] === true,
      ...(stepTimeoutSeconds !== undefined ? { stepTimeoutSeconds } : {}),
      env: ctx.env as NodeJS.ProcessEnv,
      onProgress: progressPrinter(ctx.stderr),
      ...(args.flags.verbose === true ? { onLog: (line: string) => ctx.stderr.write(`  | ${redactUrl(line)}\n`) } : {}),
    });
    findings.push(...rt.findings);
    checks.push(...rt.checks);
    runtimeError = rt.error;
    if (rt.error === undefined) for (const r of RUNTIME_RULES) ran.add(r.id);
  }

  const { findings: kept, unused: allUnused } = applyIgnores(findings, result.files, ran, args.flags.static !== true);
  // Files --since leaves out were not linted: their ignores are not judged.
  const unused = since === undefined ? allUnused : allUnused.filter((u) => u.file === undefined || since.onlyPaths.has(u.file));
  const severityOfUnused = project.settings.rules['unused-ignore'] ?? 'info';
  const all = sortFindings(severityOfUnused === 'off' ? kept : [...kept, ...unused.map((u) => ({ ...u, severity: severityOfUnused }))]);
  const report: Report = {
    tool: { name: 'alembic-guard', version: VERSION },
    project: {
      root: project.root,
      config: project.configFile !== undefined ? relative(project.root, project.configFile) || project.configFile : undefined,
      scriptLocation: project.scriptLocation !== undefined ? relative(project.root, project.scriptLocation) || '.' : undefined,
      versionLocations: project.versionLocations.map((v) => relative(project.root, v) || '.'),
    },
    findings: all,
    checks,
    summary: summarize(all),
  };
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
    const { renderError } = await import('./main.js');
    ctx.stderr.write(renderError(runtimeError, args.flags.debug === true));
    return 2;
  }
  return report.summary.errors > 0 ? 1 : 0;
}
