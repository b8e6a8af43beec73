import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import type { Operation, OperationOf, RevisionOps } from '../ops/model.js';
import { nameKey } from '../ops/model.js';
import { lintedRevisions, q, report } from './support.js';
import { sqlTokens } from '../ops/env-settings.js';

type AddValue = OperationOf<'alter-type-add-value'>;

/** The words and punctuation of SQL (identifiers lower-cased unless quoted), string constants left out. */
function sqlWords(sql: string): string[] {
  return sqlTokens(sql)
    .filter((t) => t.kind !== 'string')
    .map((t) => t.text);
}

/** `ALTER TYPE <name> DROP VALUE ...` (which PostgreSQL does not have): the type's name. */
function dropValueTarget(sql: string): string | undefined {
  const w = sqlWords(sql);
  for (let i = 0; i + 4 < w.length; i++) {
    if (w[i] !== 'alter' || w[i + 1] !== 'type') continue;
    // ALTER TYPE [schema.]name DROP VALUE
    let k = i + 2;
    let name = w[k]!;
    while (w[k + 1] === '.') {
      name = w[k + 2] ?? name;
      k += 2;
    }
    if (w[k + 1] === 'drop' && w[k + 2] === 'value') return name;
  }
  return undefined;
}

/**
 * Whether a downgrade operation does something about the enum type: recreates or drops it,
 * renames it, converts a column to a new type of that name, edits pg_enum directly, or is SQL we
 * cannot read (given the benefit of the doubt).
 */
function handlesType(op: Operation, type: string): boolean {
  switch (op.kind) {
    case 'create-type':
    case 'drop-type':
      return op.typeName.name.toLowerCase() === type || op.typeName.name.toLowerCase().startsWith(`${type}_`);
    case 'alter-column-type':
      return op.to.enumName?.toLowerCase() === type || op.to.name.toLowerCase() === type;
    case 'data-change':
      return op.table !== null && op.table.name.toLowerCase() === 'pg_enum';
    case 'unanalyzable':
      return true;
    case 'other-sql':
      return op.source.kind === 'sql' && sqlWords(op.source.statement).includes(type);
    default:
      return false;
  }
}

const FIX =
  'Make the downgrade honest: recreate the type without the value (rename the old type, CREATE TYPE with the old values, ALTER the columns with USING col::text::new_type after mapping rows that use the value, DROP the old type), or declare the downgrade irreversible with `raise NotImplementedError("cannot remove an enum value")`.';

export default defineRule({
  id: 'ban-enum-value-removal',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      "Checks the downgrade() of a revision whose upgrade() adds enum values (`ALTER TYPE … ADD VALUE`). PostgreSQL has no `ALTER TYPE ... DROP VALUE`, so a downgrade that tries it is an error, and a downgrade that does nothing about the type (leaves the value in place while looking reversible) is flagged too: as an error when the upgrade's ADD VALUE has no IF NOT EXISTS (upgrading again after the downgrade then fails), as a warning otherwise. A downgrade that recreates the type (CREATE TYPE / DROP TYPE / ALTER TYPE RENAME of that type, a column converted to a new enum of that name), edits pg_enum, or raises NotImplementedError is accepted.",
    whyIsThisBad:
      'A downgrade is what you run when a release goes wrong, and it must do what it says. `ALTER TYPE ... DROP VALUE` does not exist ("dropping an enum value is not implemented"), so that downgrade fails exactly when it is needed. A downgrade that quietly leaves the value behind reports success, but the schema is not the previous revision\'s: rows may still hold the value, and running the upgrade again fails with "enum label already exists". Either really remove the value (recreate the type) or say plainly that the migration cannot be reversed.',
    example: `
"""add the refunded order status

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")


def downgrade():
    pass
`,
    exampleSql: `-- upgrade
ALTER TYPE order_status ADD VALUE 'refunded';
-- downgrade: nothing; 'refunded' stays, and the next upgrade fails:
-- ERROR:  enum label "refunded" already exists`,
    useInstead: `
"""add the refunded order status

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")


def downgrade():
    op.execute("UPDATE orders SET status = 'cancelled' WHERE status = 'refunded'")
    op.execute("ALTER TYPE order_status RENAME TO order_status_old")
    op.execute("CREATE TYPE order_status AS ENUM ('pending', 'paid', 'cancelled')")
    op.execute(
        "ALTER TABLE orders ALTER COLUMN status TYPE order_status "
        "USING status::text::order_status"
    )
    op.execute("DROP TYPE order_status_old")
`,
    useInsteadSql: `-- downgrade
UPDATE orders SET status = 'cancelled' WHERE status = 'refunded';
ALTER TYPE order_status RENAME TO order_status_old;
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'cancelled');
ALTER TABLE orders ALTER COLUMN status TYPE order_status USING status::text::order_status;
DROP TYPE order_status_old;`,
    options:
      'If keeping the value on downgrade is deliberate, make the downgrade say so with `raise NotImplementedError(...)`, or suppress the finding with `# alembic-guard: ignore[ban-enum-value-removal]` on the `def downgrade():` line. Set the severity with `[tool.alembic-guard.rules] ban-enum-value-removal = "warning"`.',
    references: ['https://www.postgresql.org/docs/current/datatype-enum.html#DATATYPE-ENUM-IMPLEMENTATION-DETAILS', 'https://www.postgresql.org/docs/current/sql-altertype.html'],
  },
  check(ctx) {
    const out: FindingDraft[] = [];
    for (const rev of lintedRevisions(ctx)) {
      // A DROP VALUE attempt anywhere in the downgrade fails at run time.
      const attempts = new Set<string>();
      for (const op of rev.downgrade) {
        if (op.kind !== 'unanalyzable' || op.source.kind !== 'sql') continue;
        const type = dropValueTarget(op.source.statement);
        if (type === undefined) continue;
        attempts.add(type.toLowerCase());
        out.push(
          report(
            op,
            `\`ALTER TYPE ${type} DROP VALUE\` does not exist in PostgreSQL ("dropping an enum value is not implemented"): this downgrade fails when it runs.`,
            FIX,
          ),
        );
      }
      out.push(...unhandledAdds(rev, attempts));
    }
    return out;
  },
});

function unhandledAdds(rev: RevisionOps, attempts: ReadonlySet<string>): FindingDraft[] {
  const adds = rev.upgrade.filter((o): o is AddValue => o.kind === 'alter-type-add-value');
  const down = rev.file.downgrade;
  if (adds.length === 0 || down === null || down.bodyKind === 'raises-not-implemented') return [];
  const byType = new Map<string, AddValue[]>();
  for (const a of adds) byType.set(nameKey(a.typeName), [...(byType.get(nameKey(a.typeName)) ?? []), a]);
  const out: FindingDraft[] = [];
  for (const [, list] of byType) {
    const typeName = list[0]!.typeName;
    const type = typeName.name.toLowerCase();
    if (attempts.has(type)) continue;
    if (rev.downgrade.some((op) => handlesType(op, type))) continue;
    const values = list.map((a) => `'${a.value}'`).join(', ');
    const guarded = list.every((a) => a.ifNotExists);
    const consequence = guarded
      ? 'the value stays, so after the downgrade the type is not what the previous revision had'
      : `the value stays, and upgrading again fails with "enum label already exists" (the ADD VALUE at line ${list.find((a) => !a.ifNotExists)!.loc.line} has no IF NOT EXISTS)`;
    out.push({
      message: `downgrade() does nothing about ${values} that upgrade() adds to enum type ${q(typeName)} (line ${list[0]!.loc.line}): PostgreSQL cannot drop an enum value, ${consequence}.`,
      file: rev.file.path,
      line: down.loc.line,
      column: down.loc.column,
      endLine: down.loc.line,
      endColumn: down.loc.column + 'def downgrade'.length,
      ...(rev.revision !== null ? { revision: rev.revision } : {}),
      fix: FIX,
      ...(guarded ? { severity: 'warning' as const } : {}),
    });
  }
  return out;
}
