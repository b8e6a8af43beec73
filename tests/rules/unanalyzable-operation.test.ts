import { rule } from '../../src/rules/unanalyzable-operation.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    `op.execute("UPDATE users SET a = 1")`,
    `op.execute(sa.text("UPDATE users SET a = :v").bindparams(v=1))`,
    `op.execute(
    sa.text("""
        UPDATE users SET a = :v
    """).bindparams(v=1).execution_options(autocommit=True)
)`,
    `op.execute(sa.text("UPDATE users SET a = :v WHERE b = :b"))`,
    { code: `op.execute(f"UPDATE {t} SET a = 1")`, dialect: 'sqlite' },
    `op.execute(sa.schema.CreateSchema("event_editing"))`,
    `op.execute(CreateSequence(Sequence("s")))`,
  ],
  invalid: [
    { code: `op.execute(f"UPDATE {t} SET a = 1")`, errors: [{ line: 1, column: 1, message: 'f-string' }] },
    { code: `op.execute(SQL)`, errors: [{ line: 1, message: 'variable SQL' }] },
    { code: `op.execute("UPDATE users SET a = 1" + suffix)`, errors: [{ line: 1, message: 'built at run time' }] },
    { code: `op.execute("CREAT INDEX ix ON t (a)")`, errors: [{ line: 1, message: 'does not parse' }] },
    { code: `op.execute(sa.text(f"UPDATE {t} SET a = :v").bindparams(v=1))`, errors: [{ line: 1, message: 'f-string' }] },
    { code: `op.add_column("users", make_column())`, errors: [{ line: 1, message: 'not an sa.Column' }] },
  ],
});
