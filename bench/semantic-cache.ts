/**
 * Semantic-cache lookup at scale on embedded Postgres + pgvector (PGlite), through `pg`.
 *
 *   npx tsx bench/semantic-cache.ts [--entries 100000] [--queries 300]
 *
 * Fills `semantic_cache` with random unit vectors (256 dimensions, one tenant and partition, as
 * the worst case for the tenant filter), builds the HNSW index, then times the gateway's lookup query
 * with queries that are paraphrase-like perturbations of stored entries (cosine about 0.97 to their
 * source), and measures recall@1 against exact (sequential-scan) search, beside the exact search's
 * own latency in the same run.
 */
import { Pool } from 'pg';
import { migrateVectorSchema, startEmbeddedPostgres, toVectorLiteral } from '../lambda/core/vector';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) =>
  args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback;
const ENTRIES = option('--entries', 100_000);
const QUERIES = option('--queries', 300);
const DIMENSIONS = 256;

// mulberry32: a full-period 32-bit generator, so no two vectors repeat.
let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296 - 0.5;
};
const unitVector = () => {
  const v = Array.from({ length: DIMENSIONS }, random);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const LOOKUP = `SELECT id, prompt_hash, 1 - (embedding <=> $1) AS similarity FROM semantic_cache
  WHERE tenant = 'bench' AND partition = 'p' AND expires_at > now() ORDER BY embedding <=> $1 LIMIT 1`;

async function main(): Promise<void> {
  const pg = await startEmbeddedPostgres();
  const pool = new Pool({ connectionString: pg.connectionString, max: 1 });
  const session = await pool.connect();
  await migrateVectorSchema(session, { dimensions: DIMENSIONS });
  await session.query('DROP INDEX semantic_cache_embedding_hnsw');

  const loadStarted = performance.now();
  const batch = 500;
  const sources: number[][] = [];
  const sampleEvery = Math.max(1, Math.floor(ENTRIES / QUERIES));
  for (let i = 0; i < ENTRIES; i += batch) {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let j = i; j < Math.min(ENTRIES, i + batch); j++) {
      const vector = unitVector();
      if (j % sampleEvery === 0 && sources.length < QUERIES) sources.push(vector);
      params.push(`h${j}`, toVectorLiteral(vector));
      values.push(`('bench', 'p', $${params.length - 1}, $${params.length}, '{}', now() + interval '1 day')`);
    }
    await session.query(
      `INSERT INTO semantic_cache (tenant, partition, prompt_hash, embedding, response, expires_at) VALUES ${values.join(',')}`,
      params,
    );
  }
  const loaded = performance.now();
  await session.query(
    'CREATE INDEX semantic_cache_embedding_hnsw ON semantic_cache USING hnsw (embedding vector_cosine_ops)',
  );
  const indexed = performance.now();
  await session.query('ANALYZE semantic_cache');
  await session.query('SET hnsw.ef_search = 100');
  await session.query("SET hnsw.iterative_scan = 'strict_order'");

  // A paraphrase of a cached question: its source vector plus a little noise.
  const queries = sources.map((source) => {
    const noise = unitVector();
    const v = source.map((x, i) => x + 0.25 * noise[i]);
    const norm = Math.hypot(...v);
    return toVectorLiteral(v.map((x) => x / norm));
  });
  const approximate: number[] = [];
  const exact: number[] = [];
  let agree = 0;
  for (const q of queries) {
    let started = performance.now();
    const a = await session.query<{ id: string }>(LOOKUP, [q]);
    approximate.push(performance.now() - started);
    await session.query('SET enable_indexscan = off');
    started = performance.now();
    const e = await session.query<{ id: string }>(LOOKUP, [q]);
    exact.push(performance.now() - started);
    await session.query('SET enable_indexscan = on');
    if (a.rows[0]?.id === e.rows[0]?.id) agree++;
    else if (process.env.BENCH_DEBUG) console.log('disagree', a.rows[0], e.rows[0]);
  }
  const plan = await session.query(`EXPLAIN ${LOOKUP}`, [queries[0]]);
  approximate.sort((x, y) => x - y);
  exact.sort((x, y) => x - y);

  console.log(
    `semantic cache, ${ENTRIES.toLocaleString('en-US')} entries x ${DIMENSIONS} dimensions, PGlite (WASM), ${QUERIES} lookups`,
  );
  console.log(
    `load ${((loaded - loadStarted) / 1000).toFixed(1)} s, HNSW build ${((indexed - loaded) / 1000).toFixed(1)} s`,
  );
  console.log(`plan: ${JSON.stringify(plan.rows).includes('hnsw') ? 'HNSW index scan' : 'no index'}\n`);
  console.log('| lookup | p50 (ms) | p99 (ms) | recall@1 |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(
    `| HNSW (ef_search 100, strict iterative scan) | ${percentile(approximate, 50).toFixed(2)} | ${percentile(approximate, 99).toFixed(2)} | ${((100 * agree) / QUERIES).toFixed(1)}% |`,
  );
  console.log(
    `| exact scan (baseline) | ${percentile(exact, 50).toFixed(2)} | ${percentile(exact, 99).toFixed(2)} | 100% |`,
  );

  session.release();
  await pool.end();
  await pg.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
