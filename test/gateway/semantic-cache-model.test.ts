import { HashingEmbedder } from '../../lambda/core/policy/cache/embedder';
import { parseGatewayConfig } from '../../lambda/core/config/load';
import type { SemanticCacheEvent } from '../../lambda/core/policy/cache/semantic-cache';
import { startPlatformDatabase, type PlatformDatabase } from '../support/platform-database';
import { KEYS, startHarness, type Harness } from './harness';

/**
 * The semantic cache embedding with a configured embedding model (`semanticCache.embeddingModel`),
 * called through the gateway's own embeddings path against a loopback provider. The loopback model
 * knows a few synonyms (what a real model knows of meaning, and a lexical embedder cannot): a
 * paraphrase in other words must hit, and one that changes what is asked must miss.
 */
const SYNONYMS: Record<string, string> = {
  change: 'reset',
  recover: 'reset',
  passcode: 'password',
  credentials: 'password',
  profile: 'account',
  login: 'account',
  steps: '', // "what are the steps to" asks what "how do I" asks
};
const words = new HashingEmbedder(256);
const loopbackModel = (text: string) =>
  words.embedOne(text.toLowerCase().replace(/\p{L}+/gu, (word) => SYNONYMS[word] ?? word));

let db: PlatformDatabase;
let h: Harness;

beforeAll(async () => {
  db = await startPlatformDatabase(256);
  h = await startHarness({
    vectorDb: db.pool,
    semanticCache: { threshold: 0.9, embeddingModel: 'embed' },
    embedWith: loopbackModel,
  });
});
afterAll(async () => {
  await h.close();
  await db.close();
});

const ask = (content: string) =>
  h
    .client()
    .chat.completions.create({ model: 'claude', messages: [{ role: 'user', content }], temperature: 0 })
    .withResponse();
const embeddingCalls = () => h.openai.requests.filter((r) => r.path.endsWith('/embeddings'));

test('a paraphrase in other words hits, a near-miss misses; one embedding per call, its cost to the tenant', async () => {
  const first = await ask('How do I reset my account password?');
  expect(first.response.headers.get('x-llm-cache')).toBeNull();
  // Looked up and then stored with one embedding.
  expect(embeddingCalls()).toHaveLength(1);
  expect(embeddingCalls()[0].body).toMatchObject({
    model: 'embed-fake-1',
    input: ['How do I reset my account password?'],
  });

  // No word in common but "my": the lexical embedder scores it 0.06; the model knows it is the same question.
  const paraphrase = await ask('What are the steps to change my profile passcode?');
  expect(paraphrase.response.headers.get('x-llm-cache')).toBe('hit');
  expect(paraphrase.data.choices[0].message.content).toBe(first.data.choices[0].message.content);
  expect(embeddingCalls()).toHaveLength(2);

  const nearMiss = await ask('How do I reset my account username?');
  expect(nearMiss.response.headers.get('x-llm-cache')).toBeNull();
  expect(embeddingCalls()).toHaveLength(3);
  expect(h.anthropic.requests).toHaveLength(2);

  // Each embedding is a call of the caller's own: a trace record with the tenant and its cost.
  const embeddings = h.traces.records.filter((t) => t.route === '/v1/embeddings');
  expect(embeddings).toHaveLength(3);
  expect(embeddings.every((t) => t.tenant === 'tenant-a' && t.outcome === 'success' && t.costMicroUsd > 0)).toBe(true);
});

test("a key limited to some chat models still gets the cache: the embedding is the platform's, billed to its tenant", async () => {
  const ask = (content: string) =>
    h
      .client(KEYS.restricted)
      .chat.completions.create({ model: 'claude', messages: [{ role: 'user', content }], temperature: 0 })
      .withResponse();
  await ask('When does the Berlin office open on Mondays?');
  const again = await ask('when does the Berlin office open on Mondays');
  expect(again.response.headers.get('x-llm-cache')).toBe('hit');
  const embeddings = h.traces.records.filter((t) => t.route === '/v1/embeddings' && t.tenant === 'tenant-b');
  expect(embeddings).toHaveLength(2);
  expect(embeddings.every((t) => t.outcome === 'success')).toBe(true);
});

test('an embedding that takes longer than embeddingTimeoutMs is a miss, and the call is answered', async () => {
  const events: SemanticCacheEvent[] = [];
  const slow = await startHarness({
    vectorDb: db.pool,
    semanticCache: { threshold: 0.9, embeddingModel: 'embed', embeddingTimeoutMs: 100 },
    embedWith: loopbackModel,
    onSemanticCacheEvent: (event) => events.push(event),
  });
  try {
    slow.openai.faults.push({ kind: 'slow-first-byte', delayMs: 250 });
    const answered = await slow
      .client()
      .chat.completions.create({
        model: 'claude',
        messages: [{ role: 'user', content: 'Is it raining?' }],
        temperature: 0,
      })
      .withResponse();
    expect(answered.response.headers.get('x-llm-cache')).toBeNull();
    expect(answered.data.choices[0].message.content).toBeTruthy();
    // Counted (the CacheUnavailable metric, CacheKind semantic) and not asked again for the store.
    expect(events).toEqual([{ type: 'semantic_cache.unavailable', error: 'embedding: no answer within 100 ms' }]);
    expect(slow.openai.requests.filter((r) => r.path.endsWith('/embeddings'))).toHaveLength(1);
  } finally {
    await slow.close();
  }
});

describe('a semantic cache model the config cannot use is a start-up error naming the field', () => {
  const base = {
    models: {
      chat: { deployments: ['d'] },
      embed: { kind: 'embedding' as const, deployments: ['e'] },
    },
    deployments: {
      d: { provider: 'openai' as const, model: 'm', baseUrl: 'https://x/v1', pricing: { input: 1, output: 1 } },
      e: { provider: 'openai' as const, model: 'e', baseUrl: 'https://x/v1', pricing: { input: 1, output: 0 } },
    },
  };
  test.each([
    [
      { embeddingModel: 'chat' },
      /semanticCache\.embeddingModel: "chat" is not an embedding model of this config; name one of: embed/,
    ],
    [{ embeddingModel: 'nope' }, /semanticCache\.embeddingModel: "nope" is not an embedding model/],
    [{ embeddingModel: 'embed' }, /models\.embed\.dimensions: is required: the semantic cache embeds with "embed"/],
    [{ embeddingTimeoutMs: 0 }, /semanticCache\.embeddingTimeoutMs/],
  ])('%j', (semanticCache, message) => {
    expect(() => parseGatewayConfig({ ...base, semanticCache })).toThrow(message);
  });

  test('dimensions on a chat model', () => {
    const models = { ...base.models, chat: { deployments: ['d'], dimensions: 8 } };
    expect(() => parseGatewayConfig({ ...base, models })).toThrow(
      /models\.chat\.dimensions: is 8, but "chat" is a chat model: only embedding models have dimensions/,
    );
  });
});
