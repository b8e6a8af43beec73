import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMigration } from '../../src/source/parse.js';
import { buildOperations, type SqlCache } from '../../src/ops/build.js';
import type { OpDraft } from '../../src/ops/from-python.js';
import type { MigrationFile, Project } from '../../src/model.js';

const project = (dialect?: string, postgresVersion?: number): Pick<Project, 'dialect' | 'settings'> => ({
  ...(dialect !== undefined ? { dialect } : {}),
  settings: { rules: {}, skipRevisions: [], allowedHeads: [], versionLocations: [], ...(postgresVersion !== undefined ? { postgresVersion } : {}) },
});

function file(body: string, rev = 'r1'): MigrationFile {
  const text = `from alembic import op\nimport sqlalchemy as sa\nrevision = "${rev}"\ndown_revision = None\n\n\ndef upgrade():\n${body}\n\n\ndef downgrade():\n    op.drop_table("t")\n`;
  return parseMigration(Buffer.from(text), { path: `v/${rev}.py`, absPath: `/p/v/${rev}.py` }, rev);
}

const body = `    op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("CREATE INDEX ix_t ON t (id); UPDATE users SET a = :a")
    with op.get_context().autocommit_block():
        op.execute(sa.text("CREATE INDEX CONCURRENTLY ix_u ON users (a)"))`;

test('buildOperations: dialect and version defaults, upgrade and downgrade, SQL pointed at the op.execute call', async () => {
  const m = await buildOperations({ project: project(), files: [file(body)] });
  assert.equal(m.dialect, 'postgresql');
  assert.equal(m.dialectAssumed, true);
  assert.equal(m.postgresVersion, 15);
  const r = m.byPath.get('v/r1.py')!;
  assert.deepEqual(
    r.upgrade.map((o) => [o.kind, o.loc.line, o.tableCreatedInRevision, o.inTransaction]),
    [
      ['create-table', 8, false, true],
      ['create-index', 9, true, true],
      ['data-change', 9, false, true],
      ['create-index', 11, false, false],
    ],
  );
  assert.deepEqual(r.downgrade.map((o) => [o.kind, o.phase]), [['drop-table', 'downgrade']]);
  const sqlOp = r.upgrade[1]!;
  assert.ok(sqlOp.source.kind === 'sql' && sqlOp.source.call?.name === 'execute' && sqlOp.source.statement === 'CREATE INDEX ix_t ON t (id)');
  const m2 = await buildOperations({ project: project('postgresql', 17), files: [file(body)] });
  assert.equal(m2.postgresVersion, 17);
  assert.equal(m2.dialectAssumed, false);
});

test('buildOperations: other dialects do not parse SQL', async () => {
  const m = await buildOperations({ project: project('sqlite'), files: [file(body)] });
  assert.deepEqual(m.revisions[0]!.upgrade.map((o) => o.kind), ['create-table', 'other-sql', 'other-sql']);
});

test('buildOperations: the SQL cache answers with plain JSON and gives the same operations', async () => {
  const store = new Map<string, string>();
  const cache: SqlCache = {
    get: (sql) => {
      const v = store.get(sql);
      return v === undefined ? undefined : (JSON.parse(v) as OpDraft[]);
    },
    set: (sql, drafts) => void store.set(sql, JSON.stringify(drafts)),
  };
  const fresh = await buildOperations({ project: project(), files: [file(body)] });
  const first = await buildOperations({ project: project(), files: [file(body)], sqlCache: cache });
  assert.equal(store.size, 2);
  const second = await buildOperations({ project: project(), files: [file(body)], sqlCache: cache });
  const strip = (m: typeof fresh): unknown => JSON.parse(JSON.stringify(m.revisions[0]!.upgrade));
  assert.deepEqual(strip(first), strip(fresh));
  assert.deepEqual(strip(second), strip(fresh));
});
