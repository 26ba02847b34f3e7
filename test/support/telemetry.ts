import { Logger } from '@aws-lambda-powertools/logger';
import { GatewayTelemetry, MemoryMetricWriter } from '../../lambda/core/telemetry';

/** Gateway telemetry that logs nothing and keeps its metrics in memory: for tests about something else. */
export function quietGatewayTelemetry(): GatewayTelemetry {
  return new GatewayTelemetry({ logger: new Logger({ logLevel: 'SILENT' }), metrics: new MemoryMetricWriter() });
}
