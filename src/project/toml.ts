/**
 * pyproject.toml: parsing (smol-toml), Alembic's `%`-substitution of [tool.alembic] string values
 * (`value % toml_args`, see alembic/config.py `_get_toml_config_value`), and a best-effort line
 * finder so that messages can point at `key = value`.
 */
import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { ConfigError } from '../errors.js';

export type TomlTable = Record<string, unknown>;

export interface Pyproject {
  /** Absolute path. */
  absPath: string;
  /** Name used in messages. */
  file: string;
  text: string;
  data: TomlTable;
  /** `[tool.alembic]`, when present. */
  alembic?: TomlTable;
  /** `[tool.alembic-guard]`, when present. */
  guard?: TomlTable;
}

export function isTable(v: unknown): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export function parsePyproject(text: string, absPath: string, file: string): Pyproject {
  let data: TomlTable;
  try {
    data = parse(text, { integersAsBigInt: 'asNeeded' }) as TomlTable;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split('\n')[0] ?? e.message;
      throw new ConfigError(`${file}:${e.line}:${e.column}: ${file} is not valid TOML`, {
        reason: first.replace(/^Invalid TOML document: /, ''),
        hint: 'Fix the TOML syntax; Alembic (tomllib) cannot read this file either.',
      });
    }
    throw e;
  }
  const result: Pyproject = { absPath, file, text, data };
  const tool = data['tool'];
  if (tool !== undefined && !isTable(tool)) {
    throw new ConfigError(`${file}:${findTomlKeyLine(text, ['tool']) ?? 1}: 'tool' must be a table`, {
      reason: 'pyproject.toml keeps tool settings under [tool.<name>] tables.',
      hint: 'Use [tool.alembic] / [tool.alembic-guard] table headers.',
    });
  }
  if (tool) {
    const alembic = tool['alembic'];
    if (alembic !== undefined) {
      if (!isTable(alembic)) {
        throw new ConfigError(`${file}:${findTomlKeyLine(text, ['tool', 'alembic']) ?? 1}: tool.alembic must be a table`, {
          reason: 'Alembic raises "Incorrect TOML format" when [tool.alembic] is not a table.',
          hint: 'Write the settings under a [tool.alembic] header.',
        });
      }
      result.alembic = alembic;
    }
    const guard = tool['alembic-guard'];
    if (guard !== undefined) {
      if (!isTable(guard)) {
        throw new ConfigError(
          `${file}:${findTomlKeyLine(text, ['tool', 'alembic-guard']) ?? 1}: tool.alembic-guard must be a table`,
          { hint: 'Write the settings under a [tool.alembic-guard] header.' },
        );
      }
      result.guard = guard;
    }
  }
  return result;
}

export function readPyproject(absPath: string, file: string): Pyproject {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(absPath));
  } catch (e) {
    if (e instanceof TypeError) {
      throw new ConfigError(`${file}: the file is not valid UTF-8`, { hint: 'TOML files must be UTF-8.' });
    }
    throw new ConfigError(`${file}: cannot read the file`, { reason: String((e as Error).message ?? e) });
  }
  return parsePyproject(text, absPath, file);
}

/**
 * Python's `value % args` for a mapping `args`, as Alembic applies it to every [tool.alembic]
 * string (`%(here)s` → the pyproject.toml folder, `%%` → `%`). Supports `%%` and `%(key)s` with
 * optional flags/width/precision; anything else is a ConfigError (Python would raise or print
 * something useless).
 */
export function percentFormat(
  value: string,
  args: Record<string, string>,
  where: { file: string; line?: number; key: string },
): string {
  const at = where.line === undefined ? where.file : `${where.file}:${where.line}`;
  const fail = (what: string, hint: string): never => {
    throw new ConfigError(`${at}: bad % substitution in ${where.key}: ${what}`, {
      reason: 'Alembic applies Python %-formatting to [tool.alembic] strings (value % {"here": ...}).',
      hint,
    });
  };
  let out = '';
  let i = 0;
  while (i < value.length) {
    const p = value.indexOf('%', i);
    if (p < 0) {
      out += value.slice(i);
      break;
    }
    out += value.slice(i, p);
    i = p + 1;
    let key: string | undefined;
    if (value[i] === '(') {
      // Python counts nested parentheses in the mapping key.
      let depth = 1;
      let j = i + 1;
      while (j < value.length && depth > 0) {
        if (value[j] === '(') depth++;
        else if (value[j] === ')') depth--;
        j++;
      }
      if (depth > 0) fail('incomplete format key', 'Close the parenthesis: %(here)s.');
      key = value.slice(i + 1, j - 1);
      i = j;
    }
    const spec = /^([#0\- +]*)(\d+)?(?:\.(\d+))?[hlL]?(.)?/.exec(value.slice(i))!;
    const [whole, flags = '', width, precision, conv] = spec;
    i += whole.length;
    if (conv === undefined) fail('incomplete format (a lone % at the end)', 'Write %% for a literal percent sign.');
    if (conv === '%') {
      out += '%';
      continue;
    }
    if (key === undefined) {
      fail(`'%${whole}' is not %(name)s`, 'Write %% for a literal percent sign, or %(here)s for the file folder.');
    }
    if (conv !== 's') {
      fail(`'%(${key})${whole}' is not supported`, 'Use %(here)s; write %% for a literal percent sign.');
    }
    if (!(key! in args)) {
      fail(
        `unknown key %(${key})s`,
        `Only ${Object.keys(args)
          .map((k) => `%(${k})s`)
          .join(', ')} can be substituted; write %% for a literal percent sign.`,
      );
    }
    let s = args[key!]!;
    if (precision !== undefined) s = s.slice(0, Number(precision));
    if (width !== undefined && s.length < Number(width)) {
      s = flags.includes('-') ? s.padEnd(Number(width)) : s.padStart(Number(width));
    }
    out += s;
  }
  return out;
}

// -----------------------------------------------------------------------------------------------
// Line finder: a line scanner for table headers and `key = value` lines (dotted and quoted keys),
// used only to point messages at a line. It is not a TOML parser; smol-toml parses.

function parseKeyPath(s: string): { path: string[]; rest: string } | null {
  const path: string[] = [];
  let i = 0;
  const skipWs = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  for (;;) {
    skipWs();
    const c = s[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      let part = '';
      while (j < s.length && s[j] !== c) {
        if (c === '"' && s[j] === '\\' && j + 1 < s.length) {
          part += s[j + 1];
          j += 2;
          continue;
        }
        part += s[j];
        j++;
      }
      if (j >= s.length) return null;
      path.push(part);
      i = j + 1;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(s.slice(i));
      if (!m) return null;
      path.push(m[0]);
      i += m[0].length;
    }
    skipWs();
    if (s[i] === '.') {
      i++;
      continue;
    }
    return { path, rest: s.slice(i) };
  }
}

/**
 * 1-based line where `path` (e.g. ['tool', 'alembic-guard', 'rules', 'my-rule']) is defined,
 * as a table header or a key line; undefined when not found.
 */
export function findTomlKeyLine(text: string, path: string[]): number | undefined {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let table: string[] = [];
  let inMultiline: string | null = null;
  const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, k) => x === b[k]);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (inMultiline) {
      if (line.includes(inMultiline)) inMultiline = null;
      continue;
    }
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (t.startsWith('[')) {
      const arr = t.startsWith('[[');
      const parsed = parseKeyPath(t.slice(arr ? 2 : 1));
      if (parsed && parsed.rest.trimStart().startsWith(arr ? ']]' : ']')) {
        table = parsed.path;
        if (same(table, path)) return n + 1;
      }
      continue;
    }
    const parsed = parseKeyPath(t);
    if (!parsed || !parsed.rest.startsWith('=')) continue;
    const full = [...table, ...parsed.path];
    const after = parsed.rest.slice(1).trim();
    for (const q of ['"""', "'''"]) {
      if (after.startsWith(q) && !after.slice(3).includes(q)) inMultiline = q;
    }
    if (same(full, path)) return n + 1;
    // A key inside an inline table on this line: `rules = { my-rule = "off" }`.
    if (full.length < path.length && same(full, path.slice(0, full.length)) && after.startsWith('{')) {
      return n + 1;
    }
    // A parent table defined as a prefix of the wanted path (e.g. `[tool]` + `alembic.x = 1`).
    if (path.length < full.length && same(path, full.slice(0, path.length))) return n + 1;
  }
  return undefined;
}
