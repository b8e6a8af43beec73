/**
 * The error taxonomy. Every error a user can cause or meet is one of these, rendered as: what
 * happened, the reason, what to do next. Anything else is an internal error (exit 2, with the
 * version and how to report it).
 */

export interface GuardErrorOptions {
  /** The cause, shown as "Reason: …". */
  reason?: string;
  /** What to do next. */
  hint?: string;
  cause?: unknown;
}

export abstract class GuardError extends Error {
  abstract readonly kind: string;
  readonly reason?: string;
  readonly hint?: string;
  constructor(message: string, options: GuardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason;
    this.hint = options.hint;
  }
}

/** Bad flags or arguments. */
export class UsageError extends GuardError {
  readonly kind = 'usage';
}

/** The configuration cannot be found or read. */
export class ConfigError extends GuardError {
  readonly kind = 'config';
}

/** Python, Alembic, a driver or the user's env.py failed. */
export class PythonError extends GuardError {
  readonly kind = 'python';
}

/** The database could not be started, reached or used. */
export class DatabaseError extends GuardError {
  readonly kind = 'database';
}

export function isGuardError(e: unknown): e is GuardError {
  return e instanceof GuardError;
}

/** Remove the password from anything that looks like a database URL. */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)([^@/\s]*)@/gi, '$1***@');
}
