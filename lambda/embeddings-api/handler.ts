import { SQSClient } from '@aws-sdk/client-sqs';
import { buildOnce } from '../adapters/build-once';
import { proxyHandler } from '../adapters/proxy-adapter';
import { HandlerTelemetry } from '../adapters/handler-telemetry';
import { createDeployedEmbeddingsApi } from '../runtime/deployed-embeddings';

const telemetry = new HandlerTelemetry({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'llm-embeddings-api' });
const gatewayTelemetry = telemetry.gatewayTelemetry();

// Built once per execution environment, on the first request.
const api = buildOnce(
  async () =>
    (await createDeployedEmbeddingsApi(process.env, gatewayTelemetry, __dirname, { sqs: new SQSClient({}) })).api,
);

export const handler = telemetry.wrap(
  proxyHandler(
    async (request) => (await api()).handle(request),
    (error) => telemetry.logger.error('embeddings API failed', error as Error),
  ),
);
