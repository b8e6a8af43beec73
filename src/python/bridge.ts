/**
 * The bridge to helper.py: one Python process in the project's interpreter, JSON lines over stdio
 * (one request per line, one response per line; sessions answer more than once).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
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

export class PythonBridge {
  readonly python: PythonCommand;
  private child: ChildProcessWithoutNullStreams | undefined;
  private nextId = 1;
  private buffer = '';
  private stderrBuffer = '';
  private stderrLines: string[] = [];
  private queue: HelperResponse[] = [];
  private waiter: { resolve: (r: HelperResponse) => void; reject: (e: Error) => void } | undefined;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private spawnError: NodeJS.ErrnoException | undefined;
  private closed: Promise<void>;
  /** Set by hello(): the interpreter's own description. */
  info: HelloInfo | undefined;

  private constructor(python: PythonCommand, options: BridgeOptions) {
    this.python = python;
    const env = { ...(options.env ?? process.env), PYTHONIOENCODING: 'utf-8', PYTHONUNBUFFERED: '1' };
    const child = spawn(python.command, [...python.args, helperPath()], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr.on('data', (chunk: string) => {
      this.stderrBuffer += chunk;
      let nl: number;
      while ((nl = this.stderrBuffer.indexOf('\n')) >= 0) {
        const line = this.stderrBuffer.slice(0, nl);
        this.stderrBuffer = this.stderrBuffer.slice(nl + 1);
        this.stderrLines.push(line);
        if (this.stderrLines.length > TAIL_LINES * 4) this.stderrLines.splice(0, this.stderrLines.length - TAIL_LINES);
        options.onStderr?.(line);
      }
    });
    child.stdin.on('error', () => undefined);
    this.closed = new Promise((resolveClosed) => {
      child.on('error', (e: NodeJS.ErrnoException) => {
        this.spawnError = e;
        this.failWaiter();
        resolveClosed();
      });
      child.on('close', (code, signal) => {
        this.exit = { code, signal };
        this.failWaiter();
        resolveClosed();
      });
    });
  }

  static start(python: PythonCommand, options: BridgeOptions): PythonBridge {
    return new PythonBridge(python, options);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines the helper (and the user's code) wrote to stderr. */
  stderrTail(lines = 20): string {
    const all = [...this.stderrLines, ...(this.stderrBuffer !== '' ? [this.stderrBuffer] : [])];
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
        this.stderrLines.push(`(stdout) ${line}`);
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
    const how = this.exit?.signal != null ? `was killed by ${this.exit.signal}` : `exited with code ${this.exit?.code ?? '?'}`;
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
    if (this.spawnError !== undefined || this.exit !== undefined || this.child === undefined) throw this.deathError();
    const id = this.nextId++;
    this.child.stdin.write(JSON.stringify({ ...req, id }) + '\n');
    return id;
  }

  /** Close stdin and wait for the helper to exit (kill it after a grace period). */
  async close(graceMs = 3000): Promise<void> {
    if (this.child === undefined) return;
    if (this.exit === undefined && this.spawnError === undefined) {
      this.child.stdin.end();
      const timer = setTimeout(() => this.kill(), graceMs);
      timer.unref?.();
      await this.closed;
      clearTimeout(timer);
    }
  }

  /** Kill the helper now (synchronous; safe to call from an exit handler). */
  kill(): void {
    if (this.child !== undefined && this.exit === undefined && this.spawnError === undefined) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  get exited(): boolean {
    return this.exit !== undefined || this.spawnError !== undefined;
  }
}
