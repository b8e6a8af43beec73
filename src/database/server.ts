/**
 * The database the checks run on, whichever server it is: an ephemeral embedded PostgreSQL
 * (embedded.ts, the default) or another server given by --database-url (external.ts). Either way
 * the checks get scratch databases by slot, with a statement_timeout, and everything they create is
 * dropped or deleted at the end.
 */
import { createServer } from 'node:net';
import pg from 'pg';

export interface ScratchDatabase {
  name: string;
  /** `postgresql://user:password@host:port/name` (no driver); pass through redactUrl before showing. */
  url: string;
  /** A node-postgres client connected to it (for snapshots). Closed by the next freshDatabase() or stop(). */
  client: pg.Client;
  /** True when this is a database alembic-guard created (always, unless --allow-destructive fell back). */
  created: boolean;
}

export interface DatabaseServer {
  kind: 'embedded' | 'external';
  /** Where it runs, password-free. */
  description: string;
  /** Milliseconds until it accepted connections (embedded) or until connected (external). */
  startupMs: number;
  /** Embedded only: whether the cached cluster template was used (false: initdb ran this time). */
  templateCached?: boolean;
  serverVersionNum: number;
  /**
   * Drop (if present) and recreate a scratch database; each slot keeps its name all run (env.py
   * files that cache their settings keep working). Slots let two helpers work side by side.
   */
  freshDatabase(slot?: number): Promise<ScratchDatabase>;
  /**
   * The URL a slot's database will have (`postgresql://…`, no driver), known before it exists:
   * env.py and the application's settings get it before any of their code runs.
   */
  urlFor(slot?: number): string;
  /** How many slots can be used at the same time (1 when running in the given database itself). */
  slots(): number;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** `SET statement_timeout` for the scratch databases, in seconds (default 60). */
  stepTimeoutSeconds?: number;
  /** Server logs and progress notes (for --verbose). */
  onLog?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}


// ---------------------------------------------------------------------------------------------
// Helpers

export function quoteIdent(name: string): string {
  return pg.escapeIdentifier(name);
}

export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const agg = (e as { errors?: unknown[] }).errors;
    if (e.message === '' && Array.isArray(agg) && agg.length > 0) return agg.map(errorText).join('; ');
    return e.message || e.name;
  }
  return String(e);
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Scratch databases, shared by both kinds of server

/** An admin connection for a moment: the embedded server's (to template1) is closed right after use,
 * so that template1 stays free for CREATE DATABASE; another server's stays open. */
export type AdminLease = <T>(fn: (client: pg.Client) => Promise<T>) => Promise<T>;

export class ScratchManager {
  private current: pg.Client | undefined;
  created = false;
  constructor(
    private readonly admin: AdminLease,
    readonly name: string,
    private readonly connect: (database: string) => { config: pg.ClientConfig; url: string },
    private readonly timeoutSeconds: number,
    private readonly serverVersionNum: number,
    private spares: string[] = [],
    private readonly inPlace: string | undefined = undefined,
  ) {}

  private async drop(client: pg.Client): Promise<void> {
    const ident = quoteIdent(this.name);
    if (this.serverVersionNum >= 130000) {
      await client.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
    } else {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [this.name]);
      await client.query(`DROP DATABASE IF EXISTS ${ident}`);
    }
  }

  async fresh(): Promise<ScratchDatabase> {
    await this.closeClient();
    if (this.inPlace !== undefined) return this.resetInPlace();
    await this.admin(async (admin) => {
      await this.drop(admin);
      const spare = this.spares.shift();
      if (spare !== undefined) {
        await admin.query(`ALTER DATABASE ${quoteIdent(spare)} RENAME TO ${quoteIdent(this.name)}`);
      } else {
        await admin.query(`CREATE DATABASE ${quoteIdent(this.name)} TEMPLATE template0`);
      }
      this.created = true;
      await admin.query(`ALTER DATABASE ${quoteIdent(this.name)} SET statement_timeout = ${Math.max(0, Math.round(this.timeoutSeconds * 1000))}`);
    });
    const { config, url } = this.connect(this.name);
    const client = new pg.Client(config);
    client.on('error', () => undefined);
    await client.connect();
    this.current = client;
    return { name: this.name, url, client, created: true };
  }

  /** --allow-destructive on a server where we may not create databases: empty the given database. */
  private async resetInPlace(): Promise<ScratchDatabase> {
    const { config, url } = this.connect(this.inPlace!);
    const client = new pg.Client(config);
    client.on('error', () => undefined);
    await client.connect();
    await client.query(`DO $$ DECLARE s text; BEGIN
      FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_' LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
      END LOOP;
      CREATE SCHEMA public;
    END $$`);
    await client.query(`SET statement_timeout = ${Math.round(this.timeoutSeconds * 1000)}`);
    this.current = client;
    return { name: this.inPlace!, url, client, created: false };
  }

  async closeClient(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    if (c !== undefined) await c.end().catch(() => undefined);
  }

  async dispose(): Promise<void> {
    await this.closeClient();
    if (this.created && this.inPlace === undefined) await this.admin((a) => this.drop(a)).catch(() => undefined);
    this.created = false;
  }
}

