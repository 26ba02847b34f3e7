import type Redis from 'ioredis';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/services';
import { KEYS, startHarness, type Harness } from './harness';

/** The exact cache through the whole gateway, entries in the real Redis. */
let redis: Redis;
let prefix: string;
let h: Harness;
const messages = [{ role: 'user' as const, content: 'What is our refund policy?' }];

beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(() => redis.disconnect());
beforeEach(async () => {
  prefix = uniquePrefix('exact-cache');
  h = await startHarness({
    redis,
    redisPrefix: prefix,
    // A generous bound: on a busy machine the default 50 ms would turn slow hits into misses.
    exactCache: { timeoutMs: 1_000, models: { claude: { nonDeterministic: true } } },
  });
});
afterEach(async () => {
  await h.close();
  await deletePrefix(redis, prefix);
});

test('a repeated deterministic request is answered from the cache: no provider call, marked in a header', async () => {
  const first = await h.client().chat.completions.create({ model: 'chat-a', messages, temperature: 0 }).withResponse();
  expect(first.response.headers.get('x-llm-cache')).toBeNull();
  const second = await h
    .client()
    .chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 })
    .withResponse();
  expect(second.response.headers.get('x-llm-cache')).toBe('hit');
  expect(second.data).toEqual(first.data);
  expect(h.openai.requests).toHaveLength(1);
  expect(h.traces.records[1]).toMatchObject({ costMicroUsd: 0, outcome: 'success' });
});

test('a streamed request is served from an unstreamed answer, as a stream', async () => {
  await h.client().chat.completions.create({ model: 'chat-a', messages, temperature: 0 });
  const stream = await h.client().chat.completions.create({
    model: 'chat-a',
    messages,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    usage = chunk.usage ?? usage;
  }
  expect(text).toBe('The quick brown fox jumps.');
  expect(usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 5 });
  expect(h.openai.requests).toHaveLength(1);
});

test("a tenant never gets another tenant's cached answer", async () => {
  await h.client().chat.completions.create({ model: 'claude', messages, temperature: 0 });
  await h.client(KEYS.restricted).chat.completions.create({ model: 'claude', messages, temperature: 0 });
  expect(h.anthropic.requests).toHaveLength(2);
});

test('Cache-Control from the client is honoured', async () => {
  await h
    .client()
    .chat.completions.create(
      { model: 'chat-a', messages, temperature: 0 },
      { headers: { 'cache-control': 'no-store' } },
    );
  await h
    .client()
    .chat.completions.create(
      { model: 'chat-a', messages, temperature: 0 },
      { headers: { 'cache-control': 'no-cache' } },
    );
  expect(h.openai.requests).toHaveLength(2);
  await h.client().chat.completions.create({ model: 'chat-a', messages, temperature: 0 });
  expect(h.openai.requests).toHaveLength(2);
});

test('sampled answers are cached only for models that allow it', async () => {
  for (let i = 0; i < 2; i++) await h.client().chat.completions.create({ model: 'chat-a', messages, temperature: 0.8 });
  expect(h.openai.requests).toHaveLength(2);
  for (let i = 0; i < 2; i++) await h.client().chat.completions.create({ model: 'claude', messages, temperature: 0.8 });
  expect(h.anthropic.requests).toHaveLength(1);
});
