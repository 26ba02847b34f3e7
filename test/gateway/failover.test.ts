import type Redis from 'ioredis';
import { APIError } from 'openai';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/services';
import { startHarness, type Harness } from './harness';

/**
 * Failover and the shared circuit breaker, through the whole gateway, with breaker state in the
 * real Redis on 127.0.0.1:6379.
 */
const messages = [{ role: 'user' as const, content: 'Tell me about foxes.' }];
const WORDS = 'The quick brown fox jumps.';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: Redis;
let prefix: string;
let h: Harness;

beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(() => redis.disconnect());

beforeEach(async () => {
  prefix = uniquePrefix('failover');
  h = await startHarness({ redis, redisPrefix: prefix, breaker: { failureThreshold: 2, openMs: 400 } });
});
afterEach(async () => {
  await h.close();
  await deletePrefix(redis, prefix);
});

test('a failing primary fails over: the fallback answers, and the trace says so', async () => {
  h.openai.faults.push({ kind: 'status', status: 500 }, { kind: 'status', status: 503 });
  const completion = await h.client().chat.completions.create({ model: 'chat-a', messages });
  expect(completion.choices[0].message.content).toBe(WORDS);
  expect(completion.model).toBe('claude-fake-1');
  expect(h.openai.requests).toHaveLength(2);
  expect(h.anthropic.requests).toHaveLength(1);
  expect(h.traces.records[0]).toMatchObject({
    deployment: 'anthropic-fallback',
    provider: 'anthropic',
    attempts: 3,
    failovers: 1,
    outcome: 'success',
  });
});

test('once the breaker is open, the primary receives no calls at all, from any instance', async () => {
  // Open long enough that the ten calls below all fall inside it, however busy the machine.
  const breaker = { failureThreshold: 2, openMs: 30_000 };
  const open = uniquePrefix('failover-open');
  const one = await startHarness({ redis, redisPrefix: open, breaker });
  one.openai.faults.push({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
  await one.client().chat.completions.create({ model: 'chat-a', messages });
  expect(one.openai.requests).toHaveLength(2);

  // A second gateway instance sharing the Redis sees the open breaker too.
  const other = await startHarness({ redis, redisPrefix: open, breaker });
  try {
    for (let i = 0; i < 5; i++) {
      await one.client().chat.completions.create({ model: 'chat-a', messages });
      // The other instance's own fake primary stands for the same deployment id.
      await other.client().chat.completions.create({ model: 'chat-a', messages });
    }
    expect(one.openai.requests).toHaveLength(2);
    expect(other.openai.requests).toHaveLength(0);
    expect(other.traces.records.every((t) => t.deployment === 'anthropic-fallback')).toBe(true);
  } finally {
    await Promise.all([one.close(), other.close()]);
    await deletePrefix(redis, open);
  }
});

test('a model whose only deployment has an open breaker answers 503 with Retry-After', async () => {
  h.anthropic.faults.push(...Array.from({ length: 2 }, () => ({ kind: 'status' as const, status: 500 })));
  await expect(h.client().chat.completions.create({ model: 'claude', messages })).rejects.toMatchObject({
    status: 502,
  });
  const error = await h
    .client()
    .chat.completions.create({ model: 'claude', messages })
    .catch((e: APIError) => e);
  expect(error).toBeInstanceOf(APIError);
  expect((error as APIError).status).toBe(503);
  expect((error as APIError).headers?.get('retry-after')).toBe('1');
  expect(h.anthropic.requests).toHaveLength(2);
});

test('exactly one half-open probe under 20 concurrent calls', async () => {
  // The probe is held by the test, so its first byte may come late on a slow machine.
  await h.close();
  h = await startHarness({
    redis,
    redisPrefix: prefix,
    breaker: { failureThreshold: 2, openMs: 400 },
    timeouts: { firstByteMs: 10_000, totalMs: 20_000 },
  });
  h.openai.faults.push({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
  await h.client().chat.completions.create({ model: 'chat-a', messages });
  await sleep(450);
  h.openai.requests.length = 0;
  h.anthropic.requests.length = 0;
  // The probe is held until the other 19 calls have been answered by the fallback, so that every
  // call arrives while the probe is in flight, however slow the machine.
  let releaseProbe!: () => void;
  h.openai.faults.push({ kind: 'hold', until: new Promise<void>((resolve) => (releaseProbe = resolve)) });
  const calls = Array.from({ length: 20 }, () => h.client().chat.completions.create({ model: 'chat-a', messages }));
  // A call that fails ends the wait at once and is reported, instead of the test timing out.
  const failed: unknown[] = [];
  for (const call of calls) call.catch((error: unknown) => failed.push(error));
  while (h.anthropic.requests.length < 19 && failed.length === 0) await sleep(5);
  expect(failed).toEqual([]);
  releaseProbe();
  const answers = await Promise.all(calls);
  expect(answers.every((a) => a.choices[0].message.content === WORDS)).toBe(true);
  expect(h.openai.requests).toHaveLength(1);
  // The probe succeeded: the breaker is closed and the primary serves again.
  await h.client().chat.completions.create({ model: 'chat-a', messages });
  expect(h.openai.requests).toHaveLength(2);
});

test('a stream cut after its first byte is never retried: no duplicated tokens, an error in the stream', async () => {
  h.openai.faults.push({ kind: 'cut-stream', afterEvents: 3 });
  const stream = await h.client().chat.completions.create({ model: 'chat-a', messages, stream: true });
  let text = '';
  const error = await (async () => {
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    } catch (e) {
      return e as Error;
    }
    return undefined;
  })();
  expect(error).toBeDefined();
  expect(error!.message).toMatch(/stream broke off/);
  expect(text).toBe('The quick ');
  expect(h.openai.requests).toHaveLength(1);
  expect(h.anthropic.requests).toHaveLength(0);
  // The cut call is still accounted for: no free streamed tokens.
  expect(h.traces.records[0]).toMatchObject({ outcome: 'upstream_error', stream: true });
  expect(h.traces.records[0].outputTokens).toBeGreaterThan(0);
});

test('a malformed chunk after the first byte ends the stream with an error, never a retry', async () => {
  h.openai.faults.push({ kind: 'malformed-chunk', afterEvents: 2 });
  const stream = await h.client().chat.completions.create({ model: 'chat-a', messages, stream: true });
  let text = '';
  await expect(
    (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })(),
  ).rejects.toThrow(/stream broke off\.$/);
  expect(text).toBe('The ');
  expect(h.openai.requests).toHaveLength(1);
  // What broke, and where, is for the operator: in the call's record, not in the client's error.
  expect(h.traces.records.at(-1)?.errorDetail).toMatch(/openai-primary sent a stream event we cannot read/);
  expect(h.anthropic.requests).toHaveLength(0);
});

test('a stream that fails before its first byte is retried, and the client sees one clean answer', async () => {
  h.openai.faults.push({ kind: 'malformed-chunk', afterEvents: 0 }, { kind: 'reset' });
  const stream = await h.client().chat.completions.create({ model: 'chat-a', messages, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  expect(text).toBe(WORDS);
  expect(h.openai.requests).toHaveLength(2);
  expect(h.anthropic.requests).toHaveLength(1);
});

test('a slow first byte on a stream fails over within the first-byte timeout', async () => {
  h.openai.faults.push({ kind: 'slow-first-byte', delayMs: 1_000 }, { kind: 'slow-first-byte', delayMs: 1_000 });
  const stream = await h.client().chat.completions.create({ model: 'chat-a', messages, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  expect(text).toBe(WORDS);
  expect(h.traces.records[0]).toMatchObject({ deployment: 'anthropic-fallback', failovers: 1 });
});

test('a client that disconnects mid-stream aborts the upstream call', async () => {
  h.openai.faults.push({ kind: 'slow-stream', gapMs: 100 });
  const controller = new AbortController();
  const stream = await h
    .client()
    .chat.completions.create({ model: 'chat-a', messages, stream: true }, { signal: controller.signal });
  let chunks = 0;
  // The openai client ends the iteration quietly when its own signal aborts it.
  for await (const _chunk of stream) {
    chunks++;
    controller.abort();
  }
  expect(chunks).toBe(1);
  for (let i = 0; i < 50 && h.openai.aborted === 0; i++) await sleep(20);
  expect(h.openai.aborted).toBe(1);
  for (let i = 0; i < 50 && h.traces.records.length === 0; i++) await sleep(20);
  expect(h.traces.records[0].outcome).toBe('client_aborted');
});

test('a half-open probe slot taken for a call the cache answers is given back: the next call probes', async () => {
  // The breaker permit is asked for alongside the cache lookup (one round trip to Redis), so a
  // cached answer can leave a probe permit unused.
  const cached = await startHarness({
    redis,
    redisPrefix: uniquePrefix('failover-cache'),
    breaker: { failureThreshold: 2, openMs: 400 },
    exactCache: {},
  });
  try {
    const question = { model: 'chat-a', messages, temperature: 0 };
    cached.openai.faults.push({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    expect((await cached.client().chat.completions.create(question)).model).toBe('claude-fake-1');
    await sleep(450);
    const hit = await cached.client().chat.completions.create(question).withResponse();
    expect(hit.response.headers.get('x-llm-cache')).toBe('hit');
    const probe = await cached
      .client()
      .chat.completions.create({ ...question, messages: [{ role: 'user', content: 'Something new.' }] });
    expect(probe.model).toBe('gpt-fake-1');
    expect(cached.openai.requests).toHaveLength(3);
  } finally {
    await cached.close();
  }
});
