import { rule } from '../../src/rules/missing-docstring.js';
import { ruleTester } from '../helpers/rule-tester.js';

const rest = `from alembic import op

revision = "a1b2c3"
down_revision = None


def upgrade():
    pass


def downgrade():
    pass
`;

ruleTester(rule, {
  valid: [
    `"""add users"""\n${rest}`,
    `#!/usr/bin/env python\n# a comment first is fine\n"""add users\n\nRevision ID: a1b2c3\n"""\n${rest}`,
    `"add " "users"\n${rest}`,
  ],
  invalid: [
    { name: 'no docstring', code: rest, errors: [{ line: 1, column: 1, message: 'has no docstring' }] },
    { name: 'empty docstring', code: `""""""\n${rest}`, errors: [{ line: 1, column: 1, message: 'has an empty docstring' }] },
    { name: 'blank docstring after a comment', code: `# header\n"""   \n"""\n${rest}`, errors: [{ line: 2, column: 1, message: 'empty docstring' }] },
    { name: 'a string after the imports is not a docstring', code: `${rest.replace('revision =', '"""add users"""\nrevision =')}`, errors: [{ line: 1, column: 1 }] },
    { name: 'an f-string is not a docstring', code: `f"""add {'users'}"""\n${rest}`, errors: [{ line: 1, column: 1, fix: 'docstring' }] },
  ],
});
