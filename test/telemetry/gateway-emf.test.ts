import { APIError } from 'openai';
import {
  GATEWAY_METRICS,
  METRIC_GROUPS,
  createGatewayTelemetry,
  seriesDimensions,
  createPlatformLogger,
  type GatewayMetricName,
  type MetricGroupSpec,
} from '../../lambda/core/telemetry';
import { captureOutput, emfDocuments, type CapturedOutput, type EmfDocument } from '../support/capture-output';
import { KEYS, startHarness, type Harness } from '../gateway/harness';

/**
 * The gateway's metrics as CloudWatch will read them: the EMF lines Powertools writes on stdout,
 * captured while real calls go through the local gateway to loopback providers.
 */
const NAMESPACE = 'LlmPlatformTest';
const SERVICE = 'llm-gateway';
const messages = [{ role: 'user' as const, content: 'Tell me about foxes.' }];

let output: CapturedOutput | undefined;
let harness: Harness | undefined;

async function start(options: Parameters<typeof startHarness>[0] = {}, env: Record<string, string> = {}) {
  const logger = createPlatformLogger({ serviceName: SERVICE, logLevel: 'SILENT' });
  harness = await startHarness({
    ...options,
    telemetry: createGatewayTelemetry({ serviceName: SERVICE, namespace: NAMESPACE, logger, env }),
  });
  output = captureOutput();
  return harness;
}

afterEach(async () => {
  output?.restore();
  output = undefined;
  await harness?.close();
  harness = undefined;
});

const documents = () => emfDocuments(output!.lines());

/** The documents carrying `metric` whose dimension values include `where`. */
function find(metric: GatewayMetricName, where: Record<string, string> = {}): EmfDocument[] {
  return documents().filter(
    (d) => d.metrics.some((m) => m.name === metric) && Object.entries(where).every(([k, v]) => d.values[k] === v),
  );
}
const valueOf = (doc: EmfDocument, metric: GatewayMetricName) => doc.metrics.find((m) => m.name === metric)!.value;

/** Every document is in the catalog: its metrics with their units, its dimension sets a group's. */
function expectCatalogShape(docs: EmfDocument[]): void {
  expect(docs.length).toBeGreaterThan(0);
  const groups = Object.values(METRIC_GROUPS) as MetricGroupSpec[];
  for (const doc of docs) {
    expect(doc.namespace).toBe(NAMESPACE);
    for (const metric of doc.metrics) {
      expect(GATEWAY_METRICS).toHaveProperty(metric.name);
      expect(metric.unit).toBe(GATEWAY_METRICS[metric.name as GatewayMetricName].unit);
    }
    const group = groups.find(
      (g) =>
        doc.metrics.every((m) => (g.metrics as readonly string[]).includes(m.name)) &&
        doc.dimensionSets.every((set) =>
          g.dimensionSets.some((allowed) => JSON.stringify(seriesDimensions(g, allowed)) === JSON.stringify(set)),
        ),
    );
    expect({ metrics: doc.metrics.map((m) => m.name), sets: doc.dimensionSets, group: Boolean(group) }).toEqual({
      metrics: doc.metrics.map((m) => m.name),
      sets: doc.dimensionSets,
      group: true,
    });
    // Platform-wide groups (spend, budget thresholds) carry no service: every spender adds to them.
    expect(doc.values.service).toBe(group?.platformWide ? undefined : SERVICE);
  }
}

test('an answered call writes the call, usage, outcome and provider metrics with their units and dimensions', async () => {
  const h = await start();
  await h.client().chat.completions.create({ model: 'chat-a', messages }, { headers: { 'x-llm-feature': 'search' } });
  expectCatalogShape(documents());

  const [call] = find('Latency');
  expect(call.dimensionSets).toEqual([
    ['service', 'Route'],
    ['service', 'Route', 'Model'],
    ['service', 'Route', 'Tier'],
  ]);
  expect(call.values).toMatchObject({ Route: 'chat.completions', Model: 'chat-a', Tier: 'direct' });
  // The fake's usage: 21 prompt tokens (8 cached), 5 completion tokens; at the primary's prices
  // (0.15 / 0.075 cached / 0.60 $ per 1M) that is 5.55, billed as 6 micro-dollars.
  expect(Object.fromEntries(call.metrics.map((m) => [m.name, m.name === 'Latency' ? 'ms' : m.value]))).toEqual({
    Requests: 1,
    Latency: 'ms',
    InputTokens: 21,
    OutputTokens: 5,
    CachedInputTokens: 8,
    CostMicroUsd: 6,
    Faults: 0,
    Failovers: 0,
  });
  expect(valueOf(call, 'Latency')).toBeGreaterThan(0);

  const [usage] = find('InputTokens', { Feature: 'search' }).filter((d) => !d.values.Route);
  expect(usage.dimensionSets).toEqual([['service'], ['service', 'Feature']]);
  expect(valueOf(usage, 'InputTokens')).toBe(21);
  // Spend is written without `service`, so the jobs and embedding services' calls add to it.
  const [spend] = find('CostMicroUsd', { Feature: 'search' }).filter((d) => !d.values.Route);
  expect(spend.dimensionSets).toEqual([[], ['Feature']]);
  expect(spend.values.service).toBeUndefined();
  expect(valueOf(spend, 'CostMicroUsd')).toBe(6);

  const [outcome] = find('Requests', { Outcome: 'success' });
  expect(outcome.dimensionSets).toEqual([['service', 'Route', 'Outcome']]);

  const [attempt] = find('ProviderAttempts');
  expect(attempt.values).toMatchObject({ Provider: 'openai', Deployment: 'openai-primary' });
  expect(attempt.dimensionSets).toEqual([
    ['service', 'Provider'],
    ['service', 'Provider', 'Deployment'],
  ]);
  expect(valueOf(attempt, 'ProviderRetries')).toBe(0);
  expect(find('Errors')).toEqual([]);
});

test('a stream records its time to first token; embeddings are their own route', async () => {
  const h = await start();
  const stream = await h.client().chat.completions.create({ model: 'chat-a', messages, stream: true });
  for await (const _chunk of stream) {
    // drain
  }
  await h.client().embeddings.create({ model: 'embed', input: 'foxes' });
  expectCatalogShape(documents());
  const [streamed] = find('TimeToFirstToken');
  expect(valueOf(streamed, 'TimeToFirstToken')).toBeGreaterThan(0);
  expect(valueOf(streamed, 'TimeToFirstToken')).toBeLessThanOrEqual(valueOf(streamed, 'Latency') as number);
  const [embedded] = find('Latency', { Route: 'embeddings' });
  expect(embedded.values).toMatchObject({ Model: 'embed' });
  expect(embedded.metrics.map((m) => m.name)).not.toContain('TimeToFirstToken');
});

test('an exact-cache hit counts as a lookup and a hit, with the money it saved', async () => {
  const h = await start({ exactCache: { ttlSeconds: 60 } });
  for (let i = 0; i < 2; i++) await h.client().chat.completions.create({ model: 'chat-a', messages, temperature: 0 });
  expectCatalogShape(documents());
  const lookups = find('CacheLookups', { CacheKind: 'exact' });
  expect(
    lookups.map((d) => [valueOf(d, 'CacheLookups'), valueOf(d, 'CacheHits'), valueOf(d, 'CacheSavedMicroUsd')]),
  ).toEqual([
    [1, 0, 0],
    [1, 1, 6],
  ]);
  expect(lookups[0].dimensionSets).toEqual([['service', 'CacheKind']]);
  // The hit cost nothing and called no provider.
  expect(find('ProviderAttempts')).toHaveLength(1);
  expect(find('CostMicroUsd', { Route: 'chat.completions' }).map((d) => valueOf(d, 'CostMicroUsd'))).toEqual([6, 0]);
});

test('retries, failures by kind and a failover are each counted', async () => {
  const h = await start();
  h.openai.faults.push({ kind: 'status', status: 500 }, { kind: 'status', status: 503 });
  await h.client().chat.completions.create({ model: 'chat-a', messages });
  expectCatalogShape(documents());
  const attempts = find('ProviderAttempts');
  expect(attempts.map((d) => [d.values.Deployment, valueOf(d, 'ProviderRetries')])).toEqual([
    ['openai-primary', 0],
    ['openai-primary', 1],
    ['anthropic-fallback', 0],
  ]);
  const errors = find('ProviderErrors');
  expect(errors.map((d) => [d.values.Deployment, d.values.Failure])).toEqual([
    ['openai-primary', 'server'],
    ['openai-primary', 'server'],
  ]);
  expect(errors[0].dimensionSets).toEqual([
    ['service', 'Provider', 'Deployment'],
    ['service', 'Failure'],
  ]);
  const [call] = find('Failovers', { Route: 'chat.completions' });
  expect(valueOf(call, 'Failovers')).toBe(1);
  expect(call.values.Model).toBe('chat-a');
});

test('a breaker that opens, refuses and closes again is counted per deployment and in total', async () => {
  const h = await start({ breaker: { failureThreshold: 1, openMs: 150 } });
  h.openai.faults.push({ kind: 'status', status: 500 });
  // Opens openai-primary; its retry asks the breaker again, is refused, and the call fails over.
  await h.client().chat.completions.create({ model: 'chat-a', messages });
  await h.client().chat.completions.create({ model: 'chat-a', messages }); // refused by the open breaker
  await new Promise((resolve) => setTimeout(resolve, 200));
  await h.client().chat.completions.create({ model: 'chat-a', messages }); // the probe succeeds: closed
  expectCatalogShape(documents());
  const breaker = documents().filter(
    (d) => d.dimensionSets.some((s) => s.includes('Deployment')) && d.metrics.some((m) => m.name.startsWith('Breaker')),
  );
  expect(breaker.map((d) => [d.values.Deployment, d.metrics.map((m) => m.name).join()])).toEqual([
    ['openai-primary', 'BreakerOpened'],
    ['openai-primary', 'BreakerRejected'],
    ['openai-primary', 'BreakerRejected'],
    ['openai-primary', 'BreakerClosed'],
  ]);
  expect(breaker[0].dimensionSets).toEqual([['service'], ['service', 'Deployment']]);
});

test('refusals are errors by class: auth, unknown model, token limit, budget, with the soft threshold on the way', async () => {
  const h = await start({
    budgets: { tenant: { monthlyMicroUsd: 1_000 }, softThresholdPercent: 70 },
    tokenLimits: { user: { perMinute: 40 } },
  });
  await h
    .client('sk-wrong-key')
    .chat.completions.create({ model: 'chat-a', messages })
    .catch(() => undefined);
  await h
    .client()
    .chat.completions.create({ model: 'no-such-model', messages })
    .catch(() => undefined);
  // alice (tenant-a) has a user bucket of 40 tokens a minute: the first call settles at 26.
  const small = { model: 'claude', messages, max_tokens: 10 };
  await h.client().chat.completions.create(small, { headers: { 'x-llm-feature': 'f1' } });
  const limited = await h
    .client()
    .chat.completions.create(small)
    .catch((e: APIError) => e);
  expect((limited as APIError).status).toBe(429);
  // tenant-b (no user bucket) spends its $0.001: 117 micro-dollars a call, soft threshold at 70%.
  const outcomes: number[] = [];
  for (let i = 0; i < 9; i++) {
    outcomes.push(
      await h
        .client(KEYS.restricted)
        .chat.completions.create({ model: 'claude', messages, max_tokens: 10 })
        .then(
          () => 200,
          (e: APIError) => e.status ?? 0,
        ),
    );
  }
  expect(outcomes).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
  expectCatalogShape(documents());
  const errors = find('Errors').map((d) => d.values.ErrorClass);
  expect(errors).toEqual(['auth', 'validation', 'rate_limited', 'budget']);
  for (const doc of find('Errors')) {
    expect(doc.dimensionSets).toEqual([
      ['service', 'ErrorClass'],
      ['service', 'Route', 'ErrorClass'],
    ]);
  }
  // A refused call names no model it could not resolve, and is no fault of the platform.
  const unauthenticated = find('Requests', { Route: 'chat.completions' }).find(
    (d) => d.values.Faults === 0 && !d.values.Model,
  );
  expect(unauthenticated?.dimensionSets).toEqual([
    ['service', 'Route'],
    ['service', 'Route', 'Tier'],
  ]);
  const [soft] = find('BudgetSoftThreshold');
  expect(soft.values.Budget).toBe('tenant');
  // Platform-wide and without a tenant: one series the budget alarm reads, whoever settled the call.
  expect(soft.dimensionSets).toEqual([[], ['Budget']]);
  expect(soft.values.service).toBeUndefined();
});

test('listed tenants get their own spend series; others never become a dimension', async () => {
  const h = await start({}, { LLM_METRICS_TENANTS: 'tenant-a' });
  await h.client().chat.completions.create({ model: 'chat-a', messages });
  await h.client(KEYS.restricted).chat.completions.create({ model: 'claude', messages, max_tokens: 10 });
  expectCatalogShape(documents());
  const spend = documents().filter((d) => d.values.Feature === 'untagged' && d.metrics[0].name === 'CostMicroUsd');
  expect(spend.map((d) => d.dimensionSets)).toEqual([
    [[], ['Feature'], ['Tenant']],
    [[], ['Feature']],
  ]);
  const usage = documents().filter((d) => d.values.Feature === 'untagged' && d.metrics[0].name === 'Requests');
  expect(usage.map((d) => d.dimensionSets)).toEqual([
    [['service'], ['service', 'Feature'], ['service', 'Tenant']],
    [['service'], ['service', 'Feature']],
  ]);
  expect(spend[0].values.Tenant).toBe('tenant-a');
  expect(documents().some((d) => d.values.Tenant === 'tenant-b')).toBe(false);
});

test('a server-side failure is a fault', async () => {
  const h = await start();
  h.openai.faults.push(...Array.from({ length: 2 }, () => ({ kind: 'status' as const, status: 500 })));
  h.anthropic.faults.push(...Array.from({ length: 2 }, () => ({ kind: 'status' as const, status: 500 })));
  const error = await h
    .client()
    .chat.completions.create({ model: 'chat-a', messages })
    .catch((e: APIError) => e);
  expect((error as APIError).status).toBe(502);
  expectCatalogShape(documents());
  const [call] = find('Faults', { Route: 'chat.completions' });
  expect(valueOf(call, 'Faults')).toBe(1);
  expect(call.metrics.map((m) => m.name)).not.toContain('Latency');
  expect(find('Errors').map((d) => d.values.ErrorClass)).toEqual(['upstream_error']);
});
