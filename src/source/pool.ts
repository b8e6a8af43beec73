/**
 * Parses many files, in parallel when it pays: worker threads (src/source/worker.ts) plus the main
 * thread, pulling batches from one queue. Each worker keeps two batches in flight so it never
 * waits for the main thread to hand out work. A worker that fails (cannot start, crashes) hands its
 * batches back to the main thread, so the result is the same, only slower.
 */
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { MigrationFile } from '../model.js';
import { decodeEntry } from './cache.js';

export interface ParseItem {
  /** Position in the caller's list. */
  index: number;
  bytes: Uint8Array;
  path: string;
  absPath: string;
  hash: string;
}

export interface ParseJob {
  id: number;
  items: ParseItem[];
}

export interface ParseJobResult {
  id: number;
  /** Each file as its parse-cache entry (cache.ts encodeEntry). */
  files: { index: number; json: string }[];
}

/** A parsed file, and its cache entry text when it came from a worker (for the cache, no re-serialising). */
export interface Parsed {
  file: MigrationFile;
  json?: string;
}

export interface PoolOptions {
  /** Threads to use, the main thread included. Default: the cores not already busy (see freeCores). */
  threads?: number;
  /** Below this many files everything is parsed on the main thread (a worker costs ~40 ms to start). */
  minFilesForThreads?: number;
  /** Filled in: how the work was shared (for tests and benchmarks). */
  stats?: PoolStats;
  /** Let the main thread parse too (default). `false` hands every batch to workers (tests). */
  useMainThread?: boolean;
}

export interface PoolStats {
  workers: number;
  filesInWorkers: number;
  filesOnMainThread: number;
}

/** Files per batch: large enough to amortise messaging, small enough to balance the load. */
const BATCH = 16;
const DEFAULT_MIN_FILES = 64;

type ParseFn = (source: Buffer, ref: { path: string; absPath: string }, hash: string) => MigrationFile;

function parseItem(parse: ParseFn, item: ParseItem): MigrationFile {
  return parse(Buffer.from(item.bytes.buffer, item.bytes.byteOffset, item.bytes.byteLength), item, item.hash);
}

class WorkerClient {
  private readonly worker: Worker;
  private readonly waiting: { resolve: (r: ParseJobResult) => void; reject: (e: Error) => void }[] = [];
  private failed: Error | null = null;
  private nextId = 0;
  /**
   * Settles when the worker has loaded tree-sitter. Work is handed out only then: until a worker
   * is ready the main thread takes every batch, so a small run never waits for a starting worker.
   */
  readonly ready: Promise<boolean>;
  private setReady: (ok: boolean) => void = () => {};

  constructor() {
    // The worker inherits Node's flags, except those that only make sense for the main script
    // (`node --input-type=module -e ...` would make the worker refuse to start).
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    this.ready = new Promise((resolve) => (this.setReady = resolve));
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { execArgv });
    this.worker.on('message', (r: ParseJobResult | { ready: true }) => {
      if ('ready' in r) this.setReady(true);
      else this.waiting.shift()?.resolve(r);
    });
    this.worker.on('error', (e) => this.fail(e instanceof Error ? e : new Error(String(e))));
    this.worker.on('exit', (code) => this.fail(new Error(`parse worker exited (${code})`)));
  }

  private fail(e: Error): void {
    if (this.failed === null) this.failed = e;
    this.setReady(false);
    for (const w of this.waiting.splice(0)) w.reject(e);
  }

  send(items: ParseItem[]): Promise<ParseJobResult> {
    if (this.failed !== null) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      // A small Buffer is a view into a shared 8 KB pool; cloning the view would copy the whole pool.
      const own = items.map((it) => (it.bytes.byteLength === it.bytes.buffer.byteLength ? it : { ...it, bytes: new Uint8Array(it.bytes) }));
      const job: ParseJob = { id: this.nextId++, items: own };
      try {
        this.worker.postMessage(job);
      } catch (e) {
        this.fail(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * Cores not already busy: os.availableParallelism() less the 1-minute load average (Linux and
 * macOS; 0 elsewhere). On a machine busy with other work a second parsing thread only competes
 * for the same core and costs its own start-up (loading tree-sitter, a cold JIT): measured on a
 * 2-core box at load 5, 3,000 files took 0.8 s on the main thread and 1.0 s with a worker.
 */
function freeCores(): number {
  const cores = availableParallelism();
  const load = loadavg()[0] ?? 0;
  return Math.max(1, Math.min(cores, Math.round(cores - load)));
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Parse every item; results in the items' order. */
export async function parseMany(items: ParseItem[], options: PoolOptions = {}): Promise<Parsed[]> {
  const out: Parsed[] = new Array(items.length);
  if (items.length === 0) return out;
  const threads = Math.max(1, Math.floor(options.threads ?? freeCores()));
  const useMain = options.useMainThread ?? true;
  const wanted = items.length >= (options.minFilesForThreads ?? DEFAULT_MIN_FILES) ? Math.min(useMain ? threads - 1 : threads, Math.ceil(items.length / BATCH)) : 0;
  const workers = useMain ? Math.max(0, Math.min(wanted, Math.ceil(items.length / BATCH) - 1)) : Math.max(1, wanted);

  const batches: ParseItem[][] = [];
  for (let i = 0; i < items.length; i += BATCH) batches.push(items.slice(i, i + BATCH));
  let next = 0;
  const take = () => (next < batches.length ? batches[next++] : undefined);
  const stats: PoolStats = options.stats ?? { workers: 0, filesInWorkers: 0, filesOnMainThread: 0 };
  stats.workers = workers;
  stats.filesInWorkers = 0;
  stats.filesOnMainThread = 0;

  // Workers start first; the main thread loads the parser meanwhile. Loaded here, not at the top
  // of the module: a warm run (everything cached) never loads tree-sitter.
  let finish: (ok: false) => void = () => {};
  const finished = new Promise<false>((resolve) => (finish = resolve));
  let parser: Promise<ParseFn> | undefined;
  const loadParser = () => (parser ??= import('./parse.js').then((m) => m.parseMigration));
  const here = async (batch: ParseItem[]) => {
    const parse = await loadParser();
    stats.filesOnMainThread += batch.length;
    for (const item of batch) out[item.index] = { file: parseItem(parse, item) };
  };

  const runWorker = async (): Promise<void> => {
    let client: WorkerClient;
    try {
      client = new WorkerClient();
    } catch {
      return;
    }
    const pump = async (): Promise<void> => {
      // Not ready before the main thread ran out of work: nothing left for this worker.
      if (!(await Promise.race([client.ready, finished]))) return;
      for (let batch = take(); batch !== undefined; batch = take()) {
        try {
          const result = await client.send(batch);
          stats.filesInWorkers += result.files.length;
          const byIndex = new Map(result.files.map((f) => [f.index, f.json]));
          const missing: ParseItem[] = [];
          for (const item of batch) {
            const json = byIndex.get(item.index);
            const file = json !== undefined ? decodeEntry(json, item, item.hash) : undefined;
            if (file !== undefined) out[item.index] = { file, json };
            else missing.push(item);
          }
          if (missing.length > 0) await here(missing);
        } catch {
          await here(batch);
        }
      }
    };
    await Promise.all([pump(), pump()]);
    await client.close();
  };
  const running = Array.from({ length: workers }, runWorker);

  if (useMain) {
    for (let batch = take(); batch !== undefined; batch = take()) {
      await here(batch);
      if (running.length > 0) await yieldToEventLoop();
    }
    finish(false);
  }
  await Promise.all(running);
  // Workers that never became ready leave their share to the main thread.
  for (let batch = take(); batch !== undefined; batch = take()) await here(batch);
  return out;
}
