/** [tool.alembic-guard] validation, and [tool.alembic] %-substitution. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { parseGuardSettings } from '../../src/project/settings.js';
import { findTomlKeyLine, parsePyproject, percentFormat } from '../../src/project/toml.js';
import { runOracle } from './oracle.js';

const ABS = '/proj/pyproject.toml';

function settings(toml: string) {
  const pp = parsePyproject(toml, ABS, 'pyproject.toml');
  return parseGuardSettings(pp.guard ?? {}, pp);
}

function rejects(toml: string, message: RegExp, hint?: RegExp): void {
  assert.throws(
    () => settings(toml),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
      assert.match(e.message, message);
      if (hint) assert.match(e.hint ?? '', hint);
      return true;
    },
  );
}

test('settings: every key, with defaults filled in', () => {
  const s = settings(`
[tool.alembic-guard]
skip_revisions = ["0001", "0002"]
allowed_heads = ["billing", "core"]
baseline = "0042"
version_locations = ["migrations/versions", "/abs/other"]
recursive_version_locations = true
postgres_version = 16
python = ".venv/bin/python"
url_env = "TEST_DATABASE_URL"
connection_attribute = "connection"
downgrade_floor = "0010"
step_timeout = 90.5

[tool.alembic-guard.rules]
multiple-heads = "warning"
"adding-required-field" = "off"
`);
  assert.deepEqual(s, {
    rules: { 'multiple-heads': 'warning', 'adding-required-field': 'off' },
    skipRevisions: ['0001', '0002'],
    allowedHeads: ['billing', 'core'],
    baseline: '0042',
    versionLocations: ['/proj/migrations/versions', '/abs/other'],
    recursiveVersionLocations: true,
    postgresVersion: 16,
    python: '/proj/.venv/bin/python',
    urlEnv: ['TEST_DATABASE_URL'],
    connectionAttribute: 'connection',
    downgradeFloor: '0010',
    stepTimeoutSeconds: 90.5,
  });
  assert.deepEqual(settings('[tool.alembic-guard]\nallowed_heads = true\npython = "python3.12"\nurl_env = ["A", "B"]\n'), {
    rules: {},
    skipRevisions: [],
    allowedHeads: true,
    versionLocations: [],
    python: 'python3.12',
    urlEnv: ['A', 'B'],
  });
  assert.deepEqual(settings('[project]\nname = "x"\n'), {
    rules: {},
    skipRevisions: [],
    allowedHeads: [],
    versionLocations: [],
    urlEnv: ['DATABASE_URL'],
  });
  // Inline-table and dotted-key forms are the same TOML.
  assert.deepEqual(settings('[tool]\nalembic-guard.rules = { multiple-heads = "info" }\n').rules, { 'multiple-heads': 'info' });
});

test('settings: unknown keys, wrong types and bad severities name the key, the file and the line', () => {
  rejects('[tool.alembic-guard]\nskip_revision = ["1"]\n', /^pyproject\.toml:2: unknown key 'skip_revision' in \[tool\.alembic-guard\]$/, /Did you mean 'skip_revisions'\?/);
  rejects('[tool.alembic-guard]\n\n"step-timeout" = 5\n', /^pyproject\.toml:3: unknown key 'step-timeout'/, /Did you mean 'step_timeout'\? Keys are snake_case/);
  rejects('[tool.alembic-guard]\ncolour = true\n', /unknown key 'colour'/, /Remove 'colour'/);
  rejects('[tool.alembic-guard]\nskip_revisions = "0001"\n', /^pyproject\.toml:2: \[tool\.alembic-guard\] skip_revisions must be an array of strings, not a string$/);
  rejects('[tool.alembic-guard]\nskip_revisions = ["a", 2]\n', /^pyproject\.toml:2: \[tool\.alembic-guard\] skip_revisions\[1\] must be a string, not an integer$/);
  rejects('[tool.alembic-guard]\nallowed_heads = "billing"\n', /allowed_heads must be an array of revision ids \/ branch labels, or true/);
  rejects('[tool.alembic-guard]\npostgres_version = "16"\n', /^pyproject\.toml:2: .*postgres_version must be an integer major version such as 16, not a string/);
  rejects('[tool.alembic-guard]\npostgres_version = 16.5\n', /postgres_version must be an integer major version such as 16, not a float/);
  rejects('[tool.alembic-guard]\npostgres_version = 160\n', /postgres_version 160 is not a PostgreSQL major version/);
  rejects('[tool.alembic-guard]\nrecursive_version_locations = "yes"\n', /recursive_version_locations must be true or false, not a string/);
  rejects('[tool.alembic-guard]\nconnection_attribute = "conn"\n', /connection_attribute must be "engine" or "connection", not "conn"/);
  rejects('[tool.alembic-guard]\nstep_timeout = 0\n', /step_timeout must be positive/);
  rejects('[tool.alembic-guard]\nstep_timeout = "60s"\n', /step_timeout must be a number of seconds, not a string/);
  rejects('[tool.alembic-guard]\nurl_env = []\n', /url_env is empty/);
  rejects('[tool.alembic-guard]\nbaseline = ""\n', /baseline is an empty string/);
  rejects('[tool.alembic-guard]\nrules = ["x"]\n', /^pyproject\.toml:2: \[tool\.alembic-guard\] rules must be a table/);
  rejects(
    '[tool.alembic-guard]\nbaseline = "1"\n\n[tool.alembic-guard.rules]\nmultiple-heads = "warn"\n',
    /^pyproject\.toml:5: \[tool\.alembic-guard\] rules\.multiple-heads must be one of "error", "warning", "info", "off", not "warn"$/,
  );
  rejects('[tool.alembic-guard]\nrules = { multiple-heads = false }\n', /^pyproject\.toml:2: .*rules\.multiple-heads must be one of .* not a boolean$/);
  rejects('[tool]\nalembic-guard = 3\n', /^pyproject\.toml:2: tool\.alembic-guard must be a table/);
});

test('findTomlKeyLine: headers, dotted and quoted keys, multi-line strings', () => {
  const text = [
    '[project]', // 1
    'description = """', // 2
    'skip_revisions = not a key', // 3
    '"""', // 4
    '[ tool . "alembic-guard" ]', // 5
    "'baseline' = '1'", // 6
    'rules.x = "off"', // 7
    '[[tool.other]]', // 8
    'baseline = 2', // 9
  ].join('\n');
  assert.equal(findTomlKeyLine(text, ['tool', 'alembic-guard']), 5);
  assert.equal(findTomlKeyLine(text, ['tool', 'alembic-guard', 'baseline']), 6);
  assert.equal(findTomlKeyLine(text, ['tool', 'alembic-guard', 'rules', 'x']), 7);
  assert.equal(findTomlKeyLine(text, ['tool', 'alembic-guard', 'skip_revisions']), undefined);
});

test('[tool.alembic] %-substitution behaves like Python str % dict', () => {
  const args = { here: '/srv/app' };
  const where = { file: 'pyproject.toml', line: 3, key: '[tool.alembic] x' };
  const good = ['%(here)s/migrations', '100%%', '%%(rev)s_%%(slug)s', 'plain', '%(here)20s|', '%(here)-12s|', '%(here).4s', ''];
  const py = runOracle<{ ok: boolean; results: string[] }>({ mode: 'format', values: good, args });
  assert.deepEqual(
    good.map((v) => percentFormat(v, args, where)),
    py.results,
  );
  for (const bad of ['%(root)s', '50%', '%d', '%(here)d', '%(here']) {
    assert.throws(() => percentFormat(bad, args, where), (e: unknown) => e instanceof ConfigError && /^pyproject\.toml:3: bad % substitution in \[tool\.alembic\] x/.test(e.message), bad);
  }
});

test('revision_data: rows per revision (table or __tablename__), values as the database takes them', () => {
  const s = settings(`
[tool.alembic-guard.revision_data.abc1]
before = [{ table = "orders", id = 9, placed = 2024-05-01T10:00:00Z, tags = ["a", "b"], meta = { k = 1 } }]
at = [{ __tablename__ = "billing.invoices", id = 1 }]
`);
  assert.deepEqual(s.revisionData?.revisions, [
    {
      ref: 'abc1',
      line: 2,
      before: [{ table: 'orders', values: { id: 9, placed: '2024-05-01T10:00:00.000Z', tags: ['a', 'b'], meta: '{"k":1}' } }],
      at: [{ table: 'billing.invoices', values: { id: 1 } }],
    },
  ]);
  assert.equal(s.revisionData?.file, ABS);
  assert.equal(settings('[tool.alembic-guard]\nrevision_data = "tests/data.py"\n').revisionData?.module, '/proj/tests/data.py');
});

test('revision_data: a row without a table, an unknown key, a wrong shape are errors with the line', () => {
  rejects('[tool.alembic-guard.revision_data.abc1]\nbefore = [{ id = 1 }]\n', /pyproject\.toml:2: revision_data\.abc1\.before\[0\] names no table/);
  rejects('[tool.alembic-guard.revision_data.abc1]\nafter = []\n', /pyproject\.toml:2: unknown key 'after' in revision_data\.abc1/);
  rejects('[tool.alembic-guard]\nrevision_data = 3\n', /revision_data must be a path to a Python file or a table of revisions/);
});
