/**
 * Every flag, declared once as data. Each command says which of them it takes; a flag a command
 * does not take is a usage error that names the command.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** For the help text. */
  arg?: string;
  help: string;
}

export const FLAGS = {
  config: { type: 'string', short: 'c', multiple: true, arg: 'FILE', help: 'alembic.ini and/or pyproject.toml to use (repeatable, like alembic -c)' },
  name: { type: 'string', short: 'n', arg: 'SECTION', help: 'the ini section to read (default: alembic)' },
  versions: { type: 'string', multiple: true, arg: 'DIR', help: 'a version folder, when there is no usable Alembic config (repeatable)' },
  recursive: { type: 'boolean', help: 'also look in sub-folders of --versions folders' },
  format: { type: 'string', short: 'f', arg: 'FORMAT', help: 'output format' },
  static: { type: 'boolean', help: 'only the static checks: no Python, no database' },
  'no-cache': { type: 'boolean', help: 'do not read or write .alembic-guard-cache/' },
  python: { type: 'string', arg: 'PATH', help: "the Python interpreter to run the project's Alembic with" },
  'database-url': { type: 'string', arg: 'URL', help: 'use this PostgreSQL server instead of a throwaway embedded one' },
  'allow-destructive': { type: 'boolean', help: 'allow downgrades and drops in a database alembic-guard did not create' },
  'step-timeout': { type: 'string', arg: 'SECONDS', help: 'statement_timeout for each migration step (default 60)' },
  'no-trace': { type: 'boolean', help: 'no lock trace and no generated rows in the database checks' },
  verbose: { type: 'boolean', short: 'v', help: 'more detail' },
  debug: { type: 'boolean', help: 'show stack traces of internal errors' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
  version: { type: 'boolean', help: 'show the version' },
  since: { type: 'string', arg: 'REF', help: 'operation and shape rules only on migrations added or changed since this git revision (e.g. origin/main); edits of older ones are modified-migration' },
  output: { type: 'string', short: 'o', multiple: true, arg: 'FILE', help: 'also write a report to FILE (format from --format, else from the extension: .sarif .json .md); the terminal gets text' },
  merge: { type: 'boolean', help: 'write a merge revision through Alembic (the project\'s template and naming)' },
  rebase: { type: 'boolean', help: 'move the revisions that exist only on this branch on top of the other head' },
  onto: { type: 'string', arg: 'REF', help: 'with --rebase: the git revision the branch diverged from (e.g. origin/main)' },
  'dry-run': { type: 'boolean', help: 'print the plan as a diff; change nothing' },
  message: { type: 'string', short: 'm', arg: 'TEXT', help: 'the merge revision\'s message (default: "merge heads")' },
  'version-table': { type: 'string', arg: 'NAME', help: 'the version table, [schema.]name (default: alembic_version)' },
  wait: { type: 'string', arg: 'SECONDS', help: 'how long to wait for the migration lock another run holds (default 600)' },
  retries: { type: 'string', arg: 'N', help: 'retries of a revision that hits the lock timeout, with backoff (default 3)' },
  'lock-timeout': { type: 'string', arg: 'SECONDS', help: 'lock_timeout for each revision unless env.py, the role or the database sets one (default 5)' },
  'statement-timeout': { type: 'string', arg: 'SECONDS', help: 'statement_timeout for each revision unless env.py, the role or the database sets one (default: none)' },
  heads: { type: 'boolean', help: 'upgrade every head when the scripts have several (alembic upgrade heads)' },
  force: { type: 'boolean', help: 'migrate: even when the static check finds errors in the revisions to apply; init: replace a baseline that is already set' },
  plan: { type: 'boolean', help: 'print what would run, change nothing' },
  sql: { type: 'boolean', help: "with --plan: each revision's offline SQL (alembic upgrade --sql)" },
  backup: { type: 'string', arg: 'FILE', help: 'pg_dump the database to FILE before the first revision (.sql: plain SQL, else custom format)' },
  'no-replay': { type: 'boolean', help: 'do not replay the scripts on a throwaway database to compare schemas' },
} satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

export interface ParsedArgs {
  command: string;
  /** False when no command was named (then `check` runs). */
  commandGiven?: boolean;
  positionals: string[];
  flags: {
    config?: string[];
    name?: string;
    versions?: string[];
    recursive?: boolean;
    format?: string;
    static?: boolean;
    'no-cache'?: boolean;
    python?: string;
    'database-url'?: string;
    'allow-destructive'?: boolean;
    'step-timeout'?: string;
    'no-trace'?: boolean;
    verbose?: boolean;
    debug?: boolean;
    help?: boolean;
    version?: boolean;
    since?: string;
    output?: string[];
    merge?: boolean;
    rebase?: boolean;
    onto?: string;
    'dry-run'?: boolean;
    force?: boolean;
    message?: string;
    'version-table'?: string;
    wait?: string;
    retries?: string;
    'lock-timeout'?: string;
    'statement-timeout'?: string;
    heads?: boolean;
    plan?: boolean;
    sql?: boolean;
    backup?: string;
    'no-replay'?: boolean;
  };
}

export function parse(argv: string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional.*$/s, ''), {
      hint: 'Run `alembic-guard --help` for the commands and flags.',
    });
  }
  const [command = 'check', ...positionals] = parsed.positionals;
  return { command, commandGiven: parsed.positionals.length > 0, positionals, flags: parsed.values as ParsedArgs['flags'] };
}

/** Fail on flags the command does not take. */
export function allowOnly(args: ParsedArgs, allowed: readonly FlagName[]): void {
  const always: FlagName[] = ['debug', 'help', 'version'];
  for (const key of Object.keys(args.flags) as FlagName[]) {
    if (!allowed.includes(key) && !always.includes(key)) {
      throw new UsageError(`\`${args.command}\` does not take --${key}`, { hint: `Run \`alembic-guard ${args.command} --help\`.` });
    }
  }
}

export function helpFor(usage: string, description: string, flags: readonly FlagName[]): string {
  const rows = flags.map((name) => {
    const spec: FlagSpec = FLAGS[name];
    const left = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.arg ? ` ${spec.arg}` : ''}`;
    return `  ${left.padEnd(30)} ${spec.help}`;
  });
  return `Usage: ${usage}\n\n${description}\n\nOptions:\n${rows.join('\n')}\n  ${'-h, --help'.padEnd(30)} show help\n`;
}
