import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSqlParser, neutralizeBindParams, operationsFromSql, splitOfflineSql } from '../../src/ops/from-sql.js';
import { operationsFromOfflineSql, mergeFrontEnds } from '../../src/ops/offline.js';
import { contextualize } from '../../src/ops/build.js';
import { operationsFromCall } from '../../src/ops/from-python.js';
import { repoRoot } from '../helpers/paths.js';
import { B, C, L, S, op } from './py-builders.js';

before(async () => {
  await loadSqlParser();
});

const kinds = (sql: string): string[] => operationsFromSql(sql).map((o) => o.kind);

test('index statements', () => {
  const [c] = operationsFromSql('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON app.users (lower(email), id) WHERE deleted_at IS NULL');
  assert.ok(c?.kind === 'create-index');
  assert.deepEqual(c.table, { schema: 'app', name: 'users' });
  assert.equal(c.name, 'ix_a');
  assert.equal(c.unique, true);
  assert.equal(c.concurrently, true);
  assert.equal(c.ifNotExists, true);
  assert.ok(c.where !== undefined);
  const [d] = operationsFromSql('DROP INDEX CONCURRENTLY IF EXISTS ix_a');
  assert.ok(d?.kind === 'drop-index' && d.concurrently && d.ifExists && d.name === 'ix_a');
  const [r] = operationsFromSql('REINDEX INDEX CONCURRENTLY ix_a');
  assert.ok(r?.kind === 'reindex' && r.concurrently && r.target === 'index');
  const [r2] = operationsFromSql('REINDEX TABLE users');
  assert.ok(r2?.kind === 'reindex' && !r2.concurrently && r2.target === 'table');
});

test('ALTER TABLE subcommands become one operation each', () => {
  const ops = operationsFromSql(
    "ALTER TABLE users ADD COLUMN a int NOT NULL DEFAULT 0, ALTER COLUMN b SET NOT NULL, ALTER COLUMN c DROP NOT NULL, ALTER COLUMN d TYPE varchar(20), ALTER COLUMN e SET DEFAULT random(), ALTER COLUMN f DROP DEFAULT, DROP COLUMN g CASCADE, ADD CONSTRAINT ck CHECK (a > 0) NOT VALID, VALIDATE CONSTRAINT ck, DROP CONSTRAINT old",
  );
  assert.deepEqual(ops.map((o) => o.kind), [
    'add-column',
    'set-not-null',
    'drop-not-null',
    'alter-column-type',
    'set-default',
    'set-default',
    'drop-column',
    'add-constraint',
    'validate-constraint',
    'drop-constraint',
  ]);
  const add = ops[0]!;
  assert.ok(add.kind === 'add-column');
  assert.equal(add.column.nullable, false);
  assert.equal(add.column.serverDefault?.volatility, 'constant');
  assert.equal(add.column.type.name, 'integer');
  const ty = ops[3]!;
  assert.ok(ty.kind === 'alter-column-type');
  assert.deepEqual([ty.to.name, ty.to.params], ['varchar', [20]]);
  const sd = ops[4]!;
  assert.ok(sd.kind === 'set-default' && sd.default?.volatility === 'volatile');
  const ck = ops[7]!;
  assert.ok(ck.kind === 'add-constraint' && ck.constraint.type === 'check' && ck.constraint.notValid);
  const dc = ops[6]!;
  assert.ok(dc.kind === 'drop-column' && dc.cascade);
});

test('columns: serial, identity, generated, inline references', () => {
  const [a, fk] = operationsFromSql('ALTER TABLE t ADD COLUMN id bigserial, ADD COLUMN u int REFERENCES users (id)').filter((o) => o.kind !== 'add-column' || true);
  assert.ok(a?.kind === 'add-column' && a.column.serial && a.column.type.name === 'bigint');
  assert.ok(fk?.kind === 'add-column');
  const all = operationsFromSql('ALTER TABLE t ADD COLUMN u int REFERENCES users (id)');
  assert.deepEqual(all.map((o) => o.kind), ['add-column', 'add-constraint']);
  const [g] = operationsFromSql('ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED');
  assert.ok(g?.kind === 'add-column' && g.column.generated === 'stored');
  const [i] = operationsFromSql('ALTER TABLE t ADD COLUMN i int GENERATED ALWAYS AS IDENTITY');
  assert.ok(i?.kind === 'add-column' && i.column.identity);
});

test('tables, types, data, settings, transactions', () => {
  assert.deepEqual(kinds('CREATE TABLE t (id int PRIMARY KEY); DROP TABLE t CASCADE; ALTER TABLE a RENAME TO b; ALTER TABLE a RENAME COLUMN x TO y'), [
    'create-table',
    'drop-table',
    'rename-table',
    'rename-column',
  ]);
  assert.deepEqual(kinds('CREATE TABLE t2 AS SELECT * FROM t; CREATE MATERIALIZED VIEW mv AS SELECT 1'), ['create-table', 'other-sql']);
  assert.deepEqual(kinds("CREATE TYPE mood AS ENUM ('a'); ALTER TYPE mood ADD VALUE 'b' AFTER 'a'; ALTER TYPE mood RENAME VALUE 'a' TO 'c'; DROP TYPE mood"), [
    'create-type',
    'alter-type-add-value',
    'alter-type-rename-value',
    'drop-type',
  ]);
  const [tr] = operationsFromSql('TRUNCATE a, b CASCADE');
  assert.ok(tr?.kind === 'truncate' && tr.cascade && tr.tables.length === 2);
  const [u, d, ins] = operationsFromSql("UPDATE t SET a = 1; DELETE FROM t WHERE id = 1; INSERT INTO t (a) VALUES (1)");
  assert.ok(u?.kind === 'data-change' && u.statement === 'update' && !u.hasWhere);
  assert.ok(d?.kind === 'data-change' && d.statement === 'delete' && d.hasWhere);
  assert.ok(ins?.kind === 'data-change' && ins.literalRows);
  const sets = operationsFromSql("SET lock_timeout = '5s'; SET LOCAL statement_timeout TO 1000; RESET lock_timeout; SELECT set_config('lock_timeout', '3s', true)");
  assert.deepEqual(
    sets.map((o) => (o.kind === 'set-setting' ? [o.name, o.value, o.local] : o.kind)),
    [
      ['lock_timeout', '5s', false],
      ['statement_timeout', '1000', true],
      ['lock_timeout', null, false],
      ['lock_timeout', '3s', true],
    ],
  );
  assert.deepEqual(
    operationsFromSql('BEGIN; COMMIT; ROLLBACK').map((o) => (o.kind === 'transaction-control' ? o.statement : o.kind)),
    ['begin', 'commit', 'rollback'],
  );
  assert.deepEqual(kinds('CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; GRANT SELECT ON t TO r'), ['other-sql', 'other-sql']);
});

test('a statement that does not parse is unanalyzable; the others still count', () => {
  const ops = operationsFromSql('CREATE INDEX ix ON t (a);\nCREAT INDEX nope;\nDROP TABLE x');
  assert.deepEqual(ops.map((o) => o.kind), ['create-index', 'unanalyzable', 'drop-table']);
  const u = ops[1]!;
  assert.ok(u.kind === 'unanalyzable' && /syntax error/.test(u.reason));
  assert.equal(u.source.kind === 'sql' && u.source.sqlLine, 2);
  assert.deepEqual(kinds("SELECT 'unterminated"), ['unanalyzable']);
});

test('bind parameters of sa.text() do not break parsing, casts and strings are kept', () => {
  assert.equal(neutralizeBindParams("UPDATE t SET a = :val WHERE b = 'x:y' AND c::text = :c"), "UPDATE t SET a = $1   WHERE b = 'x:y' AND c::text = $1");
  const ops = operationsFromSql('UPDATE t SET a = :val WHERE id = :id', { bindParams: true });
  assert.ok(ops[0]?.kind === 'data-change' && ops[0].hasWhere);
});

test('statement lines and non-ASCII text', () => {
  const ops = operationsFromSql("-- héllo wörld\nUPDATE t SET a = 'é';\n\n  CREATE INDEX ix ON t (a)");
  assert.deepEqual(ops.map((o) => (o.source.kind === 'sql' ? [o.source.sqlLine, o.source.sqlColumn, o.source.statement] : null)), [
    [2, 1, "UPDATE t SET a = 'é'"],
    [4, 3, 'CREATE INDEX ix ON t (a)'],
  ]);
});

test('offline SQL: sections per revision, alembic_version ignored, autocommit blocks from COMMIT/BEGIN', () => {
  const out = readFileSync(join(repoRoot, 'tests', 'ops', 'offline-upgrade.sql'), 'utf8');
  const { sections } = splitOfflineSql(out);
  assert.deepEqual(sections.map((s) => [s.direction, s.from, s.to]), [
    ['upgrade', [], ['0001']],
    ['upgrade', ['0001'], ['0002']],
  ]);
  const first = operationsFromOfflineSql(sections[0]!.sql, { file: 'x.sql', revision: '0001', phase: 'upgrade', firstLine: sections[0]!.firstLine });
  assert.deepEqual(first.map((o) => [o.kind, o.tableCreatedInRevision, o.loc.line]), [
    ['create-table', false, 10],
    ['create-index', true, 16],
    ['create-index', true, 18],
  ]);
  const second = operationsFromOfflineSql(sections[1]!.sql, { file: 'x.sql', revision: '0002', phase: 'upgrade' });
  assert.deepEqual(second.map((o) => [o.kind, o.inTransaction]), [
    ['add-column', true],
    ['transaction-control', true],
    ['create-index', false],
    ['transaction-control', false],
    ['data-change', true],
    ['add-constraint', true],
    ['transaction-control', true],
  ]);
});

test('merge: an operation both front ends see is kept once, at the Python location', () => {
  const out = readFileSync(join(repoRoot, 'tests', 'ops', 'offline-upgrade.sql'), 'utf8');
  const section = splitOfflineSql(out).sections[1]!;
  const offline = operationsFromOfflineSql(section.sql, { file: 'x.sql', revision: '0002', phase: 'upgrade' });
  const calls = [
    op('add_column', [S('users'), C('sa.Column', [S('name'), C('sa.String')], { nullable: B(false), server_default: S('é') })], {}, { line: 7 }),
    op('create_index', [S('ix_name'), S('users'), L(S('name'))], { postgresql_concurrently: B(true) }, { line: 9, autocommit: true }),
    // The UPDATE is built at run time: the static side cannot see it.
    op('execute', [{ kind: 'other', text: 'build()', loc: { line: 10, column: 5, endLine: 10, endColumn: 12 } }], {}, { line: 10 }),
    op('create_foreign_key', [S('fk'), S('users'), S('users'), L(S('id')), L(S('id'))], { postgresql_not_valid: B(true) }, { line: 11 }),
  ];
  const drafts = calls.flatMap((c) => operationsFromCall(c, { sql: () => [] }));
  const statics = contextualize(drafts, { file: 'v/0002_b.py', revision: '0002', phase: 'upgrade' });
  const merged = mergeFrontEnds(statics, offline);
  assert.deepEqual(merged.map((o) => [o.kind, o.loc.line, o.source.kind]), [
    ['add-column', 7, 'python'],
    ['create-index', 9, 'python'],
    ['data-change', 10, 'sql'],
    ['add-constraint', 11, 'python'],
  ]);
  const update = merged[2]!;
  assert.ok(update.source.kind === 'sql' && update.source.call?.loc.line === 10 && update.source.statement === "UPDATE users SET name = 'x'");
});
