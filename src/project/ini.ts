/**
 * alembic.ini, read the way Alembic reads it: Python's `configparser.ConfigParser` with its
 * defaults (BasicInterpolation, delimiters `=`/`:`, full-line `#`/`;` comments only, strict
 * duplicate checks, empty lines kept inside multi-line values, keys lower-cased) and the defaults
 * dict Alembic passes (`here` = the ini file's folder, see alembic/config.py `file_config`).
 *
 * The parser follows CPython 3.11 `RawConfigParser._read` line by line; interpolation is lazy, as
 * in configparser: a bad `%` only fails when that option is read.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** The characters Python's `str.strip()`/`str.isspace()` and `re`'s `\s` treat as whitespace. */
const PY_WS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING_WS = new RegExp(`^[${PY_WS}]+`);
const TRAILING_WS = new RegExp(`[${PY_WS}]+$`);
const NON_SPACE = new RegExp(`[^${PY_WS}]`);
/** `SECTCRE`: `\[(?P<header>.+)\]`, matched at the start only (text after the last `]` is dropped). */
const SECTION_RE = /^\[(.+)\]/s;
/** `OPTCRE` with delimiters `=` and `:`: the first delimiter wins. */
const OPTION_RE = new RegExp(`^(.*?)[${PY_WS}]*(=|:)[${PY_WS}]*(.*)$`, 's');
/** BasicInterpolation `_KEYCRE`. */
const KEY_RE = /^%\(([^)]+)\)s/;
/** configparser's MAX_INTERPOLATION_DEPTH. */
const MAX_INTERPOLATION_DEPTH = 10;

export const DEFAULT_SECTION = 'DEFAULT';

/** Python `str.strip()`. */
export function pyStrip(s: string): string {
  return pyRstrip(s.replace(LEADING_WS, ''));
}
/** Python `str.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(TRAILING_WS, '');
}
/** configparser's default `optionxform`: `str.lower()`. */
export function optionxform(key: string): string {
  return key.toLowerCase();
}

export type IniErrorKind =
  | 'MissingSectionHeaderError'
  | 'DuplicateSectionError'
  | 'DuplicateOptionError'
  | 'ParsingError'
  | 'InterpolationSyntaxError'
  | 'InterpolationMissingOptionError'
  | 'InterpolationDepthError'
  | 'DecodeError';

/** A ConfigError that also says which configparser exception Python would raise, and where. */
export class IniError extends ConfigError {
  readonly pyError: IniErrorKind;
  readonly file: string;
  readonly line?: number;
  constructor(
    pyError: IniErrorKind,
    file: string,
    line: number | undefined,
    message: string,
    options: { reason?: string; hint?: string } = {},
  ) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}: ${message}`, options);
    this.pyError = pyError;
    this.file = file;
    this.line = line;
  }
}

export interface IniOption {
  /** The key after optionxform (lower-cased). */
  key: string;
  /** The value as configparser stores it: continuation lines joined with `\n`, right-stripped. */
  raw: string;
  /** 1-based line of `key = value`; absent for defaults passed in by the caller (`here`). */
  line?: number;
  /** The section it was read from (`DEFAULT` for the defaults). */
  section: string;
}

interface SectionData {
  name: string;
  line?: number;
  options: Map<string, IniOption>;
}

export interface ParseIniOptions {
  /** Shown in messages (a path relative to the working directory, or absolute). */
  file: string;
  /** The `defaults` dict given to ConfigParser's constructor; Alembic passes `{here: ...}`. */
  defaults?: Record<string, string>;
}

/** A parsed ini file with configparser's lookup and interpolation rules. */
export class IniConfig {
  readonly file: string;
  private readonly defaults: SectionData;
  private readonly sections: Map<string, SectionData>;

  constructor(file: string, defaults: SectionData, sections: Map<string, SectionData>) {
    this.file = file;
    this.defaults = defaults;
    this.sections = sections;
  }

  /** Section names in file order, without DEFAULT (configparser `sections()`). */
  sectionNames(): string[] {
    return [...this.sections.keys()];
  }

  /** configparser `has_section`: DEFAULT is not a section. Section names are case-sensitive. */
  hasSection(name: string): boolean {
    return this.sections.has(name);
  }

  sectionLine(name: string): number | undefined {
    return name === DEFAULT_SECTION ? this.defaults.line : this.sections.get(name)?.line;
  }

  /** configparser `has_option`: the section's own options and the defaults. */
  hasOption(section: string, key: string): boolean {
    return this.getRaw(section, key) !== undefined;
  }

  /** Option keys visible in a section (its own, then defaults), as configparser `options()`. */
  options(section: string): string[] {
    const own = section === DEFAULT_SECTION ? undefined : this.sections.get(section);
    if (section !== DEFAULT_SECTION && !own) return [];
    const keys = new Set<string>(own ? own.options.keys() : []);
    for (const k of this.defaults.options.keys()) keys.add(k);
    return [...keys];
  }

  /** The stored (uninterpolated) option, looked up in the section then in DEFAULT. */
  getRaw(section: string, key: string): IniOption | undefined {
    const k = optionxform(key);
    if (section === DEFAULT_SECTION) return this.defaults.options.get(k);
    const sect = this.sections.get(section);
    if (!sect) return undefined;
    return sect.options.get(k) ?? this.defaults.options.get(k);
  }

  /**
   * configparser `get(section, key)` with BasicInterpolation. Returns undefined when the section
   * or the option is missing (where Python raises NoSectionError / NoOptionError); throws an
   * IniError for bad interpolation, naming the option's line.
   */
  get(section: string, key: string): string | undefined {
    const opt = this.getRaw(section, key);
    if (!opt) return undefined;
    const out: string[] = [];
    this.interpolate(section, opt, out, opt.raw, 1);
    return out.join('');
  }

  private lookup(section: string, key: string): string | undefined {
    return this.getRaw(section, key)?.raw;
  }

  /** BasicInterpolation `_interpolate_some`. */
  private interpolate(section: string, opt: IniOption, accum: string[], rest: string, depth: number): void {
    const where = `option '${opt.key}' in section [${section}]`;
    if (depth > MAX_INTERPOLATION_DEPTH) {
      throw new IniError(
        'InterpolationDepthError',
        this.file,
        opt.line,
        `${where}: interpolation goes deeper than ${MAX_INTERPOLATION_DEPTH} levels`,
        {
          reason: `configparser gives up after ${MAX_INTERPOLATION_DEPTH} nested %(name)s substitutions; the raw value is ${pyRepr(opt.raw)} (a reference loop?)`,
          hint: 'Break the loop of %(name)s references, or write %% for a literal percent sign.',
        },
      );
    }
    while (rest) {
      const p = rest.indexOf('%');
      if (p < 0) {
        accum.push(rest);
        return;
      }
      if (p > 0) {
        accum.push(rest.slice(0, p));
        rest = rest.slice(p);
      }
      const c = rest.slice(1, 2);
      if (c === '%') {
        accum.push('%');
        rest = rest.slice(2);
      } else if (c === '(') {
        const m = KEY_RE.exec(rest);
        if (!m) {
          throw new IniError(
            'InterpolationSyntaxError',
            this.file,
            opt.line,
            `${where}: bad interpolation variable reference ${pyRepr(rest)}`,
            {
              reason: 'configparser expects %(name)s: a name in parentheses followed by the letter s.',
              hint: 'Write %(name)s to insert another option, or %% for a literal percent sign.',
            },
          );
        }
        const name = optionxform(m[1]!);
        rest = rest.slice(m[0].length);
        const v = this.lookup(section, name);
        if (v === undefined) {
          throw new IniError(
            'InterpolationMissingOptionError',
            this.file,
            opt.line,
            `${where} refers to %(${name})s, which is not an option of [${section}] or [DEFAULT]`,
            {
              reason: `configparser substitutes %(name)s from the same section, [DEFAULT] and Alembic's 'here'; the raw value is ${pyRepr(opt.raw)}.`,
              hint: `Define ${name} in [${section}] or [DEFAULT], or write %% for a literal percent sign.`,
            },
          );
        }
        if (v.includes('%')) this.interpolate(section, opt, accum, v, depth + 1);
        else accum.push(v);
      } else {
        throw new IniError(
          'InterpolationSyntaxError',
          this.file,
          opt.line,
          `${where}: '%' must be followed by '%' or '(', found: ${pyRepr(rest)}`,
          {
            reason: 'configparser (BasicInterpolation, as Alembic uses it) treats % as the start of a substitution.',
            hint: 'Write %% for a literal percent sign (for example in a URL-encoded password).',
          },
        );
      }
    }
  }
}

/** Python `repr()` of a str, close enough for messages. */
function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return q + out + q;
}

/**
 * Parse ini text as `ConfigParser(defaults).read_string(text)` would (after Python's universal
 * newline translation, which reading the file in text mode does). Throws IniError.
 */
export function parseIni(text: string, options: ParseIniOptions): IniConfig {
  const { file } = options;
  const defaults: SectionData = { name: DEFAULT_SECTION, options: new Map() };
  for (const [k, v] of Object.entries(options.defaults ?? {})) {
    const key = optionxform(k);
    defaults.options.set(key, { key, raw: v, section: DEFAULT_SECTION });
  }
  const sections = new Map<string, SectionData>();

  // Values are collected as line lists and joined at the end (`_join_multiline_values`).
  const pending = new Map<IniOption, string[]>();
  const elementsAdded = new Set<string>();
  let cursect: SectionData | null = null;
  let sectname: string | null = null;
  let optname: string | null = null;
  let curopt: IniOption | null = null;
  let indentLevel = 0;
  const badLines: { line: number; text: string }[] = [];

  const normalized = text.replace(/\r\n?/g, '\n');
  const lines = normalized.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  for (let i = 0; i < lines.length; i++) {
    const lineno = i + 1;
    const line = lines[i]!;
    // Full-line comments only: configparser's default inline_comment_prefixes is None.
    const stripped = pyStrip(line);
    const isComment = stripped.startsWith('#') || stripped.startsWith(';');
    const value = isComment ? '' : stripped;
    if (!value) {
      // empty_lines_in_values=True: an empty (not comment) line becomes part of the value.
      if (!isComment && cursect !== null && optname && curopt) pending.get(curopt)!.push('');
      continue;
    }
    const firstNonSpace = NON_SPACE.exec(line);
    const curIndent = firstNonSpace ? firstNonSpace.index : 0;
    if (cursect !== null && optname && curopt && curIndent > indentLevel) {
      pending.get(curopt)!.push(value);
      continue;
    }
    indentLevel = curIndent;
    const sm = SECTION_RE.exec(value);
    if (sm) {
      sectname = sm[1]!;
      if (sections.has(sectname)) {
        if (elementsAdded.has(`s\0${sectname}`)) {
          throw new IniError('DuplicateSectionError', file, lineno, `section [${sectname}] appears twice`, {
            reason: `configparser (strict mode, as Alembic uses it) refuses a section that is already defined (first at line ${sections.get(sectname)!.line}).`,
            hint: 'Merge the two sections into one.',
          });
        }
        cursect = sections.get(sectname)!;
      } else if (sectname === DEFAULT_SECTION) {
        cursect = defaults;
        if (defaults.line === undefined) defaults.line = lineno;
      } else {
        cursect = { name: sectname, line: lineno, options: new Map() };
        sections.set(sectname, cursect);
        elementsAdded.add(`s\0${sectname}`);
      }
      optname = null;
      curopt = null;
      continue;
    }
    if (cursect === null) {
      throw new IniError('MissingSectionHeaderError', file, lineno, 'the file does not start with a [section] header', {
        reason:
          line.startsWith('\ufeff')
            ? 'The file starts with a UTF-8 byte order mark (BOM); configparser reads it as part of the first line, so the first section header is not recognised.'
            : `configparser needs a [section] header before the first option; line ${lineno} is ${pyRepr(line)}.`,
        hint: line.startsWith('\ufeff')
          ? 'Save the file as UTF-8 without BOM.'
          : 'Put the options under a section header such as [alembic].',
      });
    }
    const om = OPTION_RE.exec(value);
    if (!om) {
      badLines.push({ line: lineno, text: line });
      continue;
    }
    const rawName = om[1]!;
    if (!rawName) badLines.push({ line: lineno, text: line });
    optname = optionxform(pyRstrip(rawName));
    const dupKey = `o\0${sectname}\0${optname}`;
    if (elementsAdded.has(dupKey)) {
      const first = cursect.options.get(optname)?.line;
      throw new IniError(
        'DuplicateOptionError',
        file,
        lineno,
        `option '${optname}' appears twice in section [${sectname}]`,
        {
          reason: `configparser (strict mode, as Alembic uses it) refuses an option that is already set in the same section${first ? ` (first at line ${first})` : ''}; keys are case-insensitive.`,
          hint: 'Remove one of the two lines.',
        },
      );
    }
    elementsAdded.add(dupKey);
    curopt = { key: optname, raw: '', line: lineno, section: sectname! };
    cursect.options.set(optname, curopt);
    pending.set(curopt, [pyStrip(om[3]!)]);
  }

  for (const [opt, parts] of pending) opt.raw = pyRstrip(parts.join('\n'));

  if (badLines.length > 0) {
    const first = badLines[0]!;
    throw new IniError(
      'ParsingError',
      file,
      first.line,
      `cannot parse ${badLines.length === 1 ? 'this line' : `${badLines.length} lines (first shown)`}: ${pyRepr(first.text)}`,
      {
        reason: `configparser expects 'key = value' or 'key: value' lines (a non-empty key, then = or :), indented continuation lines, [section] headers, or full-line # / ; comments. Bad lines: ${badLines.map((b) => b.line).join(', ')}.`,
        hint: 'Fix or comment out those lines; indent a line to continue the previous value.',
      },
    );
  }
  return new IniConfig(file, defaults, sections);
}

/**
 * Read an ini file from disk (UTF-8, as Alembic's `encoding="locale"` is on UTF-8 systems).
 * `displayName` is used in messages.
 */
export function readIniFile(absPath: string, displayName: string, defaults?: Record<string, string>): IniConfig {
  const bytes = readFileSync(absPath);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (e) {
    throw new IniError('DecodeError', displayName, undefined, 'the file is not valid UTF-8', {
      reason: 'Alembic reads alembic.ini with the locale encoding, which is UTF-8 on most systems.',
      hint: 'Save the file as UTF-8.',
    });
  }
  return parseIni(text, { file: displayName, ...(defaults ? { defaults } : {}) });
}
