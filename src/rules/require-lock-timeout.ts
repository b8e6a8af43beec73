import { defineRule } from './define.js';
import { timeoutFindings } from './timeout-support.js';

export default defineRule({
  id: 'require-lock-timeout',
  severity: 'warning',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      'Flags a revision whose upgrade() takes an ACCESS EXCLUSIVE lock on an existing table with no `lock_timeout` in force. Those operations are: add, drop, rename or retype a column, SET / DROP NOT NULL, change a default, add a CHECK, UNIQUE or primary key constraint, drop a constraint, a table or an index (not CONCURRENTLY), TRUNCATE, REINDEX, other ALTER TABLE forms in SQL. It counts `SET lock_timeout` and `SET LOCAL lock_timeout` (through `op.execute`) earlier in the same revision, where `SET LOCAL` lasts only to the end of its transaction (an `autocommit_block` ends it) and `RESET` or `SET ... TO DEFAULT` clear it, and the timeouts env.py sets for every migration: `-c lock_timeout=...` in the connection `options` (`connect_args`, or an `options=` URL parameter), asyncpg `server_settings`, or a `SET lock_timeout` executed on the connection before `context.run_migrations()`. A setting in one revision does not carry to the next: each revision may run on its own. A value of 0 means no timeout. Tables created earlier in the same revision are new and empty and are not flagged. One finding per revision, at the first such operation.',
    whyIsThisBad:
      'An ACCESS EXCLUSIVE lock conflicts with every other lock, even the ACCESS SHARE lock of a plain SELECT. If any transaction is using the table (a long report, an idle-in-transaction session), the ALTER waits for it, and while it waits in the lock queue every new query on the table (reads included) queues behind it. A migration that would take milliseconds turns into minutes of downtime for everything that touches the table. With a lock_timeout the ALTER gives up after a few seconds instead, the transaction rolls back, and the migration can be retried at a quieter moment.',
    example: `op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))`,
    exampleSql: `ALTER TABLE users ADD COLUMN nickname TEXT;`,
    useInstead: `op.execute("SET lock_timeout = '5s'")
op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))`,
    useInsteadSql: `SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN nickname TEXT;`,
    options: [
      'Setting the timeout once for every migration in env.py also satisfies the rule:',
      '',
      '```python',
      'connectable = engine_from_config(',
      '    config.get_section(config.config_ini_section, {}),',
      '    prefix="sqlalchemy.",',
      '    poolclass=pool.NullPool,',
      '    connect_args={"options": "-c lock_timeout=5s"},',
      ')',
      '```',
      '',
      'Set the severity in `pyproject.toml` (`[tool.alembic-guard.rules] require-lock-timeout = "error"`), or suppress one finding with `# alembic-guard: ignore[require-lock-timeout]` on the line or the line above.',
    ].join('\n'),
    references: [
      'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
      'https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT',
      'https://squawkhq.com/docs/require-lock-timeout',
    ],
  },
  check: (ctx) => timeoutFindings(ctx, 'lock_timeout'),
});
