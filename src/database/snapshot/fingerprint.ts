/**
 * The schema digest of a database from Node (fingerprint-sql.ts), for a database no helper session
 * is open on: installed in a transaction, computed, rolled back, so nothing stays behind.
 */
import type pg from 'pg';
import { FINGERPRINT_INSTALL_SQL, statementsOf } from './fingerprint-sql.js';

export async function schemaDigest(client: pg.Client, ignoreTables: readonly string[] = []): Promise<string> {
  await client.query('BEGIN');
  try {
    for (const statement of statementsOf(FINGERPRINT_INSTALL_SQL)) await client.query(statement);
    await client.query('UPDATE alembic_guard.settings SET ignore_tables = $1', [ignoreTables]);
    const r = await client.query<{ d: string }>('SELECT alembic_guard.full_digest() AS d');
    return r.rows[0]!.d;
  } finally {
    await client.query('ROLLBACK');
  }
}
