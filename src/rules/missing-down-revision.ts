import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { addEmail, createUsers, exampleFiles } from '../graph/examples.js';
import { at, didYouMean, list, named } from '../graph/locate.js';
import type { RevisionGraph } from '../graph/types.js';

function descendants(graph: RevisionGraph, rev: string): Set<string> {
  const seen = new Set<string>();
  const stack = [rev];
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (seen.has(r)) continue;
    seen.add(r);
    stack.push(...(graph.nodes.get(r)?.nextRevisions ?? []));
  }
  return seen;
}

export default defineRule({
  id: 'missing-down-revision',
  severity: 'error',
  category: 'graph',
  docs: {
    whatItDoes:
      "Flags a `down_revision` that names a revision no file in the version locations declares: a parent that was deleted, renamed, not committed, lives in a version location Alembic is not configured to read, or is a typo. Also flags a `down_revision` that names a branch label: Alembic needs the parent's revision id there.",
    whyIsThisBad:
      "Alembic cannot build its revision map: every command (`upgrade`, `downgrade`, `heads`, `history`, `check`, even `revision`) dies with a bare `KeyError: '<id>'` traceback, and the whole chain above the broken link can no longer be applied to a new database.",
    example: exampleFiles(createUsers, { ...addEmail, downRevision: 'ae1027a6acf' }),
    useInstead: exampleFiles(createUsers, addEmail),
    references: ['https://alembic.sqlalchemy.org/en/latest/tutorial.html#create-a-migration-script'],
  },
  check(ctx) {
    const { graph } = ctx;
    const findings: FindingDraft[] = [];
    for (const p of graph.problems) {
      if (p.kind !== 'missing-down-revision') continue;
      const node = graph.nodes.get(p.revision)!;
      let message: string;
      let fix: string;
      if (p.labelOf !== undefined) {
        message = `Revision ${p.revision} has down_revision "${p.missing}", which is a branch label of ${named(graph, p.labelOf)}, not a revision id. Alembic only accepts revision ids in down_revision and fails to build its revision map.`;
        fix = `Write the revision id instead: down_revision = "${p.labelOf}" (or the id of the revision on that branch this one really follows).`;
      } else {
        const near = didYouMean(p.missing, graph.nodes.keys());
        const above = descendants(graph, p.revision);
        const others = graph.heads.filter((h) => !above.has(h));
        const unknownIds = graph.unreadable.filter((u) => u.field === 'revision').map((u) => u.file.path);
        message =
          `Revision ${p.revision} has down_revision "${p.missing}", but no revision file declares revision "${p.missing}". Alembic stops every command with KeyError: '${p.missing}'.` +
          (unknownIds.length > 0 ? ` (The revision id of ${list(unknownIds)} cannot be read statically; if it is "${p.missing}", fix that file first.)` : '');
        fix =
          near.length > 0
            ? `Did you mean ${list(near.map((n) => `"${n}" (${graph.nodes.get(n)!.file.path})`))}? down_revision needs the exact, full revision id.`
            : `Restore the missing revision file (or add its folder to version_locations), or point down_revision at the revision this one really follows${others.length > 0 ? ` (heads on other lines: ${list(others)})` : ''}.`;
      }
      findings.push({ ...at(node.file, 'downRevision', 'revision'), revision: p.revision, message, fix });
    }
    return findings;
  },
});
