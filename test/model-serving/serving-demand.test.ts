import type Redis from 'ioredis';
import OpenAI from 'openai';
import { Testing } from 'cdk8s';
import { VllmChart } from '../../constructs/model-serving/charts';
import { parseGatewayConfig } from '../../lambda/core/config/load';
import { EnvCredentialSource } from '../../lambda/core/config/credentials';
import { sha256Hex } from '../../lambda/core/pipeline/identity';
import type { GatewayConfigInput } from '../../lambda/contract/config/gateway-config';
import { SERVING_DEMAND, servingDemandKey } from '../../lambda/contract/serving-demand';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/server';
import { startFakeProvider, type FakeProvider } from '../support/fake-providers/fake-provider';
import { MemoryTraceSink } from '../support/memory-sinks';
import { freePort } from '../support/redis-server';
import { connectRedis, deletePrefix, REDIS_URL, uniquePrefix } from '../support/services';

/**
 * The demand signal end to end: a request to a self-hosted deployment at zero replicas (nothing
 * listening: connection refused, as from a load balancer with no targets) is failed over to a hosted
 * deployment through the gateway, with the official client; the gateway records the want in the real
 * Redis; and the chart's KEDA trigger, read the way KEDA's redis scaler reads it (LLEN of its
 * `listName` at its `address`, compared with `activationListLength`), is active.
 */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const KEY = 'sk-demand-test';
const messages = [{ role: 'user' as const, content: 'Wake up.' }];

let redis: Redis;
let prefix: string;
let hosted: FakeProvider;
let gateway: LocalGateway;
let client: OpenAI;
let traces: MemoryTraceSink;

beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(() => redis.disconnect());

async function start(breaker = { failureThreshold: 1_000, openMs: 60_000 }): Promise<void> {
  prefix = uniquePrefix('serving-demand');
  hosted = await startFakeProvider({ format: 'openai' });
  const cold = `http://127.0.0.1:${await freePort()}/v1`;
  const timeouts = { firstByteMs: 500, totalMs: 3_000 };
  const input: GatewayConfigInput = {
    models: {
      local: { deployments: ['vllm-cold', 'hosted'] },
      'warm-local': { deployments: ['vllm-warm', 'hosted'] },
    },
    deployments: {
      'vllm-cold': {
        provider: 'openai-compatible',
        model: 'llama',
        baseUrl: cold,
        wakeOnDemand: true,
        timeouts,
        pricing: { input: 0, output: 0 },
      },
      // Self-hosted too, but kept at one replica or more: its failures are no demand signal.
      'vllm-warm': {
        provider: 'openai-compatible',
        model: 'llama',
        baseUrl: cold,
        timeouts,
        pricing: { input: 0, output: 0 },
      },
      hosted: {
        provider: 'openai',
        model: 'gpt-fake-1',
        baseUrl: hosted.url,
        credential: 'openai',
        timeouts,
        pricing: { input: 150_000, output: 600_000 },
      },
    },
    retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 5 },
    breaker,
    apiKeys: [{ sha256: sha256Hex(KEY), tenant: 'tenant-a' }],
    credentialEnv: { openai: 'FAKE_OPENAI_KEY' },
  };
  traces = new MemoryTraceSink();
  gateway = await startLocalGateway({
    config: parseGatewayConfig(input),
    redis,
    redisPrefix: prefix,
    traces,
    credentials: new EnvCredentialSource(input.credentialEnv!, { FAKE_OPENAI_KEY: 'sk-upstream' }),
  });
  client = new OpenAI({ apiKey: KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0, timeout: 10_000 });
}

afterEach(async () => {
  await gateway.close();
  await hosted.close();
  await deletePrefix(redis, prefix);
});

/** The workload's ScaledObject trigger on the demand signal, as the chart writes it for this Redis. */
function demandTriggerOf(deploymentId: string): Obj {
  const chart = new VllmChart(Testing.app(), 'vllm', {
    name: 'cold',
    namespace: 'serving',
    model: 'llama',
    modelPrefix: 'llama/',
    modelBucketClaim: 'model-bucket',
    gpusPerNode: 1,
    prometheusServerAddress: 'http://prometheus',
    autoscaling: { minReplicas: 0 },
    wakeOnDemand: {
      deploymentId,
      redisAddress: new URL(REDIS_URL).host,
      enableTls: false,
      redisPrefix: prefix,
    },
  });
  const scaled = Testing.synth(chart).find((o: Obj) => o.kind === 'ScaledObject');
  expect(scaled.spec.minReplicaCount).toBe(0);
  return scaled.spec.triggers.find((t: Obj) => t.type === 'redis');
}

/** What KEDA's redis (list) scaler does each polling interval: LLEN at the trigger's address. */
async function kedaReads(trigger: Obj): Promise<{ length: number; active: boolean }> {
  const [host, port] = String(trigger.metadata.address).split(':');
  const scaler = await connectRedis(`redis://${host}:${port}/${trigger.metadata.databaseIndex ?? 0}`);
  try {
    const length = await scaler.llen(trigger.metadata.listName);
    return { length, active: length > Number(trigger.metadata.activationListLength) };
  } finally {
    scaler.disconnect();
  }
}

test('a request failed over from a cold deployment records the demand the trigger wakes on', async () => {
  await start();
  const trigger = demandTriggerOf('vllm-cold');
  expect(await kedaReads(trigger)).toEqual({ length: 0, active: false });

  const completion = await client.chat.completions.create({ model: 'local', messages });
  expect(completion.model).toBe('gpt-fake-1');
  expect(traces.records[0]).toMatchObject({ deployment: 'hosted', failovers: 1, outcome: 'success' });

  // Both sides name the list from the contract; KEDA finds what the gateway wrote.
  expect(trigger.metadata.listName).toBe(servingDemandKey('vllm-cold', prefix));
  expect(await kedaReads(trigger)).toEqual({ length: 1, active: true });
  const ttl = await redis.ttl(servingDemandKey('vllm-cold', prefix));
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(SERVING_DEMAND.ttlSeconds);
  // Once awake, the list never asks for more than one replica: the servers' own signals take over.
  expect(Number(trigger.metadata.listLength)).toBeGreaterThan(SERVING_DEMAND.maxEntries);
});

test('while its breaker is open the deployment is not called, and each refusal still records demand', async () => {
  await start({ failureThreshold: 1, openMs: 60_000 });
  const trigger = demandTriggerOf('vllm-cold');
  for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'local', messages });
  // One real attempt opened the breaker; the two calls after it were refused without a connection.
  expect(traces.records.map((r) => r.attempts)).toEqual([2, 1, 1]);
  expect(await kedaReads(trigger)).toEqual({ length: 3, active: true });
});

test('the list stays bounded however many calls fail over', async () => {
  await start({ failureThreshold: 1, openMs: 60_000 });
  const key = servingDemandKey('vllm-cold', prefix);
  await Promise.all(
    Array.from({ length: SERVING_DEMAND.maxEntries + 20 }, () =>
      client.chat.completions.create({ model: 'local', messages }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await redis.llen(key)).toBe(SERVING_DEMAND.maxEntries);
});

test('no demand is recorded for a deployment not marked wakeOnDemand, nor for another deployment id', async () => {
  await start();
  await client.chat.completions.create({ model: 'warm-local', messages });
  expect(traces.records[0]).toMatchObject({ deployment: 'hosted', failovers: 1 });
  expect(await kedaReads(demandTriggerOf('vllm-warm'))).toEqual({ length: 0, active: false });
  expect(await kedaReads(demandTriggerOf('vllm-cold'))).toEqual({ length: 0, active: false });
});
