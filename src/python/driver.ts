/**
 * Which SQLAlchemy driver env.py gets for the scratch database: the project's own (from
 * sqlalchemy.url), else one the interpreter has. Always named explicitly: a bare postgresql:// is
 * psycopg2 up to SQLAlchemy 2.0 and psycopg (3) from 2.1.
 */

const SYNC_DRIVERS = ['psycopg2', 'psycopg', 'pg8000'] as const;

/** The SQLAlchemy scheme to give env.py: the project's own driver, else one that is installed. */
export function chooseDriverScheme(
  configuredScheme: string | undefined,
  installed: Record<string, string>,
  envAsync: boolean,
  /** The interpreter's SQLAlchemy version (`2.1.9`): it decides what a bare postgresql:// means. */
  sqlalchemyVersion?: string,
): { scheme: string; driver: string; syncScheme?: string } | { missing: string; reason: string } {
  const has = (d: string): boolean => installed[d === 'psycopg_async' ? 'psycopg' : d] !== undefined;
  const sync = SYNC_DRIVERS.find((d) => has(d));
  // Always explicit: plain postgresql:// means psycopg2 in SQLAlchemy 1.4/2.0 but psycopg in 2.1.
  const syncScheme = sync === undefined ? undefined : `postgresql+${sync}`;
  const configured = configuredScheme?.toLowerCase();
  if (configured === 'postgresql' || configured === 'postgres') {
    // SQLAlchemy's default driver for the plain scheme (what the application gets in production):
    // psycopg2 up to 2.0, psycopg from 2.1; the other one when only that is installed
    const [major = 0, minor = 0] = (sqlalchemyVersion ?? '2.0').split('.').map((n) => Number.parseInt(n, 10));
    const order = major > 2 || (major === 2 && minor >= 1) ? (['psycopg', 'psycopg2'] as const) : (['psycopg2', 'psycopg'] as const);
    const preferred = order.find((d) => has(d));
    if (preferred !== undefined && !envAsync) return { scheme: `postgresql+${preferred}`, driver: preferred, syncScheme };
  }
  if (configured !== undefined && /^postgres(ql)?\+/.test(configured)) {
    const driver = configured.split('+')[1]!;
    if (!has(driver)) {
      return { missing: driver, reason: `sqlalchemy.url uses ${configuredScheme}://, but the ${driver} package is not installed` };
    }
    return { scheme: configured.replace(/^postgres\+/, 'postgresql+'), driver, syncScheme };
  }
  if (envAsync) {
    if (has('asyncpg')) return { scheme: 'postgresql+asyncpg', driver: 'asyncpg', syncScheme };
    if (has('psycopg')) return { scheme: 'postgresql+psycopg', driver: 'psycopg', syncScheme };
    return { missing: 'asyncpg', reason: 'env.py is async, and neither asyncpg nor psycopg (3) is installed' };
  }
  if (sync !== undefined) return { scheme: `postgresql+${sync}`, driver: sync, syncScheme };
  if (has('asyncpg')) return { scheme: 'postgresql+asyncpg', driver: 'asyncpg', syncScheme };
  return { missing: 'psycopg2', reason: 'no PostgreSQL driver (psycopg2, psycopg, pg8000 or asyncpg) is installed' };
}

export function withScheme(url: string, scheme: string): string {
  return url.replace(/^[a-z0-9+.-]+:\/\//i, `${scheme}://`);
}

