/**
 * Runs one ELK layout in a worker thread for layout.ts, which waits for it synchronously (ELK's API
 * is a promise; reporters are plain functions returning a string).
 */
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
// A CommonJS module: its `default` is the ELK class (the module object also is, at run time).
import elk from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api.js';

const { graph, done, port } = workerData as { graph: ElkNode; done: Int32Array; port: MessagePort };
try {
  port.postMessage({ graph: await new elk.default().layout(graph) });
} catch (e) {
  port.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
Atomics.store(done, 0, 1);
Atomics.notify(done, 0);
