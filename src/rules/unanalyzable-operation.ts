import { defineRule } from './define.js';
import { report, upgradeOps } from './support.js';

export const rule = defineRule({
  id: 'unanalyzable-operation',
  severity: 'info',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Reports an operation the static checks cannot read: `op.execute(...)` with an f-string, a variable or SQL built at run time, SQL that does not parse, or an `op.add_column` whose column is not an `sa.Column(...)` call. The operation rules could not look at it, so this says so instead of staying silent.',
    whyIsThisBad:
      'Nothing is wrong by itself; but whatever the statement does (an index without CONCURRENTLY, a table rewrite) was not checked. Running `alembic-guard check` with the database checks reads the real SQL.',
    example: `table = "users"
op.execute(f"CREATE INDEX ix_{table}_email ON {table} (email)")`,
    exampleSql: `CREATE INDEX ix_users_email ON users (email);`,
    useInstead: `op.execute("CREATE INDEX ix_users_email ON users (email)")  # alembic-guard: ignore[require-concurrent-index-creation]`,
    useInsteadSql: `CREATE INDEX ix_users_email ON users (email);`,
    references: [],
  },
  check(ctx) {
    return upgradeOps(ctx, 'unanalyzable').map((op) => ({
      ...report(op, `Not checked: ${op.reason}.`, 'Write the SQL as a literal string so the operation rules can read it, or review this statement by hand.'),
    }));
  },
});
