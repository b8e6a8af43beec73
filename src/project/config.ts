/**
 * Alembic's `Config` lookups over an ini file and/or [tool.alembic] (alembic/config.py, 1.16+):
 * the ini's main section wins, [tool.alembic] is the fallback; `%(here)s` in the ini is the ini's
 * folder, in the TOML the pyproject's folder; booleans are `== "true"` in the ini and real TOML
 * booleans; path lists are split with `path_separator` (or the deprecated
 * `version_path_separator`, or the legacy space/comma splitting).
 */
import { delimiter } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Warning } from '../model.js';
import { pyStrip, type IniConfig } from './ini.js';
import { findTomlKeyLine, percentFormat, type Pyproject } from './toml.js';

/** A value with where it came from, so that paths can be resolved and messages can point at it. */
export interface Sourced<T> {
  value: T;
  /** Display name of the file it came from. */
  file: string;
  /** Absolute path of that file. */
  absPath: string;
  line?: number;
  /** `key` as written for messages: `script_location` or `[tool.alembic] script_location`. */
  key: string;
  from: 'ini' | 'toml';
}

const SEPARATORS: Record<string, string> = {
  space: ' ',
  newline: '\n',
  os: delimiter,
  ':': ':',
  ';': ';',
};

export interface AlembicConfigInput {
  ini?: { config: IniConfig; absPath: string };
  toml?: Pyproject;
  /** The ini section (`-n/--name`); TOML is always [tool.alembic]. */
  section: string;
  /** TOML `here`: the pyproject.toml folder, posix form. */
  tomlHere?: string;
}

export class AlembicConfig {
  readonly section: string;
  readonly ini?: { config: IniConfig; absPath: string };
  readonly toml?: Pyproject;
  private readonly tomlArgs: Record<string, string>;
  readonly warnings: Warning[] = [];

  constructor(input: AlembicConfigInput) {
    this.section = input.section;
    if (input.ini) this.ini = input.ini;
    if (input.toml) this.toml = input.toml;
    this.tomlArgs = input.tomlHere === undefined ? {} : { here: input.tomlHere };
  }

  /** The ini has the main section (configparser `has_section`). */
  hasMainSection(): boolean {
    return this.ini?.config.hasSection(this.section) ?? false;
  }

  /** `get_main_option`: the ini's main section only; undefined when the section or option is missing. */
  getMainOption(name: string): Sourced<string> | undefined {
    const ini = this.ini;
    if (!ini || !ini.config.hasSection(this.section)) return undefined;
    const raw = ini.config.getRaw(this.section, name);
    if (!raw) return undefined;
    const value = ini.config.get(this.section, name)!;
    return { value, file: ini.config.file, absPath: ini.absPath, ...(raw.line === undefined ? {} : { line: raw.line }), key: name, from: 'ini' };
  }

  private tomlValue(name: string): Sourced<unknown> | undefined {
    const toml = this.toml;
    if (!toml?.alembic || !(name in toml.alembic)) return undefined;
    const line = findTomlKeyLine(toml.text, ['tool', 'alembic', name]);
    const key = `[tool.alembic] ${name}`;
    const where = { file: toml.file, ...(line === undefined ? {} : { line }), key };
    const fmt = (s: string): string => percentFormat(s, this.tomlArgs, where);
    const raw = toml.alembic[name];
    let value: unknown = raw;
    if (typeof raw === 'string') value = fmt(raw);
    else if (Array.isArray(raw)) value = raw.map((v) => (typeof v === 'string' ? fmt(v) : v));
    return { value, file: toml.file, absPath: toml.absPath, ...(line === undefined ? {} : { line }), key, from: 'toml' };
  }

  private tomlError(s: Sourced<unknown>, expected: string): never {
    const at = s.line === undefined ? s.file : `${s.file}:${s.line}`;
    throw new ConfigError(`${at}: ${s.key} must be ${expected}`, {
      hint: `Fix ${s.key} in ${s.file}.`,
    });
  }

  /** `get_alembic_option` for a string option: ini main section first, then [tool.alembic]. */
  getString(name: string): Sourced<string> | undefined {
    const main = this.getMainOption(name);
    if (main) return main;
    const t = this.tomlValue(name);
    if (!t) return undefined;
    if (typeof t.value !== 'string') this.tomlError(t, 'a string');
    return t as Sourced<string>;
  }

  /**
   * `get_alembic_boolean_option`: in the ini, exactly the string "true" (so "True" or "yes" is
   * false, which we warn about); in TOML a real boolean, anything else is an error.
   */
  getBoolean(name: string): boolean {
    const main = this.getMainOption(name);
    if (main) {
      const on = main.value === 'true';
      if (!on && ['true', 'yes', 'on', '1'].includes(main.value.trim().toLowerCase())) {
        this.warnings.push({
          message: `${name} = ${main.value} is read as false: Alembic only accepts the exact lower-case string "true". Write ${name} = true.`,
          file: main.absPath,
          ...(main.line === undefined ? {} : { line: main.line }),
        });
      }
      return on;
    }
    const t = this.tomlValue(name);
    if (!t) return false;
    if (typeof t.value !== 'boolean') this.tomlError(t, 'true or false (Alembic expects a TOML boolean)');
    return t.value as boolean;
  }

  /** `_get_file_separator_char`: the first of `names` set in the ini's main section. */
  private separator(names: string[]): { sep: string; name: string; src: Sourced<string> } | undefined {
    for (const name of names) {
      const src = this.getMainOption(name);
      if (src === undefined) continue;
      const sep = Object.prototype.hasOwnProperty.call(SEPARATORS, src.value) ? SEPARATORS[src.value] : undefined;
      if (sep === undefined) {
        throw new ConfigError(`${src.file}${src.line ? `:${src.line}` : ''}: '${src.value}' is not a valid value for ${name}`, {
          reason: "Alembic accepts 'space', 'newline', 'os', ':' or ';'.",
          hint: `Write ${name} = os (the platform's path separator, '${delimiter}' here).`,
        });
      }
      if (name === 'version_path_separator') {
        this.warnings.push({
          message:
            'version_path_separator is deprecated since Alembic 1.16; use path_separator (it also applies to prepend_sys_path).',
          file: src.absPath,
          ...(src.line === undefined ? {} : { line: src.line }),
        });
      }
      return { sep, name, src };
    }
    return undefined;
  }

  private splitPaths(
    option: 'version_locations' | 'prepend_sys_path',
    separatorNames: string[],
    legacy: RegExp,
    legacyWhat: string,
  ): Sourced<string[]> | undefined {
    const ini = this.ini;
    const inIni = ini && ini.config.hasSection(this.section) ? this.getMainOption(option) : undefined;
    if (inIni && inIni.value) {
      const sep = this.separator(separatorNames);
      let parts: string[];
      if (sep === undefined) {
        this.warnings.push({
          message: `No path_separator in the config: Alembic falls back to the deprecated splitting of ${option} on ${legacyWhat}. Add path_separator = os.`,
          file: inIni.absPath,
          ...(inIni.line === undefined ? {} : { line: inIni.line }),
        });
        parts = inIni.value.split(legacy);
      } else {
        // `[x.strip() for x in value.split(sep) if x]`: the emptiness test is before the strip.
        parts = inIni.value
          .split(sep.sep)
          .filter((x) => x)
          .map((x) => pyStrip(x));
      }
      return { ...inIni, value: parts };
    }
    const t = this.tomlValue(option);
    if (!t || t.value === null) return undefined;
    if (!Array.isArray(t.value) || t.value.some((v) => typeof v !== 'string')) {
      this.tomlError(t, 'an array of strings');
    }
    return t as Sourced<string[]>;
  }

  /** `get_version_locations_list`. */
  getVersionLocations(): Sourced<string[]> | undefined {
    return this.splitPaths(
      'version_locations',
      ['path_separator', 'version_path_separator'],
      /, *| +/,
      'spaces and commas',
    );
  }

  /** `get_prepend_sys_paths_list` (only path_separator counts here, not version_path_separator). */
  getPrependSysPath(): Sourced<string[]> | undefined {
    return this.splitPaths('prepend_sys_path', ['path_separator'], /, *| +|:/, 'spaces, commas and colons');
  }
}
