import type Redis from 'ioredis';
import OpenAI, { APIError } from 'openai';
import type { GatewayConfigInput } from '../../lambda/contract/config/gateway-config';
import { sha256Hex } from '../../lambda/core/pipeline/identity';
import { startFakeProvider, type FakeProvider } from '../support/fake-providers/fake-provider';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-processes';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/services';

/**
 * A monthly budget under a burst, across two gateway processes on one Redis: 300 concurrent calls,
 * half of them streamed, from clients that retry as the OpenAI SDK does (429 and 5xx, honouring a
 * short Retry-After). Reservations are worst cases (the whole output cap), most of each comes back
 * when the call settles: the budget must be spent almost to its end, and never beyond it by more
 * than one request.
 */
const KEY = 'sk-drill-budget';
const BUDGET = 20_000;
/** $3/M input, $15/M output; the fake reports 55 in, 12 out: 345 micro-dollars a call. */
const COST_PER_CALL = 55 * 3 + 12 * 15;
const CALLS = 300;
/** The most one call may cost: its input and the whole output cap (max_tokens 64). */
const MOST_ONE_CALL = 55 * 3 + 64 * 15;

let redis: Redis;
let prefix: string;
let provider: FakeProvider;
let gateways: GatewayProcess[] = [];

beforeAll(async () => {
  redis = await connectRedis();
  prefix = uniquePrefix('budget-drill');
  provider = await startFakeProvider({ format: 'anthropic', usage: { input: 55, output: 12, cachedInput: 0 } });
  const config: GatewayConfigInput = {
    models: { claude: { deployments: ['anthropic'] } },
    deployments: {
      anthropic: {
        provider: 'anthropic',
        model: 'claude-fake-1',
        baseUrl: provider.url,
        credential: 'anthropic',
        pricing: { input: 3_000_000, output: 15_000_000 },
      },
    },
    budgets: { tenant: { monthlyMicroUsd: BUDGET } },
    apiKeys: [{ sha256: sha256Hex(KEY), tenant: 'tenant-drill' }],
    credentialEnv: { anthropic: 'FAKE_ANTHROPIC_KEY' },
  };
  gateways = await Promise.all([
    startGatewayProcess(config, prefix, { FAKE_ANTHROPIC_KEY: 'sk-upstream-anthropic' }),
    startGatewayProcess(config, prefix, { FAKE_ANTHROPIC_KEY: 'sk-upstream-anthropic' }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await provider?.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

test('a burst spends at least 90% of the budget and never more than one request beyond it', async () => {
  // The SDK's own retry policy: 429s and 5xx, Retry-After honoured up to a minute, x-should-retry obeyed.
  const clients = gateways.map((g) => new OpenAI({ apiKey: KEY, baseURL: `${g.url}/v1`, maxRetries: 5 }));
  // About 55 tokens, as the fake reports: the gateway's estimate of the input (which the reservation
  // holds) is not below what the provider then counts.
  const content =
    'Summarise the quarterly fox population report in one line for the board: sightings rose in the ' +
    'northern woods, fell near the river after the floods, and the new survey method counts dens ' +
    'rather than tracks, so the figures are not comparable.';
  expect(Math.ceil(content.length / 4)).toBeGreaterThanOrEqual(55);
  const messages = [{ role: 'user' as const, content }];
  const outcomes = await Promise.all(
    Array.from({ length: CALLS }, async (_, i) => {
      const client = clients[i % 2];
      try {
        if (i % 4 < 2) {
          await client.chat.completions.create({ model: 'claude', messages, max_tokens: 64 });
        } else {
          const stream = await client.chat.completions.create({
            model: 'claude',
            messages,
            max_tokens: 64,
            stream: true,
          });
          for await (const _chunk of stream) {
            // drained, so that the usage settles the reservation
          }
        }
        return 'ok';
      } catch (error) {
        return error instanceof APIError ? `${error.status} ${error.code}` : String(error);
      }
    }),
  );
  const counts = outcomes.reduce<Record<string, number>>((all, o) => ({ ...all, [o]: (all[o] ?? 0) + 1 }), {});
  const succeeded = gateways.flatMap((g) => g.traces).filter((t) => t.outcome === 'success');
  const spent = succeeded.reduce((sum, t) => sum + t.costMicroUsd, 0);

  // Every call answered, or was refused because what was spent left no room, or (on a machine busy
  // enough that calls in flight held the budget through all of a client's retries) was still told
  // to come back shortly: never any other error, and never insufficient_quota while room was left.
  expect(['429 insufficient_quota', '429 rate_limit_exceeded', 'ok']).toEqual(
    expect.arrayContaining(Object.keys(counts)),
  );
  expect(counts['429 insufficient_quota']).toBeGreaterThan(0);
  expect(succeeded).toHaveLength(counts.ok);
  expect(succeeded.every((t) => t.costMicroUsd === COST_PER_CALL)).toBe(true);
  // Both processes served, plain and streamed.
  expect(new Set(succeeded.map((t) => t.stream))).toEqual(new Set([false, true]));
  expect(gateways.every((g) => g.traces.some((t) => t.outcome === 'success'))).toBe(true);
  expect(spent).toBeGreaterThanOrEqual(0.9 * BUDGET);
  expect(spent).toBeLessThanOrEqual(BUDGET + MOST_ONE_CALL);
}, 120_000);
