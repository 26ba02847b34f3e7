import type Redis from 'ioredis';
import { startDisposableRedis, type DisposableRedis } from '../support/redis-server';
import { connectRedisForGateway } from '../../lambda/runtime/create-gateway';
import { GatewayError } from '../../lambda/core/http/errors';
import type { CallFacts } from '../../lambda/core/pipeline/ports';
import { RedisBucketStore } from '../../lambda/core/policy/limits/redis-bucket-store';
import { ResilientBucketStore, type StoreHealthEvent } from '../../lambda/core/policy/limits/resilient-bucket-store';
import { storeDownPolicySchema } from '../../lambda/contract/config/limits-store-down';
import { TokenLimiter } from '../../lambda/core/policy/limits/token-limits';
import { tokenLimitsSchema } from '../../lambda/contract/config/token-limits';

/**
 * Redis killed mid-test (our own redis-server, never the shared one): the configured behaviour
 * within 100 ms, an event when it happens, and recovery when Redis returns.
 */
let server: DisposableRedis;
let redis: Redis;

beforeEach(async () => {
  server = await startDisposableRedis();
  redis = connectRedisForGateway(server.url);
  await new Promise((resolve) => redis.once('ready', resolve));
});
afterEach(async () => {
  redis.disconnect();
  await server.stop();
});

const facts = {
  requestId: 'r',
  identity: { tenant: 'acme' },
  request: { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 95 },
  headers: {},
} as unknown as CallFacts;
const limits = tokenLimitsSchema.parse({ tenant: { perMinute: 1_000 } }); // each call reserves 5 + 95 = 100

function limiter(mode: 'fail-closed' | 'local-fallback', events: StoreHealthEvent[]): TokenLimiter {
  const policy = storeDownPolicySchema.parse({ mode, localFraction: 0.3 });
  return new TokenLimiter(
    limits,
    new ResilientBucketStore(new RedisBucketStore(redis, 'drill:'), policy, (e) => events.push(e)),
  );
}

async function timed<T>(work: Promise<T>): Promise<{ ms: number; result: T | Error }> {
  const started = performance.now();
  const result = await work.catch((error: Error) => error);
  return { ms: performance.now() - started, result };
}

test('local fallback: decided within 100 ms against a share of the limit, reported, and recovered', async () => {
  const events: StoreHealthEvent[] = [];
  const tokens = limiter('local-fallback', events);
  await tokens.admit(facts);
  await server.kill();

  const first = await timed(tokens.admit(facts));
  expect(first.ms).toBeLessThan(100);
  expect(first.result).not.toBeInstanceOf(Error);
  expect(events).toEqual([expect.objectContaining({ type: 'limits.store_unavailable', mode: 'local-fallback' })]);
  // 30% of 1,000 tokens per minute in this instance: two more calls of 100 fit, the fourth does not.
  await tokens.admit(facts);
  await tokens.admit(facts);
  const refused = await timed(tokens.admit(facts));
  expect(refused.ms).toBeLessThan(100);
  expect((refused.result as GatewayError).status).toBe(429);

  await server.restart();
  for (let i = 0; i < 100 && redis.status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  await tokens.admit(facts);
  expect(events[events.length - 1]).toMatchObject({ type: 'limits.store_recovered' });
  // Counting is shared again: the bucket in the restarted Redis holds this call.
  const [key] = await redis.keys('drill:buckets:*');
  expect(Math.round(Number(await redis.hget(key, 'level')))).toBe(100);
});

test('fail closed: a 503 within 100 ms, and service back when Redis is', async () => {
  const events: StoreHealthEvent[] = [];
  const tokens = limiter('fail-closed', events);
  await server.kill();
  const refused = await timed(tokens.admit(facts));
  expect(refused.ms).toBeLessThan(100);
  expect(refused.result).toBeInstanceOf(GatewayError);
  expect((refused.result as GatewayError).status).toBe(503);
  expect((refused.result as GatewayError).options.code).toBe('limits_unavailable');
  await server.restart();
  for (let i = 0; i < 100 && redis.status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  await expect(tokens.admit(facts)).resolves.toBeDefined();
  expect(events.map((e) => e.type)).toEqual(['limits.store_unavailable', 'limits.store_recovered']);
});
