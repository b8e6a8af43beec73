/**
 * alembic.ini parsing vs Python's real configparser (from the test venv), on tricky inputs and on
 * a few hundred generated ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { IniError, parseIni, readIniFile } from '../../src/project/ini.js';
import { runOracle, tempDir } from './oracle.js';

type PyResult =
  | { ok: true; sections: string[]; values: Record<string, Record<string, string | { error: string }>> }
  | { ok: false; error: string; line: number | null };

const HERE = '/srv/app';

/** Our parser's answer in the oracle's shape. */
function ours(file: string): PyResult {
  let cfg;
  try {
    cfg = readIniFile(file, 'alembic.ini', { here: HERE });
  } catch (e) {
    assert.ok(e instanceof IniError, `unexpected error ${String(e)}`);
    return { ok: false, error: e.pyError, line: e.line ?? null };
  }
  const values: Record<string, Record<string, string | { error: string }>> = {};
  for (const section of ['DEFAULT', ...cfg.sectionNames()]) {
    const out: Record<string, string | { error: string }> = {};
    for (const key of cfg.options(section)) {
      try {
        out[key] = cfg.get(section, key)!;
      } catch (e) {
        assert.ok(e instanceof IniError, `unexpected error ${String(e)}`);
        out[key] = { error: e.pyError };
      }
    }
    values[section] = out;
  }
  return { ok: true, sections: cfg.sectionNames(), values };
}

/** Compares every case with Python and returns our results. */
function compareWithPython(cases: { name: string; text: string | Buffer }[]): PyResult[] {
  const dir = tempDir('ag-ini-');
  try {
    const files = cases.map((c, i) => {
      const f = join(dir, `case${i}.ini`);
      writeFileSync(f, c.text);
      return f;
    });
    const py = runOracle<PyResult[]>({ mode: 'ini', here: HERE, files });
    return cases.map((c, i) => {
      const result = ours(files[i]!);
      assert.deepEqual(result, py[i], `case ${c.name}: ${JSON.stringify(c.text.toString())}`);
      return result;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tricky: { name: string; text: string | Buffer }[] = [
  { name: 'basic', text: '[alembic]\nscript_location = %(here)s/migrations\nfile_template: %%(rev)s_%%(slug)s\n' },
  { name: 'case-insensitive keys', text: '[alembic]\nScript_Location = a\nOTHER: b\n' },
  { name: 'inline comments are kept', text: '[alembic]\na = 1 # not a comment\nb = x ; neither\n' },
  { name: 'full-line comments', text: '# top\n; top2\n[alembic]\n  # indented comment\na = 1\n;b = 2\n' },
  {
    name: 'continuation lines with blanks and comments',
    text: '[alembic]\nversion_locations =\n    %(here)s/a\n\n    %(here)s/b\n# comment inside\n    %(here)s/c\n\n\nnext = 1\n',
  },
  { name: 'continuation after an indented option', text: '[s]\n  a = 1\n   b\n  c = 2\n\tx\n' },
  { name: 'tab continuation', text: '[s]\na = 1\n\tb\n\t\tc\n' },
  { name: 'trailing blank lines dropped', text: '[s]\na = 1\n  2\n\n\n' },
  { name: 'empty value', text: '[s]\na =\nb:\nc = \n' },
  { name: 'first delimiter wins', text: '[s]\nsqlalchemy.url = postgresql+asyncpg://u:p@h/db\na:b = c\nx = y = z\n' },
  { name: 'interpolation', text: '[s]\nbase = /opt\np = %(base)s/x/%(here)s\nq = %(BASE)s\nr = 100%%\ns = %%(here)s\n' },
  { name: 'DEFAULT section', text: '[DEFAULT]\nroot = /r\n[s]\na = %(root)s/a\n[t]\nroot = /t\na = %(root)s/a\n' },
  { name: 'DEFAULT overrides here', text: '[DEFAULT]\nhere = /elsewhere\n[s]\na = %(here)s\n' },
  { name: 'DEFAULT refers to section keys', text: '[DEFAULT]\nd = %(loc)s/v\n[s]\nloc = /s\n[t]\nloc = /t\n' },
  { name: 'bad: lone percent', text: '[s]\nurl = postgresql://u:p%40ss@h/db\nok = 1\n' },
  { name: 'bad: percent d', text: '[s]\na = %d\n' },
  { name: 'bad: missing key', text: '[s]\na = %(nope)s/x\n' },
  { name: 'bad: no s', text: '[s]\na = %(here)\n' },
  { name: 'bad: loop', text: '[s]\na = %(b)s\nb = %(a)s\n' },
  { name: 'deep but fine', text: '[s]\na1 = %(a2)s\na2 = %(a3)s\na3 = %(a4)s\na4 = %(a5)s\na5 = %(a6)s\na6 = %(a7)s\na7 = %(a8)s\na8 = %(a9)s\na9 = x%%\n' },
  { name: 'too deep', text: '[s]\na1 = %(a2)s\na2 = %(a3)s\na3 = %(a4)s\na4 = %(a5)s\na5 = %(a6)s\na6 = %(a7)s\na7 = %(a8)s\na8 = %(a9)s\na9 = %(a10)s\na10 = %(a11)s\na11 = x%%\n' },
  { name: 'duplicate section', text: '[s]\na = 1\n[t]\n[s]\nb = 2\n' },
  { name: 'duplicate option (case)', text: '[s]\na = 1\nA = 2\n' },
  { name: 'duplicate DEFAULT option', text: '[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n' },
  { name: 'repeated DEFAULT header', text: '[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n[s]\n' },
  { name: 'missing section header', text: 'a = 1\n[s]\n' },
  { name: 'BOM', text: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[alembic]\na = 1\n')]) },
  { name: 'parsing error: no delimiter', text: '[s]\na = 1\njustaword\nb = 2\nanother\n' },
  { name: 'parsing error: empty key', text: '[s]\n= value\n' },
  { name: 'section header with trailing text', text: '[alembic] ; comment\na = 1\n[x]y]\nb = 2\n' },
  { name: 'indented section header', text: '  [s]\n  a = 1\n    b\n' },
  { name: 'indented line after header is an option', text: '[s]\n    a = 1\n' },
  { name: 'CRLF', text: '[s]\r\na = 1\r\n  2\r\nb = 3\r\n' },
  { name: 'lone CR', text: '[s]\ra = 1\r  2\rb = 3\r' },
  { name: 'unicode whitespace', text: '[s]\na =\u00a0x\u00a0\n\u3000\nb = \u2028y\n c\u2028\n' },
  { name: 'form feed and vertical tab', text: '[s]\na = 1\n\f\n\x0b2\nb\x1c= 3\n' },
  { name: 'section names are case-sensitive', text: '[Alembic]\na = 1\n[alembic]\na = 2\n' },
  { name: 'no trailing newline', text: '[s]\na = 1' },
  { name: 'only comments', text: '# nothing\n' },
  { name: 'empty file', text: '' },
  { name: 'invalid utf-8', text: Buffer.from([0x5b, 0x73, 0x5d, 0x0a, 0x61, 0x3d, 0xff, 0x0a]) },
  {
    name: 'alembic init template',
    text: `# A generic, single database configuration.

[alembic]
script_location = %(here)s/alembic
# file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s
prepend_sys_path = .
path_separator = os
sqlalchemy.url = driver://user:pass@localhost/dbname

[post_write_hooks]

[loggers]
keys = root,sqlalchemy,alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %%(levelname)-5.5s [%%(name)s] %%(message)s
datefmt = %%H:%%M:%%S
`,
  },
];

test('ini: tricky inputs parse exactly as Python configparser', () => {
  compareWithPython(tricky);
});

/** Deterministic pseudo-random ini documents built from awkward line fragments. */
function generated(count: number): { name: string; text: string }[] {
  // mulberry32
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  const fragments = [
    '[alembic]',
    '[DEFAULT]',
    '[other]',
    ' [alembic]',
    'key = value',
    'Key: other',
    'a = %(here)s/x',
    'b = %(a)s/y',
    'c = 50%%',
    'd = %(missing)s',
    'e = 5%',
    '  continued',
    '\tcontinued tab',
    '    # comment',
    '; comment',
    '',
    '   ',
    'url = postgresql://u:p@h:5432/db',
    'x=y=z',
    'path: a:b:c',
    'noequals',
    'k = v # inline',
    ' indented = 1',
    'file_template = %%(rev)s',
  ];
  const docs: { name: string; text: string }[] = [];
  for (let i = 0; i < count; i++) {
    const n = 2 + rnd(9);
    const lines: string[] = [];
    if (rnd(5) > 0) lines.push('[alembic]');
    for (let j = 0; j < n; j++) lines.push(fragments[rnd(fragments.length)]!);
    docs.push({ name: `generated #${i}`, text: lines.join(rnd(4) === 0 ? '\r\n' : '\n') + (rnd(2) ? '\n' : '') });
  }
  return docs;
}

test('ini: 400 generated documents match Python configparser', () => {
  const results = compareWithPython(generated(400));
  // The generator must produce a mix of outcomes, or the comparison proves little.
  const outcomes = new Map<string, number>();
  for (const r of results) {
    const key = r.ok ? (JSON.stringify(r.values).includes('"error"') ? 'interpolation-error' : 'ok') : r.error;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  for (const k of ['ok', 'interpolation-error', 'ParsingError', 'MissingSectionHeaderError', 'DuplicateOptionError']) {
    assert.ok((outcomes.get(k) ?? 0) >= 10, `too few generated documents with outcome ${k}: ${JSON.stringify([...outcomes])}`);
  }
});

test('ini: errors are ConfigErrors with file, line, reason and hint', () => {
  assert.throws(
    () => parseIni('[alembic]\nsqlalchemy.url = postgresql://u:p%40ss@h/db\n', { file: 'alembic.ini' }).get('alembic', 'sqlalchemy.url'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^alembic\.ini:2: option 'sqlalchemy\.url' in section \[alembic\]: '%' must be followed by '%' or '\('/);
      assert.match(e.hint ?? '', /%%/);
      return true;
    },
  );
  assert.throws(
    () => parseIni('[alembic]\na = 1\nb = 2\na = 3\n', { file: 'alembic.ini' }),
    (e: unknown) => e instanceof ConfigError && /^alembic\.ini:4: option 'a' appears twice/.test(e.message) && /line 2/.test(e.reason ?? ''),
  );
  assert.throws(
    () => parseIni('\ufeff[alembic]\n', { file: 'alembic.ini' }),
    (e: unknown) => e instanceof ConfigError && /byte order mark/.test(e.reason ?? '') && /without BOM/.test(e.hint ?? ''),
  );
  const cfg = parseIni('[alembic]\na = %(nope)s\n', { file: 'x.ini' });
  assert.equal(cfg.hasOption('alembic', 'A'), true);
  assert.throws(() => cfg.get('alembic', 'a'), /x\.ini:2: option 'a' in section \[alembic\] refers to %\(nope\)s/);
  assert.equal(cfg.get('missing', 'a'), undefined);
  assert.equal(cfg.get('alembic', 'b'), undefined);
});
