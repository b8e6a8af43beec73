import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { exampleModule, fileFinding, revisionOf, structureKnown } from '../source/shape-support.js';

export const rule = defineRule({
  id: 'empty-downgrade',
  severity: 'warning',
  category: 'shape',
  docs: {
    whatItDoes:
      'Flags a `downgrade()` that does nothing (only `pass`, `...`, a docstring or comments) in a revision whose `upgrade()` does something. A downgrade that raises `NotImplementedError` is an explicit "this cannot be undone": it is reported at severity info, as a note. Revisions whose upgrade() is empty as well (merge points, for instance) are not reported: there is nothing to undo.',
    whyIsThisBad:
      '`alembic downgrade` passes over the revision silently and records the older version in `alembic_version` while the schema keeps the change: the database and the version table disagree, and the next `alembic upgrade` fails on objects that already exist (or, after a rollback, the application runs against a schema it does not expect).',
    example: exampleModule({ downgrade: 'pass' }),
    useInstead: exampleModule({}),
    options:
      'Write `raise NotImplementedError("reason")` in downgrade() for a revision that cannot be undone; it is then reported as info only. Set `[tool.alembic-guard.rules] empty-downgrade = "error"` to make empty downgrades fail the check.',
    references: ['https://alembic.sqlalchemy.org/en/latest/tutorial.html#downgrading'],
  },
  check(ctx) {
    const findings: FindingDraft[] = [];
    for (const file of ctx.lintedFiles) {
      if (!structureKnown(file)) continue;
      const down = file.downgrade;
      if (down === null) continue;
      if (down.bodyKind === 'raises-not-implemented') {
        findings.push({
          ...fileFinding(
            file,
            down.loc,
            `${revisionOf(file)} is explicitly irreversible: its downgrade() raises NotImplementedError, so \`alembic downgrade\` stops here.`,
            'Nothing to do if that is intended; otherwise write a downgrade() that undoes upgrade().',
          ),
          severity: 'info',
        });
      } else if (down.bodyKind === 'empty' && file.upgrade?.bodyKind === 'code') {
        findings.push(
          fileFinding(
            file,
            down.loc,
            `${revisionOf(file)} has an empty downgrade(): \`alembic downgrade\` would record the older version while the schema keeps the change.`,
            'Undo what upgrade() does (drop what it creates, restore what it drops), or raise NotImplementedError("why") when it cannot be undone.',
          ),
        );
      }
    }
    return findings;
  },
});
