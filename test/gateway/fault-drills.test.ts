import { createServer, type Server, type Socket } from 'node:net';
import type Redis from 'ioredis';
import { APIError } from 'openai';
import { Pool } from 'pg';
import { connectRedisForGateway } from '../../lambda/runtime/create-gateway';
import type { StoreHealthEvent } from '../../lambda/core/policy/limits/resilient-bucket-store';
import type { SemanticCacheEvent } from '../../lambda/core/policy/cache/semantic-cache';
import type { TraceRecord } from '../../lambda/core/trace/record';
import { freePort, startDisposableRedis, type DisposableRedis } from '../support/redis-server';
import { startHarness, type Harness } from './harness';

/**
 * Fault drills through the whole gateway: what the client sees, and what the trace records and the
 * policy events say, when Redis dies under load and comes back, when the semantic cache's Postgres
 * is gone or hangs, and for each kind of provider failure. (Breaker, retry and stream-cut behaviour
 * in detail: failover.test.ts; the limiter's own Redis-down policy: store-down.test.ts.)
 */
const messages = [{ role: 'user' as const, content: 'Tell me about foxes.' }];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Redis killed and restarted under load', () => {
  let server: DisposableRedis;
  let redis: Redis;
  beforeEach(async () => {
    server = await startDisposableRedis();
    redis = connectRedisForGateway(server.url);
    redis.on('error', () => undefined); // refused connections while it is down are the drill
    await new Promise((resolve) => redis.once('ready', resolve));
  });
  afterEach(async () => {
    redis.disconnect();
    await server.stop();
  });

  type Phase = 'before' | 'down' | 'after';
  /**
   * Eight clients calling in a loop; Redis is killed after the first third of the calls and back
   * after the second. Each result says in which phase its call started and ended.
   */
  async function drill(h: Harness): Promise<Array<{ phase: Phase | 'across'; status: number; code?: string }>> {
    const results: Array<{ phase: Phase | 'across'; status: number; code?: string }> = [];
    let phase: Phase = 'before';
    let sent = 0;
    // Set synchronously by the one worker that starts each step, so that no other worker kills or
    // restarts the server a second time while the first is still at it.
    let outage: Promise<void> | undefined;
    let recovery: Promise<void> | undefined;
    const worker = async () => {
      while (sent < 120) {
        // Once the restart is under way, the remaining calls wait for it: they are the "after" phase.
        if (recovery) await recovery;
        sent++;
        const started = phase;
        const outcome = await h
          .client()
          .chat.completions.create({ model: 'chat-a', messages, max_tokens: 20 })
          .then(
            () => ({ status: 200 }),
            (e: APIError) => ({ status: e.status ?? 0, code: e.code ?? undefined }),
          );
        results.push({ phase: started === phase ? started : 'across', ...outcome });
        if (sent >= 40 && !outage) {
          phase = 'down';
          outage = server.kill();
          await outage;
        }
        if (sent >= 80 && outage && !recovery) {
          recovery = outage
            .then(() => server.restart())
            .then(() => until(() => redis.status === 'ready', 'Redis to reconnect'))
            .then(() => {
              phase = 'after';
            });
          await recovery;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return results;
  }

  test('local fallback: every call succeeds, each outage and its recovery are reported once', async () => {
    const events: StoreHealthEvent[] = [];
    const h = await startHarness({
      redis,
      redisPrefix: 'drill:',
      tokenLimits: { tenant: { perMinute: 1_000_000 } },
      exactCache: {},
      limitsStoreDown: { mode: 'local-fallback', localFraction: 0.5 },
      onLimitsStoreHealth: (event) => events.push(event),
    });
    try {
      const results = await drill(h);
      expect(results.filter((r) => r.status !== 200)).toEqual([]);
      expect(results.filter((r) => r.phase === 'down').length).toBeGreaterThan(0);
      expect(h.traces.records.every((t) => t.outcome === 'success' && t.status === 200)).toBe(true);
      // Each outage is reported once and its recovery once. On a loaded machine a command slower than
      // the decision timeout before the kill or after the restart is an outage of its own, so the
      // pair may repeat; it must alternate, start with the outage and end recovered.
      const types = events.map((e) => e.type);
      expect(types.length % 2).toBe(0);
      expect(types).toEqual(types.map((_, i) => (i % 2 === 0 ? 'limits.store_unavailable' : 'limits.store_recovered')));
      expect(types.length).toBeGreaterThanOrEqual(2);
      // Once Redis is back, counting is shared again: the restarted server holds the tenant's bucket.
      await h.client().chat.completions.create({ model: 'chat-a', messages, max_tokens: 20 });
      expect(await redis.keys('drill:buckets:*')).not.toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  test('fail closed: 503 limits_unavailable with Retry-After while Redis is down, traced as refusals; service back after', async () => {
    const h = await startHarness({
      redis,
      redisPrefix: 'drill:',
      tokenLimits: { tenant: { perMinute: 1_000_000 } },
      limitsStoreDown: { mode: 'fail-closed' },
      onLimitsStoreHealth: () => undefined,
    });
    try {
      const results = await drill(h);
      const byPhase = (phase: string) => results.filter((r) => r.phase === phase);
      expect(byPhase('before').every((r) => r.status === 200)).toBe(true);
      expect(byPhase('down').some((r) => r.status === 503 && r.code === 'limits_unavailable')).toBe(true);
      expect(byPhase('down').every((r) => r.status === 200 || r.code === 'limits_unavailable')).toBe(true);
      expect(byPhase('after').length).toBeGreaterThan(0);
      expect(byPhase('after').every((r) => r.status === 200)).toBe(true);
      const refused = h.traces.records.filter((t) => t.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      expect(
        refused.every((t) => t.outcome === 'rejected' && t.errorCode === 'limits_unavailable' && t.attempts === 0),
      ).toBe(true);
    } finally {
      await h.close();
    }
  });
});

describe('the semantic cache without its Postgres', () => {
  let hung: Server;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers: a database that hangs.
    hung = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => hung.close(resolve));
  });

  test.each([
    ['refusing connections', async () => `postgres://postgres@127.0.0.1:${await freePort()}/postgres`],
    ['hanging', async () => `postgres://postgres@127.0.0.1:${(hung.address() as { port: number }).port}/postgres`],
  ])('a database %s: the call still succeeds, and the cache reports it unavailable', async (_name, url) => {
    const events: SemanticCacheEvent[] = [];
    const pool = new Pool({ connectionString: await url(), connectionTimeoutMillis: 1_000, max: 2 });
    pool.on('error', () => undefined);
    const h = await startHarness({
      vectorDb: pool,
      semanticCache: { threshold: 0.8, timeoutMs: 150 },
      onSemanticCacheEvent: (event) => events.push(event),
    });
    try {
      const answer = await h
        .client()
        .chat.completions.create({ model: 'claude', messages, temperature: 0 })
        .withResponse();
      expect(answer.data.choices[0].message.content).toBe('The quick brown fox jumps.');
      expect(answer.response.headers.get('x-llm-cache')).toBeNull();
      expect(events.some((e) => e.type === 'semantic_cache.unavailable')).toBe(true);
      expect(h.traces.records[0]).toMatchObject({ outcome: 'success', status: 200, deployment: 'anthropic-only' });
      expect(h.anthropic.requests).toHaveLength(1);
    } finally {
      await h.close();
      await pool.end().catch(() => undefined);
    }
  });
});

describe('provider faults: what the client sees, what the trace records', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ breaker: { failureThreshold: 100, openMs: 1_000 } });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.openai.faults.length = 0;
    h.anthropic.faults.length = 0;
    h.traces.records.length = 0;
  });

  const status = (code: number) => ({ kind: 'status' as const, status: code });
  const cases: Array<{
    name: string;
    openai: Parameters<Harness['openai']['faults']['push']>;
    anthropic?: Parameters<Harness['anthropic']['faults']['push']>;
    client: { status: number; code?: string };
    trace: Partial<TraceRecord>;
  }> = [
    {
      name: 'every deployment answers 5xx',
      openai: [status(500), status(503)],
      anthropic: [status(502), status(500)],
      client: { status: 502, code: 'upstream_failed' },
      trace: { outcome: 'upstream_error', status: 502, errorCode: 'upstream_failed', attempts: 4, failovers: 1 },
    },
    {
      name: 'the primary resets the connection, then answers',
      openai: [{ kind: 'reset' }],
      client: { status: 200 },
      trace: { outcome: 'success', status: 200, deployment: 'openai-primary', attempts: 2, failovers: 0 },
    },
    {
      name: 'no first byte from anyone within the timeout',
      openai: [
        { kind: 'slow-first-byte', delayMs: 1_000 },
        { kind: 'slow-first-byte', delayMs: 1_000 },
      ],
      anthropic: [
        { kind: 'slow-first-byte', delayMs: 1_000 },
        { kind: 'slow-first-byte', delayMs: 1_000 },
      ],
      client: { status: 504, code: 'upstream_timeout' },
      // A timeout fails over at once (retry.onTimeout: failover): one attempt per deployment.
      trace: { outcome: 'upstream_error', status: 504, errorCode: 'upstream_timeout', attempts: 2 },
    },
    {
      name: 'rate limited with a Retry-After longer than the gateway waits: failover',
      openai: [{ kind: 'status', status: 429, retryAfter: '120' }],
      client: { status: 200 },
      trace: { outcome: 'success', deployment: 'anthropic-fallback', attempts: 2, failovers: 1 },
    },
    {
      name: 'the provider rejects the request itself: no failover',
      openai: [status(400)],
      client: { status: 400, code: 'upstream_rejected_request' },
      trace: { outcome: 'upstream_error', status: 400, attempts: 1, failovers: 0 },
    },
  ];

  test.each(cases)('$name', async ({ openai, anthropic, client, trace }) => {
    h.openai.faults.push(...openai);
    h.anthropic.faults.push(...(anthropic ?? []));
    const result = await h
      .client()
      .chat.completions.create({ model: 'chat-a', messages })
      .then(
        () => ({ status: 200 }),
        (e: APIError) => ({ status: e.status ?? 0, code: e.code ?? undefined }),
      );
    expect(result).toEqual(client);
    expect(h.traces.records).toHaveLength(1);
    expect(h.traces.records[0]).toMatchObject({ ...trace, stream: false });
  });

  test('a stream cut after its first byte: an error event in the stream, traced as a 502 with its tokens', async () => {
    h.openai.faults.push({ kind: 'cut-stream', afterEvents: 3 });
    const stream = await h.client().chat.completions.create({ model: 'chat-a', messages, stream: true });
    const error = await (async () => {
      for await (const _chunk of stream) {
        // read until it breaks
      }
    })().catch((e: Error) => e);
    expect((error as Error).message).toMatch(/stream broke off/);
    await until(() => h.traces.records.length === 1, 'the trace record');
    expect(h.traces.records[0]).toMatchObject({
      outcome: 'upstream_error',
      status: 502,
      errorCode: 'stream_interrupted',
      stream: true,
      deployment: 'openai-primary',
    });
    expect(h.traces.records[0].outputTokens).toBeGreaterThan(0);
    expect(h.traces.records[0].costMicroUsd).toBeGreaterThan(0);
  });

  test('a client gone mid-stream: the upstream call is aborted and the call traced as client_aborted, tokens counted', async () => {
    h.openai.faults.push({ kind: 'slow-stream', gapMs: 100 });
    const aborted = h.openai.aborted;
    const controller = new AbortController();
    const stream = await h
      .client()
      .chat.completions.create({ model: 'chat-a', messages, stream: true }, { signal: controller.signal });
    for await (const _chunk of stream) controller.abort();
    await until(() => h.openai.aborted === aborted + 1 && h.traces.records.length === 1, 'the abort');
    expect(h.traces.records[0]).toMatchObject({
      outcome: 'client_aborted',
      stream: true,
      deployment: 'openai-primary',
    });
    expect(h.traces.records[0].inputTokens).toBeGreaterThan(0);
  });
});
