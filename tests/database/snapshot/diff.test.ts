/**
 * parseSnapshot and diffSnapshots on literal snapshots (no database): pairing rules, collapsing,
 * options, wording of long values, and the shape checks of parseSnapshot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'libpg-query';
import {
  diffSnapshots,
  parseSnapshot,
  SnapshotFormatError,
  SNAPSHOT_SQL,
  type Snapshot,
} from '../../../src/database/snapshot/snapshot.js';

/** The raw json of an empty database, plus what a test adds (the query's own field names). */
function raw(parts: Record<string, unknown[]> = {}): Record<string, unknown> {
  return {
    version: 180004,
    schemas: [{ name: 'public', comment: 'standard public schema' }],
    extensions: [{ name: 'plpgsql', version: '1.0', schema: 'pg_catalog' }],
    relations: null,
    columns: null,
    constraints: null,
    indexes: null,
    sequences: null,
    types: null,
    functions: null,
    triggers: null,
    policies: null,
    rules: null,
    statistics: null,
    eventTriggers: null,
    others: null,
    ...parts,
  };
}

function table(name: string, extra: Record<string, unknown> = {}, schema = 'public'): Record<string, unknown> {
  return {
    schema,
    name,
    kind: 'r',
    persistence: 'p',
    partitionKey: null,
    partitionOf: null,
    partitionBound: null,
    inherits: null,
    ofType: null,
    accessMethod: 'heap',
    options: null,
    tablespace: null,
    rowSecurity: false,
    forceRowSecurity: false,
    replicaIdentity: 'd',
    definition: null,
    foreignServer: null,
    foreignOptions: null,
    comment: null,
    ...extra,
  };
}

function column(tableName: string, name: string, position: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schema: 'public',
    table: tableName,
    name,
    position,
    type: 'integer',
    notNull: false,
    notNullInvalid: false,
    default: null,
    generated: null,
    expression: null,
    identity: null,
    identitySequence: null,
    collation: null,
    storage: null,
    comment: null,
    ...extra,
  };
}

function constraint(tableName: string, name: string, type: string, definition: string): Record<string, unknown> {
  return { schema: 'public', name, type, table: tableName, domain: null, definition, comment: null };
}

function index(tableName: string, name: string, columns: string): Record<string, unknown> {
  return {
    schema: 'public',
    name,
    table: tableName,
    quotedName: name,
    definition: `CREATE INDEX ${name} ON public.${tableName} USING btree (${columns})`,
    valid: true,
    ready: true,
    clustered: false,
    replicaIdentity: false,
    tablespace: null,
    comment: null,
  };
}

const snap = (parts: Record<string, unknown[]> = {}): Snapshot => parseSnapshot(raw(parts));
const say = (a: Snapshot, b: Snapshot, options = {}): string[] =>
  diffSnapshots(a, b, options).map((d) => d.sentence({ action: 'downgrading a002' }));

test('SNAPSHOT_SQL is one statement for PostgreSQL’s own parser', async () => {
  await pg.loadModule();
  const parsed = pg.parseSync(SNAPSHOT_SQL) as { stmts: unknown[] };
  assert.equal(parsed.stmts.length, 1);
});

test('parseSnapshot accepts the json text as well as the parsed value, and sorts every list', () => {
  const parts = {
    relations: [table('b'), table('a', {}, 'zeta'), table('a')],
    columns: [column('a', 'y', 2), column('a', 'x', 1)],
  };
  const fromValue = snap(parts);
  const reversed = snap({ relations: [...parts.relations].reverse(), columns: [...parts.columns].reverse() });
  assert.deepEqual(fromValue, reversed);
  assert.deepEqual(parseSnapshot(JSON.stringify(raw(parts))), fromValue);
  assert.deepEqual(
    fromValue.relations.map((r) => `${r.schema}.${r.name}`),
    ['public.a', 'public.b', 'zeta.a'],
  );
  assert.equal(fromValue.relations[0]?.kind, 'table');
  assert.equal(fromValue.relations[0]?.replicaIdentity, 'default');
});

test('parseSnapshot names the first field that does not have the query’s shape', () => {
  assert.throws(() => parseSnapshot('{not json'), new SnapshotFormatError('the snapshot', 'valid JSON'));
  assert.throws(() => parseSnapshot([]), /malformed schema snapshot: the snapshot should be a JSON object/);
  assert.throws(
    () => parseSnapshot(raw({ relations: [table('a', { name: 3 })] })),
    /malformed schema snapshot: snapshot\.relations\[0\]\.name should be a string/,
  );
  assert.throws(
    () => parseSnapshot(raw({ relations: [table('a', { kind: 'x' })] })),
    /snapshot\.relations\[0\]\.kind should be one of r, p, f, v, m/,
  );
  assert.throws(() => parseSnapshot({ ...raw(), version: '18' }), /snapshot\.version should be a number/);
  assert.throws(() => parseSnapshot({ ...raw(), columns: {} }), /snapshot\.columns should be an array/);
});

test('column positions are not compared; columnOrder reports the relative order only', () => {
  const a = snap({ relations: [table('t')], columns: [column('t', 'id', 1), column('t', 'a', 2), column('t', 'b', 3)] });
  // `a` dropped and re-added: it moved to the end and left a gap.
  const b = snap({ relations: [table('t')], columns: [column('t', 'id', 1), column('t', 'b', 3), column('t', 'a', 4)] });
  assert.deepEqual(diffSnapshots(a, b), []);
  assert.deepEqual(say(a, b, { columnOrder: true }), [
    'Table t differs after downgrading a002: column order id, a, b → id, b, a',
  ]);
  // A column that only one side has does not count as an order change.
  const c = snap({
    relations: [table('t')],
    columns: [column('t', 'id', 1), column('t', 'new', 2), column('t', 'a', 3), column('t', 'b', 4)],
  });
  assert.deepEqual(say(a, c, { columnOrder: true }), ['Column new of table t still exists after downgrading a002']);
});

test('constraint and index names the server numbered are the same object when the definition is', () => {
  const a = snap({
    relations: [table('t')],
    constraints: [
      constraint('t', 't_a_check', 'c', 'CHECK ((a > 0))'),
      constraint('t', 't_a_check1', 'c', 'CHECK ((a < 10))'),
    ],
    indexes: [index('t', 't_a_idx', 'a')],
  });
  // Same constraints, numbered the other way round; the index numbered because the name was taken.
  const b = snap({
    relations: [table('t')],
    constraints: [
      constraint('t', 't_a_check1', 'c', 'CHECK ((a > 0))'),
      constraint('t', 't_a_check', 'c', 'CHECK ((a < 10))'),
    ],
    indexes: [index('t', 't_a_idx1', 'a')],
  });
  assert.deepEqual(diffSnapshots(a, b), []);
});

test('the same constraint under an unrelated name is one rename, not a drop and a create', () => {
  const a = snap({ relations: [table('t')], constraints: [constraint('t', 'fk_t_user', 'f', 'FOREIGN KEY (u) REFERENCES users(id)')] });
  const b = snap({ relations: [table('t')], constraints: [constraint('t', 't_u_fkey', 'f', 'FOREIGN KEY (u) REFERENCES users(id)')] });
  const [d, ...rest] = diffSnapshots(a, b);
  assert.deepEqual(rest, []);
  assert.equal(d?.kind, 'changed');
  assert.equal(d?.name, 'fk_t_user');
  assert.deepEqual(d?.changes, [{ property: 'name', before: 'fk_t_user', after: 't_u_fkey' }]);
  assert.equal(
    d?.sentence({ action: 'downgrading a002' }),
    'Foreign key fk_t_user on table t differs after downgrading a002: name fk_t_user → t_u_fkey',
  );
  // A different definition is a different constraint.
  const c = snap({ relations: [table('t')], constraints: [constraint('t', 't_u_fkey', 'f', 'FOREIGN KEY (u) REFERENCES users(id) ON DELETE CASCADE')] });
  assert.deepEqual(say(a, c), [
    'Foreign key fk_t_user on table t no longer exists after downgrading a002',
    'Foreign key t_u_fkey on table t still exists after downgrading a002',
  ]);
});

test('what sits in an added or removed object is not listed again', () => {
  const empty = snap();
  const full = snap({
    schemas: [
      { name: 'public', comment: 'standard public schema' },
      { name: 'audit', comment: null },
    ],
    relations: [table('log', {}, 'audit'), table('t'), table('t_2024', { partitionOf: { schema: 'public', name: 't' }, partitionBound: 'DEFAULT' })],
    columns: [column('t', 'id', 1), { ...column('log', 'id', 1), schema: 'audit' }],
    constraints: [constraint('t', 't_pkey', 'p', 'PRIMARY KEY (id)')],
    indexes: [index('t', 'ix_t', 'id')],
    sequences: [
      {
        schema: 'public',
        name: 't_id_seq',
        type: 'integer',
        start: '1',
        increment: '1',
        min: '1',
        max: '2147483647',
        cache: '1',
        cycle: false,
        persistence: 'p',
        ownedBy: { schema: 'public', table: 't', column: 'id' },
        comment: null,
      },
    ],
    triggers: [{ schema: 'public', table: 't', name: 'tg', definition: 'CREATE TRIGGER tg …', enabled: 'O', comment: null }],
  });
  assert.deepEqual(say(empty, full), [
    'Schema audit still exists after downgrading a002',
    'Table t still exists after downgrading a002',
  ]);
  assert.deepEqual(say(full, empty), [
    'Schema audit no longer exists after downgrading a002',
    'Table t no longer exists after downgrading a002',
  ]);
});

test('ignoreTables leaves a custom version table and everything on it out', () => {
  const a = snap();
  const b = snap({
    relations: [table('my_version'), table('my_version', {}, 'other'), table('kept')],
    columns: [column('my_version', 'version_num', 1, { type: 'character varying(32)' })],
    constraints: [constraint('my_version', 'my_version_pkc', 'p', 'PRIMARY KEY (version_num)')],
  });
  assert.deepEqual(say(a, b), [
    'Table other.my_version still exists after downgrading a002',
    'Table kept still exists after downgrading a002',
    'Table my_version still exists after downgrading a002',
  ]);
  assert.deepEqual(say(a, b, { ignoreTables: ['public.my_version'] }), [
    'Table other.my_version still exists after downgrading a002',
    'Table kept still exists after downgrading a002',
  ]);
  assert.deepEqual(say(a, b, { ignoreTables: ['my_version'] }), ['Table kept still exists after downgrading a002']);
});

test('a table that became a view is a removed table and an added view', () => {
  const a = snap({ relations: [table('t')], columns: [column('t', 'id', 1)] });
  const b = snap({ relations: [table('t', { kind: 'v', replicaIdentity: 'n', definition: ' SELECT 1 AS id;' })] });
  assert.deepEqual(say(a, b), [
    'Table t no longer exists after downgrading a002',
    'View t still exists after downgrading a002',
  ]);
});

test('long values are cut down to the part that differs', () => {
  const longCheck = (label: string): string =>
    `CHECK (((status)::text = ANY ((ARRAY['active'::character varying, 'paused'::character varying, '${label}'::character varying, 'expired'::character varying, 'trial'::character varying])::text[])) AND (amount > 0))`;
  const a = snap({ relations: [table('t')], constraints: [constraint('t', 'ck_state', 'c', longCheck('cancelled'))] });
  const b = snap({ relations: [table('t')], constraints: [constraint('t', 'ck_state', 'c', longCheck('canceled'))] });
  assert.deepEqual(say(a, b), [
    "Check constraint ck_state on table t differs after downgrading a002: definition " +
      "…varying, 'cancelled'::character varying,… → …varying, 'canceled'::character varying,…",
  ]);
  const c = snap({ relations: [table('t')], constraints: [constraint('t', 'ck_state', 'c', longCheck('cancelled').replace('> 0', '> 100'))] });
  assert.deepEqual(say(a, c), [
    'Check constraint ck_state on table t differs after downgrading a002: definition …AND (amount > 0)) → …AND (amount > 100))',
  ]);
  const body = (line: string): string => `\nBEGIN\n  ${line}\n  RETURN NEW;\nEND\n`;
  const fn = (text: string): Record<string, unknown> => ({
    schema: 'public',
    name: 'touch',
    argumentTypes: '',
    identityArguments: '',
    kind: 'f',
    arguments: '',
    result: 'trigger',
    language: 'plpgsql',
    volatility: 'v',
    strict: false,
    securityDefiner: false,
    leakproof: false,
    parallel: 'u',
    cost: 100,
    rows: 0,
    config: null,
    body: text,
    aggregate: null,
    comment: null,
  });
  assert.deepEqual(say(snap({ functions: [fn(body('NEW.a := 1;'))] }), snap({ functions: [fn(`${body('NEW.a := 1;')}-- done`)] })), [
    'Function touch() differs after downgrading a002: body differs at line 6: (empty line) → -- done',
  ]);
});

test('names that need quotes are quoted, public is left out, other schemas are not', () => {
  const a = snap();
  const b = snap({
    relations: [table('User Data'), table('invoices', {}, 'Billing')],
  });
  assert.deepEqual(say(a, b), [
    'Table "Billing".invoices still exists after downgrading a002',
    'Table "User Data" still exists after downgrading a002',
  ]);
  assert.deepEqual(
    diffSnapshots(a, b).map((d) => d.name),
    ['"Billing".invoices', 'public."User Data"'],
  );
});
