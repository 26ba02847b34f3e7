import { Logger } from '@aws-lambda-powertools/logger';
import { GatewayTelemetry } from '../../lambda/core/telemetry';
import { MemoryMetricWriter } from './memory-sinks';
import type { TraceRecord } from '../../lambda/core/trace/record';

/** Gateway telemetry that logs nothing and keeps its metrics in memory: for tests about something else. */
export function quietGatewayTelemetry(): GatewayTelemetry {
  return new GatewayTelemetry({ logger: new Logger({ logLevel: 'SILENT' }), metrics: new MemoryMetricWriter() });
}

/** Quiet gateway telemetry that also keeps each call's trace record, for tests that read what an operator would. */
export function recordingGatewayTelemetry(): { telemetry: GatewayTelemetry; traces: TraceRecord[] } {
  const traces: TraceRecord[] = [];
  const telemetry = quietGatewayTelemetry();
  const record = telemetry.record.bind(telemetry);
  telemetry.record = (trace) => {
    traces.push({ ...trace });
    record(trace);
  };
  return { telemetry, traces };
}
