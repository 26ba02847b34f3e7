import { Pool, type PoolClient } from 'pg';
import {
  migrate,
  migrateVectorSchema,
  startEmbeddedPostgres,
  toVectorLiteral,
  type EmbeddedPostgres,
} from '../../lambda/core/vector';

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
    expect(() => migrateVectorSchema(session, { dimensions: 4096 })).toThrow(/from 1 to 2000.*got 4096/);
  });
});
