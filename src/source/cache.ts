/**
 * The parse cache: `<root>/.alembic-guard-cache/<version key>/<entry>.json`, one JSON file per
 * (content hash, file name). The version key combines the tool version, the cache format and a
 * fingerprint of the parser's own compiled code, so any change to the parser starts a fresh
 * directory (older ones are removed). Corrupt or unreadable entries are misses; write failures
 * (read-only checkout) are ignored. Nothing here loads tree-sitter.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import type { MigrationFile } from '../model.js';
import { VERSION } from '../version.js';

export const CACHE_DIR = '.alembic-guard-cache';
/** Bump when the cached entry layout changes. */
const FORMAT = 1;
/** The compiled modules whose code decides what a parse returns (next to this file in dist/). */
const PARSER_MODULES = ['parse.js', 'decode.js', 'literals.js', 'ignores.js', 'lines.js'];

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

function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9.]/g, '_');
}

export class ParseCache {
  readonly dir: string;
  private ready = false;
  private disabled = false;

  constructor(root: string) {
    this.dir = join(root, CACHE_DIR, `v${FORMAT}-${sanitize(VERSION)}-${parserVersion()}`);
  }

  /** The entry name: the content hash plus the file name (the legacy hex-name rule reads it). */
  static key(hash: string, path: string): string {
    return createHash('sha1').update(hash).update('\0').update(basename(path)).digest('hex');
  }

  /** A cached parse, or undefined. `path`, `absPath` and `hash` are filled in from the ref. */
  get(key: string, ref: { path: string; absPath: string }, hash: string): MigrationFile | undefined {
    let raw: string;
    try {
      raw = readFileSync(join(this.dir, `${key}.json`), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const entry = JSON.parse(raw) as { format?: unknown; hash?: unknown; file?: Partial<MigrationFile> };
      const f = entry.file;
      if (entry.format !== FORMAT || entry.hash !== hash || typeof f !== 'object' || f === null) return undefined;
      if (!Array.isArray(f.problems) || !Array.isArray(f.opCalls) || !Array.isArray(f.imports) || typeof f.revision !== 'object') return undefined;
      return { ...(f as MigrationFile), path: ref.path, absPath: ref.absPath, hash };
    } catch {
      return undefined;
    }
  }

  set(key: string, file: MigrationFile): void {
    if (this.disabled) return;
    try {
      if (!this.ready) this.prepare();
      const { path: _p, absPath: _a, ...rest } = file;
      const target = join(this.dir, `${key}.json`);
      const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, hash: file.hash, file: rest }));
      renameSync(tmp, target);
    } catch {
      this.disabled = true;
    }
  }

  /** Create the directory (with a self-ignoring .gitignore) and drop other versions' entries. */
  private prepare(): void {
    const top = join(this.dir, '..');
    mkdirSync(this.dir, { recursive: true });
    const gitignore = join(top, '.gitignore');
    if (!existsSync(gitignore)) writeFileSync(gitignore, '*\n');
    const mine = basename(this.dir);
    for (const name of readdirSync(top)) {
      if (name === mine || name === '.gitignore' || !/^v\d+-/.test(name)) continue;
      try {
        rmSync(join(top, name), { recursive: true, force: true });
      } catch {
        // another run may be using it; it will go next time
      }
    }
    this.ready = true;
  }
}
