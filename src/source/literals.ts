/**
 * Python literal tokens (as tree-sitter delimits them) → values, following the language reference
 * (lexical analysis: string and bytes literals, integer and floating-point literals). Pure.
 */

export interface StringPrefix {
  raw: boolean;
  bytes: boolean;
  /** f-strings (and 3.14 t-strings): only known at run time. */
  formatted: boolean;
}

/** The prefix letters of a `string_start` token such as `rb'''` or `F"`. */
export function stringPrefix(start: string): StringPrefix {
  let raw = false;
  let bytes = false;
  let formatted = false;
  for (const ch of start) {
    if (ch === '"' || ch === "'") break;
    const c = ch.toLowerCase();
    if (c === 'r') raw = true;
    else if (c === 'b') bytes = true;
    else if (c === 'f' || c === 't') formatted = true;
  }
  return { raw, bytes, formatted };
}

const SIMPLE: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

function isHex(s: string): boolean {
  for (const ch of s) if (!/[0-9a-fA-F]/.test(ch)) return false;
  return s.length > 0;
}

/**
 * The value of a (non-raw) string literal's body. `\N{NAME}` is kept as written (resolving names
 * needs the Unicode name table, and no revision identifier or DDL uses it).
 */
export function unescapeString(body: string, bytes: boolean): string {
  if (!body.includes('\\')) return body;
  let out = '';
  let i = 0;
  while (i < body.length) {
    const bs = body.indexOf('\\', i);
    if (bs === -1 || bs === body.length - 1) {
      out += body.slice(i);
      break;
    }
    out += body.slice(i, bs);
    const c = body[bs + 1]!;
    i = bs + 2;
    if (c === '\n') continue;
    const simple = SIMPLE[c];
    if (simple !== undefined) {
      out += simple;
    } else if (c >= '0' && c <= '7') {
      let j = bs + 1;
      while (j < bs + 4 && j < body.length && body[j]! >= '0' && body[j]! <= '7') j++;
      out += String.fromCharCode(parseInt(body.slice(bs + 1, j), 8));
      i = j;
    } else if (c === 'x' && isHex(body.slice(i, i + 2)) && body.slice(i, i + 2).length === 2) {
      out += String.fromCharCode(parseInt(body.slice(i, i + 2), 16));
      i += 2;
    } else if (!bytes && c === 'u' && body.slice(i, i + 4).length === 4 && isHex(body.slice(i, i + 4))) {
      out += String.fromCharCode(parseInt(body.slice(i, i + 4), 16));
      i += 4;
    } else if (!bytes && c === 'U' && body.slice(i, i + 8).length === 8 && isHex(body.slice(i, i + 8))) {
      const cp = parseInt(body.slice(i, i + 8), 16);
      out += cp <= 0x10ffff ? String.fromCodePoint(cp) : body.slice(bs, i + 8);
      i += 8;
    } else {
      // Unknown escapes (and \N{...}) keep the backslash, as Python does for unknown ones.
      out += '\\' + c;
    }
  }
  return out;
}

/** An `integer` token: decimal, 0x/0o/0b, underscores. NaN for imaginary (`1j`) literals. */
export function parseIntLiteral(token: string): number {
  const t = token.replace(/_/g, '').toLowerCase();
  if (t.endsWith('j')) return NaN;
  if (t.startsWith('0x')) return Number.parseInt(t.slice(2), 16);
  if (t.startsWith('0o')) return Number.parseInt(t.slice(2), 8);
  if (t.startsWith('0b')) return Number.parseInt(t.slice(2), 2);
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}

/**
 * A `float` token. NaN for imaginary literals and for values a double cannot hold (`1e999` is
 * `inf` in Python): those stay `other`, and every number survives a JSON round trip (the cache).
 */
export function parseFloatLiteral(token: string): number {
  const t = token.replace(/_/g, '').toLowerCase();
  if (t.endsWith('j')) return NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}
