import { rule } from '../../src/rules/invalid-revision-id.js';
import { ruleTester } from '../helpers/rule-tester.js';

const mod = (rev: string, form = 'revision = ') => `"""doc"""
from alembic import op

# revision identifiers, used by Alembic.
${form}${JSON.stringify(rev)}
down_revision = None


def upgrade():
    pass


def downgrade():
    pass
`;

ruleTester(rule, {
  valid: [
    mod('1a2b3c4d5e6f'),
    mod('037'),
    mod('add_users_table'),
    mod('a'.repeat(32)),
    mod('ünïcode_ok'),
    mod('2024_05_02_1014', 'revision: str = '),
    mod('headline'),
  ],
  invalid: [
    { code: mod('add-users'), errors: [{ line: 5, column: 1, message: `Character(s) '-' not allowed in revision identifier 'add-users'` }] },
    { code: mod('a@b+c:d'), errors: [{ line: 5, column: 1, message: `Character(s) '+, :, @' not allowed` }] },
    { code: mod('add users'), errors: [{ line: 5, column: 1, message: 'whitespace' }] },
    { code: mod("o'brien"), errors: [{ line: 5, column: 1, message: 'quote' }] },
    { code: mod('a'.repeat(33)), errors: [{ line: 5, column: 1, message: '33 characters long' }] },
    { code: mod('x'.repeat(40), 'revision: str = '), errors: [{ line: 5, column: 1, message: 'version_num holds 32' }] },
    { code: mod('head'), errors: [{ line: 5, column: 1, message: 'symbol Alembic resolves' }] },
    { code: mod('base'), errors: [{ line: 5, column: 1 }] },
    { code: mod(''), errors: [{ line: 5, column: 1, message: 'empty', fix: 'letters, digits and underscores' }] },
  ],
});
