/**
 * Results derived from the sources, kept between runs in one file
 * `.alembic-guard-cache/derived-<key>.json` beside the parse cache:
 * - each file's operations (upgrade and downgrade, with context), by content hash; an operation's
 *   `op.*` call is stored as its index in the file's opCalls and taken from the parsed file on load;
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
import { type FileOpsCache, type SqlCache } from '../ops/build.js';
import type { EnvSettings } from '../ops/env-settings.js';
import type { Operation, RevisionOps } from '../ops/model.js';
import type { MigrationFile } from '../model.js';
import { CACHE_DIR, parserVersion } from '../source/cache.js';
import { VERSION } from '../version.js';

const FORMAT = 1;

/** The tool version, the parser's version and every compiled module of the ops stage. */
function fingerprint(): string {
  const h = createHash('sha1').update(`${FORMAT}\0${VERSION}\0${parserVersion()}\0`);
  const dir = new URL('../ops/', import.meta.url);
  try {
    for (const mod of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) h.update(mod).update(readFileSync(new URL(mod, dir)));
  } catch {
    h.update('unreadable ops');
  }
  return h.digest('hex').slice(0, 12);
}

/** An operation as stored: its call as an index into the file's opCalls; file and revision left out. */
type StoredOp = Omit<Operation, 'file' | 'revision' | 'source'> & { source: Record<string, unknown> & { call?: number } };
interface StoredFileOps {
  upgrade: StoredOp[];
  downgrade: StoredOp[];
}

const PREFIX = 'derived-';

function fileKey(file: MigrationFile, dialect: string): string {
  return `${file.hash}:${dialect}`;
}

/** Operations as stored; undefined when one names a call the file does not list (built while reading it). */
function storeOps(list: Operation[], file: MigrationFile): StoredOp[] | undefined {
  const out: StoredOp[] = [];
  for (const op of list) {
    const { file: _file, revision: _revision, source, ...rest } = op;
    const index = source.call === undefined ? undefined : file.opCalls.indexOf(source.call);
    if (index === -1) return undefined;
    out.push({ ...rest, source: { ...source, call: index } } as StoredOp);
  }
  return out;
}

/** Stored operations with their calls taken from the parsed file; undefined when an index is out of range. */
function loadOps(list: StoredOp[], file: MigrationFile): Operation[] | undefined {
  const out: Operation[] = [];
  for (const op of list) {
    const index = op.source.call;
    const call = index === undefined ? undefined : file.opCalls[index];
    if (index !== undefined && call === undefined) return undefined;
    out.push({ ...op, file: file.path, revision: file.revision.value, source: { ...op.source, call } } as unknown as Operation);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class DerivedCache {
  private readonly file: string;
  private readonly dir: string;
  private entries: Record<string, OpDraft[]> = {};
  private env: Record<string, EnvSettings> = {};
  private files: Record<string, StoredFileOps> = {};
  private dirty = false;

  constructor(root: string) {
    this.dir = join(root, CACHE_DIR);
    this.file = join(this.dir, `${PREFIX}${fingerprint()}.json`);
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { format?: unknown; entries?: unknown; env?: unknown };
      const { files } = parsed as { files?: unknown };
      if (parsed.format === FORMAT && isRecord(parsed.entries) && isRecord(parsed.env) && isRecord(files)) {
        this.entries = parsed.entries as Record<string, OpDraft[]>;
        this.env = parsed.env as Record<string, EnvSettings>;
        this.files = files as Record<string, StoredFileOps>;
      }
    } catch {
      // no cache yet, or unreadable: start empty
    }
  }

  /** The SQL front end's results, by SQL text. */
  readonly sql: SqlCache = {
    get: (sql) => {
      const hit = this.entries[sql];
      return Array.isArray(hit) ? hit : undefined;
    },
    set: (sql, drafts) => {
      this.entries[sql] = drafts;
      this.dirty = true;
    },
  };

  /** Whole files' operations, by content hash. */
  readonly fileOps: FileOpsCache = {
    get: (file, dialect) => {
      const stored = this.files[fileKey(file, dialect)];
      if (stored === undefined) return undefined;
      const upgrade = loadOps(stored.upgrade, file);
      const downgrade = loadOps(stored.downgrade, file);
      if (upgrade === undefined || downgrade === undefined) return undefined;
      return { file, revision: file.revision.value, upgrade, downgrade };
    },
    set: (file, dialect, ops) => {
      const upgrade = storeOps(ops.upgrade, file);
      const downgrade = storeOps(ops.downgrade, file);
      if (upgrade === undefined || downgrade === undefined) return;
      this.files[fileKey(file, dialect)] = { upgrade, downgrade };
      this.dirty = true;
    },
  };

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


  /** Write the file once, if anything was added; drop the files of other versions. */
  save(): void {
    if (!this.dirty) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      const gitignore = join(this.dir, '.gitignore');
      if (!existsSync(gitignore)) writeFileSync(gitignore, '*\n');
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, entries: this.entries, env: this.env, files: this.files }));
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
