import { Pool, type PoolClient } from 'pg';
import {
  migrate,
  migrateVectorSchema,
  startEmbeddedPostgres,
  toVectorLiteral,
  type EmbeddedPostgres,
} from '../../lambda/core/vector';
import { chunkIndexType } from '../../lambda/contract/vector-schema/embedding-migrations';
import { nearestChunksSql } from '../../lambda/core/embeddings';

describe('vector schema on embedded Postgres + pgvector, through pg', () => {
  let pg: EmbeddedPostgres;
  let pool: Pool;
  let session: PoolClient;

  beforeAll(async () => {
    pg = await startEmbeddedPostgres();
    pool = new Pool({ connectionString: pg.connectionString, max: 4 });
    session = await pool.connect();
  });
  afterAll(async () => {
    session.release();
    await pool.end();
    await pg.stop();
  });

  test('applies every migration once, and a second run applies none', async () => {
    expect(await migrateVectorSchema(session, { dimensions: 3 })).toEqual([
      '001_vector_extension',
      '002_semantic_cache',
      '005_async_jobs',
      '006_embedding_collections',
      '007_embedding_chunks',
      '008_embedding_chunks_hnsw_0003',
    ]);
    expect(await migrateVectorSchema(session, { dimensions: 3 })).toEqual([]);
    const { rows } = await pool.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
    expect(rows[0].extversion).toMatch(/^0\.\d+\.\d+$/);
  });

  test('the HNSW index answers a cosine nearest-neighbour query', async () => {
    const insert = `INSERT INTO semantic_cache (tenant, partition, prompt_hash, embedding, response, expires_at)
                    VALUES ($1, 'p', $2, $3, '{}', now() + interval '1 hour')`;
    await pool.query(insert, ['t1', 'a', toVectorLiteral([1, 0, 0])]);
    await pool.query(insert, ['t1', 'b', toVectorLiteral([0, 1, 0])]);
    await pool.query('SET enable_seqscan = off');
    const { rows } = await pool.query(
      'SELECT prompt_hash, 1 - (embedding <=> $1) AS similarity FROM semantic_cache ORDER BY embedding <=> $1 LIMIT 1',
      [toVectorLiteral([0.9, 0.1, 0])],
    );
    expect(rows[0].prompt_hash).toBe('a');
    expect(Number(rows[0].similarity)).toBeGreaterThan(0.99);
    const plan = await pool.query('EXPLAIN SELECT id FROM semantic_cache ORDER BY embedding <=> $1 LIMIT 1', [
      toVectorLiteral([1, 0, 0]),
    ]);
    expect(JSON.stringify(plan.rows)).toContain('semantic_cache_embedding_hnsw');
  });

  test('a failing migration is rolled back and named', async () => {
    await expect(migrate(session, [{ id: '999_broken', sql: 'CREATE TABLE nope (' }])).rejects.toThrow(
      /^migration 999_broken failed: /,
    );
    const { rows } = await pool.query("SELECT id FROM schema_migrations WHERE id = '999_broken'");
    expect(rows).toEqual([]);
  });

  test('refuses dimensions that HNSW cannot index', () => {
    expect(() => migrateVectorSchema(session, { dimensions: 4096 })).toThrow(
      /semantic cache's vector dimensions must be a whole number from 1 to 2000.*got 4096: ask its model for fewer/,
    );
    expect(() => migrateVectorSchema(session, { dimensions: 3, embeddingDimensions: [4097] })).toThrow(
      /from 1 to 4000 \(the HNSW limit, as halfvec above 2000\); got 4097/,
    );
  });
});

describe('an index for every vector size in use', () => {
  let pg: EmbeddedPostgres;
  let pool: Pool;

  beforeAll(async () => {
    pg = await startEmbeddedPostgres();
    pool = new Pool({ connectionString: pg.connectionString, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await pg.stop();
  });

  /** Migrates on one session of its own (the lock and the transactions stay on it). */
  async function migrateWith(options: Parameters<typeof migrateVectorSchema>[1]): Promise<string[]> {
    const session = await pool.connect();
    try {
      return await migrateVectorSchema(session, options);
    } finally {
      session.release();
    }
  }

  const plan = async (sql: string, params: unknown[]) => {
    const session = await pool.connect();
    try {
      // Tables this small would be scanned or sorted: ask the planner what it does when it may not.
      await session.query('BEGIN');
      await session.query('SET LOCAL enable_seqscan = off');
      await session.query('SET LOCAL enable_sort = off');
      return JSON.stringify((await session.query(`EXPLAIN ${sql}`, params)).rows);
    } finally {
      await session.query('ROLLBACK');
      session.release();
    }
  };
  const vector = (n: number) => toVectorLiteral(Array.from({ length: n }, (_, i) => (i % 7) / 7));

  test('a 1536-d collection is searched with HNSW; a 3072-d one with a halfvec index; a size added later is indexed', async () => {
    await migrateWith({ dimensions: 256, embeddingDimensions: [256, 1536] });
    // The embedding service's own search statement.
    const search = (n: number) => plan(nearestChunksSql(n), ['t', 'c', 1, vector(n), '{}', 5]);
    expect(await search(1536)).toContain('embedding_chunks_hnsw_1536');
    // A model of another size configured on a store that exists: its index comes with the next migration.
    expect(await migrateWith({ dimensions: 256, embeddingDimensions: [256, 1536, 3072] })).toEqual([
      '008_embedding_chunks_hnsw_3072',
    ]);
    expect(chunkIndexType(3072)).toBe('halfvec(3072)');
    const { rows } = await pool.query("SELECT indexdef FROM pg_indexes WHERE indexname = 'embedding_chunks_hnsw_3072'");
    expect(rows[0].indexdef).toMatch(/hnsw \(\(\(embedding\)::halfvec\(3072\)\) halfvec_cosine_ops\)/);
    expect(await search(3072)).toContain('embedding_chunks_hnsw_3072');
  });

  test('a new size for the semantic cache drops and makes its table again; the same size keeps its rows', async () => {
    await migrateWith({ dimensions: 256 });
    const insert = (n: number) =>
      pool.query(
        `INSERT INTO semantic_cache (tenant, partition, prompt_hash, embedding, response, expires_at)
         VALUES ('t', 'p', $1, $2, '{}', now() + interval '1 hour')`,
        [`h${n}`, vector(n)],
      );
    const column = async () =>
      (
        await pool.query(
          `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
            WHERE attrelid = 'semantic_cache'::regclass AND attname = 'embedding'`,
        )
      ).rows[0].type;
    const count = async () => (await pool.query('SELECT count(*)::int AS n FROM semantic_cache')).rows[0].n;
    await insert(256);
    await migrateWith({ dimensions: 256 });
    expect(await count()).toBe(1);

    await migrateWith({ dimensions: 1536 });
    expect(await column()).toBe('vector(1536)');
    expect(await count()).toBe(0);
    await insert(1536);
    expect(await plan('SELECT id FROM semantic_cache ORDER BY embedding <=> $1 LIMIT 1', [vector(1536)])).toContain(
      'semantic_cache_embedding_hnsw',
    );
    // ...and back: a size used before is not skipped as already done.
    await migrateWith({ dimensions: 256 });
    expect(await column()).toBe('vector(256)');
  });
});
