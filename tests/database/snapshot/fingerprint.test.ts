/**
 * The schema fingerprint (fingerprint-sql.ts) against the snapshot and its diff, on a real
 * PostgreSQL: kept incrementally by its event triggers it always equals the digest computed from
 * scratch; equal digests where the diff finds nothing, different digests where it finds
 * something; and it is invisible to the snapshot itself.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { diffSnapshots, takeSnapshot } from '../../../src/database/snapshot/snapshot.js';
import { FINGERPRINT_INSTALL_SQL, FINGERPRINT_TRIGGERS_SQL, FINGERPRINT_UNINSTALL_SQL, statementsOf } from '../../../src/database/snapshot/fingerprint-sql.js';
import { startServer, type PgClient, type TestServer } from './server.js';
import { ALTERATIONS, BASE, DROP_EVERYTHING, EVERYTHING, ORDER_A, ORDER_B } from './schemas.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

/** The statements of a script of schemas.ts (bodies between $$ kept whole). */
function statements(script: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inBody = false;
  for (const line of script.split('\n')) {
    if (cur === '' && line.trim() === '') continue;
    cur += `${line}\n`;
    if ((line.split('$$').length - 1) % 2 === 1) inBody = !inBody;
    if (!inBody && line.trimEnd().endsWith(';')) {
      out.push(cur.trim());
      cur = '';
    }
  }
  return out;
}

async function install(db: PgClient, incremental = true): Promise<void> {
  for (const s of statementsOf(FINGERPRINT_INSTALL_SQL)) await db.query(s);
  if (incremental) for (const s of statementsOf(FINGERPRINT_TRIGGERS_SQL)) await db.query(s);
  await db.query('SELECT alembic_guard.rebuild()');
}

const sync = async (db: PgClient): Promise<string> => String((await db.query('SELECT alembic_guard.sync() AS d')).rows[0]!.d);
const full = async (db: PgClient): Promise<string> => String((await db.query('SELECT alembic_guard.full_digest() AS d')).rows[0]!.d);

test('statementsOf splits the install script at statement ends, never inside a function body', () => {
  const parts = statementsOf(FINGERPRINT_INSTALL_SQL);
  assert.ok(parts.length > 20);
  for (const p of parts) {
    assert.ok(p.trimEnd().endsWith(';'), p.slice(0, 80));
    assert.equal((p.split('$f$').length - 1) % 2, 0, `unbalanced body in ${p.slice(0, 80)}`);
  }
});

test('kept incrementally, the digest equals the one computed from scratch after every statement', async () => {
  const db = await server.database();
  await install(db);
  const script = [...statements(EVERYTHING), ...statements(DROP_EVERYTHING), ...statements(BASE), ...statements(ALTERATIONS)];
  for (const s of script) {
    await db.query(s);
    assert.equal(await sync(db), await full(db), `after: ${s}`);
  }
});

test('also inside a transaction, and a rollback rolls the kept hashes back with the catalog', async () => {
  const db = await server.database();
  await install(db);
  for (const s of statements(BASE)) await db.query(s);
  const base = await sync(db);
  await db.query('BEGIN');
  await db.query('ALTER TABLE users ADD COLUMN inside int');
  const inside = await sync(db);
  assert.notEqual(inside, base);
  assert.equal(inside, await full(db));
  await db.query('ROLLBACK');
  assert.equal(await sync(db), base);
  assert.equal(await full(db), base);
});

test('every alteration of the base schema that the diff sees changes the digest', async () => {
  const db = await server.database();
  await install(db);
  for (const s of statements(BASE)) await db.query(s);
  let digest = await sync(db);
  let snapshot = await takeSnapshot(db, { prepared: false });
  for (const s of statements(ALTERATIONS)) {
    await db.query(s);
    const next = await sync(db);
    const nextSnapshot = await takeSnapshot(db, { prepared: false });
    assert.ok(diffSnapshots(snapshot, nextSnapshot).length > 0, `the diff sees nothing after ${s}`);
    assert.notEqual(next, digest, `the digest does not change after ${s}`);
    digest = next;
    snapshot = nextSnapshot;
  }
});

test('a rolled-back alteration gives the digest back', async () => {
  const db = await server.database();
  await install(db);
  for (const s of statements(BASE)) await db.query(s);
  const base = await sync(db);
  for (const s of statements(ALTERATIONS).filter((x) => !/ADD VALUE|EVENT TRIGGER/.test(x))) {
    await db.query('BEGIN');
    await db.query('SAVEPOINT one');
    try {
      await db.query(s);
    } catch {
      await db.query('ROLLBACK TO SAVEPOINT one'); // needs an earlier alteration
    }
    await sync(db);
    await db.query('ROLLBACK');
    assert.equal(await sync(db), base, `after rolling back ${s}`);
  }
});

test('one schema built in two orders (server-numbered names, a gap in attnum): equal snapshots, equal digests', async () => {
  const a = await server.database();
  const b = await server.database();
  for (const s of statements(ORDER_A)) await a.query(s);
  for (const s of statements(ORDER_B)) await b.query(s);
  await install(a);
  await install(b);
  assert.deepEqual(diffSnapshots(await takeSnapshot(a), await takeSnapshot(b)), []);
  assert.equal(await sync(a), await sync(b));
});

test('dropped and created again (new OIDs, a column re-added at the end): the same digest', async () => {
  const db = await server.database();
  await install(db);
  for (const s of statements(ORDER_A)) await db.query(s);
  await db.query('ALTER TABLE payments ADD COLUMN extra text');
  const first = await sync(db);
  await db.query('ALTER TABLE payments DROP COLUMN extra');
  assert.notEqual(await sync(db), first);
  await db.query('ALTER TABLE payments ADD COLUMN extra text');
  assert.equal(await sync(db), first);
  await db.query('DROP VIEW big_payments');
  await db.query('DROP TABLE payments');
  for (const s of statements(ORDER_A).filter((x) => /payments/.test(x) && !/^CREATE TABLE accounts/.test(x))) await db.query(s);
  await db.query('ALTER TABLE payments ADD COLUMN extra text');
  assert.equal(await sync(db), first);
});

test('without event triggers (a role that is not superuser) every sync computes from scratch', async () => {
  const db = await server.database();
  await install(db, false);
  for (const s of statements(BASE)) await db.query(s);
  assert.equal(await sync(db), await full(db));
});

test('the snapshot does not see the fingerprint, and uninstalling leaves nothing behind', async () => {
  const db = await server.database();
  for (const s of statements(BASE)) await db.query(s);
  const before = await takeSnapshot(db, { prepared: false });
  await install(db);
  assert.deepEqual(diffSnapshots(before, await takeSnapshot(db, { prepared: false })), []);
  for (const s of statementsOf(FINGERPRINT_UNINSTALL_SQL)) await db.query(s);
  assert.equal((await db.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'alembic_guard'")).rows[0]!.n, 0);
  assert.equal((await db.query("SELECT count(*)::int AS n FROM pg_event_trigger WHERE evtname LIKE 'alembic_guard%'")).rows[0]!.n, 0);
});
