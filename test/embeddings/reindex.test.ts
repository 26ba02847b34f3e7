import { CollectionService, InProcessReindexQueue, type SearchResult } from '../../lambda/core/embeddings';
import { decodeReindexMessage, encodeReindexMessage } from '../../lambda/core/embeddings/reindex-queue';
import type { GatewayRequest } from '../../lambda/core/http/types';
import { MODEL, startEmbeddingsDatabase, testGateway } from './fixtures';

/**
 * Re-indexing under load, deterministically: the re-index's embedding calls (made as the bare
 * tenant, without a user) wait at a gate that the test opens once searches and ingestions have run
 * against the building version's collection; searches keep running until the switch is done.
 */
let db: Awaited<ReturnType<typeof startEmbeddingsDatabase>>;
beforeAll(async () => {
  db = await startEmbeddingsDatabase();
});
afterAll(async () => {
  await db?.close();
});

const OWNER = { tenant: 'tenant-a', user: 'owner' };
const topics = ['fox', 'owl', 'trout', 'bee', 'oak', 'moss', 'crab', 'wolf'];
const docText = (i: number) =>
  `Document ${i} is about the ${topics[i % topics.length]}. ` +
  `The ${topics[i % topics.length]} appears in field notes number ${i}, written in spring and again in autumn.`;

function gatedService() {
  const { gateway } = testGateway();
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let reindexCalls = 0;
  const gated = {
    handle: async (request: GatewayRequest) => {
      if (request.identity && request.identity.user === undefined) {
        reindexCalls++;
        await gate;
      }
      return gateway.handle(request);
    },
    authorizeModel: gateway.authorizeModel.bind(gateway),
  };
  const queue = new InProcessReindexQueue();
  const service = new CollectionService({ pool: db.pool, gateway: gated, queue, reindexPageSize: 7 });
  queue.attach((message) => service.runReindex(message));
  return { service, queue, open, reindexCalls: () => reindexCalls };
}

test('searches during a re-index always answer, each from one version; after the switch the new one answers', async () => {
  const { service, queue, open, reindexCalls } = gatedService();
  const name = 'notes';
  await service.createCollection(OWNER, { name, model: MODEL, chunkSize: 1000, chunkOverlap: 0 });
  await service.ingest(
    OWNER,
    name,
    Array.from({ length: 40 }, (_, i) => ({ id: `doc-${String(i).padStart(2, '0')}`, text: docText(i) })),
  );

  const building = await service.reindex(OWNER, name, { chunkSize: 40, chunkOverlap: 10 });
  expect(building).toMatchObject({ version: 2, state: 'building', chunkSize: 40, chunkOverlap: 10, chunks: 0 });
  await expect(service.reindex(OWNER, name, {})).rejects.toMatchObject({
    status: 409,
    options: { code: 'reindex_in_progress' },
  });

  const searcher = { tenant: 'tenant-a', user: 'searcher' };
  const seen: SearchResult[] = [];
  let stop = false;
  const loop = (async () => {
    while (!stop) seen.push(await service.search(searcher, name, { query: 'the fox in field notes', topK: 5 }));
  })();
  const searchesAtLeast = async (n: number) => {
    while (seen.length < n) await new Promise((resolve) => setImmediate(resolve));
  };

  await searchesAtLeast(5);
  // While the re-index waits: a new document, and a change to one the re-index has already read.
  await service.ingest(OWNER, name, [{ id: 'doc-new', text: 'A late note about the fox, added during the re-index.' }]);
  await service.ingest(OWNER, name, [{ id: 'doc-00', text: 'Document zero now talks about the heron instead.' }]);
  expect(reindexCalls()).toBeGreaterThan(0); // the re-index is under way, held at the gate
  expect((await service.getCollection(OWNER, name)).activeVersion).toBe(1);
  open();
  await queue.idle();
  const afterSwitch = seen.length;
  await searchesAtLeast(afterSwitch + 3);
  stop = true;
  await loop;
  expect(queue.failures).toEqual([]);

  for (const result of seen) {
    expect(result.results.length).toBeGreaterThan(0);
    // Version 1 holds whole documents (one chunk each), version 2 chunks of at most 40 characters.
    const fromV2 = result.results.map((hit) => hit.content.length <= 40);
    expect(new Set(fromV2)).toEqual(new Set([result.version === 2]));
  }
  expect(seen.slice(0, 5).every((r) => r.version === 1)).toBe(true);
  // The search in flight at the switch may still answer from version 1; every one started after it, 2.
  const later = seen.slice(afterSwitch + 1).map((r) => r.version);
  expect(later.length).toBeGreaterThanOrEqual(2);
  expect(new Set(later)).toEqual(new Set([2]));

  const collection = await service.getCollection(OWNER, name);
  expect(collection).toMatchObject({ activeVersion: 2, chunkSize: 40, chunkOverlap: 10, documents: 41 });
  expect(collection.versions.map((v) => [v.version, v.state])).toEqual([
    [1, 'retired'],
    [2, 'active'],
  ]);
  // The new version has every document, at its current text: the late one and the changed one too.
  const { rows } = await db.pool.query(
    `SELECT document_id, string_agg(content, ' ' ORDER BY chunk_index) AS text
       FROM embedding_chunks WHERE tenant = $1 AND collection = $2 AND version = 2 GROUP BY document_id`,
    [OWNER.tenant, name],
  );
  expect(rows).toHaveLength(41);
  const byId = new Map(rows.map((row) => [row.document_id, row.text as string]));
  expect(byId.get('doc-00')).toContain('heron');
  expect(byId.get('doc-00')).not.toContain('field notes');
  expect(byId.get('doc-new')).toContain('late note');
  const stale = await db.pool.query(
    `SELECT count(*)::int AS n FROM embedding_chunks c JOIN embedding_documents d
        ON d.tenant = c.tenant AND d.collection = c.collection AND d.document_id = c.document_id
      WHERE c.collection = $1 AND c.version = 2 AND c.content_hash <> d.content_hash`,
    [name],
  );
  expect(stale.rows[0].n).toBe(0);

  // Running the same message again changes nothing.
  expect(await service.runReindex({ tenant: OWNER.tenant, collection: name, version: 2 })).toEqual({
    kind: 'skipped',
    version: 2,
  });

  // Dropping: the active version is refused, the old one goes with its chunks, search goes on.
  await expect(service.dropVersion(OWNER, name, 2)).rejects.toMatchObject({
    status: 409,
    options: { code: 'version_active' },
  });
  await service.dropVersion(OWNER, name, 1);
  expect((await service.getCollection(OWNER, name)).versions.map((v) => v.version)).toEqual([2]);
  const left = await db.pool.query('SELECT DISTINCT version FROM embedding_chunks WHERE collection = $1', [name]);
  expect(left.rows).toEqual([{ version: 2 }]);
  await expect(service.dropVersion(OWNER, name, 1)).rejects.toMatchObject({ status: 404 });
  expect((await service.search(searcher, name, { query: 'heron' })).results[0].documentId).toBe('doc-00');
  await expect(service.dropVersion({ tenant: 'tenant-b' }, name, 2)).rejects.toMatchObject({ status: 404 });
});

test('a re-index to another model and a dropped building version', async () => {
  const { service, queue, open } = gatedService();
  const name = 'models';
  await service.createCollection(OWNER, { name, model: MODEL });
  await service.ingest(OWNER, name, [{ id: 'a', text: 'the fox' }]);
  // An alias is stored as the model it names: the vectors belong to that model, whatever the alias later names.
  const building = await service.reindex(OWNER, name, { model: 'text-embedding-3-small' });
  expect(building).toMatchObject({ version: 2, model: MODEL, chunkSize: 1000, chunkOverlap: 200 });
  // Cancelling the build: it is not active, so it may go; the held worker then finds nothing to do.
  await service.dropVersion(OWNER, name, 2);
  open();
  await queue.idle();
  expect(queue.failures).toEqual([]);
  expect((await service.getCollection(OWNER, name)).versions.map((v) => [v.version, v.state])).toEqual([[1, 'active']]);
  // Version numbers are never reused while a version holds them; a new build gets the next free one.
  const again = await service.reindex(OWNER, name, { model: 'text-embedding-3-small', chunkSize: 100 });
  expect(again).toMatchObject({ version: 2, chunkSize: 100, chunkOverlap: 20 });
  await queue.idle();
  expect(await service.getCollection(OWNER, name)).toMatchObject({
    activeVersion: 2,
    model: MODEL,
    chunkSize: 100,
  });
});

test('re-index messages survive the wire format and refuse what is not one', () => {
  const message = { tenant: 't', collection: 'c', version: 3 };
  expect(decodeReindexMessage(encodeReindexMessage(message))).toEqual(message);
  for (const body of [
    '',
    'null',
    '{}',
    '{"tenant":"t","collection":"c","version":0}',
    '{"tenant":"","collection":"c","version":1}',
    '{"tenant":"t","collection":"c","version":"1"}',
  ]) {
    expect(decodeReindexMessage(body)).toBeUndefined();
  }
});
