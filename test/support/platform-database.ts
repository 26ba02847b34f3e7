import { Pool } from 'pg';
import { migrateVectorSchema, startEmbeddedPostgres, type EmbeddedPostgres } from '../../lambda/core/vector';

export interface PlatformDatabase {
  readonly pg: EmbeddedPostgres;
  /** Through `pg`, as the deployed code talks to Aurora. */
  readonly pool: Pool;
  close(): Promise<void>;
}

/**
 * Embedded Postgres (PGlite with pgvector, served over the wire) with the platform's whole schema
 * applied, as the VectorStore construct's set-up step applies it on Aurora.
 */
export async function startPlatformDatabase(dimensions: number): Promise<PlatformDatabase> {
  const pg = await startEmbeddedPostgres();
  const pool = new Pool({ connectionString: pg.connectionString, max: 8 });
  const session = await pool.connect();
  try {
    await migrateVectorSchema(session, { dimensions });
  } finally {
    session.release();
  }
  return {
    pg,
    pool,
    close: async () => {
      await pool.end();
      await pg.stop();
    },
  };
}
