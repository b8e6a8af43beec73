/**
 * The I/O shell around the parser: read each revision file, hash it (sha1), answer from the parse
 * cache when possible, parse the rest (in parallel when there are many) and store them. A warm run
 * never loads tree-sitter. A file that cannot be read becomes a MigrationFile with a problem, so
 * one bad file never stops the run.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import type { MigrationFile, RevisionFileRef } from '../model.js';
import { ParseCache } from './cache.js';
import { emptyFile } from './parse.js';
import { parseMany, type ParseItem, type PoolStats } from './pool.js';

export interface LoadOptions {
  /** The project root: the cache lives in `<root>/.alembic-guard-cache/`. */
  root: string;
  /** Read and write the parse cache. */
  cache: boolean;
  /** Threads for parsing cache misses, the main thread included. Default: the cores not already busy. */
  threads?: number;
  /** Filled in: cache hits and misses, and how parsing was shared (for tests and benchmarks). */
  stats?: LoadStats;
}

export interface LoadStats extends PoolStats {
  cacheHits: number;
  parsed: number;
  /** Files read and hashed (the others were known unchanged by their stat). */
  hashed?: number;
}

function unreadable(ref: RevisionFileRef, error: unknown): MigrationFile {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code !== undefined ? code : error instanceof Error ? error.message : String(error);
  return emptyFile(ref, '', 0, [{ kind: 'read', message: `the file could not be read (${reason}); check that it exists and is readable.`, line: 1, column: 1 }]);
}

export async function loadMigrations(refs: RevisionFileRef[], options: LoadOptions): Promise<MigrationFile[]> {
  const out: MigrationFile[] = new Array(refs.length);
  const cache = options.cache ? new ParseCache(options.root, refs.map((r) => r.versionLocation)) : undefined;
  const misses: ParseItem[] = [];
  const keys: string[] = [];
  let hits = 0;
  let hashed = 0;

  refs.forEach((ref, i) => {
    if (cache !== undefined) {
      // Unchanged since the last run (same size, mtime, ctime, inode): no need to read and hash it.
      const st = statSync(ref.absPath, { throwIfNoEntry: false });
      const known = st !== undefined ? cache.hashByStat(ref.path, st) : undefined;
      if (known !== undefined) {
        const hit = cache.get(ParseCache.key(known, ref.path), ref, known);
        if (hit !== undefined) {
          out[i] = hit;
          hits++;
          return;
        }
      }
    }
    let bytes: Buffer;
    let st: Stats;
    try {
      const fd = openSync(ref.absPath, 'r');
      try {
        st = fstatSync(fd);
        bytes = Buffer.allocUnsafe(st.size);
        let read = 0;
        while (read < st.size) {
          const n = readSync(fd, bytes, read, st.size - read, read);
          if (n === 0) break;
          read += n;
        }
        if (read < st.size) bytes = bytes.subarray(0, read);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      out[i] = unreadable(ref, e);
      return;
    }
    const hash = createHash('sha1').update(bytes).digest('hex');
    hashed++;
    if (cache !== undefined) {
      cache.recordStat(ref.path, st, hash);
      const key = ParseCache.key(hash, ref.path);
      const hit = cache.get(key, ref, hash);
      if (hit !== undefined) {
        out[i] = hit;
        hits++;
        return;
      }
      keys[misses.length] = key;
    }
    misses.push({ index: i, bytes, path: ref.path, absPath: ref.absPath, hash });
  });

  if (misses.length > 0) {
    const local = misses.map((m, k) => ({ ...m, index: k }));
    const poolOptions: Parameters<typeof parseMany>[1] = {};
    if (options.threads !== undefined) poolOptions.threads = options.threads;
    if (options.stats !== undefined) poolOptions.stats = options.stats;
    const parsed = await parseMany(local, poolOptions);
    parsed.forEach(({ file, json }, k) => {
      out[misses[k]!.index] = file;
      if (cache !== undefined) cache.set(keys[k]!, file, json);
    });
  }
  cache?.flush();
  if (options.stats !== undefined) {
    options.stats.cacheHits = hits;
    options.stats.parsed = misses.length;
    options.stats.hashed = hashed;
  }
  return out;
}
