import { runFormatted } from './application-role';
import type { SqlClient } from './sql-client';
import { VECTOR_DATABASE_SETTINGS } from '../../contract/vector-schema/database-settings';

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
