import {
  vectorSchemaMigrations,
  type Migration,
  type VectorSchemaOptions,
} from '../../contract/vector-schema/migrations';
import type { SqlClient } from './sql-client';

/** Serialises concurrent migrators (two deploys, or a deploy and a test) on one database. */
const MIGRATION_LOCK = 0x6c6c6d; // "llm"

/**
 * Applies the migrations that have not run yet, in order, each in its own transaction, and records
 * them in `schema_migrations`; then the repeatable ones, every time (idempotent, not recorded).
 * Safe to run again and from several places at once. Returns the ids of the recorded ones it applied.
 *
 * `session` must be one database session (a `pg.Client`, a client checked out of a `pg.Pool`, or
 * PGlite), not a pool: the lock and the transactions must stay on one connection.
 */
export async function migrate(session: SqlClient, migrations: readonly Migration[]): Promise<string[]> {
  const applied: string[] = [];
  await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await session.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await session.query<{ id: string }>('SELECT id FROM schema_migrations');
    const done = new Set(rows.map((row) => row.id));
    const sorted = [...migrations].sort((a, b) => a.id.localeCompare(b.id));
    const versioned = sorted.filter((m) => !m.repeatable && !done.has(m.id));
    for (const migration of [...versioned, ...sorted.filter((m) => m.repeatable)]) {
      await session.query('BEGIN');
      try {
        await session.query(migration.sql);
        if (!migration.repeatable)
          await session.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
        await session.query('COMMIT');
      } catch (error) {
        await session.query('ROLLBACK');
        throw new Error(`migration ${migration.id} failed: ${(error as Error).message}`, { cause: error });
      }
      if (!migration.repeatable) applied.push(migration.id);
    }
  } finally {
    await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
  return applied;
}

/** Applies the platform's vector schema. */
export function migrateVectorSchema(session: SqlClient, options: VectorSchemaOptions): Promise<string[]> {
  return migrate(session, vectorSchemaMigrations(options));
}
