import type Redis from 'ioredis';
import { APIError } from 'openai';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/services';
import { startHarness, type Harness } from './harness';

/**
 * The faults an outside drill found the breaker, the retries and the timers blind to, each driven
 * through the local server with the official client against loopback providers, breaker state in
 * the real Redis. The primary (`openai-primary`) fails; the fallback (`anthropic-fallback`) answers.
 */
const messages = [{ role: 'user' as const, content: 'Tell me about foxes.' }];
const WORDS = 'The quick brown fox jumps.';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: Redis;
const harnesses: Array<{ h: Harness; prefix: string }> = [];

beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(() => redis.disconnect());
afterEach(async () => {
  for (const { h, prefix } of harnesses.splice(0)) {
    await h.close();
    await deletePrefix(redis, prefix);
  }
});

async function gateway(options: Omit<Parameters<typeof startHarness>[0] & object, 'redis' | 'redisPrefix'>) {
  const prefix = uniquePrefix('resilience');
  const h = await startHarness({ redis, redisPrefix: prefix, ...options });
  harnesses.push({ h, prefix });
  return h;
}

/** Reads a stream to its end; resolves with the text and the error that ended it, if any. */
async function drain(stream: AsyncIterable<{ choices: Array<{ delta: { content?: string | null } }> }>) {
  let text = '';
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    return { text, error: undefined };
  } catch (error) {
    return { text, error: error as Error };
  }
}

test('streams cut after their first byte count against the breaker: once it opens, calls fail over', async () => {
  const h = await gateway({ breaker: { failureThreshold: 2, openMs: 30_000 } });
  h.openai.faults.push({ kind: 'cut-stream', afterEvents: 2 }, { kind: 'cut-stream', afterEvents: 2 });
  for (let i = 0; i < 2; i++) {
    const cut = await drain(await h.client().chat.completions.create({ model: 'chat-a', messages, stream: true }));
    expect(cut.error).toBeDefined();
    // Never retried once tokens were sent: the client got one partial answer, not two.
    expect(WORDS.startsWith(cut.text)).toBe(true);
  }
  expect(h.anthropic.requests).toHaveLength(0);

  for (let i = 0; i < 4; i++) {
    const next = await drain(await h.client().chat.completions.create({ model: 'chat-a', messages, stream: true }));
    expect(next).toEqual({ text: WORDS, error: undefined });
  }
  expect(h.openai.requests).toHaveLength(2);
  expect(h.anthropic.requests).toHaveLength(4);
});

test('a stream that stalls after its first event is cut after the idle timeout, not the total', async () => {
  const h = await gateway({ timeouts: { firstByteMs: 2_000, totalMs: 20_000, idleMs: 250 } });
  h.openai.faults.push({ kind: 'slow-stream', gapMs: 1_500 });
  const started = Date.now();
  const stalled = await drain(await h.client().chat.completions.create({ model: 'chat-a', messages, stream: true }));
  expect(stalled.error).toBeDefined();
  // Five events 1.5 s apart would take 7.5 s; the idle timer ends it after the first gap.
  expect(Date.now() - started).toBeLessThan(1_500 + 2_000);
  for (let i = 0; i < 50 && h.traces.records.length === 0; i++) await sleep(20);
  expect(h.traces.records[0]).toMatchObject({ outcome: 'upstream_error', deployment: 'openai-primary' });
  expect(h.traces.records[0].errorDetail).toMatch(/sent nothing for 250 ms/);
});

test('retries ask the breaker again: 20 concurrent calls against a newly failing primary stop at the threshold', async () => {
  const h = await gateway({
    breaker: { failureThreshold: 5, openMs: 30_000 },
    retry: { maxAttempts: 2, initialDelayMs: 50, maxDelayMs: 50 },
  });
  // All 20 first attempts reach the primary while its breaker is still closed, and fail together.
  let fail!: () => void;
  const together = new Promise<void>((resolve) => (fail = resolve));
  h.openai.faults.push(
    ...Array.from({ length: 20 }, () => ({ kind: 'status' as const, status: 500, after: together })),
  );
  h.openai.faults.push(...Array.from({ length: 20 }, () => ({ kind: 'status' as const, status: 500 })));
  const calls = Array.from({ length: 20 }, () => h.client().chat.completions.create({ model: 'chat-a', messages }));
  while (h.openai.requests.length < 20) await sleep(5);
  fail();
  const answers = await Promise.all(calls);
  expect(answers.every((a) => a.choices[0].message.content === WORDS)).toBe(true);
  // Their failures open the breaker; every retry asks it again and fails over instead. (Without
  // asking, all 20 retried the primary: 40 calls. A retry is 50 ms after its failure, by when the
  // fifth failure has long been counted; four more allow for a machine that stalls in between.)
  expect(h.openai.requests.length).toBeLessThanOrEqual(20 + 4);
  expect(h.anthropic.requests).toHaveLength(20);
});

test('a half-open probe abandoned by its client gives its slot back: the next call probes at once', async () => {
  const openMs = 1_000;
  const h = await gateway({
    breaker: { failureThreshold: 2, openMs },
    timeouts: { firstByteMs: 10_000, totalMs: 20_000 },
  });
  h.openai.faults.push({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
  await h.client().chat.completions.create({ model: 'chat-a', messages });
  await sleep(openMs + 100);

  // The probe hangs upstream; its client gives up.
  h.openai.faults.push({ kind: 'hold', until: new Promise(() => undefined) });
  const controller = new AbortController();
  const probe = h.client().chat.completions.create({ model: 'chat-a', messages }, { signal: controller.signal });
  while (h.openai.requests.length < 3) await sleep(5);
  controller.abort();
  await expect(probe).rejects.toThrow();
  for (let i = 0; i < 100 && h.openai.aborted === 0; i++) await sleep(10);

  // Well inside another open period: the primary is probed again, and recovers.
  const next = await h.client().chat.completions.create({ model: 'chat-a', messages });
  expect(next.model).toBe('gpt-fake-1');
  expect(h.openai.requests).toHaveLength(4);
});

test.each([
  ['failover', 1, 1],
  ['retry', 2, 1],
] as const)(
  'a timeout with onTimeout %s: %i call(s) to the hung deployment, then the fallback answers',
  async (onTimeout, primaryCalls, fallbackCalls) => {
    const h = await gateway({
      timeouts: { firstByteMs: 200, totalMs: 5_000 },
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5, onTimeout },
    });
    h.openai.faults.push(...Array.from({ length: 2 }, () => ({ kind: 'slow-first-byte' as const, delayMs: 1_000 })));
    const completion = await h.client().chat.completions.create({ model: 'chat-a', messages });
    expect(completion.model).toBe('claude-fake-1');
    expect(h.openai.requests).toHaveLength(primaryCalls);
    expect(h.anthropic.requests).toHaveLength(fallbackCalls);
  },
);

test('token limits refill continuously: an emptied limit admits again within seconds, not at the next minute', async () => {
  // 1,200 tokens a minute: 20 a second. The fake reports 26 tokens used by every call.
  const h = await gateway({ tokenLimits: { tenant: { perMinute: 1_200 } } });
  const call = (maxTokens: number) =>
    h
      .client()
      .chat.completions.create({ model: 'chat-a', messages, max_tokens: maxTokens })
      .then(
        () => undefined,
        (e: APIError) => e,
      );
  let refusal: APIError | undefined;
  for (let calls = 0; !refusal; calls++) {
    expect(calls).toBeLessThan(200);
    refusal = await call(1);
  }
  expect(refusal.status).toBe(429);
  // The wait is the refill time of one small call, never the rest of a fixed minute.
  expect(Number(refusal.headers?.get('retry-after'))).toBeLessThanOrEqual(2);
  await sleep(2_000);
  expect(await call(1)).toBeUndefined();
  // ...in proportion to the time passed: two seconds do not refill a thousand tokens.
  expect((await call(1_000))?.status).toBe(429);
});

test('a spent budget says insufficient_quota with x-should-retry: false, so SDKs stop asking', async () => {
  const h = await gateway({ budgets: { tenant: { monthlyMicroUsd: 300 } } });
  // claude: $3/M in, $15/M out; 10 output tokens reserve at most 177 and cost 117 micro-dollars.
  const call = () => h.client().chat.completions.create({ model: 'claude', messages, max_tokens: 10 }).withResponse();
  await call();
  await call();
  const refused = await call().catch((e: APIError) => e);
  expect(refused).toBeInstanceOf(APIError);
  expect((refused as APIError).code).toBe('insufficient_quota');
  expect((refused as APIError).headers?.get('x-should-retry')).toBe('false');
});
