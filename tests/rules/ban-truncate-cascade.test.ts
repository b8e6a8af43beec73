import { rule } from '../../src/rules/ban-truncate-cascade.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [`op.execute("TRUNCATE TABLE import_rows, import_batches")`, { code: `op.execute("TRUNCATE TABLE a CASCADE")`, dialect: 'sqlite' }],
  invalid: [
    { code: `op.execute("TRUNCATE TABLE import_batches CASCADE")`, errors: [{ line: 1, column: 1, message: 'TRUNCATE import_batches CASCADE' }] },
    { code: `op.execute(sa.text("truncate a, b cascade"))`, errors: [{ line: 1, message: 'TRUNCATE a, b CASCADE' }] },
  ],
});
