import type Redis from 'ioredis';
import OpenAI, { APIError } from 'openai';
import { Pool } from 'pg';
import { connectRedisForGateway } from '../../lambda/runtime/create-gateway';
import { HashingEmbedder } from '../../lambda/core/policy/cache/embedder';
import { EmfMetricWriter, createGatewayTelemetry, createPlatformLogger } from '../../lambda/core/telemetry';
import { migrateVectorSchema, startEmbeddedPostgres, type EmbeddedPostgres } from '../../lambda/core/vector';
import { captureOutput, type CapturedOutput } from '../support/capture-output';
import { startDisposableRedis, type DisposableRedis } from '../support/redis-server';
import { KEYS, startHarness, type Harness } from '../gateway/harness';

/**
 * The privacy gate: a suite of gateway calls through every path that logs (answers, streams, both
 * caches, failover with providers that echo the prompt in their errors, broken streams, refusals
 * by key, validation, token limit, budget and kill switch, a semantic cache and a limits store that
 * go down) with a canary API key and personal data in the prompts. Not one captured line (logs at
 * DEBUG, metrics, anything on stdout, stderr or the console) may contain any of them.
 */
const CANARY_KEY = 'sk-canary-7Hq2Lx9Vb3NwPz';
const PROMPT_CANARY = 'zebra-canary-phrase-8d1f';
const PII = {
  email: 'jane.doe@example.com',
  card: '4111 1111 1111 1111',
  cardCompact: '4111111111111111',
  phone: '+1 415 555 0134',
  ssn: '123-45-6789',
};
const PROMPT = `My card is ${PII.card}, mail me at ${PII.email}, call ${PII.phone}, SSN ${PII.ssn}. ${PROMPT_CANARY}`;
const FORBIDDEN = [
  CANARY_KEY,
  KEYS.full,
  KEYS.restricted,
  'sk-upstream-openai',
  'sk-upstream-anthropic',
  PROMPT_CANARY,
  ...Object.values(PII),
];

let redis: DisposableRedis;
let client: Redis;
let pg: EmbeddedPostgres;
let pool: Pool;
let h: Harness;
let output: CapturedOutput;

beforeAll(async () => {
  redis = await startDisposableRedis();
  client = connectRedisForGateway(redis.url);
  pg = await startEmbeddedPostgres();
  pool = new Pool({ connectionString: pg.connectionString, max: 4 });
  const session = await pool.connect();
  try {
    await migrateVectorSchema(session, { dimensions: new HashingEmbedder().dimensions });
  } finally {
    session.release();
  }
  const logger = createPlatformLogger({ serviceName: 'llm-gateway', logLevel: 'DEBUG' });
  h = await startHarness({
    redis: client,
    redisPrefix: 'llmgw:',
    vectorDb: pool,
    exactCache: {},
    semanticCache: { threshold: 0.8 },
    budgets: { feature: { monthlyMicroUsd: 450 }, softThresholdPercent: 30 },
    tokenLimits: { tenant: { perMinute: 1_000_000 }, tenants: { 'tenant-b': { perMinute: 30 } } },
    killSwitchRefreshMs: 100,
    telemetry: createGatewayTelemetry({
      logger,
      metrics: new EmfMetricWriter({ serviceName: 'llm-gateway', logger }),
      env: { LLM_METRICS_TENANTS: 'tenant-a' },
    }),
  });
  output = captureOutput();
});
afterAll(async () => {
  output?.restore();
  await h?.close();
  client?.disconnect();
  await redis?.stop();
  await pool?.end();
  await pg?.stop();
});

const ask = (key: string, body: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {}, feature?: string) =>
  h
    .client(key)
    .chat.completions.create(
      { model: 'chat-a', messages: [{ role: 'user', content: PROMPT }], ...body },
      feature ? { headers: { 'x-llm-feature': feature } } : undefined,
    )
    .then(
      () => 200,
      (error: APIError) => error.status ?? 0,
    );

const echo = (status: number) => ({
  kind: 'status' as const,
  status,
  body: {
    error: { message: `Your prompt "${PROMPT}" was refused (key ${CANARY_KEY})`, type: 'invalid_request_error' },
  },
});

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of stream) {
    // read to the end (or the break)
  }
}

test('no log line holds a key, the prompt, or personal data, whatever the call did', async () => {
  const statuses: Record<string, number> = {};
  const raw = (path: string, body: string, key = KEYS.full) =>
    fetch(`${h.local.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', cookie: `session=${CANARY_KEY}` },
      body,
    }).then((r) => r.status);

  statuses.wrongKey = await ask(CANARY_KEY);
  statuses.wrongKeyModels = await fetch(`${h.local.url}/v1/models`, {
    headers: { authorization: `Bearer ${CANARY_KEY}` },
  }).then((r) => r.status);
  statuses.answered = await ask(KEYS.full);
  await drain(
    await h.client().chat.completions.create({
      model: 'chat-a',
      messages: [{ role: 'user', content: PROMPT }],
      stream: true,
      stream_options: { include_usage: true },
    }),
  );
  statuses.cacheMiss = await ask(KEYS.full, { temperature: 0, model: 'claude' });
  statuses.exactHit = await ask(KEYS.full, { temperature: 0, model: 'claude' });
  statuses.semanticHit = await ask(KEYS.full, {
    temperature: 0,
    model: 'claude',
    messages: [{ role: 'user', content: `${PROMPT} please` }],
  });
  await h.client().embeddings.create({ model: 'embed', input: [PROMPT, PII.email] });

  h.openai.faults.push(echo(500), echo(503));
  statuses.failover = await ask(KEYS.full);
  h.anthropic.faults.push(echo(400));
  statuses.rejectedUpstream = await ask(KEYS.full, { model: 'claude' });
  h.openai.faults.push({ kind: 'cut-stream', afterEvents: 2 });
  await drain(
    await h
      .client()
      .chat.completions.create({ model: 'chat-a', messages: [{ role: 'user', content: PROMPT }], stream: true }),
  ).catch(() => undefined);

  statuses.badJson = await raw('/v1/chat/completions', `{"model":"chat-a","messages":[{"content":"${PROMPT}"`);
  statuses.badShape = await raw('/v1/chat/completions', JSON.stringify({ model: 'chat-a', messages: PROMPT }));
  statuses.tokenLimit = await ask(KEYS.restricted, { model: 'claude' });
  statuses.budgetFirst = await ask(KEYS.full, { model: 'claude', max_tokens: 10 }, 'bulk');
  statuses.budgetSecond = await ask(KEYS.full, { model: 'claude', max_tokens: 10 }, 'bulk');
  statuses.budgetRefused = await ask(KEYS.full, { model: 'claude', max_tokens: 10 }, 'bulk');

  await client.set('llmgw:kill:tenant:tenant-a', `incident; key ${CANARY_KEY}`);
  await new Promise((resolve) => setTimeout(resolve, 150)); // past killSwitch.refreshMs
  statuses.killed = await ask(KEYS.full);
  await client.del('llmgw:kill:tenant:tenant-a');
  await new Promise((resolve) => setTimeout(resolve, 150));

  await pool.query('DROP TABLE semantic_cache');
  statuses.semanticDown = await ask(KEYS.full, {
    temperature: 0,
    model: 'claude',
    messages: [{ role: 'user', content: `new ${PROMPT}` }],
  });

  await redis.kill();
  statuses.limitsDown = await ask(KEYS.full, { model: 'claude' });
  await redis.restart();
  for (let i = 0; i < 100 && client.status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  statuses.limitsBack = await ask(KEYS.full, { model: 'claude', max_tokens: 5 }, 'after');

  // The suite did what it says: every path was taken, and the secrets did travel through it.
  expect(statuses).toEqual({
    wrongKey: 401,
    wrongKeyModels: 401,
    answered: 200,
    cacheMiss: 200,
    exactHit: 200,
    semanticHit: 200,
    failover: 200,
    rejectedUpstream: 400,
    badJson: 400,
    badShape: 400,
    tokenLimit: 429,
    budgetFirst: 200,
    budgetSecond: 200,
    budgetRefused: 429,
    killed: 503,
    semanticDown: 200,
    limitsDown: 200,
    limitsBack: 200,
  });
  expect(h.openai.requests.some((r) => JSON.stringify(r.body).includes(PROMPT_CANARY))).toBe(true);
  expect(h.openai.requests.some((r) => r.headers.authorization === 'Bearer sk-upstream-openai')).toBe(true);
  const lines = output.lines();
  const kinds = new Set(lines.map((line) => (JSON.parse(line) as { message?: string }).message).filter(Boolean));
  for (const kind of [
    'llm.trace',
    'llm.budget.soft_threshold',
    'semantic_cache.unavailable',
    'limits.store_unavailable',
    'limits.store_recovered',
  ]) {
    expect(kinds).toContain(kind);
  }
  expect(lines.filter((line) => line.includes('"llm.trace"')).length).toBeGreaterThanOrEqual(
    Object.keys(statuses).length,
  );

  const leaks = lines.flatMap((line) =>
    FORBIDDEN.filter((secret) => line.includes(secret)).map((secret) => ({ secret, line })),
  );
  expect(leaks).toEqual([]);
  expect(lines.filter((line) => /authorization"\s*:\s*"(?!\[REDACTED\])/i.test(line))).toEqual([]);
});
