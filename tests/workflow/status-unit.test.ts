/** Deploy status from the graph and the version table's rows, on literals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployStatus } from '../../src/workflow/status.js';
import { toPostgresUrl, quoteTableName } from '../../src/database/version-table.js';
import { buildGraph } from '../../src/graph/graph.js';
import { chain, mf } from '../graph/helpers.js';

const linear = buildGraph(chain(['0001', '0002', '0003', '0004']));

test('at head, behind with pending in upgrade order, unknown, no table, empty table', () => {
  assert.deepEqual(deployStatus(linear, ['0004']), { state: 'at-head', current: ['0004'], heads: ['0004'], pending: [], unknown: [] });
  assert.deepEqual(deployStatus(linear, ['0002']).pending, ['0003', '0004']);
  assert.equal(deployStatus(linear, ['0002']).state, 'behind');
  assert.deepEqual(deployStatus(linear, []).pending, ['0001', '0002', '0003', '0004']);
  const unknown = deployStatus(linear, ['beef']);
  assert.equal(unknown.state, 'unknown-revision');
  assert.deepEqual(unknown.unknown, ['beef']);
  assert.equal(deployStatus(linear, null).state, 'no-version-table');
});

test('several database heads: each branch is applied up to its row', () => {
  // base → a1 → a2 (branch a), base → b1 → b2 (branch b)
  const g = buildGraph([mf({ rev: 'base', down: null }), mf({ rev: 'a1', down: 'base' }), mf({ rev: 'a2', down: 'a1' }), mf({ rev: 'b1', down: 'base' }), mf({ rev: 'b2', down: 'b1' })]);
  const s = deployStatus(g, ['a2', 'b1']);
  assert.equal(s.state, 'behind');
  assert.deepEqual(s.pending, ['b2']);
  assert.equal(deployStatus(g, ['a2', 'b2']).state, 'at-head');
  // depends_on counts as applied ancestry
  const d = buildGraph([mf({ rev: 'x', down: null }), mf({ rev: 'y', down: null, deps: 'x' })]);
  assert.equal(deployStatus(d, ['y']).state, 'at-head');
});

test('SQLAlchemy URLs become libpq URLs; other dialects are refused', () => {
  assert.equal(toPostgresUrl('postgresql+psycopg2://u:p%40ss@db:5432/app?sslmode=require'), 'postgresql://u:p%40ss@db:5432/app?sslmode=require');
  assert.equal(toPostgresUrl('postgresql+asyncpg://u@db/app?ssl=require'), 'postgresql://u@db/app?sslmode=require');
  assert.equal(toPostgresUrl('postgres://u@db/app'), 'postgresql://u@db/app');
  assert.throws(() => toPostgresUrl('mysql+pymysql://u:secret@db/app'), (e: Error) => /PostgreSQL only/.test(e.message) && !e.message.includes('secret'));
  assert.throws(() => toPostgresUrl('not a url with secret'), /not a database URL/);
  assert.equal(quoteTableName('ops.alembic_version'), '"ops"."alembic_version"');
});
