import { defineRule } from './define.js';
import { declaredTypes, typeFinding } from './type-preference.js';

export default defineRule({
  id: 'prefer-text-field',
  severity: 'off',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags columns declared with a length limit, `sa.String(255)` / `VARCHAR(255)`, in `op.create_table`, `op.add_column` and `op.alter_column(..., type_=...)` in upgrade(), as squawk\'s rule of the same name does. `sa.String()` without a length and `sa.Text()` are fine.',
    whyIsThisBad:
      'The limit will need to change one day, and changing a varchar length is an ALTER COLUMN TYPE: it takes an ACCESS EXCLUSIVE lock on the table, blocking all reads and writes (and rewrites the table when the limit shrinks). In PostgreSQL `text` and `varchar(n)` are stored the same way; a CHECK constraint on `char_length` enforces the same limit and can be replaced online (added NOT VALID, then validated).',
    example: `op.add_column("users", sa.Column("display_name", sa.String(100), nullable=True))`,
    exampleSql: `ALTER TABLE users ADD COLUMN display_name VARCHAR(100);`,
    useInstead: `op.add_column("users", sa.Column("display_name", sa.Text(), nullable=True))
op.create_check_constraint(
    "ck_users_display_name_length", "users", "char_length(display_name) <= 100", postgresql_not_valid=True
)`,
    useInsteadSql: `ALTER TABLE users ADD COLUMN display_name TEXT;
ALTER TABLE users ADD CONSTRAINT ck_users_display_name_length CHECK (char_length(display_name) <= 100) NOT VALID;`,
    options: 'Turn it on with `[tool.alembic-guard.rules] prefer-text-field = "warning"`; suppress one column with `# alembic-guard: ignore[prefer-text-field]` on its line.',
    references: ['https://squawkhq.com/docs/prefer-text-field', 'https://www.postgresql.org/docs/current/datatype-character.html'],
  },
  check(ctx) {
    return declaredTypes(ctx)
      .filter((d) => d.type.name === 'varchar' && d.type.params.length > 0)
      .map((d) =>
        typeFinding(
          d,
          `${d.label} is varchar(${d.type.params[0]}) (${d.type.text || 'varchar'}): changing the limit later takes an ACCESS EXCLUSIVE lock on ${d.table}, blocking all reads and writes.`,
          {
            python: `Use sa.Text() and enforce the limit with a CHECK constraint (\`op.create_check_constraint("ck_...", "${d.table}", "char_length(${d.column}) <= ${d.type.params[0]}")\`).`,
            sql: `Use text with a CHECK (char_length(${d.column}) <= ${d.type.params[0]}) constraint.`,
          },
        ),
      );
  },
});
