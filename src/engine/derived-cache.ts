/**
 * Results derived from the sources, kept between runs in one file
 * `.alembic-guard-cache/derived-<key>.json` beside the parse cache:
 * - the SQL front end's: `op.execute(...)` SQL text → operation drafts;
 * - env.py's settings (timeouts, transaction_per_migration), by env.py's content hash.
 * The key covers the tool version and the compiled code that computes them, so a change to either
 * starts afresh (older files are removed). A warm run therefore loads neither libpg-query nor
 * tree-sitter. Corrupt files are misses; write failures (a read-only checkout) are ignored.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OpDraft } from '../ops/from-python.js';
import { SQL_FRONT_END_MODULES, type SqlCache } from '../ops/build.js';
import type { EnvSettings } from '../ops/env-settings.js';
import { CACHE_DIR } from '../source/cache.js';
import { VERSION } from '../version.js';

const FORMAT = 1;

function fingerprint(): string {
  const h = createHash('sha1').update(`${FORMAT}\0${VERSION}\0`);
  for (const mod of [...SQL_FRONT_END_MODULES, 'env-settings.js']) {
    try {
      h.update(readFileSync(new URL(`../ops/${mod}`, import.meta.url)));
    } catch {
      h.update(`missing:${mod}`);
    }
  }
  return h.digest('hex').slice(0, 12);
}

const PREFIX = 'derived-';

export class DerivedCache implements SqlCache {
  private readonly file: string;
  private readonly dir: string;
  private entries: Record<string, OpDraft[]> = {};
  private env: Record<string, EnvSettings> = {};
  private dirty = false;

  constructor(root: string) {
    this.dir = join(root, CACHE_DIR);
    this.file = join(this.dir, `${PREFIX}${fingerprint()}.json`);
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { format?: unknown; entries?: unknown; env?: unknown };
      if (parsed.format === FORMAT && typeof parsed.entries === 'object' && parsed.entries !== null && typeof parsed.env === 'object' && parsed.env !== null) {
        this.entries = parsed.entries as Record<string, OpDraft[]>;
        this.env = parsed.env as Record<string, EnvSettings>;
      }
    } catch {
      // no cache yet, or unreadable: start empty
    }
  }

  /** env.py's settings, computed once per content. */
  envSettings(source: string, compute: (source: string) => EnvSettings): EnvSettings {
    const key = createHash('sha1').update(source).digest('hex');
    const hit = this.env[key];
    if (hit !== undefined) return hit;
    const settings = compute(source);
    this.env[key] = settings;
    this.dirty = true;
    return settings;
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
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, entries: this.entries, env: this.env }));
      renameSync(tmp, this.file);
      const mine = this.file.slice(this.dir.length + 1);
      for (const name of readdirSync(this.dir)) {
        if (name.startsWith(PREFIX) && name.endsWith('.json') && name !== mine) rmSync(join(this.dir, name), { force: true });
      }
      this.dirty = false;
    } catch {
      // a read-only checkout: run without a persisted cache
    }
  }
}
