import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { addEmail, addPhone, createUsers, exampleFiles } from '../graph/examples.js';
import { at, named } from '../graph/locate.js';

export default defineRule({
  id: 'revision-cycle',
  severity: 'error',
  category: 'graph',
  docs: {
    whatItDoes:
      'Flags revisions whose `down_revision` links (or `depends_on` links) lead back to themselves: a revision that names itself, or a loop such as A → B → C → A. The finding names the revisions on the cycle in order, each followed by the revision its `down_revision` (or `depends_on`) points to, on the line of the first one.',
    whyIsThisBad:
      'Alembic refuses the whole revision map: every command stops with "Cycle is detected in revisions (…)", "Self-loop is detected in revisions (…)" or "Dependency cycle is detected in revisions (…)". No database can be upgraded until the loop is broken, and the loop usually means a parent was edited by hand during a rebase.',
    example: exampleFiles({ ...createUsers, downRevision: addPhone.revision }, addEmail, { ...addPhone, downRevision: addEmail.revision }),
    useInstead: exampleFiles(createUsers, addEmail, { ...addPhone, downRevision: addEmail.revision }),
    references: ['https://alembic.sqlalchemy.org/en/latest/api/script.html#alembic.script.revision.CycleDetected'],
  },
  check(ctx) {
    const { graph } = ctx;
    const findings: FindingDraft[] = [];
    for (const p of graph.problems) {
      if (p.kind !== 'revision-cycle') continue;
      const first = p.revisions[0]!;
      const node = graph.nodes.get(first)!;
      const field = p.dependency ? 'depends_on' : 'down_revision';
      const place = at(node.file, p.dependency ? 'dependsOn' : 'downRevision', 'revision');
      if (p.revisions.length === 1) {
        findings.push({
          ...place,
          revision: first,
          message: `Revision ${first} names itself in ${field}. Alembic stops with "${p.dependency ? 'Dependency self-loop' : 'Self-loop'} is detected in revisions (${first})".`,
          fix: p.dependency
            ? `Remove ${first} from its own depends_on.`
            : `Set down_revision to the revision ${first} really follows (the previous head when it was created), not to its own id.`,
        });
        continue;
      }
      const path = [...p.revisions, first].join(' → ');
      const links = p.revisions.map((r) => named(graph, r)).join(', ');
      findings.push({
        ...place,
        revision: first,
        message: `Revisions form a cycle through ${p.dependency ? 'down_revision and depends_on' : 'down_revision'}: ${path} (each arrow points to the ${p.dependency ? 'parent or dependency' : 'parent'}). Files: ${links}. Alembic stops with "${p.dependency ? 'Dependency cycle' : 'Cycle'} is detected in revisions".`,
        fix: `Break the loop: one of these revisions must point ${p.dependency ? '(in down_revision or depends_on) ' : ''}at an older revision outside the cycle; usually the one created first should revise the revision that was head before it.`,
      });
    }
    return findings;
  },
});
