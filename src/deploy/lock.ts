/**
 * One runner at a time: a session-level advisory lock (pg_advisory_lock semantics, taken with
 * pg_try_advisory_lock so that waiting can be shown) on a connection of its own, keyed on the
 * database and the version table. A session lock outlives the transactions of the migration
 * itself (autocommit blocks, CREATE INDEX CONCURRENTLY), and the server releases it when the
 * connection ends, also when the runner is killed.
 *
 * A second connection (the monitor) reads pg_locks and pg_stat_activity: who holds the lock, which
 * sessions block the migration's statement, whether a killed run's statement is still running.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import { DatabaseError, redactUrl } from '../errors.js';
import { loadPg } from '../database/pg-module.js';

/** The application_name of the migration connection (helper.py's DEPLOY_APPLICATION). */
export const MIGRATION_APPLICATION = 'alembic-guard migrate';

/** The advisory lock's key: the same for every runner on this database and version table. */
export function lockKey(database: string, versionTable: string): bigint {
  const digest = createHash('sha256').update(`alembic-guard migrate\0${database}\0${versionTable}`).digest();
  return digest.readBigInt64BE(0);
}

/** pg_locks shows a bigint advisory key as classid (high 32 bits) and objid (low 32 bits), objsubid 1. */
function keyParts(key: bigint): { classid: string; objid: string } {
  const unsigned = BigInt.asUintN(64, key);
  return { classid: String(unsigned >> 32n), objid: String(unsigned & 0xffffffffn) };
}

export interface Session {
  pid: number;
  applicationName: string;
  user: string | null;
  clientAddr: string | null;
  state: string | null;
  /** When it took the lock (its connection went idle) or started its transaction, as the server says. */
  since: string | null;
  query: string | null;
}

const SESSION_COLUMNS = `a.pid, coalesce(a.application_name, '') AS application_name, a.usename AS user, a.client_addr::text AS client_addr,
  a.state, to_char(coalesce(a.xact_start, a.state_change) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since, left(a.query, 500) AS query`;

function session(row: Record<string, unknown>): Session {
  return {
    pid: Number(row.pid),
    applicationName: String(row.application_name ?? ''),
    user: (row.user as string | null) ?? null,
    clientAddr: (row.client_addr as string | null) ?? null,
    state: (row.state as string | null) ?? null,
    since: (row.since as string | null) ?? null,
    query: (row.query as string | null) ?? null,
  };
}

async function connect(url: string, applicationName: string): Promise<pg.Client> {
  const client = new (await loadPg()).Client({ connectionString: url, application_name: applicationName.slice(0, 63), connectionTimeoutMillis: 15_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new DatabaseError(`cannot connect to ${redactUrl(url)}`, {
      reason: redactUrl((e as Error).message),
      hint: 'Check the host, port, user, password and database name (--database-url, or the URL env.py uses).',
      cause: e,
    });
  }
  return client;
}

export interface WaitProgress {
  /** Who holds the lock (null when it is released between two looks). */
  holder: Session | null;
  waitedMs: number;
}

export class MigrationLock {
  private held = false;
  private lost: Error | undefined;

  private constructor(
    private readonly lock: pg.Client,
    private readonly monitor: pg.Client,
    readonly key: bigint,
  ) {
    lock.on('error', (e) => {
      this.lost = e;
    });
    lock.on('end', () => {
      if (this.held) this.lost ??= new Error('the connection holding the migration lock was closed');
    });
  }

  /** Two connections to `url` (libpq form): the lock's and the monitor's. */
  static async open(url: string, versionTable: string): Promise<MigrationLock> {
    const who = `${hostname()} pid ${process.pid}`;
    const lock = await connect(url, `${MIGRATION_APPLICATION} lock, ${who}`);
    let monitor: pg.Client;
    try {
      monitor = await connect(url, `${MIGRATION_APPLICATION} monitor, ${who}`);
    } catch (e) {
      await lock.end().catch(() => undefined);
      throw e;
    }
    const database = String((await lock.query<{ d: string }>('SELECT current_database() AS d')).rows[0]?.d);
    return new MigrationLock(lock, monitor, lockKey(database, versionTable));
  }

  /**
   * A pooler in transaction mode (PgBouncer's pool_mode = transaction) gives each transaction any
   * server connection: a session lock would not stay with this runner. Seen when the backend
   * changes between statements of one client connection. Returns what to tell the user, or undefined.
   */
  async poolerProblem(): Promise<string | undefined> {
    const pids = new Set<number>();
    for (let i = 0; i < 3; i++) pids.add(Number((await this.lock.query<{ p: number }>('SELECT pg_backend_pid() AS p')).rows[0]?.p));
    if (pids.size > 1) return `consecutive statements on one connection ran in ${pids.size} different server sessions (pids ${[...pids].join(', ')})`;
    return undefined;
  }

  /** After taking it: is the lock ours, in this very session? (Not so behind a transaction pooler.) */
  private async visible(): Promise<boolean> {
    const { classid, objid } = keyParts(this.key);
    const r = await this.lock.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_catalog.pg_locks
       WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() AND classid = $1::oid AND objid = $2::oid AND objsubid = 1`,
      [classid, objid],
    );
    return Number(r.rows[0]?.n) === 1;
  }

  /** Who holds the lock now. */
  async holder(): Promise<Session | null> {
    const { classid, objid } = keyParts(this.key);
    const r = await this.monitor.query(
      `SELECT ${SESSION_COLUMNS} FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1
         AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())`,
      [classid, objid],
    );
    return r.rows[0] !== undefined ? session(r.rows[0]) : null;
  }

  /**
   * Take the lock, waiting up to `waitMs` for another runner to release it; `onWait` is called
   * when the wait starts and whenever the holder changes. False when the wait ran out.
   */
  async acquire(waitMs: number, onWait: (p: WaitProgress) => void): Promise<{ ok: boolean; waitedMs: number; holder: Session | null }> {
    const started = performance.now();
    let lastHolder: number | undefined;
    let holder: Session | null = null;
    for (let attempt = 0; ; attempt++) {
      const got = (await this.lock.query<{ ok: boolean }>('SELECT pg_catalog.pg_try_advisory_lock($1::bigint) AS ok', [this.key.toString()])).rows[0]?.ok === true;
      const waitedMs = Math.round(performance.now() - started);
      if (got) {
        this.held = true;
        if (!(await this.visible())) {
          await this.release();
          throw new DatabaseError('the migration lock is not held by this connection: the database is reached through a pooler in transaction mode', {
            reason: 'pg_advisory_lock succeeded, but pg_locks does not show the lock in the session that took it (PgBouncer with pool_mode = transaction hands each transaction another server connection)',
            hint: 'Point --database-url (or env.py) for migrations at PostgreSQL directly, or at a pool in session mode (PgBouncer pool_mode = session), and keep transaction pooling for the application.',
          });
        }
        return { ok: true, waitedMs, holder };
      }
      holder = await this.holder();
      if (attempt === 0 || (holder?.pid ?? -1) !== lastHolder) onWait({ holder, waitedMs });
      lastHolder = holder?.pid ?? -1;
      if (waitedMs >= waitMs) return { ok: false, waitedMs, holder };
      await new Promise((r) => setTimeout(r, Math.min(250 + attempt * 50, 1000, Math.max(10, waitMs - waitedMs))));
    }
  }

  /**
   * A killed runner's statement can still be running on the server (until the server notices the
   * closed connection): sessions of the migration connection that are not idle while we hold the lock.
   */
  async orphans(): Promise<Session[]> {
    const r = await this.monitor.query(
      `SELECT ${SESSION_COLUMNS} FROM pg_catalog.pg_stat_activity a
       WHERE a.datname = current_database() AND a.application_name = $1 AND a.pid <> pg_backend_pid() AND a.state IS DISTINCT FROM 'idle'`,
      [MIGRATION_APPLICATION],
    );
    return r.rows.map(session);
  }

  /** The sessions holding the locks `pid` waits for (pg_blocking_pids), with their queries. */
  async blockersOf(pid: number): Promise<Session[]> {
    const r = await this.monitor.query(
      `SELECT ${SESSION_COLUMNS} FROM unnest(pg_catalog.pg_blocking_pids($1::int)) AS b(pid)
       JOIN pg_catalog.pg_stat_activity a ON a.pid = b.pid ORDER BY a.pid`,
      [pid],
    );
    return r.rows.map(session);
  }

  /** Raises when the lock connection was lost while we held the lock. */
  check(): void {
    if (this.lost !== undefined) {
      throw new DatabaseError('the connection holding the migration lock was lost', {
        reason: redactUrl(this.lost.message),
        hint: 'Another runner may start now. Check the network to the database; run `alembic-guard doctor` to see the state.',
      });
    }
  }

  async release(): Promise<void> {
    if (this.held) {
      this.held = false;
      await this.lock.query('SELECT pg_catalog.pg_advisory_unlock($1::bigint)', [this.key.toString()]).catch(() => undefined);
    }
    await this.lock.end().catch(() => undefined);
    await this.monitor.end().catch(() => undefined);
  }
}
