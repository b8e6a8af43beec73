import { defineRule } from './define.js';
import { declaredTypes, typeFinding } from './type-preference.js';

export default defineRule({
  id: 'ban-char-field',
  severity: 'off',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags columns declared as fixed-length `character(n)` (`sa.CHAR(n)`, `sa.NCHAR(n)`, `CHAR(n)`, `CHARACTER`, `BPCHAR`) in `op.create_table`, `op.add_column` and `op.alter_column(..., type_=...)` in upgrade(), as squawk\'s rule of the same name does.',
    whyIsThisBad:
      'A `char(n)` column pads every value with spaces to n characters and ignores trailing spaces in comparisons, which surprises application code (`"ab" != "ab   "` in Python), and it is no faster or smaller than `text` in PostgreSQL. `char` without a length is `char(1)`: longer values fail. It is almost always a mistake for `text` or `varchar`.',
    example: `op.add_column("countries", sa.Column("code", sa.CHAR(2), nullable=True))`,
    exampleSql: `ALTER TABLE countries ADD COLUMN code CHAR(2);`,
    useInstead: `op.add_column("countries", sa.Column("code", sa.Text(), nullable=True))`,
    useInsteadSql: `ALTER TABLE countries ADD COLUMN code TEXT;`,
    options: 'Turn it on with `[tool.alembic-guard.rules] ban-char-field = "warning"`; suppress one column with `# alembic-guard: ignore[ban-char-field]` on its line.',
    references: ['https://squawkhq.com/docs/ban-char-field', 'https://wiki.postgresql.org/wiki/Don%27t_Do_This#Don.27t_use_char.28n.29'],
  },
  check(ctx) {
    return declaredTypes(ctx)
      .filter((d) => d.type.name === 'char')
      .map((d) =>
        typeFinding(
          d,
          `${d.label} is a fixed-length char${d.type.params.length > 0 ? `(${d.type.params[0]})` : ''} (${d.type.text || 'char'}): values are padded with spaces and trailing spaces are ignored in comparisons.`,
          { python: 'Use sa.Text() (or sa.String() with a CHECK on the length).', sql: 'Use text (or varchar).' },
        ),
      );
  },
});
