/**
 * The revisions as the HTML report needs them: the graph's nodes in history order with their
 * message, file, parents, labels, head/base flags, whether --since selected them, and their offline
 * SQL when the database checks rendered it. Pure.
 */
import type { RevisionGraph } from '../graph/types.js';
import type { ReportRevision } from '../report/types.js';

export function reportRevisions(
  graph: RevisionGraph,
  selected: ReadonlySet<string> | undefined,
  offline: readonly { revision: string; sql?: string; error?: string }[] = [],
): ReportRevision[] {
  const heads = new Set(graph.heads);
  const sql = new Map(offline.map((o) => [o.revision, o]));
  return graph.history.map((rev) => {
    const node = graph.nodes.get(rev)!;
    const o = sql.get(rev);
    return {
      revision: rev,
      file: node.file.path,
      message: node.file.docstring?.text.trim() ?? '',
      downRevisions: node.downRevisions,
      dependsOn: node.dependsOn,
      branchLabels: node.declaredBranchLabels,
      head: heads.has(rev),
      base: node.downRevisions.length === 0,
      selected: selected?.has(node.file.path) ?? false,
      ...(o !== undefined ? { offlineSql: { ...(o.sql !== undefined ? { sql: o.sql } : {}), ...(o.error !== undefined ? { error: o.error } : {}) } } : {}),
    };
  });
}
