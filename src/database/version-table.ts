/**
 * Reads Alembic's version table, read-only: one connection (node-postgres), one READ ONLY
 * transaction, two SELECTs, ROLLBACK. Never creates, locks or writes anything.
 */
import type pg from 'pg';
import { DatabaseError, UsageError, redactUrl } from '../errors.js';
import { loadPg } from './pg-module.js';

const POSTGRES_DRIVERS = new Set(['', 'psycopg2', 'psycopg', 'psycopg2cffi', 'asyncpg', 'pg8000', 'psycopg_async']);

/**
 * A SQLAlchemy URL (`postgresql+psycopg2://u:p@h:5432/db?sslmode=require`) as a libpq/node-postgres
 * connection string (`postgresql://u:p@h:5432/db?sslmode=require`). Other dialects are a usage error.
 */
export function toPostgresUrl(url: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9]*)(?:\+([a-zA-Z0-9_]+))?:\/\/(.*)$/s.exec(url.trim());
  if (m === null) {
    throw new UsageError(`--database-url is not a database URL: ${redactUrl(url)}`, {
      hint: 'Use the form postgresql://user:password@host:5432/dbname (SQLAlchemy forms such as postgresql+psycopg2:// work too).',
    });
  }
  const dialect = m[1]!.toLowerCase();
  const driver = (m[2] ?? '').toLowerCase();
  if ((dialect !== 'postgresql' && dialect !== 'postgres') || !POSTGRES_DRIVERS.has(driver)) {
    throw new UsageError(`status reads PostgreSQL only, not ${dialect}${driver !== '' ? `+${driver}` : ''}`, {
      hint: 'Pass a postgresql:// URL.',
    });
  }
  let rest = m[3]!;
  // asyncpg spells sslmode `ssl`; libpq and node-postgres know sslmode.
  rest = rest.replace(/([?&])ssl=/, '$1sslmode=');
  return `postgresql://${rest}`;
}

/** `schema.table` or `table` as a quoted SQL name. */
export function quoteTableName(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) {
    throw new UsageError(`--version-table "${name}" is not [schema.]table`);
  }
  return parts.map((p) => `"${p.replace(/"/g, '""')}"`).join('.');
}

/** The version_num rows, or null when the table does not exist. */
export async function readVersionTable(url: string, table = 'alembic_version'): Promise<string[] | null> {
  const connectionString = toPostgresUrl(url);
  const quoted = quoteTableName(table);
  const client = new (await loadPg()).Client({ connectionString, application_name: 'alembic-guard status', connectionTimeoutMillis: 15_000 });
  // A failed connection emits 'error' as well as rejecting; keep it from becoming an uncaught event.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    throw new DatabaseError(`cannot connect to ${redactUrl(connectionString)}`, {
      reason: redactUrl((e as Error).message),
      hint: 'Check the host, port, user, password and database name in --database-url.',
    });
  }
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [quoted]);
    let rows: string[] | null = null;
    if (exists.rows[0]?.t !== null && exists.rows[0]?.t !== undefined) {
      const result = await client.query<{ v: string }>(`SELECT version_num AS v FROM ${quoted} ORDER BY version_num`);
      rows = result.rows.map((r) => r.v);
    }
    await client.query('ROLLBACK');
    return rows;
  } catch (e) {
    throw new DatabaseError(`cannot read the version table ${table}`, {
      reason: redactUrl((e as Error).message),
      hint: 'The user needs SELECT on the version table; pass --version-table when env.py sets version_table or version_table_schema.',
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}
