import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REDIS_URL, useRedis } from '../support/services';
import { GatewayError } from '../../lambda/core/http/errors';
import type { CallFacts } from '../../lambda/core/pipeline/ports';
import {
  CALENDAR_MONTH,
  InMemoryBucketStore,
  windowOf,
  type Bucket,
  type BucketStore,
} from '../../lambda/core/policy/limits/bucket-store';
import { RedisBucketStore } from '../../lambda/core/policy/limits/redis-bucket-store';
import { TokenLimiter } from '../../lambda/core/policy/limits/token-limits';
import { estimateTokens } from '../../lambda/core/openai/token-estimate';
import { tokenLimitsSchema } from '../../lambda/contract/config/token-limits';

const run = promisify(execFile);
const redis = useRedis();

function redisStore(): { store: RedisBucketStore; prefix: string } {
  const prefix = redis.prefix('tokens');
  return { store: new RedisBucketStore(redis.client, prefix), prefix };
}

const HOUR = 3_600_000;
const bucket = (id: string, limit: number, windowMs = HOUR): Bucket => ({ id, name: id, group: 'g', limit, windowMs });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each<[string, () => BucketStore]>([
  ['in-process', () => new InMemoryBucketStore()],
  ['Redis', () => redisStore().store],
])('bucket store contract: %s', (_name, create) => {
  test('a rolling bucket admits up to its limit, then refuses with the time its refill needs', async () => {
    const store = create();
    expect((await store.reserve([bucket('a', 10)], 6)).admitted).toBe(true);
    expect((await store.reserve([bucket('a', 10)], 4)).admitted).toBe(true);
    const refused = await store.reserve([bucket('a', 10)], 1);
    expect(refused).toMatchObject({ admitted: false, used: 10, bucket: { id: 'a' }, inFlight: false });
    // One token of ten per hour comes back in a tenth of an hour.
    expect(!refused.admitted && refused.retryAfterMs).toBeGreaterThan(HOUR / 10 - 1_000);
    expect(!refused.admitted && refused.retryAfterMs).toBeLessThanOrEqual(HOUR / 10);
  });

  test('a rolling bucket refills continuously: no boundary where a burst gets the limit twice', async () => {
    const store = create();
    const fast = bucket('refill', 100, 1_000); // 100 per second: one every 10 ms
    expect((await store.reserve([fast], 100)).admitted).toBe(true);
    expect((await store.reserve([fast], 50)).admitted).toBe(false); // not after any boundary either
    await sleep(300);
    expect((await store.reserve([fast], 25)).admitted).toBe(true); // about 30 came back
    expect((await store.reserve([fast], 25)).admitted).toBe(false);
  });

  test('all or nothing across buckets: a refusal takes nothing from the others', async () => {
    const store = create();
    await store.reserve([bucket('small', 5)], 5);
    const refused = await store.reserve([bucket('big', 100), bucket('small', 5)], 3);
    expect(refused).toMatchObject({ admitted: false, bucket: { id: 'small' } });
    const fill = await store.reserve([bucket('big', 100)], 100);
    expect(fill.admitted).toBe(true);
  });

  test('settling replaces the reservation with what was used: a refund, or an overage', async () => {
    const store = create();
    const first = await store.reserve([bucket('s', 100)], 80);
    if (!first.admitted) throw new Error('expected admission');
    await store.settle(first, 30);
    expect((await store.reserve([bucket('s', 100)], 70)).admitted).toBe(true);
    expect((await store.reserve([bucket('s', 100)], 1)).admitted).toBe(false);
    const other = await store.reserve([bucket('o', 100)], 10);
    if (!other.admitted) throw new Error('expected admission');
    await store.settle(other, 95);
    expect(await store.reserve([bucket('o', 100)], 6)).toMatchObject({ admitted: false, used: 95 });
  });

  test('a release never drives a bucket below zero', async () => {
    const store = create();
    const r = await store.reserve([bucket('z', 10)], 5);
    if (!r.admitted) throw new Error('expected admission');
    await store.settle(r, 0);
    await store.settle(r, 0);
    expect((await store.reserve([bucket('z', 10)], 10)).admitted).toBe(true);
    expect((await store.reserve([bucket('z', 10)], 1)).admitted).toBe(false);
  });

  test('groups are separate: the same bucket id in two groups counts apart', async () => {
    const store = create();
    await store.reserve([{ ...bucket('u', 3), group: 'tenant-1' }], 3);
    expect((await store.reserve([{ ...bucket('u', 3), group: 'tenant-2' }], 3)).admitted).toBe(true);
  });

  test('a calendar bucket tells spent from held by calls in flight', async () => {
    const store = create();
    const month: Bucket = { id: 'budget', name: 'budget', group: 'g', limit: 100, windowMs: CALENDAR_MONTH };
    const a = await store.reserve([month], 60);
    if (!a.admitted) throw new Error('expected admission');
    // 60 held: another 60 does not fit, but only because of a call in flight.
    expect(await store.reserve([month], 60)).toMatchObject({ admitted: false, inFlight: true, used: 60 });
    expect(await store.settle(a, 20)).toEqual([20]); // it spent 20 of its 60
    const b = await store.reserve([month], 60);
    if (!b.admitted) throw new Error('expected admission');
    expect(await store.settle(b, 70)).toEqual([90]);
    // Now what is spent leaves no room: refused until the month renews, whatever is in flight.
    const refused = await store.reserve([month], 20);
    expect(refused).toMatchObject({ admitted: false, inFlight: false, used: 90 });
    expect(!refused.admitted && refused.retryAfterMs).toBeGreaterThan(0);
  });
});

describe('calendar-month windows', () => {
  test('the Redis script and the in-process store agree on the month and when it ends', async () => {
    const { store, prefix } = redisStore();
    const month: Bucket = { id: 'budget', name: 'budget', group: 'g', limit: 10, windowMs: CALENDAR_MONTH };
    const reserved = await store.reserve([month], 10);
    if (!reserved.admitted) throw new Error('expected admission');
    await store.settle(reserved, 10);
    const refused = await store.reserve([month], 1);
    const [seconds] = await redis.client.time();
    const now = Number(seconds) * 1000;
    const expected = windowOf(now, CALENDAR_MONTH);
    expect(reserved.keys).toEqual([`${prefix}buckets:{g}:budget:${expected.index}`]);
    expect(refused.admitted).toBe(false);
    expect(Math.abs((refused as { retryAfterMs: number }).retryAfterMs - (expected.endsAt - now))).toBeLessThan(2_000);
  });

  test('month arithmetic across year ends and leap days', () => {
    expect(windowOf(Date.UTC(2024, 1, 29, 12), CALENDAR_MONTH)).toEqual({
      index: 2024 * 12 + 1,
      endsAt: Date.UTC(2024, 2, 1),
    });
    expect(windowOf(Date.UTC(2026, 11, 31, 23, 59), CALENDAR_MONTH)).toEqual({
      index: 2026 * 12 + 11,
      endsAt: Date.UTC(2027, 0, 1),
    });
  });
});

describe('exact under concurrency, across processes, against real Redis', () => {
  test.each([1, 2, 3])('1,000 concurrent reservations from two processes admit exactly L (trial %i)', async () => {
    const { prefix } = redisStore();
    const limit = 137 + Math.floor(Math.random() * 300);
    const child = path.join(__dirname, '../support/reserve-child.ts');
    const tsx = require.resolve('tsx/cli');
    const args = (count: number) => [tsx, child, REDIS_URL, prefix, 'g', String(limit), String(HOUR), String(count)];
    const [a, b] = await Promise.all([run(process.execPath, args(500)), run(process.execPath, args(500))]);
    expect(Number(a.stdout) + Number(b.stdout)).toBe(limit);
  });
});

describe('TokenLimiter', () => {
  const facts = (tenant: string, user?: string, feature?: string, maxTokens = 100): CallFacts =>
    ({
      requestId: 'r',
      identity: { tenant, user },
      feature,
      request: { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(400) }], max_tokens: maxTokens },
      headers: {},
    }) as unknown as CallFacts;

  const limits = tokenLimitsSchema.parse({
    tenant: { perMinute: 1_000, perDay: 100_000 },
    user: { perMinute: 500 },
    feature: { perDay: 10_000 },
    tenants: { big: { perMinute: 50_000 } },
  });

  test('every applicable limit is a bucket; a tenant override replaces the tenant limits', () => {
    const limiter = new TokenLimiter(limits, new InMemoryBucketStore());
    expect(limiter.buckets(facts('acme', 'alice', 'search')).map((b) => `${b.id}=${b.limit}`)).toEqual([
      'tenant:acme:minute=1000',
      'tenant:acme:day=100000',
      'user:alice:minute=500',
      'feature:search:day=10000',
    ]);
    expect(limiter.buckets(facts('big')).map((b) => `${b.id}=${b.limit}`)).toEqual(['tenant:big:minute=50000']);
  });

  test('the estimate is the prompt plus the most the request may generate', () => {
    expect(estimateTokens(facts('t').request, 1024)).toEqual({ input: 104, maxOutput: 100 });
    expect(estimateTokens({ model: 'm', messages: [{ role: 'user', content: 'hi' }], n: 2 }, 1024)).toEqual({
      input: 5,
      maxOutput: 2048,
    });
  });

  test('a refusal is a 429 naming the limit, with Retry-After; settling refunds unused tokens', async () => {
    const limiter = new TokenLimiter(limits, new InMemoryBucketStore());
    // Each call reserves 104 + 300 = 404 tokens against alice's 500 per minute.
    const first = await limiter.admit(facts('acme', 'alice', undefined, 300));
    const refusal = await limiter.admit(facts('acme', 'alice', undefined, 300)).catch((e: GatewayError) => e);
    expect(refusal).toBeInstanceOf(GatewayError);
    expect((refusal as GatewayError).status).toBe(429);
    expect((refusal as GatewayError).message).toMatch(
      /^Rate limit reached for tokens per minute for user 'alice': limit 500, used 404, requested 404\. Retry after \d+ s\.$/,
    );
    expect((refusal as GatewayError).options.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await first.settle({ inputTokens: 50, outputTokens: 10, cachedInputTokens: 0 }, 0);
    await expect(limiter.admit(facts('acme', 'alice', undefined, 300))).resolves.toBeDefined();
  });

  test('a released reservation gives its tokens back exactly once', async () => {
    const limiter = new TokenLimiter(limits, new InMemoryBucketStore());
    // 404 tokens a call against acme's 1,000 per minute.
    const alice = await limiter.admit(facts('acme', 'alice', undefined, 300));
    await limiter.admit(facts('acme', 'bob', undefined, 300));
    await alice.release();
    await alice.release();
    await alice.settle({ inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 }, 0);
    await limiter.admit(facts('acme', 'carol', undefined, 300));
    // bob 404 + carol 404 + dave 404 > 1,000: a second refund of alice's tokens would have let dave in.
    await expect(limiter.admit(facts('acme', 'dave', undefined, 300))).rejects.toMatchObject({ status: 429 });
  });
});
