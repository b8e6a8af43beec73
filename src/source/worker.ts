/**
 * A parse worker (worker_threads): receives batches of file bytes, returns MigrationFiles. Loaded by
 * src/source/pool.ts only when there are enough cache misses to make threads pay.
 */
import { parentPort } from 'node:worker_threads';
import { parseMigration } from './parse.js';
import { encodeEntry } from './cache.js';
import type { ParseJob, ParseJobResult } from './pool.js';

const port = parentPort;
if (port === null) throw new Error('src/source/worker.js must run in a worker thread');

port.on('message', (job: ParseJob) => {
  // The cache entry's text rather than objects: cheaper to move between threads than a structured
  // clone, and the main thread stores that same text in the parse cache.
  const files = job.items.map((item) => ({
    index: item.index,
    json: encodeEntry(parseMigration(Buffer.from(item.bytes.buffer, item.bytes.byteOffset, item.bytes.byteLength), { path: item.path, absPath: item.absPath }, item.hash)),
  }));
  const result: ParseJobResult = { id: job.id, files };
  port.postMessage(result);
});

// tree-sitter is loaded (the static imports above ran): ready for work.
port.postMessage({ ready: true });
