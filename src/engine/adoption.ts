/**
 * The hint a first run on an existing history needs: when a long history has no baseline and its
 * older revisions carry errors of the per-file rules (which their authors can no longer change:
 * they are deployed), the summary says `alembic-guard init`. Pure.
 */
import type { Finding, Project } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import { ruleById } from '../rules/index.js';

/**
 * From this many revisions on, a history counts as long: past the first weeks of a project, when
 * fixing every old migration is no longer an option and a baseline is the way to adopt the tool.
 */
export const LONG_HISTORY = 20;

export function adoptionHint(project: Project, graph: RevisionGraph, findings: readonly Finding[], since: boolean): string | undefined {
  if (project.settings.baseline !== undefined || since || graph.nodes.size < LONG_HISTORY) return undefined;
  const heads = new Set(graph.heads);
  const old = findings.filter((f) => {
    const category = ruleById.get(f.rule)?.category;
    return f.severity === 'error' && f.revision !== undefined && !heads.has(f.revision) && (category === 'shape' || category === 'operation');
  });
  if (old.length === 0) return undefined;
  const revisions = new Set(old.map((f) => f.revision)).size;
  const head = graph.heads.length === 1 ? ` (${graph.heads[0]})` : '';
  return (
    `${old.length} error${old.length === 1 ? ' is' : 's are'} in ${revisions} older revision${revisions === 1 ? '' : 's'} of this ${graph.nodes.size}-revision history, most likely deployed already, and there is no baseline: ` +
    `run \`alembic-guard init\` to set [tool.alembic-guard] baseline to the current head${head}, so that only the migrations written from now on are linted (or lint a branch's new migrations with --since origin/main).`
  );
}
