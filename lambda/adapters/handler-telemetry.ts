import type { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import type { Writable } from 'node:stream';
import {
  DimensionPolicy,
  EmfMetricWriter,
  GatewayTelemetry,
  UNRECORDED_STEPS,
  createPlatformLogger,
  dimensionPolicyFromEnv,
  inSpan,
  type PlatformLoggerOptions,
  type StepSpan,
  type StepTracer,
} from '../core/telemetry';

/**
 * Telemetry for a Lambda handler, in one import. Every handler of the platform builds one at
 * module scope and wraps its handler with it:
 *
 * ```ts
 * const telemetry = new HandlerTelemetry({ serviceName: 'llm-embeddings' });
 * export const handler = telemetry.wrap(async (event, context) => {
 *   return telemetry.span('embed', async (span) => { ... });
 * });
 * ```
 *
 * Each invocation then logs with its Lambda context (request id, function, cold start) through the
 * redacting logger, writes the `ColdStart` metric on a cold start, runs under a `## handler`
 * X-Ray subsegment that every step span nests in, and flushes any metrics added straight to
 * `metrics.metrics` (Powertools' own API). Outside Lambda tracing is off and spans only carry ids.
 */
export interface HandlerTelemetryOptions {
  /** The `service` key of logs, metrics and traces, e.g. `llm-gateway`. */
  readonly serviceName: string;
  /** @default `POWERTOOLS_METRICS_NAMESPACE`, else `LlmPlatform` */
  readonly namespace?: string;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default `POWERTOOLS_LOG_LEVEL`, else INFO */
  readonly logLevel?: PlatformLoggerOptions['logLevel'];
}

type Segment = NonNullable<ReturnType<Tracer['getSegment']>>;

/** X-Ray subsegments as step spans, under the invocation's handler subsegment. */
class XRayStepTracer implements StepTracer {
  constructor(private readonly tracer: Tracer) {}

  start(name: string): StepSpan {
    const parent = this.tracer.isTracingEnabled() ? this.tracer.getSegment() : undefined;
    if (!parent) return UNRECORDED_STEPS.start(name);
    const segment = parent.addNewSubsegment(name);
    return {
      id: segment.id,
      annotate: (key, value) => segment.addAnnotation(key, value),
      // Flags and the error's class only: messages can quote a provider, and so a prompt.
      fail: (error, kind) => {
        if (kind === 'fault') segment.addFaultFlag();
        else segment.addErrorFlag();
        if (kind === 'throttle') segment.addThrottleFlag();
        segment.addAnnotation('error', error instanceof Error ? error.name : typeof error);
      },
      remote: (http) => {
        segment.addAttribute('namespace', 'remote');
        segment.addAttribute('http', { request: { url: http.url, method: http.method } });
      },
      end: () => segment.close(),
    };
  }
}

/** What one invocation holds until it ends. */
interface Invocation {
  /** The invocation's W3C `traceparent` (the X-Ray trace, parent the handler subsegment). */
  readonly traceparent?: string;
  fail(error: unknown): void;
  end(): void;
}

/** An X-Ray trace id (`1-5759e988-bd862e3fe1be46a994272793`) as a W3C trace id. */
export function w3cTraceIdOf(xrayTraceId: string): string | undefined {
  const match = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(xrayTraceId);
  return match ? `${match[1]}${match[2]}` : undefined;
}

export class HandlerTelemetry {
  readonly serviceName: string;
  readonly logger: Logger;
  readonly metrics: EmfMetricWriter;
  readonly tracer: Tracer;
  /** Step spans: X-Ray subsegments in Lambda with active tracing, ids only elsewhere. */
  readonly steps: StepTracer;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private current?: Invocation;

  constructor(options: HandlerTelemetryOptions) {
    this.serviceName = options.serviceName;
    this.env = options.env ?? process.env;
    this.logger = createPlatformLogger({ serviceName: options.serviceName, logLevel: options.logLevel });
    this.metrics = new EmfMetricWriter({
      serviceName: options.serviceName,
      namespace: options.namespace,
      logger: this.logger,
    });
    // Provider calls get their own spans (with the W3C traceparent); patching node:http as well
    // would trace each twice and send X-Ray headers to third parties.
    this.tracer = new Tracer({ serviceName: options.serviceName, captureHTTPsRequests: false });
    this.steps = new XRayStepTracer(this.tracer);
  }

  /** The gateway's trace and event sinks and step instrumentation, sharing this logger and metrics. */
  gatewayTelemetry(): GatewayTelemetry {
    return new GatewayTelemetry({
      logger: this.logger,
      metrics: this.metrics,
      steps: this.steps,
      dimensions: new DimensionPolicy(dimensionPolicyFromEnv(this.env)),
    });
  }

  /** The running invocation's `traceparent`, for requests that bring none. */
  get traceparent(): string | undefined {
    return this.current?.traceparent;
  }

  /**
   * Runs `work` as a traced step (an X-Ray subsegment in Lambda). A failure marks the step a fault
   * unless `failureKind` says it is an error (the caller's) or a throttle.
   */
  span<T>(
    name: string,
    work: (span: StepSpan) => Promise<T>,
    failureKind?: (error: unknown) => 'fault' | 'error' | 'throttle',
  ): Promise<T> {
    return inSpan(this.steps, name, work, failureKind);
  }

  /**
   * Wraps a request/response handler. A failure is logged and marks the invocation's trace, unless
   * `expected` says it is the handler's way of answering (an authorizer's `Unauthorized`).
   */
  wrap<E, R>(
    handler: (event: E, context: Context) => Promise<R>,
    options: { readonly expected?: (error: unknown) => boolean } = {},
  ): (event: E, context: Context) => Promise<R> {
    return async (event, context) => {
      const invocation = this.begin(context);
      try {
        return await handler(event, context);
      } catch (error) {
        if (!options.expected?.(error)) invocation.fail(error);
        throw error;
      } finally {
        invocation.end();
      }
    };
  }

  /** Wraps a response-streaming handler (`awslambda.streamifyResponse`). */
  wrapStreaming<E>(
    handler: (event: E, stream: Writable, context: Context) => Promise<void>,
  ): (event: E, stream: Writable, context: Context) => Promise<void> {
    return async (event, stream, context) => {
      const invocation = this.begin(context);
      try {
        await handler(event, stream, context);
      } catch (error) {
        invocation.fail(error);
        throw error;
      } finally {
        invocation.end();
      }
    };
  }

  private begin(context: Context): Invocation {
    this.logger.addContext(context);
    this.metrics.metrics.captureColdStartMetric(context.functionName);
    const facade = this.tracer.isTracingEnabled() ? this.tracer.getSegment() : undefined;
    let handlerSegment: Segment | undefined;
    let traceparent: string | undefined;
    if (facade) {
      handlerSegment = facade.addNewSubsegment(`## ${this.env._HANDLER ?? 'handler'}`);
      this.tracer.setSegment(handlerSegment);
      this.tracer.annotateColdStart();
      this.tracer.addServiceNameAnnotation();
      const traceId = w3cTraceIdOf(handlerSegment.segment?.trace_id ?? '');
      const sampled = !handlerSegment.notTraced;
      if (traceId) traceparent = `00-${traceId}-${handlerSegment.id}-${sampled ? '01' : '00'}`;
    }
    const invocation: Invocation = {
      traceparent,
      fail: (error) => {
        handlerSegment?.addError(error instanceof Error ? error.name : String(typeof error));
        this.logger.error('handler failed', error as Error);
      },
      end: () => {
        if (this.metrics.metrics.hasStoredMetrics()) this.metrics.metrics.publishStoredMetrics();
        if (handlerSegment) {
          handlerSegment.close();
          this.tracer.setSegment(facade!);
        }
        if (this.current === invocation) this.current = undefined;
      },
    };
    this.current = invocation;
    return invocation;
  }
}
