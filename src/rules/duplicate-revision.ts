import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { addEmail, addPhone, createUsers, exampleFiles } from '../graph/examples.js';
import { at, list, named } from '../graph/locate.js';

export default defineRule({
  id: 'duplicate-revision',
  severity: 'error',
  category: 'graph',
  docs: {
    whatItDoes:
      'Flags a revision id declared by more than one file (typically a migration copied to start a new one, with `revision` left unchanged), naming every file that declares it. Also flags a branch label that is declared twice, or that is the id of another revision.',
    whyIsThisBad:
      'Alembic only warns ("Revision X is present more than once") and keeps the file it loads last; the other file is silently never run, yet its Revision stays in the head set, so `alembic upgrade head` then fails with "Multiple head revisions are present" or the ignored file\'s changes are simply missing from every database. A repeated branch label is fatal: Alembic stops with "Branch name \'x\' in revision B already used by revision A".',
    // add_phone was copied from add_email and kept its revision id.
    example: exampleFiles(createUsers, addEmail, { ...addPhone, revision: addEmail.revision }),
    useInstead: exampleFiles(createUsers, addEmail, { ...addPhone, downRevision: addEmail.revision }),
    references: ['https://alembic.sqlalchemy.org/en/latest/tutorial.html#create-a-migration-script'],
  },
  check(ctx) {
    const { graph } = ctx;
    const findings: FindingDraft[] = [];
    for (const p of graph.problems) {
      if (p.kind === 'duplicate-revision') {
        const kept = p.files[p.files.length - 1]!;
        const paths = p.files.map((f) => f.path);
        for (const file of p.files) {
          const others = paths.filter((path) => path !== file.path);
          findings.push({
            ...at(file, 'revision'),
            revision: p.revision,
            message: `Revision id ${p.revision} is declared by ${p.files.length} files: ${list(paths)}. Alembic keeps only ${kept.path} (the last one loaded) and never runs ${list(paths.filter((x) => x !== kept.path))}.`,
            fix: `Give ${file.path} or ${list(others)} a new revision id (\`python -c "import uuid; print(uuid.uuid4().hex[-12:])"\`, as Alembic does; update its docstring and file name too), then point its down_revision and the down_revision of the revisions that follow it at the right parents.`,
          });
        }
      } else if (p.kind === 'duplicate-branch-label') {
        const [first, second] = p.revisions as [string, string];
        const node = graph.nodes.get(second)!;
        findings.push({
          ...at(node.file, 'branchLabels', 'revision'),
          revision: second,
          message: p.clashesWithRevision
            ? `Branch label "${p.label}" of revision ${second} is the id of revision ${named(graph, first)}. Alembic stops with "Branch name '${p.label}' in revision ${second} already used by revision ${first}".`
            : `Branch label "${p.label}" is declared by both ${named(graph, first)} and ${named(graph, second)}. Alembic stops with "Branch name '${p.label}' in revision ${second} already used by revision ${first}".`,
          fix: `Rename the label in ${node.file.path} (labels are inherited by the whole branch, so one declaration at the branch's first revision is enough).`,
        });
      }
    }
    return findings;
  },
});
