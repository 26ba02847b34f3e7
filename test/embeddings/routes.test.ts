import { parseGatewayConfig } from '../../lambda/core/config/load';
import { EMBEDDED_CONFIG, LOCAL_DEVELOPMENT_KEY } from '../../lambda/runtime/embedded-config';
import { InProcessReindexQueue } from '../../lambda/core/embeddings';
import { sha256Hex } from '../../lambda/core/pipeline/identity';
import { embeddingsRoute } from '../../lambda/local/embeddings';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/server';
import { startEmbeddingsDatabase } from './fixtures';

/** The collections API over HTTP: the local server with the embeddings route, real PGlite behind it. */
let db: Awaited<ReturnType<typeof startEmbeddingsDatabase>>;
let local: LocalGateway;
const queue = new InProcessReindexQueue();
const OTHER_KEY = 'sk-other-tenant';

beforeAll(async () => {
  db = await startEmbeddingsDatabase();
  const config = parseGatewayConfig(
    { ...EMBEDDED_CONFIG, apiKeys: [...EMBEDDED_CONFIG.apiKeys!, { sha256: sha256Hex(OTHER_KEY), tenant: 'other' }] },
    'routes test',
  );
  local = await startLocalGateway({
    config,
    traces: { record: () => undefined },
    routes: [embeddingsRoute({ pool: db.pool, queue, maxBodyBytes: config.limits.maxBodyBytes })],
  });
});
afterAll(async () => {
  await local?.close();
  await queue.idle();
  await db?.close();
});

/** What the tests read of an answer: the OpenAI error object, or the API's own fields. */
type Answer = Record<string, unknown> & {
  error: { message: string; param: string | null; code: string | null; type: string };
  data: Array<{ document_id: string }>;
};

async function call(method: string, path: string, body?: unknown, key: string | null = LOCAL_DEVELOPMENT_KEY) {
  const response = await fetch(`${local.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

test('create, ingest, search, re-index and drop over HTTP', async () => {
  const created = await call('POST', '/v1/collections', {
    name: 'docs',
    model: 'text-embedding-3-small',
    chunk_size: 200,
    chunk_overlap: 20,
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({
    object: 'collection',
    name: 'docs',
    active_version: 1,
    versions: [{ version: 1, state: 'active', chunks: 0, dimensions: null }],
  });

  const documents = [
    { id: 'a', text: 'Invoices are sent on the first of the month.', metadata: { team: 'finance' } },
    { id: 'b', text: 'Laptops are replaced every three years.', metadata: { team: 'it' } },
  ];
  const ingested = await call('POST', '/v1/collections/docs/documents', { documents });
  expect(ingested).toEqual({ status: 200, body: { documents: 2, chunks_written: 2, unchanged: 0 } });
  expect((await call('POST', '/v1/collections/docs/documents', { documents })).body).toEqual({
    documents: 2,
    chunks_written: 0,
    unchanged: 2,
  });

  const found = await call('POST', '/v1/collections/docs/search', { query: 'when are invoices sent', top_k: 1 });
  expect(found.status).toBe(200);
  expect(found.body).toMatchObject({
    object: 'list',
    collection: 'docs',
    version: 1,
    data: [{ document_id: 'a', chunk_index: 0, content: documents[0].text, metadata: { team: 'finance' }, start: 0 }],
  });
  const filtered = await call('POST', '/v1/collections/docs/search', { query: 'invoices', filter: { team: 'it' } });
  expect(filtered.body.data.map((hit) => hit.document_id)).toEqual(['b']);

  const reindex = await call('POST', '/v1/collections/docs/reindex', { chunk_size: 50, chunk_overlap: 0 });
  expect(reindex.status).toBe(202);
  expect(reindex.body).toMatchObject({ collection: 'docs', version: 2, state: 'building', chunk_size: 50 });
  await queue.idle();
  const shown = await call('GET', '/v1/collections/docs');
  expect(shown.body).toMatchObject({
    active_version: 2,
    chunk_size: 50,
    documents: 2,
    versions: [
      { version: 1, state: 'retired', chunks: 2, dimensions: 256 },
      { version: 2, state: 'active', chunks: 2, dimensions: 256 },
    ],
  });
  expect((await call('DELETE', '/v1/collections/docs/versions/2')).body).toMatchObject({
    error: { type: 'invalid_request_error', code: 'version_active' },
  });
  expect(await call('DELETE', '/v1/collections/docs/versions/1')).toEqual({
    status: 200,
    body: { collection: 'docs', version: 1, deleted: true },
  });
});

test('without a key: the gateway’s 401; another tenant: 404 as for an unknown collection', async () => {
  await call('POST', '/v1/collections', { name: 'private', model: 'builtin-embedding' });
  const anonymous = await call('GET', '/v1/collections/private', undefined, null);
  expect(anonymous.status).toBe(401);
  expect(anonymous.body).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_api_key' } });
  expect((await call('POST', '/v1/collections/private/search', { query: 'x' }, null)).status).toBe(401);
  const other = await call('GET', '/v1/collections/private', undefined, OTHER_KEY);
  expect(other.status).toBe(404);
  expect(other.body).toMatchObject({ error: { type: 'not_found_error', code: 'collection_not_found' } });
  // The other tenant may have its own collection of that name.
  expect(
    (await call('POST', '/v1/collections', { name: 'private', model: 'builtin-embedding' }, OTHER_KEY)).status,
  ).toBe(201);
});

test('bad bodies are 400s naming the field; wrong methods 405; other paths still reach the gateway', async () => {
  const missing = await call('POST', '/v1/collections', { name: 'x' });
  expect(missing.status).toBe(400);
  expect(missing.body.error).toMatchObject({ type: 'invalid_request_error', param: 'model' });
  expect(missing.body.error.message).toMatch(/Send \{"name"/);
  const overlap = await call('POST', '/v1/collections', {
    name: 'y',
    model: 'builtin-embedding',
    chunk_size: 100,
    chunk_overlap: 100,
  });
  expect(overlap.body.error).toMatchObject({ param: 'chunk_overlap' });
  expect((await call('POST', '/v1/collections/docs/search', '{not json')).status).toBe(400);
  expect((await call('POST', '/v1/collections/nope/search', { query: 'x' })).status).toBe(404);
  expect(
    (await call('POST', '/v1/collections/docs/documents', { documents: [{ txt: 'x' }] })).body.error,
  ).toMatchObject({
    param: 'documents.0.text',
  });
  expect((await call('GET', '/v1/collections')).status).toBe(405);
  expect((await call('PUT', '/v1/collections/docs')).body.error).toMatchObject({ code: 'method_not_allowed' });
  expect((await call('GET', '/v1/collections/docs/search')).status).toBe(405);
  expect((await call('DELETE', '/v1/collections/docs/versions/abc')).status).toBe(400);
  expect((await call('GET', '/v1/models')).body).toMatchObject({ object: 'list' });
});
