import { allowOnly, helpFor, type ParsedArgs } from './args.js';
import { write, type CommandContext } from './shared.js';
import { UsageError } from '../errors.js';
import { rules, ruleById } from '../rules/index.js';
import { renderRuleDoc, renderRuleList } from '../rules/docs.js';

export const help = helpFor('alembic-guard rules | alembic-guard rule <id>', 'List the rules, or show one rule\'s documentation.', []);

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  allowOnly(args, []);
  if (args.command === 'rules') {
    await write(ctx.stdout, renderRuleList(rules));
    return 0;
  }
  const id = args.positionals[0];
  if (id === undefined) throw new UsageError('`rule` needs a rule id', { hint: 'Run `alembic-guard rules` to list them.' });
  const rule = ruleById.get(id);
  if (rule === undefined) throw new UsageError(`no rule "${id}"`, { hint: 'Run `alembic-guard rules` to list them.' });
  await write(ctx.stdout, renderRuleDoc(rule));
  return 0;
}
