import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { GATEWAY_ROUTES, type MetricDimension } from '../../lambda/contract/metrics';
import { ERROR_CLASSES, type ErrorClass } from '../../lambda/contract/error-classes';
import { GatewayMetrics } from './gateway-metrics';

/**
 * The gateway's dashboards, built from the metric catalog. The overview answers three questions at
 * a glance (what does it cost, how fast is it, are errors spiking); each drill-down takes one area
 * apart.
 */
export interface OverviewThresholds {
  readonly chatLatencyP95: Duration;
  readonly timeToFirstTokenP95: Duration;
  readonly errorRatePercent: number;
}

const HOUR = Duration.hours(1);
const FIVE_MINUTES = Duration.minutes(5);
const ROUTES = Object.values(GATEWAY_ROUTES);
const H = 6;

const axis = (label: string): cloudwatch.YAxisProps => ({ label, min: 0, showUnits: false });

/** Requests, faults or failovers summed over every route. */
export function acrossRoutes(
  m: GatewayMetrics,
  name: 'Requests' | 'Faults' | 'Failovers',
  period: Duration,
  label: string,
): cloudwatch.MathExpression {
  const using = Object.fromEntries(
    ROUTES.map((route, i) => [`r${i}`, m.metric(name, { Route: route }, { statistic: 'Sum', period })]),
  );
  return GatewayMetrics.math(
    Object.keys(using)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    using,
    { label, period },
  );
}

/** Faults as a percentage of calls; with `minCalls`, 0 while there are fewer calls than that. */
export function faultRate(m: GatewayMetrics, period: Duration, minCalls?: number): cloudwatch.MathExpression {
  const calls = m.metric('Requests', {}, { period });
  const faults = m.metric('Faults', {}, { period });
  return GatewayMetrics.math(
    minCalls === undefined
      ? '100 * FILL(faults, 0) / calls'
      : `IF(FILL(calls, 0) >= ${minCalls}, 100 * FILL(faults, 0) / calls, 0)`,
    { calls, faults },
    { label: 'Fault rate (%)', period },
  );
}

function percentiles(m: GatewayMetrics, name: 'Latency' | 'TimeToFirstToken', route: string): cloudwatch.IMetric[] {
  return ['p50', 'p95', 'p99'].map((statistic) =>
    m.metric(name, { Route: route }, { statistic, period: FIVE_MINUTES, label: statistic }),
  );
}

function errorsByClass(m: GatewayMetrics, classes: readonly ErrorClass[]): cloudwatch.IMetric[] {
  return classes.map((errorClass) => m.metric('Errors', { ErrorClass: errorClass }, { label: errorClass }));
}

const ALL_CLASSES = Object.keys(ERROR_CLASSES) as ErrorClass[];

/** One graph of a dashboard row: 12 columns, the row height, counts per 5 minutes unless told. */
const graph = (
  title: string,
  left: cloudwatch.IMetric[],
  options: Partial<cloudwatch.GraphWidgetProps> & { unit?: string } = {},
): cloudwatch.GraphWidget =>
  new cloudwatch.GraphWidget({
    title,
    left,
    leftYAxis: axis(options.unit ?? 'count / 5 min'),
    width: 12,
    height: H,
    ...options,
  });

/** The three questions, one row each. `alarms` is read at synthesis, so alarms added later show too. */
export function overviewRows(
  m: GatewayMetrics,
  thresholds: OverviewThresholds,
  alarms: cloudwatch.IAlarm[],
  links: string,
): cloudwatch.IWidget[][] {
  const hourlyCost = m.metric('CostMicroUsd', {}, { period: HOUR });
  return [
    [
      new cloudwatch.TextWidget({
        markdown: `# LLM platform: cost, latency, errors\nDrill down: ${links}`,
        width: 24,
        height: 2,
      }),
    ],
    [
      new cloudwatch.SingleValueWidget({
        title: 'Cost run-rate ($)',
        metrics: [
          GatewayMetrics.dollars(hourlyCost, 'last hour', HOUR),
          GatewayMetrics.math('24 * m / 1000000', { m: hourlyCost }, { label: 'per day at that rate', period: HOUR }),
          GatewayMetrics.dollars(
            m.metric('CostMicroUsd', {}, { period: Duration.days(1) }),
            'last 24 h',
            Duration.days(1),
          ),
        ],
        fullPrecision: false,
        width: 6,
        height: H,
      }),
      graph('Spend per hour ($)', [GatewayMetrics.dollars(hourlyCost, 'all calls', HOUR)], {
        unit: '$ / hour',
        width: 9,
        period: HOUR,
      }),
      graph(
        'Spend per hour by feature ($)',
        [GatewayMetrics.dollars(m.search('CostMicroUsd', ['Feature'], { period: HOUR }), '', HOUR)],
        { unit: '$ / hour', stacked: true, width: 9, period: HOUR },
      ),
    ],
    [
      graph('Latency, chat completions (ms)', percentiles(m, 'Latency', GATEWAY_ROUTES['/v1/chat/completions']), {
        unit: 'ms',
        leftAnnotations: [{ value: thresholds.chatLatencyP95.toMilliseconds(), label: 'p95 budget' }],
        width: 8,
      }),
      graph(
        'Time to first token, streams (ms)',
        percentiles(m, 'TimeToFirstToken', GATEWAY_ROUTES['/v1/chat/completions']),
        {
          unit: 'ms',
          leftAnnotations: [{ value: thresholds.timeToFirstTokenP95.toMilliseconds(), label: 'p95 budget' }],
          width: 8,
        },
      ),
      graph('Latency p95 by model (ms)', [m.search('Latency', ['Route', 'Model'], { statistic: 'p95' })], {
        unit: 'ms',
        width: 8,
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Fault rate (%) and calls',
        left: [faultRate(m, FIVE_MINUTES)],
        right: [m.metric('Requests', {}, { label: 'calls' })],
        leftYAxis: axis('%'),
        rightYAxis: axis('calls / 5 min'),
        leftAnnotations: [{ value: thresholds.errorRatePercent, label: 'alarm' }],
        width: 8,
        height: H,
      }),
      graph('Errors by class', errorsByClass(m, ALL_CLASSES), { unit: 'calls / 5 min', stacked: true, width: 10 }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 6, height: H }),
    ],
  ];
}

const bySearch = (
  m: GatewayMetrics,
  name: Parameters<GatewayMetrics['search']>[0],
  set: MetricDimension[],
  statistic = 'Sum',
) => m.search(name, set, { statistic });

/** Tokens and cost by model, usage by feature, listed tenant and outcome. */
export function usageRows(m: GatewayMetrics): cloudwatch.IWidget[][] {
  return [
    [
      graph('Input tokens by model', [bySearch(m, 'InputTokens', ['Route', 'Model'])], {
        unit: 'tokens / 5 min',
        stacked: true,
      }),
      graph('Output tokens by model', [bySearch(m, 'OutputTokens', ['Route', 'Model'])], {
        unit: 'tokens / 5 min',
        stacked: true,
      }),
    ],
    [
      graph('Provider-cached input tokens by model', [bySearch(m, 'CachedInputTokens', ['Route', 'Model'])], {
        unit: 'tokens / 5 min',
      }),
      graph(
        'Spend per hour by model ($)',
        [GatewayMetrics.dollars(m.search('CostMicroUsd', ['Route', 'Model'], { period: HOUR }), '', HOUR)],
        { unit: '$ / hour', period: HOUR, stacked: true },
      ),
    ],
    [
      graph(
        'Spend per hour by listed tenant ($)',
        [GatewayMetrics.dollars(m.search('CostMicroUsd', ['Tenant'], { period: HOUR }), '', HOUR)],
        { unit: '$ / hour', period: HOUR },
      ),
      graph('Calls and tokens by feature', [bySearch(m, 'Requests', ['Feature'])], {
        right: [bySearch(m, 'InputTokens', ['Feature']), bySearch(m, 'OutputTokens', ['Feature'])],
        rightYAxis: axis('tokens / 5 min'),
      }),
    ],
    [
      graph(
        'Calls by outcome',
        ['success', 'rejected', 'upstream_error', 'client_aborted'].flatMap((outcome) =>
          ROUTES.map((route) =>
            m.metric('Requests', { Route: route, Outcome: outcome }, { label: `${route} ${outcome}` }),
          ),
        ),
        { stacked: true },
      ),
      graph('Calls, tokens and faults by listed tenant', [bySearch(m, 'Requests', ['Tenant'])], {
        right: [
          bySearch(m, 'Faults', ['Tenant']),
          bySearch(m, 'InputTokens', ['Tenant']),
          bySearch(m, 'OutputTokens', ['Tenant']),
        ],
        rightYAxis: axis('per 5 min'),
      }),
    ],
    [
      graph('Faults by feature', [bySearch(m, 'Faults', ['Feature'])], { stacked: true }),
      graph('Calls by router tier', [bySearch(m, 'Requests', ['Route', 'Tier'])], {
        right: [bySearch(m, 'CostMicroUsd', ['Route', 'Tier'])],
        rightYAxis: axis('micro-dollars / 5 min'),
      }),
    ],
  ];
}

/** Cache hit rate (%) of one kind: hits over the calls that reached that cache. */
export function cacheHitRate(
  m: GatewayMetrics,
  kind: 'exact' | 'semantic',
  period = FIVE_MINUTES,
): cloudwatch.MathExpression {
  return GatewayMetrics.math(
    '100 * FILL(hits, 0) / lookups',
    {
      hits: m.metric('CacheHits', { CacheKind: kind }, { period }),
      lookups: m.metric('CacheLookups', { CacheKind: kind }, { period }),
    },
    { label: `${kind} hit rate (%)`, period },
  );
}

/** Hit rates, lookups, money saved and outages of both caches. */
export function cacheRows(m: GatewayMetrics): cloudwatch.IWidget[][] {
  const kinds = ['exact', 'semantic'] as const;
  return [
    [
      graph(
        'Cache hit rate (%)',
        kinds.map((kind) => cacheHitRate(m, kind)),
        { unit: '%' },
      ),
      graph(
        'Money saved by the caches ($ / hour)',
        kinds.map((kind) =>
          GatewayMetrics.dollars(m.metric('CacheSavedMicroUsd', { CacheKind: kind }, { period: HOUR }), kind, HOUR),
        ),
        { unit: '$ / hour', period: HOUR, stacked: true },
      ),
    ],
    [
      graph(
        'Lookups and hits',
        kinds.flatMap((kind) => [
          m.metric('CacheLookups', { CacheKind: kind }, { label: `${kind} lookups` }),
          m.metric('CacheHits', { CacheKind: kind }, { label: `${kind} hits` }),
        ]),
      ),
      graph('Cache unavailable (abandoned lookups and stores)', [
        m.metric('CacheUnavailable', { CacheKind: 'semantic' }, { label: 'semantic' }),
      ]),
    ],
  ];
}

/** Refusals by policy: token limits, budgets, the kill switch, the limits store. */
export function policyRows(m: GatewayMetrics): cloudwatch.IWidget[][] {
  return [
    [
      graph('Refused by policy', errorsByClass(m, ['rate_limited', 'budget', 'kill_switch', 'limits_unavailable']), {
        stacked: true,
      }),
      graph(
        'Refused by policy, per route',
        ROUTES.flatMap((route) =>
          (['rate_limited', 'budget', 'kill_switch'] as const).map((errorClass) =>
            m.metric('Errors', { Route: route, ErrorClass: errorClass }, { label: `${route} ${errorClass}` }),
          ),
        ),
      ),
    ],
    [
      graph('Budgets past their soft threshold', [
        m.metric('BudgetSoftThreshold', { Budget: 'tenant' }, { label: 'tenant budgets' }),
        m.metric('BudgetSoftThreshold', { Budget: 'feature' }, { label: 'feature budgets' }),
      ]),
      graph('Limits store (Redis) outages', [
        m.metric('LimitsStoreUnavailable', {}, { label: 'went down' }),
        m.metric('LimitsStoreRecovered', {}, { label: 'came back' }),
      ]),
    ],
    [
      graph('Client and auth errors', errorsByClass(m, ['validation', 'auth', 'upstream_rejected', 'client_aborted']), {
        stacked: true,
      }),
    ],
  ];
}

/** Failover, retries, breakers and provider latency by deployment. */
export function resilienceRows(m: GatewayMetrics): cloudwatch.IWidget[][] {
  return [
    [
      graph('Failovers', [acrossRoutes(m, 'Failovers', FIVE_MINUTES, 'failovers')], {
        right: [acrossRoutes(m, 'Requests', FIVE_MINUTES, 'calls')],
        rightYAxis: axis('calls / 5 min'),
      }),
      graph('Breakers', [
        m.metric('BreakerOpened', {}, { label: 'opened' }),
        m.metric('BreakerClosed', {}, { label: 'closed' }),
        m.metric('BreakerRejected', {}, { label: 'calls refused (open)' }),
      ]),
    ],
    [
      graph('Breaker opened, by deployment', [bySearch(m, 'BreakerOpened', ['Deployment'])], {
        right: [bySearch(m, 'BreakerRejected', ['Deployment'])],
        rightYAxis: axis('refused / 5 min'),
      }),
      graph('Breaker closed (probe succeeded), by deployment', [bySearch(m, 'BreakerClosed', ['Deployment'])]),
    ],
    [
      graph(
        'Provider latency p95 by deployment (ms)',
        [m.search('ProviderLatency', ['Provider', 'Deployment'], { statistic: 'p95' })],
        {
          unit: 'ms',
        },
      ),
      graph(
        'Provider latency by provider (ms)',
        ['p50', 'p99'].map((statistic) => m.search('ProviderLatency', ['Provider'], { statistic, label: statistic })),
        { unit: 'ms' },
      ),
    ],
    [
      graph('Attempts and retries by deployment', [bySearch(m, 'ProviderAttempts', ['Provider', 'Deployment'])], {
        right: [bySearch(m, 'ProviderRetries', ['Provider', 'Deployment'])],
        rightYAxis: axis('retries / 5 min'),
      }),
      graph('Attempts and retries by provider', [bySearch(m, 'ProviderAttempts', ['Provider'])], {
        right: [bySearch(m, 'ProviderRetries', ['Provider'])],
        rightYAxis: axis('retries / 5 min'),
      }),
    ],
    [
      graph('Provider errors by deployment', [bySearch(m, 'ProviderErrors', ['Provider', 'Deployment'])], {
        stacked: true,
      }),
      graph('Provider errors by failure kind', [bySearch(m, 'ProviderErrors', ['Failure'])], { stacked: true }),
    ],
  ];
}

/** Retrieval quality: semantic-cache hit similarity, embedding throughput. */
export function retrievalRows(m: GatewayMetrics): cloudwatch.IWidget[][] {
  const embeddings = GATEWAY_ROUTES['/v1/embeddings'];
  return [
    [
      graph(
        'Semantic-cache hit similarity',
        ['p10', 'p50', 'p90'].map((statistic) =>
          m.metric('SemanticSimilarity', {}, { statistic, label: `${statistic} similarity` }),
        ),
        {
          unit: 'cosine similarity',
          right: [m.metric('SemanticSimilarity', {}, { statistic: 'SampleCount', label: 'hits' })],
          rightYAxis: axis('hits / 5 min'),
        },
      ),
      graph('Embeddings through the gateway', [m.metric('Requests', { Route: embeddings }, { label: 'calls' })], {
        right: [m.metric('InputTokens', { Route: embeddings }, { label: 'input tokens' })],
        rightYAxis: axis('tokens / 5 min'),
      }),
    ],
    [
      graph('Embedding latency (ms)', percentiles(m, 'Latency', embeddings), { unit: 'ms' }),
      graph('Embeddings by model', [m.search('Requests', ['Route', 'Model'], { filter: { Route: embeddings } })]),
    ],
  ];
}
