import { rule } from '../../src/rules/missing-upgrade.js';
import { ruleTester } from '../helpers/rule-tester.js';

const head = `"""doc"""
from alembic import op

revision = "a1b2c3"
down_revision = None
`;

ruleTester(rule, {
  valid: [
    `${head}\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`,
    `${head}\n\n@some_decorator\ndef upgrade() -> None:\n    op.drop_table("t")\n`,
    { name: 'bound by assignment', code: `${head}from common import noop\nupgrade = noop\n` },
    { name: 'async def still defines the name', code: `${head}\nasync def upgrade():\n    pass\n` },
  ],
  invalid: [
    { name: 'no upgrade at all', code: `${head}\n\ndef downgrade():\n    pass\n`, errors: [{ line: 1, column: 1, message: 'has no upgrade() function', fix: 'def upgrade()' }] },
    { name: 'misspelt', code: `${head}\n\ndef upgrades():\n    pass\n`, errors: [{ line: 1, column: 1 }] },
    { name: 'nested in a class', code: `${head}\n\nclass Migration:\n    def upgrade(self):\n        pass\n`, errors: [{ line: 1, column: 1 }] },
  ],
});
