import { purgeExpired, purgeSettings } from '../../lambda/core/retention/purge';
import { startPlatformDatabase, type PlatformDatabase } from '../support/platform-database';

/**
 * The retention purge on the platform's real schema (PGlite with pgvector, through `pg` as on
 * Aurora): rows are written with timestamps in the past and the future, and only what is past its
 * retention goes.
 */
let db: PlatformDatabase;

beforeAll(async () => {
  db = await startPlatformDatabase(3);
}, 120_000);

afterAll(async () => {
  await db?.close();
});

beforeEach(async () => {
  await db.pool.query('DELETE FROM semantic_cache');
  await db.pool.query('DELETE FROM async_jobs');
});

/** `count` cache entries of `tenant` that expire `offsetSeconds` from now (negative: already expired). */
async function cacheEntries(tenant: string, count: number, offsetSeconds: number): Promise<void> {
  await db.pool.query(
    `INSERT INTO semantic_cache (tenant, partition, prompt_hash, embedding, response, expires_at)
     SELECT $1, 'p', $1 || '-' || $3::int || '-' || g, '[0.1,0.2,0.3]', '{"answer":"x"}',
            now() + make_interval(secs => $3::int)
     FROM generate_series(1, $2) AS g`,
    [tenant, count, offsetSeconds],
  );
}

async function job(id: string, status: string, offsetSeconds: number): Promise<void> {
  await db.pool.query(
    `INSERT INTO async_jobs (tenant, id, owner, endpoint, request, status, expires_at)
     VALUES ('t1', $1, '{}', 'chat.completions', '{}', $2, now() + make_interval(secs => $3))`,
    [id, status, offsetSeconds],
  );
}

async function remaining(): Promise<{ cache: number; jobs: string[] }> {
  const cache = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM semantic_cache');
  const jobs = await db.pool.query<{ id: string }>('SELECT id FROM async_jobs ORDER BY id');
  return { cache: cache.rows[0].n, jobs: jobs.rows.map((row) => row.id) };
}

test('deletes expired cache entries and finished jobs past retention, and keeps everything else', async () => {
  await cacheEntries('t1', 25, -60);
  await cacheEntries('t2', 10, 3600);
  await job('done-expired', 'succeeded', -60);
  await job('failed-expired', 'failed', -60);
  await job('done-live', 'succeeded', 3600);
  await job('queued-just-expired', 'queued', -60);
  await job('running-long-expired', 'running', -2 * 86_400);

  const report = await purgeExpired(db.pool, { batchSize: 10 });

  // 25 cache entries in batches of 10 (10, 10, 5), then the jobs in one.
  expect(report).toEqual({ semanticCache: 25, asyncJobs: 3, batches: 4, complete: true });
  expect(await remaining()).toEqual({ cache: 10, jobs: ['done-live', 'queued-just-expired'] });
  // Nothing is left to do: a second run deletes nothing.
  expect(await purgeExpired(db.pool, { batchSize: 10 })).toEqual({
    semanticCache: 0,
    asyncJobs: 0,
    batches: 2,
    complete: true,
  });
});

test('a job still in flight is kept for the grace period past its expiry, then deleted', async () => {
  await job('queued-expired', 'queued', -600);
  expect((await purgeExpired(db.pool, { inFlightGraceSeconds: 3600 })).asyncJobs).toBe(0);
  expect((await purgeExpired(db.pool, { inFlightGraceSeconds: 60 })).asyncJobs).toBe(1);
  expect((await remaining()).jobs).toEqual([]);
});

test('stops starting batches when the time budget is spent, and the next run continues', async () => {
  await cacheEntries('t1', 30, -60);
  await job('done-expired', 'succeeded', -60);
  let now = 0;
  // Each reading of the clock is 20 ms later: the budget of 50 ms lets two batches start (at 20 and 40).
  const clock = () => {
    const at = now;
    now += 20;
    return at;
  };
  const first = await purgeExpired(db.pool, { batchSize: 10, timeBudgetMs: 50, clock });
  expect(first).toEqual({ semanticCache: 20, asyncJobs: 0, batches: 2, complete: false });
  expect(await purgeExpired(db.pool, { batchSize: 10 })).toEqual({
    semanticCache: 10,
    asyncJobs: 1,
    batches: 3,
    complete: true,
  });
  expect(await remaining()).toEqual({ cache: 0, jobs: [] });
});

test('bad options are refused all at once, each saying what was given', () => {
  expect(() => purgeSettings({ batchSize: 0, timeBudgetMs: 0, inFlightGraceSeconds: -1 })).toThrow(
    'Retention purge options: batchSize must be a whole number from 1 to 10000 (got 0); ' +
      'timeBudgetMs must be a positive number of milliseconds (got 0); ' +
      'inFlightGraceSeconds must be zero or more seconds (got -1).',
  );
  expect(() => purgeSettings({ batchSize: 2.5 })).toThrow('(got 2.5)');
  expect(purgeSettings()).toEqual({ batchSize: 1000, timeBudgetMs: 60_000, inFlightGraceSeconds: 86_400 });
});
