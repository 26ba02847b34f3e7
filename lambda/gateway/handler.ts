import { GATEWAY_SERVICE_NAME } from '../core/telemetry';
import type { GatewayRequest } from '../core/http/types';
import { buildOnce } from '../adapters/build-once';
import { HandlerTelemetry } from '../adapters/handler-telemetry';
import {
  streamingHandler,
  withTraceparent,
  type HttpResponseStreamFactory,
  type StreamingHandler,
} from '../adapters/api-gateway';
import { createDeployedGateway } from '../runtime/deployed-gateway';

/** The Lambda runtime's streaming API (present in Node.js runtimes, not in type packages). */
declare const awslambda: {
  streamifyResponse(handler: StreamingHandler): StreamingHandler;
  HttpResponseStream: HttpResponseStreamFactory;
};

const telemetry = new HandlerTelemetry({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? GATEWAY_SERVICE_NAME });
const gatewayTelemetry = telemetry.gatewayTelemetry();

// Built once per execution environment, on the first request.
const gateway = buildOnce(() => createDeployedGateway(process.env, gatewayTelemetry, __dirname));
const handle = async (request: GatewayRequest) =>
  // A caller without W3C trace context joins the invocation's X-Ray trace.
  (await gateway()).handle(withTraceparent(request, telemetry.traceparent));

export const handler = awslambda.streamifyResponse(
  telemetry.wrapStreaming(
    streamingHandler(handle, awslambda.HttpResponseStream, (error) =>
      telemetry.logger.error('gateway failed to start', error as Error),
    ),
  ),
);
