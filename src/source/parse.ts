/**
 * One revision file's bytes → MigrationFile, statically (tree-sitter-python; no Python). Pure: no
 * fs, no process. The file never stops the run: anything that keeps it from being read becomes a
 * ParseProblem (reported as `unparseable-migration`).
 *
 * Speed: the tree is read in one pass with a TreeCursor (every node is visited once; op-call
 * arguments are turned into PyValues during that pass), offsets are turned into lines in JS, and
 * only the handful of nodes that need it (function bodies, imports, syntax errors) go through the
 * slower SyntaxNode API.
 */
import Parser from 'tree-sitter';
import Python from 'tree-sitter-python';
import { basename } from 'node:path';
import type {
  BodyKind,
  FunctionInfo,
  IdentifierField,
  IgnoreComment,
  ImportInfo,
  Location,
  MigrationFile,
  OpCall,
  ParseProblem,
  PyValue,
} from '../model.js';
import { decodeSource } from './decode.js';
import { LineIndex } from './lines.js';
import { IGNORE_MARKER, parseIgnoreComment } from './ignores.js';
import { parseFloatLiteral, parseIntLiteral, stringPrefix, unescapeString } from './literals.js';

type Cursor = Parser.TreeCursor;
type SyntaxNode = Parser.SyntaxNode;

/** Deeper nesting than this is not turned into values (Python's own parser stops at 200). */
const MAX_DEPTH = 300;
/**
 * A container literal with more items than this (a huge `op.bulk_insert` data list) is kept as
 * `kind: 'other'` with its text: no rule reads thousands of rows, and materialising them would cost
 * memory and cache space out of proportion.
 */
export const MAX_ITEMS = 2000;

/** Alembic's `_legacy_rev` (alembic/script/base.py): `([a-f0-9]+)\.py$` with `re.match`. */
const LEGACY_REV = /^([a-f0-9]+)\.py$/;

const WATCHED = new Set(['revision', 'down_revision', 'branch_labels', 'depends_on']);
const FUNCTIONS = new Set(['upgrade', 'downgrade']);
/** Anonymous tokens between the items of containers and argument lists. */
const PUNCT = new Set(['(', ')', '[', ']', '{', '}', ',', ':', '=', '*', '**', '.']);

/** Node type names by id: `nodeTypeId` is a cheaper native call than `nodeType`. */
const typeNames: string[] = [];
function typeOf(c: Cursor): string {
  const id = c.nodeTypeId;
  return typeNames[id] ?? (typeNames[id] = c.nodeType);
}

let parser: Parser | undefined;
function getParser(): Parser {
  if (parser === undefined) {
    parser = new Parser();
    parser.setLanguage(Python as unknown as Parser.Language);
  }
  return parser;
}

interface Assigned {
  value: PyValue;
  /** The whole assignment statement. */
  loc: Location;
}

interface BatchContext {
  alias: string | null;
  call: { args: PyValue[]; kwargs: Record<string, PyValue>; loc: Location };
}

type Target = { kind: 'name'; name: string } | { kind: 'seq'; items: Target[] } | { kind: 'other' };

class Reader {
  readonly opCalls: (OpCall | null)[] = [];
  readonly imports: ImportInfo[] = [];
  readonly ignores: IgnoreComment[] = [];
  readonly problems: ParseProblem[] = [];
  readonly assigned = new Map<string, Assigned>();
  readonly functions = new Map<string, FunctionInfo>();
  /** Watched variables also assigned inside a module-level block (if/try/for/with). */
  readonly conditional = new Set<string>();
  docstring: { text: string; loc: Location } | null = null;

  /** Dotted names bound to `alembic.op` (`op`, or aliases from the imports). */
  private readonly receivers = new Set<string>(['op']);
  /** The enclosing top-level function while inside one. */
  private fn: string | null = null;
  private fnDepth = 0;
  private classDepth = 0;
  private readonly batches: BatchContext[] = [];
  private autocommit = 0;

  constructor(
    private readonly src: string,
    private readonly lines: LineIndex,
    private readonly c: Cursor,
    private readonly wantComments: boolean,
  ) {}

  private loc(s: number, e: number): Location {
    return this.lines.loc(s, e);
  }

  private problem(kind: ParseProblem['kind'], message: string, offset: number): void {
    const p = this.lines.position(offset);
    this.problems.push({ kind, message, line: p.line, column: p.column });
  }

  // ---- module level ------------------------------------------------------------------------

  readModule(): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    let first = true;
    do {
      const type = typeOf(c);
      if (type === 'comment') {
        this.comment();
        continue;
      }
      const isFirst = first;
      first = false;
      if (type === 'expression_statement') this.moduleExpression(isFirst);
      else if (type === 'function_definition') this.functionDef(true, c.startIndex);
      else if (type === 'decorated_definition') this.decorated();
      else this.visit(type, 1);
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  private moduleExpression(isFirst: boolean): void {
    const c = this.c;
    const stmtStart = c.startIndex;
    const stmtEnd = c.endIndex;
    if (!c.gotoFirstChild()) return;
    do {
      const type = typeOf(c);
      if (type === 'assignment') {
        this.assignment(stmtStart, stmtEnd, []);
      } else if (isFirst && (type === 'string' || type === 'concatenated_string')) {
        const v = this.convert(type, 1);
        if (v.kind === 'str') this.docstring = { text: v.value, loc: v.loc };
      } else if (type === 'comment') {
        this.comment();
      } else {
        this.visit(type, 1);
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  /** `a = b = value`, `a: T = value`, `a, b = x, y` at module level. */
  private assignment(stmtStart: number, stmtEnd: number, targets: Target[]): void {
    const c = this.c;
    c.gotoFirstChild();
    do {
      const field = c.currentFieldName;
      const type = typeOf(c);
      if (field === 'left') {
        targets.push(this.target(type));
      } else if (field === 'right') {
        if (type === 'assignment') {
          this.assignment(stmtStart, stmtEnd, targets);
        } else {
          const value = this.convert(type, 1);
          for (const t of targets) this.bind(t, value, this.loc(stmtStart, stmtEnd));
        }
      } else if (type === 'comment') {
        this.comment();
      } else if (field === 'type') {
        this.visit(type, 1);
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  private target(type: string): Target {
    const c = this.c;
    if (type === 'identifier') return { kind: 'name', name: this.src.slice(c.startIndex, c.endIndex) };
    if (type === 'pattern_list' || type === 'tuple_pattern' || type === 'list_pattern') {
      const items: Target[] = [];
      if (c.gotoFirstChild()) {
        do {
          const t = typeOf(c);
          if (!PUNCT.has(t) && t !== 'comment') items.push(this.target(t));
        } while (c.gotoNextSibling());
        c.gotoParent();
      }
      return { kind: 'seq', items };
    }
    return { kind: 'other' };
  }

  private bind(target: Target, value: PyValue, stmt: Location): void {
    if (target.kind === 'name') {
      if (WATCHED.has(target.name)) this.assigned.set(target.name, { value, loc: stmt });
      else if (FUNCTIONS.has(target.name)) {
        this.functions.set(target.name, { name: target.name, loc: stmt, bodyLoc: value.loc, bodyKind: 'code' });
      }
    } else if (target.kind === 'seq') {
      const items = value.kind === 'tuple' || value.kind === 'list' ? value.items : null;
      target.items.forEach((t, i) => {
        const v = items !== null && items.length === target.items.length ? items[i]! : ({ kind: 'other', text: value.text, loc: value.loc } as PyValue);
        this.bind(t, v, stmt);
      });
    }
  }

  private decorated(): void {
    const c = this.c;
    const start = c.startIndex;
    c.gotoFirstChild();
    do {
      const type = typeOf(c);
      if (c.currentFieldName === 'definition' && type === 'function_definition') this.functionDef(true, start);
      else if (type === 'comment') this.comment();
      else this.visit(type, 1);
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  /** A `def`: top-level ones become FunctionInfo and name the op calls inside them. */
  private functionDef(top: boolean, outerStart: number): void {
    const c = this.c;
    const end = c.endIndex;
    let name = '';
    this.fnDepth++;
    c.gotoFirstChild();
    do {
      const field = c.currentFieldName;
      const type = typeOf(c);
      if (field === 'name') {
        name = this.src.slice(c.startIndex, c.endIndex);
      } else if (field === 'body') {
        if (top && FUNCTIONS.has(name)) {
          this.functions.set(name, {
            name,
            loc: this.loc(outerStart, end),
            bodyLoc: this.loc(c.startIndex, c.endIndex),
            bodyKind: bodyKind(c.currentNode),
          });
        }
        const outer = this.fn;
        if (outer === null) this.fn = name;
        this.visit(type, 1);
        this.fn = outer;
      } else if (type === 'comment') {
        this.comment();
      } else {
        this.visit(type, 1);
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
    this.fnDepth--;
  }

  // ---- the generic pass --------------------------------------------------------------------

  private visitChildren(depth: number): void {
    const c = this.c;
    if (depth > MAX_DEPTH || !c.gotoFirstChild()) return;
    do this.visit(typeOf(c), depth + 1);
    while (c.gotoNextSibling());
    c.gotoParent();
  }

  private visit(type: string, depth: number): void {
    switch (type) {
      case 'call':
        this.call(depth);
        return;
      case 'comment':
        this.comment();
        return;
      case 'with_statement':
        this.withStatement(depth);
        return;
      case 'function_definition':
        this.functionDef(false, this.c.startIndex);
        return;
      case 'class_definition':
        this.classDepth++;
        this.visitChildren(depth);
        this.classDepth--;
        return;
      case 'import_statement':
      case 'import_from_statement':
      case 'future_import_statement':
        this.importStatement(type);
        return;
      case 'assignment':
      case 'augmented_assignment':
        if (this.fnDepth === 0 && this.classDepth === 0) this.conditionalAssignment();
        this.visitChildren(depth);
        return;
      case 'print_statement':
      case 'exec_statement':
        this.problem(
          'syntax',
          `syntax error: Python 2 \`${type === 'print_statement' ? 'print' : 'exec'}\` statement; Python 3 cannot import this file, so Alembic cannot load any revision. Use ${type === 'print_statement' ? 'print(...)' : 'exec(...)'}.`,
          this.c.startIndex,
        );
        this.visitChildren(depth);
        return;
      case 'identifier':
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
        return;
      default:
        this.visitChildren(depth);
    }
  }

  /** A module-level assignment inside `if`/`try`/`for`/`with`: its value depends on run time. */
  private conditionalAssignment(): void {
    const c = this.c;
    const start = c.startIndex;
    const names: string[] = [];
    const collect = (t: Target): void => {
      if (t.kind === 'name' && WATCHED.has(t.name)) names.push(t.name);
      else if (t.kind === 'seq') t.items.forEach(collect);
    };
    c.gotoFirstChild();
    do {
      if (c.currentFieldName === 'left') collect(this.target(typeOf(c)));
    } while (c.gotoNextSibling());
    c.gotoParent();
    for (const name of names) {
      this.conditional.add(name);
      this.problem(
        'identifier',
        `\`${name}\` is assigned inside a block (if/try/for/with) at module level, so its value is only known when Python runs the file. Assign it once, unconditionally, at the top level.`,
        start,
      );
    }
  }

  private comment(): void {
    if (!this.wantComments) return;
    const c = this.c;
    const text = this.src.slice(c.startIndex, c.endIndex);
    if (!text.includes(IGNORE_MARKER)) return;
    const ig = parseIgnoreComment(text, this.lines.position(c.startIndex).line);
    if (ig !== null) this.ignores.push(ig);
  }

  /**
   * `import a.b as c, d`, `from ..m import (x as y, z)`, `from m import *`, `from __future__ import x`.
   * Children: keywords and punctuation, the module (before `import`, for the from forms), then the
   * names, each a dotted_name or an aliased_import (name, `as`, alias).
   */
  private importStatement(type: string): void {
    const c = this.c;
    const pos = this.lines.position(c.startIndex);
    const clean = () => this.src.slice(c.startIndex, c.endIndex).replace(/\s+/g, '');
    let module = type === 'future_import_statement' ? '__future__' : '';
    let afterImport = false;
    const bound: { name: string; alias: string | null }[] = [];
    c.gotoFirstChild();
    do {
      const t = typeOf(c);
      if (t === 'comment') this.comment();
      else if (t === 'import') afterImport = true;
      else if (!afterImport && type !== 'import_statement') {
        if (t === 'dotted_name' || t === 'relative_import') module = clean();
      } else if (t === 'wildcard_import') bound.push({ name: '*', alias: null });
      else if (t === 'dotted_name') bound.push({ name: clean(), alias: null });
      else if (t === 'aliased_import') {
        let name = '';
        let alias: string | null = null;
        c.gotoFirstChild();
        do {
          const at = typeOf(c);
          if (at === 'dotted_name' && name === '') name = clean();
          else if (at === 'identifier') alias = clean();
          else if (at === 'comment') this.comment();
        } while (c.gotoNextSibling());
        c.gotoParent();
        bound.push({ name, alias });
      }
    } while (c.gotoNextSibling());
    c.gotoParent();

    const inFunction = this.fnDepth > 0;
    if (type === 'import_statement') {
      for (const { name, alias } of bound) {
        this.imports.push({ module: name, names: [], line: pos.line, column: pos.column, inFunction });
        // `import alembic.op as x` binds x to the op proxy; `import alembic[.op]` binds `alembic`.
        if (name === 'alembic.op') this.receivers.add(alias ?? 'alembic.op');
        else if (name === 'alembic') this.receivers.add(`${alias ?? 'alembic'}.op`);
      }
      return;
    }
    this.imports.push({ module, names: bound.map((b) => b.name), line: pos.line, column: pos.column, inFunction });
    if (module === 'alembic') for (const b of bound) if (b.name === 'op') this.receivers.add(b.alias ?? 'op');
  }

  private commentNode(node: SyntaxNode): void {
    if (!this.wantComments) return;
    const text = node.text;
    if (!text.includes(IGNORE_MARKER)) return;
    const ig = parseIgnoreComment(text, node.startPosition.row + 1);
    if (ig !== null) this.ignores.push(ig);
  }

  // ---- with blocks -------------------------------------------------------------------------

  private withStatement(depth: number): void {
    const c = this.c;
    let batches = 0;
    let autocommit = 0;
    c.gotoFirstChild();
    do {
      const type = typeOf(c);
      if (type === 'with_clause') {
        // Items are entered left to right: each one is evaluated inside the ones before it.
        c.gotoFirstChild();
        do {
          const t = typeOf(c);
          if (t === 'with_item') {
            const got = this.withItem(depth + 2);
            if (got === 'autocommit') {
              autocommit++;
              this.autocommit++;
            } else if (got !== null) {
              this.batches.push(got);
              batches++;
            }
          } else if (t === 'comment') {
            this.comment();
          }
        } while (c.gotoNextSibling());
        c.gotoParent();
      } else if (type === 'comment') {
        this.comment();
      } else {
        this.visit(type, depth + 1);
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
    this.autocommit -= autocommit;
    this.batches.length -= batches;
  }

  /** One `with` item: a batch_alter_table context, an autocommit block, or neither. */
  private withItem(depth: number): BatchContext | 'autocommit' | null {
    const c = this.c;
    let value: PyValue | undefined;
    let alias: string | null = null;
    c.gotoFirstChild();
    do {
      const type = typeOf(c);
      if (type === 'as_pattern') {
        c.gotoFirstChild();
        do {
          const t = typeOf(c);
          if (c.currentFieldName === 'alias') {
            const text = this.src.slice(c.startIndex, c.endIndex).trim();
            alias = /^[A-Za-z_]\w*$/.test(text) ? text : null;
          } else if (t === 'comment') {
            this.comment();
          } else if (!PUNCT.has(t) && t !== 'as' && value === undefined) {
            value = this.convert(t, depth);
          }
        } while (c.gotoNextSibling());
        c.gotoParent();
      } else if (type === 'comment') {
        this.comment();
      } else if (value === undefined) {
        value = this.convert(type, depth);
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
    if (value === undefined || value.kind !== 'call') return null;
    if (value.func.endsWith('.autocommit_block')) return 'autocommit';
    const dot = value.func.lastIndexOf('.');
    if (dot > 0 && value.func.slice(dot + 1) === 'batch_alter_table' && this.receivers.has(value.func.slice(0, dot))) {
      return { alias, call: { args: value.args, kwargs: value.kwargs, loc: value.loc } };
    }
    return null;
  }

  // ---- values ------------------------------------------------------------------------------

  /** The current node as a PyValue. Walks the node's subtree exactly once. */
  private convert(type: string, depth: number): PyValue {
    const c = this.c;
    const s = c.startIndex;
    const e = c.endIndex;
    const text = this.src.slice(s, e);
    if (depth > MAX_DEPTH) return { kind: 'other', text, loc: this.loc(s, e) };
    switch (type) {
      case 'string':
        return this.stringValue(s, e, depth);
      case 'concatenated_string': {
        let value = '';
        let kind: 'str' | 'fstring' | 'other' = 'str';
        c.gotoFirstChild();
        do {
          const t = typeOf(c);
          if (t === 'string') {
            const part = this.stringValue(c.startIndex, c.endIndex, depth + 1);
            if (part.kind === 'str') value += part.value;
            else if (part.kind === 'fstring' && kind === 'str') kind = 'fstring';
            else kind = 'other';
          } else if (t === 'comment') {
            this.comment();
          }
        } while (c.gotoNextSibling());
        c.gotoParent();
        const loc = this.loc(s, e);
        return kind === 'str' ? { kind, value, text, loc } : { kind, text, loc };
      }
      case 'integer': {
        const value = parseIntLiteral(text);
        return Number.isNaN(value) ? { kind: 'other', text, loc: this.loc(s, e) } : { kind: 'int', value, text, loc: this.loc(s, e) };
      }
      case 'float': {
        const value = parseFloatLiteral(text);
        return Number.isNaN(value) ? { kind: 'other', text, loc: this.loc(s, e) } : { kind: 'float', value, text, loc: this.loc(s, e) };
      }
      case 'true':
      case 'false':
        return { kind: 'bool', value: type === 'true', text, loc: this.loc(s, e) };
      case 'none':
        return { kind: 'none', text, loc: this.loc(s, e) };
      case 'identifier':
        return { kind: 'name', name: text, text, loc: this.loc(s, e) };
      case 'attribute': {
        const parts = this.dotted();
        if (parts !== null) return { kind: 'name', name: parts.join('.'), text, loc: this.loc(s, e) };
        this.visitChildren(depth);
        return { kind: 'other', text, loc: this.loc(s, e) };
      }
      case 'parenthesized_expression': {
        let inner: PyValue | undefined;
        c.gotoFirstChild();
        do {
          const t = typeOf(c);
          if (t === 'comment') this.comment();
          else if (PUNCT.has(t)) continue;
          else if (inner === undefined) inner = this.convert(t, depth + 1);
          else this.visit(t, depth + 1);
        } while (c.gotoNextSibling());
        c.gotoParent();
        return inner ?? { kind: 'other', text, loc: this.loc(s, e) };
      }
      case 'tuple':
      case 'expression_list':
      case 'list':
      case 'set': {
        const items: PyValue[] = [];
        let tooMany = false;
        c.gotoFirstChild();
        do {
          const t = typeOf(c);
          if (t === 'comment') this.comment();
          else if (PUNCT.has(t)) continue;
          else if (items.length >= MAX_ITEMS) {
            tooMany = true;
            break;
          } else items.push(this.convert(t, depth + 1));
        } while (c.gotoNextSibling());
        if (tooMany) this.skipRest();
        c.gotoParent();
        const loc = this.loc(s, e);
        if (tooMany) return { kind: 'other', text, loc };
        return { kind: type === 'expression_list' ? 'tuple' : (type as 'tuple' | 'list' | 'set'), items, text, loc };
      }
      case 'dictionary': {
        const entries: { key: PyValue; value: PyValue }[] = [];
        let tooMany = false;
        c.gotoFirstChild();
        do {
          const t = typeOf(c);
          if (t === 'comment') this.comment();
          else if (PUNCT.has(t)) continue;
          else if (entries.length >= MAX_ITEMS) {
            tooMany = true;
            break;
          } else if (t === 'pair') {
            let key: PyValue | undefined;
            let value: PyValue | undefined;
            // Children: the key, `:`, the value.
            c.gotoFirstChild();
            do {
              const pt = typeOf(c);
              if (pt === 'comment') this.comment();
              else if (pt === ':') continue;
              else if (key === undefined) key = this.convert(pt, depth + 2);
              else value = this.convert(pt, depth + 2);
            } while (c.gotoNextSibling());
            c.gotoParent();
            if (key !== undefined && value !== undefined) entries.push({ key, value });
          } else if (t === 'dictionary_splat') {
            // `**other`: kept as an entry whose key is the `**` marker and whose value is `other`.
            const ps = c.startIndex;
            c.gotoFirstChild();
            do {
              const st = typeOf(c);
              if (st === 'comment') this.comment();
              else if (st !== '**') entries.push({ key: { kind: 'other', text: '**', loc: this.loc(ps, ps + 2) }, value: this.convert(st, depth + 2) });
            } while (c.gotoNextSibling());
            c.gotoParent();
          } else {
            this.visit(t, depth + 1);
          }
        } while (c.gotoNextSibling());
        if (tooMany) this.skipRest();
        c.gotoParent();
        const loc = this.loc(s, e);
        return tooMany ? { kind: 'other', text, loc } : { kind: 'dict', entries, text, loc };
      }
      case 'unary_operator': {
        let op = '';
        let arg: PyValue | undefined;
        // Children: the operator token, then the operand.
        c.gotoFirstChild();
        do {
          const t = typeOf(c);
          if (t === 'comment') this.comment();
          else if (op === '') op = t;
          else arg = this.convert(t, depth + 1);
        } while (c.gotoNextSibling());
        c.gotoParent();
        const loc = this.loc(s, e);
        if (arg !== undefined && (arg.kind === 'int' || arg.kind === 'float') && (op === '-' || op === '+')) {
          return { kind: arg.kind, value: op === '-' ? -arg.value : arg.value, text, loc };
        }
        return { kind: 'other', text, loc };
      }
      case 'call':
        return this.call(depth);
      default:
        this.visitChildren(depth);
        return { kind: 'other', text, loc: this.loc(s, e) };
    }
  }

  /**
   * The cursor is on an item of a container past MAX_ITEMS: the rest of the container is data.
   * Only its ignore comments are still collected (tree-sitter finds them natively); op calls
   * nested in a data literal are not looked for.
   */
  private skipRest(): void {
    if (!this.wantComments) return;
    const c = this.c;
    const from = c.startIndex;
    c.gotoParent();
    for (const node of c.currentNode.descendantsOfType('comment')) if (node.startIndex >= from) this.commentNode(node);
    c.gotoFirstChild();
  }

  /** A `string` node: its prefix decides str / bytes (other) / f-string. */
  private stringValue(s: number, e: number, depth: number): PyValue {
    const c = this.c;
    const text = this.src.slice(s, e);
    let prefix = { raw: false, bytes: false, formatted: false };
    let body = '';
    c.gotoFirstChild();
    do {
      const t = typeOf(c);
      if (t === 'string_start') prefix = stringPrefix(this.src.slice(c.startIndex, c.endIndex));
      else if (t === 'string_content') body += this.src.slice(c.startIndex, c.endIndex);
      else if (t === 'interpolation') this.visitChildren(depth + 1);
    } while (c.gotoNextSibling());
    c.gotoParent();
    const loc = this.loc(s, e);
    if (prefix.formatted) return { kind: 'fstring', text, loc };
    if (prefix.bytes) return { kind: 'other', text, loc };
    return { kind: 'str', value: prefix.raw ? body : unescapeString(body, false), text, loc };
  }

  /**
   * At an `attribute` node: its parts when it is a plain dotted name (`sa.dialects.postgresql`).
   * Children are `object`, `.`, `attribute` (comments can only sit between them inside parens).
   */
  private dotted(): string[] | null {
    const c = this.c;
    c.gotoFirstChild();
    const t = typeOf(c);
    let parts: string[] | null = null;
    if (t === 'identifier') parts = [this.src.slice(c.startIndex, c.endIndex)];
    else if (t === 'attribute') parts = this.dotted();
    if (parts !== null) {
      let last: string | null = null;
      while (c.gotoNextSibling()) if (typeOf(c) === 'identifier') last = this.src.slice(c.startIndex, c.endIndex);
      if (last === null) parts = null;
      else parts.push(last);
    }
    c.gotoParent();
    return parts;
  }

  /** A call: its value, and an OpCall when it is `op.<name>(...)` (or on a batch alias) in a function. */
  private call(depth: number): PyValue {
    const c = this.c;
    const s = c.startIndex;
    const e = c.endIndex;
    let func = '';
    let opName: string | null = null;
    let receiver = '';
    let batch: BatchContext | undefined;
    const args: PyValue[] = [];
    const kwargs: Record<string, PyValue> = {};
    let slot = -1;
    // Children: the callee first, then the argument_list (or a bare generator expression).
    c.gotoFirstChild();
    const type = typeOf(c);
    func = this.src.slice(c.startIndex, c.endIndex);
    if (type === 'attribute') {
      const parts = this.dotted();
      if (parts !== null) {
        func = parts.join('.');
        if (this.fn !== null && parts.length >= 2) {
          const recv = parts.slice(0, -1).join('.');
          if (this.receivers.has(recv)) {
            opName = parts[parts.length - 1]!;
            receiver = recv;
          } else if (parts.length === 2) {
            for (let i = this.batches.length - 1; i >= 0; i--) {
              if (this.batches[i]!.alias === recv) {
                batch = this.batches[i];
                opName = parts[1]!;
                receiver = recv;
                break;
              }
            }
          }
        }
      } else {
        this.visitChildren(depth);
      }
    } else if (type !== 'identifier') {
      this.visit(type, depth + 1);
    }
    if (opName !== null) {
      slot = this.opCalls.length;
      this.opCalls.push(null);
    }
    while (c.gotoNextSibling()) {
      const t = typeOf(c);
      if (t === 'argument_list') this.argumentList(args, kwargs, depth + 1);
      else if (t === 'comment') this.comment();
      else if (!PUNCT.has(t)) args.push(this.convert(t, depth + 1));
    }
    c.gotoParent();
    const loc = this.loc(s, e);
    if (slot !== -1) {
      const call: OpCall = { name: opName!, receiver, function: this.fn!, args, kwargs, loc, autocommit: this.autocommit > 0 };
      if (batch !== undefined) call.batch = batch.call;
      this.opCalls[slot] = call;
    }
    return { kind: 'call', func, args, kwargs, text: this.src.slice(s, e), loc };
  }

  private argumentList(args: PyValue[], kwargs: Record<string, PyValue>, depth: number): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    do {
      const type = typeOf(c);
      if (type === 'comment') this.comment();
      else if (PUNCT.has(type)) continue;
      else if (type === 'keyword_argument') {
        // Children: the name, `=`, the value.
        let name = '';
        let value: PyValue | undefined;
        c.gotoFirstChild();
        do {
          const t = typeOf(c);
          if (t === 'comment') this.comment();
          else if (name === '') name = this.src.slice(c.startIndex, c.endIndex);
          else if (t !== '=') value = this.convert(t, depth + 1);
        } while (c.gotoNextSibling());
        c.gotoParent();
        if (value !== undefined) kwargs[name] = value;
      } else if (type === 'dictionary_splat') {
        // `**kw`: unknown keywords, kept under the key `**kw` (its source text).
        kwargs[this.src.slice(c.startIndex, c.endIndex).replace(/\s+/g, '')] = this.convert(type, depth + 1);
      } else {
        args.push(this.convert(type, depth + 1));
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
  }
}

/** What a function body does: nothing, raise NotImplementedError, or real code. */
function bodyKind(block: SyntaxNode): BodyKind {
  for (const stmt of block.namedChildren) {
    switch (stmt.type) {
      case 'comment':
      case 'pass_statement':
        continue;
      case 'expression_statement': {
        const only = stmt.namedChildCount === 1 ? stmt.namedChild(0)! : null;
        if (only !== null && (only.type === 'string' || only.type === 'concatenated_string' || only.type === 'ellipsis')) continue;
        return 'code';
      }
      case 'raise_statement': {
        const exc = stmt.namedChild(0);
        if (exc === null) return 'code';
        const callee = exc.type === 'call' ? exc.childForFieldName('function') : exc;
        return callee !== null && callee.type === 'identifier' && callee.text === 'NotImplementedError' ? 'raises-not-implemented' : 'code';
      }
      default:
        return 'code';
    }
  }
  return 'empty';
}

/** The first ERROR or MISSING node, in source order. */
function firstSyntaxError(root: SyntaxNode): SyntaxNode | null {
  let node: SyntaxNode = root;
  for (;;) {
    if (node.type === 'ERROR' || node.isMissing) return node;
    let next: SyntaxNode | null = null;
    for (const child of node.children) {
      if (child.type === 'ERROR' || child.isMissing || child.hasError) {
        next = child;
        break;
      }
    }
    if (next === null) return node === root ? null : node;
    node = next;
  }
}

function describe(v: PyValue): string {
  switch (v.kind) {
    case 'fstring':
      return 'an f-string, known only when Python runs the file';
    case 'name':
      return `the name \`${v.name}\`, not a literal`;
    case 'call':
      return `a call to \`${v.func}()\``;
    case 'none':
      return 'None';
    case 'int':
    case 'float':
      return `a number (${v.text})`;
    case 'bool':
      return `a boolean (${v.text})`;
    case 'tuple':
    case 'list':
    case 'set':
      return `a ${v.kind}`;
    case 'dict':
      return 'a dict';
    case 'str':
      return 'a string';
    default:
      return `an expression (\`${v.text.length > 40 ? v.text.slice(0, 37) + '...' : v.text}\`)`;
  }
}

function strings(
  field: string,
  v: PyValue,
  problems: ParseProblem[],
): string[] | undefined {
  if (v.kind === 'str') return [v.value];
  if (v.kind === 'tuple' || v.kind === 'list' || v.kind === 'set') {
    const out: string[] = [];
    for (const item of v.items) {
      if (item.kind === 'str') out.push(item.value);
      else {
        problems.push({
          kind: 'identifier',
          message: `\`${field}\` cannot be read statically: an item is ${describe(item)}. Write every item as a string literal.`,
          line: item.loc.line,
          column: item.loc.column,
        });
        return undefined;
      }
    }
    return out;
  }
  return undefined;
}

function readFields(
  reader: Reader,
  fileName: string,
  problems: ParseProblem[],
): Pick<MigrationFile, 'revision' | 'revisionFromFilename' | 'downRevision' | 'branchLabels' | 'dependsOn'> {
  const bad = (field: string, v: PyValue, expected: string) =>
    problems.push({
      kind: 'identifier',
      message: `\`${field}\` cannot be read statically: it is ${describe(v)}. Write it as ${expected}.`,
      line: v.loc.line,
      column: v.loc.column,
    });

  let revision: IdentifierField<string | null>;
  let revisionFromFilename = false;
  const rev = reader.assigned.get('revision');
  if (rev === undefined) {
    const m = LEGACY_REV.exec(fileName);
    if (m !== null) {
      revision = { value: m[1]! };
      revisionFromFilename = true;
    } else {
      revision = { value: null, unreadable: true };
      problems.push({
        kind: 'identifier',
        message: `no \`revision = "..."\` in this file, and its name "${fileName}" is not a hex revision id: Alembic stops with "Could not determine revision id from filename ${fileName}". Declare the id, e.g. \`revision = "<id>"\`, near the top.`,
        line: 1,
        column: 1,
      });
    }
  } else if (rev.value.kind === 'str') {
    revision = { value: rev.value.value, loc: rev.loc };
  } else {
    revision = { value: null, loc: rev.loc, unreadable: true };
    bad('revision', rev.value, 'a string literal, e.g. `revision = "1a2b3c4d5e6f"`');
  }

  let downRevision: IdentifierField<string[] | null>;
  const down = reader.assigned.get('down_revision');
  if (down === undefined) {
    downRevision = { value: null, unreadable: true };
    problems.push({
      kind: 'identifier',
      message:
        'no `down_revision` in this file: Alembic cannot load it (AttributeError: module has no attribute \'down_revision\'). Add `down_revision = None` for a first revision, or the parent revision id.',
      line: 1,
      column: 1,
    });
  } else if (down.value.kind === 'none') {
    downRevision = { value: null, loc: down.loc };
  } else {
    const list = strings('down_revision', down.value, problems);
    if (list === undefined) {
      if (down.value.kind !== 'tuple' && down.value.kind !== 'list' && down.value.kind !== 'set') {
        bad('down_revision', down.value, 'None, a string literal, or a tuple of string literals');
      }
      downRevision = { value: null, loc: down.loc, unreadable: true };
    } else {
      // Alembic's tuple_rev_as_scalar: an empty tuple is None (a base).
      downRevision = { value: list.length === 0 ? null : list, loc: down.loc };
    }
  }

  const labelsLike = (field: string): IdentifierField<string[]> => {
    const a = reader.assigned.get(field);
    if (a === undefined) return { value: [] };
    if (a.value.kind === 'none') return { value: [], loc: a.loc };
    const list = strings(field, a.value, problems);
    if (list === undefined) {
      if (a.value.kind !== 'tuple' && a.value.kind !== 'list' && a.value.kind !== 'set') {
        bad(field, a.value, 'None, a string literal, or a tuple of string literals');
      }
      return { value: [], loc: a.loc, unreadable: true };
    }
    return { value: list, loc: a.loc };
  };

  const fields = {
    revision,
    revisionFromFilename,
    downRevision,
    branchLabels: labelsLike('branch_labels'),
    dependsOn: labelsLike('depends_on'),
  };
  // Assigned again inside an if/try at module level: whichever value is read may not be Python's.
  const keys = { revision: 'revision', down_revision: 'downRevision', branch_labels: 'branchLabels', depends_on: 'dependsOn' } as const;
  for (const name of reader.conditional) fields[keys[name as keyof typeof keys]].unreadable = true;
  return fields;
}

function emptyFile(ref: { path: string; absPath: string }, hash: string, lineCount: number, problems: ParseProblem[]): MigrationFile {
  return {
    path: ref.path,
    absPath: ref.absPath,
    hash,
    revision: { value: null },
    revisionFromFilename: false,
    downRevision: { value: null },
    branchLabels: { value: [] },
    dependsOn: { value: [] },
    docstring: null,
    upgrade: null,
    downgrade: null,
    imports: [],
    opCalls: [],
    ignores: [],
    problems,
    lineCount,
  };
}

/** Reads one revision file. Never throws: an internal failure becomes a problem on line 1. */
export function parseMigration(source: Buffer, ref: { path: string; absPath: string }, hash: string): MigrationFile {
  try {
    return parseUnchecked(source, ref, hash);
  } catch (e) {
    const reason = e instanceof RangeError ? 'the file is nested too deeply' : e instanceof Error ? e.message : String(e);
    return emptyFile(ref, hash, 0, [
      {
        kind: 'internal',
        message: `alembic-guard could not read this file (internal error: ${reason}). This is a bug in alembic-guard; please report it with the file if you can.`,
        line: 1,
        column: 1,
      },
    ]);
  }
}

function parseUnchecked(source: Buffer, ref: { path: string; absPath: string }, hash: string): MigrationFile {
  const decoded = decodeSource(source);
  const text = decoded.text;
  const lines = new LineIndex(text);
  const tree = getParser().parse(text);
  const root = tree.rootNode;
  const reader = new Reader(text, lines, tree.walk(), text.includes(IGNORE_MARKER));
  reader.readModule();

  const problems: ParseProblem[] = [...decoded.problems];
  if (decoded.invalidUtf8 !== undefined) {
    const { line, column } = decoded.invalidUtf8;
    const inComment = root.descendantForIndex(lines.offset(line, column)).type === 'comment';
    problems.push({
      kind: 'encoding',
      message: inComment
        ? `not valid UTF-8 at line ${line} (in a comment): Python 3.11 to 3.13 skip it, but newer Python versions refuse to import the file. Re-save it as UTF-8.`
        : `not valid UTF-8 at line ${line}: Python refuses to import the file. Re-save it as UTF-8, or declare its encoding with a "# -*- coding: <name> -*-" line at the top.`,
      line,
      column,
    });
  }
  if (root.hasError) {
    const err = firstSyntaxError(root);
    if (err !== null) {
      const p = lines.position(err.startIndex);
      const what = err.isMissing
        ? `missing "${err.type}"`
        : `unexpected ${JSON.stringify(text.slice(err.startIndex, Math.min(err.endIndex, err.startIndex + 30)).split('\n')[0])}`;
      problems.push({
        kind: 'syntax',
        message: `syntax error at line ${p.line}, column ${p.column} (${what}): Python cannot import this file, so Alembic cannot load any revision until it is fixed.`,
        line: p.line,
        column: p.column,
      });
    }
  }
  problems.push(...reader.problems);
  const fields = readFields(reader, basename(ref.path), problems);
  problems.sort((a, b) => a.line - b.line || a.column - b.column);

  return {
    path: ref.path,
    absPath: ref.absPath,
    hash,
    ...fields,
    docstring: reader.docstring,
    upgrade: reader.functions.get('upgrade') ?? null,
    downgrade: reader.functions.get('downgrade') ?? null,
    imports: reader.imports,
    // After a syntax error the tree is tree-sitter's recovery: which function a call sits in (or
    // whether it is a call at all) cannot be trusted, so no operations are reported.
    opCalls: problems.some((p) => p.kind === 'syntax') ? [] : reader.opCalls.filter((c): c is OpCall => c !== null),
    ignores: reader.ignores,
    problems,
    lineCount: lines.lineCount,
  };
}
