/** What the commands share: the project from the flags, reading reported lines, writing output. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { loadProject } from '../project/discover.js';
import type { Project } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import type { ParsedArgs } from './args.js';

export interface CommandContext {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export function projectFromArgs(args: ParsedArgs, ctx: CommandContext): Project {
  return loadProject({
    cwd: ctx.cwd,
    config: args.flags.config,
    name: args.flags.name,
    versions: args.flags.versions,
    recursive: args.flags.recursive,
    env: ctx.env,
    ...(args.flags.python !== undefined ? { python: args.flags.python } : {}),
  });
}

/** Discovery's warnings on stderr, with the file and line they carry. */
export function writeWarnings(project: Project, ctx: CommandContext): void {
  for (const w of project.warnings) {
    const where = w.file !== undefined ? `${w.file}${w.line !== undefined ? `:${w.line}` : ''}: ` : '';
    ctx.stderr.write(`alembic-guard: warning: ${where}${w.message}\n`);
  }
}

/** The project from the flags (warnings on stderr), its revision files and their graph. */
export async function revisionsFromArgs(args: ParsedArgs, ctx: CommandContext): Promise<{ project: Project; graph: RevisionGraph }> {
  const project = projectFromArgs(args, ctx);
  writeWarnings(project, ctx);
  // the parsers load only for the commands that read the revisions
  const { loadRevisions } = await import('../engine/load.js');
  const { graph } = await loadRevisions(project, { cache: !args.flags['no-cache'] });
  return { project, graph };
}

export function formatFlag<T extends string>(args: ParsedArgs, allowed: readonly T[], fallback: T): T {
  const value = args.flags.format ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`unknown --format "${value}" for \`${args.command}\``, { hint: `Use one of: ${allowed.join(', ')}.` });
  }
  return value as T;
}

/** Colour on a TTY unless NO_COLOR is set (FORCE_COLOR forces it). */
/** `--step-timeout SECONDS`, checked (undefined without the flag). */
export function stepTimeoutFlag(args: ParsedArgs): number | undefined {
  const timeout = args.flags['step-timeout'];
  if (timeout === undefined) return undefined;
  const seconds = Number(timeout);
  if (!(Number.isFinite(seconds) && seconds > 0)) {
    throw new UsageError(`--step-timeout must be a number of seconds, not "${timeout}"`, { hint: 'For example --step-timeout 120.' });
  }
  return seconds;
}

export function useColor(ctx: CommandContext): boolean {
  if (ctx.env.NO_COLOR !== undefined && ctx.env.NO_COLOR !== '') return false;
  if (ctx.env.FORCE_COLOR !== undefined && ctx.env.FORCE_COLOR !== '0') return true;
  return ctx.stdout.isTTY === true;
}

/** Reads the lines of reported files lazily, once each. */
export function sourceLineReader(root: string): (file: string, line: number) => string | undefined {
  const cache = new Map<string, string[] | null>();
  return (file, line) => {
    let lines = cache.get(file);
    if (lines === undefined) {
      try {
        lines = readFileSync(join(root, file), 'utf8').split(/\r?\n/);
      } catch {
        lines = null;
      }
      cache.set(file, lines);
    }
    const text = lines?.[line - 1];
    return text === undefined || text.length > 400 ? undefined : text;
  };
}

/** Write and wait for the stream to take it all (pipes are async; exiting early would cut output). */
export function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(text)) resolve();
    else stream.once('drain', () => resolve());
  });
}

/** --database-url, else the first url_env variable that is set (default DATABASE_URL); a usage error without. */
export function databaseUrlFromArgs(args: ParsedArgs, ctx: CommandContext, project: Project): string {
  const given = args.flags['database-url'];
  if (given !== undefined) return given;
  for (const name of project.settings.urlEnv ?? ['DATABASE_URL']) {
    const v = ctx.env[name];
    if (v !== undefined && v !== '') return v;
  }
  throw new UsageError(`\`${args.command}\` needs the database to read`, { hint: 'Pass --database-url postgresql://user:password@host/dbname (or set DATABASE_URL).' });
}
