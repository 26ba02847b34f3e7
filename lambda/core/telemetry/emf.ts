import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  DEFAULT_METRICS_NAMESPACE,
  GATEWAY_METRICS,
  METRIC_GROUPS,
  type MetricDimension,
  type MetricGroupName,
  type MetricGroupSpec,
} from '../../contract/metrics';

export type MetricDimensions = Partial<Record<MetricDimension, string>>;

/** The metrics a group may carry, each optional: a metric with no value is left out of the document. */
export type MetricGroupValues<G extends MetricGroupName> = Partial<
  Record<(typeof METRIC_GROUPS)[G]['metrics'][number], number>
>;

/** What the emitter writes through: Powertools Metrics, or a recorder in tests. */
export interface MetricWriter {
  emit<G extends MetricGroupName>(group: G, dimensions: MetricDimensions, values: MetricGroupValues<G>): void;
}

// EMF spreads every dimension set's values into one object, so Powertools warns when two sets of a
// document share a key (Route in [Route] and [Route, Model]). That is the intended shape here.
const SHARED_KEY_WARNING = /is defined as both a dimension set and dimension set/;

export interface EmfMetricWriterOptions {
  /** @default `POWERTOOLS_METRICS_NAMESPACE`, else {@link DEFAULT_METRICS_NAMESPACE} */
  readonly namespace?: string;
  /** The `service` dimension. */
  readonly serviceName: string;
  /** Where Powertools' own warnings go. */
  readonly logger?: Logger;
}

/**
 * Writes the catalog's metric groups as CloudWatch embedded-metric-format lines on stdout, through
 * Powertools Metrics: one document per group and event, with the group's dimension sets. Only
 * catalog metrics can be written (the types allow nothing else), with the catalog's units.
 */
export class EmfMetricWriter implements MetricWriter {
  /** The service's metrics (every group with `service`); handlers flush it and write cold starts. */
  readonly metrics: Metrics;
  /** The platform-wide groups (`platformWide` in the catalog): the same namespace, no `service`. */
  private readonly platformWide: Metrics;

  constructor(options: EmfMetricWriterOptions) {
    const warn = (message: string, ...rest: unknown[]) => {
      if (SHARED_KEY_WARNING.test(message)) return;
      options.logger?.warn(message, ...(rest as []));
    };
    const settings = {
      namespace: options.namespace ?? (process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE),
      serviceName: options.serviceName,
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn,
        error: (message: string, ...rest: unknown[]) => options.logger?.error(message, ...(rest as [])),
      },
    };
    this.metrics = new Metrics(settings);
    this.platformWide = new Metrics(settings);
    this.platformWide.clearDefaultDimensions();
  }

  emit<G extends MetricGroupName>(group: G, dimensions: MetricDimensions, values: MetricGroupValues<G>): void {
    const spec: MetricGroupSpec = METRIC_GROUPS[group];
    const metrics = spec.platformWide ? this.platformWide : this.metrics;
    const present = (spec.metrics as readonly (keyof typeof GATEWAY_METRICS)[]).filter(
      (name) => typeof (values as Record<string, number | undefined>)[name] === 'number',
    );
    if (present.length === 0) return;
    let sets = 0;
    for (const set of spec.dimensionSets) {
      if (!set.every((dimension) => dimensions[dimension])) continue;
      metrics.addDimensions(Object.fromEntries(set.map((dimension) => [dimension, dimensions[dimension]!])));
      sets++;
    }
    if (sets === 0) return;
    for (const name of present) {
      metrics.addMetric(name, GATEWAY_METRICS[name].unit, (values as Record<string, number>)[name]);
    }
    metrics.publishStoredMetrics();
  }
}

/** Writes nothing: the local server's default (`POWERTOOLS_METRICS_DISABLED=false` turns EMF on). */
export const DISCARD_METRICS: MetricWriter = { emit: () => undefined };
