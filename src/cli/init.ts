/**
 * `alembic-guard init`: write [tool.alembic-guard] baseline (and postgres_version when the project
 * says which) into pyproject.toml. The logic is in workflow/init.ts.
 */
import { allowOnly, helpFor, type FlagName, type ParsedArgs } from './args.js';
import { revisionsFromArgs, write, type CommandContext } from './shared.js';
import { planInit, writeInit } from '../workflow/init.js';
import { fileDiff } from '../fixheads/diff.js';

const flags: FlagName[] = ['config', 'name', 'versions', 'recursive', 'python', 'no-cache', 'force', 'dry-run'];

export const help = helpFor(
  'alembic-guard init [--force] [--dry-run]',
  'Adopt alembic-guard on an existing history: set [tool.alembic-guard] baseline in pyproject.toml to the\n' +
    'current head, so the shape and operation rules report only the migrations written from now on (the graph\n' +
    'rules keep checking the whole history), and postgres_version when the project\'s docker compose files, CI\n' +
    'workflows or Dockerfiles name one PostgreSQL version. The rest of pyproject.toml is kept as it is (the file\n' +
    'or the table is created when missing). A baseline that is already set is left alone unless --force.',
  flags,
);

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  allowOnly(args, flags);
  const { project, graph } = await revisionsFromArgs(args, ctx);
  const plan = planInit(project, graph, { force: args.flags.force === true });
  if (plan.unchanged) {
    await write(ctx.stdout, `${plan.display}: baseline is already the current head, ${plan.baseline}; nothing to change.\n`);
    return 0;
  }
  if (args.flags['dry-run'] === true) {
    await write(ctx.stdout, fileDiff(plan.display, plan.display, plan.before, plan.after));
    return 0;
  }
  writeInit(plan);
  const lines = [
    `${plan.created ? 'created' : 'updated'} ${plan.display}: [tool.alembic-guard] baseline = "${plan.baseline}"${plan.replaced !== undefined ? ` (was "${plan.replaced}")` : ''}, the current head.`,
    `  The shape and operation rules no longer report the ${plan.covered} revision${plan.covered === 1 ? '' : 's'} up to it; the graph rules still check the whole history.`,
    `  ${plan.postgres}.`,
  ];
  await write(ctx.stdout, lines.join('\n') + '\n');
  return 0;
}
