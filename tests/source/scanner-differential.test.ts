/**
 * The fast scanner (src/source/scan.ts) against the tree-sitter reader: wherever the scanner
 * accepts a file, both must give the identical MigrationFile (every field, every location). Python
 * itself (`compile()` in the test venv, what Alembic's import does) judges syntax: a file Python
 * refuses must be declined by the scanner, so that the tree-sitter path reports the problem.
 * Inputs: every .py file of the fixtures, the benchmark's generated project, and a generated corpus
 * of migration modules built from the constructs real histories use, plus random mutations of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseMigrationWith } from '../../src/source/parse.js';
import type { MigrationFile } from '../../src/model.js';
import { fixturesDir, venvPython } from '../helpers/paths.js';
import { generateProject } from '../../bench/generate.js';
import { rng } from '../helpers/rng.js';

const ATOMS = [
  '"users"', "'users'", '"say \\"hi\\"\\n\\t\\x41\\u00e9"', 'r"C:\\path\\n"', "b'bytes'", 'f"plain"', '"""a\nmulti-line\nstring"""', '"a" "b"',
  '"con" f"cat"', '0', '42', '-1', '+2.5', '1_000', '0x1F', '0o17', '0b101', '1e3', '.5', '3.', 'None', 'True', 'False', '...', 'sa.Integer',
  'sa.Integer()', 'sa.String(length=255)', 'sa.Column("id", sa.BigInteger(), primary_key=True)', 'postgresql.ENUM("a", "b", name="kind", create_type=False)',
  'sa.text("now()")', 'sa.func.now()', 'op.f("ix_users_email")', '["email"]', '("a", "b")', '()', '[]', '{}', '{"a": 1, **extra}', '{"x", "y"}',
  'some_variable', 'Model.__tablename__', 'x[0]', 'x[1:2]', 'x[::2]', 'a + b', '"%s" % name', 'not flag', 'a if b else c', 'lambda r: r.id',
  '[c for c in cols if c]', '{k: v for k, v in pairs}', '(t for t in tables)', '*args', 'sa.Text().with_variant(mysql.LONGTEXT(), "mysql")',
  'op.get_bind().execute(sa.text("SELECT 1")).fetchall()', 'a < b < c', 'x is not None', '"a" in names', 'y not in z', '~mask', '2 ** 10',
  '(\n        "wrapped"  # comment inside\n    )',
];

const CALLS = [
  'op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.String(50), nullable=False))',
  'op.add_column("users", sa.Column("email", sa.Text(), nullable=True))',
  'op.create_index(op.f("ix_users_email"), "users", ["email"], unique=False)',
  'op.drop_index("ix_a", table_name="users", postgresql_concurrently=True)',
  'op.alter_column("users", "email", existing_type=sa.String(), nullable=False)',
  'op.execute("UPDATE users SET email = lower(email)")',
  'op.execute(sa.text("SELECT :x").bindparams(x=1))',
  'op.drop_column(TABLE, column_name)',
  'op.bulk_insert(table, [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])',
  'helper()',
  'helper(1, key="v")',
  'print("progress")',
  'conn.execute(query)',
];

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

/** A random expression from the atoms, sometimes wrapped in a call or container. */
function expression(r: () => number, depth = 0): string {
  const a = pick(r, ATOMS);
  if (depth > 1 || r() < 0.6) return a;
  switch (Math.floor(r() * 5)) {
    case 0:
      return `f(${expression(r, depth + 1)}, key=${expression(r, depth + 1)})`;
    case 1:
      return `[${expression(r, depth + 1)}, ${expression(r, depth + 1)}]`;
    case 2:
      return `(${expression(r, depth + 1)},)`;
    case 3:
      return `op.execute(${expression(r, depth + 1)})`;
    default:
      return `{"k": ${expression(r, depth + 1)}}`;
  }
}

const DIALECT_TESTS = [
  'dialect == "sqlite"',
  'op.get_bind().dialect.name != "postgresql"',
  'context.get_context().dialect.name in ("mysql", "mariadb")',
  'not is_postgres()',
  'bind.engine.name == "sqlite" and flag',
  'dialect not in ["sqlite"]',
  '"postgresql" == dialect',
  'is_sqlite',
  'some_condition()',
];

/** Statements of a function body, indented by `ind`. */
function statements(r: () => number, ind: string, depth: number): string[] {
  const out: string[] = [];
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * (depth > 1 ? 9 : 16));
    switch (k) {
      case 0:
      case 1:
      case 2:
        out.push(`${ind}${pick(r, CALLS)}`);
        break;
      case 3:
        out.push(`${ind}x = ${expression(r)}`);
        break;
      case 4:
        out.push(`${ind}${pick(r, ['dialect = op.get_bind().dialect.name', 'bind = op.get_bind()', 'is_sqlite = op.get_bind().dialect.name == "sqlite"', 'a = b = op.get_bind()', 'a, b = 1, 2', 'count += 1', 'total: int = 0', 'x.attr = 1', 'rows[0] = None'])}`);
        break;
      case 5:
        out.push(`${ind}${pick(r, ['pass', '"""A docstring."""', '...', 'raise NotImplementedError()', 'raise NotImplementedError', 'return', 'return None'])}`);
        break;
      case 6:
        out.push(`${ind}# a comment`);
        break;
      case 7:
        out.push(`${ind}${pick(r, CALLS)}  # trailing comment`);
        break;
      case 8:
        out.push(`${ind}${expression(r)}`);
        break;
      case 9:
      case 10: {
        out.push(`${ind}if ${pick(r, DIALECT_TESTS)}:`, ...statements(r, `${ind}    `, depth + 1));
        if (r() < 0.5) out.push(`${ind}elif ${pick(r, DIALECT_TESTS)}:`, ...statements(r, `${ind}    `, depth + 1));
        if (r() < 0.5) out.push(`${ind}else:`, ...statements(r, `${ind}    `, depth + 1));
        break;
      }
      case 11:
        out.push(`${ind}with op.batch_alter_table("users", schema=None) as batch_op:`, `${ind}    batch_op.add_column(sa.Column("x", sa.Integer()))`, `${ind}    batch_op.drop_column("y")`);
        break;
      case 12:
        out.push(`${ind}with op.get_context().autocommit_block():`, `${ind}    op.create_index("ix", "t", ["c"], postgresql_concurrently=True)`);
        break;
      case 13:
        out.push(`${ind}for table in ["a", "b"]:`, ...statements(r, `${ind}    `, depth + 1));
        break;
      case 14:
        out.push(`${ind}try:`, ...statements(r, `${ind}    `, depth + 1), `${ind}except Exception as e:`, `${ind}    raise`);
        break;
      default:
        out.push(`${ind}from alembic import op as o2`, `${ind}o2.drop_table("old")`);
    }
  }
  return out;
}

/** One migration module from the pieces above. */
function generated(r: () => number, i: number): string {
  const doc = pick(r, ['"""add users\n\nRevision ID: x\n"""', "'single quoted doc'", '"concatenated " "doc"', 'r"""raw doc"""', '', '# a comment first\n"""doc after a comment"""']);
  const imports = pick(r, [
    'from alembic import op\nimport sqlalchemy as sa',
    'from alembic import op, context\nimport sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql',
    'import alembic.op as op\nfrom sqlalchemy import (\n    Column,\n    Integer,  # why\n)',
    'from __future__ import annotations\nfrom typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\nfrom .helpers import thing as other',
  ]);
  const rev = pick(r, [
    `revision = "r${i}"\ndown_revision = None`,
    `revision: str = 'r${i}'\ndown_revision: Union[str, Sequence[str], None] = ("p1", "p2")\nbranch_labels = None\ndepends_on = None`,
    `revision, down_revision = "r${i}", "p"`,
    `revision = "r" "${i}"\ndown_revision = PARENT\nbranch_labels = ("a",)`,
    `revision = "r${i}"\ndown_revision = branch_labels = depends_on = None`,
  ]);
  const helpers = pick(r, [
    '',
    '\n\ndef is_postgres():\n    """Doc."""\n    return op.get_context().dialect.name == "postgresql"\n',
    '\n\ndef helper(table_name, *cols, key=None, **kw) -> None:\n    op.drop_index(table_name)\n    # dedented comment follows\n# here\n',
    '\n\nTABLE = "users"\n\n\ndef helper(): op.drop_table(TABLE)\n',
  ]);
  const body = (name: string) => [`def ${name}():`, ...statements(r, '    ', 0)].join('\n');
  const tail = pick(r, ['', '\n    # ### end Alembic commands ###', '\n\n    # trailing after a blank line', '\n  # less indented', '\n# column 0']);
  return [doc, imports, '', rev, helpers, '', body('upgrade') + tail, '', '', body('downgrade'), ''].join('\n');
}

/** A random edit: most give invalid Python, which the scanner must decline. */
function mutate(src: string, r: () => number): string {
  const at = Math.floor(r() * src.length);
  switch (Math.floor(r() * 5)) {
    case 0:
      return src.slice(0, at) + src.slice(at + 1);
    case 1:
      return src.slice(0, at) + pick(r, ['(', ')', ':', ',', '"', ' ', '\n', '=', 'if ', '\\', '#']) + src.slice(at);
    case 2: {
      const lines = src.split('\n');
      const k = Math.floor(r() * lines.length);
      lines[k] = ` ${lines[k]}`;
      return lines.join('\n');
    }
    case 3: {
      const lines = src.split('\n');
      const k = Math.floor(r() * lines.length);
      lines.splice(k, 0, lines[k]!);
      return lines.join('\n');
    }
    default:
      return src.replace(/op\./, pick(r, ['op .', 'op.\\\n    ', '(op).', 'op[0].']));
  }
}

function pyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...pyFiles(p));
    else if (e.endsWith('.py')) out.push(p);
  }
  return out;
}

/** Does Python compile each source (as `exec`, the way an import does)? */
function pythonAccepts(sources: string[]): boolean[] {
  const code = `
import json, sys, warnings
warnings.simplefilter("ignore")
out = []
for src in json.load(sys.stdin):
    try:
        compile(src, "m.py", "exec", dont_inherit=True)
        out.append(True)
    except (SyntaxError, ValueError):
        out.append(False)
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(venvPython, ['-c', code], { input: JSON.stringify(sources), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as boolean[];
}

function parseBoth(src: Buffer, name: string): { scanned: MigrationFile | null; tree: MigrationFile } {
  const ref = { path: `migrations/versions/${name}`, absPath: `/p/migrations/versions/${name}` };
  return { scanned: parseMigrationWith(src, ref, 'h', 'scanner'), tree: parseMigrationWith(src, ref, 'h', 'tree-sitter')! };
}

/** Where two parse results first differ, for the assertion message. */
function firstDifference(a: unknown, b: unknown, path = 'file'): string {
  if (isDeepStrictEqual(a, b)) return '';
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== '') return d;
  }
  return `${path}: differs (prototype or undefined keys)`;
}

/**
 * `declined`: the scanner left the file to tree-sitter; `equal`: both read it the same;
 * `tree-sitter-wrong`: Python compiles the file (`pythonValid`) but tree-sitter's error recovery
 * reports a syntax error (a dedented line inside brackets, say): the scanner's reading, without it, stands.
 */
function compare(label: string, src: Buffer, pythonValid?: boolean): 'declined' | 'equal' | 'tree-sitter-wrong' {
  const { scanned, tree } = parseBoth(src, 'm.py');
  if (scanned === null) return 'declined';
  if (pythonValid === true && !isDeepStrictEqual(scanned, tree) && tree.problems.some((p) => p.kind === 'syntax')) {
    assert.deepEqual(scanned.problems.filter((p) => p.kind === 'syntax'), [], `${label}: Python compiles it; the scanner must not report a syntax error`);
    return 'tree-sitter-wrong';
  }
  assert.ok(isDeepStrictEqual(scanned, tree), `${label}: the scanner and tree-sitter differ at ${firstDifference(scanned, tree)}\n--- source ---\n${src.toString()}`);
  return 'equal';
}

test('every fixture and the generated benchmark project: the scanner gives what tree-sitter gives', (t) => {
  // The revision files (env.py files are not migrations and often have module-level blocks).
  const files = pyFiles(fixturesDir).filter((f) => f.split(sep).includes('versions'));
  let equal = 0;
  for (const f of files) if (compare(f, readFileSync(f)) === 'equal') equal++;
  // The regular shape is what the scanner is for: most fixture files must take the fast path.
  assert.ok(equal >= files.length * 0.85, `the scanner took only ${equal} of ${files.length} fixture files`);
  t.diagnostic(`fixtures: the scanner took ${equal} of ${files.length} revision files`);
  // A benchmark-shaped history (branches, merges, SQL, autocommit blocks), by the benchmark's own generator.
  const dir = mkdtempSync(join(tmpdir(), 'ag-scan-'));
  try {
    generateProject(dir, 300);
    const bench = pyFiles(join(dir, 'migrations', 'versions'));
    assert.equal(bench.length, 300);
    for (const f of bench) assert.equal(compare(f, readFileSync(f)), 'equal', `${f} should take the fast path`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a generated corpus and its mutations: equal where the scanner accepts, declined where Python refuses', { skip: !existsSync(venvPython) && 'test venv missing' }, (t) => {
  const r = rng(20260101);
  const sources: string[] = [];
  for (let i = 0; i < 600; i++) {
    const src = generated(r, i);
    sources.push(src);
    for (let m = 0; m < 2; m++) sources.push(mutate(src, r));
  }
  const valid = pythonAccepts(sources);
  let accepted = 0;
  let validCount = 0;
  let treeSitterWrong = 0;
  sources.forEach((src, i) => {
    const outcome = compare(`corpus #${i}`, Buffer.from(src), valid[i]);
    if (valid[i]) validCount++;
    if (outcome !== 'declined') {
      assert.ok(valid[i], `corpus #${i}: Python refuses this file but the scanner accepted it\n--- source ---\n${src}`);
      accepted++;
    }
    if (outcome === 'tree-sitter-wrong') treeSitterWrong++;
  });
  t.diagnostic(`${sources.length} files, ${validCount} valid Python; the scanner took ${accepted} (${sources.length - validCount} invalid ones all declined); tree-sitter misread ${treeSitterWrong} valid ones`);
  // Rare: tree-sitter's false syntax errors on valid Python (the mutations make a few).
  assert.ok(treeSitterWrong <= sources.length / 50, `${treeSitterWrong} files where tree-sitter misreads valid Python`);
  // The corpus is built from the regular shape: the scanner must take most of the valid files.
  assert.ok(accepted >= validCount * 0.6, `the scanner took ${accepted} of ${validCount} valid files`);
});
