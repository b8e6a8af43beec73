/**
 * The bridge to helper.py: one Python process in the project's interpreter, JSON lines over stdio
 * (one request per line, one response per line; sessions answer more than once).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PythonError } from '../errors.js';
import { describePython, type PythonCommand } from './find.js';

export type { PythonCommand } from './find.js';


/**
 * helper.py: in a checkout, the source file itself (a plain `tsc` build does not copy it, and a copy
 * left in dist/ by an earlier `npm run build` may be stale); in the package, the copy next to this
 * compiled module.
 */
export function helperPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '..', '..', '..', 'src', 'python', 'helper.py'), join(here, 'helper.py')];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`helper.py is missing next to ${here}`);
}

// ---------------------------------------------------------------------------------------------
// The bridge.

/** What helper.py says about a failure. */
export interface HelperError {
  kind:
    | 'no-alembic'
    | 'no-sqlalchemy'
    | 'config'
    | 'env'
    | 'step'
    | 'irreversible'
    | 'missing-module'
    | 'protocol'
    | 'internal'
    | 'interrupted';
  type?: string;
  message: string;
  traceback?: string;
  revision?: string;
  path?: string;
  line?: number | null;
  direction?: 'up' | 'down';
  statement?: string | null;
  pgcode?: string | null;
  module?: string;
}

export interface HelperResponse {
  id?: number | null;
  ok: boolean;
  error?: HelperError;
  ms?: number;
  [key: string]: unknown;
}

export interface HelperRevision {
  revision: string;
  down_revisions: string[];
  dependencies: string[];
  branch_labels: string[];
  path: string;
  upgrade_line: number | null;
  downgrade_line: number | null;
  irreversible: boolean;
}

/** probe's answer (versions, drivers, config) merged with hello's (revisions). */
export interface HelloInfo extends HelperResponse {
  python: string;
  python_version: string;
  alembic?: string;
  sqlalchemy?: string;
  drivers: Record<string, string>;
  configured_scheme?: string;
  env_py?: string;
  env_async?: boolean;
  script_location?: string;
  revisions?: HelperRevision[];
  heads?: string[];
  bases?: string[];
}

export interface BridgeOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Every stderr line of the helper (the user's env.py output, logging), for --verbose. */
  onStderr?: (line: string) => void;
}

const TAIL_LINES = 60;

/** Where a bridge reads and writes: the helper's stdin/stdout, or the socket of a forked helper. */
interface Endpoint {
  write(line: string): void;
  end(): void;
  kill(): void;
  pid: number | undefined;
}

export class PythonBridge {
  readonly python: PythonCommand;
  private endpoint: Endpoint | undefined;
  private nextId = 1;
  private buffer = '';
  private readonly stderr: { buffer: string; lines: string[] };
  private queue: HelperResponse[] = [];
  private waiter: { resolve: (r: HelperResponse) => void; reject: (e: Error) => void } | undefined;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private spawnError: NodeJS.ErrnoException | undefined;
  private closed!: Promise<void>;
  /** The helper's spare channel (a socket on descriptor 3), for the one forked helper. */
  private spare: Duplex | undefined;
  /** Set for a forked helper: the bridge of the process it was forked from. */
  private readonly parent: PythonBridge | undefined;
  /** Set by hello(): the interpreter's own description. */
  info: HelloInfo | undefined;

  private constructor(python: PythonCommand, parent?: PythonBridge) {
    this.python = python;
    this.parent = parent;
    this.stderr = parent?.stderr ?? { buffer: '', lines: [] };
  }

  static start(python: PythonCommand, options: BridgeOptions): PythonBridge {
    const bridge = new PythonBridge(python);
    const env = { ...(options.env ?? process.env), PYTHONIOENCODING: 'utf-8', PYTHONUNBUFFERED: '1' };
    // descriptor 3: a socket a forked second helper talks over (see fork())
    const child = spawn(python.command, [...python.args, helperPath()], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] }) as ChildProcess;
    bridge.spare = child.stdio[3] as Duplex | undefined;
    bridge.spare?.on('error', () => undefined);
    bridge.endpoint = {
      write: (line) => child.stdin!.write(line),
      end: () => child.stdin!.end(),
      kill: () => child.kill('SIGKILL'),
      pid: child.pid,
    };
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => bridge.onStdout(chunk));
    child.stderr!.on('data', (chunk: string) => {
      const err = bridge.stderr;
      err.buffer += chunk;
      let nl: number;
      while ((nl = err.buffer.indexOf('\n')) >= 0) {
        const line = err.buffer.slice(0, nl);
        err.buffer = err.buffer.slice(nl + 1);
        err.lines.push(line);
        if (err.lines.length > TAIL_LINES * 4) err.lines.splice(0, err.lines.length - TAIL_LINES);
        options.onStderr?.(line);
      }
    });
    child.stdin!.on('error', () => undefined);
    bridge.closed = new Promise((resolveClosed) => {
      child.on('error', (e: NodeJS.ErrnoException) => {
        bridge.spawnError = e;
        bridge.failWaiter();
        resolveClosed();
      });
      // 'exit' and the end of stdout, not 'close': a forked helper keeps descriptor 3 open
      let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let drained = false;
      const done = (): void => {
        if (exited === undefined || !drained || bridge.exit !== undefined) return;
        bridge.exit = exited;
        bridge.failWaiter();
        resolveClosed();
      };
      child.on('exit', (code, signal) => {
        exited = { code, signal };
        done();
      });
      child.stdout!.on('end', () => {
        drained = true;
        done();
      });
      child.stdout!.on('close', () => {
        drained = true;
        done();
      });
    });
    return bridge;
  }

  /**
   * A second helper, forked from this one after its probe (Alembic and SQLAlchemy already
   * imported, no user code run yet), talking over the spare socket. Undefined where the platform
   * or the interpreter cannot fork, or it was asked for before.
   */
  async fork(timeoutMs = 30_000): Promise<PythonBridge | undefined> {
    const socket = this.spare;
    if (socket === undefined || process.platform === 'win32') return undefined;
    this.spare = undefined;
    const forked = new PythonBridge(this.python, this);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => forked.onStdout(chunk));
    let pid: number | undefined;
    forked.endpoint = {
      write: (line) => socket.write(line),
      end: () => socket.end(),
      kill: () => {
        if (pid !== undefined) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
      },
      get pid() {
        return pid;
      },
    };
    forked.closed = new Promise((resolveClosed) => {
      socket.on('close', () => {
        forked.exit ??= { code: null, signal: null };
        forked.failWaiter();
        resolveClosed();
      });
    });
    const r = await this.request({ op: 'fork' }, timeoutMs);
    if (!r.ok || typeof r.pid !== 'number') {
      socket.destroy();
      return undefined;
    }
    pid = r.pid;
    const hello = await forked.next(timeoutMs).catch(() => undefined);
    if (hello?.event !== 'forked') {
      forked.kill();
      socket.destroy();
      return undefined;
    }
    return forked;
  }

  get pid(): number | undefined {
    return this.endpoint?.pid;
  }

  /** The last lines the helper (and the user's code) wrote to stderr. */
  stderrTail(lines = 20): string {
    const err = this.stderr;
    const all = [...err.lines, ...(err.buffer !== '' ? [err.buffer] : [])];
    return all.slice(-lines).join('\n');
  }

  private onStdout(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim() === '') continue;
      let msg: HelperResponse;
      try {
        msg = JSON.parse(line) as HelperResponse;
      } catch {
        this.stderr.lines.push(`(stdout) ${line}`);
        continue;
      }
      if (this.waiter !== undefined) {
        const w = this.waiter;
        this.waiter = undefined;
        w.resolve(msg);
      } else this.queue.push(msg);
    }
  }

  private failWaiter(): void {
    if (this.waiter === undefined) return;
    const w = this.waiter;
    this.waiter = undefined;
    w.reject(this.deathError());
  }

  /** The error for a helper that could not start or has exited. */
  deathError(): PythonError {
    const py = describePython(this.python);
    if (this.spawnError !== undefined) {
      const code = this.spawnError.code;
      return new PythonError(`could not start Python: ${py}`, {
        reason: code === 'ENOENT' ? `${this.python.command} does not exist (found via ${this.python.source})` : `${this.spawnError.message}`,
        hint: 'Install Python with your project\'s dependencies, or pass --python PATH. `alembic-guard check --static` runs without Python.',
        cause: this.spawnError,
      });
    }
    const how = this.parent !== undefined ? 'exited (the second helper process)' : this.exit?.signal != null ? `was killed by ${this.exit.signal}` : `exited with code ${this.exit?.code ?? '?'}`;
    const tail = this.stderrTail(15);
    return new PythonError(`Python ${how} while running alembic-guard's helper (${py})`, {
      reason: tail !== '' ? tail : 'it wrote nothing to stderr',
      hint: 'Run the same interpreter by hand (`<python> -c "import alembic"`) to see what fails; pass --python to use another one.',
    });
  }

  /** Read the next response (sessions answer more than once per request). */
  next(timeoutMs?: number): Promise<HelperResponse> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.spawnError !== undefined || this.exit !== undefined) return Promise.reject(this.deathError());
    return new Promise<HelperResponse>((resolveNext, rejectNext) => {
      let timer: NodeJS.Timeout | undefined;
      this.waiter = {
        resolve: (r) => {
          if (timer) clearTimeout(timer);
          resolveNext(r);
        },
        reject: (e) => {
          if (timer) clearTimeout(timer);
          rejectNext(e);
        },
      };
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => {
          this.waiter = undefined;
          this.kill();
          rejectNext(
            new PythonError(`the migration step did not finish within ${Math.round(timeoutMs / 1000)} s`, {
              reason: `the helper (${describePython(this.python)}) was stopped; last output:\n${this.stderrTail(10) || '(none)'}`,
              hint: 'A migration is hanging outside SQL (sleeping, waiting for input or a network call). Fix it, or raise --step-timeout.',
            }),
          );
        }, timeoutMs);
        timer.unref?.();
      }
    });
  }

  /** Send a request; resolve with its response. */
  async request(req: Record<string, unknown>, timeoutMs?: number): Promise<HelperResponse> {
    const id = this.send(req);
    const resp = await this.next(timeoutMs);
    if (resp.id !== undefined && resp.id !== null && resp.id !== id && resp.ok) {
      throw new PythonError(`the helper answered request ${String(resp.id)} instead of ${id}`, { reason: JSON.stringify(resp).slice(0, 300) });
    }
    return resp;
  }

  /** Write a request without waiting; returns its id. */
  send(req: Record<string, unknown>): number {
    if (this.spawnError !== undefined || this.exit !== undefined || this.endpoint === undefined) throw this.deathError();
    const id = this.nextId++;
    this.endpoint.write(JSON.stringify({ ...req, id }) + '\n');
    return id;
  }

  /** Close its input and wait for the helper to exit (kill it after a grace period). */
  async close(graceMs = 3000): Promise<void> {
    if (this.endpoint === undefined) return;
    this.spare?.destroy();
    this.spare = undefined;
    if (this.exit === undefined && this.spawnError === undefined) {
      this.endpoint.end();
      const timer = setTimeout(() => this.kill(), graceMs);
      timer.unref?.();
      await this.closed;
      clearTimeout(timer);
    }
  }

  /** Kill the helper now (synchronous; safe to call from an exit handler). */
  kill(): void {
    if (this.endpoint !== undefined && this.exit === undefined && this.spawnError === undefined) {
      try {
        this.endpoint.kill();
      } catch {
        // already gone
      }
    }
  }

  get exited(): boolean {
    return this.exit !== undefined || this.spawnError !== undefined;
  }
}
