import OpenAI from 'openai';
import type Redis from 'ioredis';
import { EnvCredentialSource } from '../../lambda/core/config/credentials';
import { parseGatewayConfig } from '../../lambda/core/config/load';
import type { GatewayConfigInput } from '../../lambda/contract/config/gateway-config';
import type { GatewayOptions } from '../../lambda/runtime/create-gateway';
import { sha256Hex } from '../../lambda/core/pipeline/identity';
import type { TraceSink } from '../../lambda/core/trace/record';
import { MemoryTraceSink } from '../support/memory-sinks';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/server';
import { startFakeProvider, type FakeProvider } from '../support/fake-providers/fake-provider';

export const KEYS = { full: 'sk-test-full-access', restricted: 'sk-test-restricted' } as const;

export interface Harness {
  readonly openai: FakeProvider;
  readonly anthropic: FakeProvider;
  readonly local: LocalGateway;
  readonly traces: MemoryTraceSink;
  client(key?: string): OpenAI;
  close(): Promise<void>;
}

/**
 * A local gateway in front of two loopback providers: OpenAI's wire format first, Anthropic's as
 * the fallback. Timeouts and backoff are small so that fault tests run in milliseconds.
 */
export async function startHarness(
  options: {
    redis?: Redis;
    redisPrefix?: string;
    breaker?: { failureThreshold: number; openMs: number };
    tokenLimits?: GatewayConfigInput['tokenLimits'];
    budgets?: GatewayConfigInput['budgets'];
    exactCache?: GatewayConfigInput['exactCache'];
    routing?: GatewayConfigInput['routing'];
    semanticCache?: GatewayConfigInput['semanticCache'];
    vectorDb?: GatewayOptions['vectorDb'];
    routerModel?: GatewayOptions['routerModel'];
    killSwitchRefreshMs?: number;
    /** @default 64 kB (the production default is 4 MB) */
    maxBodyBytes?: number;
    /** Also write every trace record here (e.g. the JSON-line sink on stdout a log drill captures). */
    alsoTraceTo?: TraceSink;
    /** Host names of URLs in requests (the SSRF check). @default every name is public */
    resolveHost?: GatewayOptions['resolveHost'];
    remoteUrls?: GatewayConfigInput['remoteUrls'];
    /** Every deployment's timeouts. @default first byte 300 ms, total 3 s, idle 30 s */
    timeouts?: { firstByteMs: number; totalMs: number; idleMs?: number };
    /** @default two attempts per deployment, 1-20 ms apart, timeouts fail over */
    retry?: GatewayConfigInput['retry'];
    onBudgetSoftThreshold?: GatewayOptions['onBudgetSoftThreshold'];
    onLimitsStoreHealth?: GatewayOptions['onLimitsStoreHealth'];
    onSemanticCacheEvent?: GatewayOptions['onSemanticCacheEvent'];
    limitsStoreDown?: GatewayConfigInput['limitsStoreDown'];
    /** The OpenAI-format fake's embedding model (`embed`, 256 dimensions). @default a constant vector */
    embedWith?: (text: string) => number[];
    telemetry?: GatewayOptions['telemetry'];
  } = {},
): Promise<Harness> {
  // The OpenAI-format fake also serves the self-hosted model, and fetches media URLs as vLLM does.
  const openai = await startFakeProvider({ format: 'openai', fetchesMedia: true, embed: options.embedWith });
  const anthropic = await startFakeProvider({ format: 'anthropic' });
  const timeouts = options.timeouts ?? { firstByteMs: 300, totalMs: 3_000 };
  const input: GatewayConfigInput = {
    models: {
      'chat-a': { deployments: ['openai-primary', 'anthropic-fallback'], aliases: ['gpt-4o-mini'] },
      claude: { deployments: ['anthropic-only'] },
      embed: { kind: 'embedding', deployments: ['openai-embed'], dimensions: 256 },
      'local-llm': { deployments: ['vllm-local'] },
    },
    deployments: {
      'openai-primary': {
        provider: 'openai',
        model: 'gpt-fake-1',
        baseUrl: openai.url,
        credential: 'openai',
        timeouts,
        pricing: { input: 150_000, output: 600_000, cachedInput: 75_000 },
      },
      'anthropic-fallback': {
        provider: 'anthropic',
        model: 'claude-fake-1',
        baseUrl: anthropic.url,
        credential: 'anthropic',
        timeouts,
        pricing: { input: 3_000_000, output: 15_000_000, cachedInput: 300_000 },
      },
      'anthropic-only': {
        provider: 'anthropic',
        model: 'claude-fake-1',
        baseUrl: anthropic.url,
        credential: 'anthropic',
        timeouts,
        pricing: { input: 3_000_000, output: 15_000_000, cachedInput: 300_000 },
      },
      // A self-hosted OpenAI-compatible server (vLLM, Triton's OpenAI frontend): no credential.
      'vllm-local': {
        provider: 'openai-compatible',
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        baseUrl: openai.url,
        timeouts,
        pricing: { input: 0, output: 0 },
      },
      'openai-embed': {
        provider: 'openai',
        model: 'embed-fake-1',
        baseUrl: openai.url,
        credential: 'openai',
        timeouts,
        pricing: { input: 20_000, output: 0 },
      },
    },
    retry: options.retry ?? { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 20 },
    breaker: options.breaker ?? { failureThreshold: 1_000, openMs: 60_000 },
    limits: { maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 },
    tokenLimits: options.tokenLimits,
    budgets: options.budgets,
    exactCache: options.exactCache,
    routing: options.routing,
    semanticCache: options.semanticCache,
    killSwitch: { refreshMs: options.killSwitchRefreshMs ?? 1_000 },
    remoteUrls: options.remoteUrls,
    // Redis is up in these tests: a loaded CI machine must not turn a slow answer into the
    // store-down policy (the drills that kill Redis set their own deadline).
    limitsStoreDown: options.limitsStoreDown ?? { mode: 'local-fallback', decisionTimeoutMs: 1_000 },
    apiKeys: [
      { sha256: sha256Hex(KEYS.full), tenant: 'tenant-a', user: 'alice' },
      { sha256: sha256Hex(KEYS.restricted), tenant: 'tenant-b', models: ['claude'] },
    ],
    credentialEnv: { openai: 'FAKE_OPENAI_KEY', anthropic: 'FAKE_ANTHROPIC_KEY' },
  };
  const traces = new MemoryTraceSink();
  const sink: TraceSink = options.alsoTraceTo
    ? { record: (trace) => (traces.record(trace), options.alsoTraceTo!.record(trace)) }
    : traces;
  let local: LocalGateway;
  try {
    local = await startLocalGateway({
      config: parseGatewayConfig(input),
      redis: options.redis,
      redisPrefix: options.redisPrefix,
      onBudgetSoftThreshold: options.onBudgetSoftThreshold,
      onLimitsStoreHealth: options.onLimitsStoreHealth,
      onSemanticCacheEvent: options.onSemanticCacheEvent,
      routerModel: options.routerModel,
      vectorDb: options.vectorDb,
      telemetry: options.telemetry,
      resolveHost: options.resolveHost ?? (async () => ['93.184.216.34']),
      traces: sink,
      credentials: new EnvCredentialSource(input.credentialEnv!, {
        FAKE_OPENAI_KEY: 'sk-upstream-openai',
        FAKE_ANTHROPIC_KEY: 'sk-upstream-anthropic',
      }),
    });
  } catch (error) {
    await openai.close();
    await anthropic.close();
    throw error;
  }
  return {
    openai,
    anthropic,
    local,
    traces,
    client: (key = KEYS.full) =>
      new OpenAI({ apiKey: key, baseURL: `${local.url}/v1`, maxRetries: 0, timeout: 10_000 }),
    close: async () => {
      await local.close();
      await openai.close();
      await anthropic.close();
    },
  };
}
