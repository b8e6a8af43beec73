/**
 * Results derived from the sources, kept between runs in one file
 * `.alembic-guard-cache/derived-<key>.ndjson` beside the parse cache (one line per file, parsed
 * only when that file is asked for):
 * - each file's operations (upgrade and downgrade, with context), by content hash; an operation's
 *   `op.*` call is stored as its index in the file's opCalls with its name, receiver, function and
 *   location, and its arguments are taken from the parsed file only when a rule reads them;
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
import type { MigrationFile, OpCall } from '../model.js';
import { CACHE_DIR, parserVersion } from '../source/cache.js';
import { VERSION } from '../version.js';

const FORMAT = 2;

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
/** What rules read of a call without its arguments: name, receiver, function, autocommit, and its location. */
type CallInfo = [name: string, receiver: string, fn: string, autocommit: boolean, line: number, column: number, endLine: number, endColumn: number];
interface StoredFileOps {
  upgrade: StoredOp[];
  downgrade: StoredOp[];
  /** By call index, for the calls the operations name. */
  calls: Record<string, CallInfo>;
}

const PREFIX = 'derived-';

function fileKey(file: MigrationFile, dialect: string): string {
  return `${file.hash}:${dialect}`;
}

/** Operations as stored; undefined when one names a call the file does not list (built while reading it). */
function storeOps(list: Operation[], file: MigrationFile, calls: Record<string, CallInfo>): StoredOp[] | undefined {
  const out: StoredOp[] = [];
  for (const op of list) {
    const { file: _file, revision: _revision, source, ...rest } = op;
    const index = source.call === undefined ? undefined : file.opCalls.indexOf(source.call);
    if (index === -1) return undefined;
    if (index !== undefined && source.call !== undefined) {
      const c = source.call;
      calls[index] = [c.name, c.receiver, c.function, c.autocommit, c.loc.line, c.loc.column, c.loc.endLine, c.loc.endColumn];
    }
    out.push({ ...rest, source: { ...source, call: index } } as StoredOp);
  }
  return out;
}

/**
 * A call as the cached operations carry it: what the record keeps, and the rest (arguments, batch,
 * dialects) from the parsed file only when read, so that a warm run does not parse every file's calls.
 */
class CallStub {
  readonly name: string;
  readonly receiver: string;
  readonly 'function': string;
  readonly autocommit: boolean;
  readonly loc: OpCall['loc'];
  constructor(
    info: CallInfo,
    private readonly file: MigrationFile,
    private readonly at: number,
  ) {
    this.name = info[0];
    this.receiver = info[1];
    this['function'] = info[2];
    this.autocommit = info[3];
    this.loc = { line: info[4], column: info[5], endLine: info[6], endColumn: info[7] };
  }
  private get full(): OpCall | undefined {
    return this.file.opCalls[this.at];
  }
  get args(): OpCall['args'] {
    return this.full?.args ?? [];
  }
  get kwargs(): OpCall['kwargs'] {
    return this.full?.kwargs ?? {};
  }
  get batch(): OpCall['batch'] {
    return this.full?.batch;
  }
  get dialects(): OpCall['dialects'] {
    return this.full?.dialects;
  }
  toJSON(): OpCall | undefined {
    return this.full;
  }
}

function callStub(info: CallInfo, file: MigrationFile, index: number): OpCall {
  return new CallStub(info, file, index) as unknown as OpCall;
}

/**
 * Stored operations (freshly parsed, so completed in place) with their file, revision and calls
 * (stubs, see callStub); undefined when a call is not described.
 */
function loadOps(list: StoredOp[], file: MigrationFile, calls: Record<string, CallInfo>, stubs: Map<number, OpCall>): Operation[] | undefined {
  for (const op of list as unknown as (Operation & { source: { call?: number | OpCall } })[]) {
    const index = op.source.call as number | undefined;
    let call: OpCall | undefined;
    if (index !== undefined) {
      call = stubs.get(index);
      if (call === undefined) {
        const info = calls[index];
        if (!Array.isArray(info)) return undefined;
        call = callStub(info, file, index);
        stubs.set(index, call);
      }
    }
    op.file = file.path;
    op.revision = file.revision.value;
    op.source.call = call;
  }
  return list as unknown as Operation[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class DerivedCache {
  private readonly file: string;
  private readonly dir: string;
  /** The SQL front end's results, parsed from `entriesText` on first use. */
  private entries: Record<string, OpDraft[]> | undefined;
  private entriesText = '{}';
  private env: Record<string, EnvSettings> = {};
  /** Each file's record as stored (JSON text, parsed when the file is asked for), and those of this run. */
  private readonly stored = new Map<string, string>();
  private readonly used = new Map<string, string>();
  private dirty = false;

  /**
   * The file: a header line `{format, env}`, a line with the SQL results, then a line
   * `<hash>:<dialect> <record JSON>` per file.
   */
  constructor(root: string) {
    this.dir = join(root, CACHE_DIR);
    this.file = join(this.dir, `${PREFIX}${fingerprint()}.ndjson`);
    try {
      const lines = readFileSync(this.file, 'utf8').split('\n');
      const head = JSON.parse(lines[0]!) as { format?: unknown; env?: unknown };
      if (head.format === FORMAT && isRecord(head.env) && lines.length > 1) {
        this.env = head.env as Record<string, EnvSettings>;
        this.entriesText = lines[1]!;
        for (let i = 2; i < lines.length; i++) {
          const line = lines[i]!;
          const space = line.indexOf(' ');
          if (space > 0) this.stored.set(line.slice(0, space), line.slice(space + 1));
        }
      }
    } catch {
      // no cache yet, or unreadable: start empty
    }
  }

  private sqlEntries(): Record<string, OpDraft[]> {
    if (this.entries === undefined) {
      try {
        const parsed = JSON.parse(this.entriesText) as unknown;
        this.entries = isRecord(parsed) ? (parsed as Record<string, OpDraft[]>) : {};
      } catch {
        this.entries = {};
      }
    }
    return this.entries;
  }

  /** The SQL front end's results, by SQL text. */
  readonly sql: SqlCache = {
    get: (sql) => {
      const hit = this.sqlEntries()[sql];
      return Array.isArray(hit) ? hit : undefined;
    },
    set: (sql, drafts) => {
      this.sqlEntries()[sql] = drafts;
      this.dirty = true;
    },
  };

  /** Whole files' operations, by content hash. */
  readonly fileOps: FileOpsCache = {
    get: (file, dialect) => {
      const key = fileKey(file, dialect);
      const raw = this.stored.get(key);
      if (raw === undefined) return undefined;
      let stored: StoredFileOps;
      try {
        stored = JSON.parse(raw) as StoredFileOps;
      } catch {
        return undefined;
      }
      if (!isRecord(stored) || !Array.isArray(stored.upgrade) || !Array.isArray(stored.downgrade) || !isRecord(stored.calls)) return undefined;
      const stubs = new Map<number, OpCall>();
      const upgrade = loadOps(stored.upgrade, file, stored.calls, stubs);
      const downgrade = loadOps(stored.downgrade, file, stored.calls, stubs);
      if (upgrade === undefined || downgrade === undefined) return undefined;
      this.used.set(key, raw);
      return { file, revision: file.revision.value, upgrade, downgrade };
    },
    set: (file, dialect, ops) => {
      const calls: Record<string, CallInfo> = {};
      const upgrade = storeOps(ops.upgrade, file, calls);
      const downgrade = storeOps(ops.downgrade, file, calls);
      if (upgrade === undefined || downgrade === undefined) return;
      this.used.set(fileKey(file, dialect), JSON.stringify({ upgrade, downgrade, calls }));
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
      // Every record read from the file stays (other runs lint other files), this run's replace theirs.
      for (const [key, raw] of this.used) this.stored.set(key, raw);
      let text = `${JSON.stringify({ format: FORMAT, env: this.env })}\n${this.entries !== undefined ? JSON.stringify(this.entries) : this.entriesText}\n`;
      for (const [key, raw] of this.stored) text += `${key} ${raw}\n`;
      writeFileSync(tmp, text);
      renameSync(tmp, this.file);
      const mine = this.file.slice(this.dir.length + 1);
      for (const name of readdirSync(this.dir)) {
        if (name.startsWith(PREFIX) && (name.endsWith('.json') || name.endsWith('.ndjson')) && name !== mine) rmSync(join(this.dir, name), { force: true });
      }
      this.dirty = false;
    } catch {
      // a read-only checkout: run without a persisted cache
    }
  }
}
