import type { CollectionService } from '../../lambda/core/embeddings';
import { GatewayError } from '../../lambda/core/http/errors';
import { UpstreamError } from '../../lambda/core/providers/upstream-error';
import { builtinProvider } from '../../lambda/providers/builtin';
import { MODEL, startEmbeddingsDatabase, testGateway, testService, uniqueName } from './fixtures';

/**
 * The service against real Postgres with pgvector (PGlite over the wire, through `pg`), embedding
 * through the real gateway on the built-in model (feature hashing: texts sharing words are close).
 */
let db: Awaited<ReturnType<typeof startEmbeddingsDatabase>>;
let service: CollectionService;
const A = { tenant: 'tenant-a', user: 'alice' };
const B = { tenant: 'tenant-b' };

beforeAll(async () => {
  db = await startEmbeddingsDatabase();
  ({ service } = testService(db.pool));
});
afterAll(async () => {
  await db?.close();
});

const animals = [
  { id: 'fox', text: 'The red fox hunts rodents at dusk in the forest.', metadata: { kind: 'mammal', lang: 'en' } },
  { id: 'owl', text: 'The barn owl flies silently over fields at night.', metadata: { kind: 'bird', lang: 'en' } },
  { id: 'trout', text: 'Brown trout swim upstream in cold clear rivers.', metadata: { kind: 'fish', lang: 'en' } },
  { id: 'renard', text: 'Le renard roux chasse les rongeurs.', metadata: { kind: 'mammal', lang: 'fr' } },
];

async function chunkRows(tenant: string, collection: string) {
  const { rows } = await db.pool.query(
    `SELECT version, document_id, chunk_index, content, metadata, start_offset, end_offset
       FROM embedding_chunks WHERE tenant = $1 AND collection = $2 ORDER BY version, document_id, chunk_index`,
    [tenant, collection],
  );
  return rows;
}

test('search finds the document that shares the query’s words, with its chunk and offsets', async () => {
  const name = uniqueName('animals');
  await service.createCollection(A, { name, model: MODEL, chunkSize: 200, chunkOverlap: 20 });
  expect(await service.ingest(A, name, animals)).toEqual({ documents: 4, chunksWritten: 4, unchanged: 0 });
  const { version, results } = await service.search(A, name, { query: 'owl flies at night', topK: 2 });
  expect(version).toBe(1);
  expect(results).toHaveLength(2);
  expect(results[0]).toMatchObject({
    documentId: 'owl',
    chunkIndex: 0,
    content: animals[1].text,
    metadata: { kind: 'bird', lang: 'en' },
    start: 0,
    end: animals[1].text.length,
  });
  expect(results[0].score).toBeGreaterThan(results[1].score);
  expect(results[0].score).toBeLessThanOrEqual(1 + 1e-9);
});

test('metadata is carried to every chunk of a long document, and offsets point back into it', async () => {
  const name = uniqueName('long');
  await service.createCollection(A, { name, model: MODEL, chunkSize: 40, chunkOverlap: 10 });
  const text = Array.from({ length: 30 }, (_, i) => `sentence number ${i} about foxes.`).join(' ');
  const result = await service.ingest(A, name, [{ id: 'doc', text, metadata: { source: 'manual', page: 3 } }]);
  const rows = await chunkRows(A.tenant, name);
  expect(result.chunksWritten).toBe(rows.length);
  expect(rows.length).toBeGreaterThan(10);
  for (const row of rows) {
    expect(row.metadata).toEqual({ source: 'manual', page: 3 });
    expect(text.slice(row.start_offset, row.end_offset)).toBe(row.content);
    expect(row.content.length).toBeLessThanOrEqual(40);
  }
  expect((await service.getCollection(A, name)).versions[0]).toMatchObject({ chunks: rows.length, dimensions: 256 });
});

test('another tenant’s collection of the same name is invisible: own results only, 404 where it has none', async () => {
  const name = uniqueName('shared-name');
  await service.createCollection(A, { name, model: MODEL });
  await service.createCollection(B, { name, model: MODEL });
  await service.ingest(A, name, [{ id: 'a-secret', text: 'tenant A keeps its fox notes here' }]);
  await service.ingest(B, name, [{ id: 'b-doc', text: 'tenant B writes about owls and rivers' }]);
  const fromB = await service.search(B, name, { query: 'tenant A fox notes', topK: 10 });
  expect(fromB.results.map((r) => r.documentId)).toEqual(['b-doc']);
  const fromA = await service.search(A, name, { query: 'owls and rivers', topK: 10 });
  expect(fromA.results.map((r) => r.documentId)).toEqual(['a-secret']);
  const C = { tenant: 'tenant-c' };
  await expect(service.search(C, name, { query: 'fox' })).rejects.toMatchObject({
    status: 404,
    options: { code: 'collection_not_found' },
  });
  await expect(service.ingest(C, name, [{ text: 'x' }])).rejects.toMatchObject({ status: 404 });
  await expect(service.getCollection(C, name)).rejects.toMatchObject({ status: 404 });
});

test('a metadata filter keeps only chunks whose metadata contains it', async () => {
  const name = uniqueName('filtered');
  await service.createCollection(A, { name, model: MODEL });
  await service.ingest(A, name, animals);
  const mammals = await service.search(A, name, { query: 'fox hunts rodents', topK: 10, filter: { kind: 'mammal' } });
  expect(mammals.results.map((r) => r.documentId).sort()).toEqual(['fox', 'renard']);
  const french = await service.search(A, name, { query: 'fox', topK: 10, filter: { kind: 'mammal', lang: 'fr' } });
  expect(french.results.map((r) => r.documentId)).toEqual(['renard']);
  const none = await service.search(A, name, { query: 'fox', topK: 10, filter: { kind: 'reptile' } });
  expect(none.results).toEqual([]);
});

test('the same document ingested 100 times, in sequence and concurrently, is one set of chunks', async () => {
  const name = uniqueName('dupes');
  await service.createCollection(A, { name, model: MODEL, chunkSize: 30, chunkOverlap: 5 });
  const document = { id: 'd1', text: 'one document, cut into several small chunks of text', metadata: { v: 1 } };
  const first = await service.ingest(A, name, [document]);
  expect(first.unchanged).toBe(0);
  const expected = await chunkRows(A.tenant, name);
  expect(expected.length).toBe(first.chunksWritten);
  for (let i = 0; i < 50; i++) {
    expect(await service.ingest(A, name, [document])).toEqual({ documents: 1, chunksWritten: 0, unchanged: 1 });
  }
  // Metadata keys in another order are the same document.
  expect((await service.ingest(A, name, [{ ...document, metadata: { v: 1 } }])).unchanged).toBe(1);
  expect(await chunkRows(A.tenant, name)).toEqual(expected);

  // A new document, 100 times at once: every copy races to be the first.
  const racer = { text: 'a document without an id arrives one hundred times at once' };
  const results = await Promise.all(Array.from({ length: 100 }, () => service.ingest(A, name, [racer])));
  expect(results.filter((r) => r.unchanged === 0)).toHaveLength(1);
  expect(results.reduce((sum, r) => sum + r.unchanged, 0)).toBe(99);
  const rows = await chunkRows(A.tenant, name);
  const racerIds = new Set(rows.map((r) => r.document_id).filter((id) => id !== 'd1'));
  expect(racerIds.size).toBe(1);
  expect([...racerIds][0]).toMatch(/^[0-9a-f]{64}$/); // the content hash
  const racerChunks = rows.filter((r) => r.document_id !== 'd1');
  expect(racerChunks.map((r) => r.chunk_index)).toEqual([...racerChunks.keys()]);
  expect((await service.getCollection(A, name)).documents).toBe(2);
});

test('a changed document replaces its chunks; search finds the new text only', async () => {
  const name = uniqueName('changed');
  await service.createCollection(A, { name, model: MODEL, chunkSize: 30, chunkOverlap: 0 });
  await service.ingest(A, name, [{ id: 'doc', text: 'penguins waddle across antarctic ice sheets in winter' }]);
  const before = await chunkRows(A.tenant, name);
  expect(before.length).toBeGreaterThan(1);
  const changed = await service.ingest(A, name, [{ id: 'doc', text: 'camels cross deserts' }]);
  expect(changed).toEqual({ documents: 1, chunksWritten: 1, unchanged: 0 });
  const after = await chunkRows(A.tenant, name);
  expect(after.map((r) => r.content)).toEqual(['camels cross deserts']);
  const hits = await service.search(A, name, { query: 'penguins antarctic ice', topK: 5 });
  expect(hits.results.map((r) => r.content)).toEqual(['camels cross deserts']);
  // Only the metadata changes: still a change.
  expect(
    (await service.ingest(A, name, [{ id: 'doc', text: 'camels cross deserts', metadata: { a: 1 } }])).chunksWritten,
  ).toBe(1);
  expect((await chunkRows(A.tenant, name)).map((r) => r.metadata)).toEqual([{ a: 1 }]);
});

test('refusals name what was wrong', async () => {
  const name = uniqueName('refusals');
  await service.createCollection(A, { name, model: MODEL });
  await expect(service.createCollection(A, { name, model: MODEL })).rejects.toMatchObject({
    status: 409,
    options: { code: 'collection_exists' },
  });
  await expect(service.createCollection(A, { name: '../etc', model: MODEL })).rejects.toMatchObject({
    status: 400,
    options: { param: 'name' },
  });
  await expect(
    service.createCollection(A, { name: 'x', model: MODEL, chunkSize: 100, chunkOverlap: 100 }),
  ).rejects.toMatchObject({
    status: 400,
    options: { param: 'chunk_overlap' },
  });
  await expect(service.ingest(A, name, [{ text: '   ' }])).rejects.toMatchObject({
    status: 400,
    options: { param: 'documents.0.text' },
  });
  await expect(
    service.ingest(A, name, [
      { id: 'same', text: 'one' },
      { id: 'same', text: 'two' },
    ]),
  ).rejects.toMatchObject({
    status: 400,
    options: { param: 'documents.1.id' },
  });
  await expect(service.search(A, name, { query: 'x', topK: 0 })).rejects.toMatchObject({ options: { param: 'top_k' } });
  await expect(service.search(A, name, { query: '' })).rejects.toMatchObject({ options: { param: 'query' } });
  // An empty collection answers with nothing, without an embedding call.
  expect(await service.search(A, name, { query: 'anything' })).toEqual({ version: 1, results: [] });
});

describe('embedding goes through the gateway, as the caller', () => {
  let other: Awaited<ReturnType<typeof startEmbeddingsDatabase>>;
  beforeAll(async () => {
    other = await startEmbeddingsDatabase();
  });
  afterAll(async () => {
    await other?.close();
  });

  test('every embedding is a gateway call with the caller’s tenant, cost accounted', async () => {
    const { gateway, traces } = testGateway();
    const { service: traced } = testService(other.pool, gateway);
    await traced.createCollection(A, {
      name: 'traced',
      model: 'text-embedding-3-small',
      chunkSize: 30,
      chunkOverlap: 0,
    });
    await traced.ingest(A, 'traced', [{ id: 'x', text: 'several words that make more than one chunk of text' }]);
    await traced.search(A, 'traced', { query: 'words' });
    expect(traces.map((t) => [t.route, t.tenant, t.user, t.outcome])).toEqual([
      ['/v1/embeddings', 'tenant-a', 'alice', 'success'],
      ['/v1/embeddings', 'tenant-a', 'alice', 'success'],
    ]);
    expect(traces[0].costMicroUsd).toBeGreaterThan(0);
  });

  test('a key that may not use the model is refused with the gateway’s 403, at creation and at ingestion', async () => {
    const { service: plain } = testService(other.pool);
    const restricted = { tenant: 'tenant-r', allowedModels: ['builtin-chat'] };
    const refused = await plain.createCollection(restricted, { name: 'restricted', model: MODEL }).catch((e) => e);
    expect(refused).toMatchObject({ status: 403, type: 'permission_error', options: { code: 'model_not_allowed' } });
    // A collection made by an unrestricted key of the same tenant is still out of this key's reach.
    await plain.createCollection({ tenant: 'tenant-r' }, { name: 'restricted', model: MODEL });
    const thrown = await plain.ingest(restricted, 'restricted', [{ text: 'hello there' }]).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(GatewayError);
    expect(thrown).toMatchObject({ status: 403, type: 'permission_error', options: { code: 'model_not_allowed' } });
    const { rows } = await other.pool.query(
      "SELECT count(*)::int AS n FROM embedding_documents WHERE tenant = 'tenant-r'",
    );
    expect(rows[0].n).toBe(0);
  });

  test('a provider that keeps failing is the gateway’s error status, after its retries and failover', async () => {
    let calls = 0;
    const failing = {
      ...builtinProvider,
      embed: async () => {
        calls++;
        throw new UpstreamError('invalid_request', 'the provider refused the input', { status: 422 });
      },
    };
    const { gateway, traces } = testGateway({}, { providers: { builtin: failing } });
    const { service: broken } = testService(other.pool, gateway);
    await broken.createCollection(B, { name: 'broken', model: MODEL });
    const thrown = await broken.ingest(B, 'broken', [{ text: 'anything at all' }]).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).status).toBeGreaterThanOrEqual(400);
    expect((thrown as GatewayError).status).toBe(traces[0].status);
    expect(calls).toBe(1);
  });

  test('a token-limit refusal on /v1/embeddings surfaces as the gateway’s 429, and nothing is stored', async () => {
    // 200 tokens a minute per tenant: the first small document fits, a corpus of long ones does not.
    const { gateway, traces } = testGateway({ tokenLimits: { tenant: { perMinute: 200 } } });
    const { service: limited } = testService(other.pool, gateway);
    const tenant = { tenant: 'tenant-limited' };
    await limited.createCollection(tenant, { name: 'limited', model: MODEL });
    await limited.ingest(tenant, 'limited', [{ id: 'small', text: 'a few words' }]);
    const long = Array.from({ length: 8 }, (_, i) => ({ id: `long-${i}`, text: 'word '.repeat(200) + i }));
    const thrown = await limited.ingest(tenant, 'limited', long).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(GatewayError);
    expect(thrown).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect((thrown as GatewayError).options.retryAfterSeconds).toBeGreaterThan(0);
    expect(traces.map((t) => t.status)).toEqual([200, 429]);
    const { rows } = await other.pool.query(
      "SELECT document_id FROM embedding_documents WHERE tenant = 'tenant-limited' ORDER BY document_id",
    );
    expect(rows.map((r) => r.document_id)).toEqual(['small']);
  });

  test('an unknown model, or a chat model, is the gateway’s 404 at creation and at re-index: no collection or version is made', async () => {
    const { service: plain } = testService(other.pool);
    for (const model of ['no-such-model', 'builtin-chat']) {
      await expect(plain.createCollection(A, { name: 'nomodel', model })).rejects.toMatchObject({
        status: 404,
        options: { code: 'model_not_found' },
        message: expect.stringContaining(model),
      });
    }
    await expect(plain.getCollection(A, 'nomodel')).rejects.toMatchObject({ status: 404 });
    await plain.createCollection(A, { name: 'remodel', model: MODEL });
    await expect(plain.reindex(A, 'remodel', { model: 'no-such-model' })).rejects.toMatchObject({ status: 404 });
    expect((await plain.getCollection(A, 'remodel')).versions.map((v) => v.state)).toEqual(['active']);
  });
});
