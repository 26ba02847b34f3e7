import { Pool } from 'pg';
import { purgeExpired } from '../../lambda/core/retention/purge';
import { vectorSchemaMigrations } from '../../lambda/contract/vector-schema/migrations';

/**
 * The purge never waits on live traffic: a row another transaction holds is skipped and left for
 * the next run. PGlite serves one connection at a time, so this runs on the PostgreSQL server on
 * 127.0.0.1:5432 (it fails, never skips, when that is down), in a schema of its own.
 */
const SCHEMA = `purge_locks_${process.pid}`;
let pool: Pool;

beforeAll(async () => {
  pool = new Pool({
    connectionString: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    options: `-c search_path=${SCHEMA}`,
    max: 4,
  });
  await pool.query(`CREATE SCHEMA ${SCHEMA}`);
  const jobs = vectorSchemaMigrations({ dimensions: 3 }).find((migration) => migration.id === '005_async_jobs');
  await pool.query(jobs!.sql);
  // This server has no pgvector; the purge reads only these two columns of the cache's table.
  await pool.query('CREATE TABLE semantic_cache (id bigserial PRIMARY KEY, expires_at timestamptz NOT NULL)');
});

afterAll(async () => {
  await pool?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await pool?.end();
});

test('a job another transaction holds is skipped, not waited for, and purged by a later run', async () => {
  await pool.query(
    `INSERT INTO async_jobs (tenant, id, owner, endpoint, request, status, expires_at)
     SELECT 't1', 'job-' || g, '{}', 'chat.completions', '{}', 'succeeded', now() - interval '1 minute'
     FROM generate_series(1, 3) AS g`,
  );
  const holder = await pool.connect();
  try {
    await holder.query('BEGIN');
    await holder.query("SELECT id FROM async_jobs WHERE id = 'job-1' FOR UPDATE");
    expect((await purgeExpired(pool)).asyncJobs).toBe(2);
    await holder.query('COMMIT');
  } finally {
    holder.release();
  }
  expect(await purgeExpired(pool)).toMatchObject({ asyncJobs: 1, complete: true });
  expect((await pool.query('SELECT id FROM async_jobs')).rows).toEqual([]);
});
