import type Redis from 'ioredis';
import { APIError } from 'openai';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/services';
import { startHarness, type Harness } from './harness';

/**
 * Token limits through the whole gateway, with the buckets in the real Redis: reservations of
 * prompt + max output up front, refunds from the provider's usage after (streams included), and a
 * 429 that names the limit.
 */
let redis: Redis;
let prefix: string;
let h: Harness;
const messages = [{ role: 'user' as const, content: 'Tell me about foxes.' }];

beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(() => redis.disconnect());
beforeEach(async () => {
  prefix = uniquePrefix('gateway-limits');
  // Each call below reserves about 310 tokens and uses 26 (the fake's usage block).
  h = await startHarness({ redis, redisPrefix: prefix, tokenLimits: { tenant: { perMinute: 1_000 } } });
});
afterEach(async () => {
  await h.close();
  await deletePrefix(redis, prefix);
});

test('unused reserved tokens are refunded after each call, streamed or not', async () => {
  for (let i = 0; i < 6; i++) {
    await h.client().chat.completions.create({ model: 'chat-a', messages, max_tokens: 300 });
    const stream = await h
      .client()
      .chat.completions.create({ model: 'chat-a', messages, max_tokens: 300, stream: true });
    for await (const _chunk of stream) {
      // drain: the usage arrives at the end and settles the reservation
    }
  }
  // 12 calls x 26 tokens used = 312 of 1,000: without refunds the fourth call would have been refused.
  // The bucket drains continuously (1,000 a minute), so it holds at most that, and a little less.
  const [key] = await redis.keys(`${prefix}buckets:{tenant-a}:tenant:tenant-a:minute`);
  const level = Number(await redis.hget(key, 'level'));
  expect(level).toBeLessThanOrEqual(12 * 26);
  expect(level).toBeGreaterThan(12 * 26 - 100);
});

test('over the limit: 429 with Retry-After and a message naming the limit; no provider call', async () => {
  const calls = h.openai.requests.length;
  const error = await h
    .client()
    .chat.completions.create({ model: 'chat-a', messages, max_tokens: 1_000 }) // within the output cap (1,024)
    .catch((e: APIError) => e);
  expect(error).toBeInstanceOf(APIError);
  expect((error as APIError).status).toBe(429);
  expect((error as APIError).code).toBe('tokens_rate_limited');
  expect((error as APIError).message).toMatch(
    /Rate limit reached for tokens per minute for tenant 'tenant-a': limit 1000/,
  );
  expect(Number((error as APIError).headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(h.openai.requests.length).toBe(calls);
});

test('a call that fails upstream gives its whole reservation back', async () => {
  for (let i = 0; i < 2; i++) h.openai.faults.push({ kind: 'status', status: 400 });
  await expect(
    h.client().chat.completions.create({ model: 'chat-a', messages, max_tokens: 900 }),
  ).rejects.toMatchObject({
    status: 400,
  });
  // The 910-token reservation was released, so a second one fits.
  await expect(
    h.client().chat.completions.create({ model: 'chat-a', messages, max_tokens: 900 }),
  ).rejects.toMatchObject({
    status: 400,
  });
  await h.client().chat.completions.create({ model: 'chat-a', messages, max_tokens: 900 });
});
