import { Pool } from 'pg';
import type { ChatCompletion, ChatCompletionRequest } from '../../lambda/core/openai/types';
import type { CallFacts } from '../../lambda/core/pipeline/ports';
import { migrateVectorSchema, startEmbeddedPostgres, type EmbeddedPostgres } from '../../lambda/core/vector';
import { HashingEmbedder } from '../../lambda/core/policy/cache/embedder';
import { offlineQueryEmbedder } from '../../lambda/core/policy/cache/query-embedder';
import { SemanticCache, type SemanticCacheEvent } from '../../lambda/core/policy/cache/semantic-cache';
import { semanticCacheSchema } from '../../lambda/contract/config/semantic-cache';

/** The semantic cache on real Postgres + pgvector (PGlite), through `pg`, the client used with Aurora. */
let pg: EmbeddedPostgres;
let pool: Pool;
const hashing = new HashingEmbedder(256);
const embedder = offlineQueryEmbedder(hashing);

beforeAll(async () => {
  pg = await startEmbeddedPostgres();
  pool = new Pool({ connectionString: pg.connectionString, max: 4 });
  const session = await pool.connect();
  try {
    await migrateVectorSchema(session, { dimensions: hashing.dimensions });
  } finally {
    session.release();
  }
});
afterAll(async () => {
  await pool.end();
  await pg.stop();
});
beforeEach(async () => {
  await pool.query('DELETE FROM semantic_cache');
});

const answer = (content: string): ChatCompletion => ({
  id: 'c',
  object: 'chat.completion',
  created: 0,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
});

function facts(tenant: string, prompt: string, extra: Partial<ChatCompletionRequest> = {}, model = 'chat'): CallFacts {
  return {
    requestId: 'r',
    identity: { tenant },
    request: { model, messages: [{ role: 'user', content: prompt }], temperature: 0, ...extra },
    model: { name: model },
    headers: {},
  } as unknown as CallFacts;
}

const settings = semanticCacheSchema.parse({ threshold: 0.8 });

test('a paraphrase of a stored question is answered from the cache', async () => {
  const cache = new SemanticCache(settings, pool, embedder);
  await cache.store(facts('acme', 'How do I reset my account password?'), answer('Use the reset link.'));
  const hit = await cache.lookup(facts('acme', 'how do I reset my password for my account'));
  expect(hit?.choices[0].message.content).toBe('Use the reset link.');
});

test("a tenant never gets another tenant's answer, even for the same words", async () => {
  const cache = new SemanticCache(settings, pool, embedder);
  await cache.store(facts('acme', 'What is our refund policy?'), answer('acme policy'));
  expect(await cache.lookup(facts('globex', 'What is our refund policy?'))).toBeUndefined();
  expect((await cache.lookup(facts('acme', 'What is our refund policy?')))?.choices[0].message.content).toBe(
    'acme policy',
  );
});

test('another model, temperature or system prompt is another partition', async () => {
  const cache = new SemanticCache(
    semanticCacheSchema.parse({
      threshold: 0.8,
      models: { chat: { nonDeterministic: true }, other: { nonDeterministic: true } },
    }),
    pool,
    embedder,
  );
  await cache.store(facts('acme', 'Summarise our refund policy'), answer('x'));
  expect(await cache.lookup(facts('acme', 'Summarise our refund policy', {}, 'other'))).toBeUndefined();
  expect(await cache.lookup(facts('acme', 'Summarise our refund policy', { temperature: 0.5 }))).toBeUndefined();
  const withSystem = facts('acme', 'Summarise our refund policy');
  withSystem.request.messages.unshift({ role: 'system', content: 'Answer in French.' });
  expect(await cache.lookup(withSystem)).toBeUndefined();
});

test('the threshold is respected', async () => {
  const strict = new SemanticCache(semanticCacheSchema.parse({ threshold: 0.999 }), pool, embedder);
  await strict.store(facts('acme', 'How do I reset my account password?'), answer('x'));
  expect(await strict.lookup(facts('acme', 'how do I reset my password for my account'))).toBeUndefined();
  expect(await strict.lookup(facts('acme', 'How do I reset my account password?'))).toBeDefined();
});

test('multi-turn conversations are not cached unless configured', async () => {
  const cache = new SemanticCache(settings, pool, embedder);
  const conversation = facts('acme', 'And the refund policy?');
  conversation.request.messages.unshift({ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' });
  await cache.store(conversation, answer('x'));
  expect((await pool.query('SELECT count(*)::int AS n FROM semantic_cache')).rows[0].n).toBe(0);
});

test('expired entries are never served', async () => {
  const cache = new SemanticCache(settings, pool, embedder);
  await cache.store(facts('acme', 'Where is the office?'), answer('x'));
  await pool.query("UPDATE semantic_cache SET expires_at = now() - interval '1 second'");
  expect(await cache.lookup(facts('acme', 'Where is the office?'))).toBeUndefined();
});

test('a vector store that is down gives a miss within the bound, and says so', async () => {
  const events: SemanticCacheEvent[] = [];
  const dead = new Pool({
    connectionString: 'postgres://postgres@127.0.0.1:1/postgres',
    connectionTimeoutMillis: 1_000,
  });
  const cache = new SemanticCache(semanticCacheSchema.parse({ timeoutMs: 100 }), dead, embedder, (e) => events.push(e));
  const hung = new SemanticCache(
    semanticCacheSchema.parse({ timeoutMs: 100 }),
    { query: () => new Promise(() => undefined) },
    embedder,
    (e) => events.push(e),
  );
  await expect(cache.lookup(facts('acme', 'Where is the office?'))).resolves.toBeUndefined();
  await expect(hung.lookup(facts('acme', 'Where is the office?'))).resolves.toBeUndefined();
  expect(events.map((e) => e.type)).toEqual(['semantic_cache.unavailable', 'semantic_cache.unavailable']);
  await dead.end();
});
