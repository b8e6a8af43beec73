import { defineRule } from './define.js';

export default defineRule({
  id: 'unregistered-model',
  severity: 'error',
  category: 'runtime',
  requires: ['python', 'database'],
  docs: {
    whatItDoes:
      'Reports a model whose table is missing from `target_metadata` when env.py runs, because no module env.py imports imports the model\'s module. After env.py has given its `target_metadata`, alembic-guard imports every module of your application\'s packages (tests and migrations left out) and reports each table that only then appears on it, with the class, its module and the import to add to env.py.',
    whyIsThisBad:
      '`alembic revision --autogenerate` and `alembic check` compare the database with `target_metadata` only. A model that is not imported when env.py runs is not on it: autogenerate never writes a migration for its table, and the drift check stays green while production has no such table ("Autogenerate doesn\'t detect my changes — ensure all models are imported in env.py").',
    example: `# migrations/env.py
from app.db import Base          # app/billing.py defines class Invoice(Base) but nothing imports it

target_metadata = Base.metadata`,
    useInstead: `# migrations/env.py
from app.db import Base
import app.billing  # noqa: F401  registers Invoice on Base.metadata

target_metadata = Base.metadata`,
    options:
      'Runs with `alembic-guard check` (not with `--static`). The packages imported are the top-level packages and modules found beside alembic.ini, in `prepend_sys_path` and in a `src/` layout; `[tool.alembic-guard] model_packages = ["app"]` names them instead, and `model_exclude = ["app.scripts", "app.*.fixtures"]` leaves modules out (a name, a dotted prefix or a glob). Modules that fail to import are listed in the check\'s message, never reported as findings. The application is imported with the scratch database\'s URL in the environment, as the other checks run it.',
    references: ['https://alembic.sqlalchemy.org/en/latest/autogenerate.html#what-does-autogenerate-detect-and-what-does-it-not-detect'],
  },
});
