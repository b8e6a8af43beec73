/**
 * The SQL front end's results, kept between runs: `op.execute(...)` SQL text → operation drafts,
 * in one file `.alembic-guard-cache/sql-<key>.json` beside the parse cache. The key covers the
 * tool version and the front end's compiled code, so a change to either starts afresh (older files
 * are removed). With every SQL string of a run found here, libpg-query's wasm is never loaded.
 * Corrupt files are misses; write failures (a read-only checkout) are ignored.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OpDraft } from '../ops/from-python.js';
import { SQL_FRONT_END_MODULES, type SqlCache } from '../ops/build.js';
import { CACHE_DIR } from '../source/cache.js';
import { VERSION } from '../version.js';

const FORMAT = 1;

function fingerprint(): string {
  const h = createHash('sha1').update(`${FORMAT}\0${VERSION}\0`);
  for (const mod of SQL_FRONT_END_MODULES) {
    try {
      h.update(readFileSync(new URL(`../ops/${mod}`, import.meta.url)));
    } catch {
      h.update(`missing:${mod}`);
    }
  }
  return h.digest('hex').slice(0, 12);
}

export class PersistentSqlCache implements SqlCache {
  private readonly file: string;
  private readonly dir: string;
  private entries: Record<string, OpDraft[]> = {};
  private dirty = false;

  constructor(root: string) {
    this.dir = join(root, CACHE_DIR);
    this.file = join(this.dir, `sql-${fingerprint()}.json`);
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { format?: unknown; entries?: unknown };
      if (parsed.format === FORMAT && typeof parsed.entries === 'object' && parsed.entries !== null) {
        this.entries = parsed.entries as Record<string, OpDraft[]>;
      }
    } catch {
      // no cache yet, or unreadable: start empty
    }
  }

  get(sql: string): OpDraft[] | undefined {
    const hit = this.entries[sql];
    return Array.isArray(hit) ? hit : undefined;
  }

  set(sql: string, drafts: OpDraft[]): void {
    this.entries[sql] = drafts;
    this.dirty = true;
  }

  /** Write the file once, if anything was added; drop the files of other versions. */
  save(): void {
    if (!this.dirty) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      const gitignore = join(this.dir, '.gitignore');
      if (!existsSync(gitignore)) writeFileSync(gitignore, '*\n');
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, entries: this.entries }));
      renameSync(tmp, this.file);
      const mine = this.file.slice(this.dir.length + 1);
      for (const name of readdirSync(this.dir)) {
        if (name.startsWith('sql-') && name.endsWith('.json') && name !== mine) rmSync(join(this.dir, name), { force: true });
      }
      this.dirty = false;
    } catch {
      // a read-only checkout: run without a persisted cache
    }
  }
}
