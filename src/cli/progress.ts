/**
 * Progress of the database checks for people: on a terminal, one line that follows the revisions
 * as they are checked; in CI (no TTY), one plain line per check with its duration. Always stderr.
 */
import { CHECK_TITLES, type RuntimeProgress } from '../checks/session.js';

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function progressPrinter(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }): (e: RuntimeProgress) => void {
  const tty = stream.isTTY === true;
  let live = false;
  const clear = (): void => {
    if (live) {
      stream.write('\r\x1b[2K');
      live = false;
    }
  };
  return (e) => {
    switch (e.kind) {
      case 'phase':
        clear();
        stream.write(`alembic-guard: ${e.phase === 'python' ? 'python' : 'database'}: ${e.message} (${duration(e.durationMs)})\n`);
        break;
      case 'check-start':
        if (tty) {
          clear();
          stream.write(`alembic-guard: ${CHECK_TITLES[e.id]} …`);
          live = true;
        }
        break;
      case 'revision':
        if (tty) {
          const width = Math.max(40, (stream.columns || 80) - 1);
          const text = `alembic-guard: ${CHECK_TITLES[e.id]} ${e.index + 1}/${e.total} ${e.revision}`;
          stream.write(`\r\x1b[2K${text.slice(0, width)}`);
          live = true;
        }
        break;
      case 'check-end': {
        clear();
        const r = e.result;
        stream.write(`alembic-guard: ${CHECK_TITLES[r.id as keyof typeof CHECK_TITLES] ?? r.id}: ${r.status} (${duration(r.durationMs)}): ${r.message}\n`);
        break;
      }
    }
  };
}
