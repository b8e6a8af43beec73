/**
 * Bytes → text the way Python reads a source file: a UTF-8 BOM, a PEP 263 coding cookie on line 1
 * or 2, UTF-8 otherwise (CPython's Parser/tokenizer and Lib/tokenize.py `detect_encoding`).
 * Newlines are normalised to `\n` as Python's universal newlines do. Pure.
 *
 * A file Python would refuse (bytes that do not decode, an unknown codec, a null byte) still yields
 * text (undecodable bytes become U+FFFD) so the rest of the file can be read, plus a problem.
 */
import { isUtf8 } from 'node:buffer';
import type { ParseProblem } from '../model.js';

export interface DecodedSource {
  text: string;
  /** The encoding used, as Python normalises it (`utf-8`, `iso-8859-1`, or the cookie's name). */
  encoding: string;
  problems: ParseProblem[];
  /**
   * Where the first byte that is not UTF-8 is, when the file is read as UTF-8 and has one. Not in
   * `problems`: the message depends on whether the byte sits in a comment (see parse.ts).
   */
  invalidUtf8?: { line: number; column: number };
}

const LATIN1 = new Set(['latin-1', 'iso-8859-1', 'iso-latin-1', 'latin1', 'latin', 'l1', 'iso8859-1', '8859', 'cp819', 'iso-ir-100']);
const ASCII = new Set(['ascii', 'us-ascii', '646', 'us']);

/** Lib/tokenize.py `_get_normal_name` (the same as the C tokenizer's `get_normal_name`). */
function normalName(orig: string): string {
  const enc = orig.slice(0, 12).toLowerCase().replace(/_/g, '-');
  if (enc === 'utf-8' || enc.startsWith('utf-8-')) return 'utf-8';
  if (['latin-1', 'iso-8859-1', 'iso-latin-1'].includes(enc) || ['latin-1-', 'iso-8859-1-', 'iso-latin-1-'].some((p) => enc.startsWith(p))) {
    return 'iso-8859-1';
  }
  return orig;
}

function isSpaceByte(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0c;
}

/**
 * PEP 263: `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)` on one line of bytes (ASCII-compatible).
 * Returns the codec name or null.
 */
function cookieOf(line: Uint8Array): string | null {
  let i = 0;
  while (i < line.length && isSpaceByte(line[i]!)) i++;
  if (line[i] !== 0x23 /* # */) return null;
  const text = Buffer.from(line.buffer, line.byteOffset, line.length).toString('latin1');
  let from = i + 1;
  for (;;) {
    const at = text.indexOf('coding', from);
    if (at === -1) return null;
    let j = at + 6;
    if (text[j] === ':' || text[j] === '=') {
      j++;
      while (text[j] === ' ' || text[j] === '\t') j++;
      let k = j;
      while (k < text.length && /[-\w.]/.test(text[k]!)) k++;
      if (k > j) return text.slice(j, k);
    }
    from = at + 1;
  }
}

/** `^[ \t\f]*(?:[#\r\n]|$)`: a blank or comment-only line, after which line 2 may hold the cookie. */
function blankOrComment(line: Uint8Array): boolean {
  let i = 0;
  while (i < line.length && isSpaceByte(line[i]!)) i++;
  return i === line.length || line[i] === 0x23 || line[i] === 0x0d || line[i] === 0x0a;
}

function lineAt(buf: Uint8Array, start: number): { line: Uint8Array; next: number } {
  const nl = buf.indexOf(0x0a, start);
  const end = nl === -1 ? buf.length : nl;
  return { line: buf.subarray(start, end), next: nl === -1 ? buf.length : nl + 1 };
}

/** Offset of the first byte that does not start a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** 1-based line and column (in characters) of a byte offset. */
function bytePosition(buf: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  let i = buf.indexOf(0x0a);
  while (i !== -1 && i < offset) {
    line++;
    lineStart = i + 1;
    i = buf.indexOf(0x0a, i + 1);
  }
  const before = Buffer.from(buf.buffer, buf.byteOffset + lineStart, offset - lineStart).toString('utf8');
  return { line, column: before.length + 1 };
}

function normaliseNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

export function decodeSource(input: Uint8Array): DecodedSource {
  const problems: ParseProblem[] = [];
  const bom = input.length >= 3 && input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf;
  const buf = bom ? input.subarray(3) : input;

  const first = lineAt(buf, 0);
  let cookie = cookieOf(first.line);
  let cookieLine = 1;
  if (cookie === null && blankOrComment(first.line) && first.next < buf.length) {
    cookie = cookieOf(lineAt(buf, first.next).line);
    cookieLine = 2;
  }
  let encoding = cookie === null ? 'utf-8' : normalName(cookie);
  if (bom && encoding !== 'utf-8') {
    problems.push({
      kind: 'encoding',
      message: `encoding problem: the file starts with a UTF-8 byte order mark but line ${cookieLine} declares "${cookie}"; Python refuses to import it. Remove the BOM or the coding line.`,
      line: cookieLine,
      column: 1,
    });
    encoding = 'utf-8';
  }

  const nul = buf.indexOf(0);
  if (nul !== -1) {
    const at = bytePosition(buf, nul);
    problems.push({
      kind: 'encoding',
      message: `the file contains a null byte at line ${at.line}; Python refuses to import source code with null bytes. Re-save it as plain text.`,
      ...at,
    });
  }

  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  let text: string;
  let invalidUtf8: { line: number; column: number } | undefined;
  const norm = encoding.toLowerCase().replace(/_/g, '-');
  if (encoding === 'utf-8') {
    text = bytes.toString('utf8');
    if (!isUtf8(bytes)) invalidUtf8 = bytePosition(buf, firstInvalidUtf8(buf));
  } else if (encoding === 'iso-8859-1' || LATIN1.has(norm)) {
    text = bytes.toString('latin1');
  } else if (ASCII.has(norm)) {
    text = bytes.toString('latin1');
    const bad = bytes.findIndex((b) => b >= 0x80);
    if (bad !== -1) {
      const at = bytePosition(buf, bad);
      problems.push({
        kind: 'encoding',
        message: `not valid ASCII at line ${at.line} (the file declares "${cookie}"): Python refuses to import the file. Fix the coding line or the bytes.`,
        ...at,
      });
      text = bytes.toString('utf8');
    }
  } else {
    let decoder: TextDecoder | undefined;
    try {
      decoder = new TextDecoder(norm, { fatal: true });
    } catch {
      problems.push({
        kind: 'encoding',
        message: `unknown encoding "${cookie}" in the coding line (line ${cookieLine}): Python refuses to import the file. Use a codec Python knows, such as utf-8.`,
        line: cookieLine,
        column: 1,
      });
    }
    if (decoder === undefined) {
      text = bytes.toString('utf8');
    } else {
      try {
        text = decoder.decode(bytes);
      } catch {
        problems.push({
          kind: 'encoding',
          message: `the bytes are not valid "${cookie}" as the coding line declares: Python refuses to import the file.`,
          line: cookieLine,
          column: 1,
        });
        text = new TextDecoder(norm).decode(bytes);
      }
    }
  }
  text = normaliseNewlines(text);
  // tree-sitter stops at a NUL; Python rejects the file anyway (reported above).
  if (nul !== -1) text = text.replace(/\0/g, ' ');
  return invalidUtf8 === undefined ? { text, encoding, problems } : { text, encoding, problems, invalidUtf8 };
}
