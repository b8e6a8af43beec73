/**
 * Issue 14, point 4: the static false positives found on real histories, each shape as a valid
 * case next to its invalid twin (the same code with the one difference that makes it dangerous).
 * - statements in `if` branches on the dialect's name, for a dialect the run does not target;
 * - helpers that only downgrade() calls (a call graph within the file decides the phase);
 * - type changes to `X.with_variant(...)`: the PostgreSQL variant, or X when the variant is for others;
 * - SET NOT NULL on a column the earlier revisions already made NOT NULL, Float → Float(53);
 * - messages that never print a Python variable as an object name.
 */
import batchAlterRequired from '../../src/rules/batch-alter-required.js';
import { rule as banDropColumn } from '../../src/rules/ban-drop-column.js';
import { rule as changingColumnType } from '../../src/rules/changing-column-type.js';
import { rule as addingNotNullableField } from '../../src/rules/adding-not-nullable-field.js';
import { rule as requireConcurrentIndexCreation } from '../../src/rules/require-concurrent-index-creation.js';
import { rule as requireConcurrentIndexDeletion } from '../../src/rules/require-concurrent-index-deletion.js';
import { rule as renamingColumn } from '../../src/rules/renaming-column.js';
import preferBigint from '../../src/rules/prefer-bigint-over-int.js';
import { ruleTester } from '../helpers/rule-tester.js';

/** A whole module: upgrade() and downgrade() bodies and extra module-level code, all as written. */
function module(parts: { upgrade: string; downgrade?: string; extra?: string; imports?: string }): string {
  const indent = (body: string) => body.split('\n').map((l) => (l === '' ? '' : `    ${l}`)).join('\n');
  return `"""m"""
from alembic import op${parts.imports ?? ''}
import sqlalchemy as sa
revision = "a1"
down_revision = None
${parts.extra ?? ''}
def upgrade():
${indent(parts.upgrade)}

def downgrade():
${indent(parts.downgrade ?? 'pass')}
`;
}

const createIndex = 'op.create_index("ix_users_email", "users", ["email"])';

// ---- dialect branches ---------------------------------------------------------------------------

ruleTester(requireConcurrentIndexCreation, {
  valid: [
    { name: 'a dialect variable, the sqlite branch', code: `dialect = op.get_bind().dialect.name\nif dialect == "sqlite":\n    ${createIndex}` },
    { name: 'op.get_bind().dialect.name inline, !=', code: `if op.get_bind().dialect.name != "postgresql":\n    ${createIndex}` },
    { name: 'context.get_context().dialect.name', code: module({ imports: ', context', upgrade: `if context.get_context().dialect.name == "sqlite":\n    ${createIndex}` }) },
    { name: 'elif for mysql, else for sqlite', code: `bind = op.get_bind()\nif bind.dialect.name == "postgresql":\n    pass\nelif bind.dialect.name in ("mysql", "mariadb"):\n    ${createIndex}\nelse:\n    ${createIndex}` },
    { name: 'an early return for other dialects, then the PostgreSQL form', code: `if op.get_bind().dialect.name != "postgresql":\n    ${createIndex}\n    return\nwith op.get_context().autocommit_block():\n    op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)` },
    { name: 'a test kept in a variable', code: `is_sqlite = op.get_bind().dialect.name == "sqlite"\nif is_sqlite:\n    ${createIndex}` },
    {
      name: 'a one-line helper that returns the test (mealie)',
      code: module({ extra: '\ndef is_postgres():\n    return op.get_context().dialect.name == "postgresql"\n', upgrade: `if not is_postgres():\n    ${createIndex}` }),
    },
  ],
  invalid: [
    { name: 'twin: the postgresql branch', code: `dialect = op.get_bind().dialect.name\nif dialect == "postgresql":\n    ${createIndex}`, errors: [{ line: 3, column: 5 }] },
    { name: 'twin: == instead of !=', code: `if op.get_bind().dialect.name == "postgresql":\n    ${createIndex}`, errors: [{ line: 2, column: 5 }] },
    { name: 'twin: context, postgresql', code: module({ imports: ', context', upgrade: `if context.get_context().dialect.name == "postgresql":\n    ${createIndex}` }), errors: [{ line: 9, column: 9 }] },
    { name: 'twin: the else branch runs on PostgreSQL', code: `bind = op.get_bind()\nif bind.dialect.name == "sqlite":\n    pass\nelif bind.dialect.name in ("mysql", "mariadb"):\n    pass\nelse:\n    ${createIndex}`, errors: [{ line: 7, column: 5 }] },
    { name: 'twin: no return, so the statement after the branch runs everywhere', code: `if op.get_bind().dialect.name != "postgresql":\n    pass\n${createIndex}`, errors: [{ line: 3, column: 1 }] },
    { name: 'twin: not is_sqlite', code: `is_sqlite = op.get_bind().dialect.name == "sqlite"\nif not is_sqlite:\n    ${createIndex}`, errors: [{ line: 3, column: 5 }] },
    { name: 'a test the rule cannot read: both branches may run', code: `if should_index():\n    ${createIndex}`, errors: [{ line: 2, column: 5 }] },
    {
      name: 'twin: the helper\'s test is true on PostgreSQL',
      code: module({ extra: '\ndef is_postgres():\n    return op.get_context().dialect.name == "postgresql"\n', upgrade: `if is_postgres():\n    ${createIndex}` }),
      errors: [{ line: 12, column: 9 }],
    },
  ],
});

ruleTester(batchAlterRequired, {
  valid: [{ name: 'on SQLite, the PostgreSQL branch is skipped', dialect: 'sqlite', code: `if op.get_bind().dialect.name == "postgresql":\n    op.alter_column("users", "email", nullable=False)` }],
  invalid: [{ name: 'twin: the sqlite branch', dialect: 'sqlite', code: `if op.get_bind().dialect.name == "sqlite":\n    op.alter_column("users", "email", nullable=False)`, errors: [{ line: 2, column: 5 }] }],
});

// ---- helpers and the phase that calls them ------------------------------------------------------

const dropHelper = `
def _remove_legacy():
    op.drop_column("users", "legacy")
`;

ruleTester(banDropColumn, {
  valid: [
    { name: 'a helper only downgrade() calls', code: module({ extra: dropHelper, upgrade: 'op.add_column("users", sa.Column("legacy", sa.Text()))', downgrade: '_remove_legacy()' }) },
    {
      name: 'through a second helper',
      code: module({ extra: `${dropHelper}\ndef _undo():\n    _remove_legacy()\n`, upgrade: 'op.add_column("users", sa.Column("legacy", sa.Text()))', downgrade: '_undo()' }),
    },
    { name: 'called from upgrade() only in a sqlite branch', code: module({ extra: dropHelper, upgrade: 'if op.get_bind().dialect.name == "sqlite":\n    _remove_legacy()' }) },
  ],
  invalid: [
    { name: 'twin: upgrade() calls it', code: module({ extra: dropHelper, upgrade: '_remove_legacy()', downgrade: 'pass' }), errors: [{ line: 8, column: 5, message: 'users.legacy' }] },
    { name: 'twin: both phases call it (reported once, for upgrade)', code: module({ extra: dropHelper, upgrade: '_remove_legacy()', downgrade: '_remove_legacy()' }), errors: [{ line: 8, column: 5 }] },
    { name: 'twin: called from upgrade() in a postgresql branch', code: module({ extra: dropHelper, upgrade: 'if op.get_bind().dialect.name == "postgresql":\n    _remove_legacy()' }), errors: [{ line: 8, column: 5 }] },
    {
      name: 'a helper nobody calls is judged by its name, as before',
      code: module({ extra: dropHelper, upgrade: 'pass' }),
      errors: [{ line: 8, column: 5 }],
    },
  ],
});

// ---- with_variant ---------------------------------------------------------------------------------

ruleTester(changingColumnType, {
  valid: [
    { name: 'a variant for MySQL only: PostgreSQL gets Text, and varchar → text is in place', code: `op.alter_column("posts", "body", existing_type=sa.String(255), type_=sa.Text().with_variant(sa.dialects.mysql.LONGTEXT(), "mysql"))` },
    { name: 'the PostgreSQL variant is text', code: `op.alter_column("posts", "body", existing_type=sa.String(255), type_=sa.String(100).with_variant(postgresql.TEXT(), "postgresql"))` },
  ],
  invalid: [
    { name: 'twin: the base type rewrites on PostgreSQL', code: `op.alter_column("posts", "body", existing_type=sa.String(255), type_=sa.Integer().with_variant(sa.dialects.mysql.LONGTEXT(), "mysql"))`, errors: [{ line: 1, column: 1, message: 'from varchar(255) to integer' }] },
    { name: 'twin: the PostgreSQL variant shrinks the varchar', code: `op.alter_column("posts", "body", existing_type=sa.String(255), type_=sa.Text().with_variant(sa.String(100), "postgresql"))`, errors: [{ line: 1, column: 1, message: 'from varchar(255) to varchar(100)' }] },
  ],
});

// ---- the column's state from earlier revisions -------------------------------------------------

const usersWithEmail = (nullable: boolean) => `op.create_table("users", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("email", sa.String(), nullable=${nullable ? 'True' : 'False'}))`;
const scores = (type: string) => `op.create_table("results", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("score", ${type}))`;

ruleTester(addingNotNullableField, {
  valid: [
    { name: 'already NOT NULL since the table was created', earlier: [usersWithEmail(false)], code: `op.alter_column("users", "email", existing_type=sa.String(), nullable=False)` },
    { name: 'made NOT NULL by a later revision', earlier: [usersWithEmail(true), 'op.alter_column("users", "email", nullable=False)'], code: `op.alter_column("users", "email", existing_type=sa.String(), nullable=False)` },
    { name: 'a primary key column', earlier: [usersWithEmail(true)], code: `op.alter_column("users", "id", existing_type=sa.BigInteger(), nullable=False)` },
  ],
  invalid: [
    { name: 'twin: created nullable', earlier: [usersWithEmail(true)], code: `op.alter_column("users", "email", existing_type=sa.String(), nullable=False)`, errors: [{ line: 1, column: 1 }] },
    { name: 'twin: NOT NULL dropped since', earlier: [usersWithEmail(false), 'op.alter_column("users", "email", nullable=True)'], code: `op.alter_column("users", "email", existing_type=sa.String(), nullable=False)`, errors: [{ line: 1, column: 1 }] },
    { name: 'twin: no earlier revision shows the column', code: `op.alter_column("users", "email", existing_type=sa.String(), nullable=False)`, errors: [{ line: 1, column: 1 }] },
    {
      name: 'twin: SQL the rule cannot read touched the column since',
      earlier: [usersWithEmail(false), 'op.execute(f"ALTER TABLE users ALTER COLUMN email DROP NOT NULL")'],
      code: `op.alter_column("users", "email", existing_type=sa.String(), nullable=False)`,
      errors: [{ line: 1, column: 1 }],
    },
    { name: 'twin: the table was dropped and created again, nullable', earlier: [usersWithEmail(false), 'op.drop_table("users")', usersWithEmail(true)], code: `op.alter_column("users", "email", nullable=False)`, errors: [{ line: 1, column: 1 }] },
  ],
});

ruleTester(changingColumnType, {
  valid: [
    { name: 'Float → Float(53): both double precision', earlier: [scores('sa.Float()')], code: `op.alter_column("results", "score", type_=sa.Float(precision=53))` },
    { name: 'String(50) → String(100), the type taken from the create_table', earlier: [scores('sa.String(50)')], code: `op.alter_column("results", "score", type_=sa.String(100))` },
  ],
  invalid: [
    { name: 'twin: Float(24) is real, real → double precision rewrites', earlier: [scores('sa.Float(precision=24)')], code: `op.alter_column("results", "score", type_=sa.Float(precision=53))`, errors: [{ line: 1, column: 1, message: 'from real to double precision' }] },
    { name: 'twin: no earlier revision shows the type', code: `op.alter_column("results", "score", type_=sa.Float(precision=53))`, errors: [{ line: 1, column: 1, message: 'earlier revisions do not show' }] },
    { name: 'twin: String(100) → String(50)', earlier: [scores('sa.String(100)')], code: `op.alter_column("results", "score", type_=sa.String(50))`, errors: [{ line: 1, column: 1 }] },
  ],
});

// ---- names that are Python expressions ---------------------------------------------------------

const dropIndexHelper = `
def drop_index_if_exists(index, table_name):
    op.drop_index(index, table_name=table_name)
`;

ruleTester(requireConcurrentIndexDeletion, {
  valid: [{ name: 'twin: the helper only downgrade() calls', code: module({ extra: dropIndexHelper, upgrade: 'pass', downgrade: 'drop_index_if_exists("ix_a", "users")' }) }],
  invalid: [
    {
      name: 'parameters are not object names',
      code: module({ extra: dropIndexHelper, upgrade: 'drop_index_if_exists("ix_a", "users")' }),
      errors: [{ line: 8, column: 5, message: /^Dropping an index whose name is computed at run time on a table whose name is computed at run time without CONCURRENTLY/ }],
    },
    { name: 'literals are', code: `op.drop_index("ix_a", table_name="users")`, errors: [{ line: 1, message: /^Dropping index ix_a on users without/ }] },
  ],
});

ruleTester(requireConcurrentIndexCreation, {
  valid: [],
  invalid: [
    {
      name: 'Model.__tablename__ is not a table name',
      code: `op.create_index("ix_dataset_name", SqlDataset.__tablename__, ["name"])`,
      errors: [{ line: 1, message: /^Creating index ix_dataset_name on a table whose name is computed at run time without CONCURRENTLY/ }],
    },
  ],
});

ruleTester(renamingColumn, {
  valid: [],
  invalid: [{ code: `op.alter_column(TABLE, old_name, new_column_name=new_name)`, errors: [{ line: 1, message: /^Renaming a column of a table, both with names computed at run time to a name computed at run time/ }] }],
});

ruleTester(preferBigint, {
  valid: [],
  invalid: [{ code: `op.add_column(Model.__tablename__, sa.Column("visits", sa.Integer()))`, errors: [{ line: 1, message: /^Column visits of a table whose name is computed at run time is a 32-bit integer/ }] }],
});
