import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { addEmail, createUsers, exampleFiles } from '../graph/examples.js';
import { at, list, named, ownLabels } from '../graph/locate.js';
import type { RevisionGraph } from '../graph/types.js';

function descendantCount(graph: RevisionGraph, rev: string): number {
  const seen = new Set<string>();
  const stack = [rev];
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (seen.has(r)) continue;
    seen.add(r);
    stack.push(...(graph.nodes.get(r)?.nextRevisions ?? []));
  }
  return seen.size;
}

export default defineRule({
  id: 'multiple-bases',
  severity: 'warning',
  category: 'graph',
  docs: {
    whatItDoes:
      'Flags a history with more than one base (a revision whose `down_revision` is None) when the bases are not separate labelled branches. A base that carries a branch label of its own (declared, or inherited along its unbranched line) is deliberate and not reported, and so is one unlabelled base, the main line (the base with the most revisions above it), as in Alembic\'s own multiple-bases recipe where only the new bases get a label. Every other unlabelled base is reported on its `down_revision` line.',
    whyIsThisBad:
      'A second base usually comes from `down_revision = None` left in a new migration (or a file written by hand) rather than from a planned independent branch. Alembic then sees an extra head too, so `alembic upgrade head` fails, and the new base applies its changes on an empty lineage: on a fresh database it runs before the tables it expects exist.',
    example: exampleFiles(createUsers, { ...addEmail, downRevision: null }),
    useInstead: exampleFiles(createUsers, addEmail),
    options: [
      'Independent branches are recognised by their labels: create them with `alembic revision --head=base --branch-label=<name> -m "…"` so each base carries its own `branch_labels`. Set the severity with `[tool.alembic-guard.rules] multiple-bases = "error"` (or `"off"`).',
    ].join('\n'),
    references: ['https://alembic.sqlalchemy.org/en/latest/branches.html#working-with-multiple-bases'],
  },
  check(ctx) {
    const { graph } = ctx;
    // Unreadable revision variables (reported by unparseable-migration) leave the graph incomplete.
    if (graph.bases.length < 2 || graph.unreadable.length > 0) return [];
    const unlabeled = graph.bases.filter((b) => ownLabels(graph, b, graph.bases).length === 0);
    // One unlabelled base is the main line (Alembic's own multi-base recipe labels only the new
    // bases): the one with the most revisions above it, the first loaded on a tie.
    const sizes = unlabeled.map((b) => descendantCount(graph, b));
    const main = unlabeled[sizes.indexOf(Math.max(...sizes))];
    const findings: FindingDraft[] = [];
    for (const base of unlabeled) {
      if (base === main) continue;
      const node = graph.nodes.get(base)!;
      findings.push({
        ...at(node.file, 'downRevision', 'revision'),
        revision: base,
        message: `Revision ${base} is one of ${graph.bases.length} bases (down_revision = None): ${list(graph.bases.map((b) => named(graph, b)))}. It carries no branch label of its own, so it does not look like a deliberate independent branch${main !== undefined ? ` next to the main line from ${main}` : ''}.`,
        fix: `If ${base} should follow the existing history, set its down_revision to the revision it builds on instead of None. If it starts an independent branch, give it a branch label: branch_labels = ("<name>",).`,
      });
    }
    return findings;
  },
});
