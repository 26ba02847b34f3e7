import { nearestChunksSql } from '../../lambda/core/embeddings';
import { toVectorLiteral } from '../../lambda/core/vector';
import { builtinEmbedding } from '../../lambda/providers/builtin';
import { DIMENSIONS, MODEL, startEmbeddingsDatabase, testService } from './fixtures';

/**
 * The search uses the partial HNSW index, and still finds a small collection's chunks when the
 * index's nearest neighbours all belong to a big collection of another tenant.
 *
 * The plan is forced with enable_seqscan and enable_sort off: on these few rows the planner would
 * rightly read the collection's chunks by primary key and sort them (an exact search).
 * PGlite is one backend: a plain SET holds for every pooled connection, the service's too.
 */
let db: Awaited<ReturnType<typeof startEmbeddingsDatabase>>;
beforeAll(async () => {
  db = await startEmbeddingsDatabase();
});
afterAll(async () => {
  await db?.pool.query('RESET ALL').catch(() => undefined);
  await db?.close();
});

const query = 'where does the red fox hunt at dusk';
const params = (tenant: string, collection: string) => [
  tenant,
  collection,
  1,
  toVectorLiteral(builtinEmbedding(query, DIMENSIONS)),
  '{}',
  3,
];

test('the search statement is answered from the partial HNSW index of its dimension', async () => {
  const session = await db.pool.connect();
  try {
    await session.query('BEGIN');
    await session.query('SET LOCAL enable_seqscan = off');
    await session.query('SET LOCAL enable_sort = off');
    const { rows } = await session.query(`EXPLAIN ${nearestChunksSql(DIMENSIONS)}`, params('t', 'c'));
    await session.query('ROLLBACK');
    expect(rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Index Scan using embedding_chunks_hnsw_256/);
  } finally {
    session.release();
  }
});

test('a small collection is found even when the index’s nearest chunks are all another tenant’s', async () => {
  const { service } = testService(db.pool);
  const big = { tenant: 'big' };
  const small = { tenant: 'small' };
  await service.createCollection(big, { name: 'kb', model: MODEL });
  await service.createCollection(small, { name: 'kb', model: MODEL });
  for (let page = 0; page < 4; page++) {
    const documents = Array.from({ length: 50 }, (_, i) => ({
      text: `the red fox hunts at dusk, note ${page * 50 + i}`,
    }));
    await service.ingest(big, 'kb', documents);
  }
  await service.ingest(small, 'kb', [
    { id: 's1', text: 'owls hunt at night' },
    { id: 's2', text: 'trout swim upstream' },
    { id: 's3', text: 'the fox sleeps by day' },
  ]);
  await db.pool.query('SET enable_seqscan = off');
  await db.pool.query('SET enable_sort = off');
  try {
    // Control: one plain index pass (ef_search 40) meets only the big tenant's chunks.
    const plain = await db.pool.query(nearestChunksSql(DIMENSIONS), params('small', 'kb'));
    expect(plain.rows.length).toBeLessThan(3);
    const found = await service.search(small, 'kb', { query, topK: 3 });
    expect(found.results.map((r) => r.documentId).sort()).toEqual(['s1', 's2', 's3']);
    const scores = found.results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a)); // strict_order: nearest first
  } finally {
    await db.pool.query('RESET enable_seqscan');
    await db.pool.query('RESET enable_sort');
  }
});
