import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { exampleModule, fileFinding, revisionOf, structureKnown } from '../source/shape-support.js';

export const rule = defineRule({
  id: 'missing-downgrade',
  severity: 'error',
  category: 'shape',
  docs: {
    whatItDoes:
      'Flags a revision file that defines no module-level `downgrade()` function. A downgrade that raises `NotImplementedError` is an explicit choice and is fine here (see `empty-downgrade`).',
    whyIsThisBad:
      'Alembic calls `module.downgrade()` when it steps back over the revision: `alembic downgrade` (a rollback during an incident, or a test that upgrades and downgrades) fails with `AttributeError` instead of undoing the change or saying clearly that it cannot.',
    example: exampleModule({ downgrade: null }),
    useInstead: exampleModule({}),
    options:
      'For a revision that cannot be undone, write `def downgrade(): raise NotImplementedError("why")` so the choice is explicit; `empty-downgrade` reports it as info.',
    references: ['https://alembic.sqlalchemy.org/en/latest/tutorial.html#downgrading'],
  },
  check(ctx) {
    const findings: FindingDraft[] = [];
    for (const file of ctx.lintedFiles) {
      if (!structureKnown(file)) continue;
      if (file.downgrade !== null) continue;
      findings.push(
        fileFinding(
          file,
          undefined,
          `${revisionOf(file)} has no downgrade() function: \`alembic downgrade\` fails with AttributeError when it reaches it.`,
          'Define `def downgrade() -> None:` that undoes upgrade(), or, when the change cannot be undone, one that raises NotImplementedError with the reason.',
        ),
      );
    }
    return findings;
  },
});
