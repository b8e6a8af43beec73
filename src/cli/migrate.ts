/**
 * `alembic-guard migrate`: the production upgrade (src/deploy/migrate.ts). Thin: flags in, progress
 * and the result out, the exit code.
 */
import { allowOnly, helpFor, type FlagName, type ParsedArgs } from './args.js';
import { formatFlag, projectFromArgs, write, writeWarnings, type CommandContext } from './shared.js';
import { UsageError } from '../errors.js';
import { runMigrate } from '../deploy/migrate.js';
import { eventLines, migrateJson, resultLines } from '../deploy/render-migrate.js';

const flags: FlagName[] = [
  'config', 'name', 'format', 'database-url', 'python', 'wait', 'retries', 'lock-timeout', 'statement-timeout',
  'heads', 'force', 'plan', 'sql', 'backup', 'no-cache', 'verbose',
];

export const help = helpFor(
  'alembic-guard migrate [--database-url URL] [options]',
  'Upgrade the database to head through your env.py and Alembic\'s Python API, safely:\n' +
    '- one runner at a time: a session advisory lock keyed on the database and the version table; the others\n' +
    '  wait (--wait), then find the database at head and exit 0;\n' +
    '- each revision in its own transaction, with lock_timeout (default 5 s) unless env.py, the role or the\n' +
    '  database sets one; a revision that hits it is rolled back and retried with backoff (--retries), then\n' +
    '  reported with the session that blocked it;\n' +
    '- refuses the unknown: static check errors in the revisions to apply (--force), several heads (--heads),\n' +
    '  a revision no script declares, tables without a version table.\n' +
    'Without --database-url it migrates the database env.py connects to. --plan prints what would run (with\n' +
    '--sql, the offline SQL too) and changes nothing. --backup FILE runs pg_dump first.\n\n' +
    'Exit codes: 0 migrated or already at head (also --plan); 1 a revision failed (the database stays at the\n' +
    'last revision that committed), or static check errors; 2 usage, connection or environment error (also:\n' +
    'several heads without --heads, the lock not free within --wait); 3 the database is at a revision no\n' +
    'script declares; 4 tables but no version table.',
  flags,
);

function secondsFlag(args: ParsedArgs, name: 'wait' | 'lock-timeout' | 'statement-timeout'): number | undefined {
  const v = args.flags[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} needs a number of seconds, not "${v}"`);
  return n;
}

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  allowOnly(args, flags);
  const format = formatFlag(args, ['text', 'json'] as const, 'text');
  if (args.flags.sql === true && args.flags.plan !== true) throw new UsageError('--sql goes with --plan', { hint: 'alembic-guard migrate --plan --sql' });
  if (args.positionals.length > 0) {
    throw new UsageError(`\`migrate\` takes no arguments (got ${args.positionals.join(' ')})`, { hint: 'It upgrades to head; pass --heads when the scripts have several heads.' });
  }
  const retries = args.flags.retries;
  if (retries !== undefined && !/^\d+$/.test(retries)) throw new UsageError(`--retries needs a whole number, not "${retries}"`);
  const project = projectFromArgs(args, ctx);
  writeWarnings(project, ctx);
  const lockTimeout = secondsFlag(args, 'lock-timeout');
  const statementTimeout = secondsFlag(args, 'statement-timeout');
  const progress = format === 'json' ? ctx.stderr : ctx.stdout;
  const withSql = args.flags.sql === true;
  const result = await runMigrate(project, {
    databaseUrl: args.flags['database-url'],
    python: args.flags.python,
    cwd: ctx.cwd,
    env: ctx.env as NodeJS.ProcessEnv,
    cache: !args.flags['no-cache'],
    waitSeconds: secondsFlag(args, 'wait'),
    retries: retries !== undefined ? Number(retries) : undefined,
    lockTimeoutMs: lockTimeout !== undefined ? (lockTimeout === 0 ? null : Math.round(lockTimeout * 1000)) : undefined,
    statementTimeoutMs: statementTimeout !== undefined && statementTimeout > 0 ? Math.round(statementTimeout * 1000) : undefined,
    heads: args.flags.heads,
    force: args.flags.force,
    plan: args.flags.plan,
    sql: withSql,
    backup: args.flags.backup,
    onEvent: (e) => {
      // JSON mode keeps stdout for the document: progress goes to stderr, without the SQL.
      const lines = eventLines(e, withSql && format === 'text');
      if (lines.length > 0) progress.write(lines.join('\n') + '\n');
    },
    onLog: args.flags.verbose ? (line) => ctx.stderr.write(`  | ${line}\n`) : undefined,
  });
  if (format === 'json') await write(ctx.stdout, migrateJson(result));
  else await write(ctx.stdout, resultLines(result).join('\n') + '\n');
  return result.exitCode;
}
