/**
 * A Python tokenizer for the fast scanner (scan.ts): names, numbers, strings, operators, and the
 * NEWLINE / INDENT / DEDENT structure, as Python's own tokenizer (Lib/tokenize.py, the language
 * reference's "Lexical analysis") produces them, hand-written over character codes. It accepts a
 * deliberately narrow subset: anything it does not fully understand (tabs or form feeds in
 * indentation, non-ASCII names, f-strings with replacement fields, imaginary numbers, an
 * unterminated string or bracket, inconsistent dedents) makes it return null, and the caller
 * falls back to tree-sitter. Pure.
 */

export const enum T {
  Name,
  Number,
  String,
  Op,
  Newline,
  Indent,
  Dedent,
  End,
}

export interface Token {
  type: T;
  /** Offsets into the text: [start, end). */
  start: number;
  end: number;
  /** The operator or name text (Name, Op). */
  text: string;
}

export interface Comment {
  start: number;
  end: number;
  /** Column (0-based) of a comment that starts its line; -1 for one after code. */
  indent: number;
}

export interface Tokens {
  tokens: Token[];
  comments: Comment[];
}

const OPS3 = new Set(['**=', '//=', '>>=', '<<=', '...', '!=']);
const OPS2 = new Set(['**', '//', '>>', '<<', '<=', '>=', '==', '!=', '->', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=', ':=']);
const OPS1 = '+-*/%@&|^~<>()[]{},:.;=';

const isDigit = (c: number) => c >= 48 && c <= 57;
const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isNameChar = (c: number) => isNameStart(c) || isDigit(c);

/** Letters a string prefix may have (r, b, u, f in any case and order Python allows). */
function prefixOk(p: string): boolean {
  const l = p.toLowerCase();
  return ['r', 'u', 'b', 'f', 'br', 'rb', 'fr', 'rf'].includes(l);
}

/** The end of a string literal starting at `i` (at the quote), or -1; `formatted` strings must have no replacement field. */
function stringEnd(text: string, i: number, raw: boolean, formatted: boolean): number {
  const q = text.charCodeAt(i);
  const triple = text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q;
  let j = i + (triple ? 3 : 1);
  const n = text.length;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === 92 /* \ */) {
      // In raw strings too a backslash keeps the next character (a quote) from ending the string.
      j += 2;
      continue;
    }
    if (formatted && (c === 123 /* { */ || c === 125 /* } */)) {
      if (text.charCodeAt(j + 1) === c) {
        j += 2;
        continue;
      }
      return -1;
    }
    if (c === 10 && !triple) return -1;
    if (c === q && (!triple || (text.charCodeAt(j + 1) === q && text.charCodeAt(j + 2) === q))) return j + (triple ? 3 : 1);
    j++;
  }
  void raw;
  return -1;
}

/** End of a number token at `i`, or -1 for a form this tokenizer does not take. */
function numberEnd(text: string, i: number): number {
  const n = text.length;
  const digits = (j: number, ok: (c: number) => boolean): number => {
    // One or more digits, single underscores between them.
    if (j >= n || !ok(text.charCodeAt(j))) return -1;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (ok(c)) j++;
      else if (c === 95 && j + 1 < n && ok(text.charCodeAt(j + 1))) j++;
      else break;
    }
    return j;
  };
  let j: number;
  const c0 = text.charCodeAt(i);
  const c1 = text.charCodeAt(i + 1) | 32;
  if (c0 === 48 && (c1 === 120 || c1 === 111 || c1 === 98)) {
    const ok = c1 === 120 ? (c: number) => isDigit(c) || ((c | 32) >= 97 && (c | 32) <= 102) : c1 === 111 ? (c: number) => c >= 48 && c <= 55 : (c: number) => c === 48 || c === 49;
    // 0x_1f is allowed: an underscore may follow the prefix.
    const from = text.charCodeAt(i + 2) === 95 ? i + 3 : i + 2;
    j = digits(from, ok);
    if (j < 0) return -1;
  } else {
    let float = false;
    if (c0 === 46) {
      j = digits(i + 1, isDigit);
      if (j < 0) return -1;
      float = true;
    } else {
      j = digits(i, isDigit);
      if (j < 0) return -1;
      if (text.charCodeAt(j) === 46) {
        float = true;
        j++;
        if (j < n && isDigit(text.charCodeAt(j))) j = digits(j, isDigit);
      }
    }
    if ((text.charCodeAt(j) | 32) === 101) {
      let k = j + 1;
      if (text.charCodeAt(k) === 43 || text.charCodeAt(k) === 45) k++;
      const e = digits(k, isDigit);
      if (e < 0) return -1;
      j = e;
      float = true;
    }
    // A decimal integer with a leading zero is only valid as all zeros.
    if (!float && c0 === 48) for (let k = i; k < j; k++) if (text.charCodeAt(k) !== 48 && text.charCodeAt(k) !== 95) return -1;
  }
  const after = text.charCodeAt(j);
  // Imaginary numbers, long suffixes and `1if x` style run-ons are left to tree-sitter.
  if (j < n && (isNameChar(after) || after === 46)) return -1;
  return j;
}

export function tokenize(text: string): Tokens | null {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  const indents = [0];
  const n = text.length;
  let depth = 0;
  let i = 0;
  let atLineStart = true;
  const push = (type: T, start: number, end: number, t = '') => tokens.push({ type, start, end, text: t });

  while (i < n) {
    if (atLineStart) {
      atLineStart = false;
      let col = 0;
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 32) col++;
        else if (c === 9 || c === 12) return null;
        else break;
        j++;
      }
      const c = text.charCodeAt(j);
      if (j >= n || c === 10) {
        // A blank line: no tokens.
        i = j + 1;
        atLineStart = true;
        continue;
      }
      if (c === 35 /* # */) {
        let e = text.indexOf('\n', j);
        if (e < 0) e = n;
        comments.push({ start: j, end: e, indent: col });
        i = e + 1;
        atLineStart = true;
        continue;
      }
      if (c === 92 /* \ */) return null;
      if (depth === 0) {
        const top = indents[indents.length - 1]!;
        if (col > top) {
          indents.push(col);
          push(T.Indent, j, j);
        } else if (col < top) {
          while (indents[indents.length - 1]! > col) {
            indents.pop();
            push(T.Dedent, j, j);
          }
          if (indents[indents.length - 1] !== col) return null;
        }
      }
      i = j;
    }
    const c = text.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    if (c === 9 || c === 12 || c === 13) return null;
    if (c === 10) {
      if (depth === 0) push(T.Newline, i, i + 1);
      i++;
      atLineStart = depth === 0;
      continue;
    }
    if (c === 35) {
      let e = text.indexOf('\n', i);
      if (e < 0) e = n;
      comments.push({ start: i, end: e, indent: -1 });
      i = e;
      continue;
    }
    if (c === 92) {
      // A line continuation: the backslash must end the line.
      if (text.charCodeAt(i + 1) !== 10) return null;
      i += 2;
      continue;
    }
    if (isNameStart(c)) {
      let j = i + 1;
      while (j < n && isNameChar(text.charCodeAt(j))) j++;
      const q = text.charCodeAt(j);
      if ((q === 34 || q === 39) && j - i <= 2 && prefixOk(text.slice(i, j))) {
        const p = text.slice(i, j).toLowerCase();
        const e = stringEnd(text, j, p.includes('r'), p.includes('f'));
        if (e < 0) return null;
        push(T.String, i, e);
        i = e;
        continue;
      }
      if (j < n && text.charCodeAt(j) > 127) return null;
      push(T.Name, i, j, text.slice(i, j));
      i = j;
      continue;
    }
    if (c > 127) return null;
    if (c === 34 || c === 39) {
      const e = stringEnd(text, i, false, false);
      if (e < 0) return null;
      push(T.String, i, e);
      i = e;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      const e = numberEnd(text, i);
      if (e < 0) return null;
      push(T.Number, i, e, text.slice(i, e));
      i = e;
      continue;
    }
    const three = text.slice(i, i + 3);
    const two = text.slice(i, i + 2);
    const op = OPS3.has(three) ? three : OPS2.has(two) ? two : OPS1.includes(text[i]!) ? text[i]! : null;
    if (op === null) return null;
    if (op === '(' || op === '[' || op === '{') depth++;
    else if (op === ')' || op === ']' || op === '}') {
      if (depth === 0) return null;
      depth--;
    }
    push(T.Op, i, i + op.length, op);
    i += op.length;
  }
  if (depth !== 0) return null;
  const last = tokens[tokens.length - 1];
  if (last !== undefined && last.type !== T.Newline && last.type !== T.Dedent) push(T.Newline, n, n);
  while (indents.length > 1) {
    indents.pop();
    push(T.Dedent, n, n);
  }
  push(T.End, n, n);
  return { tokens, comments };
}
