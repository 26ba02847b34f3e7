import { Logger } from '@aws-lambda-powertools/logger';
import type { GatewayRequest } from '../core/http/types';
import type { Gateway } from '../core/pipeline/gateway';
import { streamingHandler, type HttpResponseStreamFactory, type StreamingHandler } from './adapter';
import { createDeployedGateway } from './runtime';

/** The Lambda runtime's streaming API (present in Node.js runtimes, not in type packages). */
declare const awslambda: {
  streamifyResponse(handler: StreamingHandler): StreamingHandler;
  HttpResponseStream: HttpResponseStreamFactory;
};

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'llm-gateway' });

// Built once per execution environment, on the first request.
let gateway: Promise<Gateway> | undefined;
const handle = async (request: GatewayRequest) => {
  gateway ??= createDeployedGateway(process.env, logger, __dirname).catch((error) => {
    gateway = undefined; // try again on the next request rather than failing forever
    throw error;
  });
  return (await gateway).handle(request);
};

export const handler = awslambda.streamifyResponse(
  streamingHandler(handle, awslambda.HttpResponseStream, (error) =>
    logger.error('gateway failed to start', error as Error),
  ),
);
