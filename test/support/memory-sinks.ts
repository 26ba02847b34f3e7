import { randomBytes } from 'node:crypto';
import { GATEWAY_METRICS, type MetricDimension, type MetricGroupName } from '../../lambda/contract/metrics';
import type { MetricDimensions, MetricGroupValues, MetricWriter } from '../../lambda/core/telemetry/emf';
import type { StepSpan, StepTracer } from '../../lambda/core/telemetry/spans';
import type { TraceRecord, TraceSink } from '../../lambda/core/trace/record';

/**
 * In-memory stand-ins for the telemetry sinks, for tests that read what the gateway would have
 * written: trace records, metrics, step spans. Deployed and locally, the real sinks write JSON
 * lines, EMF documents and X-Ray subsegments.
 */

/** Keeps every trace record. */
export class MemoryTraceSink implements TraceSink {
  readonly records: TraceRecord[] = [];
  record(trace: TraceRecord): void {
    this.records.push(trace);
  }
}

/** Keeps what would be written, one entry per group and event. */
export class MemoryMetricWriter implements MetricWriter {
  readonly emitted: Array<{ group: MetricGroupName; dimensions: MetricDimensions; values: Record<string, number> }> =
    [];

  emit<G extends MetricGroupName>(group: G, dimensions: MetricDimensions, values: MetricGroupValues<G>): void {
    const present = Object.fromEntries(
      Object.entries(values as Record<string, number | undefined>).filter(([, v]) => typeof v === 'number'),
    ) as Record<string, number>;
    if (Object.keys(present).length > 0) this.emitted.push({ group, dimensions: { ...dimensions }, values: present });
  }

  /** The values written for one metric, in order. */
  values(metric: keyof typeof GATEWAY_METRICS, dimensions: MetricDimensions = {}): number[] {
    return this.emitted
      .filter((e) => Object.entries(dimensions).every(([k, v]) => e.dimensions[k as MetricDimension] === v))
      .flatMap((e) => (metric in e.values ? [e.values[metric]] : []));
  }
}

export interface RecordedSpan {
  readonly name: string;
  readonly id: string;
  readonly annotations: Record<string, string | number | boolean>;
  failure?: 'fault' | 'error' | 'throttle';
  remote?: { url: string; method: string };
  ended: boolean;
}

/** Keeps every span. */
export class MemoryStepTracer implements StepTracer {
  readonly spans: RecordedSpan[] = [];

  start(name: string): StepSpan {
    const span: RecordedSpan = { name, id: randomBytes(8).toString('hex'), annotations: {}, ended: false };
    this.spans.push(span);
    return {
      id: span.id,
      annotate: (key, value) => {
        span.annotations[key] = value;
      },
      fail: (_error, kind) => {
        span.failure = kind;
      },
      remote: (http) => {
        span.remote = { url: http.url, method: http.method };
      },
      end: () => {
        span.ended = true;
      },
    };
  }
}
