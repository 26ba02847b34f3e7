/**
 * Telemetry for the platform's handlers and the local server, in one import: a redacting
 * structured logger, CloudWatch embedded metrics from the catalog, step spans, and the gateway's
 * trace and event sinks. Nothing here knows of Lambda; `lambda/adapters/handler-telemetry.ts` adds the Lambda parts
 * (context in logs, cold starts, X-Ray subsegments).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { GATEWAY_SERVICE_NAME } from '../../contract/metrics';
import { DimensionPolicy, dimensionPolicyFromEnv } from './dimensions';
import { EmfMetricWriter, type MetricWriter } from './emf';
import { GatewayTelemetry } from './gateway-telemetry';
import { createPlatformLogger } from './logger';
import type { StepTracer } from './spans';

export * from '../../contract/metrics';
export * from './dimensions';
export * from './emf';
export * from './error-class';
export * from './gateway-telemetry';
export * from './instrumentation';
export * from './logger';
export * from './redact';
export * from './spans';

export interface GatewayTelemetryFactoryOptions {
  /** @default {@link GATEWAY_SERVICE_NAME} */
  readonly serviceName?: string;
  /** @default `POWERTOOLS_METRICS_NAMESPACE`, else `LlmPlatform` */
  readonly namespace?: string;
  /** @default a redacting Powertools logger for `serviceName` */
  readonly logger?: Logger;
  /** @default EMF lines on stdout */
  readonly metrics?: MetricWriter;
  readonly steps?: StepTracer;
  /** Where the dimension policy is read from (`LLM_METRICS_*`). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The gateway's telemetry with the platform's defaults. */
export function createGatewayTelemetry(options: GatewayTelemetryFactoryOptions = {}): GatewayTelemetry {
  const serviceName = options.serviceName ?? GATEWAY_SERVICE_NAME;
  const logger = options.logger ?? createPlatformLogger({ serviceName });
  return new GatewayTelemetry({
    logger,
    metrics: options.metrics ?? new EmfMetricWriter({ serviceName, namespace: options.namespace, logger }),
    steps: options.steps,
    dimensions: new DimensionPolicy(dimensionPolicyFromEnv(options.env ?? process.env)),
  });
}
