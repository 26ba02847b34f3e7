import * as path from 'node:path';
import type { GatewayConfigInput } from '../../lambda/contract/config/gateway-config';
import { sha256Hex } from '../../lambda/core/pipeline/identity';
import { freePort, startDisposableRedis, type DisposableRedis } from '../../test/support/redis-server';
import { ROOT, bundle, pinSelf, startNodeChild, startPortkey, type Child } from './processes';

/**
 * The systems a benchmark compares, started the same way in every benchmark:
 *
 *   core 0: the gateway under test (ours, or Portkey's), one process, pinned with taskset
 *   core 1: this process (the load generator), the mock provider and a redis-server of our own
 *
 * "direct" is the mock provider called without a gateway: the baseline of every figure.
 */
export const GATEWAY_CPU = 0;
export const CLIENT_CPU = 1;

const UPSTREAM_KEY = 'sk-bench-upstream';
const GATEWAY_KEY = 'sk-bench-gateway';

export interface Target {
  readonly name: 'direct' | 'ours' | 'portkey';
  /** The chat-completions endpoint. */
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** The request body for the i-th request (unique text, so our exact cache always misses). */
  body(i: number, stream?: boolean): string;
  /** The gateway's process (absent for direct). */
  readonly child?: Child;
}

export interface BenchOptions {
  /** Keep breaker, limit and cache state in Redis (the deployed shape). */
  readonly redis: boolean;
  readonly portkey: boolean;
  /** Content chunks per streamed answer, and the gap between them. */
  readonly streamChunks?: number;
  readonly streamGapMs?: number;
  /** Node flags for our gateway's process, e.g. --cpu-prof. */
  readonly oursNodeArgs?: readonly string[];
}

export interface Bench {
  readonly direct: Target;
  readonly ours: Target;
  readonly portkey?: Target;
  readonly describe: string;
  close(): Promise<void>;
}

/** The full hot path: key check, router, kill switch, token limits, exact cache (a miss), breaker, upstream. */
function oursConfig(upstreamUrl: string): GatewayConfigInput {
  return {
    models: { bench: { deployments: ['upstream'] } },
    deployments: {
      upstream: {
        provider: 'openai',
        model: 'gpt-fake-1',
        baseUrl: upstreamUrl,
        credential: 'openai',
        pricing: { input: 150_000, output: 600_000 },
      },
    },
    routing: {
      tiers: {
        small: { model: 'bench' },
        code: { model: 'bench' },
        reasoning: { model: 'bench' },
        local: { model: 'bench' },
      },
      rules: [{ tier: 'code', when: { pattern: '```' } }],
      classifier: {},
      defaultTier: 'small',
    },
    tokenLimits: { tenant: { perMinute: 1_000_000_000, perDay: 100_000_000_000 } },
    exactCache: { ttlSeconds: 120 },
    apiKeys: [{ sha256: sha256Hex(GATEWAY_KEY), tenant: 'bench' }],
    credentialEnv: { openai: 'BENCH_UPSTREAM_KEY' },
  };
}

const bodyOf =
  (model: string) =>
  (i: number, stream = false) =>
    JSON.stringify({
      model,
      messages: [{ role: 'user', content: `How far is the moon from the earth, in kilometres? (${i})` }],
      temperature: 0,
      max_tokens: 64,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });

export async function startBench(options: BenchOptions): Promise<Bench> {
  pinSelf(CLIENT_CPU);
  const mockScript = bundle('bench/support/mock-provider.ts', 'mock-provider');
  const oursScript = bundle('bench/support/ours-server.ts', 'ours-server');
  const mock = await startNodeChild({
    name: 'mock provider',
    script: mockScript,
    cpu: CLIENT_CPU,
    env: { MOCK_CHUNKS: String(options.streamChunks ?? 5), MOCK_GAP_MS: String(options.streamGapMs ?? 0) },
  });
  const upstream = `${mock.url}/v1`;
  let redis: DisposableRedis | undefined;
  if (options.redis) redis = await startDisposableRedis({ cpu: CLIENT_CPU });
  const ours = await startNodeChild({
    name: 'our gateway',
    script: oursScript,
    cpu: GATEWAY_CPU,
    nodeArgs: options.oursNodeArgs,
    env: {
      BENCH_GATEWAY_CONFIG: JSON.stringify(oursConfig(upstream)),
      BENCH_UPSTREAM_KEY: UPSTREAM_KEY,
      BENCH_ROUTER_MODEL: path.join(ROOT, 'data/router/model.json'),
      ...(redis ? { REDIS_URL: redis.url } : {}),
    },
  });
  const portkey = options.portkey ? await startPortkey(await freePort(), GATEWAY_CPU) : undefined;

  const json = { 'content-type': 'application/json', authorization: '' };
  const targets: Bench = {
    direct: {
      name: 'direct',
      url: new URL(`${upstream}/chat/completions`),
      headers: { ...json, authorization: `Bearer ${UPSTREAM_KEY}` },
      body: bodyOf('gpt-fake-1'),
    },
    ours: {
      name: 'ours',
      url: new URL(`${ours.url}/v1/chat/completions`),
      headers: { ...json, authorization: `Bearer ${GATEWAY_KEY}` },
      body: bodyOf('auto'),
      child: ours,
    },
    portkey: portkey && {
      name: 'portkey',
      url: new URL(`${portkey.url}/v1/chat/completions`),
      headers: {
        ...json,
        authorization: `Bearer ${UPSTREAM_KEY}`,
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': upstream,
      },
      body: bodyOf('gpt-fake-1'),
      child: portkey,
    },
    describe:
      (process.argv.includes('--no-pin')
        ? 'no process pinned to a core; '
        : `gateways pinned to CPU ${GATEWAY_CPU}; load generator, mock provider` +
          `${redis ? ' and redis-server' : ''} on CPU ${CLIENT_CPU}; `) +
      `ours: full hot path, state ${redis ? 'in Redis' : 'in-process'}` +
      `${portkey ? '; Portkey 1.15.2: pass-through to the same mock (no auth, limits or cache in its default mode)' : ''}`,
    close: async () => {
      await Promise.all([ours.stop(), portkey?.stop(), mock.stop()]);
      await redis?.stop();
    },
  };
  return targets;
}
