/**
 * How an error reaches a person: what happened, the reason, what to do next (a GuardError), or an
 * internal error with the version and how to report it. Passwords in URLs are redacted.
 */
import { isGuardError, redactUrl } from '../errors.js';
import { VERSION } from '../version.js';

export function renderError(e: unknown, debug: boolean): string {
  if (isGuardError(e)) {
    const lines = [`alembic-guard: error: ${e.message}`];
    if (e.reason) lines.push(`  Reason: ${e.reason}`);
    if (e.hint) lines.push(`  Next: ${e.hint}`);
    if (debug && e.stack) lines.push(e.stack);
    return redactUrl(lines.join('\n')) + '\n';
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const lines = [
    `alembic-guard: internal error: ${err.message}`,
    `  This is a bug in alembic-guard ${VERSION}. Please report it with the command you ran${debug ? ' and the stack below' : ' and the output of the same command with --debug'}.`,
  ];
  if (debug && err.stack) lines.push(err.stack);
  return redactUrl(lines.join('\n')) + '\n';
}
