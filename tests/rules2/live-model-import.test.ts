import rule from '../../src/rules/live-model-import.js';
import { contextCases } from './context-cases.js';
import { ruleTester } from '../helpers/rule-tester.js';

const mod = (imports: string, body = '    pass') => `"""m

Revision ID: 0002
Revises:
"""
from alembic import op
import sqlalchemy as sa
${imports}

revision = "0002"
down_revision = None


def upgrade():
${body}


def downgrade():
    pass
`;

// Without the engine's list of the project's modules, nothing is flagged.
ruleTester(rule, { valid: [mod('from app.models import User')], invalid: [] });

contextCases(rule, [
  {
    name: 'alembic, sqlalchemy, the standard library and third-party packages are fine',
    code: mod(`import json
from datetime import datetime, timezone
from sqlalchemy.dialects import postgresql
import sqlalchemy_utils
from geoalchemy2 import Geometry`),
    errors: [],
  },
  {
    name: 'from app.models import User',
    code: mod('from app.models import User'),
    errors: [{ line: 8, column: 1, message: "The migration imports User from app.models, the application's own code" }],
  },
  {
    name: 'import of a package and of a submodule',
    code: mod('import myapp\nimport myapp.db.types as types'),
    errors: [
      { line: 8, column: 1, message: 'imports myapp,' },
      { line: 9, column: 1, message: 'imports myapp.db.types' },
    ],
  },
  {
    name: 'an import inside upgrade()',
    code: mod('', '    from app.models import Order\n    op.execute(sa.update(Order.__table__).values(total=0))'),
    errors: [{ line: 15, column: 5, message: 'Order from app.models, the application\'s own code (inside a function)' }],
  },
  {
    name: 'the project modules come from the engine (prepend_sys_path, project root)',
    code: mod('from billing.enums import Currency\nfrom app import db'),
    localModules: ['billing'],
    errors: [{ line: 8, column: 1, message: 'Currency from billing.enums' }],
  },
  {
    name: 'relative imports within the migrations package are fine',
    code: mod('from .helpers import batch_update'),
    errors: [],
  },
  {
    name: 'a folder named like alembic or sqlalchemy is never the application',
    code: mod('from alembic import context'),
    localModules: ['alembic', 'sqlalchemy'],
    errors: [],
  },
  {
    name: 'every dialect',
    code: mod('from app.models import User'),
    dialect: 'sqlite',
    errors: [{ line: 8, column: 1 }],
  },
]);
