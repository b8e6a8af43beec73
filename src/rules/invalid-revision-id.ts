import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { exampleModule, fileFinding } from '../source/shape-support.js';

/** alembic/script/revision.py `_revision_illegal_chars`: Revision.verify_rev_id rejects them. */
const ILLEGAL = ['@', '-', '+', ':'];
/** `alembic_version.version_num` is VARCHAR(32) (DefaultImpl.version_table_impl). */
const MAX_LENGTH = 32;
/** Symbols RevisionMap._resolve_revision_number reads before any id. */
const RESERVED = new Set(['head', 'heads', 'base']);

function reasons(id: string): string[] {
  const out: string[] = [];
  if (id === '') return ['it is empty, so no command can name it'];
  const illegal = ILLEGAL.filter((ch) => id.includes(ch)).sort();
  if (illegal.length > 0) {
    out.push(`Alembic refuses to load it: RevisionError "Character(s) '${illegal.join(', ')}' not allowed in revision identifier '${id}'"`);
  }
  if (/\s/.test(id)) out.push('it contains whitespace, which cannot be passed to `alembic upgrade`/`downgrade`/`stamp` as one id');
  if (id.includes("'")) out.push("it contains a quote: Alembic writes the id into alembic_version as a quoted SQL literal, which breaks the statement");
  if ([...id].length > MAX_LENGTH) out.push(`it is ${[...id].length} characters long and alembic_version.version_num holds ${MAX_LENGTH}: the upgrade fails on PostgreSQL when the id is stored`);
  if (RESERVED.has(id)) out.push(`"${id}" is a symbol Alembic resolves before any revision id, so the revision cannot be named on the command line`);
  return out;
}

export const rule = defineRule({
  id: 'invalid-revision-id',
  severity: 'error',
  category: 'shape',
  docs: {
    whatItDoes:
      'Flags a revision id Alembic cannot address: one with `@`, `-`, `+` or `:` (Alembic\'s RevisionError: they mean branch@rev and relative steps such as `head-1`), whitespace, a quote, the reserved words `head`, `heads` and `base`, an empty id, or one longer than the 32 characters of `alembic_version.version_num`.',
    whyIsThisBad:
      'Alembic refuses to load a history with such an id at all, so every `alembic` command fails; an id longer than 32 characters loads but `alembic upgrade` fails when it writes the id into alembic_version (`value too long for type character varying(32)`), after the revision\'s schema changes ran.',
    example: exampleModule({ revision: 'add-paid-at-to-invoices' }),
    useInstead: exampleModule({ revision: 'add_paid_at_to_invoices' }),
    references: ['https://alembic.sqlalchemy.org/en/latest/api/script.html#alembic.script.revision.Revision'],
  },
  check(ctx) {
    const findings: FindingDraft[] = [];
    for (const file of ctx.lintedFiles) {
      const id = file.revision.value;
      if (id === null) continue;
      const why = reasons(id);
      if (why.length === 0) continue;
      findings.push(
        fileFinding(
          file,
          file.revision.loc,
          `Revision id "${id}" cannot be used: ${why.join('; ')}.`,
          'Use letters, digits and underscores only, at most 32 characters (`alembic revision` generates 12 hex digits), and update the down_revision of the revisions after it.',
        ),
      );
    }
    return findings;
  },
});
