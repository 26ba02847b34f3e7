import { SQSClient } from '@aws-sdk/client-sqs';
import type { EmbeddingsApi } from '../core/embeddings';
import { proxyHandler } from '../gateway/proxy-adapter';
import { HandlerTelemetry } from '../telemetry';
import { createDeployedEmbeddingsApi } from './runtime';

const telemetry = new HandlerTelemetry({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'llm-embeddings-api' });
const gatewayTelemetry = telemetry.gatewayTelemetry();

// Built once per execution environment, on the first request.
let api: Promise<EmbeddingsApi> | undefined;

export const handler = telemetry.wrap(
  proxyHandler(
    async (request) => {
      api ??= createDeployedEmbeddingsApi(process.env, gatewayTelemetry, __dirname, { sqs: new SQSClient({}) })
        .then(({ api }) => api)
        .catch((error) => {
          api = undefined; // built again on the next request rather than failing forever
          throw error;
        });
      return (await api).handle(request);
    },
    (error) => telemetry.logger.error('embeddings API failed', error as Error),
  ),
);
