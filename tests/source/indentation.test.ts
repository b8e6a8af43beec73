/**
 * tree-sitter-python accepts statements indented differently from their block; Python raises
 * IndentationError. The parser must agree with Python's own compile() on each case here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseMigration } from '../../src/source/parse.js';
import { venvPython } from '../helpers/paths.js';

const header = '"""m"""\nfrom alembic import op\n\nrevision = "a1"\ndown_revision = None\n\n';
const cases: Record<string, string> = {
  'over-indented statement in a function': 'def upgrade():\n    op.execute("a")\n      op.execute("b")\n',
  'under-indented statement (unindent does not match)': 'def upgrade():\n    if True:\n        op.execute("a")\n      op.execute("b")\n',
  'indented statement at module level': 'x = 1\n  y = 2\n',
  'one-line block followed by an indented line': 'def upgrade(): op.execute("a")\n    op.execute("b")\n',
  'valid: nested blocks, decorators, clauses': [
    'import functools',
    '@functools.lru_cache',
    'def helper(x):',
    '    try:',
    '        if x:',
    '            return 1',
    '        elif x is None:',
    '            pass',
    '        else:',
    '            for i in range(3):',
    '                while False:',
    '                    break',
    '    except ValueError:',
    '        raise',
    '    finally:',
    '        pass',
    '    with open("f") as f, open("g") as g:',
    '        return 2',
    'class C:',
    '    a = 1',
    '    def m(self): return 1',
    'def upgrade():',
    '    x = 1; y = 2',
    '    if x: op.execute("a")',
    '        # a comment indented oddly is fine',
    '    op.execute("""',
    '  multi-line string',
    '        """)',
    '    op.create_table("t",',
    '            1,',
    '  2)',
    '    match x:',
    '        case 1:',
    '            pass',
    '        case _:',
    '            pass',
    '',
  ].join('\n'),
};

function pythonAccepts(source: string): boolean {
  const out = execFileSync(venvPython, ['-c', 'import sys\ntry:\n    compile(sys.stdin.read(), "m.py", "exec")\n    print("ok")\nexcept SyntaxError:\n    print("error")'], { input: source, encoding: 'utf8' });
  return out.trim() === 'ok';
}

for (const [name, body] of Object.entries(cases)) {
  test(`indentation: ${name} — same verdict as Python`, () => {
    const source = header + body;
    const file = parseMigration(Buffer.from(source), { path: 'v/a1_m.py', absPath: '/v/a1_m.py' }, 'h');
    const weReject = file.problems.some((p) => p.kind === 'syntax');
    assert.equal(weReject, !pythonAccepts(source), JSON.stringify(file.problems));
  });
}
