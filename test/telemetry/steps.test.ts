import { Logger } from '@aws-lambda-powertools/logger';
import { GatewayTelemetry } from '../../lambda/core/telemetry';
import { MemoryMetricWriter, MemoryStepTracer } from '../support/memory-sinks';
import { startHarness, type Harness } from '../gateway/harness';

/**
 * Step spans and W3C trace context through the local gateway: every step of a call is a span, and
 * every provider attempt sends a `traceparent` whose parent is that attempt's own span.
 */
let h: Harness;
let steps: MemoryStepTracer;
const messages = [{ role: 'user' as const, content: 'Tell me about foxes.' }];
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

beforeEach(async () => {
  steps = new MemoryStepTracer();
  h = await startHarness({
    exactCache: {},
    budgets: { tenant: { monthlyMicroUsd: 1_000_000 } },
    tokenLimits: { tenant: { perMinute: 1_000_000 } },
    routing: {
      model: 'auto',
      tiers: { small: { model: 'chat-a' } },
      defaultTier: 'small',
      rules: [],
    },
    telemetry: new GatewayTelemetry({
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: new MemoryMetricWriter(),
      steps,
    }),
  });
});
afterEach(() => h.close());

test('every step of a call is a span: auth, each admission check, routing, the cache, the provider', async () => {
  await h.client().chat.completions.create({ model: 'auto', messages, temperature: 0 });
  expect(steps.spans.map((s) => s.name)).toEqual([
    'auth',
    'route:tier',
    // the cache lookup is sent with the admission checks (one round trip); its answer is read only
    // once the call is admitted
    'route',
    'cache:exact',
    'admission:kill_switch',
    'admission:budget',
    'admission:token_limit',
    'provider:openai-primary',
    'cache:exact:store',
  ]);
  expect(steps.spans.every((s) => s.ended)).toBe(true);
  expect(steps.spans.find((s) => s.name === 'route:tier')!.annotations).toMatchObject({
    tier: 'small',
    reason: 'default',
  });
  expect(steps.spans.find((s) => s.name === 'cache:exact')!.annotations).toEqual({ hit: false });
  expect(steps.spans.find((s) => s.name === 'provider:openai-primary')).toMatchObject({
    annotations: { deployment: 'openai-primary', provider: 'openai' },
    remote: { url: h.openai.url, method: 'POST' },
  });
});

test("each attempt continues the caller's trace with its own span as the parent, across retries and providers", async () => {
  h.openai.faults.push({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
  const stream = await h
    .client()
    .chat.completions.create(
      { model: 'chat-a', messages, stream: true },
      { headers: { traceparent: `00-${CALLER_TRACE}-00f067aa0ba902b7-01` } },
    );
  for await (const _chunk of stream) {
    // drain
  }
  const attempts = steps.spans.filter((s) => s.name.startsWith('provider:'));
  expect(attempts.map((s) => [s.name, s.failure, s.annotations.retry])).toEqual([
    ['provider:openai-primary', 'fault', undefined],
    ['provider:openai-primary', 'fault', true],
    ['provider:anthropic-fallback', undefined, undefined],
  ]);
  const sent = [...h.openai.requests, ...h.anthropic.requests].map((r) => r.headers.traceparent);
  expect(sent).toEqual(attempts.map((s) => `00-${CALLER_TRACE}-${s.id}-01`));
  expect(new Set(sent).size).toBe(3);
});

test('a refused call ends its spans too, the refusing one marked', async () => {
  const error = await h
    .client('sk-not-a-key')
    .chat.completions.create({ model: 'chat-a', messages })
    .catch((e: Error) => e);
  expect(error).toBeInstanceOf(Error);
  expect(steps.spans).toEqual([expect.objectContaining({ name: 'auth', failure: 'error', ended: true })]);
});
