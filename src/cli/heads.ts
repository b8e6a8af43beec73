import { allowOnly, helpFor, type FlagName, type ParsedArgs } from './args.js';
import { revisionsFromArgs, write, type CommandContext } from './shared.js';
import { renderHeads } from '../graph/render.js';

const flags: FlagName[] = ['config', 'name', 'versions', 'recursive', 'verbose', 'no-cache'];

export const help = helpFor('alembic-guard heads [--verbose]', 'List the current heads, as `alembic heads` does, without running Python.', flags);

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  allowOnly(args, flags);
  const { graph } = await revisionsFromArgs(args, ctx);
  await write(ctx.stdout, renderHeads(graph, { verbose: args.flags.verbose === true }));
  return 0;
}
