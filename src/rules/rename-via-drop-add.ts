import { defineRule } from './define.js';
import type { FindingDraft } from '../model.js';
import { callRunsIn, collapsePerCall, columnRef, lintedRevisions, py, report, sameTable, tableRef } from './support.js';
import { typeLabel } from '../ops/types.js';

export const rule = defineRule({
  id: 'rename-via-drop-add',
  severity: 'error',
  category: 'operation',
  docs: {
    whatItDoes:
      'Flags a revision whose upgrade drops a column from a table and adds a different column to the same table, with no data copied between them (no UPDATE of that table and no SQL the rule cannot read). This is how `alembic revision --autogenerate` renders a renamed model attribute.',
    whyIsThisBad:
      'Autogenerate cannot tell a rename from a drop plus an add, so it emits `add_column` + `drop_column`: the migration runs fine and silently throws away every value of the old column. (The DROP COLUMN itself also takes an ACCESS EXCLUSIVE lock, but the lost data is the problem.)',
    example: `op.add_column("users", sa.Column("full_name", sa.String(), nullable=True))
op.drop_column("users", "name")`,
    exampleSql: `ALTER TABLE users ADD COLUMN full_name VARCHAR;
ALTER TABLE users DROP COLUMN name;`,
    useInstead: `op.alter_column("users", "name", new_column_name="full_name")`,
    useInsteadSql: `ALTER TABLE users RENAME name TO full_name;`,
    options:
      'If the drop and the add really are unrelated, say so with `# alembic-guard: ignore[rename-via-drop-add]` on the drop_column line.',
    references: ['https://alembic.sqlalchemy.org/en/latest/autogenerate.html#what-does-autogenerate-detect-and-what-does-it-not-detect'],
  },
  check(ctx) {
    const out: FindingDraft[] = [];
    for (const rev of lintedRevisions(ctx)) {
      const ops = rev.upgrade;
      if (!ops.some((o) => o.kind === 'drop-column') || ops.some((o) => o.kind === 'unanalyzable')) continue;
      // Data moved through a connection (`op.get_bind().execute(...)`) is invisible here: assume a copy.
      if (rev.file.opCalls.some((c) => c.name === 'get_bind' && callRunsIn(ctx, rev.file, c, 'upgrade'))) continue;
      for (const drop of ops) {
        if (drop.kind !== 'drop-column' || drop.tableCreatedInRevision) continue;
        const copied = ops.some((o) => o.kind === 'data-change' && (o.table === null || sameTable(o.table, drop.table)));
        if (copied) continue;
        const added = ops.filter(
          (o): o is Extract<typeof o, { kind: 'add-column' }> =>
            o.kind === 'add-column' && sameTable(o.table, drop.table) && o.column.name !== null && o.column.name.toLowerCase() !== drop.column.toLowerCase(),
        );
        // The downgrade re-adds the dropped column with its type (autogenerate writes it): a rename
        // keeps the type, so an added column of another type is not the same column renamed.
        const readded = rev.downgrade.find(
          (o): o is Extract<typeof o, { kind: 'add-column' }> => o.kind === 'add-column' && sameTable(o.table, drop.table) && (o.column.name ?? '').toLowerCase() === drop.column.toLowerCase(),
        );
        const oldType = readded !== undefined && readded.column.type.name !== 'unknown' ? typeLabel(readded.column.type) : undefined;
        if (oldType !== undefined) {
          const same = added.filter((a) => a.column.type.name === 'unknown' || typeLabel(a.column.type) === oldType);
          added.splice(0, added.length, ...same);
        }
        // An added column later renamed to the dropped one's name replaces it on purpose
        // (new_id → id): the swap is deliberate, not a lost rename.
        const swapped = added.filter((a) =>
          ops.some((o) => o.kind === 'rename-column' && sameTable(o.table, drop.table) && o.column.toLowerCase() === (a.column.name ?? '').toLowerCase() && o.newName.toLowerCase() === drop.column.toLowerCase()),
        );
        if (swapped.length > 0) continue;
        if (added.length === 0) continue;
        const names = added.map((a) => a.column.name!).join(', ');
        const target = added.length === 1 ? added[0]!.column.name! : names.split(', ')[0]!;
        out.push(
          report(
            drop,
            `${columnRef(drop)} is dropped and ${names} added to ${tableRef(drop)} in the same revision: if this is a rename (as autogenerate renders one), every value of ${drop.column} is lost.`,
            `To rename, replace the add_column/drop_column pair with \`op.alter_column(${py(drop.table.name)}, ${py(drop.column)}, new_column_name=${py(target)})\`.`,
          ),
        );
      }
    }
    return collapsePerCall(out);
  },
});
