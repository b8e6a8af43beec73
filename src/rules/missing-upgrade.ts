import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { exampleModule, fileFinding, revisionOf, structureKnown } from '../source/shape-support.js';

export const rule = defineRule({
  id: 'missing-upgrade',
  severity: 'error',
  category: 'shape',
  docs: {
    whatItDoes:
      'Flags a revision file that defines no module-level `upgrade()` function (a `def upgrade` nested in a class or an `if`, or a misspelt name, does not count; `upgrade = some_function` does).',
    whyIsThisBad:
      'Alembic calls `module.upgrade()` when it applies the revision: `alembic upgrade head` fails with `AttributeError: module ... has no attribute \'upgrade\'` halfway through the history, in CI or, worse, during a deploy, after the earlier revisions have already been applied.',
    example: exampleModule({
      upgrade: null,
      extra: 'def upgrade_invoices():\n    op.add_column("invoices", sa.Column("paid_at", sa.DateTime(), nullable=True))\n',
    }),
    useInstead: exampleModule({}),
    references: ['https://alembic.sqlalchemy.org/en/latest/tutorial.html#create-a-migration-script'],
  },
  check(ctx) {
    const findings: FindingDraft[] = [];
    for (const file of ctx.lintedFiles) {
      if (!structureKnown(file)) continue;
      if (file.upgrade !== null) continue;
      findings.push(
        fileFinding(
          file,
          undefined,
          `${revisionOf(file)} has no upgrade() function: \`alembic upgrade\` fails with AttributeError when it reaches it.`,
          'Define `def upgrade() -> None:` at module level; a revision that changes nothing (a merge, for instance) still needs one with `pass`.',
        ),
      );
    }
    return findings;
  },
});
