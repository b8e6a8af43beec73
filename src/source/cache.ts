/**
 * The parse cache, one pack file per project: `<root>/.alembic-guard-cache/<version>/<scope>.ndjson`,
 * a line `<key> <json>` per revision file, the key being the sha1 of (content hash, file name).
 *
 * - `<version>` combines the cache format, the tool version and a fingerprint of the parser's own
 *   compiled code and grammar, so any change to the parser starts afresh (older directories are
 *   removed when a new pack is written).
 * - `<scope>` is a hash of the version locations, so `-n` sections sharing a root keep their own packs.
 * - A pack is rewritten (tmp + rename) only when something changed, and then holds exactly the
 *   files of this run: entries of deleted or edited files go away by themselves.
 * - One file rather than one per revision: creating thousands of small files costs far more than
 *   parsing them on some file systems. Hits keep their JSON text, so rewriting does not re-serialise.
 * - A corrupt pack or entry is a miss; write failures (read-only checkout) are ignored. Nothing here
 *   loads tree-sitter.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative } from 'node:path';
import type { MigrationFile } from '../model.js';
import { VERSION } from '../version.js';

export const CACHE_DIR = '.alembic-guard-cache';
/** Bump when the pack layout or the entry shape changes. */
const FORMAT = 3;
/** The compiled modules whose code decides what a parse returns (next to this file in dist/). */
const PARSER_MODULES = ['parse.js', 'scan.js', 'tokenize.js', 'decode.js', 'literals.js', 'ignores.js', 'lines.js', 'dialect-guard.js', 'dialect-terms.js', 'alembic-names.js'];

let parserFingerprint: string | undefined;

/** A hash of the parser's code and its grammar version: the "parser version" of the cache key. */
export function parserVersion(): string {
  if (parserFingerprint !== undefined) return parserFingerprint;
  const h = createHash('sha1');
  for (const mod of PARSER_MODULES) {
    try {
      h.update(readFileSync(new URL(`./${mod}`, import.meta.url)));
    } catch {
      h.update(`missing:${mod}`);
    }
  }
  try {
    // tree-sitter-python's package.json, found without loading the native module.
    const pkg = createRequire(import.meta.url).resolve('tree-sitter-python/package.json');
    h.update(String((JSON.parse(readFileSync(pkg, 'utf8')) as { version?: unknown }).version ?? ''));
  } catch {
    // not resolvable: the code fingerprint alone keys the cache
  }
  parserFingerprint = h.digest('hex').slice(0, 12);
  return parserFingerprint;
}

const sanitize = (s: string) => s.replace(/[^A-Za-z0-9.]/g, '_');

/**
 * One file's entry: `<length of head> <head JSON><calls JSON>`. The head is the MigrationFile
 * without its paths (they come from the run) and without its `op.*` calls; the calls (most of the
 * bytes) are parsed only when something reads them, so a warm run that needs the graph, the shape
 * and the cached operations does not build every call's values.
 */
export function encodeEntry(file: MigrationFile): string {
  const { path: _path, absPath: _absPath, opCalls, ...head } = file;
  const h = JSON.stringify(head);
  return `${h.length} ${h}${JSON.stringify(opCalls)}`;
}

/** An entry back as a MigrationFile (its calls parsed on first use), or undefined when it is not a valid one. */
export function decodeEntry(raw: string, ref: { path: string; absPath: string }, hash: string | undefined): MigrationFile | undefined {
  const space = raw.indexOf(' ');
  const length = Number(raw.slice(0, space));
  if (space < 1 || !Number.isInteger(length) || space + 1 + length > raw.length) return undefined;
  try {
    const f = JSON.parse(raw.slice(space + 1, space + 1 + length)) as Partial<MigrationFile> | null;
    if (typeof f !== 'object' || f === null || (hash !== undefined && f.hash !== hash)) return undefined;
    if (!Array.isArray(f.problems) || !Array.isArray(f.imports) || !Array.isArray(f.helperCalls) || typeof f.revision !== 'object') return undefined;
    const file = { path: ref.path, absPath: ref.absPath, ...f } as MigrationFile;
    lazyCalls(file, raw, space + 1 + length);
    return file;
  } catch {
    return undefined;
  }
}

/** `opCalls` as a property that parses its JSON on first read (a corrupt one reads as none). */
function lazyCalls(file: MigrationFile, raw: string, from: number): void {
  const settle = (value: unknown) => Object.defineProperty(file, 'opCalls', { value, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(file, 'opCalls', {
    enumerable: true,
    configurable: true,
    get: () => {
      let calls: unknown;
      try {
        calls = JSON.parse(raw.slice(from));
      } catch {
        calls = [];
      }
      const value = Array.isArray(calls) ? calls : [];
      settle(value);
      return value;
    },
    set: settle,
  });
}

/** A file's identity on disk when it was last read: size, mtime, ctime, inode, and its content hash. */
type StatEntry = [size: number, mtimeMs: number, ctimeMs: number, ino: number, hash: string];

/**
 * Seconds of slack for the stat index: a file whose mtime or ctime is this close to the moment the
 * index was written may still change within the same timestamp tick (git's "racily clean" index
 * entries), so it is read and hashed again rather than trusted.
 */
const RACY_MS = 2000;

export interface FileStat {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

export class ParseCache {
  readonly dir: string;
  readonly pack: string;
  /** `<pack>.stat.json`: path → stat and hash, so a warm run need not read and hash unchanged files. */
  private readonly statFile: string;
  private readonly stats = new Map<string, StatEntry>();
  private statsWrittenAt = 0;
  private readonly statsUsed = new Map<string, StatEntry>();
  /** Entries read from the pack: key → JSON text. */
  private readonly stored = new Map<string, string>();
  /** Entries of this run, in order of use: key → JSON text. */
  private readonly used = new Map<string, string>();
  private changed = false;

  /** `scope`: the version locations of the run (absolute), which name the pack. */
  constructor(root: string, scope: readonly string[]) {
    this.dir = join(root, CACHE_DIR, `v${FORMAT}-${sanitize(VERSION)}-${parserVersion()}`);
    const locations = [...new Set(scope.map((s) => relative(root, s).split('\\').join('/')))].sort();
    this.pack = join(this.dir, `${createHash('sha1').update(locations.join('\n')).digest('hex').slice(0, 16)}.ndjson`);
    this.statFile = `${this.pack}.stat.json`;
    try {
      const parsed = JSON.parse(readFileSync(this.statFile, 'utf8')) as { at?: unknown; files?: unknown };
      if (typeof parsed.at === 'number' && typeof parsed.files === 'object' && parsed.files !== null) {
        this.statsWrittenAt = parsed.at;
        for (const [path, e] of Object.entries(parsed.files as Record<string, unknown>)) {
          if (Array.isArray(e) && e.length === 5 && typeof e[4] === 'string') this.stats.set(path, e as StatEntry);
        }
      }
    } catch {
      // no index yet, or unreadable: every file is read and hashed
    }
    let text: string;
    try {
      text = readFileSync(this.pack, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) {
      const space = line.indexOf(' ');
      if (space === 40) this.stored.set(line.slice(0, 40), line.slice(41));
    }
  }

  /** The entry key: the content hash plus the file name (the legacy hex-name rule reads it). */
  static key(hash: string, path: string): string {
    return createHash('sha1').update(hash).update('\0').update(basename(path)).digest('hex');
  }

  /** A cached parse, or undefined. `path` and `absPath` are filled in from the ref. */
  get(key: string, ref: { path: string; absPath: string }, hash: string): MigrationFile | undefined {
    const raw = this.stored.get(key);
    if (raw === undefined) return undefined;
    const file = decodeEntry(raw, ref, hash);
    if (file !== undefined) this.used.set(key, raw);
    return file;
  }

  /**
   * The content hash recorded for this file when it had exactly this stat, unless the stat was taken
   * too close to the index's writing to be trusted; undefined when the file must be read.
   */
  hashByStat(path: string, st: FileStat): string | undefined {
    const e = this.stats.get(path);
    if (e === undefined || e[0] !== st.size || e[1] !== st.mtimeMs || e[2] !== st.ctimeMs || e[3] !== st.ino) return undefined;
    if (Math.max(e[1], e[2]) > this.statsWrittenAt - RACY_MS) return undefined;
    this.statsUsed.set(path, e);
    return e[4];
  }

  /** Record a file's stat and hash for the next run's hashByStat. */
  recordStat(path: string, st: FileStat, hash: string): void {
    this.statsUsed.set(path, [st.size, st.mtimeMs, st.ctimeMs, st.ino, hash]);
  }

  /** Store a parse; `entry` is its encodeEntry text when the caller has it already (from a worker). */
  set(key: string, file: MigrationFile, entry?: string): void {
    this.used.set(key, entry ?? encodeEntry(file));
    this.changed = true;
  }

  /** Write the pack when this run parsed something or no longer needs some entries. */
  flush(): void {
    this.flushStats();
    if (!this.changed && this.used.size === this.stored.size) return;
    try {
      this.prepare();
      let text = '';
      for (const [key, raw] of this.used) text += `${key} ${raw}\n`;
      const tmp = `${this.pack}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, this.pack);
    } catch {
      // read-only or full: the next run parses again
    }
  }

  /** Write the stat index when it would change (new files, changed stats, or entries that are no longer racy). */
  private flushStats(): void {
    let same = this.statsUsed.size === this.stats.size;
    if (same) {
      for (const [path, e] of this.statsUsed) {
        const old = this.stats.get(path);
        if (old === undefined || old.some((x, i) => x !== e[i]) || Math.max(e[1], e[2]) > this.statsWrittenAt - RACY_MS) {
          same = false;
          break;
        }
      }
    }
    if (same) return;
    try {
      this.prepare();
      const tmp = `${this.statFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ at: Date.now(), files: Object.fromEntries(this.statsUsed) }));
      renameSync(tmp, this.statFile);
    } catch {
      // read-only: the next run reads and hashes every file
    }
  }

  /** Create the directory (with a self-ignoring .gitignore) and drop other versions' packs. */
  private prepare(): void {
    const top = join(this.dir, '..');
    mkdirSync(this.dir, { recursive: true });
    const gitignore = join(top, '.gitignore');
    if (!existsSync(gitignore)) writeFileSync(gitignore, '*\n');
    const mine = basename(this.dir);
    for (const name of readdirSync(top)) {
      if (name === mine || !/^v\d+-/.test(name)) continue;
      try {
        rmSync(join(top, name), { recursive: true, force: true });
      } catch {
        // another run may be using it; it goes next time
      }
    }
  }
}
