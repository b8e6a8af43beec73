/**
 * Set a few keys of one table of a TOML file and leave every other byte as it was: the user's
 * comments, order, spacing and quoting stay. Only lines are touched: an existing `key = ...` line
 * of the table is replaced, a new key goes after the table's last entry, a missing table is
 * appended at the end. The result is parsed again (smol-toml) and must hold exactly the old
 * document plus the new values; anything else (a table written as dotted keys or inline, a line
 * that only looked like a header inside a multi-line string) is refused, never written. Pure.
 */
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'smol-toml';

export interface TomlEntry {
  key: string;
  /** The value as TOML source: `"0042"`, `16`. */
  value: string;
  /** What the value is (for the check after the edit). */
  parsed: unknown;
  /** A comment after the value on the same line, without the `#`. */
  comment?: string;
}

export type EditResult = { text: string } | { refused: string };

/** `tool.alembic-guard` → the header's dotted path matched loosely on spacing and quoting. */
function headerPath(line: string): string[] | null {
  const t = line.trim();
  if (!t.startsWith('[') || t.startsWith('[[')) return null;
  const end = t.indexOf(']');
  if (end < 0) return null;
  const rest = t.slice(end + 1).trim();
  if (rest !== '' && !rest.startsWith('#')) return null;
  return t
    .slice(1, end)
    .split('.')
    .map((p) => p.trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1'));
}

function isHeader(line: string): boolean {
  const t = line.trimStart();
  return t.startsWith('[') && (t.startsWith('[[') || headerPath(line) !== null);
}

function keyOf(line: string): string | null {
  const t = line.trimStart();
  if (t === '' || t.startsWith('#') || t.startsWith('[')) return null;
  const eq = t.indexOf('=');
  if (eq < 0) return null;
  return t.slice(0, eq).trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
}

function lineFor(e: TomlEntry, indent: string): string {
  return `${indent}${e.key} = ${e.value}${e.comment !== undefined ? `  # ${e.comment}` : ''}`;
}

/** A parsed document as plain data, to compare two parses (smol-toml's objects have no prototype; dates are objects). */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Date) return `date:${String(v)}`;
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = plain((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

function setPath(doc: Record<string, unknown>, path: string[], entries: TomlEntry[]): unknown {
  const copy = plain(doc) as Record<string, unknown>;
  let t: Record<string, unknown> = copy;
  for (const p of path) {
    if (typeof t[p] !== 'object' || t[p] === null) t[p] = {};
    t = t[p] as Record<string, unknown>;
  }
  for (const e of entries) t[e.key] = plain(e.parsed);
  return plain(copy);
}

export function setTomlKeys(text: string, table: string[], entries: TomlEntry[]): EditResult {
  let before: Record<string, unknown>;
  try {
    before = parse(text, { integersAsBigInt: 'asNeeded' }) as Record<string, unknown>;
  } catch (e) {
    return { refused: `it is not valid TOML (${(e as Error).message.split('\n')[0]})` };
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.length === 0 ? [] : text.split(/\r?\n/);
  const trailingNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();

  const header = lines.findIndex((l) => {
    const p = headerPath(l);
    return p !== null && isDeepStrictEqual(p, table);
  });
  if (header < 0) {
    const block = [`[${table.join('.')}]`, ...entries.map((e) => lineFor(e, ''))];
    // Before its first sub-table (`[tool.alembic-guard.rules]`) when there is one, else at the end.
    const sub = lines.findIndex((l) => {
      const p = headerPath(l);
      return p !== null && p.length > table.length && isDeepStrictEqual(p.slice(0, table.length), table);
    });
    if (sub >= 0) {
      lines.splice(sub, 0, ...block, '');
    } else {
      while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
      if (lines.length > 0) lines.push('');
      lines.push(...block);
    }
  } else {
    let end = header + 1;
    while (end < lines.length && !isHeader(lines[end]!)) end++;
    for (const e of entries) {
      const at = lines.slice(header + 1, end).findIndex((l) => keyOf(l) === e.key);
      if (at >= 0) {
        const old = lines[header + 1 + at]!;
        lines[header + 1 + at] = lineFor(e, old.slice(0, old.length - old.trimStart().length));
        continue;
      }
      // After the table's last entry line (comments and blank lines before the next table stay there).
      let last = header;
      for (let i = header + 1; i < end; i++) if (lines[i]!.trim() !== '' && !lines[i]!.trimStart().startsWith('#')) last = i;
      lines.splice(last + 1, 0, lineFor(e, ''));
      end++;
    }
  }
  const out = lines.join(eol) + (lines.length > 0 ? eol : '');
  let after: Record<string, unknown>;
  try {
    after = parse(out, { integersAsBigInt: 'asNeeded' }) as Record<string, unknown>;
  } catch (e) {
    return { refused: `the edited file would not be valid TOML (${(e as Error).message.split('\n')[0]}); [${table.join('.')}] is probably written in a form this editor does not change (dotted keys or an inline table)` };
  }
  if (!isDeepStrictEqual(plain(after), setPath(before, table, entries))) {
    return { refused: `the edit would change more than [${table.join('.')}] ${entries.map((e) => e.key).join(', ')} (the table is probably written as dotted keys or an inline table, or a line inside a multi-line string looks like a table header)` };
  }
  return { text: out };
}
