import { test } from 'node:test';
import assert from 'node:assert/strict';
import { operationsFromCall, type OpDraft } from '../../src/ops/from-python.js';
import { contextualize } from '../../src/ops/build.js';
import { B, C, F, I, L, N, NONE, S, op } from './py-builders.js';
import type { OpCall } from '../../src/model.js';

const noSql = { sql: (): OpDraft[] => assert.fail('no SQL expected') };
const one = (call: OpCall): OpDraft => {
  const r = operationsFromCall(call, noSql);
  assert.equal(r.length, 1, JSON.stringify(r.map((x) => x.kind)));
  return r[0]!;
};

test('create_index: names, columns, concurrently, unique, if_not_exists', () => {
  const d = one(op('create_index', [C('op.f', [S('ix_users_email')]), S('users'), L(S('email'))], { unique: B(true), postgresql_concurrently: B(true), if_not_exists: B(true) }));
  assert.equal(d.kind, 'create-index');
  if (d.kind !== 'create-index') return;
  assert.equal(d.name, 'ix_users_email');
  assert.deepEqual(d.table, { name: 'users' });
  assert.deepEqual(d.columns, ['email']);
  assert.equal(d.unique, true);
  assert.equal(d.concurrently, true);
  assert.equal(d.ifNotExists, true);
});

test('keyword arguments work as well as positional ones', () => {
  const d = one(op('create_index', [], { index_name: S('ix'), table_name: S('t'), columns: L(S('a')), schema: S('app') }));
  assert.ok(d.kind === 'create-index');
  assert.deepEqual(d.table, { schema: 'app', name: 't' });
});

test('batch_op calls take the table from batch_alter_table', () => {
  const d = one(op('drop_column', [S('email')], {}, { batch: [S('users')] }));
  assert.ok(d.kind === 'drop-column');
  assert.deepEqual(d.table, { name: 'users' });
  assert.equal(d.column, 'email');
  const i = one(op('create_index', [S('ix'), L(S('a'))], {}, { batch: [S('users')] }));
  assert.ok(i.kind === 'create-index');
  assert.deepEqual(i.table, { name: 'users' });
  assert.deepEqual(i.columns, ['a']);
});

test('add_column reads sa.Column: type, nullability, server default, identity, serial', () => {
  const d = one(op('add_column', [S('users'), C('sa.Column', [S('n'), C('sa.String', [I(20)])], { nullable: B(false), server_default: S('x') })]));
  assert.ok(d.kind === 'add-column');
  assert.equal(d.column.name, 'n');
  assert.deepEqual(d.column.type.name, 'varchar');
  assert.deepEqual(d.column.type.params, [20]);
  assert.equal(d.column.nullable, false);
  assert.equal(d.column.serverDefault?.volatility, 'constant');
  const v = one(op('add_column', [S('users'), C('sa.Column', [S('u'), C('sa.Uuid')], { server_default: C('sa.text', [S('gen_random_uuid()')]) })]));
  assert.ok(v.kind === 'add-column');
  assert.equal(v.column.serverDefault?.volatility, 'volatile');
  assert.equal(v.column.nullable, true);
  const now = one(op('add_column', [S('t'), C('sa.Column', [S('c'), C('sa.DateTime', [], { timezone: B(true) })], { server_default: C('sa.func.now') })]));
  assert.ok(now.kind === 'add-column');
  assert.equal(now.column.type.name, 'timestamptz');
  assert.equal(now.column.serverDefault?.volatility, 'constant');
  const ser = one(op('add_column', [S('t'), C('sa.Column', [S('id'), N('sa.BigInteger')], { primary_key: B(true) })]));
  assert.ok(ser.kind === 'add-column');
  assert.equal(ser.column.serial, true);
  assert.equal(ser.column.nullable, false);
  const ident = one(op('add_column', [S('t'), C('sa.Column', [S('id'), N('sa.BigInteger'), C('sa.Identity')], { primary_key: B(true) })]));
  assert.ok(ident.kind === 'add-column');
  assert.equal(ident.column.identity, true);
  assert.equal(ident.column.serial, false);
});


test('add_column with a ForeignKey, unique or index=True adds what Alembic adds', () => {
  const r = operationsFromCall(op('add_column', [S('orders'), C('sa.Column', [S('user_id'), N('sa.Integer'), C('sa.ForeignKey', [S('users.id')])], { index: B(true) })]), noSql);
  assert.deepEqual(r.map((x) => x.kind), ['add-column', 'add-constraint', 'create-index']);
  const fk = r[1]!;
  assert.ok(fk.kind === 'add-constraint');
  assert.equal(fk.constraint.type, 'foreign-key');
  assert.deepEqual(fk.constraint.references, { table: { name: 'users' }, columns: ['id'] });
});

test('alter_column splits into type, nullability, default and rename, in the order PostgreSQL gets them', () => {
  const r = operationsFromCall(
    op('alter_column', [S('users'), S('name')], {
      type_: C('sa.String', [I(100)]),
      existing_type: C('sa.String', [I(50)]),
      nullable: B(false),
      server_default: S('anon'),
      new_column_name: S('full_name'),
    }),
    noSql,
  );
  assert.deepEqual(r.map((x) => x.kind), ['alter-column-type', 'set-not-null', 'set-default', 'rename-column']);
  const t = r[0]!;
  assert.ok(t.kind === 'alter-column-type');
  assert.deepEqual(t.from?.params, [50]);
  assert.deepEqual(t.to.params, [100]);
  const sd = operationsFromCall(op('alter_column', [S('t'), S('c')], { server_default: NONE }), noSql)[0]!;
  assert.ok(sd.kind === 'set-default');
  assert.equal(sd.default, null);
  assert.deepEqual(operationsFromCall(op('alter_column', [S('t'), S('c')], { nullable: B(true) }), noSql).map((x) => x.kind), ['drop-not-null']);
});

test('constraints: foreign key, check with postgresql_not_valid, unique, primary key, drop', () => {
  const fk = one(op('create_foreign_key', [S('fk_o_u'), S('orders'), S('users'), L(S('user_id')), L(S('id'))], { postgresql_not_valid: B(true) }));
  assert.ok(fk.kind === 'add-constraint');
  assert.equal(fk.constraint.notValid, true);
  assert.deepEqual(fk.table, { name: 'orders' });
  const ck = one(op('create_check_constraint', [S('ck'), S('t'), S('x > 0')]));
  assert.ok(ck.kind === 'add-constraint');
  assert.equal(ck.constraint.type, 'check');
  assert.equal(ck.constraint.notValid, false);
  assert.equal(ck.constraint.expression, 'x > 0');
  const bfk = one(op('create_foreign_key', [S('fk'), S('users'), L(S('user_id')), L(S('id'))], {}, { batch: [S('orders')] }));
  assert.ok(bfk.kind === 'add-constraint');
  assert.deepEqual(bfk.table, { name: 'orders' });
  assert.deepEqual(bfk.constraint.references?.table, { name: 'users' });
  const dc = one(op('drop_constraint', [S('fk'), S('orders')], { type_: S('foreignkey') }));
  assert.ok(dc.kind === 'drop-constraint');
  assert.equal(dc.constraintType, 'foreign-key');
});

test('create_table: columns, constraints, indexes and named enum types', () => {
  const r = operationsFromCall(
    op('create_table', [
      S('posts'),
      C('sa.Column', [S('id'), N('sa.Integer')], { primary_key: B(true) }),
      C('sa.Column', [S('state'), C('sa.Enum', [S('draft'), S('live')], { name: S('post_state') })]),
      C('sa.Column', [S('author_id'), N('sa.Integer'), C('sa.ForeignKey', [S('users.id')])], { index: B(true) }),
      C('sa.UniqueConstraint', [S('state')], { name: S('uq') }),
    ]),
    noSql,
  );
  assert.deepEqual(r.map((x) => x.kind), ['create-type', 'create-table', 'create-index']);
  const t = r[1]!;
  assert.ok(t.kind === 'create-table');
  assert.equal(t.columns.length, 3);
  assert.deepEqual(t.constraints.map((c) => c.type), ['unique', 'foreign-key']);
  const ty = r[0]!;
  assert.ok(ty.kind === 'create-type');
  assert.deepEqual(ty.enumValues, ['draft', 'live']);
});

test('op.execute: literal SQL goes to the SQL front end, anything built at run time is unanalyzable', () => {
  const seen: string[] = [];
  const hooks = { sql: (sql: string): OpDraft[] => (seen.push(sql), []) };
  operationsFromCall(op('execute', [S('SELECT 1')]), hooks);
  operationsFromCall(op('execute', [C('sa.text', [S('SELECT 2')])]), hooks);
  assert.deepEqual(seen, ['SELECT 1', 'SELECT 2']);
  for (const arg of [F('f"UPDATE {t}"'), N('SQL'), C('build_sql')]) {
    const r = operationsFromCall(op('execute', [arg]), hooks);
    assert.equal(r[0]?.kind, 'unanalyzable');
  }
});

test('context: tables created earlier in the same phase, autocommit blocks, COMMIT through SQL', () => {
  const drafts = [
    ...operationsFromCall(op('create_table', [S('t'), C('sa.Column', [S('id'), N('sa.Integer')], { primary_key: B(true) })]), noSql),
    ...operationsFromCall(op('create_index', [S('ix_t'), S('t'), L(S('id'))]), noSql),
    ...operationsFromCall(op('create_index', [S('ix_u'), S('u'), L(S('id'))]), noSql),
    ...operationsFromCall(op('create_index', [S('ix_u2'), S('u'), L(S('id'))], { postgresql_concurrently: B(true) }, { autocommit: true }), noSql),
  ];
  const ops = contextualize(drafts, { file: 'v/1.py', revision: '1', phase: 'upgrade' });
  assert.deepEqual(ops.map((o) => [o.kind, o.tableCreatedInRevision, o.inTransaction, o.index]), [
    ['create-table', false, true, 0],
    ['create-index', true, true, 1],
    ['create-index', false, true, 2],
    ['create-index', false, false, 3],
  ]);
});
