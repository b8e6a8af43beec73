/**
 * `alembic-guard sql [RANGE]`: each revision's upgrade as offline SQL (what `alembic upgrade
 * <down>:<rev> --sql` prints for that revision alone), rendered through the project's own env.py
 * by the Python helper; no database. As text, or as Markdown with one reviewable block per revision
 * (for a pull-request comment).
 */
import type { Project } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import type { GuardError } from '../errors.js';
import { UsageError } from '../errors.js';
import { runRuntimeChecks, type OfflineRevisionSql, type RuntimeOptions } from './session.js';

export interface OfflineSqlResult {
  revisions: OfflineRevisionSql[];
  error?: GuardError;
}

/** Resolve a revision id, unique id prefix or branch label against the static graph. */
function resolve(ref: string, graph: RevisionGraph): string {
  if (graph.nodes.has(ref)) return ref;
  const labelled = graph.branchLabels.get(ref);
  if (labelled !== undefined) return labelled;
  const prefixed = [...graph.nodes.keys()].filter((id) => id.startsWith(ref));
  if (prefixed.length === 1) return prefixed[0]!;
  throw new UsageError(prefixed.length > 1 ? `"${ref}" matches several revisions: ${prefixed.join(', ')}` : `"${ref}" names no revision`, {
    hint: 'Give a revision id (or a unique prefix, or a branch label); `alembic-guard history` lists them.',
  });
}

function withAncestors(ids: string[], graph: RevisionGraph): Set<string> {
  const out = new Set<string>();
  const stack = [...ids];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    const node = graph.nodes.get(id);
    if (node !== undefined) stack.push(...node.downRevisions, ...node.dependsOn);
  }
  return out;
}

/**
 * The revisions a range selects, as Alembic reads `A:B`: those B needs (B included) that A does
 * not (A excluded). `REV` alone is that revision; `:B` is `base:B`; `A:` is `A:heads`; empty is
 * everything.
 */
export function selectRange(range: string | undefined, graph: RevisionGraph): Set<string> | undefined {
  if (range === undefined || range.trim() === '') return undefined;
  const r = range.trim();
  if (!r.includes(':')) return new Set([resolve(r, graph)]);
  const [from = '', to = ''] = r.split(':', 2);
  const heads = to === '' || to === 'head' || to === 'heads' ? graph.heads : [resolve(to, graph)];
  const upTo = withAncestors(heads, graph);
  const below = from === '' || from === 'base' ? new Set<string>() : withAncestors([resolve(from, graph)], graph);
  return new Set([...upTo].filter((id) => !below.has(id)));
}

export async function offlineSql(project: Project, graph: RevisionGraph, options: RuntimeOptions & { range?: string } = {}): Promise<OfflineSqlResult> {
  const selected = selectRange(options.range, graph);
  const result = await runRuntimeChecks(project, graph, { ...options, only: ['offline-sql'] });
  const revisions = result.offlineSql.filter((r) => selected === undefined || selected.has(r.revision));
  return { revisions, ...(result.error !== undefined ? { error: result.error } : {}) };
}

/** Plain SQL, one commented header per revision. */
export function formatSqlText(revisions: readonly OfflineRevisionSql[]): string {
  return revisions
    .map((r) => {
      const head = `-- Revision ${r.revision} (${r.file})`;
      if (r.sql === undefined) return `${head}\n-- cannot be rendered as offline SQL: ${r.error ?? 'unknown error'}\n`;
      return `${head}\n${r.sql.replace(/\n+$/, '')}\n`;
    })
    .join('\n');
}

/** One block per revision, for a pull-request comment. */
export function formatSqlMarkdown(revisions: readonly OfflineRevisionSql[]): string {
  if (revisions.length === 0) return '_No revisions selected._\n';
  const fence = (sql: string): string => {
    let f = '```';
    while (sql.includes(f)) f += '`';
    return `${f}sql\n${sql.replace(/\n+$/, '')}\n${f}`;
  };
  return (
    revisions
      .map((r) => {
        const head = `### \`${r.revision}\` — \`${r.file}\``;
        if (r.sql === undefined) return `${head}\n\n> Cannot be rendered as offline SQL (\`alembic upgrade --sql\`): ${r.error ?? 'unknown error'}`;
        return `${head}\n\n${fence(r.sql)}`;
      })
      .join('\n\n') + '\n'
  );
}
