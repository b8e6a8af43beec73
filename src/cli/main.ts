/**
 * The command line: parse argv, load the command lazily, map the result to an exit code.
 * 0 clean, 1 error findings, 2 usage/config/environment/internal error.
 */
import { parse, type ParsedArgs } from './args.js';
import type { CommandContext } from './shared.js';
import { renderError } from './render-error.js';
import { VERSION } from '../version.js';


interface CommandModule {
  help: string;
  run(args: ParsedArgs, ctx: CommandContext): Promise<number>;
}

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  check: { summary: 'check the migrations (static checks, then the database checks unless --static)', load: () => import('./check.js') },
  heads: { summary: 'list the heads, as `alembic heads` does, without Python', load: () => import('./heads.js') },
  history: { summary: 'list the revisions in `alembic history` order', load: () => import('./history.js') },
  graph: { summary: 'print the revision graph (text, mermaid, dot, json)', load: () => import('./graph.js') },
  rules: { summary: 'list the rules', load: () => import('./rules.js') },
  rule: { summary: "show one rule's documentation", load: () => import('./rules.js') },
  'fix-heads': { summary: 'fix diverged heads: --merge (a merge revision through Alembic) or --rebase --onto REF (linear history)', load: () => import('./fix-heads.js') },
  sql: { summary: "print each revision's upgrade as offline SQL through env.py (text, or Markdown for a review)", load: () => import('./sql.js') },
  trace: { summary: 'run the revisions up on a throwaway PostgreSQL and print what each did: statements, locks, rewrites, rows', load: () => import('./trace.js') },
  init: { summary: 'adopt alembic-guard on an existing history: write baseline = the current head (and postgres_version when the project says) into pyproject.toml', load: () => import('./init.js') },
  status: { summary: 'read-only: is the database at head? (exit 0 head, 1 behind, 3 unknown revision, 4 no version table)', load: () => import('./status.js') },
  migrate: { summary: 'the production upgrade: one runner at a time, lock-safe steps, refuses the unknown (--plan to preview)', load: () => import('./migrate.js') },
  doctor: { summary: "read-only: explain the database's state against the scripts and the command that fixes it", load: () => import('./doctor.js') },
};

function mainHelp(): string {
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `alembic-guard ${VERSION}: make Alembic migrations safe to ship.\n\nUsage: alembic-guard <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun \`alembic-guard <command> --help\` for a command's options. Configuration: [tool.alembic-guard] in pyproject.toml.\n`;
}

export async function main(argv: string[], ctx: CommandContext): Promise<number> {
  let debug = argv.includes('--debug');
  try {
    const args = parse(argv);
    debug = args.flags.debug === true;
    if (args.flags.version) {
      ctx.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const entry = commands[args.command];
    if (args.command === 'help' || (args.flags.help && (entry === undefined || !args.commandGiven))) {
      ctx.stdout.write(mainHelp());
      return 0;
    }
    if (entry === undefined) {
      ctx.stderr.write(`alembic-guard: error: unknown command "${args.command}"\n\n${mainHelp()}`);
      return 2;
    }
    const mod = await entry.load();
    if (args.flags.help) {
      ctx.stdout.write(mod.help);
      return 0;
    }
    return await mod.run(args, ctx);
  } catch (e) {
    ctx.stderr.write(renderError(e, debug));
    return 2;
  }
}
