import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { GATEWAY_ROUTES, type GatewayRouteName } from '../../lambda/contract/metrics';
import { acrossRoutes, faultRate } from './gateway-dashboards';
import { GatewayMetrics } from './gateway-metrics';

/** When the gateway's alarms fire. Every threshold has a default; set one to tune it. */
export interface GatewayAlarmThresholds {
  /**
   * Faults (the platform's failures: 5xx, timeouts, providers down) as a share of calls, in
   * percent, in 3 of 5 one-minute periods.
   * @default 5
   */
  readonly errorRatePercent?: number;
  /**
   * Calls per minute below which the fault rate is not judged (a single failure at night is not a spike).
   * @default 10
   */
  readonly errorRateMinCallsPerMinute?: number;
  /**
   * p95 latency budget of each route, over two of three 5-minute periods. Streams count to their last byte.
   * @default { 'chat.completions': 30 s, embeddings: 2 s }
   */
  readonly latencyP95?: Partial<Record<GatewayRouteName, Duration>>;
  /**
   * p95 latency budgets of router tiers (the tier names of the gateway's routing config).
   * @default none
   */
  readonly tierLatencyP95?: Readonly<Record<string, Duration>>;
  /**
   * p95 time to first token of streamed chat completions.
   * @default 5 seconds
   */
  readonly timeToFirstTokenP95?: Duration;
  /**
   * Failovers in five minutes that make a storm.
   * @default 25
   */
  readonly failoversPerFiveMinutes?: number;
  /**
   * Cache hit rate (exact and semantic hits over the calls that reached the caches), in percent, over
   * 15 minutes, below which the caches have collapsed. 0 turns the alarm off.
   * @default 5
   */
  readonly cacheHitRateMinPercent?: number;
  /**
   * Cache lookups in 15 minutes below which the hit rate is not judged.
   * @default 100
   */
  readonly cacheMinLookups?: number;
  /**
   * Width of the anomaly band on hourly spend, in standard deviations: spend above it alarms.
   * @default 3
   */
  readonly spendAnomalyStdDevs?: number;
  /**
   * A fixed ceiling on spend per hour, in dollars, besides the anomaly band.
   * @default none
   */
  readonly spendPerHourUsd?: number;
}

export const DEFAULT_LATENCY_P95: Readonly<Record<GatewayRouteName, Duration>> = {
  'chat.completions': Duration.seconds(30),
  embeddings: Duration.seconds(2),
};

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

/** The gateway's alarms, each described for the person it wakes. */
export class GatewayAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, m: GatewayMetrics, thresholds: GatewayAlarmThresholds = {}) {
    super(scope, id);
    const add = (alarmId: string, props: cloudwatch.AlarmProps) => {
      const alarm = new cloudwatch.Alarm(this, alarmId, props);
      this.alarms.push(alarm);
      return alarm;
    };

    const errorRate = thresholds.errorRatePercent ?? 5;
    add('ErrorRate', {
      alarmDescription:
        `Faults above ${errorRate}% of calls in 3 of 5 minutes: providers failing, timing out or rate limiting ` +
        'the platform, or a gateway bug. Overview dashboard: "Errors by class"; resilience: provider errors.',
      metric: faultRate(m, ONE_MINUTE, thresholds.errorRateMinCallsPerMinute ?? 10),
      threshold: errorRate,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const budgets = { ...DEFAULT_LATENCY_P95, ...thresholds.latencyP95 };
    for (const route of Object.values(GATEWAY_ROUTES)) {
      const budget = budgets[route];
      add(`LatencyP95${route === 'embeddings' ? 'Embeddings' : 'Chat'}`, {
        alarmDescription: `p95 latency of ${route} over its ${budget.toHumanString()} budget in 2 of 3 five-minute periods.`,
        metric: m.metric('Latency', { Route: route }, { statistic: 'p95', period: FIVE_MINUTES }),
        threshold: budget.toMilliseconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    for (const [tier, budget] of Object.entries(thresholds.tierLatencyP95 ?? {})) {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(tier)) {
        throw new Error(
          `tierLatencyP95: "${tier}" is not a tier name (letters, digits, . _ -); use the routing config's tier names.`,
        );
      }
      add(`LatencyP95Tier${tier}`, {
        alarmDescription: `p95 latency of router tier "${tier}" over its ${budget.toHumanString()} budget.`,
        metric: m.metric(
          'Latency',
          { Route: GATEWAY_ROUTES['/v1/chat/completions'], Tier: tier },
          {
            statistic: 'p95',
            period: FIVE_MINUTES,
          },
        ),
        threshold: budget.toMilliseconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    const ttft = thresholds.timeToFirstTokenP95 ?? Duration.seconds(5);
    add('TimeToFirstTokenP95', {
      alarmDescription: `p95 time to first token of streams over ${ttft.toHumanString()} in 2 of 3 five-minute periods.`,
      metric: m.metric(
        'TimeToFirstToken',
        { Route: GATEWAY_ROUTES['/v1/chat/completions'] },
        {
          statistic: 'p95',
          period: FIVE_MINUTES,
        },
      ),
      threshold: ttft.toMilliseconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const storm = thresholds.failoversPerFiveMinutes ?? 25;
    add('FailoverStorm', {
      alarmDescription:
        `More than ${storm} failovers in five minutes: a provider or deployment is failing and traffic is ` +
        'moving to the next one (slower, often dearer). Resilience dashboard: provider errors by deployment.',
      metric: acrossRoutes(m, 'Failovers', FIVE_MINUTES, 'failovers'),
      threshold: storm,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    add('BreakerOpen', {
      alarmDescription:
        "A deployment's circuit breaker opened: no instance calls it until a probe succeeds. " +
        'Resilience dashboard: "Breaker opened, by deployment".',
      metric: m.metric('BreakerOpened', {}, { period: ONE_MINUTE }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const minHitRate = thresholds.cacheHitRateMinPercent ?? 5;
    if (minHitRate > 0) {
      const minLookups = thresholds.cacheMinLookups ?? 100;
      const period = Duration.minutes(15);
      // Semantic lookups are the exact cache's misses, so the larger lookup count is the calls
      // that reached the caches, whichever of them is configured.
      const hitRate = GatewayMetrics.math(
        `IF(MAX([FILL(le, 0), FILL(ls, 0)]) >= ${minLookups}, 100 * (FILL(he, 0) + FILL(hs, 0)) / MAX([FILL(le, 0), FILL(ls, 0)]), 100)`,
        {
          le: m.metric('CacheLookups', { CacheKind: 'exact' }, { period }),
          ls: m.metric('CacheLookups', { CacheKind: 'semantic' }, { period }),
          he: m.metric('CacheHits', { CacheKind: 'exact' }, { period }),
          hs: m.metric('CacheHits', { CacheKind: 'semantic' }, { period }),
        },
        { label: 'cache hit rate (%)', period },
      );
      add('CacheHitRateCollapse', {
        alarmDescription:
          `Cache hit rate under ${minHitRate}% for 15 minutes (with at least ${minLookups} lookups): the cache is ` +
          'empty, unreachable or keyed wrongly, and every call goes to a provider. Cache dashboard.',
        metric: hitRate,
        threshold: minHitRate,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    const hourlySpend = m.metric(
      'CostMicroUsd',
      {},
      { period: Duration.hours(1), label: 'spend (micro-dollars / hour)' },
    );
    const anomaly = new cloudwatch.AnomalyDetectionAlarm(this, 'SpendAnomaly', {
      alarmDescription:
        'Hourly LLM spend above its anomaly band (learned from the last two weeks): a runaway client, an agent ' +
        'loop, or traffic moved to a dearer model. Overview: "Spend per hour by feature".',
      metric: hourlySpend,
      stdDevs: thresholds.spendAnomalyStdDevs ?? 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms.push(anomaly);
    if (thresholds.spendPerHourUsd !== undefined) {
      add('SpendRunRate', {
        alarmDescription: `LLM spend over $${thresholds.spendPerHourUsd} in an hour.`,
        metric: hourlySpend,
        threshold: thresholds.spendPerHourUsd * 1_000_000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
  }
}
