/**
 * The fast path of the source stage: a recursive-descent reader over Python tokens (tokenize.ts)
 * for the regular shape of migration files (a docstring, imports, the revision variables, plain
 * functions whose bodies are statements, calls, `with`, `if`, loops and `try`). It gives exactly
 * the MigrationFile the tree-sitter reader (parse.ts) gives, and returns null for any file it does
 * not fully understand (a class, a decorator, module-level blocks, an f-string with replacement
 * fields, ignore comments, syntax it does not take …): parseMigration then uses tree-sitter.
 * tests/source/scanner-differential.test.ts proves the equality on every fixture and a generated
 * corpus, with Python's own `ast` as the judge of what is valid Python. Pure.
 */
import type { BodyKind, FunctionInfo, HelperCall, IgnoreComment, ImportInfo, Location, OpCall, PyValue } from '../model.js';
import { LineIndex } from './lines.js';
import { parseFloatLiteral, parseIntLiteral, stringPrefix, unescapeString } from './literals.js';
import { T, tokenize, type Comment, type Token } from './tokenize.js';
import { and, NO_DIALECT, or, type Guard } from './dialect-guard.js';
import { DialectScope, OTHER, type CondNode } from './dialect-terms.js';
import { FUNCTIONS, opTarget, recordImport, WATCHED, withContext, type BatchContext } from './alembic-names.js';
import type { Assigned, ModuleParts } from './parse.js';

/** Thrown for anything the scanner does not take; the caller falls back to tree-sitter. */
class Unsupported extends Error {}
const unsupported = (): never => {
  throw new Unsupported();
};

/** Python's hard keywords, except the three that are values. */
const KEYWORDS = new Set([
  'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally',
  'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try',
  'while', 'with', 'yield',
]);
/** Statements that end their block: what follows them in the block does not run after them. */
const ENDS_BLOCK = new Set(['return', 'raise', 'continue', 'break']);
const COMPARE = new Set(['<', '>', '==', '>=', '<=', '!=']);
const BINARY = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '//', '%', '@']];
const AUGMENTED = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '@=', '&=', '|=', '^=', '>>=', '<<=', '**=']);
/** Nesting deeper than this is left to tree-sitter (the reader's own limit is 300). */
const MAX_NESTING = 100;
/** Containers with more items are kept as data by the reader (parse.ts MAX_ITEMS): left to tree-sitter. */
const MAX_ITEMS = 2000;

/** An expression: its value as the reader gives it, its dialect-test shape, and its span. */
interface X {
  v: PyValue;
  c: CondNode;
  /** The node's span (for a parenthesized expression: the parentheses'). */
  s: number;
  e: number;
  /** Dotted parts when the expression is a plain name or attribute chain. */
  parts?: string[];
  /** A bare `a, b` list (tree-sitter's expression_list), as opposed to a parenthesized tuple. */
  list?: boolean;
  /** The items of a tuple, list or set display (or a bare list). */
  items?: X[];
  /** For an attribute: the value it is taken from. */
  object?: X;
  /** Shapes that matter for targets and statements. */
  shape?: 'paren' | 'attr' | 'sub' | 'star' | 'ellipsis' | 'str';
}

/** A parsed statement: its span and what kind it is (for block ends and bodyKind). */
interface Stmt {
  s: number;
  e: number;
  kind: string;
  /** For bodyKind: a lone string/ellipsis expression, or `raise NotImplementedError`. */
  body?: 'doc' | 'raises-not-implemented';
}

class Scanner implements ModuleParts {
  readonly assigned = new Map<string, Assigned>();
  readonly conditional = new Set<string>();
  docstring: { text: string; loc: Location } | null = null;
  readonly functions = new Map<string, FunctionInfo>();
  readonly imports: ImportInfo[] = [];
  readonly opCalls: (OpCall | null)[] = [];
  readonly calls: HelperCall[] = [];
  readonly topLevel = new Set<string>();
  readonly ignores: IgnoreComment[] = [];

  private readonly receivers = new Set<string>(['op']);
  private readonly dialect = new DialectScope(this.receivers);
  private fn: string | null = null;
  private fnDepth = 0;
  private readonly batches: BatchContext[] = [];
  private autocommit = 0;
  private guard: Guard = null;
  private p = 0;
  private nesting = 0;
  /** Index of the next comment not yet passed (for block ends). */
  private readonly comments: Comment[];

  constructor(
    private readonly src: string,
    private readonly lines: LineIndex,
    private readonly toks: Token[],
    comments: Comment[],
  ) {
    this.comments = comments;
  }

  // ---- tokens --------------------------------------------------------------------------------

  private get t(): Token {
    return this.toks[this.p]!;
  }
  private is(type: T): boolean {
    return this.toks[this.p]!.type === type;
  }
  private at(i: number): Token {
    return this.toks[Math.min(this.p + i, this.toks.length - 1)]!;
  }
  private isOp(text: string, tok = this.t): boolean {
    return tok.type === T.Op && tok.text === text;
  }
  private isKw(text: string, tok = this.t): boolean {
    return tok.type === T.Name && tok.text === text;
  }
  private op(text: string): Token {
    const tok = this.t;
    if (!this.isOp(text, tok)) unsupported();
    this.p++;
    return tok;
  }
  private kw(text: string): Token {
    const tok = this.t;
    if (!this.isKw(text, tok)) unsupported();
    this.p++;
    return tok;
  }
  private name(): Token {
    const tok = this.t;
    if (tok.type !== T.Name || KEYWORDS.has(tok.text)) unsupported();
    this.p++;
    return tok;
  }
  /** End offset of the token before the current one. */
  private get last(): number {
    return this.toks[this.p - 1]!.end;
  }
  private loc(s: number, e: number): Location {
    return this.lines.loc(s, e);
  }
  private text(s: number, e: number): string {
    return this.src.slice(s, e);
  }
  private deeper(): void {
    if (++this.nesting > MAX_NESTING) unsupported();
  }

  // ---- module ----------------------------------------------------------------------------------

  read(): void {
    this.oneLineFunctions();
    let first = true;
    while (!this.is(T.End)) {
      const tok = this.t;
      if (tok.type !== T.Name) {
        if (tok.type === T.Newline) {
          this.p++;
          continue;
        }
        if (tok.type === T.Indent || tok.type === T.Dedent) unsupported();
      }
      if (this.isKw('def')) this.functionDef(true);
      else if (this.isKw('import') || this.isKw('from')) {
        this.importStatement();
        this.endOfStatement();
      } else if (tok.type === T.Name && (KEYWORDS.has(tok.text) || tok.text === 'match' || tok.text === 'type' || tok.text === 'print' || tok.text === 'exec')) {
        // Module-level blocks, classes, decorators and the rest: tree-sitter's reader knows them.
        unsupported();
      } else if (this.isOp('@')) unsupported();
      else {
        this.moduleExpression(first);
        this.endOfStatement();
      }
      first = false;
    }
  }

  private endOfStatement(): void {
    if (this.is(T.Newline)) this.p++;
    else if (!this.is(T.End)) unsupported();
  }

  /** A module-level expression statement: the docstring, an assignment of the revision variables, or anything else. */
  private moduleExpression(first: boolean): void {
    const s = this.t.start;
    const head = this.exprList();
    if (this.isOp('=')) {
      const targets = [this.target(head)];
      let value = head;
      while (this.isOp('=')) {
        this.p++;
        value = this.exprList();
        if (this.isOp('=')) targets.push(this.target(value));
      }
      const stmt = this.loc(s, this.last);
      for (const t of targets) this.bindModule(t, value.v, stmt);
      return;
    }
    if (this.isOp(':')) {
      // `revision: str = "..."`
      if (head.list) unsupported();
      const target = this.target(head);
      this.p++;
      this.expr();
      if (this.isOp('=')) {
        this.p++;
        const value = this.exprList();
        this.bindModule(target, value.v, this.loc(s, this.last));
      }
      return;
    }
    if (this.is(T.Op) && AUGMENTED.has(this.t.text)) unsupported();
    if (first && head.shape === 'str' && head.v.kind === 'str') this.docstring = { text: head.v.value, loc: head.v.loc };
  }

  private bindModule(target: Target, value: PyValue, stmt: Location): void {
    if (target.kind === 'name') {
      if (FUNCTIONS.has(target.name)) unsupported();
      if (WATCHED.has(target.name)) this.assigned.set(target.name, { value, loc: stmt });
    } else if (target.kind === 'seq') {
      const items = value.kind === 'tuple' || value.kind === 'list' ? value.items : null;
      target.items.forEach((t, i) => {
        const v = items !== null && items.length === target.items.length ? items[i]! : ({ kind: 'other', text: value.text, loc: value.loc } as PyValue);
        this.bindModule(t, v, stmt);
      });
    }
  }

  /**
   * An assignment target, as the reader reads it: a name, or a tuple/list of targets; an
   * attribute, a subscript, a starred or parenthesized target is `other`. Anything Python does not
   * allow as a target is left to tree-sitter.
   */
  private target(x: X): Target {
    if (x.shape === 'paren') {
      this.target({ ...x, shape: undefined } as X);
      return { kind: 'other' };
    }
    if (x.shape === 'attr' || x.shape === 'sub' || x.shape === 'star') return { kind: 'other' };
    if (x.c.k === 'name' && x.parts?.length === 1) return { kind: 'name', name: x.c.name };
    if ((x.v.kind === 'tuple' || x.v.kind === 'list') && x.items !== undefined) return { kind: 'seq', items: x.items.map((i) => this.target(i)) };
    return unsupported();
  }

  // ---- functions ---------------------------------------------------------------------------------

  /**
   * `def upgrade(): ...`: top-level ones become FunctionInfo and name the op calls inside them. Returns the statement.
   */
  private functionDef(top: boolean): Stmt {
    const s = this.kw('def').start;
    const name = this.name().text;
    if (top) this.topLevel.add(name);
    this.fnDepth++;
    // Parameters and the return annotation belong to the enclosing scope.
    this.parameters();
    if (this.isOp('->')) {
      this.p++;
      this.expr();
    }
    this.op(':');
    const outer = this.fn;
    const outerGuard = this.guard;
    const outerTerms = outer === null ? this.dialect.enter() : undefined;
    if (outer === null) {
      this.fn = name;
      this.guard = null;
    }
    const body = this.block();
    this.fn = outer;
    this.guard = outerGuard;
    if (outerTerms !== undefined) this.dialect.leave(outerTerms);
    this.fnDepth--;
    if (top && FUNCTIONS.has(name)) {
      this.functions.set(name, { name, loc: this.loc(s, body.e), bodyLoc: this.loc(body.s, body.e), bodyKind: body.kind });
    }
    return { s, e: body.e, kind: 'def' };
  }

  /** `(a, b=1, *args, c: int = 2, **kw)` */
  private parameters(): void {
    this.op('(');
    let star = false;
    let kwstar = false;
    while (!this.isOp(')')) {
      if (kwstar) unsupported();
      if (this.isOp('*')) {
        if (star) unsupported();
        star = true;
        this.p++;
        if (!this.isOp(',') && !this.isOp(')')) this.parameter();
      } else if (this.isOp('**')) {
        this.p++;
        kwstar = true;
        this.parameter();
      } else if (this.isOp('/')) {
        this.p++;
      } else this.parameter(true);
      if (this.isOp(',')) this.p++;
      else if (!this.isOp(')')) unsupported();
    }
    this.p++;
  }

  private parameter(withDefault = false): void {
    this.name();
    if (this.isOp(':')) {
      this.p++;
      this.expr();
    }
    if (withDefault && this.isOp('=')) {
      this.p++;
      this.expr();
    }
  }

  /** The block after `:`: its statements' span, whether it ends in return/raise/…, and its bodyKind. */
  private block(): { s: number; e: number; ends: boolean; kind: BodyKind } {
    const outer = this.guard;
    let stmts: Stmt[];
    let e: number;
    if (this.is(T.Newline)) {
      this.p++;
      if (!this.is(T.Indent)) unsupported();
      const indent = this.t.start - this.lines.offset(this.lines.position(this.t.start).line, 1);
      this.p++;
      stmts = [];
      while (!this.is(T.Dedent)) {
        if (this.is(T.End)) unsupported();
        stmts.push(...this.statement());
      }
      this.p++;
      e = this.blockEnd(stmts[stmts.length - 1]!.e, indent);
    } else {
      stmts = this.simpleStatements();
      e = this.blockEnd(stmts[stmts.length - 1]!.e, -1);
    }
    this.guard = outer;
    const last = stmts[stmts.length - 1]!;
    return { s: stmts[0]!.s, e, ends: ENDS_BLOCK.has(last.kind), kind: bodyKind(stmts) };
  }

  /**
   * Where tree-sitter ends a block: after its last statement, a comment on the same line, then the
   * comment lines that follow at the block's indentation or deeper (blank lines between them are
   * fine), up to the first one that is less indented. `indent` -1: a block on the `def` line,
   * where a following comment line is not taken (left to tree-sitter).
   */
  private blockEnd(end: number, indent: number): number {
    const next = this.t.start;
    let lo = 0;
    let hi = this.comments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.comments[mid]!.start < end) lo = mid + 1;
      else hi = mid;
    }
    let e = end;
    for (let i = lo; i < this.comments.length; i++) {
      const c = this.comments[i]!;
      if (c.start >= next) break;
      if (c.indent < 0) {
        // After code on the same line as the end (the only place a comment after code can be here).
        e = c.end;
        continue;
      }
      if (indent < 0) unsupported();
      if (c.indent < indent) break;
      e = c.end;
    }
    return e;
  }

  /** One statement (a compound one, or a line of simple statements). */
  private statement(): Stmt[] {
    const tok = this.t;
    if (tok.type === T.Name) {
      switch (tok.text) {
        case 'def':
          return [this.functionDef(false)];
        case 'if':
          return [this.ifStatement()];
        case 'for':
          return [this.forStatement()];
        case 'while':
          return [this.whileStatement()];
        case 'try':
          return [this.tryStatement()];
        case 'with':
          return [this.withStatement()];
        case 'class':
        case 'async':
        case 'global':
        case 'nonlocal':
        case 'match':
          return unsupported();
      }
    }
    if (this.isOp('@')) unsupported();
    return this.simpleStatements();
  }

  private simpleStatements(): Stmt[] {
    const stmt = this.simpleStatement();
    if (this.isOp(';')) unsupported();
    this.endOfStatement();
    return [stmt];
  }

  private simpleStatement(): Stmt {
    const tok = this.t;
    const s = tok.start;
    if (tok.type === T.Name) {
      switch (tok.text) {
        case 'pass':
        case 'break':
        case 'continue':
          this.p++;
          return { s, e: tok.end, kind: tok.text };
        case 'return': {
          this.p++;
          if (!this.atLineEnd()) this.exprList();
          return { s, e: this.last, kind: 'return' };
        }
        case 'raise': {
          this.p++;
          let body: Stmt['body'];
          if (!this.atLineEnd()) {
            const x = this.expr();
            const callee = x.c.k === 'call' ? x.c.callee : x.c;
            if (callee.k === 'name' && callee.name === 'NotImplementedError') body = 'raises-not-implemented';
            if (this.isKw('from')) {
              this.p++;
              this.expr();
            }
          }
          return { s, e: this.last, kind: 'raise', ...(body !== undefined ? { body } : {}) };
        }
        case 'del':
          this.p++;
          this.exprList();
          return { s, e: this.last, kind: 'del' };
        case 'assert':
          this.p++;
          this.expr();
          if (this.isOp(',')) {
            this.p++;
            this.expr();
          }
          return { s, e: this.last, kind: 'assert' };
        case 'import':
        case 'from':
          this.importStatement();
          return { s, e: this.last, kind: 'import' };
        case 'print':
        case 'exec':
          // `print x` is a Python 2 statement: the reader reports it; print(...) is a call.
          if (!this.isOp('(', this.at(1))) unsupported();
          break;
        default:
          if (KEYWORDS.has(tok.text) && tok.text !== 'not' && tok.text !== 'lambda') unsupported();
      }
    }
    return this.expressionStatement();
  }

  private atLineEnd(): boolean {
    return this.is(T.Newline) || this.is(T.End) || this.isOp(';');
  }

  /** An expression statement inside a function: an assignment (its dialect terms bound), or an expression. */
  private expressionStatement(): Stmt {
    const s = this.t.start;
    const head = this.exprList(true);
    if (this.isOp('=')) {
      const targets: X[] = [head];
      let value = head;
      while (this.isOp('=')) {
        this.p++;
        value = this.exprList(true);
        if (this.isOp('=')) targets.push(value);
      }
      targets.forEach((t, i) => {
        this.target(t);
        this.bindTerm(t, i === targets.length - 1 ? value.c : { k: 'assign' }, false);
      });
      return { s, e: this.last, kind: 'assignment' };
    }
    if (this.isOp(':')) {
      if (head.list) unsupported();
      this.target(head);
      this.p++;
      this.expr();
      let right: CondNode | null = null;
      if (this.isOp('=')) {
        this.p++;
        right = this.exprList(true).c;
      }
      this.bindTerm(head, right, false);
      return { s, e: this.last, kind: 'assignment' };
    }
    if (this.is(T.Op) && AUGMENTED.has(this.t.text)) {
      if (head.list) unsupported();
      this.target(head);
      this.p++;
      this.exprList(true);
      this.bindTerm(head, null, true);
      return { s, e: this.last, kind: 'assignment' };
    }
    const doc = head.shape === 'str' || head.shape === 'ellipsis';
    return { s, e: this.last, kind: 'expression', ...(doc ? { body: 'doc' as const } : {}) };
  }

  private bindTerm(target: X, right: CondNode | null, augmented: boolean): void {
    if (this.fn === null) return;
    const names: string[] = [];
    // As tree-sitter's patterns: names, and tuples/lists of them (not parenthesized names, not starred ones).
    const plain = (x: X) => x.shape === undefined && x.c.k === 'name' && x.parts?.length === 1;
    const collect = (x: X) => {
      if (plain(x)) names.push((x.c as { name: string }).name);
      else if (x.shape === undefined && x.items !== undefined && (x.v.kind === 'tuple' || x.v.kind === 'list')) x.items.forEach(collect);
    };
    collect(target);
    this.dialect.bind(names, plain(target) ? (target.c as { name: string }).name : null, right, augmented);
  }

  /** `import a.b as c, d`, `from ..m import (x as y, z)`, `from m import *`, `from __future__ import x`. */
  private importStatement(): void {
    const pos = this.lines.position(this.t.start);
    const bound: { name: string; alias: string | null }[] = [];
    const dotted = (): string => {
      let name = this.name().text;
      while (this.isOp('.')) {
        this.p++;
        name += `.${this.name().text}`;
      }
      return name;
    };
    const alias = (): string | null => {
      if (!this.isKw('as')) return null;
      this.p++;
      return this.name().text;
    };
    if (this.isKw('import')) {
      this.p++;
      do {
        if (bound.length > 0) this.p++;
        const name = dotted();
        bound.push({ name, alias: alias() });
      } while (this.isOp(','));
      recordImport('import', '', bound, { ...pos, inFunction: this.fnDepth > 0 }, this.imports, this.receivers);
      return;
    }
    this.kw('from');
    let module = '';
    while (this.isOp('.') || this.isOp('...')) {
      module += this.t.text;
      this.p++;
    }
    if (!this.isKw('import')) module += dotted();
    this.kw('import');
    if (this.isOp('*')) {
      this.p++;
      bound.push({ name: '*', alias: null });
    } else {
      const paren = this.isOp('(');
      if (paren) this.p++;
      for (;;) {
        const name = this.name().text;
        bound.push({ name, alias: alias() });
        if (!this.isOp(',')) break;
        this.p++;
        if (paren && this.isOp(')')) break;
        if (!paren && this.atLineEnd()) unsupported();
      }
      if (paren) this.op(')');
    }
    recordImport('from', module, bound, { ...pos, inFunction: this.fnDepth > 0 }, this.imports, this.receivers);
  }

  // ---- compound statements ---------------------------------------------------------------------

  /** As the reader's ifStatement: each branch under its test, what follows under the branches that fall through. */
  private ifStatement(): Stmt {
    const s = this.kw('if').start;
    if (this.fn === null) unsupported();
    const outer = this.guard;
    let rest = outer;
    const fallThrough: Guard[] = [];
    let e = s;
    const branch = (guard: Guard) => {
      this.guard = guard;
      const b = this.block();
      e = b.e;
      if (!b.ends) fallThrough.push(guard);
    };
    let test = this.dialect.test(this.expr().c);
    this.op(':');
    branch(and(rest, test.whenTrue));
    rest = and(rest, test.whenFalse);
    while (this.isKw('elif')) {
      this.p++;
      this.guard = rest;
      test = this.dialect.test(this.expr().c);
      this.op(':');
      branch(and(rest, test.whenTrue));
      rest = and(rest, test.whenFalse);
    }
    if (this.isKw('else')) {
      this.p++;
      this.op(':');
      branch(rest);
    } else fallThrough.push(rest);
    this.guard = fallThrough.length === 0 ? NO_DIALECT : fallThrough.reduce((a, b) => or(a, b));
    return { s, e, kind: 'if' };
  }

  private forStatement(): Stmt {
    const s = this.kw('for').start;
    const target = this.exprList(false, true);
    this.target(target);
    this.kw('in');
    this.exprList();
    this.op(':');
    return { s, e: this.elseBlock(this.block().e), kind: 'for' };
  }

  /** A loop's optional `else:` block: the statement's end. */
  private elseBlock(end: number): number {
    if (!this.isKw('else')) return end;
    this.p++;
    this.op(':');
    return this.block().e;
  }

  private whileStatement(): Stmt {
    const s = this.kw('while').start;
    this.expr();
    this.op(':');
    return { s, e: this.elseBlock(this.block().e), kind: 'while' };
  }

  private tryStatement(): Stmt {
    const s = this.kw('try').start;
    this.op(':');
    let e = this.block().e;
    let handlers = 0;
    while (this.isKw('except')) {
      this.p++;
      if (this.isOp('*')) unsupported();
      if (!this.isOp(':')) {
        this.expr();
        if (this.isKw('as')) {
          this.p++;
          this.name();
        }
      }
      this.op(':');
      e = this.block().e;
      handlers++;
    }
    if (handlers > 0 && this.isKw('else')) {
      this.p++;
      this.op(':');
      e = this.block().e;
    }
    if (this.isKw('finally')) {
      this.p++;
      this.op(':');
      e = this.block().e;
    } else if (handlers === 0) unsupported();
    return { s, e, kind: 'try' };
  }

  /** `with a as b, c:` — each item entered in turn: a batch_alter_table or an autocommit block counts for the body. */
  private withStatement(): Stmt {
    const s = this.kw('with').start;
    if (this.isOp('(')) unsupported();
    let batches = 0;
    let autocommit = 0;
    for (;;) {
      const value = this.expr();
      let alias: string | null = null;
      if (this.isKw('as')) {
        this.p++;
        const t = this.expr();
        this.target(t);
        if (t.shape === undefined && t.c.k === 'name' && t.parts?.length === 1) alias = t.c.name;
      }
      const got = withContext(value.v, alias, this.receivers);
      if (got === 'autocommit') {
        autocommit++;
        this.autocommit++;
      } else if (got !== null) {
        this.batches.push(got);
        batches++;
      }
      if (!this.isOp(',')) break;
      this.p++;
    }
    this.op(':');
    const e = this.block().e;
    this.autocommit -= autocommit;
    this.batches.length -= batches;
    return { s, e, kind: 'with' };
  }

  // ---- expressions -----------------------------------------------------------------------------

  /**
   * Expressions separated by commas (a bare tuple when there is a comma). `starred`: `*a` items are
   * allowed; `targets`: stop before `in` (a for loop's targets).
   */
  private exprList(starred = false, targets = false): X {
    const first = this.item(starred, targets);
    if (!this.isOp(',')) {
      // A starred expression on its own (`x = *a`) is a SyntaxError.
      if (first.shape === 'star') unsupported();
      return first;
    }
    const items = [first];
    while (this.isOp(',')) {
      this.p++;
      if (this.atLineEnd() || this.isOp('=') || this.isOp(')') || this.isKw('in') || this.isOp(':')) break;
      items.push(this.item(starred, targets));
    }
    const s = first.s;
    const e = this.last;
    const v: PyValue = { kind: 'tuple', items: items.map((i) => i.v), text: this.text(s, e), loc: this.loc(s, e) };
    return { v, c: { k: 'seq', items: items.map((i) => i.c) }, s, e, list: true, items };
  }

  private item(starred: boolean, targets: boolean): X {
    if (starred && this.isOp('*')) return this.starred();
    return targets ? this.binary(0) : this.expr();
  }

  private starred(): X {
    const s = this.op('*').start;
    const inner = this.binary(0);
    return { ...this.other(s, inner.e), shape: 'star' };
  }

  /** An expression that is not one of the reader's value shapes: `other`, with its text. */
  private other(s: number, e: number): X {
    return { v: { kind: 'other', text: this.text(s, e), loc: this.loc(s, e) }, c: OTHER, s, e };
  }

  /** `test`: a conditional expression or a lambda (no walrus). */
  private expr(): X {
    this.deeper();
    try {
      if (this.isKw('lambda')) return this.lambda();
      const x = this.orTest();
      if (this.isKw('if')) {
        this.p++;
        this.orTest();
        this.kw('else');
        const y = this.expr();
        return this.other(x.s, y.e);
      }
      if (this.isOp(':=')) unsupported();
      return x;
    } finally {
      this.nesting--;
    }
  }

  private lambda(): X {
    const s = this.kw('lambda').start;
    while (!this.isOp(':')) {
      if (this.isOp('*') || this.isOp('**')) this.p++;
      this.name();
      if (this.isOp('=')) {
        this.p++;
        this.expr();
      }
      if (this.isOp(',')) this.p++;
      else if (!this.isOp(':')) unsupported();
    }
    this.p++;
    const body = this.expr();
    return this.other(s, body.e);
  }

  private orTest(): X {
    let x = this.andTest();
    while (this.isKw('or')) {
      this.p++;
      const y = this.andTest();
      x = { ...this.other(x.s, y.e), c: { k: 'bool', op: 'or', left: x.c, right: y.c } };
    }
    return x;
  }

  private andTest(): X {
    let x = this.notTest();
    while (this.isKw('and')) {
      this.p++;
      const y = this.notTest();
      x = { ...this.other(x.s, y.e), c: { k: 'bool', op: 'and', left: x.c, right: y.c } };
    }
    return x;
  }

  private notTest(): X {
    if (this.isKw('not')) {
      const s = this.t.start;
      this.p++;
      this.deeper();
      const arg = this.notTest();
      this.nesting--;
      return { ...this.other(s, arg.e), c: { k: 'not', arg: arg.c } };
    }
    return this.comparison();
  }

  private comparison(): X {
    const x = this.binary(0);
    let ops = 0;
    let op = '';
    let right = x;
    let last = x;
    for (;;) {
      let o: string | null = null;
      if (this.is(T.Op) && COMPARE.has(this.t.text)) {
        o = this.t.text;
        this.p++;
      } else if (this.isKw('in')) {
        o = 'in';
        this.p++;
      } else if (this.isKw('not') && this.isKw('in', this.at(1))) {
        o = 'not in';
        this.p += 2;
      } else if (this.isKw('is')) {
        this.p++;
        o = 'is';
        if (this.isKw('not')) {
          this.p++;
          o = 'is not';
        }
      }
      if (o === null) break;
      op = o;
      last = this.binary(0);
      if (++ops === 1) right = last;
    }
    if (ops === 0) return x;
    return { ...this.other(x.s, last.e), c: ops === 1 ? { k: 'cmp', op, left: x.c, right: right.c } : OTHER };
  }

  /** The binary operators, loosest first; `**` and the unary ones in factor(). */
  private binary(level: number): X {
    if (level === BINARY.length) return this.factor();
    let x = this.binary(level + 1);
    const ops = BINARY[level]!;
    while (this.is(T.Op) && ops.includes(this.t.text)) {
      this.p++;
      const y = this.binary(level + 1);
      x = this.other(x.s, y.e);
    }
    return x;
  }

  private factor(): X {
    const tok = this.t;
    if (tok.type === T.Op && (tok.text === '-' || tok.text === '+' || tok.text === '~')) {
      this.p++;
      this.deeper();
      const arg = this.factor();
      this.nesting--;
      const s = tok.start;
      const e = arg.e;
      if (tok.text !== '~' && (arg.v.kind === 'int' || arg.v.kind === 'float')) {
        const v: PyValue = { kind: arg.v.kind, value: tok.text === '-' ? -arg.v.value : arg.v.value, text: this.text(s, e), loc: this.loc(s, e) };
        return { v, c: OTHER, s, e };
      }
      return this.other(s, e);
    }
    const x = this.primary();
    if (this.isOp('**')) {
      this.p++;
      const y = this.factor();
      return this.other(x.s, y.e);
    }
    return x;
  }

  /** An atom and its trailers: attributes, calls, subscripts. */
  private primary(): X {
    if (this.isKw('await') || this.isKw('yield')) unsupported();
    let x = this.atom();
    for (;;) {
      if (this.isOp('.')) {
        this.p++;
        const attr = this.name();
        const s = x.s;
        const e = attr.end;
        const parts = x.parts !== undefined ? [...x.parts, attr.text] : undefined;
        const v: PyValue = parts !== undefined ? { kind: 'name', name: parts.join('.'), text: this.text(s, e), loc: this.loc(s, e) } : { kind: 'other', text: this.text(s, e), loc: this.loc(s, e) };
        const next: X = { v, c: { k: 'attr', object: x.c, attr: attr.text }, s, e, object: x, shape: 'attr' };
        if (parts !== undefined) next.parts = parts;
        x = next;
      } else if (this.isOp('(')) {
        x = this.call(x);
      } else if (this.isOp('[')) {
        this.subscript();
        x = { ...this.other(x.s, this.last), shape: 'sub' };
      } else return x;
    }
  }

  private subscript(): void {
    this.op('[');
    for (;;) {
      if (this.isOp(':')) {
        // a slice with no lower bound
      } else if (this.isOp('*')) this.starred();
      else this.expr();
      while (this.isOp(':')) {
        this.p++;
        if (!this.isOp(':') && !this.isOp(']') && !this.isOp(',')) this.expr();
      }
      if (!this.isOp(',')) break;
      this.p++;
      if (this.isOp(']')) break;
    }
    this.op(']');
  }

  /** A call: its value, and an OpCall when it is `op.<name>(...)` (or on a batch alias) in a function. */
  private call(callee: X): X {
    const s = callee.s;
    let func: string;
    let on: PyValue | undefined;
    let target: ReturnType<typeof opTarget> = null;
    if (callee.parts !== undefined && callee.parts.length >= 2) {
      func = callee.parts.join('.');
      if (this.fn !== null) target = opTarget(callee.parts, this.receivers, this.batches);
    } else if (callee.parts !== undefined) {
      func = callee.parts[0]!;
      if (this.fn !== null) {
        const call: HelperCall = { from: this.fn, to: func, line: this.lines.position(s).line };
        if (this.guard !== null) call.dialects = this.guard;
        this.calls.push(call);
      }
    } else {
      func = this.text(callee.s, callee.e);
      // A method on a value that is not a dotted name (`sa.Text().with_variant`): keep that value.
      if (callee.object !== undefined) on = callee.object.v;
    }
    let slot = -1;
    if (target !== null) {
      slot = this.opCalls.length;
      this.opCalls.push(null);
    }
    const args: PyValue[] = [];
    const kwargs: Record<string, PyValue> = {};
    this.arguments(args, kwargs);
    const e = this.last;
    const loc = this.loc(s, e);
    if (target !== null) {
      const call: OpCall = { name: target.name, receiver: target.receiver, function: this.fn!, args, kwargs, loc, autocommit: this.autocommit > 0 };
      if (target.batch !== undefined) call.batch = target.batch.call;
      if (this.guard !== null) call.dialects = this.guard;
      this.opCalls[slot] = call;
    }
    const v: PyValue = { kind: 'call', func, args, kwargs, text: this.text(s, e), loc };
    if (on !== undefined) v.on = on;
    return { v, c: { k: 'call', callee: callee.c }, s, e };
  }

  private arguments(args: PyValue[], kwargs: Record<string, PyValue>): void {
    const open = this.op('(');
    let keywords = false;
    let kwsplat = false;
    let count = 0;
    while (!this.isOp(')')) {
      count++;
      if (this.isOp('**')) {
        const s = this.t.start;
        this.p++;
        const inner = this.expr();
        kwargs[this.text(s, inner.e).replace(/\s+/g, '')] = this.other(s, inner.e).v;
        kwsplat = true;
      } else if (this.isOp('*')) {
        if (kwsplat) unsupported();
        args.push(this.starred().v);
      } else if (this.is(T.Name) && this.isOp('=', this.at(1))) {
        const name = this.name().text;
        this.p++;
        if (name in kwargs) unsupported();
        kwargs[name] = this.expr().v;
        keywords = true;
      } else {
        if (keywords || kwsplat) unsupported();
        const x = this.expr();
        if (this.isKw('for')) {
          // f(x for x in y): the argument is the generator expression, parentheses included.
          if (count !== 1) unsupported();
          this.comprehension();
          if (!this.isOp(')')) unsupported();
          this.p++;
          args.push(this.other(open.start, this.last).v);
          return;
        }
        args.push(x.v);
      }
      if (this.isOp(',')) this.p++;
      else if (!this.isOp(')')) unsupported();
    }
    this.p++;
  }

  /** `for a in b if c ...` after the element of a comprehension (side effects only). */
  private comprehension(): void {
    while (this.isKw('for') || this.isKw('if')) {
      if (this.isKw('for')) {
        this.p++;
        this.target(this.exprList(false, true));
        this.kw('in');
        this.orTest();
      } else {
        this.p++;
        this.orTest();
      }
    }
    if (this.isKw('async')) unsupported();
  }

  private atom(): X {
    const tok = this.t;
    const s = tok.start;
    switch (tok.type) {
      case T.Name: {
        this.p++;
        const e = tok.end;
        const text = tok.text;
        if (text === 'None') return { v: { kind: 'none', text, loc: this.loc(s, e) }, c: OTHER, s, e };
        if (text === 'True' || text === 'False') return { v: { kind: 'bool', value: text === 'True', text, loc: this.loc(s, e) }, c: OTHER, s, e };
        if (KEYWORDS.has(text)) unsupported();
        return { v: { kind: 'name', name: text, text, loc: this.loc(s, e) }, c: { k: 'name', name: text }, s, e, parts: [text] };
      }
      case T.Number: {
        this.p++;
        const e = tok.end;
        const text = tok.text;
        const isFloat = !/^0[xob]/i.test(text) && (text.includes('.') || /[eE]/.test(text));
        const value = isFloat ? parseFloatLiteral(text) : parseIntLiteral(text);
        const loc = this.loc(s, e);
        const v: PyValue = Number.isNaN(value) ? { kind: 'other', text, loc } : { kind: isFloat ? 'float' : 'int', value, text, loc };
        return { v, c: OTHER, s, e };
      }
      case T.String:
        return this.strings();
      case T.Op:
        break;
      default:
        return unsupported();
    }
    if (tok.text === '...') {
      this.p++;
      return { ...this.other(s, tok.end), shape: 'ellipsis' };
    }
    if (tok.text === '(') return this.parenthesized();
    if (tok.text === '[') return this.list();
    if (tok.text === '{') return this.braces();
    return unsupported();
  }

  /** Adjacent string literals: one string, or a concatenated string. */
  private strings(): X {
    const s = this.t.start;
    const parts: { kind: 'str' | 'fstring' | 'other'; value: string; plain: string | null }[] = [];
    while (this.is(T.String)) {
      const tok = this.t;
      this.p++;
      const raw = this.text(tok.start, tok.end);
      let q = 0;
      while (raw[q] !== '"' && raw[q] !== "'") q++;
      const prefix = stringPrefix(raw.slice(0, q + 1));
      const triple = raw.length - q >= 6 && raw[q + 1] === raw[q] && raw[q + 2] === raw[q];
      const body = raw.slice(q + (triple ? 3 : 1), raw.length - (triple ? 3 : 1));
      if (prefix.formatted) parts.push({ kind: 'fstring', value: '', plain: null });
      else if (prefix.bytes) parts.push({ kind: 'other', value: '', plain: null });
      else {
        const value = prefix.raw ? body : unescapeString(body, false);
        parts.push({ kind: 'str', value, plain: value });
      }
    }
    const e = this.last;
    const text = this.text(s, e);
    const loc = this.loc(s, e);
    if (parts.length === 1) {
      const p = parts[0]!;
      const v: PyValue = p.kind === 'str' ? { kind: 'str', value: p.value, text, loc } : { kind: p.kind, text, loc };
      return { v, c: { k: 'str', value: p.plain }, s, e, shape: 'str' };
    }
    let kind: 'str' | 'fstring' | 'other' = 'str';
    let value = '';
    for (const p of parts) {
      if (p.kind === 'str') value += p.value;
      else if (p.kind === 'fstring') kind = kind === 'other' ? 'other' : 'fstring';
      else kind = 'other';
    }
    const v: PyValue = kind === 'str' ? { kind, value, text, loc } : { kind, text, loc };
    return { v, c: { k: 'str', value: null }, s, e, shape: 'str' };
  }

  /** `( ... )`: the empty tuple, a parenthesized expression (its inner value), a tuple, or a generator. */
  private parenthesized(): X {
    const open = this.op('(');
    const s = open.start;
    if (this.isOp(')')) {
      this.p++;
      const e = this.last;
      return { v: { kind: 'tuple', items: [], text: this.text(s, e), loc: this.loc(s, e) }, c: { k: 'seq', items: [] }, s, e, items: [] };
    }
    if (this.isKw('yield') || this.isOp('*')) unsupported();
    const first = this.expr();
    if (this.isKw('for')) {
      this.comprehension();
      this.op(')');
      return this.other(s, this.last);
    }
    if (this.isOp(')')) {
      this.p++;
      // The reader reads the inner value (its own text); a comment inside makes it no dialect test.
      const e = this.last;
      const x: X = { v: first.v, c: this.commentIn(s, e) ? OTHER : first.c, s, e, shape: 'paren' };
      if (first.items !== undefined) x.items = first.items;
      return x;
    }
    const items = [first];
    while (this.isOp(',')) {
      this.p++;
      if (this.isOp(')')) break;
      items.push(this.isOp('*') ? this.starred() : this.expr());
      if (items.length > MAX_ITEMS) unsupported();
    }
    this.op(')');
    const e = this.last;
    return { v: { kind: 'tuple', items: items.map((i) => i.v), text: this.text(s, e), loc: this.loc(s, e) }, c: { k: 'seq', items: items.map((i) => i.c) }, s, e, items };
  }

  private commentIn(s: number, e: number): boolean {
    for (const c of this.comments) {
      if (c.start >= e) break;
      if (c.start > s) return true;
    }
    return false;
  }

  /** `[ ... ]`: a list or a comprehension. */
  private list(): X {
    const s = this.op('[').start;
    const items: X[] = [];
    while (!this.isOp(']')) {
      const x = this.isOp('*') ? this.starred() : this.expr();
      if (items.length === 0 && this.isKw('for')) {
        this.comprehension();
        this.op(']');
        return this.other(s, this.last);
      }
      items.push(x);
      if (items.length > MAX_ITEMS) unsupported();
      if (this.isOp(',')) this.p++;
      else if (!this.isOp(']')) unsupported();
    }
    this.p++;
    const e = this.last;
    return { v: { kind: 'list', items: items.map((i) => i.v), text: this.text(s, e), loc: this.loc(s, e) }, c: { k: 'seq', items: items.map((i) => i.c) }, s, e, items };
  }

  /** `{ ... }`: a dict, a set, or a comprehension of either. */
  private braces(): X {
    const s = this.op('{').start;
    const entries: { key: PyValue; value: PyValue }[] = [];
    const items: X[] = [];
    let isSet: boolean | undefined;
    while (!this.isOp('}')) {
      if (this.isOp('**')) {
        if (isSet === true) unsupported();
        isSet = false;
        const ps = this.t.start;
        this.p++;
        const value = this.binary(0);
        entries.push({ key: { kind: 'other', text: '**', loc: this.loc(ps, ps + 2) }, value: value.v });
      } else {
        const key = this.isOp('*') ? this.starred() : this.expr();
        if (this.isOp(':') && isSet !== true && key.shape !== 'star') {
          isSet = false;
          this.p++;
          const value = this.expr();
          if (entries.length === 0 && this.isKw('for')) {
            this.comprehension();
            this.op('}');
            return this.other(s, this.last);
          }
          entries.push({ key: key.v, value: value.v });
        } else {
          if (isSet === false) unsupported();
          if (isSet === undefined && this.isKw('for')) {
            this.comprehension();
            this.op('}');
            return this.other(s, this.last);
          }
          isSet = true;
          items.push(key);
        }
      }
      if (entries.length + items.length > MAX_ITEMS) unsupported();
      if (this.isOp(',')) this.p++;
      else if (!this.isOp('}')) unsupported();
    }
    this.p++;
    const e = this.last;
    const text = this.text(s, e);
    const loc = this.loc(s, e);
    if (isSet === true) return { v: { kind: 'set', items: items.map((i) => i.v), text, loc }, c: { k: 'seq', items: items.map((i) => i.c) }, s, e, items };
    return { v: { kind: 'dict', entries, text, loc }, c: OTHER, s, e };
  }

  // ---- one-line test functions -----------------------------------------------------------------

  /**
   * `def is_postgres(): return ...` at module level, anywhere in the file: a call to it is that
   * test (as the reader's oneLineFunctions). Read ahead, before the functions that call them.
   */
  private oneLineFunctions(): void {
    let level = 0;
    let statementStart = true;
    for (let i = 0; i < this.toks.length; i++) {
      const tok = this.toks[i]!;
      if (tok.type === T.Indent) level++;
      else if (tok.type === T.Dedent) level--;
      if (tok.type === T.Newline || tok.type === T.Indent || tok.type === T.Dedent) {
        statementStart = true;
        continue;
      }
      if (level === 0 && statementStart && tok.type === T.Name && tok.text === 'def') {
        const ret = this.oneLineReturn(i);
        if (ret !== null) this.dialect.returns.set(ret.name, ret.c);
      }
      statementStart = false;
    }
  }

  private oneLineReturn(defAt: number): { name: string; c: CondNode } | null {
    const saved = this.p;
    const savedFn = this.fn;
    try {
      this.p = defAt + 1;
      const name = this.name().text;
      // The header, then the body: a line of its own or after the colon.
      let depth = 0;
      while (!(depth === 0 && this.isOp(':'))) {
        if (this.isOp('(') || this.isOp('[') || this.isOp('{')) depth++;
        else if (this.isOp(')') || this.isOp(']') || this.isOp('}')) depth--;
        else if (this.is(T.End)) return null;
        this.p++;
      }
      this.p++;
      const indented = this.is(T.Newline);
      if (indented) {
        this.p++;
        if (!this.is(T.Indent)) return null;
        this.p++;
        // A docstring first (one plain string statement) is allowed.
        if (this.is(T.String) && this.at(1).type === T.Newline) this.p += 2;
      }
      if (!this.isKw('return')) return null;
      this.p++;
      if (this.atLineEnd()) return null;
      this.fn = null;
      const x = this.exprList();
      if (!this.atLineEnd() || this.isOp(';')) return null;
      this.p++;
      if (indented && !this.is(T.Dedent)) return null;
      return { name, c: x.list ? OTHER : x.c };
    } catch (e) {
      if (e instanceof Unsupported) return null;
      throw e;
    } finally {
      this.p = saved;
      this.fn = savedFn;
    }
  }
}

type Target = { kind: 'name'; name: string } | { kind: 'seq'; items: Target[] } | { kind: 'other' };

/** What a function body does (as the reader's bodyKind): nothing, raise NotImplementedError, or real code. */
function bodyKind(stmts: readonly Stmt[]): BodyKind {
  for (const st of stmts) {
    if (st.kind === 'pass' || (st.kind === 'expression' && st.body === 'doc')) continue;
    if (st.kind === 'raise') return st.body === 'raises-not-implemented' ? 'raises-not-implemented' : 'code';
    return 'code';
  }
  return 'empty';
}

/**
 * The parts of one file, or null when the scanner leaves the file to tree-sitter. `text` is the
 * decoded source (no encoding problems) without ignore comments.
 */
export function scanModule(text: string, lines: LineIndex): ModuleParts | null {
  const tokens = tokenize(text);
  if (tokens === null) return null;
  const scanner = new Scanner(text, lines, tokens.tokens, tokens.comments);
  try {
    scanner.read();
  } catch (e) {
    if (e instanceof Unsupported || e instanceof RangeError) return null;
    throw e;
  }
  return scanner;
}

