import { allowOnly, helpFor, type FlagName, type ParsedArgs } from './args.js';
import { projectFromArgs, write, writeWarnings, type CommandContext } from './shared.js';
import { loadRevisions } from '../engine/load.js';
import { renderHeads } from '../graph/render.js';

const flags: FlagName[] = ['config', 'name', 'versions', 'recursive', 'verbose', 'no-cache'];

export const help = helpFor('alembic-guard heads [--verbose]', 'List the current heads, as `alembic heads` does, without running Python.', flags);

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  allowOnly(args, flags);
  const project = projectFromArgs(args, ctx);
  writeWarnings(project, ctx);
  const { graph } = await loadRevisions(project, { cache: !args.flags['no-cache'] });
  await write(ctx.stdout, renderHeads(graph, { verbose: args.flags.verbose === true }));
  return 0;
}
