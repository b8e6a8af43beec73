/** The line editor behind `init` (every other byte kept, or a refusal) and the PostgreSQL image tags it reads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTomlKeys, type TomlEntry } from '../../src/project/toml-edit.js';
import { majorFromTag } from '../../src/project/postgres-version.js';

const baseline: TomlEntry = { key: 'baseline', value: '"b1"', parsed: 'b1' };
const table = ['tool', 'alembic-guard'];
const edit = (text: string) => setTomlKeys(text, table, [baseline]);

test('an existing key is replaced in place (indentation kept), a new one goes after the last entry', () => {
  assert.deepEqual(edit('[tool.alembic-guard]\n  baseline = "a0"   # old\nskip_revisions = []\n\n# about the next table\n[tool.x]\ny = 1\n'), {
    text: '[tool.alembic-guard]\n  baseline = "b1"\nskip_revisions = []\n\n# about the next table\n[tool.x]\ny = 1\n',
  });
  assert.deepEqual(edit('[ tool . "alembic-guard" ]  # quoted\nskip_revisions = [\n  "0007",\n]\n# trailing\n'), {
    text: '[ tool . "alembic-guard" ]  # quoted\nskip_revisions = [\n  "0007",\n]\nbaseline = "b1"\n# trailing\n',
  });
});

test('CRLF files stay CRLF; a file without a final newline gets one', () => {
  assert.deepEqual(edit('[project]\r\nname = "x"\r\n'), { text: '[project]\r\nname = "x"\r\n\r\n[tool.alembic-guard]\r\nbaseline = "b1"\r\n' });
  assert.deepEqual(edit('[project]\nname = "x"'), { text: '[project]\nname = "x"\n\n[tool.alembic-guard]\nbaseline = "b1"\n' });
});

test('forms the editor does not change are refused, never written', () => {
  for (const text of ['[tool]\nalembic-guard.skip_revisions = []\n', '[tool]\nalembic-guard = { skip_revisions = [] }\n', '[tool.alembic-guard]\nx = """\n[tool.y]\n"""\n', 'not toml = \n']) {
    const r = edit(text);
    assert.ok('refused' in r, `${JSON.stringify(text)} was edited: ${JSON.stringify(r)}`);
  }
});

test('PostgreSQL major versions from image tags; nothing from tags that do not say', () => {
  const cases: [string, string, number | undefined][] = [
    ['postgres', '16', 16],
    ['postgres', '16.4-alpine3.20', 16],
    ['postgres', '9.6', undefined],
    ['postgres', 'latest', undefined],
    ['postgres', 'alpine', undefined],
    ['postgis', '15-3.4', 15],
    ['timescaledb', '2.14.2-pg16', 16],
    ['timescaledb', '2.14.2', undefined],
    ['pgvector', 'pg17', 17],
    ['postgresql', '16.2.0-debian-12-r6', 16],
  ];
  for (const [repo, tag, want] of cases) assert.equal(majorFromTag(repo, tag), want, `${repo}:${tag}`);
});
