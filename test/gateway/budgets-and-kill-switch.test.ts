import type Redis from 'ioredis';
import { APIError } from 'openai';
import type { SoftThresholdEvent } from '../../lambda/core/policy/budget/budget-guard';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/services';
import { KEYS, startHarness, type Harness } from './harness';

/**
 * Budgets and the kill switch through the whole gateway, state in the real Redis.
 * Prices (harness): the `claude` model costs $3/M input, $15/M output. A call below reserves at
 * most 9 x 3 + 10 x 15 = 177 micro-dollars and, by the fake's usage block, costs 117.
 */
let redis: Redis;
let prefix: string;
let h: Harness;
let events: SoftThresholdEvent[];
const messages = [{ role: 'user' as const, content: 'Tell me about foxes.' }];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(() => redis.disconnect());
beforeEach(async () => {
  prefix = uniquePrefix('budgets');
  events = [];
  h = await startHarness({
    redis,
    redisPrefix: prefix,
    budgets: { tenant: { monthlyMicroUsd: 1_000 }, softThresholdPercent: 70 },
    killSwitchRefreshMs: 200,
    onBudgetSoftThreshold: (event) => events.push(event),
  });
});
afterEach(async () => {
  await h.close();
  await deletePrefix(redis, prefix);
});

const call = (stream = false) =>
  stream
    ? h
        .client()
        .chat.completions.create({ model: 'claude', messages, max_tokens: 10, stream: true })
        .then(async (s) => {
          for await (const _chunk of s) {
            // drain, so that the usage settles the reservation
          }
        })
    : h.client().chat.completions.create({ model: 'claude', messages, max_tokens: 10 });

const spent = () => h.traces.records.filter((t) => t.outcome === 'success').reduce((sum, t) => sum + t.costMicroUsd, 0);

test.each([false, true])(
  'spend stops at the budget, one soft-threshold event on the way (stream=%s)',
  async (stream) => {
    const outcomes: Array<number | 'ok'> = [];
    for (let i = 0; i < 10; i++) {
      outcomes.push(
        await call(stream).then(
          () => 'ok' as const,
          (e: APIError) => e.status ?? 0,
        ),
      );
    }
    // 8 calls fit (7 x 117 + 177 <= 1,000); then every call is refused.
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 429, 429]);
    expect(spent()).toBe(8 * 117);
    expect(events).toEqual([
      { budget: 'budget:tenant:tenant-a', tenant: 'tenant-a', spentMicroUsd: 702, limitMicroUsd: 1_000 },
    ]);
    const refusal = await call().catch((e: APIError) => e);
    expect((refusal as APIError).code).toBe('insufficient_quota');
    expect((refusal as APIError).message).toMatch(
      /Budget exhausted: the monthly budget of tenant 'tenant-a' is \$0\.001/,
    );
  },
);

test('under concurrency the budget holds: reservations of the maximum cost never overshoot it', async () => {
  // Every admitted call is held upstream until each of the 20 has been admitted or refused, so that
  // all 20 reservations overlap however slow the machine: exactly floor(1,000 / 177) fit.
  await h.close();
  h = await startHarness({
    redis,
    redisPrefix: prefix,
    budgets: { tenant: { monthlyMicroUsd: 1_000 }, softThresholdPercent: 70 },
    timeouts: { firstByteMs: 10_000, totalMs: 20_000 },
  });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  h.anthropic.faults.push(...Array.from({ length: 20 }, () => ({ kind: 'hold' as const, until: gate })));
  let refused = 0;
  const calls = Array.from({ length: 20 }, () =>
    call().catch((error: unknown) => {
      refused++;
      throw error;
    }),
  );
  while (h.anthropic.requests.length + refused < 20) await sleep(5);
  release();
  const results = await Promise.allSettled(calls);
  const admitted = results.filter((r) => r.status === 'fulfilled').length;
  expect(admitted).toBe(Math.floor(1_000 / 177));
  expect(spent()).toBeLessThanOrEqual(1_000);
  expect(results.filter((r) => r.status === 'rejected').every((r) => (r.reason as APIError).status === 429)).toBe(true);
});

test('the kill switch stops a tenant within its refresh time, and lifting it restores service', async () => {
  const cheap = { model: 'claude', messages, max_tokens: 10 };
  await h.client().chat.completions.create(cheap);
  await redis.set(`${prefix}kill:tenant:tenant-a`, 'runaway agent loop');
  await sleep(250);
  const error = await h
    .client()
    .chat.completions.create(cheap)
    .catch((e: APIError) => e);
  expect((error as APIError).status).toBe(503);
  expect((error as APIError).code).toBe('kill_switch');
  expect((error as APIError).message).toMatch(/switched off for tenant 'tenant-a': runaway agent loop/);
  // Another tenant is unaffected.
  await h.client(KEYS.restricted).chat.completions.create(cheap);
  await redis.del(`${prefix}kill:tenant:tenant-a`);
  await sleep(250);
  await h.client().chat.completions.create(cheap);
});

test('the global kill switch stops every tenant', async () => {
  await redis.set(`${prefix}kill:global`, 'provider incident');
  await sleep(250);
  for (const key of [KEYS.full, KEYS.restricted]) {
    const error = await h
      .client(key)
      .chat.completions.create({ model: 'claude', messages })
      .catch((e: APIError) => e);
    expect((error as APIError).status).toBe(503);
  }
  expect(h.anthropic.requests).toHaveLength(0);
});
