import { runFormatted } from './application-role';
import type { SqlClient } from './sql-client';

/**
 * Settings the platform gives its database as defaults for every new session (`ALTER DATABASE ...
 * SET`), for parameters that a DB parameter group cannot hold. Aurora's parameter groups accept
 * only the parameters AWS lists for the engine, and pgvector's (`hnsw.*`) are not among them.
 */
export const VECTOR_DATABASE_SETTINGS: Readonly<Record<string, string>> = {
  // Filtered nearest-neighbour queries (the semantic cache filters by tenant and partition) keep
  // scanning the HNSW index until enough rows pass the filter, instead of returning too few
  // (pgvector >= 0.8). Relaxed order: the caller re-checks each row's distance anyway.
  'hnsw.iterative_scan': 'relaxed_order',
};

const SETTING_NAME = /^[a-z_]+\.[a-z_]+$|^[a-z_]+$/;

/**
 * Applies the settings to the current database. Idempotent. Runs after the migrations, so that
 * pgvector is loaded in the session and a bad value is an error here rather than a warning later.
 */
export async function applyDatabaseSettings(
  session: SqlClient,
  settings: Readonly<Record<string, string>> = VECTOR_DATABASE_SETTINGS,
): Promise<void> {
  // Loading the extension's library defines its parameters, so the server validates the values.
  await session.query(`SELECT '[1]'::vector`);
  for (const [name, value] of Object.entries(settings)) {
    if (!SETTING_NAME.test(name)) throw new Error(`"${name}" is not a parameter name`);
    const { rows } = await session.query<{ db: string }>('SELECT current_database() AS db');
    await runFormatted(session, `ALTER DATABASE %I SET ${name} = %L`, rows[0].db, value);
  }
}
