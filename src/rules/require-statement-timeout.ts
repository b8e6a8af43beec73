import { defineRule } from './define.js';
import { timeoutFindings } from './timeout-support.js';

export default defineRule({
  id: 'require-statement-timeout',
  severity: 'off',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags a revision whose upgrade() takes an ACCESS EXCLUSIVE lock on an existing table with no `statement_timeout` in force, counted exactly as `require-lock-timeout` counts lock_timeout: `SET statement_timeout` / `SET LOCAL statement_timeout` earlier in the same revision (`SET LOCAL` ends with its transaction, `RESET` clears it), and the timeouts env.py sets for every migration (connection `options`, asyncpg `server_settings`, a SET executed before `context.run_migrations()`). A value of 0 means no timeout. One finding per revision, at the first such operation.',
    whyIsThisBad:
      'The ACCESS EXCLUSIVE lock blocks every read and write of the table for as long as the statement runs. A statement that rewrites or scans a large table (a type change, SET NOT NULL, adding a CHECK constraint) can run for minutes or hours, and nothing stops it: the table is unavailable the whole time. A statement_timeout bounds the damage: the statement is cancelled, the migration rolls back, and you learn that the change needs the online pattern.',
    example: `op.alter_column("users", "email", nullable=False)`,
    exampleSql: `ALTER TABLE users ALTER COLUMN email SET NOT NULL;`,
    useInstead: `op.execute("SET statement_timeout = '15min'")
op.alter_column("users", "email", nullable=False)`,
    useInsteadSql: `SET statement_timeout = '15min';
ALTER TABLE users ALTER COLUMN email SET NOT NULL;`,
    options: [
      'Turn it on in `pyproject.toml`:',
      '',
      '```toml',
      '[tool.alembic-guard.rules]',
      'require-statement-timeout = "warning"',
      '```',
      '',
      'Setting the timeout once for every migration in env.py (`connect_args={"options": "-c statement_timeout=15min"}`) also satisfies the rule. Suppress one finding with `# alembic-guard: ignore[require-statement-timeout]` on the line or the line above.',
    ].join('\n'),
    references: ['https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-STATEMENT-TIMEOUT', 'https://squawkhq.com/docs/require-statement-timeout'],
  },
  check: (ctx) => timeoutFindings(ctx, 'statement_timeout'),
});
