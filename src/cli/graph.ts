import { allowOnly, helpFor, type FlagName, type ParsedArgs } from './args.js';
import { formatFlag, revisionsFromArgs, write, type CommandContext } from './shared.js';
import { renderGraph } from '../graph/render.js';

const flags: FlagName[] = ['config', 'name', 'versions', 'recursive', 'format', 'no-cache'];
const formats = ['text', 'mermaid', 'dot', 'json'] as const;

export const help = helpFor(
  'alembic-guard graph [--format text|mermaid|dot|json]',
  'Print the revision graph. The json form lists every revision with its file, down revisions, branch labels\nand depends_on, plus heads (as `alembic heads`), realHeads (what alembic_version holds at head) and bases.',
  flags,
);

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  allowOnly(args, flags);
  const format = formatFlag(args, formats, 'text');
  const { project, graph } = await revisionsFromArgs(args, ctx);
  await write(ctx.stdout, renderGraph(graph, format, project));
  return 0;
}
