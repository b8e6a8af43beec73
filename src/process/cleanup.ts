/**
 * Everything the runtime starts (the Python helper, the PostgreSQL server, temporary directories,
 * scratch databases on another server) is registered here and released at the end of the run, when
 * the process exits, and on SIGINT/SIGTERM/SIGHUP: nothing is left behind, also after Ctrl-C.
 */

export interface Resource {
  /** For messages: `embedded PostgreSQL in /tmp/…`. */
  description: string;
  /** Release it properly (stop the server, drop the database …). */
  release(): Promise<void>;
  /** Release it synchronously, as far as possible: used from the process 'exit' event. */
  releaseSync(): void;
}

const resources = new Set<Resource>();
let exitHookInstalled = false;

function releaseAllSync(): void {
  for (const r of [...resources].reverse()) {
    try {
      r.releaseSync();
    } catch {
      // best effort at exit
    }
    resources.delete(r);
  }
}

/** Register a resource; returns a function that unregisters it (after a normal release). */
export function track(resource: Resource): () => void {
  resources.add(resource);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', releaseAllSync);
  }
  return () => {
    resources.delete(resource);
  };
}

/** Release every tracked resource (newest first), each within `timeoutMs`. */
export async function releaseAll(timeoutMs = 8000): Promise<void> {
  for (const r of [...resources].reverse()) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        r.release(),
        new Promise<void>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
        }),
      ]);
    } catch {
      try {
        r.releaseSync();
      } catch {
        // nothing more to do
      }
    } finally {
      if (timer) clearTimeout(timer);
      resources.delete(r);
    }
  }
}

export function trackedCount(): number {
  return resources.size;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface SignalGuard {
  /** A signal arrived and the cleanup is under way: the process ends with the signal. */
  readonly handling: boolean;
  /** Remove the handlers (unless a signal is being handled). */
  uninstall(): void;
}

/**
 * Install signal handlers that release every tracked resource and then re-raise the signal (so the
 * process ends the way it would have, exit status 128+n).
 */
export function installSignalCleanup(onSignal?: (signal: NodeJS.Signals) => void): SignalGuard {
  let handling = false;
  const handlers = new Map<NodeJS.Signals, () => void>();
  const remove = (): void => {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
    handlers.clear();
  };
  for (const sig of SIGNALS) {
    const h = (): void => {
      if (handling) return;
      handling = true;
      onSignal?.(sig);
      void releaseAll(4000).finally(() => {
        remove();
        // With no other listener left, the default action ends the process with this signal.
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
        else process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
      });
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return {
    get handling() {
      return handling;
    },
    uninstall: () => {
      if (!handling) remove();
    },
  };
}

/** Once a signal is being handled, the run's own outcome (usually an error from the killed helper) is not reported. */
export async function guarded<T>(guard: SignalGuard, fn: () => Promise<T>): Promise<T> {
  const forever = (): Promise<never> => new Promise<never>(() => undefined);
  try {
    const value = await fn();
    if (guard.handling) return await forever();
    return value;
  } catch (e) {
    if (guard.handling) return await forever();
    throw e;
  } finally {
    guard.uninstall();
  }
}

/** Run `fn` with installSignalCleanup's handlers, removed afterwards. */
export async function withSignalCleanup<T>(fn: () => Promise<T>, onSignal?: (signal: NodeJS.Signals) => void): Promise<T> {
  return guarded(installSignalCleanup(onSignal), fn);
}
