/**
 * `[tool.alembic-guard]` in pyproject.toml: read and validate alembic-guard's own settings.
 * Unknown keys, wrong types and bad severities are ConfigErrors naming the key, file and line.
 * Whether rule ids exist is checked later by the engine, which knows the registry.
 */
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { ConfiguredSeverity, GuardSettings, RevisionDataRow } from '../model.js';
import { findTomlKeyLine, isTable, type Pyproject, type TomlTable } from './toml.js';

export const SEVERITIES: readonly ConfiguredSeverity[] = ['error', 'warning', 'info', 'off'];

export const SETTINGS_KEYS = [
  'rules',
  'skip_revisions',
  'allowed_heads',
  'baseline',
  'version_locations',
  'recursive_version_locations',
  'postgres_version',
  'python',
  'url_env',
  'connection_attribute',
  'downgrade_floor',
  'step_timeout',
  'trace_rows',
  'revision_data',
  'model_packages',
  'model_exclude',
] as const;

export const DEFAULT_URL_ENV = ['DATABASE_URL'];

export function defaultSettings(): GuardSettings {
  return { rules: {}, skipRevisions: [], allowedHeads: [], versionLocations: [], urlEnv: [...DEFAULT_URL_ENV] };
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (isTable(v)) return 'a table';
  if (typeof v === 'bigint') return 'an integer';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a float';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

function levenshtein(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

function suggest(key: string): string | undefined {
  const norm = key.replace(/-/g, '_').toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of SETTINGS_KEYS) {
    const dist = k === norm ? 0 : levenshtein(norm, k);
    if (dist < bestD) {
      bestD = dist;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 4)) ? best : undefined;
}

/**
 * Validate a `[tool.alembic-guard]` table. `pyproject` gives the file (for messages and line
 * numbers) and the folder relative paths resolve against (version_locations, python).
 */
export function parseGuardSettings(table: TomlTable, pyproject: Pick<Pyproject, 'file' | 'text' | 'absPath'>): GuardSettings {
  const settings = defaultSettings();
  const base = resolve(pyproject.absPath, '..');
  const lineOf = (...path: string[]): number | undefined =>
    findTomlKeyLine(pyproject.text, ['tool', 'alembic-guard', ...path]);
  const at = (...path: string[]): string => {
    const line = lineOf(...path);
    return line === undefined ? pyproject.file : `${pyproject.file}:${line}`;
  };
  const bad = (key: string, expected: string, got: unknown, hint?: string): never => {
    throw new ConfigError(`${at(key)}: [tool.alembic-guard] ${key} must be ${expected}, not ${typeName(got)}`, {
      hint: hint ?? `Fix ${key} in ${pyproject.file}.`,
    });
  };
  const str = (key: string, v: unknown): string => {
    if (typeof v !== 'string') bad(key, 'a string', v);
    if ((v as string).trim() === '') {
      throw new ConfigError(`${at(key)}: [tool.alembic-guard] ${key} is an empty string`, {
        hint: `Give ${key} a value or remove the line.`,
      });
    }
    return v as string;
  };
  const strList = (key: string, v: unknown, allowString: boolean): string[] => {
    if (allowString && typeof v === 'string') return [str(key, v)];
    if (!Array.isArray(v)) bad(key, allowString ? 'a string or an array of strings' : 'an array of strings', v);
    const arr = v as unknown[];
    arr.forEach((item, i) => {
      if (typeof item !== 'string') {
        throw new ConfigError(
          `${at(key)}: [tool.alembic-guard] ${key}[${i}] must be a string, not ${typeName(item)}`,
          { hint: `Write ${key} as an array of strings, e.g. ${key} = ["a", "b"].` },
        );
      }
    });
    return arr as string[];
  };
  const bool = (key: string, v: unknown): boolean => {
    if (typeof v !== 'boolean') bad(key, 'true or false', v);
    return v as boolean;
  };

  for (const [key, v] of Object.entries(table)) {
    switch (key) {
      case 'rules': {
        if (!isTable(v)) bad(key, 'a table of rule id = "error" | "warning" | "info" | "off"', v);
        for (const [rule, sev] of Object.entries(v as TomlTable)) {
          if (typeof sev !== 'string' || !(SEVERITIES as readonly string[]).includes(sev)) {
            throw new ConfigError(
              `${at('rules', rule)}: [tool.alembic-guard] rules.${rule} must be one of "error", "warning", "info", "off", not ${
                typeof sev === 'string' ? JSON.stringify(sev) : typeName(sev)
              }`,
              { hint: `Write ${rule} = "warning" (or "error", "info", "off") under [tool.alembic-guard.rules].` },
            );
          }
          settings.rules[rule] = sev as ConfiguredSeverity;
        }
        break;
      }
      case 'skip_revisions':
        settings.skipRevisions = strList(key, v, false);
        break;
      case 'allowed_heads':
        if (typeof v === 'boolean') settings.allowedHeads = v;
        else if (Array.isArray(v)) settings.allowedHeads = strList(key, v, false);
        else bad(key, 'an array of revision ids / branch labels, or true (any heads that carry branch labels)', v);
        break;
      case 'baseline':
        settings.baseline = str(key, v);
        break;
      case 'version_locations':
        settings.versionLocations = strList(key, v, true).map((p) => resolve(base, p));
        break;
      case 'recursive_version_locations':
        settings.recursiveVersionLocations = bool(key, v);
        break;
      case 'postgres_version': {
        const n = typeof v === 'bigint' ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isInteger(n)) {
          bad(key, 'an integer major version such as 16', v);
        }
        if ((n as number) < 9 || (n as number) > 99) {
          throw new ConfigError(`${at(key)}: [tool.alembic-guard] postgres_version ${String(n)} is not a PostgreSQL major version`, {
            hint: 'Write the major version as an integer, e.g. postgres_version = 16.',
          });
        }
        settings.postgresVersion = n as number;
        break;
      }
      case 'python': {
        const p = str(key, v);
        // A path with a slash is relative to the pyproject.toml folder; a bare name is looked up on PATH.
        settings.python = p.includes('/') && !isAbsolute(p) ? resolve(base, p) : p;
        break;
      }
      case 'url_env':
        settings.urlEnv = strList(key, v, true);
        if (settings.urlEnv.length === 0) {
          throw new ConfigError(`${at(key)}: [tool.alembic-guard] url_env is empty`, {
            hint: 'Name at least one environment variable, or remove url_env to use DATABASE_URL.',
          });
        }
        break;
      case 'connection_attribute': {
        const s = str(key, v);
        if (s !== 'engine' && s !== 'connection') {
          throw new ConfigError(
            `${at(key)}: [tool.alembic-guard] connection_attribute must be "engine" or "connection", not ${JSON.stringify(s)}`,
            { hint: 'Use the name under which your env.py reads config.attributes.' },
          );
        }
        settings.connectionAttribute = s;
        break;
      }
      case 'downgrade_floor':
        settings.downgradeFloor = str(key, v);
        break;
      case 'step_timeout': {
        const n = typeof v === 'bigint' ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isFinite(n)) bad(key, 'a number of seconds', v);
        if ((n as number) <= 0) {
          throw new ConfigError(`${at(key)}: [tool.alembic-guard] step_timeout must be positive, not ${String(n)}`, {
            hint: 'Give the per-step time limit in seconds, e.g. step_timeout = 120.',
          });
        }
        settings.stepTimeoutSeconds = n as number;
        break;
      }
      case 'model_packages':
        settings.modelPackages = strList(key, v, true);
        break;
      case 'model_exclude':
        settings.modelExclude = strList(key, v, true);
        break;
      case 'revision_data': {
        settings.revisionData = parseRevisionData(v, pyproject, base, at, lineOf);
        break;
      }
      case 'trace_rows': {
        const n = typeof v === 'bigint' ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1000) bad(key, 'a whole number of rows from 0 to 1000', v);
        settings.traceRows = n as number;
        break;
      }
      default: {
        const s = suggest(key);
        throw new ConfigError(`${at(key)}: unknown key '${key}' in [tool.alembic-guard]`, {
          reason: `Known keys: ${SETTINGS_KEYS.join(', ')}.`,
          hint: s ? `Did you mean '${s}'? Keys are snake_case.` : `Remove '${key}' or fix its name.`,
        });
      }
    }
  }
  return settings;
}

/** A TOML value as a database parameter: dates as ISO text, tables and arrays of tables as JSON. */
function rowValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object' && 'toISOString' in v && typeof (v as { toISOString: unknown }).toISOString === 'function') return (v as { toISOString(): string }).toISOString();
  if (isTable(v)) return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x));
  if (Array.isArray(v)) return v.map(rowValue);
  return v;
}

/**
 * `revision_data`: a path to a Python file (`revision_data = "tests/migration_data.py"`), or a table
 * of revisions, each with `before` and `at` arrays of rows (`{ table = "orders", id = 9 }`).
 */
function parseRevisionData(
  v: unknown,
  pyproject: Pick<Pyproject, 'file' | 'text' | 'absPath'>,
  base: string,
  at: (...path: string[]) => string,
  lineOf: (...path: string[]) => number | undefined,
): NonNullable<GuardSettings['revisionData']> {
  if (typeof v === 'string') {
    if (v.trim() === '') throw new ConfigError(`${at('revision_data')}: [tool.alembic-guard] revision_data is an empty string`, { hint: 'Name a Python file with before_revision_data / at_revision_data, or write a table of revisions.' });
    return { file: pyproject.absPath, revisions: [], module: isAbsolute(v) ? v : resolve(base, v) };
  }
  if (!isTable(v)) {
    throw new ConfigError(`${at('revision_data')}: [tool.alembic-guard] revision_data must be a path to a Python file or a table of revisions, not ${typeName(v)}`, {
      hint: 'Write [tool.alembic-guard.revision_data.<revision>] with before = [{ table = "…", … }] and/or at = [...].',
    });
  }
  const revisions: NonNullable<GuardSettings['revisionData']>['revisions'] = [];
  for (const [ref, entry] of Object.entries(v)) {
    const where = at('revision_data', ref);
    if (!isTable(entry)) throw new ConfigError(`${where}: revision_data.${ref} must be a table with before and/or at`, { hint: `Write [tool.alembic-guard.revision_data.${ref}] with before = [{ table = "…", … }].` });
    const rowsOf = (key: 'before' | 'at'): RevisionDataRow[] => {
      const list = entry[key];
      if (list === undefined) return [];
      const rows = isTable(list) ? [list] : list;
      if (!Array.isArray(rows)) throw new ConfigError(`${at('revision_data', ref, key)}: revision_data.${ref}.${key} must be an array of rows, not ${typeName(list)}`, { hint: `Write ${key} = [{ table = "orders", id = 1 }].` });
      return rows.map((row, i) => {
        if (!isTable(row)) throw new ConfigError(`${at('revision_data', ref, key)}: revision_data.${ref}.${key}[${i}] must be a table ({ table = "…", column = value }), not ${typeName(row)}`);
        const table = row['table'] ?? row['__tablename__'];
        if (typeof table !== 'string' || table === '') {
          throw new ConfigError(`${at('revision_data', ref, key)}: revision_data.${ref}.${key}[${i}] names no table`, { hint: 'Give every row a table = "name" (or __tablename__, as in pytest-alembic).' });
        }
        const values: Record<string, unknown> = {};
        for (const [col, value] of Object.entries(row)) if (col !== 'table' && col !== '__tablename__') values[col] = rowValue(value);
        return { table, values };
      });
    };
    for (const key of Object.keys(entry)) {
      if (key !== 'before' && key !== 'at') throw new ConfigError(`${at('revision_data', ref, key)}: unknown key '${key}' in revision_data.${ref}`, { hint: 'A revision takes before (rows inserted before its upgrade) and at (rows inserted right after it).' });
    }
    const line = lineOf('revision_data', ref);
    revisions.push({ ref, ...(line !== undefined ? { line } : {}), before: rowsOf('before'), at: rowsOf('at') });
  }
  return { file: pyproject.absPath, revisions };
}
