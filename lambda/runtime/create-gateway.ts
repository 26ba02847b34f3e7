import Redis from 'ioredis';
import { PROVIDERS } from '../providers/registry';
import { EnvCredentialSource, type CredentialSource } from '../core/config/credentials';
import type { GatewayConfig, ProviderKind } from '../contract/config/gateway-config';
import type { ProviderClient } from '../core/providers/provider';
import { Gateway } from '../core/pipeline/gateway';
import { CONFIGURED_ORDER, composeTrafficPolicy } from '../core/pipeline/policy';
import { type AdmissionControl, type AnswerCache, type TrafficPolicy } from '../core/pipeline/ports';
import { InMemoryBucketStore } from '../core/policy/limits/bucket-store';
import { RedisBucketStore } from '../core/policy/limits/redis-bucket-store';
import { ResilientBucketStore, type StoreHealthEvent } from '../core/policy/limits/resilient-bucket-store';
import { BudgetGuard, type SoftThresholdEvent } from '../core/policy/budget/budget-guard';
import { chainCaches } from '../core/policy/cache/chain';
import { HashingEmbedder, type Embedder } from '../core/policy/cache/embedder';
import { ExactCache, InMemoryCacheStore, RedisCacheStore } from '../core/policy/cache/exact-cache';
import { SemanticCache, type SemanticCacheEvent } from '../core/policy/cache/semantic-cache';
import { ModelQueryEmbedder, offlineQueryEmbedder, type QueryEmbedder } from '../core/policy/cache/query-embedder';
import { GatewayEmbedder } from '../core/embeddings/gateway-embedder';
import { ModelCatalog } from '../core/config/catalog';
import type { SqlClient } from '../core/vector/sql-client';
import { InMemoryKillSwitchStore, KillSwitch, RedisKillSwitchStore } from '../core/policy/kill-switch/kill-switch';
import { TokenLimiter } from '../core/policy/limits/token-limits';
import type { ClassifierModel } from '../core/policy/router/classifier';
import { PromptRouter } from '../core/policy/router/router';
import { InMemoryBreakerStore, type BreakerSettings, type BreakerStore } from '../core/resilience/breaker';
import { RedisBreakerStore } from '../core/resilience/redis-breaker';
import { RedisServingDemand, recordingServingDemand } from '../core/resilience/serving-demand';
import { JsonLineTraceSink, type TraceRecord, type TraceSink } from '../core/trace/record';
import { ApiKeyAuthenticator } from '../core/pipeline/identity';
import { NO_INSTRUMENTATION, type GatewayInstrumentation } from '../core/telemetry/instrumentation';
import type { GatewayEventSinks } from '../core/telemetry/gateway-telemetry';
import type { HostResolver } from '../core/openai/remote-urls';

export interface GatewayOptions {
  readonly config: GatewayConfig;
  /** Shared state. Without it, state (breakers) lives in this process only. */
  readonly redis?: Redis;
  /** Key prefix in Redis, so that several gateways (or tests) can share one server. */
  readonly redisPrefix?: string;
  readonly credentials?: CredentialSource;
  readonly traces?: TraceSink;
  readonly policy?: TrafficPolicy;
  /** Where budget soft-threshold events go. @default a JSON line on stdout */
  readonly onBudgetSoftThreshold?: (event: SoftThresholdEvent) => void;
  /** Where limit-store outages and recoveries are reported. @default a JSON line on stdout */
  readonly onLimitsStoreHealth?: (event: StoreHealthEvent) => void;
  /** The pgvector database of the semantic cache (a `pg.Pool`, or PGlite). */
  readonly vectorDb?: SqlClient;
  /** The embedding model of the semantic cache. @default the built-in hashing embedder (256 dimensions) */
  readonly embedder?: Embedder;
  /** Where semantic-cache hits and outages are reported. @default a JSON line on stdout */
  readonly onSemanticCacheEvent?: (event: SemanticCacheEvent) => void;
  /** The router's trained classifier, when `routing.classifier` is configured. */
  readonly routerModel?: ClassifierModel;
  /** Replaces the client of some provider kinds (e.g. Bedrock with test credentials). */
  readonly providers?: Partial<Record<ProviderKind, ProviderClient>>;
  /**
   * Logs, metrics and spans (`createGatewayTelemetry()` from `lambda/core/telemetry`): receives every
   * trace record (besides `traces`) and, unless given separately, the policy events; wraps the
   * pipeline's parts to trace each step.
   */
  readonly telemetry?: {
    readonly traces: TraceSink;
    readonly events: GatewayEventSinks;
    readonly instrumentation: GatewayInstrumentation;
  };
  /** Resolves host names of URLs in requests (the SSRF check). @default the system resolver */
  readonly resolveHost?: HostResolver;
}

export function breakerSettings(config: GatewayConfig): BreakerSettings {
  const slowest = Math.max(...Object.values(config.deployments).map((d) => d.timeouts.totalMs));
  return { ...config.breaker, probeTimeoutMs: Math.min(slowest, config.breaker.openMs) };
}

/** Wires a Gateway from its config: the one place the handler, the local server and tests share. */
export function createGateway(options: GatewayOptions): Gateway {
  const { config } = options;
  const instrument = options.telemetry?.instrumentation ?? NO_INSTRUMENTATION;
  const settings = breakerSettings(config);
  const breaker = withServingDemand(
    options,
    options.redis
      ? new RedisBreakerStore(options.redis, settings, options.redisPrefix)
      : new InMemoryBreakerStore(settings),
  );
  const providers = { ...PROVIDERS, ...options.providers };
  for (const kind of Object.keys(providers) as ProviderKind[])
    providers[kind] = instrument.provider(kind, providers[kind]);
  // The semantic cache's embedding model is called through this gateway, once it exists (calls come
  // only after createGateway has returned).
  const self = (): Gateway => gateway;
  const gateway: Gateway = new Gateway({
    config,
    providers,
    breaker: instrument.breaker(breaker),
    credentials: options.credentials ?? new EnvCredentialSource(config.credentialEnv),
    traces: traceSinks(options),
    policy: options.policy ?? policyFromConfig(options, instrument, self),
    router: config.routing ? instrument.tierRouter(new PromptRouter(config.routing, options.routerModel)) : undefined,
    authenticator: instrument.authenticator(new ApiKeyAuthenticator(config.apiKeys)),
    resolveHost: options.resolveHost,
  });
  return gateway;
}

/**
 * The breaker store, recording the wants of deployments that scale to zero (`wakeOnDemand`) in the
 * shared Redis, where their KEDA triggers read them. Without Redis there is no cluster to wake.
 */
function withServingDemand(options: GatewayOptions, breaker: BreakerStore): BreakerStore {
  if (!options.redis) return breaker;
  const cold = Object.entries(options.config.deployments).filter(([, deployment]) => deployment.wakeOnDemand);
  const sink = new RedisServingDemand(options.redis, options.redisPrefix);
  return recordingServingDemand(breaker, sink, new Set(cold.map(([id]) => id)));
}

/** Every sink that wants the records; a JSON line on stdout when there is none. */
function traceSinks(options: GatewayOptions): TraceSink {
  const sinks = [options.traces, options.telemetry?.traces].filter((sink): sink is TraceSink => sink !== undefined);
  if (sinks.length === 0) return new JsonLineTraceSink();
  if (sinks.length === 1) return sinks[0];
  return {
    record: (trace: TraceRecord) => {
      for (const sink of sinks) {
        try {
          sink.record(trace);
        } catch {
          // One failing sink must not keep the record from the others.
        }
      }
    },
  };
}

/** The traffic policy the config asks for, with state where the breakers keep theirs. */
const jsonLine = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);

function policyFromConfig(
  options: GatewayOptions,
  instrument: GatewayInstrumentation,
  self: () => Gateway,
): TrafficPolicy {
  const { config, redis, redisPrefix } = options;
  const events = options.telemetry?.events;
  const onLimitsStoreHealth = options.onLimitsStoreHealth ?? events?.onLimitsStoreHealth ?? jsonLine;
  const onBudgetSoftThreshold =
    options.onBudgetSoftThreshold ??
    events?.onBudgetSoftThreshold ??
    ((event: SoftThresholdEvent) => jsonLine({ type: 'llm.budget.soft_threshold', ...event }));
  const killSwitchStore = redis ? new RedisKillSwitchStore(redis, redisPrefix) : new InMemoryKillSwitchStore();
  // Cheapest refusal first: the kill switch reads a cached flag, then money, then tokens.
  const admission: AdmissionControl[] = [
    instrument.admission('kill_switch', new KillSwitch(killSwitchStore, config.killSwitch.refreshMs)),
  ];
  const buckets = redis
    ? new ResilientBucketStore(new RedisBucketStore(redis, redisPrefix), config.limitsStoreDown, onLimitsStoreHealth)
    : new InMemoryBucketStore();
  if (config.budgets) {
    // Money is never counted locally: budgets refuse while Redis cannot answer (see failingClosed).
    const money = buckets instanceof ResilientBucketStore ? buckets.failingClosed() : buckets;
    admission.push(instrument.admission('budget', new BudgetGuard(config.budgets, money, onBudgetSoftThreshold)));
  }
  if (config.tokenLimits) {
    admission.push(instrument.admission('token_limit', new TokenLimiter(config.tokenLimits, buckets)));
  }
  const caches: AnswerCache[] = [];
  if (config.exactCache) {
    const store = redis ? new RedisCacheStore(redis, redisPrefix) : new InMemoryCacheStore();
    caches.push(instrument.cache('exact', new ExactCache(config.exactCache, store)));
  }
  if (config.semanticCache) {
    if (!options.vectorDb) {
      throw new Error(
        'semanticCache is configured but the gateway was given no vector database: set DATABASE_URL (or VECTOR_DB_* when deployed), or remove semanticCache.',
      );
    }
    const semantic = new SemanticCache(
      config.semanticCache,
      options.vectorDb,
      queryEmbedder(options, self),
      options.onSemanticCacheEvent ?? events?.onSemanticCacheEvent ?? jsonLine,
    );
    caches.push(instrument.cache('semantic', semantic));
  }
  return composeTrafficPolicy({
    admission,
    router: instrument.router(CONFIGURED_ORDER),
    cache: caches.length > 0 ? chainCaches(caches) : undefined,
  });
}

/**
 * The semantic cache's embedder: the configured embedding model, called through the gateway as
 * each call's caller, or the offline hashing embedder when none is named.
 */
function queryEmbedder(options: GatewayOptions, self: () => Gateway): QueryEmbedder {
  const { config } = options;
  const model = config.semanticCache?.embeddingModel;
  if (model === undefined) return offlineQueryEmbedder(options.embedder ?? new HashingEmbedder());
  // The config's own check makes sure the model exists, is an embedding model and has dimensions.
  const { entry } = new ModelCatalog(config).resolve(model, 'embedding');
  const embedder = new GatewayEmbedder({
    handle: (request) => self().handle(request),
    authorizeModel: (identity, requested, kind) => self().authorizeModel(identity, requested, kind),
  });
  return new ModelQueryEmbedder(
    (identity, name, inputs, signal) => embedder.embed(identity, name, inputs, signal),
    model,
    entry.dimensions!,
  );
}

/**
 * A Redis client tuned for a request path: fail fast instead of queueing while disconnected, bound
 * every command, pipeline automatically.
 */
export function connectRedisForGateway(url: string): Redis {
  return new Redis(url, {
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    commandTimeout: 250,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
  });
}
