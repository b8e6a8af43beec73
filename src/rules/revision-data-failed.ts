import { defineRule } from './define.js';

export default defineRule({
  id: 'revision-data-failed',
  severity: 'error',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'Reports a row of `[tool.alembic-guard.revision_data]` (or of the Python file `revision_data` names) that could not be inserted around its revision: the database\'s error at the configuration line. The rows are pytest-alembic\'s `before_revision_data` / `at_revision_data`: inserted through the migration connection right before a revision\'s upgrade (`before`) or right after it (`at`), once per database, in every walk that upgrades the revision.',
    whyIsThisBad:
      'The rows exist so that a data migration is tested on the data it is written for. A row that does not go in (a column renamed since, a NOT NULL column it leaves out, a foreign key to a row that is not there) means the data migration ran on other data than you meant, and its verdict says little.',
    example: `# pyproject.toml
[tool.alembic-guard.revision_data.0005]
before = [{ table = "orders", id = 1, total = 10 }]   # orders has no column total at 0005`,
    useInstead: `# pyproject.toml
[tool.alembic-guard.revision_data.0005]
before = [{ table = "orders", id = 1, amount_cents = 1000 }]`,
    options:
      'Keyed by revision id, unique id prefix or branch label; an id that names no revision is a configuration error (exit code 2). `table` may be `schema.table`; `__tablename__` is accepted as in pytest-alembic. For data TOML cannot express, `revision_data = "tests/migration_data.py"` names a Python file with `before_revision_data` / `at_revision_data` dicts whose values are rows, lists of rows, or callables taking the connection. A table that gets rows here gets no rows from the trace.',
    references: ['https://pytest-alembic.readthedocs.io/en/latest/setup.html#alembic-config'],
  },
});
