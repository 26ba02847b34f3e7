/**
 * Every metric the platform's handlers emit, in one place: the metrics sink writes exactly these
 * (names, units, dimension sets), the dashboards and alarms of `PlatformObservability` chart them,
 * and a test checks that each one is on a dashboard. Pure data, so that constructs can import it.
 *
 * A CloudWatch metric is a name plus one set of dimension values; each distinct combination is
 * billed as a custom metric. Dimensions here are bounded by configuration, never by traffic:
 * routes, models, tiers, deployments, providers and error classes come from the gateway config or
 * closed lists; features are capped per instance (the rest are counted as `other`); tenants appear
 * only when listed (see `dimensions.ts`). Per-tenant detail for every tenant lives in the trace log
 * lines instead (CloudWatch Logs Insights and Contributor Insights query them at no metric cost).
 */

/** Namespace of the platform's own metrics, unless `POWERTOOLS_METRICS_NAMESPACE` says otherwise. */
export const DEFAULT_METRICS_NAMESPACE = 'LlmPlatform';

/** The `service` dimension of the gateway function's metrics and logs. */
export const GATEWAY_SERVICE_NAME = 'llm-gateway';

/** Units as CloudWatch (and Powertools' `MetricUnit`) spell them. */
export type MetricUnitName = 'Count' | 'Milliseconds' | 'None';

/** The dimensions the gateway writes, besides `service` (on every metric). */
export type MetricDimension =
  | 'Route'
  | 'Model'
  | 'Tier'
  | 'Feature'
  | 'Tenant'
  | 'Outcome'
  | 'ErrorClass'
  | 'Provider'
  | 'Deployment'
  | 'Failure'
  | 'CacheKind'
  | 'Budget';

export interface MetricSpec {
  readonly unit: MetricUnitName;
  /** What one value means, for the docs and the dashboards' hover text. */
  readonly description: string;
}

/**
 * Metrics are written in groups: one EMF document per group and event, whose every metric gets
 * every dimension set of the group (that is how EMF works). A set whose values are unknown for an
 * event (a tenant that is not listed) is left out of that document.
 */
export interface MetricGroupSpec {
  /** When the group is written. */
  readonly emittedWhen: string;
  /**
   * Dimension sets, each without `service`, which every set also has (unless `platformWide`). `[]`
   * is the service total (the platform's total when `platformWide`).
   */
  readonly dimensionSets: ReadonlyArray<readonly MetricDimension[]>;
  readonly metrics: readonly GatewayMetricName[];
  /**
   * Written without the `service` dimension, so that every service that runs the gateway (the
   * gateway function, the jobs worker, the embedding API and worker) adds to one series: what an
   * alarm that must see all of them reads (spend, budget thresholds). One series for the platform
   * instead of one per service, so it costs fewer custom metrics, not more.
   * @default false
   */
  readonly platformWide?: boolean;
}

export const GATEWAY_METRICS = {
  Requests: { unit: 'Count', description: 'Model calls that reached the gateway (answered or refused).' },
  Latency: {
    unit: 'Milliseconds',
    description: 'Time from the request to the last byte of the answer, for answered calls (streams included).',
  },
  TimeToFirstToken: {
    unit: 'Milliseconds',
    description: 'Time from the request to the first streamed chunk, for answered streaming calls.',
  },
  InputTokens: { unit: 'Count', description: 'Prompt tokens billed by the provider, cached ones included.' },
  OutputTokens: { unit: 'Count', description: 'Completion tokens billed by the provider.' },
  CachedInputTokens: { unit: 'Count', description: 'Prompt tokens the provider served from its prompt cache.' },
  CostMicroUsd: {
    unit: 'None',
    description: 'What the call cost at the configured prices, in micro-dollars (1,000,000 = $1).',
  },
  Faults: {
    unit: 'Count',
    description: "Calls that failed through the platform's fault (an error class marked as a fault); 0 otherwise.",
  },
  Failovers: { unit: 'Count', description: 'Deployments given up on before the one that answered (or the last).' },
  Errors: { unit: 'Count', description: 'Calls that ended in an error, by class (refusals included).' },
  CacheLookups: {
    unit: 'Count',
    description:
      'Calls that reached a response cache, cacheable or not (the semantic cache sees the exact cache misses).',
  },
  CacheHits: { unit: 'Count', description: 'Lookups answered from the cache (no provider call).' },
  CacheSavedMicroUsd: {
    unit: 'None',
    description: "What a cache hit saved: the cached answer's tokens at the route's first deployment's prices.",
  },
  CacheUnavailable: { unit: 'Count', description: 'Lookups or stores the cache could not serve in time (a miss).' },
  SemanticSimilarity: { unit: 'None', description: 'Cosine similarity of a semantic-cache hit (0 to 1).' },
  ProviderAttempts: { unit: 'Count', description: 'Calls to a deployment, retries included.' },
  ProviderRetries: { unit: 'Count', description: 'Attempts on a deployment that had already failed for the call.' },
  ProviderLatency: {
    unit: 'Milliseconds',
    description: "Time for a deployment to answer one attempt: the whole body, or a stream's first chunk.",
  },
  ProviderErrors: { unit: 'Count', description: 'Attempts that failed, by failure kind.' },
  BreakerOpened: { unit: 'Count', description: "A deployment's circuit breaker opened (or re-opened after a probe)." },
  BreakerClosed: { unit: 'Count', description: "A deployment's breaker closed after a successful probe." },
  BreakerRejected: { unit: 'Count', description: 'Calls not sent to a deployment because its breaker was open.' },
  BudgetSoftThreshold: { unit: 'Count', description: 'A budget crossed its soft threshold (once per period).' },
  LimitsStoreUnavailable: {
    unit: 'Count',
    description: 'The shared limits store (Redis) stopped answering: limits and budgets fell back to their policy.',
  },
  LimitsStoreRecovered: { unit: 'Count', description: 'The limits store answers again after an outage.' },
} as const satisfies Record<string, MetricSpec>;

export type GatewayMetricName = keyof typeof GATEWAY_METRICS;

export const METRIC_GROUPS = {
  call: {
    emittedWhen: 'a chat completion or embeddings call ends (one trace record)',
    dimensionSets: [['Route'], ['Route', 'Model'], ['Route', 'Tier']],
    metrics: [
      'Requests',
      'Latency',
      'TimeToFirstToken',
      'InputTokens',
      'OutputTokens',
      'CachedInputTokens',
      'CostMicroUsd',
      'Faults',
      'Failovers',
    ],
  },
  usage: {
    emittedWhen: 'a call ends: the totals, and usage by feature and by listed tenant',
    dimensionSets: [[], ['Feature'], ['Tenant']],
    metrics: ['Requests', 'InputTokens', 'OutputTokens', 'Faults'],
  },
  spend: {
    emittedWhen:
      "a call ends, in whichever service ran it: the platform's spend, by feature and by listed tenant (no `service`)",
    dimensionSets: [[], ['Feature'], ['Tenant']],
    metrics: ['CostMicroUsd'],
    platformWide: true,
  },
  outcome: {
    emittedWhen: 'a call ends',
    dimensionSets: [['Route', 'Outcome']],
    metrics: ['Requests'],
  },
  error: {
    emittedWhen: 'a call ends in an error',
    dimensionSets: [['ErrorClass'], ['Route', 'ErrorClass']],
    metrics: ['Errors'],
  },
  cache: {
    emittedWhen: 'a response cache is looked up',
    dimensionSets: [['CacheKind']],
    metrics: ['CacheLookups', 'CacheHits', 'CacheSavedMicroUsd'],
  },
  cacheHealth: {
    emittedWhen: 'a cache lookup or store is abandoned (timeout, store down)',
    dimensionSets: [['CacheKind']],
    metrics: ['CacheUnavailable'],
  },
  semanticHit: {
    emittedWhen: 'the semantic cache answers',
    dimensionSets: [[]],
    metrics: ['SemanticSimilarity'],
  },
  provider: {
    emittedWhen: 'an attempt on a deployment ends',
    dimensionSets: [['Provider'], ['Provider', 'Deployment']],
    metrics: ['ProviderAttempts', 'ProviderRetries', 'ProviderLatency'],
  },
  providerError: {
    emittedWhen: 'an attempt on a deployment fails',
    dimensionSets: [['Provider', 'Deployment'], ['Failure']],
    metrics: ['ProviderErrors'],
  },
  breaker: {
    emittedWhen: "a deployment's breaker changes state or refuses a call",
    dimensionSets: [[], ['Deployment']],
    metrics: ['BreakerOpened', 'BreakerClosed', 'BreakerRejected'],
  },
  budget: {
    emittedWhen: 'a budget crosses its soft threshold, in whichever service settled the call (no `service`)',
    dimensionSets: [[], ['Budget']],
    metrics: ['BudgetSoftThreshold'],
    platformWide: true,
  },
  limitsStore: {
    emittedWhen: 'the limits store goes down or comes back',
    dimensionSets: [[]],
    metrics: ['LimitsStoreUnavailable', 'LimitsStoreRecovered'],
  },
} as const satisfies Record<string, MetricGroupSpec>;

export type MetricGroupName = keyof typeof METRIC_GROUPS;

/** The metric Powertools writes on a cold start, with dimensions `service` and `function_name`. */
export const COLD_START_METRIC = 'ColdStart';

/**
 * The `service` of each function that runs the gateway, the function itself or in-process (its
 * `POWERTOOLS_SERVICE_NAME`, set by the construct that deploys it): each writes every group above.
 * The wiring test (`test/stages/metric-wiring.test.ts`) matches each metric an alarm or dashboard
 * of a stage reads to a function of that stage on this list (or to an AWS service or agent that
 * writes it); a new spender goes here, or its spend reaches no alarm.
 */
export const GATEWAY_RUNNING_SERVICES = [
  GATEWAY_SERVICE_NAME,
  'llm-jobs-worker',
  'llm-embeddings-api',
  'llm-embeddings-worker',
] as const;
export type GatewayRunningService = (typeof GATEWAY_RUNNING_SERVICES)[number];

/** Model-call routes, as the `Route` dimension spells them. */
export const GATEWAY_ROUTES = { '/v1/chat/completions': 'chat.completions', '/v1/embeddings': 'embeddings' } as const;
export type GatewayRouteName = (typeof GATEWAY_ROUTES)[keyof typeof GATEWAY_ROUTES];

/** `Tier` when the request named its model itself rather than asking the router. */
export const DIRECT_TIER = 'direct';
/** `Feature` of calls that name no feature. */
export const UNTAGGED_FEATURE = 'untagged';
/** `Feature` of calls whose feature is over the cap of distinct values. */
export const OTHER_FEATURE = 'other';

/** The dimension names of one set of a group as CloudWatch sees them: with `service` unless platform-wide. */
export function seriesDimensions(group: MetricGroupSpec, set: readonly MetricDimension[]): string[] {
  return group.platformWide ? [...set] : ['service', ...set];
}

/**
 * The group that writes `name` with exactly these dimensions (besides `service`), or undefined.
 * The catalog never has two: a test holds it to that.
 */
export function groupWriting(name: GatewayMetricName, dimensions: readonly string[]): MetricGroupSpec | undefined {
  const key = [...dimensions].sort().join(',');
  return (Object.values(METRIC_GROUPS) as MetricGroupSpec[]).find(
    (group) => group.metrics.includes(name) && group.dimensionSets.some((set) => [...set].sort().join(',') === key),
  );
}

/** Each dimension set of each metric, once: the table in the README and the dashboard test use it. */
export function catalogRows(): Array<{
  metric: GatewayMetricName;
  unit: MetricUnitName;
  description: string;
  dimensionSets: string[][];
}> {
  return (Object.keys(GATEWAY_METRICS) as GatewayMetricName[]).map((metric) => {
    const sets = new Map<string, string[]>();
    for (const group of Object.values(METRIC_GROUPS) as MetricGroupSpec[]) {
      if (!group.metrics.includes(metric)) continue;
      for (const set of group.dimensionSets) sets.set(set.join(','), seriesDimensions(group, set));
    }
    const spec: MetricSpec = GATEWAY_METRICS[metric];
    return { metric, unit: spec.unit, description: spec.description, dimensionSets: [...sets.values()] };
  });
}
