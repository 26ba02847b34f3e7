import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { createHash } from 'node:crypto';
import {
  DEFAULT_METRICS_NAMESPACE,
  GATEWAY_METRICS,
  GATEWAY_SERVICE_NAME,
  groupWriting,
  seriesDimensions,
  type GatewayMetricName,
  type MetricDimension,
  type MetricGroupSpec,
} from '../../lambda/contract/metrics';

/** Where the gateway's metrics are: what its telemetry writes (namespace and `service` dimension). */
export interface GatewayMetricsSource {
  /**
   * The namespace the gateway writes to (its `POWERTOOLS_METRICS_NAMESPACE`).
   * @default 'LlmPlatform'
   */
  readonly namespace?: string;
  /**
   * The gateway's `service` dimension (its `POWERTOOLS_SERVICE_NAME`).
   * @default 'llm-gateway'
   */
  readonly serviceName?: string;
}

/**
 * The gateway's metrics as CloudWatch objects, from the catalog the handlers write by. Asking for a
 * metric with a dimension set the catalog does not write throws: a dashboard or alarm cannot chart
 * a series that never exists.
 */
export class GatewayMetrics {
  readonly namespace: string;
  readonly serviceName: string;

  constructor(source: GatewayMetricsSource = {}) {
    this.namespace = source.namespace ?? DEFAULT_METRICS_NAMESPACE;
    this.serviceName = source.serviceName ?? GATEWAY_SERVICE_NAME;
  }

  /**
   * The environment a gateway function needs to write where these metrics are read:
   * `POWERTOOLS_METRICS_NAMESPACE` and `POWERTOOLS_SERVICE_NAME`.
   */
  functionEnvironment(): Record<string, string> {
    return { POWERTOOLS_METRICS_NAMESPACE: this.namespace, POWERTOOLS_SERVICE_NAME: this.serviceName };
  }

  /**
   * The group that writes `name` with exactly these dimensions; throws if none does. A platform-wide
   * group's series has no `service`: every service that runs the gateway adds to it.
   */
  static checkSeries(name: GatewayMetricName, dimensions: readonly MetricDimension[]): MetricGroupSpec {
    const group = groupWriting(name, dimensions);
    if (!group) {
      throw new Error(
        `The gateway never writes ${name} with dimensions [${dimensions.join(', ')}]; ` +
          'see METRIC_GROUPS in lambda/contract/metrics.ts for the sets it writes.',
      );
    }
    return group;
  }

  private serviceOf(group: MetricGroupSpec): Record<string, string> {
    return group.platformWide ? {} : { service: this.serviceName };
  }

  /** One series: `name` with these dimension values (besides `service`). */
  metric(
    name: GatewayMetricName,
    dimensions: Partial<Record<MetricDimension, string>> = {},
    options: { statistic?: string; period?: Duration; label?: string; color?: string } = {},
  ): cloudwatch.Metric {
    const group = GatewayMetrics.checkSeries(name, Object.keys(dimensions) as MetricDimension[]);
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { ...this.serviceOf(group), ...(dimensions as Record<string, string>) },
      statistic: options.statistic ?? 'Sum',
      period: options.period ?? Duration.minutes(5),
      label: options.label,
      color: options.color,
      unit: undefined,
    });
  }

  /**
   * Every series of `name` over one dimension set (e.g. cost by each `Feature` seen), as a SEARCH:
   * for dimensions whose values come from traffic or config rather than from this code.
   */
  search(
    name: GatewayMetricName,
    dimensions: readonly MetricDimension[],
    options: {
      statistic?: string;
      period?: Duration;
      label?: string;
      filter?: Partial<Record<MetricDimension, string>>;
    } = {},
  ): cloudwatch.MathExpression {
    const group = GatewayMetrics.checkSeries(name, dimensions);
    const filters = Object.entries({ ...this.serviceOf(group), ...options.filter })
      .map(([key, value]) => ` ${key}="${value}"`)
      .join('');
    const schema = [this.namespace, ...seriesDimensions(group, dimensions)].map((part) => `"${part}"`).join(',');
    const period = options.period ?? Duration.minutes(5);
    return new cloudwatch.MathExpression({
      expression:
        `SEARCH('{${schema}} MetricName="${name}"${filters}', ` +
        `'${options.statistic ?? 'Sum'}', ${period.toSeconds()})`,
      label: options.label ?? '',
      period,
    });
  }

  /** A micro-dollar series (or expression) in dollars. */
  static dollars(microUsd: cloudwatch.IMetric, label: string, period?: Duration): cloudwatch.MathExpression {
    const id = GatewayMetrics.idOf(microUsd);
    return new cloudwatch.MathExpression({
      expression: `${id} / 1000000`,
      usingMetrics: { [id]: microUsd },
      label,
      period,
    });
  }

  /**
   * A math expression over named metrics, with each name replaced by an id derived from its metric,
   * so that expressions sharing a graph never clash (CloudWatch wants one id per metric per graph).
   */
  static math(
    expression: string,
    using: Readonly<Record<string, cloudwatch.IMetric>>,
    options: { label?: string; period?: Duration } = {},
  ): cloudwatch.MathExpression {
    let rewritten = expression;
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    for (const [name, metric] of Object.entries(using)) {
      const id = GatewayMetrics.idOf(metric);
      rewritten = rewritten.replace(new RegExp(`\\b${name}\\b`, 'g'), id);
      usingMetrics[id] = metric;
    }
    return new cloudwatch.MathExpression({ expression: rewritten, usingMetrics, ...options });
  }

  /** An expression id that names one metric: two different metrics in a graph never share one. */
  static idOf(metric: cloudwatch.IMetric): string {
    const config = metric.toMetricConfig();
    const what = config.mathExpression
      ? config.mathExpression.expression
      : JSON.stringify([
          config.metricStat?.metricName,
          config.metricStat?.dimensions,
          config.metricStat?.period.toSeconds(),
          config.metricStat?.statistic,
        ]);
    return `m${createHash('sha256').update(what).digest('hex').slice(0, 10)}`;
  }

  /** The unit a metric is written in, for axis labels. */
  static unitOf(name: GatewayMetricName): string {
    return GATEWAY_METRICS[name].unit;
  }
}
