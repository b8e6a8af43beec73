import { defineRule } from './define.js';
import { collapsePerCall, q, report, upgradeOps, via } from './support.js';

export const rule = defineRule({
  id: 'ban-truncate-cascade',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes: 'Flags `TRUNCATE ... CASCADE` in `op.execute(...)`.',
    whyIsThisBad:
      'CASCADE also empties every table that has a foreign key to the truncated ones, and every table referencing those, recursively: a migration meant to clear one table can wipe most of the database. TRUNCATE takes an ACCESS EXCLUSIVE lock on all of them.',
    example: `op.execute("TRUNCATE TABLE import_batches CASCADE")`,
    exampleSql: `TRUNCATE TABLE import_batches CASCADE;`,
    useInstead: `# Name every table to empty; TRUNCATE fails (instead of spreading) if another table references them.
op.execute("TRUNCATE TABLE import_rows, import_batches")`,
    useInsteadSql: `TRUNCATE TABLE import_rows, import_batches;`,
    references: ['https://squawkhq.com/docs/ban-truncate-cascade', 'https://www.postgresql.org/docs/current/sql-truncate.html'],
  },
  check(ctx) {
    return collapsePerCall(
      upgradeOps(ctx, 'truncate')
        .filter((op) => op.cascade)
        .map((op) =>
          report(
            op,
            `TRUNCATE ${op.tables.map(q).join(', ')} CASCADE${via(op)} also empties every table that references ${op.tables.length === 1 ? 'it' : 'them'}, recursively.`,
            'List the tables to empty explicitly and drop CASCADE, so TRUNCATE fails instead of emptying tables you did not name.',
          ),
        ),
    );
  },
});
