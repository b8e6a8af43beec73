import type { ParsedArgs } from './args.js';
import type { CommandContext } from './shared.js';
export const help = 'doctor';
export async function run(_args: ParsedArgs, _ctx: CommandContext): Promise<number> {
  return 2;
}
