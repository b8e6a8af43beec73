import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { addEmail, createUsers, exampleFiles } from '../graph/examples.js';
import { at, didYouMean, list } from '../graph/locate.js';

const audit = {
  file: '5d2f7a8c9b10_create_audit_log.py',
  message: 'create audit log',
  revision: '5d2f7a8c9b10',
  downRevision: null,
  branchLabels: 'audit',
  upgrade: ['op.create_table("audit_log", sa.Column("id", sa.BigInteger(), primary_key=True))'],
  downgrade: ['op.drop_table("audit_log")'],
};

export default defineRule({
  id: 'missing-dependency',
  severity: 'error',
  category: 'graph',
  docs: {
    whatItDoes:
      '`depends_on` may name revision ids or branch labels. This rule flags a name that is neither: no revision file declares that id and no revision declares that branch label.',
    whyIsThisBad:
      "Alembic resolves `depends_on` while it builds the revision map, so every command (`upgrade`, `heads`, `history`, `revision` …) dies with a bare `KeyError: '<name>'` traceback. Partial ids are not accepted here either.",
    example: exampleFiles(createUsers, addEmail, { ...audit, dependsOn: '1975ea83b7' }),
    useInstead: exampleFiles(createUsers, addEmail, { ...audit, dependsOn: '1975ea83b712' }),
    references: ['https://alembic.sqlalchemy.org/en/latest/branches.html#branch-dependencies'],
  },
  check(ctx) {
    const { graph } = ctx;
    const findings: FindingDraft[] = [];
    for (const p of graph.problems) {
      if (p.kind !== 'missing-dependency') continue;
      const node = graph.nodes.get(p.revision)!;
      const labels = [...graph.branchLabels.keys()];
      const unknown = graph.unreadable
        .filter((u) => u.field === 'revision' || u.field === 'branchLabels')
        .map((u) => `the ${u.field === 'revision' ? 'revision id' : 'branch labels'} of ${u.file.path}`);
      const near = didYouMean(p.missing, [...graph.nodes.keys(), ...labels]);
      findings.push({
        ...at(node.file, 'dependsOn', 'revision'),
        revision: p.revision,
        message:
          `Revision ${p.revision} depends_on "${p.missing}", but no revision file declares that revision id and no revision has that branch label. Alembic stops every command with KeyError: '${p.missing}'.` +
          (unknown.length > 0 ? ` (${list(unknown)} cannot be read statically; if the name is there, fix that first.)` : ''),
        fix:
          near.length > 0
            ? `Did you mean ${list(near.map((n) => `"${n}"`))}? depends_on needs an exact, full revision id or branch label.`
            : `Name an existing revision id or branch label${labels.length > 0 ? ` (labels: ${list(labels)})` : ''}, restore the missing revision file, or drop the dependency.`,
      });
    }
    return findings;
  },
});
