import { defineRule } from './define.js';
import { declaredTypes, typeFinding } from './type-preference.js';

export default defineRule({
  id: 'prefer-timestamptz',
  severity: 'off',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags columns declared as `timestamp without time zone` (`sa.DateTime()`, `sa.TIMESTAMP()` without `timezone=True`, `TIMESTAMP`) in `op.create_table`, `op.add_column` and `op.alter_column(..., type_=...)` in upgrade(), as squawk\'s rule of the same name does.',
    whyIsThisBad:
      'A `timestamp` column drops the UTC offset of what is stored in it: 2019-10-11 21:11:24+02 and 2019-10-11 21:11:24-06 are both stored as 2019-10-11 21:11:24, though they are eight hours apart. Values written by servers or sessions in different time zones become silently inconsistent, and daylight-saving changes make some local times ambiguous. `timestamptz` stores an absolute instant and converts on the way out.',
    example: `op.add_column("orders", sa.Column("shipped_at", sa.DateTime(), nullable=True))`,
    exampleSql: `ALTER TABLE orders ADD COLUMN shipped_at TIMESTAMP WITHOUT TIME ZONE;`,
    useInstead: `op.add_column("orders", sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True))`,
    useInsteadSql: `ALTER TABLE orders ADD COLUMN shipped_at TIMESTAMP WITH TIME ZONE;`,
    options: 'Turn it on with `[tool.alembic-guard.rules] prefer-timestamptz = "warning"`; suppress one column with `# alembic-guard: ignore[prefer-timestamptz]` on its line.',
    references: ['https://squawkhq.com/docs/prefer-timestamptz', 'https://wiki.postgresql.org/wiki/Don%27t_Do_This#Don.27t_use_timestamp_.28without_time_zone.29'],
  },
  check(ctx) {
    return declaredTypes(ctx)
      .filter((d) => d.type.name === 'timestamp')
      .map((d) =>
        typeFinding(
          d,
          `${d.label} is a timestamp without time zone (${d.type.text || 'timestamp'}): the UTC offset of every value is dropped, so times written from different time zones cannot be compared.`,
          { python: 'Use sa.DateTime(timezone=True) (timestamptz).', sql: 'Use timestamptz (timestamp with time zone).' },
        ),
      );
  },
});
