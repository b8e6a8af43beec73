/**
 * Another PostgreSQL server (--database-url): scratch databases are created there and dropped at
 * the end; nothing is downgraded or dropped in a database alembic-guard did not create unless
 * --allow-destructive is given.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DatabaseError, redactUrl } from '../errors.js';
import { track } from '../process/cleanup.js';
import { errorText, quoteIdent, ScratchManager, type AdminLease, type DatabaseServer, type ScratchDatabase, type ServerOptions } from './server.js';

export interface ExternalOptions extends ServerOptions {
  /** Allow running in the given database itself when no scratch database can be created there. */
  allowDestructive?: boolean;
}



/** `postgresql+psycopg2://…` → `postgresql://…` for node-postgres; anything else is a usage error. */
export function normalizeServerUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseError(`--database-url is not a URL: ${redactUrl(url)}`, {
      hint: 'Give a PostgreSQL URL such as postgresql://user:password@localhost:5432/postgres.',
    });
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  const [dialect] = scheme.split('+');
  if (dialect !== 'postgresql' && dialect !== 'postgres') {
    throw new DatabaseError(`--database-url must point at PostgreSQL, not ${dialect}`, {
      reason: redactUrl(url),
      hint: 'Give a PostgreSQL URL such as postgresql://user:password@localhost:5432/postgres.',
    });
  }
  return new URL(url.replace(/^[^:]+:/, 'postgresql:'));
}

export async function connectDatabaseUrl(url: string, options: ExternalOptions = {}): Promise<DatabaseServer> {
  const started = performance.now();
  const base = normalizeServerUrl(url);
  const shown = redactUrl(base.toString());
  const given = decodeURIComponent(base.pathname.replace(/^\//, '')) || decodeURIComponent(base.username) || 'postgres';
  const connect = (database: string): { config: pg.ClientConfig; url: string } => {
    const u = new URL(base.toString());
    u.pathname = `/${encodeURIComponent(database)}`;
    return { config: { connectionString: u.toString(), connectionTimeoutMillis: 10_000 }, url: u.toString() };
  };
  const admin = new pg.Client(connect(given).config);
  admin.on('error', () => undefined);
  try {
    await admin.connect();
  } catch (e) {
    await admin.end().catch(() => undefined);
    throw new DatabaseError(`could not connect to the database server given by --database-url (${shown})`, {
      reason: redactUrl(errorText(e)),
      hint: 'Check that the server is running and reachable, and the user name and password; or leave out --database-url to use a throwaway embedded PostgreSQL.',
      cause: e,
    });
  }
  const version = Number((await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);
  const name = `alembic_guard_${process.pid}_${randomBytes(3).toString('hex')}`;
  // May this role create databases? Decided now, so that the URL env.py gets never changes.
  const mayCreate = (
    await admin.query<{ ok: boolean }>('SELECT (rolcreatedb OR rolsuper) AS ok FROM pg_catalog.pg_roles WHERE rolname = current_user').catch(() => ({ rows: [{ ok: true }] }))
  ).rows[0]?.ok !== false;
  if (!mayCreate && options.allowDestructive !== true) {
    await admin.end().catch(() => undefined);
    throw new DatabaseError(`could not create a scratch database on ${shown}`, {
      reason: `the role may not create databases (no CREATEDB); alembic-guard runs downgrades and drops only in databases it creates`,
      hint: `Grant CREATEDB to the user, or pass --allow-destructive to run in database "${given}" itself (everything in it is dropped).`,
    });
  }
  const lease: AdminLease = (fn) => fn(admin);
  const managers = new Map<number, ScratchManager>();
  let inPlace = !mayCreate;
  const slot = (n: number): ScratchManager => {
    let m = managers.get(n);
    if (m === undefined) {
      m = inPlace
        ? new ScratchManager(lease, name, connect, options.stepTimeoutSeconds ?? 60, version, [], given)
        : new ScratchManager(lease, n === 0 ? name : `${name}_${n}`, connect, options.stepTimeoutSeconds ?? 60, version);
      managers.set(n, m);
    }
    return m;
  };
  let probed = false;
  const disposeAll = async (): Promise<void> => {
    for (const m of managers.values()) await m.dispose();
  };
  const untrack = track({
    description: `scratch databases ${name}* on ${shown}`,
    release: async () => {
      await disposeAll();
      await admin.end().catch(() => undefined);
    },
    releaseSync: () => {
      // The exit event cannot wait for the network: drop them with psql when available, else leave them.
      for (const m of managers.values()) {
        if (m.created) spawnSync('psql', [connect(given).url, '-c', `DROP DATABASE IF EXISTS ${quoteIdent(m.name)}`], { stdio: 'ignore', timeout: 3000 });
      }
    },
  });
  const fresh = async (n = 0): Promise<ScratchDatabase> => {
    if (inPlace && n !== 0) throw new DatabaseError('only one database is available (--allow-destructive in the given database)');
    try {
      return await slot(n).fresh();
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (!probed && n === 0 && (code === '42501' || /permission denied/i.test(errorText(e)))) {
        probed = true;
        if (options.allowDestructive !== true) {
          throw new DatabaseError(`could not create a scratch database on ${shown}`, {
            reason: `${redactUrl(errorText(e))}; alembic-guard runs downgrades and drops only in databases it creates`,
            hint: `Grant CREATEDB to the user, or pass --allow-destructive to run in database "${given}" itself (everything in it is dropped).`,
            cause: e,
          });
        }
        inPlace = true;
        managers.clear();
        return slot(0).fresh();
      }
      throw new DatabaseError(`could not prepare a scratch database on ${shown}`, { reason: redactUrl(errorText(e)), cause: e });
    }
  };
  return {
    kind: 'external',
    description: `PostgreSQL ${Math.floor(version / 10000)} at ${shown}`,
    startupMs: performance.now() - started,
    serverVersionNum: version,
    freshDatabase: fresh,
    urlFor: (n = 0) => connect(inPlace ? given : slot(n).name).url,
    slots: () => (inPlace ? 1 : 4),
    stop: async () => {
      await disposeAll();
      await admin.end().catch(() => undefined);
      untrack();
    },
  };
}
