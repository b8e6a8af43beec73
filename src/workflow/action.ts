/**
 * The GitHub Action (action.yml → scripts/action.mjs → here): run `check` once, with the text
 * report in the job log, annotations on the changed lines (workflow commands on stdout), a Markdown
 * job summary ($GITHUB_STEP_SUMMARY), an optional SARIF file, an optional HTML report (action.yml
 * uploads it as an artifact), and step outputs ($GITHUB_OUTPUT).
 * Inputs come as INPUT_* environment variables (action.yml maps them).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../cli/main.js';
import type { CommandContext } from '../cli/shared.js';
import { redactUrl } from '../errors.js';

export interface ActionInputs {
  workingDirectory: string;
  config: string[];
  name?: string;
  databaseUrl?: string;
  static: boolean;
  since?: string;
  python?: string;
  annotations: boolean;
  summary: boolean;
  sarifFile?: string;
  /** Where to write the HTML report, relative to the workspace. */
  htmlReport?: string;
  failOnError: boolean;
  extraArgs: string[];
}

function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  return ['true', '1', 'yes', 'on'].includes(value.trim().toLowerCase());
}

function str(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** INPUT_WORKING_DIRECTORY, INPUT_CONFIG … (the names action.yml sets). */
export function readInputs(env: Record<string, string | undefined>): ActionInputs {
  const get = (name: string) => env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`];
  const lines = (v: string | undefined) =>
    (v ?? '')
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return {
    workingDirectory: str(get('working-directory')) ?? '.',
    config: lines(get('config')),
    ...(str(get('name')) !== undefined ? { name: str(get('name'))! } : {}),
    ...(str(get('database-url')) !== undefined ? { databaseUrl: str(get('database-url'))! } : {}),
    static: bool(get('static'), false),
    ...(str(get('since')) !== undefined ? { since: str(get('since'))! } : {}),
    ...(str(get('python')) !== undefined ? { python: str(get('python'))! } : {}),
    annotations: bool(get('annotations'), true),
    summary: bool(get('summary'), true),
    ...(str(get('sarif-file')) !== undefined ? { sarifFile: str(get('sarif-file'))! } : {}),
    ...(str(get('html-report')) !== undefined ? { htmlReport: str(get('html-report'))! } : {}),
    failOnError: bool(get('fail-on-error'), true),
    extraArgs: lines(get('args')).flatMap((l) => l.split(/\s+/)),
  };
}

/** The `check` arguments for the inputs, writing the machine outputs into `tmp`. */
export function checkArgs(inputs: ActionInputs, tmp: string, workspace: string): string[] {
  const argv = ['check'];
  for (const c of inputs.config) argv.push('--config', c);
  if (inputs.name !== undefined) argv.push('--name', inputs.name);
  if (inputs.static) argv.push('--static');
  if (inputs.databaseUrl !== undefined) argv.push('--database-url', inputs.databaseUrl);
  if (inputs.since !== undefined) argv.push('--since', inputs.since);
  if (inputs.python !== undefined) argv.push('--python', inputs.python);
  argv.push('--output', `json:${join(tmp, 'report.json')}`, '--output', `github:${join(tmp, 'annotations.txt')}`, '--output', `markdown:${join(tmp, 'summary.md')}`);
  if (inputs.sarifFile !== undefined) argv.push('--output', `sarif:${resolve(workspace, inputs.sarifFile)}`);
  if (inputs.htmlReport !== undefined) argv.push('--output', `html:${resolve(workspace, inputs.htmlReport)}`);
  argv.push(...inputs.extraArgs);
  return argv;
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `name=value` lines for $GITHUB_OUTPUT (values here never hold newlines). */
function outputLines(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${String(v).replace(/[\r\n]/g, ' ')}\n`)
    .join('');
}

export async function runAction(env: Record<string, string | undefined>, io: Pick<CommandContext, 'stdout' | 'stderr'>): Promise<number> {
  const inputs = readInputs(env);
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const cwd = resolve(workspace, inputs.workingDirectory);
  const tmp = mkdtempSync(join(env.RUNNER_TEMP ?? tmpdir(), 'alembic-guard-action-'));
  try {
    const argv = checkArgs(inputs, tmp, workspace);
    io.stderr.write(`alembic-guard: ${redactUrl(argv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' '))} (in ${cwd})\n`);
    const code = await main(argv, { cwd, env: { ...env, GITHUB_WORKSPACE: workspace }, stdout: io.stdout, stderr: io.stderr });

    const annotations = readIfThere(join(tmp, 'annotations.txt'));
    if (inputs.annotations && annotations !== undefined) {
      // Only the workflow commands: the reporter's closing summary line is already in the text report.
      const commands = annotations.split('\n').filter((l) => l.startsWith('::'));
      if (commands.length > 0) io.stdout.write(commands.join('\n') + '\n');
    }
    const summary = readIfThere(join(tmp, 'summary.md'));
    if (inputs.summary && summary !== undefined && env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, summary + '\n');
    const report = readIfThere(join(tmp, 'report.json'));
    const counts = report !== undefined ? (JSON.parse(report) as { summary: { errors: number; warnings: number; infos: number } }).summary : undefined;
    if (env.GITHUB_OUTPUT) {
      appendFileSync(
        env.GITHUB_OUTPUT,
        outputLines({
          'exit-code': code,
          errors: counts?.errors ?? '',
          warnings: counts?.warnings ?? '',
          infos: counts?.infos ?? '',
          ...(inputs.sarifFile !== undefined && counts !== undefined ? { 'sarif-file': resolve(workspace, inputs.sarifFile) } : {}),
          ...(inputs.htmlReport !== undefined && counts !== undefined ? { 'html-report': resolve(workspace, inputs.htmlReport) } : {}),
        }),
      );
    }
    if (code === 1 && !inputs.failOnError) return 0;
    return code;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
