/**
 * `alembic-guard status --database-url URL`: is the database at head? Read-only.
 */
import { allowOnly, helpFor, type FlagName, type ParsedArgs } from './args.js';
import { databaseUrlFromArgs, formatFlag, projectFromArgs, write, type CommandContext } from './shared.js';
import { redactUrl } from '../errors.js';
import { loadRevisions } from '../engine/load.js';
import type { RevisionGraph } from '../graph/types.js';
import { deployStatus, STATUS_EXIT, type DeployStatus } from '../workflow/status.js';
import { readVersionTable } from '../database/version-table.js';

const flags: FlagName[] = ['config', 'name', 'versions', 'recursive', 'format', 'database-url', 'version-table', 'no-cache'];

export const help =
  helpFor(
    'alembic-guard status --database-url URL [options]',
    'Compare the database\'s alembic_version with the migration scripts: is it at head, and what would\n' +
      '`alembic upgrade heads` run? READ-ONLY: it opens one READ ONLY transaction, runs two SELECTs and\n' +
      'rolls back; it never creates or writes anything and takes only the ACCESS SHARE lock of a SELECT,\n' +
      'so it is safe against production.\n' +
      'The URL may also come from $DATABASE_URL (or [tool.alembic-guard] url_env). Passwords are never printed.\n\n' +
      'Exit codes: 0 at head; 1 behind (the pending revisions are listed in upgrade order); 2 usage or\n' +
      'connection error; 3 the database is at a revision no script declares (deployed from another branch?);\n' +
      '4 there is no version table (Alembic never ran there).\n' +
      '--format json prints {"current": [...], "heads": [...], "pending": [...], "state": "at-head|behind|unknown-revision|no-version-table"}.',
    flags,
  );

function firstLine(graph: RevisionGraph, rev: string): string {
  const doc = graph.nodes.get(rev)?.file.docstring?.text ?? '';
  return doc.trim().split('\n')[0]?.trim() ?? '';
}

function renderText(status: DeployStatus, graph: RevisionGraph, where: string): string {
  const list = (revs: string[]) => (revs.length === 0 ? '(none)' : revs.join(', '));
  const out = [`Database: ${where}`, `Current:  ${status.state === 'no-version-table' ? '(no version table)' : list(status.current)}`, `Heads:    ${list(status.heads)}`];
  switch (status.state) {
    case 'at-head':
      out.push('State:    at head: nothing to upgrade.');
      break;
    case 'behind': {
      out.push(`State:    behind: ${status.pending.length} pending revision${status.pending.length === 1 ? '' : 's'}, in upgrade order:`);
      const width = Math.max(...status.pending.map((r) => r.length));
      for (const rev of status.pending) {
        const node = graph.nodes.get(rev);
        out.push(`  ${rev.padEnd(width)}  ${firstLine(graph, rev)}${node ? `  (${node.file.path})` : ''}`);
      }
      out.push('Next:     run `alembic upgrade heads` to apply them.');
      break;
    }
    case 'unknown-revision':
      out.push(
        `State:    unknown revision: Can't locate revision identified by ${status.unknown.map((r) => `'${r}'`).join(', ')}: no script declares ${status.unknown.length === 1 ? 'it' : 'them'}.`,
        'Next:     the database was probably migrated from another branch or a newer release; deploy the code that has that revision, or check out its migration.',
      );
      break;
    case 'no-version-table':
      out.push(
        'State:    no version table: Alembic has never run on this database (or env.py sets another version_table).',
        'Next:     run `alembic upgrade heads`, or pass --version-table [schema.]name.',
      );
      break;
  }
  return out.join('\n') + '\n';
}

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  allowOnly(args, flags);
  const format = formatFlag(args, ['text', 'json'] as const, 'text');
  const project = projectFromArgs(args, ctx);
  const url = databaseUrlFromArgs(args, ctx, project);
  const { graph } = await loadRevisions(project, { cache: !args.flags['no-cache'] });
  const rows = await readVersionTable(url, args.flags['version-table'] ?? 'alembic_version');
  const status = deployStatus(graph, rows);
  if (format === 'json') {
    await write(ctx.stdout, JSON.stringify({ current: status.current, heads: status.heads, pending: status.pending, state: status.state }, null, 2) + '\n');
  } else {
    await write(ctx.stdout, renderText(status, graph, redactUrl(url)));
  }
  return STATUS_EXIT[status.state];
}
