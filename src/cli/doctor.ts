/**
 * `alembic-guard doctor --database-url URL`: explain the database's state and the command that fixes
 * it (src/deploy/doctor.ts). Read-only.
 */
import { allowOnly, helpFor, type FlagName, type ParsedArgs } from './args.js';
import { databaseUrlFromArgs, formatFlag, projectFromArgs, write, writeWarnings, type CommandContext } from './shared.js';
import { runDoctor, type DoctorResult } from '../deploy/doctor.js';

const flags: FlagName[] = ['config', 'name', 'format', 'database-url', 'version-table', 'python', 'no-replay', 'no-cache', 'verbose'];

export const help = helpFor(
  'alembic-guard doctor --database-url URL [options]',
  "Explain the database's state against the migration scripts, and say the exact command that fixes it:\n" +
    'at head, behind, at a revision no script declares (found in the git history: commit, file, branches),\n' +
    'tables without a version table or a version table older than the schema ("relation already exists": the\n' +
    'scripts are replayed revision by revision on a throwaway PostgreSQL and the schemas compared, to name the\n' +
    'revision to `alembic stamp`), several rows in alembic_version, a revision whose autocommit block stopped\n' +
    'half way. READ-ONLY: one READ ONLY transaction, rolled back; a role that may only read is enough.\n' +
    'The URL may also come from $DATABASE_URL. --no-replay skips the schema comparison (no Python needed).\n\n' +
    'Exit codes: 0 at head and as the scripts say; 1 something to fix (behind, a schema that differs, stale\n' +
    'rows, a half-applied revision); 2 usage or connection error; 3 a revision no script declares; 4 no\n' +
    'version table.',
  flags,
);

function renderText(r: DoctorResult): string {
  const list = (revs: string[]) => (revs.length === 0 ? '(none)' : revs.join(', '));
  const out = [
    `Database: ${r.database}`,
    `Current:  ${r.state === 'no-version-table' ? `(no version table; ${r.userTables.length} table${r.userTables.length === 1 ? '' : 's'})` : list(r.current)}`,
    `Heads:    ${list(r.heads)}`,
  ];
  if (r.replayed > 0) out.push(`Replayed: ${r.replayed} revision${r.replayed === 1 ? '' : 's'} on a throwaway database to compare schemas`);
  for (const d of r.diagnoses) {
    out.push('', `${d.kind}: ${d.summary}`);
    for (const line of d.details) out.push(`  ${line}`);
    if (d.next.length > 0) out.push('Next:', ...d.next.map((n) => `  ${n}`));
  }
  return out.join('\n') + '\n';
}

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  allowOnly(args, flags);
  const format = formatFlag(args, ['text', 'json'] as const, 'text');
  const project = projectFromArgs(args, ctx);
  writeWarnings(project, ctx);
  const url = databaseUrlFromArgs(args, ctx, project);
  const result = await runDoctor(project, {
    databaseUrl: url,
    versionTable: args.flags['version-table'],
    python: args.flags.python,
    cwd: ctx.cwd,
    env: ctx.env as NodeJS.ProcessEnv,
    cache: !args.flags['no-cache'],
    replay: args.flags['no-replay'] !== true,
    onProgress: args.flags.verbose ? (m) => ctx.stderr.write(`alembic-guard: ${m}\n`) : undefined,
    onLog: args.flags.verbose ? (line) => ctx.stderr.write(`  | ${line}\n`) : undefined,
  });
  if (format === 'json') {
    const { exitCode, ...rest } = result;
    await write(ctx.stdout, JSON.stringify({ version: 1, command: 'doctor', ...rest, exitCode }, null, 2) + '\n');
  } else await write(ctx.stdout, renderText(result));
  return result.exitCode;
}
